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
a mask a, party 1 a mask b, and XOR shares of a & b (``Dealer.owned_and``);
each party reveals only its own masked word.

Rounds: g, then 6 levels, then B2A of the sign bit (its reveal travels with
the last level's finish): 8, as with the adder.
"""

import torch

from .binary import and_finish_step
from .parties import Parties, party_step
from .prng import NARROW_WORDS

WIDTHS = (32, 16, 8, 4, 2, 1)  # the width of a level's words, after each merge

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
    mask, dtype = (1 << half) - 1, NARROW_WORDS[half]
    return (words & mask).to(dtype), ((words >> half) & mask).to(dtype)


def _merge_and_reveal(i, g, p, width, a, b1, b2=None):
    """Split (G, P) into halves; keep G_hi; reveal P_hi ^ a, G_lo ^ b1 (and P_lo ^ b2 unless last)."""
    g_lo, g_hi = halves(g, width)
    p_lo, p_hi = halves(p, width)
    revealed = (p_hi ^ a, g_lo ^ b1) if b2 is None else (p_hi ^ a, g_lo ^ b1, p_lo ^ b2)
    return (g_hi,), revealed


@party_step("carry.start")
def start_step(i, n, x, mask, *, negate):
    """Keep this party's bit-reversed word and sign bit; reveal the word masked for g = u & w."""
    share = -x if negate else x
    word = reverse_index_bits(share << 1)
    zero = torch.zeros((), dtype=torch.int64)  # the other party's word: nothing to send
    masked = word ^ mask
    return (word, (share >> 63) & 1), ((masked, zero) if i == 0 else (zero, masked))


def _owned_and_finish(i, mask, c, eps, delta):
    """Party i's XOR share of u & w from the opened eps = u ^ a and delta = w ^ b."""
    return c ^ (mask & delta) ^ (eps & delta) if i == 0 else c ^ (eps & mask)


@party_step("carry.first_level")
def first_level_step(i, n, word, mask, c, a, b1, b2, *, eps, delta):
    """g = u & w, p = u ^ w (this party's word is its share); reveal the first level's masked ANDs."""
    g = _owned_and_finish(i, mask, c, eps, delta)
    return _merge_and_reveal(i, g, word, 64, a, b1, b2)


@party_step("carry.level")
def level_step(i, n, g_hi, a, b1, c1, b2, c2, *next_masks, eps, d1, d2, width):
    """Finish the ANDs of the level before (G = G_hi ^ P_hi&G_lo, P = P_hi&P_lo); reveal the next."""
    g = g_hi ^ and_finish_step(i, n, a, b1, c1, eps=eps, delta=d1)
    p = and_finish_step(i, n, a, b2, c2, eps=eps, delta=d2)
    return _merge_and_reveal(i, g, p, width, *next_masks)


@party_step("carry.sign_mask")
def sign_mask_step(i, n, g_hi, sign, a, b1, c1, r_bin, *, eps, d1):
    """Finish the root: this party's share of the carry; reveal msb(x)'s share masked by the daBit."""
    carry = g_hi ^ and_finish_step(i, n, a, b1, c1, eps=eps, delta=d1)
    return (), ((sign.to(torch.uint8) ^ carry ^ r_bin.to(torch.uint8)),)


def material(shape) -> list:
    """The dealer bundle items of one sign computation (without the daBit)."""
    items = [("owned_and", dict(shape=tuple(shape)))]
    items += [("carry_triple", dict(shape=tuple(shape), width=w, pair=w > 1)) for w in WIDTHS]
    return items


def _labels(width: int, count: int) -> list[str]:
    """Labels of a round's opened words, with their width (the first round's are eps and delta)."""
    names = ["eps", "delta"] if width == 64 else ["eps", "d1", "d2"][:count]
    return [f"carry.w{width}.{name}" for name in names]


def sign_rounds(parties: Parties, x: list, negate: bool, dealt: list, r_bin: list) -> torch.Tensor:
    """Rounds 1-8 of a two-party sign: returns the opened e = msb(x) ^ r (one byte per element).

    ``dealt`` is the dealer's material for ``material(shape)``, in order;
    ``r_bin`` the XOR shares of a daBit, to reveal the sign bit masked.
    """
    (masks, c), levels = dealt[0], dealt[1:]
    kept, (eps, delta) = parties.run_open(
        "carry.start", [[xi, m] for xi, m in zip(x, masks)], _labels(64, 2), xor=True, negate=negate)
    words, signs = zip(*kept)
    a, b1, c1, b2, c2 = levels[0]
    kept, opened = parties.run_open(
        "carry.first_level", [list(t) for t in zip(words, masks, c, a, b1, b2)],
        _labels(WIDTHS[0], 3), xor=True, eps=eps, delta=delta)
    for width, next_width, (prev, nxt) in zip(WIDTHS, WIDTHS[1:], zip(levels, levels[1:])):
        a, b1, c1, b2, c2 = prev
        next_masks = [nxt[0], nxt[1]] + ([nxt[3]] if len(nxt) == 5 else [])
        kept, opened = parties.run_open(
            "carry.level", [[k[0], *t] for k, t in zip(kept, zip(a, b1, c1, b2, c2, *next_masks))],
            _labels(next_width, len(next_masks)),
            xor=True, eps=opened[0], d1=opened[1], d2=opened[2], width=width)
    a, b1, c1 = levels[-1]
    _, (e,) = parties.run_open(
        "carry.sign_mask", [[k[0], s, *t] for k, s, t in zip(kept, signs, zip(a, b1, c1, r_bin))], ["b2a.e"],
        xor=True, eps=opened[0], d1=opened[1])
    return e
