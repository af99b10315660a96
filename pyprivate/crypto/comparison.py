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

With two parties, steps 1-2 are the carry tree of :mod:`.carry` instead:
msb(x) = msb(x_0) ^ msb(x_1) ^ (the carry into bit 63), and only that carry
is computed (a third of the adder's traffic, the same 8 rounds).

So ``ltz`` is exact for every int64. Everything else is built on it:
lt, gt, le, ge, eq, relu, and max/argmax by a tournament of comparisons.
Differences x - y must not overflow, so those need |x|, |y| < 2^62.
"""

import torch

from . import binary, carry, linear, step_masks
from .parties import Parties, party_step


@party_step("ltz.sign_mask")
def sign_mask_step(i, n, p0, g, a, b, c, r_bin, *, eps, delta):
    """Finish the adder, keep the sign bit's XOR share, reveal it masked by the daBit."""
    total = binary.adder_sum_step(i, n, p0, g, a, b, c, eps=eps, delta=delta)
    return (), (((total >> 63) & 1) ^ r_bin,)


@party_step("b2a.finish")
def b2a_finish_step(i, n, r_arith, *, e):
    """b_i = [i == 0]*e + r_i - 2*e*r_i, from the opened e = b ^ r."""
    e = e.to(r_arith.dtype)
    return (e if i == 0 else 0) + r_arith - 2 * e * r_arith


@party_step("cmp.plus_minus")
def plus_minus_step(i, n, d):
    """Stack (d, -d) so one ltz answers both [d < 0] and [d > 0]."""
    return torch.stack([d, -d])


@party_step("cmp.eq_finish")
def eq_finish_step(i, n, below):
    """[d == 0] = 1 - [d < 0] - [-d < 0]."""
    return (1 if i == 0 else 0) - below[0] - below[1]


def _a2b_rounds(parties: Parties, x: list, negate: bool, triples: list) -> tuple:
    """Add the parties' words; returns the last adder's rounds (see ``binary.adder_rounds``)."""
    per_add = len(binary.KOGGE_STONE_SHIFTS) + 1
    rounds = binary.adder_rounds(parties, x, x, triples[:per_add], owners=(0, 1), negate=negate)
    for j in range(2, parties.n):
        p0, g, last, eps, delta = rounds
        total = parties.run("bin.adder.sum", [list(t) for t in zip(p0, g, *last)], eps=eps, delta=delta)
        word = parties.run("a2b.word", [[xi] for xi in x], owner=j, negate=negate)
        rounds = binary.adder_rounds(parties, total, word, triples[per_add * (j - 1) : per_add * j])
    return rounds


@party_step("a2b.word")
def word_step(i, n, x, *, owner, negate):
    """XOR sharing of party ``owner``'s own share: it holds the word, others 0."""
    share = -x if negate else x
    return share.clone() if i == owner else torch.zeros_like(share)


def _deal_ltz(parties: Parties, shape, two_party_sign: bool = False, extra=()) -> tuple:
    """The dealer's bundle for one sign: (binary material, daBit, dealt ``extra`` items)."""
    material = carry.material(shape) if two_party_sign else binary.adder_material(shape) * (parties.n - 1)
    items = material + [("dabit", dict(shape=tuple(shape)))] + list(extra)
    dealt = [tuple(parties.deal(s) for s in sharings) for sharings in parties.dealer.bundle(items, parties.n)]
    return dealt[:len(material)], dealt[len(material)], dealt[len(material) + 1:]


def a2b(parties: Parties, x: list) -> list:
    """XOR shares of the additively shared x (sum the owned words in a circuit)."""
    triples, _, _ = _deal_ltz(parties, parties.shape(x))
    p0, g, last, eps, delta = _a2b_rounds(parties, x, False, triples)
    return parties.run("bin.adder.sum", [list(t) for t in zip(p0, g, *last)], eps=eps, delta=delta)


def b2a(parties: Parties, bits: list) -> list:
    """Additive shares of an XOR-shared 0/1 bit, using one dabit and one opening."""
    r_arith, r_bin = (parties.deal(s) for s in parties.dealer.dabit(parties.shape(bits), parties.n))
    masked = parties.run("bin.xor", [[b, r] for b, r in zip(bits, r_bin)])
    e = parties.open_xor(masked, "b2a.e")
    return parties.run("b2a.finish", [[r] for r in r_arith], e=e)


def ltz(parties: Parties, x: list, negate: bool = False) -> list:
    """Additive 0/1 shares of [x < 0] (or of [-x < 0] with ``negate``), exact for every input.

    1. The dealer deals, in one bundle, the binary material and a daBit.
    2. XOR shares of msb(x): with two parties by the carry tree of
       :mod:`.carry` (7 rounds, a third of the adder's traffic); with more,
       A2B of x by the Kogge-Stone adder, whose msb is msb(x).
    3. Each party reveals its share of msb(x) masked by the daBit's XOR
       share, in the last round of step 2.
    4. B2A: msb = e + r - 2*e*r, linear in r's additive shares.
    """
    e, r_arith, _ = _masked_sign(parties, x, negate)
    return parties.run("b2a.finish", [[r] for r in r_arith], e=e)


def _masked_sign(parties: Parties, x: list, negate: bool, extra=()) -> tuple:
    """Steps 1-3 of :func:`ltz`: (opened e = msb ^ r, the daBit's additive shares, dealt ``extra``).

    ``extra`` are more dealer items for the caller, dealt in the same bundle.
    """
    shape = parties.shape(x)
    two = parties.n == 2
    material, (r_arith, r_bin), extra_dealt = _deal_ltz(parties, shape, two_party_sign=two, extra=extra)
    if two:
        return carry.sign_rounds(parties, x, negate, material, r_bin), r_arith, extra_dealt
    p0, g, last, eps, delta = _a2b_rounds(parties, x, negate, material)
    _, (e,) = parties.run_open(
        "ltz.sign_mask", [list(t) for t in zip(p0, g, *last, r_bin)], ["b2a.e"], xor=True, eps=eps, delta=delta)
    return e, r_arith, extra_dealt


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


@party_step("relu.bit_and_mask")
def bit_and_mask_step(i, n, r_arith, x, a, b, *, e):
    """Finish B2A of the bit [x > 0]; keep it, and reveal x and the bit masked for their product."""
    bit = b2a_finish_step(i, n, r_arith, e=e)
    return (bit,), (x - a, bit - b)


@party_step("relu.finish")
def relu_finish_step(i, n, x, r_arith, c, *, e, eps):
    """(relu(x)_i, bit_i) from the opened e = b ^ r and eps = x - a (two parties, see :func:`relu`).

    bit = e + r - 2er, and x * bit = e*x + (1 - 2e) * x*r, where x*r is the
    Beaver product c + eps*r (the mask of r is r itself).
    """
    e = e.to(x.dtype)
    return _times_bit(x, r_arith, c, e, eps), b2a_finish_step(i, n, r_arith, e=e)


@party_step("relu.grad_finish")
def relu_grad_finish_step(i, n, g, r_arith, c, *, e, eps):
    """grad_i * bit from the opened eps = g - a_g, as in :func:`relu_finish_step` (see :func:`relu`)."""
    return _times_bit(g, r_arith, c, e.to(g.dtype), eps)


def _times_bit(v, r_arith, c, e, eps):
    """A party's share of v * bit for bit = e ^ r: e*v_i + (1 - 2e) * (c_i + eps*r_i), with c + eps*r = v*r."""
    return e * v + (1 - 2 * e) * (c + eps * r_arith)


def relu(parties: Parties, x: list, grad: bool = False) -> tuple[list, list]:
    """Shares of (relu(x), [x > 0]). Keep the bit: backward is grad * bit.

    The bit is [x > 0] = [-x < 0], matching torch's zero gradient at x == 0.

    With two parties it costs the comparison's 8 rounds and nothing more.
    The bit is e ^ r for the opened e and the daBit r, so

        relu(x) = x * bit = e*x + (1 - 2e) * (x * r),

    and x * r is a Beaver product whose mask for r is r itself: the dealer
    deals a and c = a * r, and only eps = x - a is opened, in the
    comparison's first round. A last step, with no message between the
    parties, finishes B2A and the product. With ``grad`` (x needs a
    gradient) in a forward pass, the dealer also deals a_g and c_g = a_g * r,
    so that the backward product grad * bit opens only grad - a_g
    (:mod:`.step_masks`).

    With more parties: :func:`ltz`, then the Beaver product x * bit, whose
    masking travels in the round that finishes B2A.
    """
    shape = tuple(parties.shape(x))
    if parties.n != 2:
        return _relu_product(parties, x, shape, grad)
    backward = bool(step_masks.wanted((grad, False), "mul", shape, shape))
    items = carry.material(shape) + [("relu_dabit", dict(shape=shape, **({"backward": True} if backward else {})))]
    material, (r_arith, r_bin, a, c, *kept) = (
        tuple(parties.deal(s) for s in sharings) for sharings in parties.dealer.bundle(items, parties.n))
    e, eps = carry.sign_rounds(parties, x, True, [material], r_bin, mask=a)
    value, bit = (list(t) for t in zip(*parties.run("relu.finish", [list(t) for t in zip(x, r_arith, c)], e=e, eps=eps)))
    if backward:
        step_masks.remember_relu(parties, bit, e, r_arith, *kept)
    return value, bit


def _relu_product(parties: Parties, x: list, shape: tuple, grad: bool) -> tuple[list, list]:
    """ReLU with three or more parties: the sign by the adder, then the product x * bit fused with B2A's end."""
    backward = step_masks.wanted((grad, False), "mul", shape, shape)
    triple = ("beaver_triple", dict(op="mul", shape_a=shape, shape_b=shape, **({"backward": "x"} if backward else {})))
    e, r_arith, [(a, b, c, *kept)] = _masked_sign(parties, x, True, extra=[triple])
    bit, (eps, delta) = parties.run_open(
        "relu.bit_and_mask", [list(t) for t in zip(r_arith, x, a, b)], ["beaver.mul.eps", "beaver.mul.delta"], e=e)
    bit = [kept_shares[0] for kept_shares in bit]
    value = parties.run("beaver.finish", [list(t) for t in zip(a, b, c)], eps=eps, delta=delta, op="mul")
    if backward:
        step_masks.remember(parties, "mul", x, bit, backward, a, b, eps, delta, *kept)
    return value, bit
