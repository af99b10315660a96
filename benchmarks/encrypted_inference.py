"""Encrypted inference (tutorial Part 11's MLP) against plaintext, on an idle machine and under load.

    python -m benchmarks.encrypted_inference            # 10 batches of 50, idle and with 2 busy processes
    python -m benchmarks.encrypted_inference --busy 4   # more processes competing for the cores
    python -m benchmarks.encrypted_inference --quick    # what CI runs, so that this cannot rot

Setting: MLP 784-500-10 with ReLU, model and data both shared between two
workers with a crypto provider, 3 fractional digits, batches of 50 MNIST
test images, no gradients. Printed, all from the same run: plaintext ms per
batch; encrypted ms per batch with ``sy.settings.protocol_threads = 1``
(the default) and with torch's own threads (``None``); rounds, messages and
megabytes per batch. Then the same with ``--busy`` other processes keeping
the cores busy (a class sharing one JupyterHub server), and the slowdown of
each against its idle run. Each figure is the median over the batches.
"""

import argparse
import multiprocessing
import statistics
import time

import torch
from torch import nn

import pyprivate as sy
from benchmarks.mnist_encrypted import RoundCounter, Traffic


def mlp():
    return nn.Sequential(nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 10))


def _spin(stop):
    while not stop.is_set():
        pass


class Busy:
    """``n`` processes that keep the cores busy while the block runs."""

    def __init__(self, n):
        self.n, self.processes = n, []

    def __enter__(self):
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.processes = [context.Process(target=_spin, args=(self.stop,), daemon=True) for _ in range(self.n)]
        for process in self.processes:
            process.start()
        time.sleep(0.5)  # let them get going
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def time_batches(run, batches):
    times = []
    for batch in batches:
        start = time.perf_counter()
        run(batch)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(model, shared_model, batches, workers, provider):
    """{setting: ms per batch} for plaintext and encrypted inference at 1 and at torch's own threads."""
    shared_batches = [x.fix_precision().share(*workers, crypto_provider=provider) for x in batches]

    def encrypted(x):
        with torch.no_grad():
            return shared_model(x).get().float_precision()

    def plain(x):
        with torch.no_grad():
            return model(x)

    plain(batches[0])  # warm-up
    result = {"plaintext": time_batches(plain, batches)}
    for threads in (1, None):
        with sy.settings.use(protocol_threads=threads):
            encrypted(shared_batches[0])  # warm-up: the first deal sets up the dealer's streams
            result[f"encrypted, protocol_threads={threads}"] = time_batches(encrypted, shared_batches)
    return result


def run(n_batches=10, batch_size=50, busy=2):
    hook = sy.TorchHook(torch)
    workers = [sy.VirtualWorker(hook, id=name) for name in ("bob", "alice")]
    provider = sy.VirtualWorker(hook, id="crypto_provider")
    images, labels = sy.data.load_mnist("test", limit=n_batches * batch_size)
    batches = list(images.view(-1, 784).split(batch_size))
    torch.manual_seed(0)
    model = mlp()
    shared_model = mlp()
    shared_model.load_state_dict(model.state_dict())
    shared_model.fix_precision().share(*workers, crypto_provider=provider)

    with Traffic(workers + [provider]) as traffic, RoundCounter() as counter, torch.no_grad():
        x = batches[0].fix_precision().share(*workers, crypto_provider=provider)
        shared_model(x).get()
    idle = measure(model, shared_model, batches, workers, provider)
    with Busy(busy):
        loaded = measure(model, shared_model, batches, workers, provider)
    return {"idle": idle, "busy": loaded, "busy_processes": busy, "rounds": counter.rounds,
            "messages": traffic.messages, "mb": traffic.nbytes / 1e6, "threads": torch.get_num_threads()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 batches")
    parser.add_argument("--busy", type=int, default=2, help="busy processes for the run under load (default 2)")
    args = parser.parse_args(argv)
    r = run(n_batches=3 if args.quick else 10, busy=args.busy)
    print(f"torch {torch.__version__}, {r['threads']} thread(s) by default; MLP 784-500-10, batch 50, "
          "model and data shared")
    print(f"per encrypted batch: {r['rounds']} rounds, {r['messages']} messages, {r['mb']:.1f} MB "
          "(sharing the batch and revealing the prediction included)")
    plain_idle, plain_busy = r["idle"]["plaintext"], r["busy"]["plaintext"]
    for setting in r["idle"]:
        idle, busy = r["idle"][setting], r["busy"][setting]
        ratios = f" ({idle / plain_idle:5.1f}x / {busy / plain_busy:5.1f}x plaintext)" if setting != "plaintext" else ""
        print(f"{setting:34} idle {idle:7.2f} ms | {r['busy_processes']} busy processes {busy:7.2f} ms "
              f"| slowdown {busy / idle:4.1f}x{ratios}")
    return r


if __name__ == "__main__":
    main()
