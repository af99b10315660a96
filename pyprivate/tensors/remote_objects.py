"""What a worker holds besides plain tensors: pointers, fixed precision and shared tensors.

In tutorial part 3 Alice holds a pointer to Bob's tensor; in part 10 Bob
encodes and shares his own parameters. Such objects travel between workers
as records (:class:`~pyprivate.workers.messages.PointerData`,
``FixedPrecisionData``, ``SharedData``): plain data, naming workers by id,
which the decoder builds without running anything. :func:`describe` turns a
live object into its record; :func:`adopt` turns a record back into a live
object owned by the worker that received it, finding the workers it names.

Ownership travels with the object. The worker that stores an adopted
pointer deletes the object it points to when it drops the pointer; the
sender stops doing so (:func:`disown`) once the receiver has it. So a chain
``me -> alice -> bob`` is cleaned up link by link, and stores stay bounded.
"""

import torch

from .. import ids
from ..crypto import sharing as ring_sharing
from ..errors import AlreadyRemoteError, NotAWorkerError, PyPrivateError, UnsupportedOperationError
from ..workers import directory
from ..workers.client import RemoteRef, local_worker, request
from ..workers.messages import DeleteObjects, FixedPrecisionData, PointerData, SendObject, SharedData
from .encoding import FixedPointEncoder
from .fixed_precision import FixedPrecisionTensor
from .pointer import PointerTensor
from .share_view import Share, ShareView
from .sharing import AdditiveSharingTensor, check_share_workers
from .worker_parties import WorkerParties


def is_plain(obj):
    """A tensor that travels by value (its bytes), not as a record."""
    return type(obj) is torch.Tensor or (isinstance(obj, torch.nn.Parameter) and type(obj.data) is torch.Tensor)


def find_worker(worker_id, here):
    """The worker called ``worker_id``, as ``here`` (a worker, or None for "me") can reach it."""
    try:
        return directory.find(worker_id)
    except NotAWorkerError:
        who = here.id if here is not None else local_worker.id
        raise NotAWorkerError(f"{who} cannot reach a worker called {worker_id!r}") from None


def check_reachable(worker):
    """Raise a clear error if ``worker`` cannot be found by its id (messages name workers by id)."""
    if find_worker(worker.id, None) is not worker:
        raise PyPrivateError(
            f"a newer worker called {worker.id!r} was created (sy.VirtualWorker(hook, id={worker.id!r}) ran again): "
            "other workers would find that one, not this one; make the pointers again with the new worker"
        )


# -- live object -> record ---------------------------------------------------

def describe(obj):
    """The record of ``obj`` for a message (a plain tensor is its own record)."""
    if is_plain(obj):
        return obj
    if isinstance(obj, PointerTensor):
        obj._check_alive("send the pointer")
        check_reachable(obj.location)
        return PointerData(obj.location.id, obj.id_at_location, tuple(obj.shape), obj.dtype)
    if isinstance(obj, FixedPrecisionTensor):
        return FixedPrecisionData(obj.base, obj.precision_fractional, obj.dtype, describe(obj.child))
    if isinstance(obj, AdditiveSharingTensor):
        provider = obj.crypto_provider.id if obj.crypto_provider is not None else None
        return SharedData(tuple(describe(s) for s in obj.shares), provider)
    raise UnsupportedOperationError(f"a {type(obj).__name__} cannot travel between workers")


def disown(obj):
    """``obj`` was handed to another worker: dropping it here must no longer delete what it points to."""
    if isinstance(obj, PointerTensor):
        obj._ref.owns = False
    elif isinstance(obj, FixedPrecisionTensor):
        disown(obj.child)
    elif isinstance(obj, AdditiveSharingTensor):
        for handle in obj.handles:
            (handle.base if isinstance(handle, ShareView) else handle)._ref.owns = False


# -- record -> live object -----------------------------------------------------

