"""Start a worker in this process: ``python -m pyprivate.worker --name bob --rank 1 --world 4``.

The notebook joins the same group with ``sy.join(world=4)`` (it is rank 0,
the worker "me"). See :mod:`pyprivate.workers.rpc` for the trust model.
"""

import argparse
import os
import sys
import threading
import time

from .errors import GroupFormationError
from .workers.rpc import serve


def exit_with(parent):
    """End this process soon after the process ``parent`` is gone (e.g. a restarted notebook kernel)."""

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, daemon=True, name="pyprivate-parent-watch").start()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a pyprivate worker in this process.")
    parser.add_argument("--name", required=True, help="the worker's id, e.g. bob")
    parser.add_argument("--rank", type=int, required=True, help="1, 2, ... (the notebook is rank 0)")
    parser.add_argument("--world", type=int, required=True, help="number of processes, notebook included")
    parser.add_argument("--master", default="127.0.0.1:29500", help="host:port of the group's rendezvous")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the group and for answers")
    parser.add_argument("--parent", type=int, help="exit when the process with this id (our parent) ends")
    args = parser.parse_args(argv)
    if args.rank < 1:
        parser.error("rank 0 is the notebook (sy.join); workers use ranks 1, 2, ...")
    if args.parent is not None:
        exit_with(args.parent)
    print(f"worker {args.name} (rank {args.rank} of {args.world}) joining {args.master}", flush=True)
    try:
        serve(args.name, args.rank, args.world, args.master, args.timeout)
    except GroupFormationError as exc:
        print(f"worker {args.name}: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    print(f"worker {args.name}: the group shut down", flush=True)


if __name__ == "__main__":
    main()
