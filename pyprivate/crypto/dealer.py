"""The crypto provider: a trusted dealer of correlated randomness.

Multiplying or comparing secret-shared values needs random values with a
known *relation*, for example a Beaver triple (a, b, c) with c = a*b. A
trusted third party, the dealer, draws them and hands each party its
shares. The dealer never receives anything that depends on the data: its
only inputs are shapes, the number of parties, and public constants. It
must not collude with the parties (honest-but-curious, non-colluding).

Every method returns one list of per-party shares per dealt value; the
protocols place them with ``Parties.deal``. ``DealerLog`` counts what was
dealt, so benchmarks can report the dealer's cost.
"""

from collections import Counter
from dataclasses import dataclass, field

import torch

from .prng import PRNG
from .ring import LOW63_MASK, floor_div, msb
from .sharing import share, xor_share

BEAVER_OPS = {
    "mul": torch.mul,
    "matmul": torch.matmul,
    "square": lambda a, _b: a * a,
}


@dataclass
class DealerLog:
    """How many items of each kind were dealt, and how many int64s in total."""

    items: Counter = field(default_factory=Counter)
    elements: Counter = field(default_factory=Counter)

    def record(self, kind: str, sharings):
        self.items[kind] += 1
        self.elements[kind] += sum(s.numel() for sharing in sharings for s in sharing)

    def total_bytes(self) -> int:
        """Bytes sent by the dealer to all parties together."""
        return 8 * sum(self.elements.values())


class Dealer:
    """Draws correlated randomness from ``prng`` and splits it into shares."""

    def __init__(self, prng: PRNG | None = None):
        self.prng = prng if prng is not None else PRNG()
        self.log = DealerLog()

    def arith_shares(self, secret: torch.Tensor, n: int) -> list[torch.Tensor]:
        """Additive shares of one of the dealer's own values."""
        return share(secret, n, self.prng)

    def beaver_triple(self, op: str, shape_a, shape_b, n: int) -> tuple:
        """Shares of (a, b, c = op(a, b)) with a, b uniform; for "square", of (a, a*a).

        ``c`` is computed in the ring; ``op`` broadcasts exactly as torch does.
        """
        if op not in BEAVER_OPS:
            raise ValueError(f"unknown Beaver op {op!r}; use one of {sorted(BEAVER_OPS)}")
        a = self.prng.ring(shape_a)
        b = None if op == "square" else self.prng.ring(shape_b)
        c = BEAVER_OPS[op](a, b)
        values = (a, c) if op == "square" else (a, b, c)
        sharings = tuple(share(v, n, self.prng) for v in values)
        self.log.record(f"triple.{op}", sharings)
        return sharings

    def binary_triple(self, shape, n: int) -> tuple:
        """XOR shares of (a, b, c = a & b) for uniform 64-bit a, b."""
        a, b = self.prng.ring(shape), self.prng.ring(shape)
        sharings = tuple(xor_share(v, n, self.prng) for v in (a, b, a & b))
        self.log.record("triple.and", sharings)
        return sharings

    def dabit(self, shape, n: int) -> tuple:
        """A uniform random bit r, as (additive shares of r, XOR shares of r)."""
        r = self.prng.bits(shape)
        sharings = (share(r, n, self.prng), xor_share(r, n, self.prng, bits=True))
        self.log.record("dabit", sharings)
        return sharings

    def zero_shares(self, shape, n: int) -> tuple:
        """Fresh additive shares of zero, to re-randomise a sharing (``refresh``)."""
        sharings = (share(torch.zeros(shape, dtype=torch.int64), n, self.prng),)
        self.log.record("zero", sharings)
        return sharings

    def truncation_material(self, shape, n: int, divisor: int) -> tuple:
        """Shares of r (uniform), msb(r) and floor((r mod 2^63) / divisor).

        See ``truncation.truncate`` for how the parties use them.
        """
        r = self.prng.ring(shape)
        r_div = floor_div(r & LOW63_MASK, divisor)
        sharings = tuple(share(v, n, self.prng) for v in (r, msb(r), r_div))
        self.log.record("truncation", sharings)
        return sharings
