"""Encrypted MNIST training (tutorial part X) against plaintext, measured in the same run.

    python -m benchmarks.mnist_encrypted            # the tutorial's setting (640 items, 10 epochs)
    python -m benchmarks.mnist_encrypted --quick    # a small run that CI uses so this cannot rot
    python -m benchmarks.mnist_encrypted --crypten  # also CrypTen's training step, alternating with ours

Setting: MLP 784-128-64-10, squared error on one-hot targets, batch 64,
SGD lr 0.02, fixed precision base 10 with 3 fractional digits, two workers
and a crypto provider, evaluation on held-out items. Both runs start from
the same weights. Printed: ms per batch (plaintext, encrypted, ratio),
held-out accuracy, peak memory, the same with a quadratic activation, the
time spent by the crypto provider dealing, messages, megabytes and
rounds per encrypted batch, and a floor: the time the 64-bit integer matrix
products of one encrypted batch take on their own (see ``gemm_floor``).
Also, in the same run: both timed batch by batch in rounds of a
plaintext and an encrypted epoch, and the median of the rounds' ratios
(``alternating``: steadier on this drifting machine than one timing of
each whole run); plaintext on two threads, and the encrypted training
again with every in-process message encoded to bytes and decoded
(``sy.settings.wire_bytes``), as before messages were handed over as objects;
and where an encrypted batch's time goes, by category (``benchmarks/breakdown.py``,
two more epochs with timers around named functions). With ``--crypten``,
CrypTen's training step of the ReLU network alternates with ours for two
epochs (``benchmarks/crypten_peer.py``).

Plaintext training of the 100 batches takes a tenth of a second, so one
hiccup of this machine moves it by 20%; it is timed ``PLAIN_REPEATS``
times from the same weights and the median is reported (the accuracy is
the first run's). The encrypted run lasts seconds and is timed once.
"""

import argparse
import contextlib
import copy
import statistics
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy
from benchmarks.breakdown import Breakdown
from pyprivate.crypto.parties import Parties


class Net(nn.Module):
    def __init__(self, activation="relu"):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 128), nn.Linear(128, 64), nn.Linear(64, 10)
        self.activation = activation

    def act(self, x):
        return F.relu(x) if self.activation == "relu" else x * x

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))


class RoundCounter:
    """Counts protocol rounds (openings) while it is active."""

    def __init__(self):
        self.rounds, self._original = 0, Parties._combine

    def __enter__(self):
        counter = self

        def counting(parties, revealed, labels, xor):
            counter.rounds += 1
            return counter._original(parties, revealed, labels, xor)

        Parties._combine = counting
        return self

    def __exit__(self, *exc):
        Parties._combine = self._original


class Traffic:
    """Counts the messages the given workers receive, and their bytes both ways, while it is active.

    The bytes are added up at the end: an in-process message's size is
    computed when first read, which would otherwise land in the timed loop.
    """

    def __init__(self, workers):
        self.workers, self.messages, self.nbytes, self._stops, self._records = workers, 0, 0, [], []

    def __enter__(self):
        self._stops = [w.observe_messages(self._records.append) for w in self.workers]
        return self

    def __exit__(self, *exc):
        for stop in self._stops:
            stop()
        self.messages = len(self._records)
        self.nbytes = sum(record.nbytes + record.reply_nbytes for record in self._records)
        self._records = []


def batches(images, labels, batch_size):
    return [(images[i : i + batch_size], labels[i : i + batch_size]) for i in range(0, len(labels), batch_size)]


PLAIN_REPEATS = 5


def plain_step(model, opt, data, target):
    """One plaintext training step: the encrypted step's loss and update on plain tensors."""
    opt.zero_grad()
    output = model(data)
    loss = ((output - sy.data.one_hot(target)) ** 2).sum() / output.shape[0]
    loss.backward()
    opt.step()


