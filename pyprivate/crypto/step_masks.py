"""Masks kept from a layer's forward product for its backward pass (SecureML's reuse).

A linear layer computes z = x @ y (y is the transposed weight) with a Beaver
triple (a, b, c = a @ b): it opens eps = x - a and delta = y - b. Its
backward pass computes two more products with the same operands:

    grad_x = g @ y.T        grad_y = x.T @ g

where g is the gradient of z. Without reuse, each is a new Beaver product
that opens y.T and x.T again under fresh masks, and g twice. But x and y
have not changed, and their masked values are already known. So the
forward product asks the dealer, in the same triple, for a mask a_g of g
and for

    c_x = a_g @ b.T         c_y = a.T @ a_g

(only those whose gradient is needed). In the backward pass the parties
open g - a_g once, and finish both products from eps, delta and
eps_g = g - a_g with the kept shares of a, b, a_g: no other opening, and
the second product needs no round at all.

ReLU keeps what its backward product grad * bit needs the same way
(``comparison.relu``): with two parties, bit = e ^ r for the opened e and
the daBit r, so grad * bit = e*grad + (1 - 2e) * (grad * r), and grad * r
needs only grad - a_g opened and c_g = a_g * r (kind "relu"); with more
parties, the bit's Beaver mask b and delta = bit - b, with c_x = a_g * b.

**Why this is safe.** eps and delta are opened once, as before; using them
again reveals nothing new, *because x and y are the same values*. A mask is
only found for the same shares (the same handles, plus the transpose that
autograd adds), and an update of a shared tensor, in place or not, gives it
new shares. a_g is fresh, uniform and masks exactly one value: the first g it
is opened with; a product with any other g gets a fresh triple. The dealer
learns nothing new (it only ever sees shapes).

Masks are kept only for fixed-point products of two matrices with local
truncation (and ReLU's x * bit), in a forward pass with gradients on
(``sy.settings.reuse_masks``, the default), and only used in a backward
pass. They end with the handles
of the forward's operands (after backward, autograd lets them go), when
both gradients were computed, or at the optimizer step (``end_step``),
whichever comes first; and at most ``PER_OPERAND`` forward products are
kept per operand (a forward pass whose backward never comes).
"""

import weakref

import torch

from ..settings import settings
from .kept_masks import operand_key as _key

_T = (("t.default", (), {}),)  # the transpose that autograd applies to a saved operand, as a share view op
_entries = {}  # operand key -> [(Entry, role)]: the forward products whose masks a backward product can use
PER_OPERAND = 4  # forward products kept per operand: forward passes whose backward never comes do not pile up


class Entry:
    """One forward product's kept material: shares of a, b, a_g, c_x, c_y, and the opened eps, delta, eps_g."""

    __slots__ = ("workers", "op", "kind", "a", "b", "eps", "delta", "a_g", "c", "g_key", "eps_g", "keys",
                 "__weakref__")

    def __init__(self, workers, op, a, b, eps, delta, a_g, c, kind="beaver"):
        self.workers, self.op, self.a, self.b, self.eps, self.delta, self.a_g = workers, op, a, b, eps, delta, a_g
        self.kind = kind  # "beaver", or "relu": b is the daBit's r, eps its opened e ^ r (``remember_relu``)
        self.c = c  # role ("grad_x" or "grad_y") -> that product's shares of c
        self.g_key = self.eps_g = None
        self.keys = []


def reusable(op, shape_x, shape_y) -> bool:
    """Whether op(x, y) can keep its masks: a product of two matrices, or elementwise of one shape (ReLU's x * bit)."""
    if op == "matmul":
        return len(shape_x) == 2 and len(shape_y) == 2
    return op == "mul" and tuple(shape_x) == tuple(shape_y)


def wanted(grads, op, shape_x, shape_y) -> str:
    """Which backward products the forward product op(x, y) deals for: "", "x", "y" or "xy".

    ``grads``: whether x and y need a gradient (``(requires_grad, requires_grad)``), or None.
    """
    if not grads or not settings.reuse_masks or not reusable(op, shape_x, shape_y):
        return ""
    if not torch.is_grad_enabled() or torch._C._current_graph_task_id() != -1:
        return ""  # no backward will follow (no_grad), or this is one already
    return "x" * bool(grads[0]) + "y" * bool(grads[1])


