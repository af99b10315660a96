"""Turning messages into bytes and back, safely.

A message is a msgpack document with a few extension types (tensor
headers, references, tensor metadata, dtypes, and the records that describe
a pointer, a fixed precision or a shared tensor as data), followed by the
raw bytes of its tensors. Decoding builds only plain data and tensors from raw bytes: it
never imports or calls anything named in the payload, so a crafted payload
cannot run code. Anything unexpected raises :class:`MessageDecodeError`.

Layout (little-endian): a payload that carries tensors starts with the byte
0xC1 (never used by msgpack), three zero bytes and the document's length
(uint32); then the document; then each tensor's bytes in document order,
each starting at a multiple of 8. A tensor's extension holds only its
dtype and shape, so a tensor costs no copy to encode beyond the final join,
and one copy of the whole payload to decode. A payload without tensors is
the plain document.
"""

import struct
from dataclasses import fields

import msgpack
import torch

from ..errors import MessageDecodeError, UnknownMessageError
from .messages import (MESSAGE_TYPES, VIEW_OPS, FixedPrecisionData, PointerData, Ref, SharedData, TensorMeta,
                       plain_arguments)

# msgpack packs tuples as arrays itself (they arrive as lists), so there is no tuple extension.
_EXT_TENSOR, _EXT_REF, _EXT_DTYPE, _EXT_META, _EXT_DEVICE, _EXT_CONST, _EXT_VIEW = 1, 2, 3, 4, 5, 7, 8
# Objects a worker holds besides plain tensors (see the records in .messages): data only.
_EXT_POINTER, _EXT_SHARED, _EXT_FIXED = 9, 10, 11
_FRAMED = 0xC1
_FRAME = struct.Struct("<BxxxI")
_ID = struct.Struct("<q")

_DTYPE_LIST = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
               torch.float16, torch.bfloat16, torch.float32, torch.float64)
_DTYPES = {str(dt).removeprefix("torch."): dt for dt in _DTYPE_LIST}
_DTYPE_NAMES = {dt: name for name, dt in _DTYPES.items()}
_DTYPE_CODES = {dt: code for code, dt in enumerate(_DTYPE_LIST)}
# Other torch constants that appear in operation arguments.
_CONSTANTS = {
    str(c).removeprefix("torch."): c
    for c in (torch.preserve_format, torch.contiguous_format, torch.channels_last, torch.strided)
}
_CONSTANT_NAMES = {c: name for name, c in _CONSTANTS.items()}


def _dtype(name):
    try:
        return _DTYPES[name]
    except (KeyError, TypeError):
        raise MessageDecodeError(f"refused a payload with unsupported dtype {name!r}") from None


def _pad(n):
    return -n % 8


def _shape_bytes(dtype, shape):
    return struct.pack(f"<BB{len(shape)}q", _DTYPE_CODES[dtype], len(shape), *shape)


def _read_shape(data, at):
    """(dtype, shape, number of elements) from a dtype code, a rank and the sizes, at byte ``at``."""
    if len(data) < at + 2:
        raise MessageDecodeError("refused a truncated tensor header")
    code, ndim = data[at], data[at + 1]
    if code >= len(_DTYPE_LIST) or len(data) != at + 2 + 8 * ndim:
        raise MessageDecodeError("refused a tensor header with an unknown dtype or a wrong length")
    shape = struct.unpack_from(f"<{ndim}q", data, at + 2)
    numel = 1
    for size in shape:
        if size < 0:
            raise MessageDecodeError(f"refused a tensor with invalid shape {list(shape)}")
        numel *= size
    return _DTYPE_LIST[code], list(shape), numel


def sendable(t):
    """``t`` detached, if a message can carry it (a plain tensor or a parameter, of a dtype listed here)."""
    if type(t) is not torch.Tensor and not isinstance(t, torch.nn.Parameter):
        raise TypeError(f"only plain tensors can be sent, got {type(t).__name__}")
    t = t.detach()
    if t.dtype not in _DTYPE_CODES:
        raise TypeError(f"tensors of dtype {t.dtype} cannot be sent")
    return t


def tensors_start(document_length):
    """Where a framed payload's tensor bytes start, after the frame and a document of that length."""
    return _FRAME.size + document_length + _pad(document_length)


