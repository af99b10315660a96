"""The ring Z_2^64, stored as int64.

Every secret-shared value in pyprivate is an element of the ring of integers
modulo 2^64. We store ring elements in ordinary ``torch.int64`` tensors and
rely on two's-complement wrap-around: on CPU, ``+``, ``-``, ``*`` and
``torch.matmul`` on int64 simply drop the carries beyond bit 63, which is
exactly arithmetic modulo 2^64. So ring arithmetic needs no special code.

Two readings of the same 64 bits matter:

* signed, in [-2^63, 2^63): how fixed-point numbers are encoded, so that
  ``x < 0`` is the most significant bit (``msb``);
* unsigned, in [0, 2^64): how the mathematics is written (``x mod 2^64``).

Division and right shifts are *not* ring operations: ``>>`` on int64 is an
arithmetic shift (it copies the sign bit), and ``//`` rounds toward minus
infinity on the signed reading. The helpers below use masks so they mean
what their names say.
"""

import torch

RING_BITS = 64
RING_SIZE = 1 << RING_BITS
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
LOW63_MASK = (1 << 63) - 1  # keeps bits 0..62: x & LOW63_MASK == x mod 2^63


def wrap(value: int) -> int:
    """Map a Python int to the signed int64 that represents it mod 2^64."""
    value %= RING_SIZE
    return value - RING_SIZE if value > INT64_MAX else value


def to_ring(values) -> torch.Tensor:
    """Turn integers (tensor, int or nested list of ints) into an int64 ring tensor.

    Python ints of any size are reduced mod 2^64. Floating point input is
    refused: encode it with fixed precision first.
    """
    if isinstance(values, torch.Tensor):
        if values.is_floating_point() or values.is_complex():
            raise TypeError(f"to_ring needs integers, got {values.dtype}; encode floats first")
        return values.to(torch.int64)
    if isinstance(values, int):
        return torch.tensor(wrap(values), dtype=torch.int64)
    return torch.tensor(_wrap_nested(values), dtype=torch.int64)


def _wrap_nested(values):
    if isinstance(values, (list, tuple)):
        return [_wrap_nested(v) for v in values]
    if not isinstance(values, int):
        raise TypeError(f"to_ring needs integers, got {type(values).__name__}")
    return wrap(values)


def to_unsigned_ints(x: torch.Tensor) -> list:
    """Flattened list of Python ints in [0, 2^64): the unsigned reading of ``x``."""
    return [v % RING_SIZE for v in x.reshape(-1).tolist()]


def to_signed_ints(x: torch.Tensor) -> list:
    """Flattened list of Python ints in [-2^63, 2^63): the signed reading of ``x``."""
    return x.reshape(-1).tolist()


def msb(x: torch.Tensor) -> torch.Tensor:
    """Most significant bit (bit 63) as 0/1 int64; equals ``x < 0`` signed."""
    return (x >> 63) & 1


def get_bit(x: torch.Tensor, i: int) -> torch.Tensor:
    """Bit ``i`` (0 = least significant) of every element, as 0/1 int64."""
    # The arithmetic shift smears the sign bit into the high bits; "& 1" drops them.
    return (x >> i) & 1


def low_bits(x: torch.Tensor, k: int) -> torch.Tensor:
    """``x mod 2^k`` for 1 <= k <= 63: non-negative, read on the unsigned value."""
    if not 1 <= k <= 63:
        raise ValueError("low_bits needs 1 <= k <= 63")
    return x & ((1 << k) - 1)


def shift_left(x: torch.Tensor, k: int) -> torch.Tensor:
    """``x * 2^k mod 2^64`` (bits pushed past bit 63 are dropped)."""
    return x << k if k < RING_BITS else torch.zeros_like(x)


def logical_shift_right(x: torch.Tensor, k: int) -> torch.Tensor:
    """Unsigned right shift: ``floor((x mod 2^64) / 2^k)``, zeros shifted in."""
    if k == 0:
        return x.clone()
    if k >= RING_BITS:
        return torch.zeros_like(x)
    return (x >> k) & ((1 << (RING_BITS - k)) - 1)


def floor_div(x: torch.Tensor, divisor: int) -> torch.Tensor:
    """``floor(x / divisor)`` on the signed reading, exact for int64."""
    return torch.div(x, divisor, rounding_mode="floor")
