"""Workers: an object store plus a handler for the messages it receives."""

import collections
import re
import time
from dataclasses import dataclass

import torch
from torch.utils._pytree import tree_flatten, tree_map

from .. import ids
from ..errors import MessageDecodeError, ObjectNotFoundError, PyPrivateError, UnsupportedOperationError
from . import directory, serde
from .messages import Deal, DeleteObjects, ErrorReply, GetObject, Ref, Reply, RunCommand, RunStep, SendObject, TensorMeta
from .store import ObjectStore
from .transport import InProcessTransport

_OP_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[A-Za-z0-9_]+$")
# aten ops that touch the file system have no place in a remote command.
_FORBIDDEN_OPS = {"from_file"}
# What a crypto provider deals, by the name used in a Deal message.
DEALER_MATERIALS = {"beaver_triple", "binary_triple", "dabit", "truncation_material", "zero_shares"}


@dataclass(frozen=True)
class MessageRecord:
    """One line of a worker's message log."""

    kind: str
    sender: str
    receiver: str
    nbytes: int
    reply_nbytes: int
    op: str = ""
    time: float = 0.0


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

    ``_objects`` maps ids to tensors. Everything that happens to them is a
    message, received as bytes by :meth:`recv_msg`. ``message_log`` keeps
    the last ``log_size`` messages received (kind, sender, bytes).
    """

    def __init__(self, hook=None, id=None, log_size=10_000):
        self.hook = hook
        self.id = str(id) if id is not None else f"worker{ids.new_id()}"
        self._objects = ObjectStore()
        self.message_log = collections.deque(maxlen=log_size)
        self.transport = InProcessTransport(self)
        self._dealer = None
        directory.register(self)

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

    def __repr__(self):
        return f"<{type(self).__name__} id:{self.id} #objects:{len(self._objects)}>"

    # -- receiving -------------------------------------------------------
    def recv_msg(self, payload):
        """Decode a request, act on it and return the encoded reply."""
        sender, kind, op = "?", "?", ""
        try:
            message, sender = serde.decode(payload)
            kind = message.KIND
            op = getattr(message, "op", "")
            reply = Reply(self._handle(message))
        except PyPrivateError as exc:
            reply = ErrorReply(type(exc).__name__, str(exc))
        except Exception as exc:  # the worker reports failures instead of dying
            where = f"{op} failed at {self.id}" if op else f"failed at {self.id}"
            reply = ErrorReply("RemoteExecutionError", f"{where}: {type(exc).__name__}: {exc}")
        try:
            out = serde.encode(reply, self.id)
        except TypeError as exc:
            out = serde.encode(ErrorReply("RemoteExecutionError", str(exc)), self.id)
        self.message_log.append(MessageRecord(kind, sender, self.id, len(payload), len(out), op, time.time()))
        return out

    def _handle(self, message):
        if isinstance(message, SendObject):
            if not isinstance(message.obj, torch.Tensor):
                raise MessageDecodeError("a send message must carry a tensor")
            self._objects[message.obj_id] = message.obj
            return None
        if isinstance(message, GetObject):
            obj = self._lookup(message.obj_id)
            if message.remove:
                self._objects.pop(message.obj_id)
            return obj
        if isinstance(message, RunCommand):
            return self._run(message)
        if isinstance(message, RunStep):
            return self._run_step(message)
        if isinstance(message, Deal):
            return self._deal(message)
        if isinstance(message, DeleteObjects):
            for obj_id in message.obj_ids:
                self._objects.pop(obj_id, None)
            return None
        raise MessageDecodeError(f"a worker cannot act on a {message.KIND!r} message")

    def _lookup(self, obj_id):
        try:
            return self._objects[obj_id]
        except (KeyError, TypeError):
            raise ObjectNotFoundError(
                f"object {obj_id} is not at {self.id}: it was already fetched with .get() or deleted"
            ) from None

    def _deref(self, tree):
        return tree_map(lambda a: self._lookup(a.obj_id) if isinstance(a, Ref) else a, tree)

    def _run(self, message):
        func = resolve_op(message.op)
        result = func(*self._deref(message.args), **self._deref(message.kwargs))
        return self._store_results(result, (message.args, message.kwargs))

    def _run_step(self, message):
        from ..crypto.parties import PARTY_STEPS

        step = PARTY_STEPS.get(message.step) if isinstance(message.step, str) else None
        if step is None:
            raise UnsupportedOperationError(f"refused to run {message.step!r}: it is not a registered protocol step")
        result = step(message.party, message.n_parties, *self._deref(message.args), **self._deref(message.public))
        return self._store_results(result, message.args)

    def _deal(self, message):
        if message.material not in DEALER_MATERIALS:
            raise UnsupportedOperationError(f"a crypto provider cannot deal {message.material!r}")
        from .client import request

        parties = [directory.find(pid) for pid in message.parties]
        sharings = getattr(self.dealer, message.material)(**message.params, n=len(parties))
        sent = []
        try:
            for sharing in sharings:
                for share, party in zip(sharing, parties):
                    obj_id = ids.new_id()
                    request(party, SendObject(obj_id, share), sender=self.id)
                    sent.append((party, TensorMeta(obj_id, tuple(share.shape), share.dtype)))
        except Exception:
            for party, meta in sent:
                request(party, DeleteObjects([meta.obj_id]), sender=self.id)
            raise
        metas = [meta for _, meta in sent]
        return [metas[i : i + len(parties)] for i in range(0, len(metas), len(parties))]

    def _store_results(self, result, inputs_tree):
        # Store results only once the whole operation has succeeded.
        inputs = {id(obj): ref.obj_id for ref in tree_flatten(inputs_tree)[0]
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
            self._objects[obj_id] = value
        return metas


class VirtualWorker(BaseWorker):
    """A worker that lives in this Python process: ``sy.VirtualWorker(hook, id="bob")``."""
