"""Encrypted inference (tutorial Part 11's MLP and a small CNN) against plaintext, idle and under load.

    python -m benchmarks.encrypted_inference            # 10 batches of 50 per network, idle and with 2 busy processes
    python -m benchmarks.encrypted_inference --busy 4   # more processes competing for the cores
    python -m benchmarks.encrypted_inference --network cnn
    python -m benchmarks.encrypted_inference --quick    # what CI runs, so that this cannot rot

Networks: Part 11's MLP 784-500-10 with ReLU, and the CNN conv5x5 1->16,
relu, maxpool2, conv5x5 16->16, relu, maxpool2, linear 256->100, relu,
linear 100->10. Model and data are both shared between two workers with a
crypto provider, 3 fractional digits, batches of 50 MNIST test images, no
gradients. Printed per network, all from the same run: plaintext ms per
batch; encrypted ms per batch with ``sy.settings.protocol_threads = 1``
(the default) and with torch's own threads (``None``); rounds, messages and
megabytes per batch. Then the same with ``--busy`` other processes keeping
the cores busy (a class sharing one JupyterHub server), and the slowdown of
each against its idle run. Each figure is the median over the batches.
Last, where an encrypted batch's time goes, by category (the batches once
more with timers, ``benchmarks/breakdown.py``).

If CrypTen can be imported (``--crypten``, see ``benchmarks/crypten_peer.py``)
its encrypted inference of the same networks runs in the same process too.
"""

import argparse
import multiprocessing
import statistics
import time

import torch
from torch import nn

import pyprivate as sy
from benchmarks.breakdown import Breakdown
from benchmarks.mnist_encrypted import RoundCounter, Traffic


def mlp():
    """Tutorial Part 11's network."""
    return nn.Sequential(nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 10))


def cnn():
    """A LeNet-like CNN for 28x28 images (the network CrypTen's benchmarks use)."""
    return nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 100), nn.ReLU(), nn.Linear(100, 10))


NETWORKS = {"mlp": (mlp, (-1, 784)), "cnn": (cnn, (-1, 1, 28, 28))}


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


def measure(model, shared_model, batches, workers, provider, peer=None):
    """{setting: ms per batch} for plaintext and encrypted inference at 1 and at torch's own threads.

    With a CrypTen ``peer``, its batches alternate with pyprivate's at each
    thread setting (CrypTen on as many torch threads), so that both see the
    same machine.
    """
    shared_batches = [x.fix_precision().share(*workers, crypto_provider=provider) for x in batches]

    def encrypted(x):
        with torch.no_grad():
            return shared_model(x).get().float_precision()

    def plain(x):
        with torch.no_grad():
            return model(x)

    plain(batches[0])  # warm-up
    result = {"plaintext": time_batches(plain, batches)}
    default_threads = torch.get_num_threads()
    for threads in (1, None):
        with sy.settings.use(protocol_threads=threads):
            encrypted(shared_batches[0])  # warm-up: the first deal sets up the dealer's streams
            if peer is None:
                result[f"encrypted, protocol_threads={threads}"] = time_batches(encrypted, shared_batches)
                continue
            ours, theirs = [], []
            for x in shared_batches:
                ours.append(time_batches(encrypted, [x]))
                torch.set_num_threads(threads or default_threads)
                theirs.append(peer.run_one())
                torch.set_num_threads(default_threads)
            result[f"encrypted, protocol_threads={threads}"] = statistics.median(ours)
            result[f"CrypTen, {threads or default_threads} thread(s)"] = statistics.median(theirs)
    return result