def adopt(record, owner, owns=True):
    """The live object described by ``record``, held by ``owner`` (a worker; None or "me" for this process's user)."""
    if isinstance(record, torch.Tensor):
        return record
    owner = None if owner is local_worker else owner
    if isinstance(record, PointerData):
        ref = RemoteRef(find_worker(record.location, owner), record.obj_id, lazy=False, owner=owner)
        ref.owns = owns
        return PointerTensor(ref, record.shape, record.dtype)
    if isinstance(record, SharedData):
        # The data scientist's shares are released lazily, as those of .share() are.
        handles = []
        for share in record.shares:
            ref = RemoteRef(find_worker(share.location, owner), share.obj_id, lazy=owner is None, owner=owner)
            ref.owns = owns
            handles.append(Share(ref, share.shape, share.dtype))
        provider = find_worker(record.crypto_provider, owner) if record.crypto_provider is not None else None
        workers = [h.location for h in handles]
        if len({id(w) for w in workers}) != len(workers):
            raise PyPrivateError("refused a shared tensor with two shares at the same worker")
        return AdditiveSharingTensor(handles, WorkerParties(workers, provider))
    if isinstance(record, FixedPrecisionData):
        return FixedPrecisionTensor(adopt(record.child, owner, owns), FixedPointEncoder(record.base, record.precision),
                                    record.dtype)
    raise PyPrivateError(f"a worker cannot hold a {type(record).__name__}")


def adopt_all(records, owner):
    """:func:`adopt` each record; if one fails, the others own nothing (their sender still does)."""
    adopted = []
    try:
        for record in records:
            adopted.append(adopt(record, owner))
    except BaseException:
        for obj in adopted:
            disown(obj)
        raise
    return adopted


# -- what a worker does with its own objects ------------------------------------

def encode_here(obj, base, precision):
    """``obj.fix_precision(base, precision)`` for an object a worker holds (a pointer passes it on)."""
    if isinstance(obj, PointerTensor):
        return obj.fix_precision(base, precision)
    if isinstance(obj, (FixedPrecisionTensor, AdditiveSharingTensor)):
        raise PyPrivateError("this tensor is already in fixed precision")
    return FixedPrecisionTensor.encode(obj, base, precision)


def share_here(holder, obj, worker_ids, provider_id):
    """Secret-share ``obj``, held by ``holder``, among the workers ``worker_ids``: the shares go straight to them.

    Returns the shared tensor, which ``holder`` then stores: its own share
    stays in its store, the others are sent in its name, and it points to
    all of them. If a worker refuses its share, the shares already placed
    are deleted and nothing changes.
    """
    workers = [find_worker(w, holder) for w in worker_ids]
    provider = find_worker(provider_id, holder) if provider_id is not None else None
    if isinstance(obj, PointerTensor):
        return obj.share(*workers, crypto_provider=provider)
    if isinstance(obj, AdditiveSharingTensor) or (isinstance(obj, FixedPrecisionTensor) and obj.is_shared):
        raise AlreadyRemoteError("this tensor is already shared")
    fixed = obj if isinstance(obj, FixedPrecisionTensor) else None
    secret = fixed.child if fixed is not None else obj
    if secret.is_floating_point():
        raise PyPrivateError("shares are integers: call .fix_precision() before .share(...) on a float tensor")
    workers = check_share_workers(workers, provider)
    from . import sharing  # read its generator now: tests seed it

    values = ring_sharing.share(secret.detach(), len(workers), sharing._prng)
    handles = _place_shares(holder, workers, values)
    shared = AdditiveSharingTensor(handles, WorkerParties(workers, provider))
    return FixedPrecisionTensor(shared, fixed.encoder, fixed.dtype) if fixed is not None else shared


def _place_shares(holder, workers, values):
    placed = []
    try:
        for worker, value in zip(workers, values):
            obj_id = ids.new_id()
            if worker is holder:
                holder._objects[obj_id] = value
            else:
                request(worker, SendObject(obj_id, value), sender=holder.id)
            placed.append((worker, obj_id))
    except BaseException:
        for worker, obj_id in placed:
            if worker is holder:
                holder._objects.pop(obj_id, None)
            else:
                try:
                    request(worker, DeleteObjects([obj_id]), sender=holder.id)
                except PyPrivateError:
                    pass
        raise
    return [PointerTensor(RemoteRef(worker, obj_id, owner=holder), value.shape, value.dtype)
            for (worker, obj_id), value in zip(placed, values)]
