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


@party_step("bin.kogge_stone.operands")
def level_operands_step(i, n, g, p, *, shift, last):
    """Stack this level's ANDs: p & (g << d) and, unless last, p & (p << d)."""
    if last:
        return p.unsqueeze(0), (g << shift).unsqueeze(0)
    return torch.stack([p, p]), torch.stack([g << shift, p << shift])


@party_step("bin.kogge_stone.combine")
def level_combine_step(i, n, g, p, products):
    """g ^= p & (g << d); p = p & (p << d) (kept as is after the last level)."""
    return g ^ products[0], products[1] if len(products) > 1 else p


@party_step("bin.kogge_stone.sum")
def sum_step(i, n, p0, g):
    """x + y = (x ^ y) ^ (carries << 1)."""
    return p0 ^ (g << 1)


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


def add(parties: Parties, x: list, y: list) -> list:
    """XOR shares of x + y mod 2^64, by a Kogge-Stone adder (7 rounds).

    1. g = x & y (one AND), p = x ^ y (local).
    2. For d in 1, 2, 4, 8, 16, 32: g ^= p & (g << d), p &= p << d
       (both ANDs in one round).
    3. Sum = (x ^ y) ^ (g << 1), local.
    """
    g = and_(parties, x, y)
    p0 = parties.run("bin.xor", [[xi, yi] for xi, yi in zip(x, y)])
    p = p0
    for level, shift in enumerate(KOGGE_STONE_SHIFTS):
        last = level == len(KOGGE_STONE_SHIFTS) - 1
        left, right = unzip(parties.run(
            "bin.kogge_stone.operands", [[gi, pi] for gi, pi in zip(g, p)], shift=shift, last=last
        ))
        products = and_(parties, left, right)
        g, p = unzip(parties.run("bin.kogge_stone.combine", [list(t) for t in zip(g, p, products)]))
    return parties.run("bin.kogge_stone.sum", [[pi, gi] for pi, gi in zip(p0, g)])
