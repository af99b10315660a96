"""The messages workers exchange, as plain dataclasses.

Each message is a small record with a ``KIND`` tag. :mod:`.serde` turns a
message into bytes and back; a worker only ever sees the bytes, exactly as
if they had come over a network.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SendObject:
    """Store ``obj`` under ``obj_id`` at the receiver."""

    KIND = "send"
    obj_id: int
    obj: Any
    private: bool = False  # private data at the receiver (pyprivate/workers/governance.py)


@dataclass
class SendObjects:
    """Store several objects at once (a crypto provider's shares for one party).

    An entry of ``objs`` is a tensor, or ``["draw", kind, shape, order]``:
    "draw this share from the stream you share with me" (seeded dealing;
    ``kind`` is "add", "xor" or "bits"; draws happen by increasing ``order``).
    """

    KIND = "send_many"
    obj_ids: list
    objs: list
    private: list = field(default_factory=list)  # a bool per object when a worker moves private data (see move)


@dataclass
class DealerKey:
    """A crypto provider's key for the stream of shares it shares with the receiver."""

    KIND = "dealer_key"
    key: bytes


@dataclass
class RequestAccess:
    """Ask the owner of the private object ``obj_id`` to let the sender fetch it, for ``reason``."""

    KIND = "request"
    obj_id: int
    reason: str


@dataclass
class GetObject:
    """Return the object ``obj_id``; remove it from the store when ``remove``."""

    KIND = "get"
    obj_id: int
    remove: bool = True


@dataclass
class RunCommand:
    """Run the torch operation ``op`` (``"add.Tensor"``) on stored objects.

    ``args`` and ``kwargs`` hold :class:`Ref` in place of stored tensors.
    The receiver stores each tensor result and replies with a
    :class:`TensorMeta` for it.
    """

    KIND = "command"
    op: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


@dataclass
class RunStep:
    """Run the registered party step ``step`` (e.g. ``"beaver.finish"``) of a secure protocol.

    ``args`` are this party's own stored shares (as :class:`Ref`);
    ``public`` holds values every party knows, such as opened masked values.
    With ``reveal``, the step returns ``(kept, revealed)``: the worker stores
    the kept tensors and sends the revealed (masked) ones back in its reply.
    """

    KIND = "step"
    step: str
    party: int
    n_parties: int
    args: list = field(default_factory=list)
    public: dict = field(default_factory=dict)
    reveal: bool = False


@dataclass
class Deal:
    """Ask a crypto provider for correlated randomness, dealt straight to the parties.

    ``items`` is a list of ``[material, params]``: what to deal (e.g.
    ``"beaver_triple"``) and only public values (shapes, op names,
    divisors). ``parties`` lists the receiving workers' ids, in party order.
    Each party then receives one message with all of its shares.
    """

    KIND = "deal"
    items: list
    parties: list


@dataclass
class DeleteObjects:
    """Forget the objects ``obj_ids`` (ids that are already gone are ignored)."""

    KIND = "delete"
    obj_ids: list


@dataclass
class MoveObjects:
    """Send the objects ``obj_ids`` straight to the worker ``destination``, then forget them here.

    ``ptr.move(alice)`` and ``model.move(alice)``: the receiver sends one
    ``send_many`` message to the destination (in its own name, so the data
    never passes through whoever asked) and replies with a
    :class:`TensorMeta` per object: its new id at the destination. If the
    destination refuses, the receiver keeps every object. Private data moves
    only with its owner's approval, and stays private at the destination.
    """

    KIND = "move"
    obj_ids: list
    destination: str


@dataclass
class EncodeObject:
    """Encode the stored object ``obj_id`` in fixed precision, here (``ptr.fix_precision()``).

    The receiver stores the result under a new id and replies with its
    :class:`TensorMeta`; the original stays.
    """

    KIND = "encode"
    obj_id: int
    base: int = 10
    precision: int = 3


@dataclass
class ShareObject:
    """Secret-share the stored object ``obj_id`` among ``workers`` (ids), here (``ptr.share(bob, alice)``).

    The receiver splits the values itself and sends each share straight to
    its worker, then stores the shared tensor (whose shares it points to)
    under a new id and replies with its :class:`TensorMeta`.
    """

    KIND = "share"
    obj_id: int
    workers: list
    crypto_provider: Any = None


@dataclass
class GetLog:
    """Ask a worker in a process of its own for the messages it logged, from its ``since``-th on.

    Only the receiver can read its log, in its own process: a handle asks
    for it with this message (see :class:`~pyprivate.workers.rpc.ServedWorker`).
    The reply is ``{"total": messages logged so far, "records": [[kind,
    sender, receiver, nbytes, reply_nbytes, op, time], ...], "process":
    {"pid": ..., "rank": ..., "host": ...}}``.
    """

    KIND = "get_log"
    since: int = 0


@dataclass
class Reply:
    """A successful answer."""

    KIND = "reply"
    value: Any = None


@dataclass
class ErrorReply:
    """A failed request: the error class name and its message."""

    KIND = "error"
    error: str
    message: str


MESSAGE_TYPES = {cls.KIND: cls for cls in (SendObject, SendObjects, DealerKey, GetObject, RequestAccess, RunCommand,
                                           RunStep, Deal,
                                           DeleteObjects, MoveObjects, EncodeObject, ShareObject, GetLog, Reply,
                                           ErrorReply)}


# Shape operations a reference may ask for on the stored object before use: a
# lazy view of a share (see pyprivate/tensors/share_view.py) costs no message.
VIEW_OPS = frozenset({
    "t.default", "transpose.int", "permute.default", "view.default", "_unsafe_view.default", "reshape.default",
    "expand.default",
    "unsqueeze.default", "squeeze.dim", "squeeze.dims", "squeeze.default", "sum.default", "sum.dim_IntList",
})


def plain_arguments(value) -> bool:
    """Ints, bools, None and (nested) lists or tuples of them: the arguments a view operation may carry."""
    if isinstance(value, (list, tuple)):
        return all(plain_arguments(v) for v in value)
    return value is None or isinstance(value, (int, bool))


@dataclass(frozen=True)
class Ref:
    """A reference, inside a message, to an object in the receiver's store.

    ``ops`` (``(op name, args, kwargs)``, each in :data:`VIEW_OPS`) are shape
    operations the receiver applies to the object first, in order.
    """

    obj_id: int
    ops: tuple = ()


@dataclass(frozen=True)
class TensorMeta:
    """What a worker tells the sender about a tensor it stored: id, shape, dtype."""

    obj_id: int
    shape: tuple
    dtype: Any


# -- objects other than plain tensors, as data ---------------------------------
# A worker may hold a pointer (to another worker's object), a fixed precision
# tensor or a shared tensor. Such an object travels as one of these records:
# plain data, which the decoder builds without running anything. The worker
# that receives a record makes the live object from it, owned by itself
# (``pyprivate.tensors.remote_objects.adopt``), naming workers by their ids.


@dataclass(frozen=True)
class PointerData:
    """A pointer: the object ``obj_id`` at the worker called ``location``, of ``shape`` and ``dtype``."""

    location: str
    obj_id: int
    shape: tuple
    dtype: Any


@dataclass(frozen=True)
class SharedData:
    """An additively shared tensor: a :class:`PointerData` per share, in party order, and its crypto provider's id."""

    shares: tuple
    crypto_provider: Any = None


@dataclass(frozen=True)
class FixedPrecisionData:
    """A fixed precision tensor: its encoding, public dtype and child (an int64 tensor or a :class:`SharedData`)."""

    base: int
    precision: int
    dtype: Any
    child: Any


OBJECT_RECORDS = (PointerData, SharedData, FixedPrecisionData)
