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


def remote_execution(bob, alice, james):
    """Tutorial parts 3, 4 and 10 across processes: pointers to pointers, move, copies, shares made at a worker."""
    out = {}
    p2p2x = torch.tensor([1, 2, 3, 4, 5]).send(bob).send(alice)
    out["p2p"] = (p2p2x + p2p2x).get().get().tolist()
    x = torch.tensor([1.0, 2.0, 3.0]).send(bob)
    x.move(alice)
    log = alice.sync_message_log()
    out["moved_by_bob"] = any(r.kind == "send_many" and r.sender == "bob" for r in log)
    out["move"] = [x.location.id, x.get().tolist()]
    torch.manual_seed(3)
    model = nn.Linear(2, 1)
    bobs_model, alices_model = model.copy().send(bob), model.copy().send(alice)
    alices_model.move(james)
    bobs_model.move(james)
    average = ((alices_model.weight.data + bobs_model.weight.data) / 2).get()
    out["average"] = bool(torch.allclose(average, model.weight.data))
    bobs_model, alices_model = model.copy().send(bob), model.copy().send(alice)
    bobs_params = [p.copy().fix_precision().share(bob, alice, crypto_provider=james).get()
                   for p in bobs_model.parameters()]
    alices_params = [p.fix_precision().share(bob, alice, crypto_provider=james).get()
                     for p in alices_model.parameters()]
    new_params = [(b + a).get().float_precision() / 2 for b, a in zip(bobs_params, alices_params)]
    out["secure_average"] = all(torch.allclose(n, p.data, atol=1e-3) for n, p in zip(new_params, model.parameters()))
    return out


def private_data(bob, alice):
    """Private data at a worker process: refused to the client, through pointers, a move and a raw message."""
    from pyprivate.workers.client import request
    from pyprivate.workers.messages import GetObject

    def refusal(fetch):
        try:
            fetch()
        except sy.errors.PrivateDataError:
            return "refused"
        return "released"

    x = torch.tensor([1.0, 2.0, 3.0]).send(bob, private=True)
    total = (x * 2).sum()
    return {"get": refusal(x.get), "derived": refusal(total.copy().get),
            "raw": refusal(lambda: request(bob, GetObject(x.id_at_location, remove=False))),
            "request": total.request("the total, for a test")["status"],
            "after_request": refusal(total.copy().get), "move": refusal(lambda: total.move(alice)),
            "still_at_bob": total.location.id, "public": torch.tensor([4.0]).send(bob).get().tolist()}


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
    out["remote_execution"] = remote_execution(bob, alice, james)
    out["private"] = private_data(bob, alice)
    sy.leave()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
