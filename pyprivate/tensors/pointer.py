"""PointerTensor: a local stand-in for a tensor that lives on a worker.

A pointer is a ``torch.Tensor`` wrapper subclass. It has the shape and
dtype of the remote tensor but no data. Every torch operation on pointers
reaches :meth:`PointerTensor.__torch_dispatch__`, which sends the operation
to the worker as a command and returns pointers to the results. Because
the wrapper is a real tensor, PyTorch's own autograd, ``nn.Module`` and
optimizers run over pointers unchanged: gradients are pointers too.

A worker may hold pointers too (``x_ptr.send(alice)``, tutorial part 3): its
pointers belong to it (``owner``), and it runs their operations with
messages of its own. ``move`` has the data's worker send it straight to
another; ``fix_precision`` and ``share`` encode and share the values where
they are (tutorial part 10). How such objects travel is in
:mod:`.remote_objects`.
"""

import torch
from ..tree import leaves, tree_map

from .. import ids
from ..errors import (
    AlreadyRemoteError,
    LocalRemoteMixError,
    NotRemoteError,
    ObjectNotFoundError,
    RemoteValueError,
    UnsupportedOperationError,
    WorkerMismatchError,
)
from ..workers.client import RemoteRef, check_worker, local_worker, request, sender_id
from ..workers.messages import (EncodeObject, GetObject, MoveObjects, Ref, RequestAccess, RunCommand, SendObject,
                                ShareObject, TensorMeta)
