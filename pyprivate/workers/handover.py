"""In-process delivery: a worker in this process gets a copy of the message object instead of its bytes.

Encoding a message to bytes and decoding it again is what a network needs;
between two workers in one Python process it only costs time (tens of
microseconds per message, most of a protocol's messaging cost). So a
message to an in-process worker is *handed over*: the receiver gets its
own copy of the message, built by :func:`hand`, which is what decoding the
bytes would have built, and nothing more:

* every tensor is copied (contiguous, detached, a plain ``torch.Tensor``),
  so no party can reach another party's memory, and a tensor that is sent
  and then changed in place by its sender stays as it was at the receiver;
  except where nobody could change it: the values a protocol step reveals
  (made by the step, kept by no one, see ``BaseWorker._run_step``) are
  moved to the orchestrator, and a step's public values (opened masked
  values, which every party reads and no step changes) are lent to each
  party. A step result that would alias a public value is copied before a
  party stores it, so stores never share memory. A crypto provider's shares
  that own all of their memory are moved to their party, too
  (``base._sole_owners``);
* tuples become lists, records (pointers, shared and fixed precision
  tensors as data) are rebuilt, and anything :mod:`serde` could not encode
  is refused with the same ``TypeError``;
* the fields are checked against their annotations, as the decoder does.

The message log keeps the size the message would have on the wire, the
exact ``len(serde.encode(...))``: serde's encoder packs the document with
each tensor's header only and adds up the tensors' bytes, which it never
copies. (Keeping the message's shape to count it later, when a view asks,
was measured slower: ten thousand logged skeletons per worker make every
garbage collection longer.)

``sy.settings.wire_bytes = True`` sends every in-process message as bytes
again (encode, then decode at the receiver), as between processes. Workers
in other processes always get bytes, and whatever arrives as bytes passes
the decoder's checks.
"""

import functools
import threading

import msgpack
import torch

from ..settings import settings
from . import serde
from ..tree import leaves
from .messages import FixedPrecisionData, PointerData, Ref, RunStep, SharedData, TensorMeta
from .transport import InProcessTransport

_ATOMS = frozenset({int, float, str, bool, bytes, type(None)})


class Handed:
    """A message handed to an in-process worker: the receiver's own copy, its sender, and its wire size."""

    __slots__ = ("message", "sender", "release", "size")

    def __init__(self, message, sender, release, size):
        self.message, self.sender, self.release, self.size = message, sender, release, size


@functools.lru_cache(maxsize=None)
def _placeholder(code, length):
    """An extension of ``length`` bytes: it packs to as many bytes as a real one of that length (only sizes count)."""
    return msgpack.ExtType(code, bytes(length))


class _SizeEncoder(serde._Encoder):
    """serde's encoder, counting a tensor's bytes instead of copying them: the document has the same length.

    Extensions whose length does not depend on their values (a tensor's
    header, a reference, tensor metadata) are packed as cached placeholders.
    """

    __slots__ = ("tensor_bytes", "_msgpack")

    def __init__(self):
        super().__init__()
        self.tensor_bytes = 0
        # One packer per encoder (one encoder per thread): msgpack.packb would build one for every message.
        self._msgpack = msgpack.Packer(default=self.default, use_bin_type=True)

    def default(self, obj):
        kind = type(obj)
        if kind is torch.Tensor:
            nbytes = obj.nbytes
            self.tensor_bytes += nbytes + serde._pad(nbytes)
            return _placeholder(serde._EXT_TENSOR, 2 + 8 * obj.dim())
        if kind is Ref and not obj.ops:
            return _placeholder(serde._EXT_REF, 8)
        if kind is TensorMeta:
            return _placeholder(serde._EXT_META, 10 + 8 * len(obj.shape))
        return super().default(obj)

    def size(self, envelope):
        """``len(serde.encode(...))`` of ``envelope``, whose tensors are plain and of a dtype serde knows."""
        self.tensor_bytes = 0
        document = len(self._msgpack.pack(envelope))
        return serde.tensors_start(document) + self.tensor_bytes if self.tensor_bytes else document


def in_process(location):
    """Whether a message to ``location`` is handed over as an object (an in-process worker, wire bytes off)."""
    return type(location.transport) is InProcessTransport and not settings.wire_bytes


_handing = threading.local()  # .moved: ids of the tensors the message being handed over passes on without a copy


def hand(message, sender, release=(), moved=()):
    """The receiver's copy of ``message`` from ``sender``, as a :class:`Handed` (see the module's docstring).

    ``moved``: ids of tensors in ``message`` that the sender keeps no
    reference to; they are handed over as they are. A step's public values
    are lent to the party as they are, too.
    """
    cls = type(message)
    uncopied = set(moved)
    if cls is RunStep and message.public:
        uncopied.update(id(t) for t in leaves(message.public) if type(t) is torch.Tensor)
    _handing.moved = uncopied
    try:
        copies = {}
        for name in serde._field_names(cls):
            value = getattr(message, name)
            copies[name] = value if type(value) in _ATOMS else _copy(value)  # most fields are names and numbers
    finally:
        _handing.moved = ()
    serde._check_field_types(cls, copies)
    envelope = {"kind": message.KIND, "sender": sender, "body": copies}
    if release:
        envelope["release"] = list(release)
    return Handed(cls(**copies), sender, list(release), _size_encoder().size(envelope))


def _size_encoder():
    """This thread's size encoder (a notebook's threads may hand messages over at the same time)."""
    encoder = getattr(_handing, "sizes", None)
    if encoder is None:
        encoder = _handing.sizes = _SizeEncoder()
    return encoder


def _copy(obj):
    """What decoding the bytes of ``obj`` would give: tensors copied, tuples as lists, records rebuilt."""
    copier = _COPIERS.get(type(obj))
    return copier(obj) if copier is not None else _copy_other(obj)


def _same(obj):
    return obj


def _copy_list(items):
    return [item if type(item) in _ATOMS else _copy(item) for item in items]


def _copy_tensor(t):
    if id(t) in getattr(_handing, "moved", ()) and not t.requires_grad and t.is_contiguous():
        return serde.sendable(t)
    return serde.sendable(t).clone(memory_format=torch.contiguous_format)


def _copy_other(obj):
    if isinstance(obj, torch.Tensor):  # a parameter is copied; any other kind of tensor is refused
        return _copy_tensor(obj)
    if isinstance(obj, torch.dtype) or (isinstance(obj, torch.device) and obj.type == "cpu"):
        return obj
    if isinstance(obj, (torch.memory_format, torch.layout)) and obj in serde._CONSTANT_NAMES:
        return obj
    raise TypeError(f"cannot put a {type(obj).__name__} into a message")


_COPIERS = {
    **{atom: _same for atom in _ATOMS}, Ref: _same, TensorMeta: _same, PointerData: _same,
    list: _copy_list, tuple: _copy_list, torch.Tensor: _copy_tensor,
    dict: lambda d: {key: _copy(value) for key, value in d.items()},
    SharedData: lambda s: SharedData(tuple(_copy(share) for share in s.shares), s.crypto_provider),
    FixedPrecisionData: lambda f: FixedPrecisionData(f.base, f.precision, f.dtype, _copy(f.child)),
}
