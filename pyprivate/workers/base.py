"""Workers: an object store plus a handler for the messages it receives."""

import collections
import hashlib
import os
import re
import time
import weakref
from dataclasses import dataclass

import torch
from ..crypto.prng import KINDS
from ..tree import leaves, tree_map

from .. import ids
from ..errors import (CryptoProviderError, MessageDecodeError, NotAWorkerError, ObjectNotFoundError, PrivateDataError,
                      PyPrivateError, UnsupportedOperationError)
from . import directory, handover, serde
from .governance import Governance, Provenance
from .messages import (OBJECT_RECORDS, Deal, DealerKey, DeleteObjects, EncodeObject, ErrorReply, GetObject, MoveObjects,
                       Ref, Reply, RequestAccess, RunCommand, RunStep, SendObject, SendObjects, ShareObject, TensorMeta,
                       VIEW_OPS)
from .store import ObjectStore
from .transport import InProcessTransport

_OP_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[A-Za-z0-9_]+$")
# aten ops that touch the file system have no place in a remote command.
_FORBIDDEN_OPS = {"from_file"}
# What a crypto provider deals, by the name used in a Deal message.
DEALER_MATERIALS = {"beaver_triple", "beaver_triple_kept", "forget_kept", "binary_triple", "dabit", "relu_dabit",
                    "truncation_material", "zero_shares", "carry_material"}


@dataclass(frozen=True)
class MessageRecord:
    """One line of a worker's message log (the bytes are those of the wire, also for a message handed over)."""

    kind: str
    sender: str
    receiver: str
    nbytes: int
    reply_nbytes: int
    op: str = ""
    time: float = 0.0


def _unwrap(handed):
    return handed.message, handed.sender, handed.release


def _encode(reply, sender, moved=()):
    """A reply as bytes (``moved`` only matters to an in-process handover: bytes are always a copy)."""
    return serde.encode(reply, sender)


def _wire_size(packed):
    """The bytes of a request or reply on the wire: its length, or a handed-over message's counted size."""
    return packed.size if type(packed) is handover.Handed else len(packed)


def _describe(message):
    """What the log shows as the message's operation: the torch op, protocol step, dealt material or destination."""
    if isinstance(message, MoveObjects):
        return f"to {message.destination}" if isinstance(message.destination, str) else ""
    if isinstance(message, RunCommand):
        return message.op if isinstance(message.op, str) else ""
    if isinstance(message, RunStep):
        return message.step if isinstance(message.step, str) else ""
    if isinstance(message, Deal):
        return ",".join(str(item[0]) for item in message.items if isinstance(item, (list, tuple)) and item)
    return ""


def resolve_op(name):
    """``"add.Tensor"`` -> ``torch.ops.aten.add.Tensor``; refuses anything else."""
    if not isinstance(name, str) or not _OP_NAME.match(name) or name.split(".")[0] in _FORBIDDEN_OPS:
        raise UnsupportedOperationError(f"refused to run {name!r}: only torch operations can be run remotely")
    packet, overload = name.split(".")
    try:
        return getattr(getattr(torch.ops.aten, packet), overload)
    except (AttributeError, RuntimeError):
        raise UnsupportedOperationError(f"{name!r} is not a torch operation") from None


