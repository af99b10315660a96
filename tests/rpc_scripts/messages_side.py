"""The notebook side of the MessagesView test across processes: prints JSON on its last line."""

import json

import torch

import pyprivate as sy
from pyprivate.widgets import MessagesView


def main():
    sy.TorchHook(torch)
    bob, alice, james = sy.start_workers("bob", "alice", "james", timeout=20)
    view = MessagesView(bob, alice, james)
    x = torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = torch.tensor([0.5, -1.0]).fix_precision().share(bob, alice, crypto_provider=james)
    with view:
        z = x * y
    out = {"records": [[r.kind, r.sender, r.receiver] for r in view.records], "crossed": view.crossed,
           "processes": {name: [p.pid, p.rank, p.host] for name, p in view.processes.items()},
           "started": {w.id: w.pid for w in (bob, alice, james)}, "product": z.get().float_precision().tolist(),
           "logged_here": sum(len(w.message_log) for w in (bob, alice, james)) - len(view.records)}
    sy.leave()
    out["after_leave"] = view.refresh().total.messages
    out["repr"] = repr(view)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
