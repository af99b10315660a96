"""Turning messages into bytes and back, safely.

The format is msgpack with a few extension types (tensors, references,
dtypes). Decoding builds only plain data and tensors from raw bytes: it
never imports or calls anything named in the payload, so a crafted payload
cannot run code. Anything unexpected raises :class:`MessageDecodeError`.
"""

from dataclasses import fields

import msgpack
import torch

from ..errors import MessageDecodeError, UnknownMessageError
from .messages import MESSAGE_TYPES, Ref, TensorMeta

# msgpack packs tuples as arrays itself (they arrive as lists), so there is no tuple extension.
_EXT_TENSOR, _EXT_REF, _EXT_DTYPE, _EXT_META, _EXT_DEVICE, _EXT_CONST = 1, 2, 3, 4, 5, 7

_DTYPES = {
    str(dt).removeprefix("torch."): dt
    for dt in (
        torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
        torch.float16, torch.bfloat16, torch.float32, torch.float64,
    )
}
_DTYPE_NAMES = {dt: name for name, dt in _DTYPES.items()}
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


class _TensorHeader:
    """Decoded dtype and shape of a tensor whose bytes follow in the same list."""

    __slots__ = ("dtype", "shape", "numel")

    def __init__(self, data):
        dtype_name, shape = msgpack.unpackb(data)
        self.dtype = _dtype(dtype_name)
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise MessageDecodeError(f"refused a tensor with invalid shape {shape!r}")
        self.shape = shape
        self.numel = 1
        for s in shape:
            self.numel *= s


def _encode_tensor(t):
    """A tensor travels as [header extension, raw bytes]: the bytes are not copied to build it."""
    if type(t) is not torch.Tensor and not isinstance(t, torch.nn.Parameter):
        raise TypeError(f"only plain tensors can be sent, got {type(t).__name__}")
    t = t.detach()
    if t.dtype not in _DTYPE_NAMES:
        raise TypeError(f"tensors of dtype {t.dtype} cannot be sent")
    header = msgpack.ExtType(_EXT_TENSOR, msgpack.packb([_DTYPE_NAMES[t.dtype], list(t.shape)]))
    flat = t.reshape(-1)
    if flat.numel() and flat.stride(0) != 1:  # e.g. an expanded single element has stride 0
        flat = torch.empty_like(flat, memory_format=torch.contiguous_format).copy_(flat)
    return [header, memoryview(flat.view(torch.uint8).numpy())]


def _list_hook(items):
    if items and isinstance(items[0], _TensorHeader):
        if len(items) != 2 or not isinstance(items[1], bytes):
            raise MessageDecodeError("refused a tensor without its bytes")
        header, body = items
        if len(body) != header.numel * header.dtype.itemsize:
            raise MessageDecodeError("refused a tensor whose size does not match its shape")
        if header.numel == 0:
            return torch.empty(header.shape, dtype=header.dtype)
        return torch.frombuffer(bytearray(body), dtype=torch.uint8).view(header.dtype).reshape(header.shape)
    if any(isinstance(item, _TensorHeader) for item in items):
        raise MessageDecodeError("refused a tensor header out of place")
    return items


def _default(obj):
    if isinstance(obj, torch.Tensor):
        return _encode_tensor(obj)
    if isinstance(obj, Ref):
        return msgpack.ExtType(_EXT_REF, msgpack.packb(obj.obj_id))
    if isinstance(obj, TensorMeta):
        return msgpack.ExtType(_EXT_META, msgpack.packb([obj.obj_id, list(obj.shape), _DTYPE_NAMES[obj.dtype]]))
    if isinstance(obj, torch.dtype):
        return msgpack.ExtType(_EXT_DTYPE, _DTYPE_NAMES[obj].encode())
    if isinstance(obj, torch.device):
        return msgpack.ExtType(_EXT_DEVICE, str(obj).encode())
    if isinstance(obj, (torch.memory_format, torch.layout)) and obj in _CONSTANT_NAMES:
        return msgpack.ExtType(_EXT_CONST, _CONSTANT_NAMES[obj].encode())
    raise TypeError(f"cannot put a {type(obj).__name__} into a message")


def _ext_hook(code, data):
    if code == _EXT_TENSOR:
        return _TensorHeader(data)
    if code == _EXT_REF:
        obj_id = msgpack.unpackb(data)
        if not isinstance(obj_id, int):
            raise MessageDecodeError("refused a reference whose id is not an integer")
        return Ref(obj_id)
    if code == _EXT_META:
        obj_id, shape, dtype = msgpack.unpackb(data)
        return TensorMeta(obj_id, tuple(shape), _dtype(dtype))
    if code == _EXT_DTYPE:
        return _dtype(data.decode())
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


def _pack(obj):
    return msgpack.packb(obj, default=_default, use_bin_type=True)


def _unpack(data):
    return msgpack.unpackb(data, ext_hook=_ext_hook, list_hook=_list_hook, raw=False, strict_map_key=False)


_FIELDS = {}
_ENVELOPE = {"kind", "sender", "body", "release"}


def _field_names(cls):
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def encode(message, sender, release=()):
    """Serialise a message dataclass sent by the worker called ``sender``.

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
    """Return ``(message, sender, ids to release)`` from bytes, or raise MessageDecodeError."""
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise MessageDecodeError(f"a message must be bytes, got {type(payload).__name__}")
    try:
        envelope = _unpack(bytes(payload))
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
    try:
        return cls(**body), str(sender), release
    except TypeError as exc:
        raise MessageDecodeError(f"refused a malformed {kind!r} message: {exc}") from None