class _Encoder:
    """One payload's document and the tensors whose bytes follow it."""

    __slots__ = ("buffers",)

    def __init__(self):
        self.buffers = []

    def default(self, obj):
        if isinstance(obj, torch.Tensor):
            return self._tensor(obj)
        if isinstance(obj, Ref):
            if obj.ops:
                ops = [[name, list(args), dict(kwargs)] for name, args, kwargs in obj.ops]
                return msgpack.ExtType(_EXT_VIEW, msgpack.packb([obj.obj_id, ops], use_bin_type=True))
            return msgpack.ExtType(_EXT_REF, _ID.pack(obj.obj_id))
        if isinstance(obj, TensorMeta):
            if obj.dtype not in _DTYPE_CODES:
                raise TypeError(f"tensors of dtype {obj.dtype} cannot be described")
            return msgpack.ExtType(_EXT_META, _ID.pack(obj.obj_id) + _shape_bytes(obj.dtype, obj.shape))
        if isinstance(obj, PointerData):
            if obj.dtype not in _DTYPE_CODES:
                raise TypeError(f"tensors of dtype {obj.dtype} cannot be described")
            return msgpack.ExtType(_EXT_POINTER, msgpack.packb(
                [obj.location, obj.obj_id, _shape_bytes(obj.dtype, obj.shape)], use_bin_type=True))
        # Records that contain other objects are packed with this encoder, so that a child
        # tensor's bytes take their place among the payload's tensors, in document order.
        if isinstance(obj, SharedData):
            return msgpack.ExtType(_EXT_SHARED, msgpack.packb(
                [list(obj.shares), obj.crypto_provider], default=self.default, use_bin_type=True))
        if isinstance(obj, FixedPrecisionData):
            return msgpack.ExtType(_EXT_FIXED, msgpack.packb(
                [obj.base, obj.precision, obj.dtype, obj.child], default=self.default, use_bin_type=True))
        if isinstance(obj, torch.dtype):
            return msgpack.ExtType(_EXT_DTYPE, _DTYPE_NAMES[obj].encode())
        if isinstance(obj, torch.device):
            return msgpack.ExtType(_EXT_DEVICE, str(obj).encode())
        if isinstance(obj, (torch.memory_format, torch.layout)) and obj in _CONSTANT_NAMES:
            return msgpack.ExtType(_EXT_CONST, _CONSTANT_NAMES[obj].encode())
        raise TypeError(f"cannot put a {type(obj).__name__} into a message")

    def _tensor(self, t):
        t = sendable(t)
        flat = t.reshape(-1)
        if flat.numel() and flat.stride(0) != 1:  # e.g. an expanded single element has stride 0
            flat = flat.clone(memory_format=torch.contiguous_format)
        self.buffers.append(flat)
        return msgpack.ExtType(_EXT_TENSOR, _shape_bytes(t.dtype, t.shape))

    def pack(self, obj):
        document = msgpack.packb(obj, default=self.default, use_bin_type=True)
        if not self.buffers:
            return document
        start = tensors_start(len(document))
        out = bytearray(start + sum(t.nbytes + _pad(t.nbytes) for t in self.buffers))
        _FRAME.pack_into(out, 0, _FRAMED, len(document))
        out[_FRAME.size:_FRAME.size + len(document)] = document
        view = memoryview(out)
        for t in self.buffers:
            if t.numel():
                view[start:start + t.nbytes] = memoryview(t.view(torch.uint8).numpy())
            start += t.nbytes + _pad(t.nbytes)
        return out  # a bytearray: the receiver's tensors may live in it (see ``decode_with_release``)


def _view_ref(data):
    """A :class:`Ref` with view operations, from ``[obj_id, [[name, args, kwargs], ...]]``."""
    try:
        obj_id, ops = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception:
        raise MessageDecodeError("refused a malformed view reference") from None
    if not isinstance(obj_id, int) or not isinstance(ops, list) or not all(
            isinstance(op, list) and len(op) == 3 and op[0] in VIEW_OPS and isinstance(op[1], list) and plain_arguments(op[1])
            and isinstance(op[2], dict) and all(isinstance(k, str) and plain_arguments(v) for k, v in op[2].items())
            for op in ops):
        raise MessageDecodeError("refused a view reference with operations other than shape operations")
    return Ref(obj_id, tuple((name, tuple(args), kwargs) for name, args, kwargs in ops))


_MAX_NESTING = 2  # a fixed precision tensor holds a shared tensor, which holds pointers


def _small_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**16


def _pointer_data(data):
    """A :class:`PointerData` from ``[location, obj_id, tensor header]``."""
    try:
        fields = msgpack.unpackb(data, raw=False)
    except Exception:
        raise MessageDecodeError("refused a malformed pointer") from None
    if not (isinstance(fields, list) and len(fields) == 3 and isinstance(fields[0], str)
            and isinstance(fields[1], int) and not isinstance(fields[1], bool) and isinstance(fields[2], bytes)):
        raise MessageDecodeError("refused a pointer that is not a worker id, an object id and a tensor header")
    dtype, shape, _ = _read_shape(fields[2], 0)
    return PointerData(fields[0], fields[1], tuple(shape), dtype)


