"""Secure comparison: is a shared value negative?

In two's complement, x < 0 exactly when its top bit (msb) is 1. Additive
shares hide the bits of x behind carries, so we change representation:

1. A2B: each party's share x_i is a public-to-itself word; as an XOR
   sharing it is (0, .., x_i, .., 0). Adding these n words with the
   Kogge-Stone adder (``binary.add``) gives XOR shares of x = sum x_i,
   bit-exact mod 2^64, for n-1 additions of 7 rounds each.
2. The msb of each XOR share is an XOR share of msb(x): local.
3. B2A with a dabit, a random bit r shared both ways by the dealer:
   open e = msb ^ r (uniform), then msb = e + r - 2*e*r, linear in r's
   additive shares.

So ``ltz`` is exact for every int64. Everything else is built on it:
lt, gt, le, ge, eq, relu, and max/argmax by a tournament of comparisons.
Differences x - y must not overflow, so those need |x|, |y| < 2^62.
"""

import torch

from . import binary, linear
from .beaver import mul
from .parties import Parties, party_step


@party_step("a2b.owned_word")
def owned_word_step(i, n, x, *, owner):
    """XOR sharing of party ``owner``'s own share: it holds the word, others 0."""
    return x.clone() if i == owner else torch.zeros_like(x)


@party_step("bin.msb")
def msb_step(i, n, bits):
    """The top bit of an XOR share is an XOR share of the top bit."""
    return (bits >> 63) & 1


@party_step("b2a.finish")
def b2a_finish_step(i, n, r_arith, *, e):
    """b_i = [i == 0]*e + r_i - 2*e*r_i, from the opened e = b ^ r."""
    return (e if i == 0 else 0) + r_arith - 2 * e * r_arith


@party_step("cmp.plus_minus")
def plus_minus_step(i, n, d):
    """Stack (d, -d) so one ltz answers both [d < 0] and [d > 0]."""
    return torch.stack([d, -d])


@party_step("cmp.eq_finish")
def eq_finish_step(i, n, below):
    """[d == 0] = 1 - [d < 0] - [-d < 0]."""
    return (1 if i == 0 else 0) - below[0] - below[1]


def a2b(parties: Parties, x: list) -> list:
    """XOR shares of the additively shared x (sum the owned words in a circuit)."""
    words = [parties.run("a2b.owned_word", [[xi] for xi in x], owner=j) for j in range(parties.n)]
    total = words[0]
    for word in words[1:]:
        total = binary.add(parties, total, word)
    return total


def b2a(parties: Parties, bits: list) -> list:
    """Additive shares of an XOR-shared 0/1 bit, using one dabit and one opening."""
    r_arith, r_bin = (parties.deal(s) for s in parties.dealer.dabit(parties.shape(bits), parties.n))
    masked = parties.run("bin.xor", [[b, r] for b, r in zip(bits, r_bin)])
    e = parties.open_xor(masked, "b2a.e")
    return parties.run("b2a.finish", [[r] for r in r_arith], e=e)


def ltz(parties: Parties, x: list) -> list:
    """Additive 0/1 shares of [x < 0] (signed int64), exact for every input.

    1. A2B: XOR shares of x via a Kogge-Stone adder.
    2. Each party keeps the top bit of its XOR share.
    3. B2A with a dabit.
    """
    sign = parties.run("bin.msb", [[b] for b in a2b(parties, x)])
    return b2a(parties, sign)


def lt(parties: Parties, x: list, y: list) -> list:
    """Shares of [x < y]."""
    return ltz(parties, linear.sub(parties, x, y))


def gt(parties: Parties, x: list, y: list) -> list:
    """Shares of [x > y]."""
    return ltz(parties, linear.sub(parties, y, x))


def ge(parties: Parties, x: list, y: list) -> list:
    """Shares of [x >= y]."""
    return linear.public_sub(parties, 1, lt(parties, x, y))


def le(parties: Parties, x: list, y: list) -> list:
    """Shares of [x <= y]."""
    return linear.public_sub(parties, 1, gt(parties, x, y))


def eq(parties: Parties, x: list, y: list) -> list:
    """Shares of [x == y], from one batched ltz of (x - y, y - x)."""
    d = parties.run("cmp.plus_minus", [[di] for di in linear.sub(parties, x, y)])
    return parties.run("cmp.eq_finish", [[b] for b in ltz(parties, d)])


def relu(parties: Parties, x: list) -> tuple[list, list]:
    """Shares of (relu(x), [x > 0]). Keep the bit: backward is grad * bit.

    The bit is [x > 0] = [-x < 0], matching torch's zero gradient at x == 0.
    """
    positive = ltz(parties, linear.neg(parties, x))
    return mul(parties, x, positive), positive
