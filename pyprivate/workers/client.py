"""The sending side: requests to workers, and references that clean up after themselves."""

import threading

from ..errors import NotAWorkerError, error_class
from . import serde
from .base import BaseWorker, VirtualWorker
from .messages import DeleteObjects, ErrorReply

local_worker = VirtualWorker(id="me")
_state = threading.local()


def check_worker(worker, action="send"):
    """Raise a clear error unless ``worker`` is a pyprivate worker."""
    if not isinstance(worker, BaseWorker):
        shown = f"{type(worker).__name__} {worker!r}" if isinstance(worker, (str, int)) else type(worker).__name__
        raise NotAWorkerError(
            f"{action}() needs a worker, such as bob = sy.VirtualWorker(hook, id='bob'); got {shown}"
        )
    return worker


def request(location, message, sender=None):
    """Send ``message`` to ``location`` and return the reply's value (or raise its error).

    ``sender`` is the sending worker's id (by default the local worker, "me").
    """
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        payload = serde.encode(message, sender or local_worker.id)
        reply, _ = serde.decode(location.transport.request(payload))
    finally:
        _state.depth -= 1
    if _state.depth == 0:
        _flush_releases()
    if isinstance(reply, ErrorReply):
        raise error_class(reply.error)(reply.message)
    return reply.value


def _flush_releases():
    pending = getattr(_state, "pending", None)
    if not pending:
        return
    _state.pending = {}
    for location, obj_ids in pending.items():
        request(location, DeleteObjects(obj_ids))


def release(location, obj_id):
    """Delete ``obj_id`` at ``location`` now, or right after the request in flight."""
    pending = getattr(_state, "pending", None)
    if pending is None:
        pending = _state.pending = {}
    pending.setdefault(location, []).append(obj_id)
    if getattr(_state, "depth", 0) == 0:
        _flush_releases()


class RemoteRef:
    """The id of an object at a worker; deletes the object when garbage-collected.

    Several pointers may share one RemoteRef (e.g. ``ptr.detach()``); the
    remote object goes away when the last of them does, or at ``.get()``.
    """

    __slots__ = ("location", "id_at_location", "alive")

    def __init__(self, location, id_at_location):
        self.location = location
        self.id_at_location = id_at_location
        self.alive = True

    def __del__(self):
        if self.alive:
            self.alive = False
            try:
                release(self.location, self.id_at_location)
            except Exception:  # during interpreter shutdown, nothing is left to clean
                pass
