"""Binary (XOR) sharing: AND gates and a Kogge-Stone adder.

An XOR sharing of a 64-bit word x is a list of words whose XOR is x; it is
additive sharing over Z_2, bit by bit. XOR and shifts are linear, hence
local. AND is the product of Z_2, so it needs a Beaver triple, here a
binary one (a, b, c = a & b), and one opening:

    x & y = c ^ (eps & b) ^ (a & delta) ^ (eps & delta),  eps = x ^ a, delta = y ^ b.

With AND and XOR we can run any circuit. To add two XOR-shared words we use
the Kogge-Stone carry-lookahead adder: per bit, g = x & y ("this bit
generates a carry") and p = x ^ y ("this bit propagates one"). Then, for
d = 1, 2, 4, ..., 32, each bit merges its group with the group d bits below:

    g <- g ^ (p & (g << d))      p <- p & (p << d)

(``^`` can replace ``|`` because a group cannot both generate and
propagate.) After log2(64) = 6 levels, g holds every carry, and
x + y = (x ^ y) ^ (g << 1). Each level's two ANDs travel in one opening, so
an addition costs 1 + 6 = 7 rounds instead of 64 for a ripple-carry adder.
"""

import torch

from .parties import Parties, party_step, unzip
from .ring import RING_BITS

KOGGE_STONE_SHIFTS = [1 << k for k in range(RING_BITS.bit_length() - 1)]  # 1, 2, ..., 32


@party_step("bin.xor")
def xor_step(i, n, x, y):
    """x_i ^ y_i: XOR of XOR-shared values is local."""
    return x ^ y


@party_step("bin.and.mask")
def and_mask_step(i, n, x, a):
    """eps_i = x_i ^ a_i."""
    return x ^ a


@party_step("bin.and.finish")
def and_finish_step(i, n, a, b, c, *, eps, delta):
    """z_i = c_i ^ (eps & b_i) ^ (a_i & delta) [^ (eps & delta) at party 0]."""
    z = c ^ (eps & b) ^ (a & delta)
    return z ^ (eps & delta) if i == 0 else z


def _level_operands(g, p, shift):
    """This level's ANDs, stacked: p & (g << d) and, unless it is the last level, p & (p << d)."""
    if shift == KOGGE_STONE_SHIFTS[-1]:
        return p.unsqueeze(0), (g << shift).unsqueeze(0)
    return torch.stack([p, p]), torch.stack([g << shift, p << shift])


@party_step("bin.adder.start")
def adder_start_step(i, n, x, y, a, b, *, owners=None, negate=False):
    """Keep p0 = x ^ y; reveal x and y masked for the first AND (g = x & y).

    With ``owners = (j, k)``, x and y are this party's *arithmetic* share
    (negated first if ``negate``): the words of parties j and k, which as
    XOR sharings are held by their owner alone (A2B's first addition).
    """
    if owners is not None:
        share = -x if negate else x
        x = share if i == owners[0] else torch.zeros_like(share)
        y = share if i == owners[1] else torch.zeros_like(share)
    return (x ^ y,), (x ^ a, y ^ b)


@party_step("bin.adder.level")
def adder_level_step(i, n, p0, g, p, a, b, c, a_next, b_next, *, eps, delta, shift, first):
    """Finish the previous round's AND, update (g, p), reveal this level's masked ANDs."""
    product = and_finish_step(i, n, a, b, c, eps=eps, delta=delta)
    if first:
        g, p = product, p0
    else:
        g, p = g ^ product[0], product[1]
    left, right = _level_operands(g, p, shift)
    return (g, p), (left ^ a_next, right ^ b_next)


@party_step("bin.adder.sum")
def adder_sum_step(i, n, p0, g, a, b, c, *, eps, delta):
    """Finish the last level's AND; x + y = p0 ^ (g << 1)."""
    g = g ^ and_finish_step(i, n, a, b, c, eps=eps, delta=delta)[0]
    return p0 ^ (g << 1)


def adder_material(shape):
    """The binary triples one addition needs, as dealer bundle items."""
    shapes = [tuple(shape)] + [(1 if d == KOGGE_STONE_SHIFTS[-1] else 2, *shape) for d in KOGGE_STONE_SHIFTS]
    return [("binary_triple", dict(shape=s)) for s in shapes]


def and_(parties: Parties, x: list, y: list) -> list:
    """XOR shares of x & y (same shapes).

    1. The dealer deals a binary triple a, b, c = a & b.
    2. Each party masks: eps_i = x_i ^ a_i, delta_i = y_i ^ b_i.
    3. The parties open eps and delta (one round); a, b are uniform pads.
    4. Each party computes z_i = c_i ^ (eps & b_i) ^ (a_i & delta), and party 0
       also XORs in eps & delta.
    """
    a, b, c = (parties.deal(s) for s in parties.dealer.binary_triple(parties.shape(x), parties.n))
    eps = parties.run("bin.and.mask", [[xi, ai] for xi, ai in zip(x, a)])
    delta = parties.run("bin.and.mask", [[yi, bi] for yi, bi in zip(y, b)])
    eps, delta = parties.open_many([eps, delta], ["and.eps", "and.delta"], xor=True)
    return parties.run("bin.and.finish", [list(t) for t in zip(a, b, c)], eps=eps, delta=delta)


def add(parties: Parties, x: list, y: list, triples: list | None = None) -> list:
    """XOR shares of x + y mod 2^64, by a Kogge-Stone adder (7 rounds, one message per party each).

    1. g = x & y (one AND), p = x ^ y (local).
    2. For d in 1, 2, 4, 8, 16, 32: g ^= p & (g << d), p &= p << d
       (both ANDs in one round).
    3. Sum = (x ^ y) ^ (g << 1), local.
    Each round finishes the previous AND, updates (g, p) and reveals the next
    masked operands, all in one step. ``triples`` (7 binary triples, see
    ``adder_material``) may be dealt in advance, together with other material.
    """
    if triples is None:
        items = adder_material(parties.shape(x))
        triples = [tuple(parties.deal(s) for s in t) for t in parties.dealer.bundle(items, parties.n)]
    p0, g, last_triple, eps, delta = adder_rounds(parties, x, y, triples)
    return parties.run("bin.adder.sum", [list(t) for t in zip(p0, g, *last_triple)], eps=eps, delta=delta)


def adder_rounds(parties: Parties, x: list, y: list, triples: list, **start) -> tuple:
    """Rounds 1-7 of ``add``: returns p0, g, the last triple and the last opened eps, delta.

    The caller finishes with the last AND (``bin.adder.sum``, or a step that
    also uses the sum, such as the sign bit of ``comparison.ltz``).
    """
    a, b, c = triples[0]
    kept, (eps, delta) = parties.run_open(
        "bin.adder.start", [list(t) for t in zip(x, y, a, b)], ["and.eps", "and.delta"], xor=True, **start)
    (p0,) = unzip(kept)
    g = p = p0
    for level, shift in enumerate(KOGGE_STONE_SHIFTS):
        a_next, b_next, c_next = triples[level + 1]
        kept, (eps, delta) = parties.run_open(
            "bin.adder.level", [list(t) for t in zip(p0, g, p, a, b, c, a_next, b_next)],
            ["and.eps", "and.delta"], xor=True, eps=eps, delta=delta, shift=shift, first=level == 0,
        )
        g, p = unzip(kept)
        a, b, c = a_next, b_next, c_next
    return p0, g, (a, b, c), eps, delta
