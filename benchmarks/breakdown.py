"""Where an encrypted batch's time goes: self time per category, measured with timers around named functions.

    with Breakdown.of_protocols() as breakdown:
        train_some_batches()
    breakdown.report(batches=20)

Each category is a set of functions (protocol steps, the dealer, the AES
keystream, in-process message handover, ...). A timer around each call
counts its *own* time: the time of a timed function it calls is counted
under that function's category, not twice. What no timer covers (autograd,
the optimizer, torch's dispatch to pyprivate's tensor classes, the protocol
drivers that build messages) is the remainder, ``total - sum``. The timers
cost about a microsecond per call, a few percent of a batch; the report
prints the batch time with and without them.
"""

import collections
import time

from pyprivate.crypto import bilinear, dealer, parties, prng, truncation
from pyprivate.tensors import worker_parties
from pyprivate.workers import base, client, handover

CATEGORIES = {
    "products": "int64 products (matmuls, convolutions) at parties and dealer",
    "division": "int64 division (local truncation)",
    "aes": "AES keystream (shares and masks drawn)",
    "steps": "other elementwise work of the party steps",
    "dealer": "the dealer's other work",
    "handover": "in-process messages handed over (copies, wire sizes)",
    "messaging": "messaging Python (requests, replies, refs, storing results)",
}
REMAINDER = "the rest: autograd, optimizer, dispatch to the tensor classes, protocol drivers"


class Breakdown:
    """Timers around functions, by category; a context manager that puts them in and takes them out."""

    def __init__(self):
        self.seconds = collections.Counter()
        self._children = []  # per active timed call: the time its timed callees took
        self._undo = []
        self.wall = 0.0

    def timed(self, original, category):
        """``original`` with a timer that counts its own time under ``category``."""
        seconds, children = self.seconds, self._children

        def timed(*args, **kwargs):
            start = time.perf_counter()
            children.append(0.0)
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                seconds[category] += elapsed - children.pop()
                if children:
                    children[-1] += elapsed

        return timed

    def wrap(self, owner, name, category, returned=False):
        """Time ``owner.name`` (or ``owner[name]`` for a dict) under ``category`` until the block ends.

        With ``returned``, time the functions it returns instead (``bilinear.lookup(op)``).
        """
        is_dict = isinstance(owner, dict)
        original = owner[name] if is_dict else getattr(owner, name)
        if returned:
            replacement = lambda *args, **kwargs: self.timed(original(*args, **kwargs), category)  # noqa: E731
        else:
            replacement = self.timed(original, category)
        if is_dict:
            owner[name] = replacement
        else:
            setattr(owner, name, replacement)
        self._undo.append((owner, name, original, is_dict))

    @classmethod
    def of_protocols(cls):
        """A breakdown with the categories of :data:`CATEGORIES` wired in."""
        b = cls()
        b.wrap(bilinear, "lookup", "products", returned=True)
        b.wrap(bilinear, "matmul_finish", "products")
        b.wrap(truncation, "floor_div", "division")
        b.wrap(prng.PRNG, "_keystream", "aes")
        for step in list(parties.PARTY_STEPS):
            b.wrap(parties.PARTY_STEPS, step, "steps")
        b.wrap(dealer.Dealer, "bundle", "dealer")
        b.wrap(handover, "hand", "handover")
        b.wrap(base.BaseWorker, "_receive", "messaging")
        b.wrap(client, "request_each", "messaging")
        b.wrap(worker_parties, "request_each", "messaging")
        return b

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._start
        for owner, name, original, is_dict in reversed(self._undo):
            if is_dict:
                owner[name] = original
            else:
                setattr(owner, name, original)
        self._undo.clear()

    def per_batch(self, batches):
        """{description: ms per batch}, the remainder last."""
        rows = {CATEGORIES[c]: 1000 * self.seconds[c] / batches for c in CATEGORIES}
        rows[REMAINDER] = 1000 * self.wall / batches - sum(rows.values())
        return rows

    def report(self, batches, untimed_ms=None):
        total = 1000 * self.wall / batches
        note = f"; without the timers {untimed_ms:.1f} ms" if untimed_ms is not None else ""
        print(f"        where a batch goes ({total:.1f} ms with the timers{note}):")
        for what, ms in sorted(self.per_batch(batches).items(), key=lambda row: -row[1]):
            print(f"          {ms:6.2f} ms  {100 * ms / total:4.1f}%  {what}")
