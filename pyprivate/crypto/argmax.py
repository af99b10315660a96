"""Max and argmax of a shared tensor along a dimension, by a tournament.

Each candidate carries a row [value, one-hot of its position]. In each
round the candidates are paired up (left = lower index), one batched
comparison decides every pair, and one Beaver product selects the winner:

    winner = left + [left < right] * (right - left)

so ties keep the left (earlier) candidate, like ``torch.argmax``. An odd
one out waits for the next round. After ceil(log2 L) rounds one row is
left: the max and the one-hot of its first position.

Argmax is returned as **one-hot shares** shaped like the input, which is
what a loss or a backward pass wants; ``onehot_to_index`` turns it into
index shares locally. The one-hot rows cost L*L elements per reduced
slice, fine for class scores and pooling windows, not for huge L. When
only the index is wanted, rows carry [value, position] instead (2L).
Values must satisfy |x| < 2^62 (differences must not overflow).
"""

import torch

from .beaver import mul
from .comparison import ltz
from .parties import Parties, party_step, unzip


@party_step("argmax.start")
def start_step(i, n, x, *, dim, onehot=True, positions=None):
    """Rows [value, one-hot] (or [value, position]): the positions are public, so party 0 holds them."""
    v = x.movedim(dim, -1)
    length = v.shape[-1]
    if onehot:
        position = torch.eye(length, dtype=torch.int64).expand(*v.shape, length)
    else:
        positions = torch.arange(length, dtype=torch.int64) if positions is None else positions
        position = positions.expand(v.shape).unsqueeze(-1)
    return torch.cat([v.unsqueeze(-1), position if i == 0 else torch.zeros_like(position)], dim=-1)


@party_step("argmax.pair")
def pair_step(i, n, rows):
    """Split candidates into (left, right, leftover) and the left - right difference."""
    half = rows.shape[-2] // 2
    left, right = rows[..., 0 : 2 * half : 2, :], rows[..., 1 : 2 * half : 2, :]
    return left, right - left, rows[..., 2 * half :, :], left[..., 0] - right[..., 0]


@party_step("argmax.select")
def select_step(i, n, left, chosen_offset, leftover):
    """winner = left + [left < right] * (right - left); keep the odd one out."""
    return torch.cat([left + chosen_offset, leftover], dim=-2)


@party_step("argmax.unsqueeze")
def unsqueeze_step(i, n, bit):
    """Give the comparison bit a trailing axis so it broadcasts over a row."""
    return bit.unsqueeze(-1)


@party_step("argmax.finish")
def finish_step(i, n, rows, *, dim, onehot=True):
    """Split the last row into (max value, one-hot shaped like the input) or (max value, index)."""
    if not onehot:
        return rows[..., 0, 0], rows[..., 0, 1]
    return rows[..., 0, 0], rows[..., 0, 1:].movedim(-1, dim)


@party_step("argmax.to_index")
def to_index_step(i, n, onehot, *, dim):
    """sum_k k * onehot_k along dim."""
    positions = torch.arange(onehot.shape[dim], dtype=torch.int64)
    shape = [1] * onehot.dim()
    shape[dim] = -1
    return (onehot * positions.reshape(shape)).sum(dim)


def max_argmax(parties: Parties, x: list, dim: int = -1, onehot: bool = True,
               positions: torch.Tensor | None = None) -> tuple[list, list]:
    """Shares of (max of x along dim, one-hot of the first argmax, shaped like x).

    With ``onehot=False``, the index of the first argmax instead: rows of two
    elements instead of L + 1, for when no backward pass needs the one-hot.
    ``positions`` (public, broadcast to x with ``dim`` last) numbers the
    candidates otherwise than 0 .. L-1, for example by their place in an image.

    1. Each party builds rows [value, one-hot position] (local).
    2. While more than one candidate is left: pair them up, compute
       [left < right] with one batched ``ltz``, select winners with one ``mul``.
    3. The last row holds the max and its one-hot.
    """
    extra = {} if positions is None else {"positions": positions}
    rows = parties.run("argmax.start", [[xi] for xi in x], dim=dim, onehot=onehot, **extra)
    while parties.shape(rows)[-2] > 1:
        left, offset, leftover, diff = unzip(parties.run("argmax.pair", [[r] for r in rows]))
        left_smaller = parties.run("argmax.unsqueeze", [[b] for b in ltz(parties, diff)])
        chosen_offset = mul(parties, left_smaller, offset)
        rows = parties.run("argmax.select", [list(t) for t in zip(left, chosen_offset, leftover)])
    return unzip(parties.run("argmax.finish", [[r] for r in rows], dim=dim, onehot=onehot))


def onehot_to_index(parties: Parties, onehot: list, dim: int = -1) -> list:
    """Index shares from one-hot shares: sum_k k * onehot_k (local, linear)."""
    return parties.run("argmax.to_index", [[h] for h in onehot], dim=dim)
