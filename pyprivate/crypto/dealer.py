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

from . import bilinear, step_masks
from . import carry_layout as layout
from .kept_masks import KeptValues
from .prng import PRNG, kind_dtype
from .ring import LOW63_MASK, floor_div, msb


@dataclass
class DealerLog:
    """How many items of each kind were dealt, and how many elements and bytes in total."""

    items: Counter = field(default_factory=Counter)
    elements: Counter = field(default_factory=Counter)
    nbytes: Counter = field(default_factory=Counter)

    def record(self, kind: str, sharings):
        self.items[kind] += 1
        self.elements[kind] += sum(s.numel() for sharing in sharings for s in sharing)
        self.nbytes[kind] += sum(s.numel() * s.element_size() for sharing in sharings for s in sharing)

    def total_bytes(self) -> int:
        """Bytes dealt to all parties together (before seeded dealing spares most of them)."""
        return sum(self.nbytes.values())


class Dealer:
    """Draws correlated randomness from ``prng`` and splits it into shares.

    **Seeded dealing.** When ``bundle`` is given one PRNG stream per party
    (each shared, by key, between the dealer and that party only), a share
    that is just uniform noise is *drawn* from the party's stream instead
    of being sent: the party draws the same numbers itself. Uniform values
    (a, b of a triple, r) are defined as the sum of drawn shares, so only
    the last party's share of a derived value (c = a*b, msb(r), ...) has to
    travel. ``drawn`` holds the ids of the shares of the last bundle that
    were drawn that way, so a remote dealer knows what to send.
    """

    def __init__(self, prng: PRNG | None = None):
        self.prng = prng if prng is not None else PRNG()
        self.log = DealerLog()
        self.kept = KeptValues()  # masks kept for operands that do not change
        self.streams = None
        self.drawn = {}  # id(share) -> (kind, order drawn), for the last bundle's shares drawn from streams

    def _draw(self, stream: PRNG, shape, kind: str) -> torch.Tensor:
        share = stream.draw(kind, shape)
        self.drawn[id(share)] = (kind, len(self.drawn))  # the order matters: a party must draw alike
        return share

    def _random(self, shape, n: int, kind: str = "add"):
        """A uniform value and its shares: ``kind`` is one of ``prng.KINDS`` ("add", "xor", "bits", "bytes")."""
        if self.streams is None:
            value = self.prng.draw(kind, shape)
            return value, self._share(value, n, kind)
        shares = [self._draw(stream, shape, kind) for stream in self.streams]
        value = shares[0].clone() if len(shares) == 1 else shares[0]  # the sum below is a new tensor
        for s in shares[1:]:
            value = value + s if kind == "add" else value ^ s
        return value, shares

    def _share(self, value, n: int, kind: str = "add") -> list:
        """Shares of a value the dealer computed: the last party's share is the only one to send."""
        if self.streams is None:
            shares = [self.prng.draw(kind, value.shape) for _ in range(n - 1)]
        else:
            shares = [self._draw(stream, value.shape, kind) for stream in self.streams[:-1]]
        last = value.to(kind_dtype(kind))
        for s in shares:
            last = last - s if kind == "add" else last ^ s  # a new tensor, never the dealer's value
        return shares + [last if shares else last.clone()]

    def arith_shares(self, secret: torch.Tensor, n: int) -> list[torch.Tensor]:
        """Additive shares of one of the dealer's own values."""
        return self._share(secret, n)

    def beaver_triple(self, op: str, shape_a, shape_b, n: int, keep: int | None = None, backward: str = "") -> tuple:
        """Shares of (a, b, c = op(a, b)) with a, b uniform; for "square", of (a, a*a).

        ``c`` is computed in the ring; ``op`` is a name from :mod:`.bilinear`
        and broadcasts exactly as torch does. With ``keep``, the dealer keeps
        b under that key for :meth:`beaver_triple_kept` (see :mod:`.kept_masks`).

        With ``backward`` ("x", "y" or "xy"), also shares of a uniform a_g
        shaped like the product and of c_x = a_g @ b.T ("x") and c_y = a.T @ a_g
        ("y"), or a_g * b and a * a_g for "mul": the backward products'
        triples, which reuse a and b (see :mod:`.step_masks`).
        """
        f = bilinear.lookup(op)  # an unknown name fails here, before anything is drawn
        if backward and (not step_masks.reusable(op, shape_a, shape_b) or set(backward) - {"x", "y"}):
            raise ValueError(f"backward material is for products of two matrices or two tensors of one shape, "
                             f"got {op} of {tuple(shape_a)} and {tuple(shape_b)} for {backward!r}")
        a, a_shares = self._random(shape_a, n)
        if op == "square":
            sharings = (a_shares, self._share(a * a, n))
        else:
            b, b_shares = self._random(shape_b, n)
            product = f(a, b)
            sharings = (a_shares, b_shares, self._share(product, n))
            if keep is not None:
                self.kept.keep(keep, b)
            if backward:
                a_g, g_shares = self._random(product.shape, n)
                sharings += (g_shares,)
                t = (lambda v: v.t()) if op == "matmul" else (lambda v: v)  # noqa: E731
                if "x" in backward:
                    sharings += (self._share(f(a_g, t(b)), n),)
                if "y" in backward:
                    sharings += (self._share(f(t(a), a_g), n),)
        self.log.record(f"triple.{bilinear.kind(op)}", sharings)
        return sharings

    def forget_kept(self, keys, n: int) -> tuple:
        """Drop the kept values of b under ``keys``: their operands are gone."""
        self.kept.forget(keys)
        return ()

    def beaver_triple_kept(self, op: str, shape_a, key: int, n: int) -> tuple:
        """Shares of (a, c = op(a, b)) for a fresh uniform a and the b kept under ``key``."""
        f, b = bilinear.lookup(op), self.kept.get(key)
        a, a_shares = self._random(shape_a, n)
        sharings = (a_shares, self._share(f(a, b), n))
        self.log.record(f"triple.{bilinear.kind(op)}.kept", sharings)
        return sharings

    def binary_triple(self, shape, n: int) -> tuple:
        """XOR shares of (a, b, c = a & b) for uniform 64-bit a, b."""
        (a, a_shares), (b, b_shares) = self._random(shape, n, "xor"), self._random(shape, n, "xor")
        sharings = (a_shares, b_shares, self._share(a & b, n, "xor"))
        self.log.record("triple.and", sharings)
        return sharings

    def carry_material(self, shape, n: int) -> tuple:
        """A two-party sign's material, as two byte buffers per party (see ``carry_layout``).

        ``random``: each party's own mask for the first AND (party 0's a,
        party 1's b; neither knows the other's) and its XOR shares of every
        level's a, b1, b2, all drawn. ``products``: XOR shares of c = a & b
        and of every level's c1 = a & b1, c2 = a & b2.
        """
        if n != 2:
            raise ValueError(f"the carry tree's material is for 2 parties, not {n}")
        _, random = self._random((layout.nbytes(layout.RANDOM, shape),), n, "bytes")
        products = torch.empty(layout.nbytes(layout.PRODUCTS, shape), dtype=torch.uint8)
        put = lambda name, value: layout.raw(products, layout.PRODUCTS, shape, name).copy_(value)  # noqa: E731
        mask_0, mask_1 = (layout.word(buffer, layout.RANDOM, shape, "mask") for buffer in random)
        put("c", mask_0 & mask_1)
        for level in range(len(layout.WIDTHS)):
            a, b = (x ^ y for x, y in zip(*(layout.level_masks(buffer, shape, level) for buffer in random)))
            put(f"c{level}", a & b)  # a broadcasts over b's rows: c1 = a & b1, c2 = a & b2
        sharings = (random, self._share(products, n, "bytes"))
        self.log.record("carry", sharings)
        return sharings

    def dabit(self, shape, n: int) -> tuple:
        """A uniform random bit r, as (additive shares of r, XOR shares of r)."""
        r, r_bits = self._random(shape, n, "bits")
        sharings = (self._share(r, n), r_bits)
        self.log.record("dabit", sharings)
        return sharings

    def relu_dabit(self, shape, n: int, backward: bool = False) -> tuple:
        """A daBit r for ReLU, with a uniform a and c = a * r: (r additive, r XOR, a, c[, a_g, c_g]).

        ReLU multiplies x by its bit e ^ r, which is linear in r once e is
        opened; x * r is a Beaver product whose second mask is r itself
        (delta = 0: nothing about r is opened), so it needs a and c = a * r
        only. With ``backward``, a_g and c_g = a_g * r do the same for the
        backward product grad * bit (see ``comparison.relu``).
        """
        r, r_bits = self._random(shape, n, "bits")
        a, a_shares = self._random(shape, n)
        sharings = (self._share(r, n), r_bits, a_shares, self._share(a * r, n))
        if backward:
            a_g, g_shares = self._random(shape, n)
            sharings += (g_shares, self._share(a_g * r, n))
        self.log.record("relu_dabit", sharings)
        return sharings

    def bundle(self, items, n: int, streams: list | None = None) -> list:
        """Deal several items at once: ``items`` is a list of ``(method name, params)``.

        With ``streams`` (one PRNG per party), shares are drawn from them
        where possible (seeded dealing, see the class docstring).
        """
        if streams is not None and len(streams) != n:
            raise ValueError(f"expected one stream per party ({n}), got {len(streams)}")
        self.streams, self.drawn = streams, {}
        try:
            return [getattr(self, name)(**params, n=n) for name, params in items]
        finally:
            self.streams = None

    def zero_shares(self, shape, n: int) -> tuple:
        """Fresh additive shares of zero, to re-randomise a sharing (``refresh``)."""
        sharings = (self._share(torch.zeros(shape, dtype=torch.int64), n),)
        self.log.record("zero", sharings)
        return sharings

    def truncation_material(self, shape, n: int, divisor: int) -> tuple:
        """Shares of r (uniform), msb(r) and floor((r mod 2^63) / divisor).

        See ``truncation.truncate`` for how the parties use them.
        """
        r, r_shares = self._random(shape, n)
        r_div = floor_div(r & LOW63_MASK, divisor)
        sharings = (r_shares, self._share(msb(r), n), self._share(r_div, n))
        self.log.record("truncation", sharings)
        return sharings
