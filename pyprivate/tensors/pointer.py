"""PointerTensor: a local stand-in for a tensor that lives on a worker.

A pointer is a ``torch.Tensor`` wrapper subclass. It has the shape and
dtype of the remote tensor but no data. Every torch operation on pointers
reaches :meth:`PointerTensor.__torch_dispatch__`, which sends the operation
to the worker as a command and returns pointers to the results. Because
the wrapper is a real tensor, PyTorch's own autograd, ``nn.Module`` and
optimizers run over pointers unchanged: gradients are pointers too.
"""

import torch
from ..tree import leaves, tree_map

from .. import ids
from ..errors import (
    AlreadyRemoteError,
    LocalRemoteMixError,
    ObjectNotFoundError,
    RemoteValueError,
    WorkerMismatchError,
)
from ..workers.client import RemoteRef, check_worker, local_worker, request
from ..workers.messages import GetObject, Ref, RunCommand, SendObject, TensorMeta

aten = torch.ops.aten
# These only re-label the same data; remote tensors never require grad, so
# the new pointer can share the remote object instead of asking for a copy.
_ALIASING_OPS = {aten.detach.default, aten.alias.default}


# aten names a learner would not recognise, by what they typed.
_FRIENDLY = {"_local_scalar_dense": ".item()", "is_nonzero": "bool()", "equal": "torch.equal()"}


def op_label(func):
    """A readable name for an aten operation: ``aten.add.Tensor`` -> ``add``."""
    name = func._opname if hasattr(func, "_opname") else str(func)
    return _FRIENDLY.get(name, name)


class RemoteHandle:
    """Where a handle's object lives, read from its ``_ref`` (a :class:`RemoteRef`)."""

    __slots__ = ()

    @property
    def location(self):
        """The worker that holds the data."""
        return self._ref.location

    @property
    def id_at_location(self):
        """The id of the data in ``location._objects``."""
        return self._ref.id_at_location


