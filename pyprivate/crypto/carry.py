"""The sign of a two-party sum by a carry tree: comparison with a third of the traffic.

With two parties, x = x_0 + x_1 mod 2^64 and party i knows x_i. The sign is

    msb(x) = msb(x_0) ^ msb(x_1) ^ carry,

where carry is the carry into bit 63, which is the carry *out* of adding the
words u = x_0 << 1 and w = x_1 << 1. A carry out needs only the root of the
carry-lookahead tree, not every carry as the Kogge-Stone adder of
:mod:`.binary` computes. Per bit, g = u & w (the bit generates a carry) and
p = u ^ w (it propagates one); two adjacent groups merge into one as

    G = G_hi ^ (P_hi & G_lo),    P = P_hi & P_lo,

so each level halves the number of groups: 64 -> 32 -> ... -> 1 in 6 levels.
Both ANDs of a level share the operand P_hi, so one mask serves both.

Each party first puts the bits of its word in bit-reversed order (position q
holds bit rev6(q)). Then the groups to merge are the two halves of a word,
and every level works on words of half the width (int32, int16, then uint8):
a party sends about 38 bytes per element instead of 112 with the full adder.

The first AND, u & w, has one input at each party. The dealer gives party 0
a mask a, party 1 a mask b, and XOR shares of a & b (in
``Dealer.carry_material``); each party reveals only its own masked word.

The dealer's material comes in two byte buffers per party
(:mod:`.carry_layout`), so a comparison costs a party two dealt objects,
not 33.

Rounds: g, then 6 levels, then B2A of the sign bit (its reveal travels with
the last level's finish): 8, as with the adder.
"""

import torch

from . import carry_layout as layout
from .binary import and_finish_step
from .carry_layout import WIDTHS
from .parties import Parties, party_step

# Bit reversal of the 6-bit index: swap index bits (0, 5), (1, 4) and (2, 3).
# Each swap is a delta swap of positions p (bit j set, bit k clear) with p + 2^k - 2^j.
_SWAPS = [((1 << k) - (1 << j), sum(1 << p for p in range(64) if p >> j & 1 and not p >> k & 1))
          for j, k in ((0, 5), (1, 4), (2, 3))]


def reverse_index_bits(words: torch.Tensor) -> torch.Tensor:
    """Int64 words with bit i moved to position rev6(i) (an involution)."""
    for distance, mask in _SWAPS:
        t = (words ^ (words >> distance)) & mask
        words = words ^ t ^ (t << distance)
    return words