def train_plain(model, train, epochs, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    start = time.perf_counter()
    for _ in range(epochs):
        for data, target in train:
            plain_step(model, opt, data, target)
    return (time.perf_counter() - start) * 1000 / (epochs * len(train))


def accuracy_plain(model, test):
    with torch.no_grad():
        correct = sum(model(d).argmax(dim=1).eq(t).sum().item() for d, t in test)
    return 100 * correct / sum(len(t) for _, t in test)


def share_for_training(model, train, lr, workers, provider, precision):
    """The batches and the model shared, and the optimizer: (shared batches, optimizer)."""
    # The tutorial shares the data with requires_grad=True; nothing uses those
    # gradients, so the benchmark leaves them out (a third of the first layer's work).
    def secret_share(tensor):
        return tensor.fix_precision(precision_fractional=precision).share(*workers, crypto_provider=provider)

    private_train = [(secret_share(d), secret_share(sy.data.one_hot(t))) for d, t in train]
    model.fix_precision(precision_fractional=precision).share(*workers, crypto_provider=provider, requires_grad=True)
    model.train()
    return private_train, optim.SGD(model.parameters(), lr=lr).fix_precision()


def encrypted_step(model, opt, data, target):
    """One encrypted training step (tutorial part X); returns the revealed loss."""
    opt.zero_grad()
    output = model(data)
    loss = ((output - target) ** 2).sum().refresh() / output.shape[0]
    loss.backward()
    opt.step()
    return loss.get().float_precision().item()


def train_encrypted(model, train, epochs, lr, workers, provider, precision, progress=None, around=None):
    """(ms per batch, losses) of encrypted training; ``around``: a context manager for the training loop only."""
    private_train, opt = share_for_training(model, train, lr, workers, provider, precision)
    losses = []
    with around or contextlib.nullcontext():
        start = time.perf_counter()
        for _ in range(epochs):
            for data, target in private_train:
                losses.append(encrypted_step(model, opt, data, target))
            if progress is not None:
                progress(len(losses) // len(private_train), epochs, losses[-1])
    return (time.perf_counter() - start) * 1000 / (epochs * len(private_train)), losses


def accuracy_encrypted(model, test, workers, provider, precision):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in test:
            data = data.fix_precision(precision_fractional=precision).share(*workers, crypto_provider=provider)
            target = target.float().fix_precision(precision_fractional=precision).share(*workers, crypto_provider=provider)
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target.view_as(pred)).sum()
    return 100 * correct.get().float_precision().item() / sum(len(t) for _, t in test)


LAYERS = ((784, 128), (128, 64), (64, 10))


def secure_products(batch_size, layers=LAYERS):
    """The matrix products, as ``(rows, inner, columns)``, of one training step of the MLP.

    Forward ``x @ W.t()`` per layer; backward the weight's gradient
    ``x.t() @ grad`` per layer, and the input's gradient ``grad @ W`` for
    every layer but the first (the data needs none).
    """
    products = [(batch_size, n_in, n_out) for n_in, n_out in layers]
    products += [(n_in, batch_size, n_out) for n_in, n_out in layers]
    products += [(batch_size, n_out, n_in) for n_in, n_out in layers[1:]]
    return products


GEMMS_PER_PRODUCT = 5  # each party: eps @ b_i and a_i @ delta; the crypto provider: c = a @ b


def gemm_floor(batch_size, repeats=20):
    """ms that the int64 matrix products of one encrypted training step take, with nothing else.

    A secure product of two shared matrices costs five products of 64-bit
    integer matrices of its shape (``GEMMS_PER_PRODUCT``). PyTorch has no
    BLAS for integers, so each is several times slower than the float32
    product plaintext training does once. This is a floor under the
    encrypted time per batch that no protocol change removes; the rest of
    it is dealing, the comparison circuits, messages and Python.
    """
    pairs = [(torch.randint(-2**62, 2**62, (m, k)), torch.randint(-2**62, 2**62, (k, n)))
             for m, k, n in secure_products(batch_size)]
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for a, b in pairs:
            for _ in range(GEMMS_PER_PRODUCT):
                torch.matmul(a, b)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def alternating(activation, state, train, lr, workers, provider, precision, rounds=8):
    """Plaintext and encrypted epochs in turn: (plaintext ms, encrypted ms, ratio) per batch, medians.

    The headline figures time each side's whole run once (the plaintext
    one five times), seconds apart, and this machine's speed drifts by a
    third over seconds to minutes. Here each round times a plaintext epoch
    (after one untimed epoch: plaintext steps run slower straight after
    encrypted ones, with the caches full of other data) and then an
    encrypted epoch, batch by batch; a round's ratio is the ratio of its two
    median batches, and the ratio reported is the median over the rounds.
    """
    model, private_train, opt = _ready_to_train(activation, state, train, lr, workers, provider, precision)
    plain = _net(activation, state)
    plain_opt = optim.SGD(plain.parameters(), lr=lr)
    plain_ms, encrypted_ms, ratios = [], [], []
    for _ in range(rounds):
        for timed in (False, True):
            for data, target in train:
                start = time.perf_counter()
                plain_step(plain, plain_opt, data, target)
                if timed:
                    plain_ms.append((time.perf_counter() - start) * 1000)
        for data, target in private_train:
            start = time.perf_counter()
            encrypted_step(model, opt, data, target)
            encrypted_ms.append((time.perf_counter() - start) * 1000)
        batches = len(train)
        ratios.append(statistics.median(encrypted_ms[-batches:]) / statistics.median(plain_ms[-batches:]))
    return statistics.median(plain_ms), statistics.median(encrypted_ms), statistics.median(ratios)


def _ready_to_train(activation, state, train, lr, workers, provider, precision):
    """(model, shared batches, optimizer) of a fresh network from ``state``, after one warm-up step."""
    model = _net(activation, state)
    private_train, opt = share_for_training(model, train, lr, workers, provider, precision)
    encrypted_step(model, opt, *private_train[0])
    return model, private_train, opt


def against_crypten(activation, state, train, lr, workers, provider, precision, epochs=2):
    """(pyprivate ms, CrypTen ms) per training batch, medians, their steps alternating (``crypten_peer``)."""
    from benchmarks.crypten_peer import TrainingPeer

    peer = TrainingPeer(batch_size=len(train[0][1]), lr=lr)
    model, private_train, opt = _ready_to_train(activation, state, train, lr, workers, provider, precision)
    ours, theirs = [], []
    for _ in range(epochs):
        for data, target in private_train:
            start = time.perf_counter()
            encrypted_step(model, opt, data, target)
            ours.append((time.perf_counter() - start) * 1000)
            theirs.append(peer.run_one())
    return statistics.median(ours), statistics.median(theirs)


def run(activation="relu", n_train=640, n_test=640, epochs=10, batch_size=64, lr=0.02, precision=3, seed=0,
        crypten=False):
    hook = sy.TorchHook(torch)
    workers = [sy.VirtualWorker(hook, id=f"worker{i + 1}") for i in range(2)]
    provider = sy.VirtualWorker(hook, id="crypto_provider")
    train = batches(*sy.data.load_mnist("train", limit=n_train), batch_size)
    test = batches(*sy.data.load_mnist("test", limit=n_test), batch_size)
    torch.manual_seed(seed)
    plain = Net(activation)
    start = copy.deepcopy(plain.state_dict())
    encrypted = _net(activation, start)
    repeats = [train_plain(plain, train, epochs, lr)]
    repeats += [train_plain(_net(activation, start), train, epochs, lr) for _ in range(PLAIN_REPEATS - 1)]
    plain_ms = statistics.median(repeats)
    plain_two_threads_ms = _with_threads(2, lambda: statistics.median(
        train_plain(_net(activation, start), train, epochs, lr) for _ in range(PLAIN_REPEATS)))
    floor_ms = gemm_floor(batch_size)
    deal_time = _time_dealing(provider)
    with Traffic(workers + [provider]) as traffic, RoundCounter() as counter:
        enc_ms, losses = train_encrypted(encrypted, train, epochs, lr, workers, provider, precision, _progress(activation))
    dealer_s = deal_time()
    with sy.settings.use(wire_bytes=True):  # the same training, every message encoded and decoded
        wire_ms, _ = train_encrypted(_net(activation, start), train, epochs, lr, workers, provider, precision)
    breakdown_epochs = min(epochs, 2)  # the same training with timers around named functions (benchmarks/breakdown.py)
    breakdown = Breakdown.of_protocols()
    train_encrypted(_net(activation, start), train, breakdown_epochs, lr, workers, provider, precision, around=breakdown)
    steps = epochs * len(train)
    paired = alternating(activation, start, train, lr, workers, provider, precision)
    versus = against_crypten(activation, start, train, lr, workers, provider, precision) if crypten else None
    return {
        "crypten": versus,
        "alternating": paired,
        "activation": activation,
        "plain_ms": plain_ms,
        "encrypted_ms": enc_ms,
        "ratio": enc_ms / plain_ms,
        "plain_two_threads_ms": plain_two_threads_ms,
        "wire_bytes_ms": wire_ms,
        "gemm_floor_ms": floor_ms,
        "gemms_per_batch": GEMMS_PER_PRODUCT * len(secure_products(batch_size)),
        "plain_acc": accuracy_plain(plain, test),
        "encrypted_acc": accuracy_encrypted(encrypted, test, workers, provider, precision),
        "dealer_s": dealer_s,
        "messages_per_batch": traffic.messages / steps,
        "mb_per_batch": traffic.nbytes / steps / 1e6,
        "rounds_per_batch": counter.rounds / steps,
        "losses": losses,
        "breakdown": breakdown,
        "breakdown_batches": breakdown_epochs * len(train),
        "source": sy.data.load_mnist.source,
    }


def _net(activation, state):
    """A fresh network of ``activation`` with the weights ``state`` (it draws its own first, as Net() does)."""
    net = Net(activation)
    net.load_state_dict(state)
    return net


def _with_threads(n, measure):
    """``measure()`` with torch on ``n`` threads, then back to as many as before."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        return measure()
    finally:
        torch.set_num_threads(before)


def _progress(activation):
    """Show on stderr how far the encrypted training is (it lasts several seconds per epoch)."""
    def show(epoch, epochs, loss):
        end = "\n" if epoch == epochs else ""
        print(f"\r{activation}: encrypted epoch {epoch}/{epochs}, loss {loss:.3f}", end=end, file=sys.stderr, flush=True)

    return show


def _time_dealing(provider):
    """Wrap the provider's message handler to measure the time it spends dealing."""
    spent = [0.0]
    handle = provider._deal

    def timed(message):
        start = time.perf_counter()
        try:
            return handle(message)
        finally:
            spent[0] += time.perf_counter() - start

    provider._deal = timed
    return lambda: spent[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 training items, 1 epoch")
    parser.add_argument("--crypten", action="store_true", help="also time CrypTen's encrypted training step")
    args = parser.parse_args(argv)
    size = dict(n_train=128, n_test=128, epochs=1) if args.quick else {}
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    results = []
    for activation in ("relu", "square"):
        r = run(activation, **size, crypten=args.crypten and activation == "relu")
        results.append(r)
        print(
            f"{activation:6s}: plaintext {r['plain_ms']:7.2f} ms/batch | encrypted {r['encrypted_ms']:8.1f} ms/batch "
            f"| ratio {r['ratio']:6.1f}x | held-out accuracy plaintext {r['plain_acc']:5.1f}% encrypted "
            f"{r['encrypted_acc']:5.1f}% | crypto provider {r['dealer_s']:.2f} s"
        )
        print(f"        per encrypted batch: {r['messages_per_batch']:.0f} messages, {r['mb_per_batch']:.1f} MB, "
              f"{r['rounds_per_batch']:.0f} rounds")
        print(f"        plaintext on 2 threads: {r['plain_two_threads_ms']:.2f} ms/batch "
              f"(encrypted: {r['encrypted_ms'] / r['plain_two_threads_ms']:.1f}x); encrypted with every in-process "
              f"message as wire bytes: {r['wire_bytes_ms']:.1f} ms/batch ({r['wire_bytes_ms'] / r['plain_ms']:.1f}x)")
        print(f"        floor: its {r['gemms_per_batch']} int64 matrix products alone take {r['gemm_floor_ms']:.1f} ms "
              f"({r['gemm_floor_ms'] / r['plain_ms']:.1f}x the plaintext batch)")
        plain_median, encrypted_median, paired = r["alternating"]
        print(f"        epochs in turn, batch by batch (medians): plaintext {plain_median:.2f} ms, encrypted "
              f"{encrypted_median:.1f} ms, ratio {paired:.1f}x (median of the rounds' ratios)")
        r["breakdown"].report(r["breakdown_batches"], untimed_ms=r["encrypted_ms"])
        if r["crypten"] is not None:
            ours, theirs = r["crypten"]
            print(f"        CrypTen's training step, alternating with ours: {theirs:.1f} ms against {ours:.1f} ms "
                  f"(pyprivate {theirs / ours:.2f}x as fast)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole process): {peak:.0f} MB; MNIST source: {results[0]['source']}")
    return results


if __name__ == "__main__":
    main()