class PointerTensor(RemoteHandle, torch.Tensor):
    """Points to the tensor ``id_at_location`` in ``location``'s store."""

    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, ref, shape, dtype, requires_grad=False):
        ptr = torch.Tensor._make_wrapper_subclass(
            cls, shape, dtype=dtype, device="cpu", requires_grad=requires_grad
        )
        ptr._ref = ref
        ptr.id = ids.new_id()
        ptr.owner = local_worker
        return ptr

    def __init__(self, *args, **kwargs):
        pass

    # -- what a learner looks at ---------------------------------------
    def __repr__(self, **kwargs):
        return f"(Wrapper)>[PointerTensor | {self.owner.id}:{self.id} -> {self.location.id}:{self.id_at_location}]"

    __str__ = __repr__

    # -- moving data ---------------------------------------------------
    def _check_alive(self, action):
        if not self._ref.alive:
            raise ObjectNotFoundError(
                f"cannot {action}: object {self.id_at_location} is no longer at {self.location.id} "
                "(it was already fetched with .get() or deleted)"
            )

    def get(self):
        """Bring the tensor back from its worker (and remove it there).

        If the pointer has a gradient (after ``backward()``), the gradient
        comes back too, as ``.grad`` of the returned tensor.
        """
        self._check_alive("get()")
        value = request(self.location, GetObject(self.id_at_location, remove=True))
        self._ref.alive = False
        grad = self.grad if self.is_leaf else None
        if self.requires_grad:
            value.requires_grad_(True)
            if grad is not None:
                value.grad = grad.get() if isinstance(grad, PointerTensor) else grad
        return value

    def send(self, *workers, **kwargs):
        raise AlreadyRemoteError(
            f"this tensor is already at {self.location.id}; bring it back with .get() before sending it elsewhere"
        )

    def numpy(self, *args, **kwargs):
        raise self._would_bring_values("numpy()")

    def tolist(self):
        raise self._would_bring_values("tolist()")

    def _would_bring_values(self, call):
        return RemoteValueError(f"{call} would bring the values from {self.location.id} into this Python process; "
                                "call .get() on the pointer first")

    def fix_precision(self, *args, **kwargs):
        raise AlreadyRemoteError(
            f"fix_precision() encodes values held here, and this is a pointer to data at {self.location.id}; "
            "bring them back first: x.get().fix_precision()"
        )

    def share(self, *workers, **kwargs):
        raise AlreadyRemoteError(
            f"share() splits values held here, and this is a pointer to data at {self.location.id}; "
            "bring them back first: x.get().fix_precision().share(...)"
        )

    @classmethod
    def from_tensor(cls, tensor, worker, lazy=False):
        """Send ``tensor`` to ``worker`` and return a pointer to it.

        ``lazy`` pointers (to shares) have their remote deletion carried by
        the next message to the worker rather than sent on its own.
        """
        check_worker(worker, "send")
        if worker is local_worker:
            raise AlreadyRemoteError("this tensor is already here, at the local worker 'me'")
        obj_id = ids.new_id()
        request(worker, SendObject(obj_id, tensor.detach()))
        return cls(RemoteRef(worker, obj_id, lazy), tensor.shape, tensor.dtype, requires_grad=tensor.requires_grad)

    # -- running operations remotely ----------------------------------------
    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = op_label(func)
        flat = leaves((args, kwargs))
        pointers = [a for a in flat if isinstance(a, PointerTensor)]
        location = _common_location(name, pointers, flat)
        if func in _ALIASING_OPS or (func is aten.view.default and list(args[1]) == list(args[0].shape)):
            src = args[0]
            return cls(src._ref, src.shape, src.dtype)
        for ret in func._schema.returns:
            if "Tensor" not in str(ret.type):
                raise RemoteValueError(
                    f"{name} would bring a value from {location.id} into this Python process; "
                    "call .get() on the pointer first if you mean to see the data"
                )
        for p in pointers:
            p._check_alive(name)

        def to_ref(a):
            return Ref(a.id_at_location) if isinstance(a, PointerTensor) else a

        metas = request(location, RunCommand(f"{name}.{func._overloadname}", tree_map(to_ref, list(args)), tree_map(to_ref, kwargs)))
        by_id = {p.id_at_location: p for p in pointers}

        def to_pointer(meta):
            if not isinstance(meta, TensorMeta):
                return meta
            if meta.obj_id in by_id:  # an in-place op returns its input
                return by_id[meta.obj_id]
            return cls(RemoteRef(location, meta.obj_id), meta.shape, meta.dtype)

        out = tree_map(to_pointer, metas)
        return tuple(out) if isinstance(out, list) and len(func._schema.returns) > 1 else out


def _common_location(name, pointers, flat):
    locations = {}
    for p in pointers:
        locations.setdefault(id(p.location), p.location)
    if len(locations) > 1:
        names = ", ".join(sorted(w.id for w in locations.values()))
        raise WorkerMismatchError(
            f"{name}: the operands live on different workers ({names}); "
            "an operation runs where its data is, so bring them to one worker first"
        )
    location = pointers[0].location
    for a in flat:
        if not isinstance(a, torch.Tensor) or isinstance(a, PointerTensor):
            continue
        if _is_fixed_precision(a):
            raise pointer_and_fixed_precision(name, location)
        if a.dim() > 0:
            raise LocalRemoteMixError(
                f"{name}: cannot combine a pointer to data at {location.id} with a local tensor of "
                f"shape {list(a.shape)}; send it there first with tensor.send({location.id}), "
                "or bring the pointer back with .get()"
            )
    return location


def _is_fixed_precision(tensor):
    from .fixed_precision import FixedPrecisionTensor  # it imports this module

    return isinstance(tensor, FixedPrecisionTensor)


def pointer_and_fixed_precision(name, location):
    """The error for an operation on a pointer and a fixed precision tensor (in either order)."""
    return LocalRemoteMixError(
        f"{name}: cannot combine a pointer to data at {location.id} with a fixed precision tensor; "
        "bring the pointer's values back with .get(), then encode them the same way "
        "(.fix_precision(), and .share(...) among the same workers if the other is shared)"
    )
