"""Keeping a Beaver mask for an operand that does not change: a model's weights during inference.

A Beaver product x @ y opens eps = x - a and delta = y - b. When the same
shared y (the same shares, unchanged) is multiplied again, for example a
weight matrix by batch after batch, its mask can be kept: the dealer deals a
fresh a' with c' = a' @ b for the b it kept, the parties reuse their shares
of b, and nobody opens y - b again. Only eps' = x' - a' is opened.

**Why this is safe.** delta = y - b was opened once and is simply known
again; no new value about y is revealed. Each product still gets a fresh
a', so eps' is uniform and used once. The dealer learns nothing new (it
only ever sees shapes). It would **not** be safe for a y that changed: the
two openings y - b and y' - b would give away y - y'. So a mask is kept for
one set of shares, identified by the handles themselves: new shares (after
an optimizer step, ``refresh()``, any update) are a new operand, and the
kept mask is dropped with the old handles.

Masks are kept only while gradients are off (``torch.no_grad()``) outside
a backward pass: inference and evaluation, where the weights are fixed. The dealer keeps the
values of b until the operand's handles are gone (the next deal tells it to
forget them), and at most ``KEEP_LIMIT_BYTES``, least recently used first
out; this side mirrors that bookkeeping exactly, so it only asks for a mask
the dealer still has.
"""

import itertools
import os
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import torch

KEEP_LIMIT_BYTES = 64 * 2**20


class KeptValues:
    """The dealer's side: kept values of b by key, least recently used dropped first beyond the limit."""

    def __init__(self, limit=KEEP_LIMIT_BYTES):
        self.limit, self.values, self.nbytes = limit, OrderedDict(), 0

    def keep(self, key, value):
        self.values[key] = value
        self.nbytes += _nbytes(value.shape)
        self._trim()

    def forget(self, keys):
        for key in keys:
            value = self.values.pop(key, None)
            if value is not None:
                self.nbytes -= _nbytes(value.shape)

    def get(self, key):
        if key not in self.values:
            raise KeyError(f"the crypto provider no longer keeps the mask {key}")
        self.values.move_to_end(key)
        return self.values[key]

    def _trim(self):
        while self.nbytes > self.limit and self.values:
            _, value = self.values.popitem(last=False)
            self.nbytes -= _nbytes(value.shape)


def _nbytes(shape):
    return 8 * int(torch.Size(shape).numel())


class _Mirror(KeptValues):
    """This side's copy of the dealer's bookkeeping: shapes instead of values."""

    def keep(self, key, shape):
        super().keep(key, torch.empty(shape, device="meta"))


@dataclass
class Kept:
    """A kept mask: the dealer's key, the parties' shares of b, and the opened delta = y - b."""

    key: int
    b: list
    delta: torch.Tensor


_mirrors = weakref.WeakKeyDictionary()  # dealer (or crypto provider worker) -> _Mirror
_kept = weakref.WeakKeyDictionary()  # dealer -> {operand key: Kept}
_pending = weakref.WeakKeyDictionary()  # dealer -> keys whose operands are gone, to forget with the next deal
_keys = itertools.count(int.from_bytes(os.urandom(5), "big") << 16)  # below 2^56: random, so two notebooks differ


def _dealer_of(parties):
    return getattr(parties.dealer, "provider", None) or parties.dealer


def active() -> bool:
    """Whether masks are kept now: only with gradients off (weights do not change in inference).

    A backward pass also runs with gradients off, but it is part of a
    training step, whose weights change at its end: no masks are kept there.
    """
    return not torch.is_grad_enabled() and torch._C._current_graph_task_id() == -1


def operand_key(handles, extra_ops=()):
    """The identity of a sharing: its handles (a lazy view counts with its pending operations).

    ``extra_ops``: view operations to add, as if they were pending (``step_masks``: autograd's transpose).
    """
    return tuple((id(getattr(h, "base", h)), repr(tuple(getattr(h, "ops", ())) + extra_ops)) for h in handles)


def _bases(handles):
    return [getattr(h, "base", h) for h in handles]


def find(parties, y) -> Kept | None:
    """The kept mask of the sharing ``y``, if the dealer still has it."""
    if not active():
        return None
    dealer = _dealer_of(parties)
    kept = _kept.get(dealer, {}).get(operand_key(y))
    if kept is None or kept.key not in _mirrors[dealer].values:
        return None
    _mirrors[dealer].get(kept.key)  # the dealer moves it to the end too
    return kept


def new_key(parties) -> int | None:
    """A key under which the dealer should keep the mask of the next triple's b, or None."""
    return next(_keys) if active() else None


def remember(parties, y, key, b, delta, shape):
    """The dealer kept b under ``key``: remember it for ``y`` until y's handles are gone."""
    dealer = _dealer_of(parties)
    _mirrors.setdefault(dealer, _Mirror()).keep(key, shape)
    table = _kept.setdefault(dealer, {})
    operand = operand_key(y)
    table[operand] = Kept(key, list(b), delta)
    pending = _pending.setdefault(dealer, [])
    for base in _bases(y):
        weakref.finalize(base, _drop, table, operand, key, pending)


def _drop(table, operand, key, pending):
    """y's handles are gone: drop its mask here (the parties' shares of b go with it) and at the dealer."""
    kept = table.get(operand)
    if kept is not None and kept.key == key:
        del table[operand]
        pending.append(key)


def forget_items(parties) -> list:
    """The bundle item that tells the dealer which kept masks it can drop (none if there are none)."""
    dealer = _dealer_of(parties)
    pending = _pending.get(dealer)
    if not pending:
        return []
    keys, pending[:] = list(pending), []
    if dealer in _mirrors:
        _mirrors[dealer].forget(keys)
    return [("forget_kept", dict(keys=keys))]


def forget_dealer(parties):
    """After a failed deal the dealer's kept values may differ from the mirror: start again."""
    dealer = _dealer_of(parties)
    _mirrors.pop(dealer, None)
    _kept.pop(dealer, None)
    _pending.pop(dealer, None)