class BaseWorker:
    """A party in a computation: holds objects and answers messages.

    ``_objects`` maps ids to tensors: plain tensors, and also pointers to
    other workers' objects, fixed precision and shared tensors that the
    worker holds (see :mod:`pyprivate.tensors.remote_objects`). Everything
    that happens to them is a message, received as bytes by
    :meth:`recv_msg`, or handed over in this process by :meth:`receive`.
    ``message_log`` keeps the last ``log_size`` messages received (kind,
    sender, bytes on the wire).
    """

    def __init__(self, hook=None, id=None, log_size=10_000):
        if isinstance(hook, (str, int)):
            raise TypeError(f"a worker's first argument is the hook: sy.VirtualWorker(hook, id={hook!r})")
        self.hook = hook
        self.id = str(id) if id is not None else f"worker{ids.new_id()}"
        self._objects = ObjectStore()
        self.message_log = collections.deque(maxlen=log_size)
        self.transport = InProcessTransport(self)
        self._dealer = None
        self._message_observers = []
        self._dealer_streams = {}  # provider id -> PRNG stream shared with it (seeded dealing)
        self._party_streams = weakref.WeakKeyDictionary()  # as a provider: party worker -> stream
        self._seed = None
        self._moved_in_reply = ()  # ids of tensors in the next reply that may be handed over without a copy
        self.governance = Governance(self.id)  # private data held here (opt-in): governance.py
        directory.register(self)

    @property
    def requests(self):
        """Pending requests for this worker's private data: ``bob.requests[0].approve()`` or ``.deny()``."""
        return self.governance.pending()

    @property
    def policy(self):
        """A function ``request -> True / False / None`` that approves, denies or leaves each new request."""
        return self.governance.policy

    @policy.setter
    def policy(self, function):
        if function is not None and not callable(function):
            raise TypeError("a policy is a function of a request that returns True, False or None")
        self.governance.policy = function

    @property
    def dealer(self):
        """This worker's :class:`~pyprivate.crypto.Dealer`, used when it is a crypto provider."""
        if self._dealer is None:
            from ..crypto.dealer import Dealer

            self._dealer = Dealer()
        return self._dealer

    def seed(self, seed):
        """Make this worker's dealing reproducible (for tests and demonstrations only)."""
        from ..crypto.dealer import Dealer
        from ..crypto.prng import PRNG

        self._dealer = Dealer(PRNG(seed))
        self._seed = seed

    def __repr__(self):
        return f"<{type(self).__name__} id:{self.id} #objects:{len(self._objects)}>"

    def observe_messages(self, callback):
        """Call ``callback(record)`` with each :class:`MessageRecord` this worker logs; returns an unsubscribe function."""
        self._message_observers.append(callback)
        return lambda: self._message_observers.remove(callback) if callback in self._message_observers else None

    # -- receiving -------------------------------------------------------
    def recv_msg(self, payload):
        """Decode a request, act on it and return the encoded reply."""
        return self._receive(payload, serde.decode_with_release, _encode)

    def receive(self, handed):
        """Act on a message handed over in this process (:class:`.handover.Handed`); the reply, handed back."""
        return self._receive(handed, _unwrap, handover.hand)

    def _receive(self, request, unpack, pack):
        """Unpack a request, act on it, log it, and return the packed reply (bytes, or a handed-over copy)."""
        sender, kind, op = "?", "?", ""
        try:
            message, sender, release = unpack(request)
            for obj_id in release:
                self._objects.pop(obj_id, None)
            kind = message.KIND
            op = _describe(message)
            reply = Reply(self._handle(message, sender))
        except PyPrivateError as exc:
            reply = ErrorReply(type(exc).__name__, str(exc))
        except Exception as exc:  # the worker reports failures instead of dying
            where = f"{op} failed at {self.id}" if op else f"failed at {self.id}"
            reply = ErrorReply("RemoteExecutionError", f"{where}: {type(exc).__name__}: {exc}")
        moved, self._moved_in_reply = self._moved_in_reply, ()
        try:
            out = pack(reply, self.id, moved=moved)
        except TypeError as exc:
            out = pack(ErrorReply("RemoteExecutionError", str(exc)), self.id)
        if isinstance(reply, ErrorReply):  # the log (and MessagesView) shows what was refused, and why
            op = f"{op} ✗ {reply.error}".strip()
        record = MessageRecord(kind, sender, self.id, _wire_size(request), _wire_size(out), op, time.time())
        self.message_log.append(record)
        for callback in list(self._message_observers):
            try:
                callback(record)
            except Exception:  # an observer (a widget) must never break the worker
                pass
        return out

    def _handle(self, message, sender="?"):
        if isinstance(message, SendObject):
            if not isinstance(message.private, bool):
                raise MessageDecodeError("a send message's private flag is a bool")
            (obj,) = self._adopt([message.obj])
            self._store(message.obj_id, obj)
            if message.private:
                self.governance.mark(message.obj_id)
            return None
        if isinstance(message, SendObjects):
            private = message.private
            if not isinstance(private, list) or not all(isinstance(p, bool) for p in private) or (
                    private and len(private) != len(message.obj_ids)):
                raise MessageDecodeError("a send_many message's private flags are one bool per object, or none")
            objs = list(message.objs)
            # Draw in the order the provider drew, whatever order the shares are listed in.
            specs = sorted((o[3], i) for i, o in enumerate(objs) if isinstance(o, list) and len(o) == 4
                           and isinstance(o[3], int))
            for _, i in specs:
                objs[i] = self._drawn_share(sender, objs[i])
            if len(message.obj_ids) != len(objs):
                raise MessageDecodeError("a send_many message must carry one tensor per id")
            for obj_id, obj in zip(message.obj_ids, self._adopt(objs)):
                self._store(obj_id, obj)
            for obj_id, is_private in zip(message.obj_ids, private):
                if is_private:  # moved here by the worker that held it: it stays private
                    self.governance.mark(obj_id, Provenance(frozenset({obj_id}), (f"moved from {sender}",)))
            return None
        if isinstance(message, DealerKey):
            from ..crypto.prng import PRNG

            if not isinstance(message.key, bytes) or len(message.key) != 32:
                raise MessageDecodeError("a dealer key has 32 bytes")
            self._dealer_streams[sender] = PRNG(key=message.key)
            return None
        if isinstance(message, GetObject):
            obj = self._lookup(message.obj_id)
            approvals = self.governance.check_leaving([message.obj_id], sender)
            self.governance.left([message.obj_id], [obj], approvals, "{requester}", forget=message.remove)
            if type(obj) is torch.Tensor:
                if message.remove:
                    self._objects.pop(message.obj_id)
                return obj
            return self._hand_over(message.obj_id, obj, message.remove)
        if isinstance(message, RequestAccess):
            request = self.governance.add_request(message.obj_id, sender, message.reason, self._lookup(message.obj_id))
            return {"request": request.id, "status": request.status}
        if isinstance(message, MoveObjects):
            return self._move(message, sender)
        if isinstance(message, EncodeObject):
            from ..tensors.remote_objects import encode_here

            metas = self._store_results(encode_here(self._lookup(message.obj_id), message.base, message.precision))
            self.governance.inherit([m.obj_id for m in leaves(metas) if isinstance(m, TensorMeta)],
                                    [message.obj_id], "fix_precision")
            return metas
        if isinstance(message, ShareObject):
            from ..tensors.remote_objects import share_here

            if not all(isinstance(w, str) for w in message.workers) or not (
                    message.crypto_provider is None or isinstance(message.crypto_provider, str)):
                raise MessageDecodeError("a share message names its workers by their ids")
            obj, among = self._lookup(message.obj_id), ", ".join(message.workers)
            approvals = self.governance.check_leaving([message.obj_id], sender, f"share it among {among}")
            shared = share_here(self, obj, message.workers, message.crypto_provider)
            self.governance.left([message.obj_id], [obj], approvals, f"shares at {among} (for {{requester}})",
                                 forget=False)
            return self._store_results(shared)
        if isinstance(message, RunCommand):
            return self._run(message)
        if isinstance(message, RunStep):
            return self._run_step(message)
        if isinstance(message, Deal):
            return self._deal(message)
        if isinstance(message, DeleteObjects):
            for obj_id in message.obj_ids:
                self._objects.pop(obj_id, None)
                self.governance.forget(obj_id)
            return None
        raise MessageDecodeError(f"a worker cannot act on a {message.KIND!r} message")

    # -- objects other than plain tensors (pyprivate.tensors.remote_objects) ------------
    def _adopt(self, objs):
        """The objects a send message carries: tensors as they are, records made live and owned here."""
        if all(isinstance(o, torch.Tensor) for o in objs):
            return objs
        if not all(isinstance(o, (torch.Tensor, *OBJECT_RECORDS)) for o in objs):
            raise MessageDecodeError("a send message must carry tensors, pointers, fixed precision or shared tensors")
        from ..tensors.remote_objects import adopt_all

        return adopt_all(objs, self)

    def _store(self, obj_id, obj):
        if type(obj) is not torch.Tensor and hasattr(obj, "_ref"):
            obj.id = obj_id  # a pointer held here is known by its key in the store, as in PySyft
        self._objects[obj_id] = obj

    def _hand_over(self, obj_id, obj, remove):
        """The record of a stored pointer, fixed precision or shared tensor for a reply; with ``remove``, the
        receiver owns what it points to from now on."""
        from ..tensors.remote_objects import describe, disown

        record = describe(obj)
        if remove:
            disown(obj)
            self._objects.pop(obj_id)
        return record

    def _move(self, message, sender):
        """Send the objects straight to the destination, in this worker's name; forget them once it has them.

        Private objects move only with an approved request by ``sender``, and stay private at the destination.
        """
        from ..tensors.remote_objects import describe, disown, find_worker
        from .client import request

        if not all(isinstance(i, int) for i in message.obj_ids) or len(set(message.obj_ids)) != len(message.obj_ids):
            raise MessageDecodeError("a move message lists distinct object ids")
        destination = find_worker(message.destination, self)
        if destination is self:
            raise PyPrivateError(f"these objects are already at {self.id}")
        objs = [self._lookup(obj_id) for obj_id in message.obj_ids]
        approvals = self.governance.check_leaving(message.obj_ids, sender, f"move it to {destination.id}")
        records = [describe(obj) for obj in objs]
        new_ids = [ids.new_id() for _ in objs]
        private = [a is not None for a in approvals] if any(a is not None for a in approvals) else []
        request(destination, SendObjects(new_ids, records, private), sender=self.id)
        self.governance.left(message.obj_ids, objs, approvals, f"{destination.id} (moved for {{requester}})",
                             forget=True)
        for obj_id, obj in zip(message.obj_ids, objs):
            disown(obj)
            self._objects.pop(obj_id, None)
        return [TensorMeta(new_id, tuple(obj.shape), obj.dtype) for new_id, obj in zip(new_ids, objs)]

    def _lookup(self, obj_id):
        try:
            return self._objects[obj_id]
        except (KeyError, TypeError):
            raise ObjectNotFoundError(
                f"object {obj_id} is not at {self.id}: it was already fetched with .get() or deleted"
            ) from None

    def _deref(self, tree):
        return tree_map(lambda a: self._resolve(a) if isinstance(a, Ref) else a, tree)

    def _resolve(self, ref):
        """The stored object ``ref`` names, after its view operations (shape operations only)."""
        obj = self._lookup(ref.obj_id)
        for name, args, kwargs in ref.ops:
            if name not in VIEW_OPS:
                raise UnsupportedOperationError(f"refused {name!r} in a reference: only shape operations are allowed")
            obj = resolve_op(name)(obj, *args, **kwargs)
        return obj

    def _run(self, message):
        func = resolve_op(message.op)
        private = inputs = ()
        if self.governance.private:  # only a worker that holds private data looks at the inputs
            inputs = [ref.obj_id for ref in leaves((message.args, message.kwargs)) if isinstance(ref, Ref)]
            private = self.governance.provenance_of(inputs)
        if private and not all("Tensor" in str(ret.type) for ret in func._schema.returns):
            raise PrivateDataError(f"{message.op} on private data at {self.id} would send its value back in the "
                                   "reply: compute a tensor, then ask for it with ptr.request(...)")
        args, kwargs = self._deref(message.args), self._deref(message.kwargs)
        for value in leaves((args, kwargs)):
            if isinstance(value, torch.Tensor) and type(value) is not torch.Tensor:
                self._check_computable(value)
        result = func(*args, **kwargs)
        metas = self._store_results(result, (message.args, message.kwargs))
        if private:
            self.governance.inherit([m.obj_id for m in leaves(metas) if isinstance(m, TensorMeta)], inputs,
                                    message.op.split(".")[0])
        return metas

    def _check_computable(self, obj):
        """A shared tensor held here is only kept for its owner to fetch: its protocols run from the data scientist."""
        from ..tensors import AdditiveSharingTensor, FixedPrecisionTensor

        if isinstance(obj, AdditiveSharingTensor) or (isinstance(obj, FixedPrecisionTensor) and obj.is_shared):
            raise UnsupportedOperationError(
                f"a shared tensor held at {self.id} cannot be computed on there: .get() its pointer to bring "
                "the shared tensor to you (its shares stay where they are), then compute with it"
            )

    def _run_step(self, message):
        from ..crypto.parties import PARTY_STEPS

        step = PARTY_STEPS.get(message.step) if isinstance(message.step, str) else None
        if step is None:
            raise UnsupportedOperationError(f"refused to run {message.step!r}: it is not a registered protocol step")
        if self.governance.private:  # protocol steps are the hot path: nothing to check without private data
            self.governance.refuse([ref.obj_id for ref in leaves(message.args) if isinstance(ref, Ref)],
                                   "a protocol step (it may reveal its inputs)")
        args, public = self._deref(message.args), self._deref(message.public)
        result = step(message.party, message.n_parties, *args, **public)
        lent = _storages(public)  # handed over in this process, a public value is the orchestrator's tensor
        if message.reveal:
            kept, revealed = result
            kept = _unaliased(kept, lent)
            # The revealed values go back without a copy when the step made them (no input or kept result
            # shares their memory): nobody else holds them (pyprivate/workers/handover.py).
            held = lent | _storages(args) | _storages(kept)
            self._moved_in_reply = [id(t) for t in revealed if type(t) is torch.Tensor and _storage(t) not in held]
            return [self._store_results(kept), list(revealed)]
        return self._store_results(_unaliased(result, lent))

    def _drawn_share(self, sender, spec):
        stream = self._dealer_streams.get(sender)
        if stream is None:
            raise MessageDecodeError(f"{sender} asked {self.id} to draw shares, but never sent a dealer key")
        if len(spec) != 4 or spec[0] != "draw" or spec[1] not in KINDS:
            raise MessageDecodeError(f"refused an unknown share specification {spec!r}")
        shape = spec[2]
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise MessageDecodeError(f"refused a share specification with shape {shape!r}")
        return stream.draw(spec[1], shape)

    def _stream_for(self, party, request):
        """The stream this provider shares with ``party``; the key goes to the party first."""
        from ..crypto.prng import PRNG

        stream = self._party_streams.get(party)
        if stream is None:
            key = os.urandom(32) if self._seed is None else hashlib.sha256(f"{self._seed}:{party.id}".encode()).digest()
            request(party, DealerKey(key), sender=self.id)
            stream = self._party_streams[party] = PRNG(key=key)
        return stream

    def _deal(self, message):
        for material, _ in message.items:
            if material not in DEALER_MATERIALS:
                raise UnsupportedOperationError(f"a crypto provider cannot deal {material!r}")
        from .client import request

        try:
            parties = [directory.find(pid) for pid in message.parties]
        except NotAWorkerError as exc:  # not a TypeError here: torch's operators would turn it into "unsupported operand"
            raise CryptoProviderError(f"the crypto provider {self.id!r} cannot deal: {exc}") from None
        streams = [self._stream_for(party, request) for party in parties]
        try:
            return self._deal_with(message.items, parties, streams)
        except BaseException:
            # The streams may have moved on at this end and not (or not as far) at a party's: forget
            # them, so that the next deal starts both ends on a fresh key instead of on shares that do
            # not add up.
            for party in parties:
                self._party_streams.pop(party, None)
            raise

    def _deal_with(self, items, parties, streams):
        from .client import reply_value, request, request_each

        items = [(material, params) for material, params in items]
        dealt = self.dealer.bundle(items, len(parties), streams)
        drawn = self.dealer.drawn
        # metas[item][value][party]; each party gets all of its shares in one message.
        metas = [[[TensorMeta(ids.new_id(), tuple(s.shape), s.dtype) for s in sharing] for sharing in item]
                 for item in dealt]
        outgoing = [([], []) for _ in parties]
        for item, item_metas in zip(dealt, metas):
            for sharing, sharing_metas in zip(item, item_metas):
                for party, (share, meta) in enumerate(zip(sharing, sharing_metas)):
                    outgoing[party][0].append(meta.obj_id)
                    how = drawn.get(id(share))
                    outgoing[party][1].append(["draw", how[0], list(share.shape), how[1]] if how else share)
        replies = request_each(parties, [SendObjects(obj_ids, objs) for obj_ids, objs in outgoing], sender=self.id,
                               moved=_sole_owners([objs for _, objs in outgoing]))
        failed = next((reply for reply in replies if isinstance(reply, ErrorReply)), None)
        if failed is not None:  # no party keeps a part of a failed deal
            for party, (obj_ids, _), reply in zip(parties, outgoing, replies):
                if not isinstance(reply, ErrorReply):
                    request(party, DeleteObjects(obj_ids), sender=self.id)
            reply_value(failed)  # raises
        return metas

    def _store_results(self, result, inputs_tree=()):
        """Store each tensor of ``result`` under a new id; reply with their metadata.

        A result that *is* one of the inputs of ``inputs_tree`` keeps its id (a
        torch in-place operation returns its input). Protocol steps pass no
        inputs: their results always get new ids, as each pointer owns its id.
        """
        # Store results only once the whole operation has succeeded.
        inputs = {id(obj): ref.obj_id for ref in leaves(inputs_tree)
                  if isinstance(ref, Ref) for obj in [self._objects[ref.obj_id]]}
        stored = {}

        def store(value):
            if not isinstance(value, torch.Tensor):
                return value
            obj_id = inputs.get(id(value))
            if obj_id is None:  # a new tensor (in-place ops return their input)
                obj_id = ids.new_id()
                stored[obj_id] = value
            return TensorMeta(obj_id, tuple(value.shape), value.dtype)

        metas = tree_map(store, result)
        for obj_id, value in stored.items():
            self._store(obj_id, value)
        return metas


