"""Encrypted MNIST training with workers in separate processes, next to the same run in-process.

    python -m benchmarks.mnist_rpc            # 640 training items, 1 epoch
    python -m benchmarks.mnist_rpc --quick    # 128 items (what CI runs)

Starts three worker processes (two parties and a crypto provider) on
loopback with torch.distributed.rpc, trains the tutorial's MLP on
encrypted data, and prints ms per batch and protocol rounds per batch, for
the processes and for virtual workers in this process.
"""

import argparse
import time

import torch

import pyprivate as sy

from . import mnist_encrypted
from .mnist_encrypted import RoundCounter


def train(workers, provider, n_train):
    train = mnist_encrypted.batches(*sy.data.load_mnist("train", limit=n_train), 64)
    torch.manual_seed(0)
    with RoundCounter() as counter:
        ms, _ = mnist_encrypted.train_encrypted(mnist_encrypted.Net(), train, 1, 0.02, workers, provider, 3)
    return ms, counter.rounds / len(train)


def run(n_train=640):
    sy.TorchHook(torch)
    names = ["worker1", "worker2", "crypto_provider"]
    local = [sy.VirtualWorker(id=f"local_{name}") for name in names]
    local_ms, local_rounds = train(local[:2], local[2], n_train)

    workers = sy.start_workers(*names)
    try:
        rpc_ms, rpc_rounds = train(workers[:2], workers[2], n_train)
    finally:
        sy.leave()
    return {"in_process_ms": local_ms, "processes_ms": rpc_ms, "rounds_per_batch": rpc_rounds,
            "in_process_rounds_per_batch": local_rounds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 training items")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    r = run(128 if args.quick else 640)
    print(f"encrypted training, batch 64: in-process {r['in_process_ms']:.1f} ms/batch, "
          f"3 worker processes over RPC {r['processes_ms']:.1f} ms/batch "
          f"({r['processes_ms'] / r['in_process_ms']:.1f}x); {r['rounds_per_batch']:.0f} rounds per batch "
          f"(total {time.perf_counter() - start:.0f} s)")
    return r


if __name__ == "__main__":
    main()
