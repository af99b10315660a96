"""The sending side: requests to workers, and references that clean up after themselves."""

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from ..errors import NotAWorkerError, error_class
from . import handover, serde
from .base import BaseWorker, VirtualWorker
from .messages import DeleteObjects, ErrorReply

local_worker = VirtualWorker(id="me")
_state = threading.local()


def check_worker(worker, action="send"):
    """Raise a clear error unless ``worker`` is a pyprivate worker (``action`` names the call, e.g. "send")."""
    if not isinstance(worker, BaseWorker):
        shown = f"{type(worker).__name__} {worker!r}" if isinstance(worker, (str, int)) else type(worker).__name__
        call = action if action.endswith(")") else f"{action}()"
        raise NotAWorkerError(
            f"{call} needs a worker, such as bob = sy.VirtualWorker(hook, id='bob'); got {shown}"
        )
    return worker


def request(location, message, sender=None):
    """Send ``message`` to ``location`` and return the reply's value (or raise its error).

    ``sender`` is the sending worker's id (by default the local worker, "me").
    """
    (outcome,) = request_each([location], [message], sender)
    return reply_value(outcome)


def request_each(locations, messages, sender=None, moved=None):
    """One message to each of several workers, at the same time; their replies, in order.

    This is one round of a protocol: every party gets its message before
    any answer is awaited. A failure comes back as an ``ErrorReply`` (see
    :func:`reply_value`), after the other requests completed. ``moved``:
    per message, the ids of tensors in it that the sender made for it and
    drops afterwards; a worker in this process gets them without a copy
    (:func:`.handover.hand`).
    """
    _state.depth = getattr(_state, "depth", 0) + 1
    lazy = getattr(_state, "lazy", None)
    try:
        payloads = []
        for i, (location, message) in enumerate(zip(locations, messages, strict=True)):
            release_ids = lazy.pop(location, ()) if lazy and sender is None else ()
            if handover.in_process(location):
                payloads.append(handover.hand(message, sender or local_worker.id, release_ids,
                                              moved[i] if moved else ()))
            else:
                payloads.append(serde.encode(message, sender or local_worker.id, release_ids))
        answers = _deliver(locations, payloads)
        replies = [answer.message if type(answer) is handover.Handed else serde.decode(answer)[0]
                   for answer in answers]
    finally:
        _state.depth -= 1
    if _state.depth == 0:
        _flush_releases()
    return replies


def reply_value(reply):
    """The value of a reply, or its error raised as the pyprivate exception it names."""
    if isinstance(reply, ErrorReply):
        raise error_class(reply.error)(reply.message)
    return reply.value


_pool = None


def _deliver(locations, payloads):
    """Hand each payload to its worker's transport; at once, on threads, when they travel over a network.

    Then a round costs one network round trip instead of one per party.
    Workers in this process answer one after the other: on threads they
    would only compete for the interpreter lock (measured: 45% slower).
    """
    global _pool
    if len(payloads) == 1 or not all(getattr(location.transport, "concurrent", False) for location in locations):
        return [location.transport.request(payload) for location, payload in zip(locations, payloads)]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pyprivate-round")
    futures = [_pool.submit(location.transport.request, payload)
               for location, payload in zip(locations[1:], payloads[1:])]
    try:
        first = locations[0].transport.request(payloads[0])
    finally:
        wait(futures)  # nothing stays in flight, even when this one failed
    return [first] + [future.result() for future in futures]


def _flush_releases():
    pending = getattr(_state, "pending", None)
    if not pending:
        return
    _state.pending = {}
    for (location, sender), obj_ids in pending.items():
        request(location, DeleteObjects(obj_ids), sender=sender)


LAZY_LIMIT = 4096  # ids a worker may hold for us before we send a delete message on purpose


def sender_id(owner):
    """The ``sender`` argument of :func:`request` for messages from ``owner`` (None for the local worker)."""
    return None if owner is None or owner is local_worker else owner.id


def release(location, obj_id, lazy=False, sender=None):
    """Delete ``obj_id`` at ``location`` now, or right after the request in flight.

    With ``lazy``, the id rides along with the next message to ``location``
    instead (shares and protocol temporaries: thousands per training step).
    ``sender`` is the id of the worker that owned the object (None: the local worker);
    a worker's deletions are never lazy.
    """
    if lazy and sender is None:
        waiting = getattr(_state, "lazy", None)
        if waiting is None:
            waiting = _state.lazy = {}
        ids = waiting.setdefault(location, [])
        ids.append(obj_id)
        if len(ids) < LAZY_LIMIT:
            return
        del waiting[location]
        obj_id = ids
    pending = getattr(_state, "pending", None)
    if pending is None:
        pending = _state.pending = {}
    target = pending.setdefault((location, sender), [])
    target.extend(obj_id) if isinstance(obj_id, list) else target.append(obj_id)
    if getattr(_state, "depth", 0) == 0:
        _flush_releases()


class RemoteRef:
    """The id of an object at a worker; deletes the object when garbage-collected.

    Several pointers may share one RemoteRef (e.g. ``ptr.detach()``); the
    remote object goes away when the last of them does, or at ``.get()``.
    A ``lazy`` reference's deletion travels with the next message to its worker.

    ``owner`` is the worker that holds the reference (None: the local worker
    "me"); its messages about the object are sent in its name. ``owns`` is
    whether dropping the reference deletes the object: it is False once the
    reference was handed to another worker (``ptr.send(alice)``), which
    then owns the object in its place.
    """

    __slots__ = ("location", "id_at_location", "alive", "lazy", "owner", "owns")

    def __init__(self, location, id_at_location, lazy=False, owner=None):
        self.location = location
        self.id_at_location = id_at_location
        self.alive = True
        self.lazy = lazy
        self.owner = None if owner is local_worker else owner
        self.owns = True

    def relocate(self, location, id_at_location):
        """The object moved (``ptr.move(alice)``): every pointer sharing this reference follows it."""
        self.location, self.id_at_location = location, id_at_location

    def __del__(self):
        if self.alive and self.owns:
            self.alive = False
            try:
                release(self.location, self.id_at_location, self.lazy, sender_id(self.owner))
            except Exception:  # during interpreter shutdown, nothing is left to clean
                pass
