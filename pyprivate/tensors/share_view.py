"""Lazy shape operations on shares: a transpose that costs no message.

``x.t()``, ``x.view(...)``, ``x.sum(dim)`` on a shared tensor are local: each
worker applies them to its own share. Sent one by one they cost a message
per worker each, and autograd makes many (every ``nn.Linear`` transposes
its weight, forward and backward). A :class:`ShareView` is a share that is
*not yet* transformed: the pointer to the stored share plus the operations,
which travel inside the reference of the next message that uses the share
(see ``Ref.ops``); the worker applies them there and then.

Protocols use such handles directly. Anything that needs the share as an
object in the worker's store (``.get()``, the widgets) materialises it
first, in one message per worker (``AdditiveSharingTensor.shares``).
"""

import torch

from ..workers.messages import VIEW_OPS, plain_arguments
from .pointer import PointerTensor, RemoteHandle

MAX_OPS = 8  # a longer chain of pending operations is materialised instead


# A share's memory layout is its worker's business (a transposed share is not
# contiguous), so a view of a share is made as a reshape, which copies when it must.
_AS_RESHAPE = {"view.default", "_unsafe_view.default"}


def _aten_name(func) -> str:
    return f"{func._opname}.{func._overloadname}"


def op_name(func) -> str:
    """The name a worker runs ``func`` (an aten overload on shares) under."""
    name = _aten_name(func)
    return "reshape.default" if name in _AS_RESHAPE else name


def can_wait(func, handles, args, kwargs) -> bool:
    """Whether ``func(share, *args, **kwargs)`` can wait inside the next reference to each of ``handles``."""
    return (_aten_name(func) in VIEW_OPS and plain_arguments(args) and plain_arguments(list(kwargs.values()))
            and all(len(getattr(h, "ops", ())) < MAX_OPS for h in handles))


class Share(RemoteHandle):
    """A protocol's handle to one party's share: the remote reference, its shape and dtype.

    Protocols make and drop hundreds of these per training step, so they are
    plain objects; a :class:`PointerTensor` to the same object (what a
    learner sees in ``.shares``) is made from one on demand, without a message.
    """

    __slots__ = ("_ref", "shape", "dtype", "__weakref__")  # weak references: a kept mask ends with its share

    def __init__(self, ref, shape, dtype):
        self._ref, self.shape, self.dtype = ref, torch.Size(shape), dtype

    def as_pointer(self):
        """A PointerTensor to the same remote object (they share the reference and its clean-up)."""
        return PointerTensor(self._ref, self.shape, self.dtype)

    def __repr__(self):
        return f"<share at {self.location.id}:{self.id_at_location}>"


class ShareView:
    """The share ``base`` (a pointer) with the shape operations ``ops`` still to apply at its worker."""

    __slots__ = ("base", "ops", "shape", "dtype", "__weakref__")  # weak references: kept masks end with their views

    def __init__(self, base, ops, shape, dtype):
        self.base, self.ops, self.shape, self.dtype = base, tuple(ops), torch.Size(shape), dtype

    @classmethod
    def of(cls, handle, func, args, kwargs, shape):
        """``func(handle, *args, **kwargs)`` as a view, with the result ``shape`` the caller computed."""
        base, ops = (handle.base, handle.ops) if isinstance(handle, ShareView) else (handle, ())
        return cls(base, ops + ((op_name(func), tuple(args), dict(kwargs)),), shape, handle.dtype)

    @property
    def location(self):
        return self.base.location

    def __repr__(self):
        pending = " -> ".join(name.split(".")[0] for name, _, _ in self.ops)
        return f"{self.base!r} (then {pending}, at {self.location.id})"


def result_shape(func, shape, args, kwargs) -> torch.Size:
    """The shape ``func`` gives a tensor of ``shape`` (worked out on the meta device: no data, no message).

    Remembered per operation, shape and arguments: torch's meta kernels run
    in Python (tens of microseconds), and a training step asks the same
    questions every batch. Arguments that are not plain values are not remembered.
    """
    try:
        key = (func, tuple(shape), _frozen(args), _frozen(kwargs))
        known = _known_shapes.get(key)
    except TypeError:  # an argument that cannot be part of a key
        return _meta_shape(func, shape, args, kwargs)
    if known is None:
        known = _meta_shape(func, shape, args, kwargs)  # torch's own error for arguments that do not fit
        if len(_known_shapes) >= 4096:
            _known_shapes.clear()
        _known_shapes[key] = known
    return known


def _frozen(value):
    """A hashable stand-in for an argument, which tells a list from a tuple and 1 from True."""
    if isinstance(value, dict):
        return ("dict",) + tuple((k, _frozen(v)) for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value),) + tuple(_frozen(v) for v in value)
    return (type(value), value)


def _meta_shape(func, shape, args, kwargs) -> torch.Size:
    return func(torch.empty(shape, dtype=torch.int64, device="meta"), *args, **kwargs).shape


_known_shapes = {}  # (func, shape, frozen args, frozen kwargs) -> torch.Size
