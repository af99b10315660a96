"""Start a worker in this process: ``python -m pyprivate.worker --name bob --rank 1 --world 4``.

The notebook joins the same group with ``sy.join(world=4)`` (it is rank 0,
the worker "me"). See :mod:`pyprivate.workers.rpc` for the trust model.
"""

import argparse

from .workers.rpc import serve


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a pyprivate worker in this process.")
    parser.add_argument("--name", required=True, help="the worker's id, e.g. bob")
    parser.add_argument("--rank", type=int, required=True, help="1, 2, ... (the notebook is rank 0)")
    parser.add_argument("--world", type=int, required=True, help="number of processes, notebook included")
    parser.add_argument("--master", default="127.0.0.1:29500", help="host:port of the group's rendezvous")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer")
    args = parser.parse_args(argv)
    if args.rank < 1:
        parser.error("rank 0 is the notebook (sy.join); workers use ranks 1, 2, ...")
    print(f"worker {args.name} (rank {args.rank} of {args.world}) joining {args.master}", flush=True)
    serve(args.name, args.rank, args.world, args.master, args.timeout)


if __name__ == "__main__":
    main()
