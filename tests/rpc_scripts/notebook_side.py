"""The notebook side of the multi-process test: joins the group, runs the flows, prints JSON."""

import json
import os
import signal
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy


def part12(bob, alice, james, steps=5):
    torch.manual_seed(7)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(2, 2), nn.Linear(2, 1)

        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x)))

    data = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1.]]).fix_precision().share(bob, alice, crypto_provider=james)
    target = torch.tensor([[0], [0], [1], [1.]]).fix_precision().share(bob, alice, crypto_provider=james)
    model = Net().fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    opt = optim.SGD(model.parameters(), lr=0.1).fix_precision()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(data) - target) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(loss.get().float_precision().item())
    return losses


def main():
    world, master, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    sy.TorchHook(torch)
    workers = sy.join(world=world, master=master, timeout=10)
    bob, alice, james = workers["bob"], workers["alice"], workers["james"]
    out = {"repr": repr(bob)}
    x = torch.tensor([1, 2, 3, 4, 5]).send(bob)
    out["part1"] = (x + x).get().tolist()
    y = torch.tensor([1.0, 2.0], requires_grad=True).send(bob)
    (y * y).sum().backward()
    out["grad"] = y.get().grad.tolist()
    if mode == "kill":
        os.kill(int(sys.argv[4]), signal.SIGKILL)  # alice's process dies midway
        start = time.monotonic()
        try:
            torch.tensor([1]).share(bob, alice, crypto_provider=james)
            out["error"] = None
        except sy.errors.WorkerUnreachableError as exc:
            out["error"] = str(exc)[:200]
        out["seconds"] = time.monotonic() - start
        start = time.monotonic()
        sy.leave()  # tells bob and james to stop; nothing waits for alice
        out["leave_seconds"] = time.monotonic() - start
        print(json.dumps(out), flush=True)
        return
    out["part12"] = part12(bob, alice, james)
    sy.leave()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
