"""The notebook side of the launcher tests: runs one scenario, prints JSON on its last line."""

import json
import os
import sys
import time

import torch

import pyprivate as sy


def no_workers(port):
    start = time.monotonic()
    try:
        sy.join(world=3, master=f"127.0.0.1:{port}", timeout=2)
        return {"error": None}
    except sy.errors.GroupFormationError as exc:
        return {"error": str(exc), "seconds": time.monotonic() - start}


def listening(pids):
    """The local addresses on which these processes listen for TCP connections (from ss)."""
    import subprocess

    try:
        table = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return sorted({line.split()[3].rsplit(":", 1)[0] for line in table.splitlines()
                   if any(f"pid={pid}," in line for pid in pids)})


def start_twice():
    out = {"pids": []}
    for round_ in range(2):
        bob, alice, james = sy.start_workers("bob", "alice", "james", timeout=20)
        out["pids"] += [w.pid for w in (bob, alice, james)]
        out["repr"] = repr(bob)
        out[f"listening{round_}"] = listening([os.getpid()] + [w.pid for w in (bob, alice, james)])
        x = torch.tensor([1, 2, 3]).send(bob)
        out[f"sum{round_}"] = (x + x).get().tolist()
        y = torch.tensor([1.5, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
        out[f"square{round_}"] = (y * y).get().float_precision().tolist()
        try:
            sy.start_workers("carol")
        except sy.errors.PyPrivateError as exc:
            out["twice"] = str(exc)
        sy.leave()
    return out


def orphan():
    workers = sy.start_workers("bob", "alice", timeout=20)
    print(json.dumps({"pids": [w.pid for w in workers]}), flush=True)
    os._exit(0)  # as a killed kernel would: no leave()


if __name__ == "__main__":
    sy.TorchHook(torch)
    mode = sys.argv[1]
    out = {"no_workers": lambda: no_workers(int(sys.argv[2])), "start_twice": start_twice, "orphan": orphan}[mode]()
    print(json.dumps(out), flush=True)
