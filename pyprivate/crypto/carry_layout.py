"""Where the dealer's material for a two-party sign lies in two flat byte buffers per party.

The carry tree of :mod:`.carry` needs, for each party, its own 64-bit mask
for the first AND and, for each of the six levels, XOR shares of the words
a, b1 (and b2) and of their ANDs c1 = a & b1 (c2 = a & b2), in the level's
width. Dealt one tensor each, that is 33 objects per party and comparison,
each with its own message entry, pointer and draw. Here it is two buffers:

* ``RANDOM``: the mask and every a and b, uniform noise that the party
  draws itself from the stream it shares with the dealer;
* ``PRODUCTS``: every c, drawn by one party and sent to the other.

A level's two ANDs share their first operand, so b1 and b2 (and c1, c2)
are stored as the two rows of one word: a level is finished and masked
with a handful of tensor operations on both rows at once.

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


def _rows(width: int) -> int:
    """A level merges (G, P) with two ANDs of one first operand, stacked as two rows; the last only G."""
    return 2 if width > 1 else 1


# (name, width, rows): ``b{k}`` holds level k's b1 and b2 as two rows, ``c{k}`` their ANDs with ``a{k}``.
RANDOM = (("mask", 64, 1),) + tuple(
    entry for level, width in enumerate(WIDTHS) for entry in ((f"a{level}", width, 1), (f"b{level}", width, _rows(width))))
PRODUCTS = (("c", 64, 1),) + tuple((f"c{level}", width, _rows(width)) for level, width in enumerate(WIDTHS))


@lru_cache(maxsize=64)
def _offsets(entries: tuple, count: int) -> tuple[dict, int]:
    """{name: (first byte, bytes, width, rows)} for ``count`` elements per row, and the buffer's length."""
    places, at = {}, 0
    for name, width, rows in entries:
        size = rows * count * DTYPES[width].itemsize
        places[name] = (at, size, width, rows)
        at += size
    return places, at


def nbytes(entries: tuple, shape) -> int:
    """The length of a buffer laid out as ``entries`` for words of ``shape``."""
    return _offsets(entries, math.prod(shape))[1]


def raw(buffer: torch.Tensor, entries: tuple, shape, name: str) -> torch.Tensor:
    """The word ``name`` of ``buffer`` as a view, in its dtype, ``(rows, *shape)`` if it has two rows.

    Narrow words are not masked here: this is for writing.
    """
    at, size, width, rows = _offsets(entries, math.prod(shape))[0][name]
    return buffer[at:at + size].view(DTYPES[width]).reshape((rows, *shape) if rows > 1 else tuple(shape))


def word(buffer: torch.Tensor, entries: tuple, shape, name: str) -> torch.Tensor:
    """The word ``name`` of ``buffer``, with only its ``width`` low bits. For reading only."""
    return words(buffer, entries, shape)[name]


def words(buffer: torch.Tensor, entries: tuple, shape) -> dict:
    """Every word of ``buffer`` by name, narrow ones masked to their width, worked out once per buffer.

    A comparison reads most words of a party's buffers once or twice, in
    eight steps, and a word is three or four tensor operations; all of them
    from one split cost a third of that. They are kept on the buffer, which
    is never written after it is dealt, and go with it.
    """
    key = (id(entries), tuple(shape))
    kept = buffer.__dict__.setdefault("_layout_words", {})
    found = kept.get(key)
    if found is None:
        found = kept[key] = _split_words(buffer, entries, shape)
    return found


def _split_words(buffer, entries, shape):
    places, total = _offsets(entries, math.prod(shape))
    sections = torch.split(buffer[:total], [size for _, size, _, _ in places.values()])
    found = {}
    for (name, (_, _, width, rows)), section in zip(places.items(), sections):
        value = section.view(DTYPES[width]).reshape((rows, *shape) if rows > 1 else tuple(shape))
        found[name] = value & ((1 << width) - 1) if width < 8 else value
    return found


def level_masks(random: torch.Tensor, shape, level: int) -> tuple:
    """(a, b) of a level, from a party's ``RANDOM`` buffer: b has rows b1, b2 unless it is the last level."""
    return word(random, RANDOM, shape, f"a{level}"), word(random, RANDOM, shape, f"b{level}")


def level_products(products: torch.Tensor, shape, level: int) -> torch.Tensor:
    """c = a & b of a level (rows like b), from a party's ``PRODUCTS`` buffer."""
    return word(products, PRODUCTS, shape, f"c{level}")