class _Decoder:
    """Reads one payload: the document, then tensors from the bytes that follow it, in order."""

    __slots__ = ("payload", "data", "at", "owned", "depth")

    def __init__(self, payload, at, owned=False):
        self.payload, self.data, self.at, self.owned = payload, None, at, owned
        self.depth = 0

    def ext_hook(self, code, data):
        if code == _EXT_TENSOR:
            return self._tensor(data)
        if code == _EXT_REF:
            if len(data) != 8:
                raise MessageDecodeError("refused a reference whose id is not an integer")
            return Ref(_ID.unpack(data)[0])
        if code == _EXT_VIEW:
            return _view_ref(data)
        if code == _EXT_META:
            if len(data) < 8:
                raise MessageDecodeError("refused truncated tensor metadata")
            dtype, shape, _ = _read_shape(data, 8)
            return TensorMeta(_ID.unpack_from(data)[0], tuple(shape), dtype)
        if code == _EXT_POINTER:
            return _pointer_data(data)
        if code == _EXT_SHARED:
            return self._shared_data(data)
        if code == _EXT_FIXED:
            return self._fixed_precision_data(data)
        if code == _EXT_DTYPE:
            return _dtype(data.decode(errors="replace"))
        if code == _EXT_DEVICE:
            if data != b"cpu":
                raise MessageDecodeError(f"refused a payload naming device {data!r}")
            return torch.device("cpu")
        if code == _EXT_CONST:
            try:
                return _CONSTANTS[data.decode()]
            except (KeyError, UnicodeDecodeError):
                raise MessageDecodeError(f"refused a payload naming constant {data!r}") from None
        raise MessageDecodeError(f"refused a payload with unknown extension type {code}")

    def _nested(self, data, what):
        """A record's contents, read with this decoder (so a child tensor's bytes are found in order)."""
        if self.depth >= _MAX_NESTING:
            raise MessageDecodeError(f"refused a {what} nested too deeply")
        self.depth += 1
        try:
            return msgpack.unpackb(data, ext_hook=self.ext_hook, raw=False, strict_map_key=False)
        except MessageDecodeError:
            raise
        except Exception:
            raise MessageDecodeError(f"refused a malformed {what}") from None
        finally:
            self.depth -= 1

    def _shared_data(self, data):
        fields = self._nested(data, "shared tensor")
        if not (isinstance(fields, list) and len(fields) == 2 and isinstance(fields[0], list) and len(fields[0]) >= 2
                and all(isinstance(share, PointerData) and share.dtype == torch.int64 for share in fields[0])
                and (fields[1] is None or isinstance(fields[1], str))):
            raise MessageDecodeError("refused a shared tensor that is not int64 pointers and a crypto provider's id")
        return SharedData(tuple(fields[0]), fields[1])

    def _fixed_precision_data(self, data):
        fields = self._nested(data, "fixed precision tensor")
        if not (isinstance(fields, list) and len(fields) == 4 and _small_int(fields[0]) and _small_int(fields[1])
                and isinstance(fields[2], torch.dtype) and fields[2].is_floating_point
                and (isinstance(fields[3], SharedData)
                     or (isinstance(fields[3], torch.Tensor) and fields[3].dtype == torch.int64))):
            raise MessageDecodeError("refused a fixed precision tensor that is not an encoding, a float dtype "
                                     "and int64 values or shares")
        return FixedPrecisionData(*fields)

    def _tensor(self, header):
        dtype, shape, numel = _read_shape(header, 0)
        nbytes = numel * dtype.itemsize
        if self.at + nbytes > len(self.payload):
            raise MessageDecodeError("refused a tensor whose bytes are missing")
        if nbytes == 0:
            return torch.empty(shape, dtype=dtype)
        if self.data is None:
            # The tensors own (and may change) their memory: a bytearray handed over by the sender
            # (in-process delivery) is used as it is, anything else is copied once.
            self.data = self.payload if self.owned else bytearray(self.payload)
        t = torch.frombuffer(self.data, dtype=torch.uint8, count=nbytes, offset=self.at)
        self.at += nbytes + _pad(nbytes)
        return t.view(dtype).reshape(shape)

    def unpack(self):
        payload = self.payload
        if payload[:1] == bytes([_FRAMED]):
            if len(payload) < _FRAME.size:
                raise MessageDecodeError("refused a truncated payload")
            _, length = _FRAME.unpack_from(payload)
            end = _FRAME.size + length
            if end > len(payload):
                raise MessageDecodeError("refused a truncated payload")
            document = memoryview(payload)[_FRAME.size:end]
            self.at = end + _pad(end)
        else:
            document, self.at = payload, len(payload)
        obj = msgpack.unpackb(document, ext_hook=self.ext_hook, raw=False, strict_map_key=False)
        if self.at != len(payload):
            raise MessageDecodeError("refused a payload whose tensor bytes do not match its tensors")
        return obj