def _storage(t):
    return t.untyped_storage().data_ptr()


def _sole_owners(messages):
    """Per message, the ids of its tensors that own all of their memory, which no other tensor here shares.

    A dealer's shares are made for the deal and dropped after it: such a
    tensor can go to its party without a copy (a view of a buffer that holds
    another party's share never does).
    """
    tensors = [[(t, t.untyped_storage()) for t in objs if type(t) is torch.Tensor] for objs in messages]
    seen = collections.Counter(storage.data_ptr() for ts in tensors for _, storage in ts)
    return [[id(t) for t, storage in ts if seen[storage.data_ptr()] == 1 and t.storage_offset() == 0
             and t.is_contiguous() and storage.nbytes() == t.nbytes] for ts in tensors]


def _storages(tree):
    """The memory (storage addresses) of the tensors in ``tree``."""
    return {_storage(t) for t in leaves(tree) if isinstance(t, torch.Tensor)}


def _unaliased(tree, storages):
    """``tree`` with a copy of each tensor that shares memory with ``storages`` (a step returning a public value)."""
    if not storages:
        return tree
    return tree_map(lambda t: t.clone() if isinstance(t, torch.Tensor) and _storage(t) in storages else t, tree)


class VirtualWorker(BaseWorker):
    """A worker that lives in this Python process: ``sy.VirtualWorker(hook, id="bob")``."""