def halves(words: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(low, high) halves of ``width``-bit words, as words of width / 2 in their own dtype."""
    half = width // 2
    mask, dtype = (1 << half) - 1, layout.DTYPES[half]
    return (words & mask).to(dtype), ((words >> half) & mask).to(dtype)


def _merge_and_reveal(gp, width, a, b):
    """Split the rows (G, P) into halves; keep G_hi; reveal P_hi ^ a and the rows (G_lo, P_lo) ^ b.

    At the last level (``b`` has one row) only G_lo is needed: the root
    needs no P.
    """
    low, high = halves(gp, width)
    delta = low ^ b if b.dim() == low.dim() else low[0] ^ b
    return (high[0],), (high[1] ^ a, delta)


@party_step("carry.start")
def start_step(i, n, x, random, *also, negate, shape):
    """Keep this party's bit-reversed word and sign bit; reveal the word masked for g = u & w.

    With ``also`` (a mask a of x, additively shared), reveal x - a too, in
    the same round: ReLU's product with the sign bit needs it (``comparison.relu``).
    """
    share = -x if negate else x
    word = reverse_index_bits(share << 1)
    zero = torch.zeros((), dtype=torch.int64)  # the other party's word: nothing to send
    masked = word ^ layout.word(random, layout.RANDOM, shape, "mask")
    revealed = (masked, zero) if i == 0 else (zero, masked)
    return (word, (share >> 63) & 1), revealed + tuple(x - a for a in also)


def _owned_and_finish(i, mask, c, eps, delta):
    """Party i's XOR share of u & w from the opened eps = u ^ a and delta = w ^ b."""
    return c ^ (mask & delta) ^ (eps & delta) if i == 0 else c ^ (eps & mask)


@party_step("carry.first_level")
def first_level_step(i, n, word, random, products, *, eps, delta, shape):
    """g = u & w, p = u ^ w (this party's word is its share); reveal the first level's masked ANDs."""
    mask = layout.word(random, layout.RANDOM, shape, "mask")
    g = _owned_and_finish(i, mask, layout.word(products, layout.PRODUCTS, shape, "c"), eps, delta)
    return _merge_and_reveal(torch.stack([g, word]), 64, *layout.level_masks(random, shape, 0))


@party_step("carry.level")
def level_step(i, n, g_hi, random, products, *, eps, delta, level, shape):
    """Finish the ANDs of ``level`` (G = G_hi ^ P_hi&G_lo, P = P_hi&P_lo, as two rows); reveal the next level's."""
    a, b = layout.level_masks(random, shape, level)
    gp = and_finish_step(i, n, a, b, layout.level_products(products, shape, level), eps=eps, delta=delta)  # both rows
    gp[0] ^= g_hi
    return _merge_and_reveal(gp, WIDTHS[level], *layout.level_masks(random, shape, level + 1))


@party_step("carry.sign_mask")
def sign_mask_step(i, n, g_hi, sign, random, products, r_bin, *, eps, delta, shape):
    """Finish the root: this party's share of the carry; reveal msb(x)'s share masked by the daBit."""
    last = len(WIDTHS) - 1
    a, b = layout.level_masks(random, shape, last)
    carry = g_hi ^ and_finish_step(i, n, a, b, layout.level_products(products, shape, last), eps=eps, delta=delta)
    return (), ((sign.to(torch.uint8) ^ carry ^ r_bin.to(torch.uint8)),)


def material(shape) -> list:
    """The dealer bundle items of one sign computation (without the daBit)."""
    return [("carry_material", dict(shape=tuple(shape)))]


def _labels(width: int) -> list[str]:
    """Labels of a round's two opened values: eps (the masked P_hi) and delta (the masked rows), with their width."""
    return [f"carry.w{width}.eps", f"carry.w{width}.delta"]


def sign_rounds(parties: Parties, x: list, negate: bool, dealt: list, r_bin: list, mask: list | None = None):
    """Rounds 1-8 of a two-party sign: returns the opened e = msb(x) ^ r (one byte per element).

    ``dealt`` is the dealer's material for ``material(shape)``;
    ``r_bin`` the XOR shares of a daBit, to reveal the sign bit masked.
    With ``mask`` (additive shares of a, shaped like x), the first round
    also opens x - a, and this returns (e, x - a).
    """
    ((random, products),) = dealt
    shape = list(parties.shape(x))
    also, labels, xor = [[]] * len(x), _labels(64), (True, True)
    if mask is not None:  # ReLU's x - a travels in this round (``comparison.relu``); it is added, not XORed
        also, labels, xor = [[a] for a in mask], labels + ["relu.eps"], xor + (False,)
    kept, (eps, delta, *x_masked) = parties.run_open(
        "carry.start", [[xi, ri] + extra for xi, ri, extra in zip(x, random, also)], labels, xor=xor,
        negate=negate, shape=shape)
    words, signs = zip(*kept)
    kept, (eps, delta) = parties.run_open(
        "carry.first_level", [list(t) for t in zip(words, random, products)], _labels(WIDTHS[0]),
        xor=True, eps=eps, delta=delta, shape=shape)
    for level in range(len(WIDTHS) - 1):
        kept, (eps, delta) = parties.run_open(
            "carry.level", [[k[0], r, p] for k, r, p in zip(kept, random, products)], _labels(WIDTHS[level + 1]),
            xor=True, eps=eps, delta=delta, level=level, shape=shape)
    _, (e,) = parties.run_open(
        "carry.sign_mask", [[k[0], s, r, p, rb] for k, s, r, p, rb in zip(kept, signs, random, products, r_bin)],
        ["b2a.e"], xor=True, eps=eps, delta=delta, shape=shape)
    return e if mask is None else (e, x_masked[0])