from .encoding import FixedPointEncoder

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
        return ptr

    def __init__(self, *args, **kwargs):
        pass

    @property
    def owner(self):
        """The worker that holds this pointer: "me", or a worker that holds a pointer to another one's data."""
        return self._ref.owner or local_worker

    def _ask(self, message):
        """Send ``message`` to the data's worker, in the name of this pointer's owner; the reply's value."""
        return request(self.location, message, sender=sender_id(self._ref.owner))

    def _pointer_to(self, meta):
        """A pointer, with the same owner, to the object the data's worker reported in ``meta``."""
        return PointerTensor(RemoteRef(self.location, meta.obj_id, owner=self._ref.owner), meta.shape, meta.dtype)

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

    def _check_owned(self, action):
        if not self._ref.owns:
            raise AlreadyRemoteError(
                f"cannot {action}: this pointer was sent to another worker, which now holds the pointer to "
                f"{self.location.id}'s object; use the pointer that .send() returned (or .get() it back first)"
            )

    def get(self):
        """Bring the object back from its worker (and remove it there).

        If the pointer has a gradient (after ``backward()``), the gradient
        comes back too, as ``.grad`` of the returned tensor. If the worker
        held a pointer (``x.send(bob).send(alice)``), what comes back is that
        pointer, now held here; a shared tensor comes back as the shared
        tensor (its shares stay where they are).
        """
        from .remote_objects import adopt

        self._check_alive("get()")
        value = adopt(self._ask(GetObject(self.id_at_location, remove=True)), self._ref.owner)
        self._ref.alive = False
        grad = self.grad if self.is_leaf else None
        if self.requires_grad and value.is_floating_point():
            value.requires_grad_(True)
            if grad is not None:
                value.grad = grad.get() if isinstance(grad, PointerTensor) else grad
        return value

    def send(self, worker):
        """Send this pointer to ``worker``, which then holds a pointer to the same data (tutorial part 3).

        The data does not move. ``worker`` now owns it: when the returned
        pointer is dropped, ``worker``'s pointer goes, and then the data. To
        move the data itself, use :meth:`move`.
        """
        from .remote_objects import describe, disown

        check_worker(worker, "send")
        if worker is self.location:
            raise AlreadyRemoteError(f"this pointer already points to {worker.id}; sending it there would "
                                     f"make {worker.id} point to itself")
        if worker is self.owner:
            raise AlreadyRemoteError(f"this pointer is already held by {worker.id}")
        self._check_owned("send() it")
        record = describe(self)
        obj_id = ids.new_id()
        request(worker, SendObject(obj_id, record), sender=sender_id(self._ref.owner))
        disown(self)
        ref = RemoteRef(worker, obj_id, owner=self._ref.owner)
        return PointerTensor(ref, self.shape, self.dtype, requires_grad=self.requires_grad)

    def move(self, destination):
        """Move the data straight from its worker to ``destination``; this pointer then points there.

        The data travels from worker to worker: this process sends only the
        command. Returns this pointer (``x = x.move(alice)`` also works).
        """
        move_pointers([self], destination)
        return self

    def copy(self):
        """A copy of the data, made at its worker; returns a pointer to the copy."""
        return self.detach().clone()

    def numpy(self, *args, **kwargs):
        raise self._would_bring_values("numpy()")

    def tolist(self):
        raise self._would_bring_values("tolist()")

    def _would_bring_values(self, call):
        return RemoteValueError(f"{call} would bring the values from {self.location.id} into this Python process; "
                                "call .get() on the pointer first")

    def fix_precision(self, base=10, precision_fractional=3):
        """Encode the values in fixed precision where they are; returns a pointer to the encoded tensor.

        The values never leave their worker: ``ptr.fix_precision().share(bob,
        alice, crypto_provider=james)`` encrypts a remote tensor (tutorial part 10).
        """
        FixedPointEncoder(base, precision_fractional)  # a wrong base is refused here, before any message
        self._check_alive("fix_precision()")
        return self._pointer_to(self._ask(EncodeObject(self.id_at_location, base, precision_fractional)))

    def share(self, *workers, crypto_provider=None, requires_grad=False):
        """Secret-share the values where they are; returns a pointer to the shared tensor, held by this worker.

        The worker splits the values itself and sends each share straight to
        its worker. ``.get()`` on the returned pointer brings the *shared
        tensor* here; its shares stay at the workers.
        """
        from .remote_objects import check_reachable
        from .sharing import check_share_workers

        if requires_grad:
            raise UnsupportedOperationError(
                "share(requires_grad=True) of remote values: share them, .get() the shared tensor, "
                "then call .requires_grad_() on it"
            )
        workers = check_share_workers(workers, crypto_provider)
        self._check_alive("share()")
        for worker in workers + ([crypto_provider] if crypto_provider is not None else []):
            check_reachable(worker)
        provider = crypto_provider.id if crypto_provider is not None else None
        return self._pointer_to(self._ask(ShareObject(self.id_at_location, [w.id for w in workers], provider)))

    def request(self, reason):
        """Ask the owner of this private data to let you ``.get()`` it, saying why; returns the request's status.

        The request waits at the worker until its owner approves or denies it
        (``worker.requests``), unless the worker's policy decides at once.
        """
        self._check_alive("request()")
        return request(self.location, RequestAccess(self.id_at_location, reason), sender=sender_id(self._ref.owner))

    def float_precision(self):
        raise NotRemoteError(
            f"float_precision() decodes values held here, and this is a pointer to data at {self.location.id}; "
            "bring them back first: x.get().float_precision()"
        )

    @classmethod
    def from_tensor(cls, tensor, worker, lazy=False, private=False):
        """Send ``tensor`` to ``worker`` and return a pointer to it.

        ``lazy`` pointers (to shares) have their remote deletion carried by
        the next message to the worker rather than sent on its own.
        ``private`` data stays at the worker (see :mod:`..workers.governance`).
        """
        check_worker(worker, "send")
        if worker is local_worker:
            raise AlreadyRemoteError("this tensor is already here, at the local worker 'me'")
        if not isinstance(private, bool):
            raise TypeError(f"private is True or False, not {private!r}")
        obj_id = ids.new_id()
        request(worker, SendObject(obj_id, tensor.detach(), private))
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

        owner = pointers[0]._ref.owner  # a worker holding pointers runs their operations in its own name
        command = RunCommand(f"{name}.{func._overloadname}", tree_map(to_ref, list(args)), tree_map(to_ref, kwargs))
        metas = request(location, command, sender=sender_id(owner))
        by_id = {p.id_at_location: p for p in pointers}

        def to_pointer(meta):
            if not isinstance(meta, TensorMeta):
                return meta
            if meta.obj_id in by_id:  # an in-place op returns its input
                return by_id[meta.obj_id]
            return cls(RemoteRef(location, meta.obj_id, owner=owner), meta.shape, meta.dtype)

        out = tree_map(to_pointer, metas)
        return tuple(out) if isinstance(out, list) and len(func._schema.returns) > 1 else out


def move_pointers(pointers, destination):
    """Move the objects of ``pointers`` (all at one worker) straight to ``destination``, in one message.

    The worker sends them to ``destination`` itself, and the pointers are
    updated in place. If ``destination`` refuses, nothing changes anywhere.
    """
    from .remote_objects import check_reachable

    check_worker(destination, "move")
    refs = list({id(p._ref): p._ref for p in pointers}.values())
    location = _common_location("move", pointers, [])
    for p in pointers:
        p._check_alive("move()")
        p._check_owned("move() it")
    if destination is location:
        return
    owner = refs[0].owner
    if destination is (owner or local_worker):
        raise NotRemoteError(f"move() sends data from worker to worker; to bring it here from {location.id}, "
                             "use .get()")
    check_reachable(destination)
    metas = request(location, MoveObjects([r.id_at_location for r in refs], destination.id), sender=sender_id(owner))
    for ref, meta in zip(refs, metas):
        ref.relocate(destination, meta.obj_id)


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