def _pack(obj):
    return _Encoder().pack(obj)


def _unpack(data, owned=False):
    return _Decoder(data, 0, owned).unpack()


_FIELDS = {}
_FIELD_TYPES = {}
# Field annotations the decoder enforces (msgpack turns tuples into lists, so ``list`` covers both).
_PLAIN_TYPES = (bool, int, str, bytes, list, dict)
_ENVELOPE = {"kind", "sender", "body", "release"}


def _field_names(cls):
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def _field_types(cls):
    """{field name: the plain type its annotation asks for}, for the fields annotated with one."""
    types = _FIELD_TYPES.get(cls)
    if types is None:
        types = _FIELD_TYPES[cls] = {f.name: f.type for f in fields(cls) if f.type in _PLAIN_TYPES}
    return types


def _check_field_types(cls, body):
    """Refuse a message whose fields do not have their annotated types, before anything acts on it.

    A worker spreads a command's ``args`` with ``*`` and its ``kwargs`` with
    ``**``: a string or a number there would fail only while running, as if
    the operation itself had failed. Keyword names must be strings for the same reason.
    """
    for name, expected in _field_types(cls).items():
        if name not in body:
            continue  # a missing field gets its default, or the dataclass refuses it below
        value = body[name]
        if not isinstance(value, expected):
            raise MessageDecodeError(f"refused a malformed {cls.KIND!r} message: its {name!r} must be "
                                     f"a {expected.__name__}, not a {type(value).__name__}")
        if expected is dict and not all(isinstance(key, str) for key in value):
            raise MessageDecodeError(f"refused a malformed {cls.KIND!r} message: the keys of its {name!r} "
                                     "must be strings (they are keyword names)")


def encode(message, sender, release=()):
    """Serialise a message dataclass sent by the worker called ``sender`` (``bytes``, or a ``bytearray`` with tensors).

    ``release`` lists ids the receiver may delete before acting on the
    message: objects whose last pointer the sender has dropped.
    """
    body = {name: getattr(message, name) for name in _field_names(type(message))}
    envelope = {"kind": message.KIND, "sender": sender, "body": body}
    if release:
        envelope["release"] = list(release)
    return _pack(envelope)


def decode(payload):
    """Return ``(message, sender)`` from bytes, or raise MessageDecodeError."""
    message, sender, _ = decode_with_release(payload)
    return message, sender


def decode_with_release(payload):
    """Return ``(message, sender, ids to release)`` from bytes, or raise MessageDecodeError.

    A ``bytearray`` payload (what :func:`encode` returns) is taken over: the
    decoded tensors live in it, so the caller must not use it afterwards.
    Any other payload is copied once.
    """
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise MessageDecodeError(f"a message must be bytes, got {type(payload).__name__}")
    try:
        owned = type(payload) is bytearray
        envelope = _unpack(payload if owned or type(payload) is bytes else bytes(payload), owned)
    except MessageDecodeError:
        raise
    except Exception as exc:  # msgpack raises many types for malformed input
        raise MessageDecodeError(f"refused a payload that is not a pyprivate message ({exc})") from None
    if not isinstance(envelope, dict) or not {"kind", "sender", "body"} <= set(envelope) <= _ENVELOPE:
        raise MessageDecodeError("refused a payload that is not a pyprivate message envelope")
    kind, sender, body = envelope["kind"], envelope["sender"], envelope["body"]
    release = envelope.get("release", [])
    if not isinstance(release, list) or not all(isinstance(i, int) for i in release):
        raise MessageDecodeError("refused a message whose release list is not a list of ids")
    cls = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise UnknownMessageError(f"unknown message kind {kind!r}; workers understand {sorted(MESSAGE_TYPES)}")
    if not isinstance(body, dict) or not set(body) <= set(_field_names(cls)):
        raise MessageDecodeError(f"refused a {kind!r} message with unexpected fields")
    _check_field_types(cls, body)
    try:
        return cls(**body), str(sender), release
    except TypeError as exc:
        raise MessageDecodeError(f"refused a malformed {kind!r} message: {exc}") from None
