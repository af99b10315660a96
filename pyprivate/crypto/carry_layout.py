"""Where the dealer's material for a two-party sign lies in two flat byte buffers per party.

The carry tree of :mod:`.carry` needs, for each party, its own 64-bit mask
for the first AND and, for each of the six levels, XOR shares of the words
a, b1 (and b2) and of their ANDs c1 = a & b1 (c2 = a & b2), in the level's
width. Dealt one tensor each, that is 33 objects per party and comparison,
each with its own message entry, pointer and draw. Here it is two buffers:

* ``RANDOM``: the mask and every a and b, uniform noise that the party
  draws itself from the stream it shares with the dealer;
* ``PRODUCTS``: every c, drawn by one party and sent to the other.

A word's place in a buffer depends only on the shape, so the dealer and the
parties find it alike. Wider words come first, so each starts at a multiple
of its own size and is read in place, without a copy.
"""

import math
from functools import lru_cache

import torch

WIDTHS = (32, 16, 8, 4, 2, 1)  # the width of a level's words, after each merge
DTYPES = {64: torch.int64, 32: torch.int32, 16: torch.int16, 8: torch.uint8, 4: torch.uint8, 2: torch.uint8,
          1: torch.uint8}

RANDOM = (("mask", 64),) + tuple(
    (f"{name}{level}", width) for level, width in enumerate(WIDTHS) for name in ("a", "b1", "b2")[:3 if width > 1 else 2])
PRODUCTS = (("c", 64),) + tuple(
    (f"{name}{level}", width) for level, width in enumerate(WIDTHS) for name in ("c1", "c2")[:2 if width > 1 else 1])


@lru_cache(maxsize=64)
def _offsets(entries: tuple, count: int) -> tuple[dict, int]:
    """{name: (first byte, bytes, width)} for ``count`` elements per word, and the buffer's length."""
    places, at = {}, 0
    for name, width in entries:
        size = count * DTYPES[width].itemsize
        places[name] = (at, size, width)
        at += size
    return places, at


def nbytes(entries: tuple, shape) -> int:
    """The length of a buffer laid out as ``entries`` for words of ``shape``."""
    return _offsets(entries, math.prod(shape))[1]


def raw(buffer: torch.Tensor, entries: tuple, shape, name: str) -> torch.Tensor:
    """The word ``name`` of ``buffer`` as a view, in its dtype (narrow words unmasked: for writing)."""
    at, size, width = _offsets(entries, math.prod(shape))[0][name]
    return buffer[at:at + size].view(DTYPES[width]).reshape(shape)


def word(buffer: torch.Tensor, entries: tuple, shape, name: str) -> torch.Tensor:
    """The word ``name`` of ``buffer``, with only its ``width`` low bits."""
    width = _offsets(entries, math.prod(shape))[0][name][2]
    value = raw(buffer, entries, shape, name)
    return value & ((1 << width) - 1) if width < 8 else value


def level_masks(random: torch.Tensor, shape, level: int) -> list:
    """[a, b1, (b2)] of a level, from a party's ``RANDOM`` buffer."""
    names = ("a", "b1", "b2")[:3 if WIDTHS[level] > 1 else 2]
    return [word(random, RANDOM, shape, f"{name}{level}") for name in names]


def level_products(products: torch.Tensor, shape, level: int) -> list:
    """[c1, (c2)] of a level, from a party's ``PRODUCTS`` buffer."""
    names = ("c1", "c2")[:2 if WIDTHS[level] > 1 else 1]
    return [word(products, PRODUCTS, shape, f"{name}{level}") for name in names]