def run_network(name, workers, provider, n_batches=10, batch_size=50, busy=2, peer=None):
    """Figures for one network: plaintext and encrypted ms per batch, idle and busy, and its traffic."""
    make, shape = NETWORKS[name]
    images, _ = sy.data.load_mnist("test", limit=n_batches * batch_size)
    batches = list(images.reshape(shape).split(batch_size))
    torch.manual_seed(0)
    model, shared_model = make(), make()
    shared_model.load_state_dict(model.state_dict())
    shared_model.fix_precision().share(*workers, crypto_provider=provider)

    traffic_of = []
    for x in batches[:2]:  # the first batch keeps the weights' masks; the next ones reuse them (kept_masks)
        x = x.fix_precision().share(*workers, crypto_provider=provider)
        with Traffic(workers + [provider]) as traffic, RoundCounter() as counter, torch.no_grad():
            shared_model(x).get()
        traffic_of.append((counter.rounds, traffic.messages, traffic.nbytes / 1e6))
    idle = measure(model, shared_model, batches, workers, provider, peer)
    with Busy(busy):
        loaded = measure(model, shared_model, batches, workers, provider)
    return {"idle": idle, "busy": loaded, "busy_processes": busy, "rounds": traffic_of[-1][0],
            "messages": traffic_of[-1][1], "mb": traffic_of[-1][2], "first_mb": traffic_of[0][2],
            "breakdown": where_time_goes(shared_model, batches, workers, provider), "batches": len(batches)}


def where_time_goes(shared_model, batches, workers, provider):
    """The batches once more, one protocol thread, with timers by category (benchmarks/breakdown.py)."""
    shared_batches = [x.fix_precision().share(*workers, crypto_provider=provider) for x in batches]
    breakdown = Breakdown.of_protocols()
    with sy.settings.use(protocol_threads=1), torch.no_grad(), breakdown:
        for x in shared_batches:
            shared_model(x).get().float_precision()
    return breakdown


def run(networks=("mlp", "cnn"), n_batches=10, batch_size=50, busy=2, crypten=False):
    """{network: figures}, and "threads": torch's default thread count."""
    hook = sy.TorchHook(torch)
    workers = [sy.VirtualWorker(hook, id=name) for name in ("bob", "alice")]
    provider = sy.VirtualWorker(hook, id="crypto_provider")
    result = {}
    for name in networks:
        peer = None
        if crypten:
            from benchmarks import crypten_peer

            peer = crypten_peer.Peer(name, NETWORKS[name][1], batch_size)
        result[name] = run_network(name, workers, provider, n_batches, batch_size, busy, peer)
    result["threads"] = torch.get_num_threads()
    return result


def report(name, r, threads, batch_size):
    print(f"\n{name.upper()}, batch {batch_size}, model and data shared; {threads} torch thread(s) by default")
    print(f"per encrypted batch: {r['rounds']} rounds, {r['messages']} messages, {r['mb']:.1f} MB "
          f"(sharing the batch and revealing the prediction included; the first batch, which keeps the "
          f"weights' masks: {r['first_mb']:.1f} MB)")
    plain_idle, plain_busy = r["idle"]["plaintext"], r["busy"]["plaintext"]
    for setting in r["busy"]:
        idle, busy = r["idle"][setting], r["busy"][setting]
        ratios = f" ({idle / plain_idle:5.1f}x / {busy / plain_busy:5.1f}x plaintext)" if setting != "plaintext" else ""
        print(f"{setting:34} idle {idle:7.2f} ms | {r['busy_processes']} busy processes {busy:7.2f} ms "
              f"| slowdown {busy / idle:4.1f}x{ratios}")
    r["breakdown"].report(r["batches"], untimed_ms=r["idle"]["encrypted, protocol_threads=1"])
    peers = [s for s in r["idle"] if s.startswith("CrypTen")]
    for setting, ours in zip(peers, ("encrypted, protocol_threads=1", "encrypted, protocol_threads=None")):
        ms = r["idle"][setting]
        print(f"{setting + ', idle':34} {ms:7.2f} ms ({ms / plain_idle:5.1f}x plaintext), batches alternating "
              f"with pyprivate's: pyprivate on as many threads is {ms / r['idle'][ours]:.2f}x as fast")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 batches of 10")
    parser.add_argument("--busy", type=int, default=2, help="busy processes for the run under load (default 2)")
    parser.add_argument("--network", choices=[*NETWORKS, "all"], default="all")
    parser.add_argument("--crypten", action="store_true", help="also time CrypTen's encrypted inference")
    args = parser.parse_args(argv)
    networks = tuple(NETWORKS) if args.network == "all" else (args.network,)
    size = dict(n_batches=2, batch_size=10) if args.quick else dict(n_batches=10, batch_size=50)
    r = run(networks, **size, busy=args.busy, crypten=args.crypten)
    print(f"torch {torch.__version__}")
    for name in networks:
        report(name, r[name], r["threads"], size["batch_size"])
    return r


if __name__ == "__main__":
    main()