def remember(parties, op, x, y, backward, a, b, eps, delta, a_g, *c):
    """Keep a forward product's masks for its backward products ``backward`` ("x", "y" or "xy")."""
    roles = [role for role, wanted_ in (("grad_x", "x"), ("grad_y", "y")) if wanted_ in backward]
    _keep(Entry(tuple(getattr(parties, "workers", ())), op, a, b, eps, delta, a_g, dict(zip(roles, c))), x, y, roles)


def remember_relu(parties, bit, e, r, a_g, c_g):
    """Keep what a two-party ReLU's backward product grad * bit needs: e, r's shares, a_g, c_g = a_g * r."""
    entry = Entry(tuple(getattr(parties, "workers", ())), "mul", None, r, e, None, a_g, {"grad_x": c_g}, kind="relu")
    _keep(entry, None, bit, ["grad_x"])


def _keep(entry, x, y, roles):
    op = entry.op
    for role in roles:
        # grad_x = g @ y.T is recognised by its second operand, grad_y = x.T @ g by its first
        # (for "mul": g * y and x * g, without the transpose).
        operand = y if role == "grad_x" else x
        key = _key(operand, _T if op == "matmul" else ())
        listed = _entries.setdefault(key, [])
        listed.append((entry, role))
        entry.keys.append((key, role))
        if len(listed) > PER_OPERAND:  # e.g. the same data through the model again and again, gradients on
            _drop_role(weakref.ref(listed[0][0]), listed[0][1])
        for h in operand:  # autograd lets a saved operand go after backward (or never saves it): its masks go too
            weakref.finalize(h, _drop_role, weakref.ref(entry), role)


def find(op, x, y):
    """(entry, role, g) whose kept masks finish the product op(x, y), or None.

    Only in a backward pass. An entry whose g mask was opened for another
    value is not used (a_g masks one value only).
    """
    if not _entries or torch._C._current_graph_task_id() == -1:
        return None
    candidates = []
    for role, key, g in (("grad_x", _key(y), x), ("grad_y", _key(x), y)):
        for entry, entry_role in _entries.get(key, ()):
            if entry_role == role and entry.op == op:
                candidates.append((entry, role, g))
    if not candidates:
        return None
    for entry, role, g in candidates:
        if entry.g_key is not None and entry.g_key == _key(g):
            return entry, role, g
    for entry, role, g in candidates:
        if entry.g_key is None:
            return entry, role, g
    return None


def opened(entry, g, eps_g):
    """g - a_g was opened as ``eps_g``: a_g now masks this g only."""
    entry.g_key, entry.eps_g = _key(g), eps_g


def used(entry, role):
    """The product ``role`` of ``entry`` is done: its c goes, and the entry when nothing is left."""
    _drop_role(weakref.ref(entry), role)


def _drop_role(entry_ref, role):
    entry = entry_ref()
    if entry is not None and role in entry.c:
        del entry.c[role]
        _unlist(entry, [(key, r) for key, r in entry.keys if r == role])


def _unlist(entry, keys):
    for key, role in keys:
        listed = _entries.get(key, [])
        listed[:] = [(e, r) for e, r in listed if not (e is entry and r == role)]
        if not listed:
            _entries.pop(key, None)
    entry.keys = [k for k in entry.keys if k not in keys]


def _drop(entry):
    _unlist(entry, list(entry.keys))
    entry.c.clear()


def end_step(workers):
    """An optimizer step ended a training step: drop what its parties kept (the weights have changed)."""
    workers = tuple(workers)
    for listed in list(_entries.values()):
        for entry, _ in list(listed):
            if entry.workers == workers:
                _drop(entry)


def kept_count() -> int:
    """How many forward products' masks are kept now (for tests and teaching)."""
    return len({id(entry) for listed in _entries.values() for entry, _ in listed})
