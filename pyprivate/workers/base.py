"""Workers: an object store plus a handler for the messages it receives."""

import collections
import re
import time
from dataclasses import dataclass

import torch
from torch.utils._pytree import tree_flatten, tree_map

from .. import ids
from ..errors import MessageDecodeError, ObjectNotFoundError, PyPrivateError, UnsupportedOperationError
from . import serde
from .messages import DeleteObjects, ErrorReply, GetObject, Ref, Reply, RunCommand, SendObject, TensorMeta
from .store import ObjectStore
from .transport import InProcessTransport

_OP_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[A-Za-z0-9_]+$")
# aten ops that touch the file system have no place in a remote command.
_FORBIDDEN_OPS = {"from_file"}


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

    def _run(self, message):
        func = resolve_op(message.op)
        deref = lambda a: self._lookup(a.obj_id) if isinstance(a, Ref) else a
        args = tree_map(deref, message.args)
        kwargs = tree_map(deref, message.kwargs)
        result = func(*args, **kwargs)
        # Store results only once the whole operation has succeeded.
        inputs = {id(obj): ref.obj_id for ref in tree_flatten((message.args, message.kwargs))[0]
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
