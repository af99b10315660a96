"""Fixed-point encoding: real numbers as integers scaled by base**precision.

With the tutorial defaults (base 10, 3 fractional digits) 1.2345 becomes the
integer 1235 (rounded to nearest) and decodes to 1.235. Products of two
encoded values carry the scale twice and are divided back ("truncated").
"""

import math

import torch

from ..errors import PyPrivateError

RING_HEADROOM_BITS = 61  # truncation is exact below 2^61
SUM_TERMS = 1024  # products summed in a matmul that the safe range allows for


class EncodingError(PyPrivateError, ValueError):
    """A value cannot be encoded in fixed point (NaN, inf, or out of the safe range)."""


class FixedPointEncoder:
    """Encode floats as scaled int64 and decode back, for one base and precision."""

    def __init__(self, base=10, precision=3):
        if not (isinstance(base, int) and base >= 2 and isinstance(precision, int) and precision >= 0):
            raise ValueError("base must be an integer >= 2 and precision_fractional an integer >= 0")
        self.base, self.precision = base, precision
        self.scale = base**precision
        if self.scale**2 >= 2**RING_HEADROOM_BITS:
            raise ValueError(f"base {base} with precision {precision} leaves no room in the 64-bit ring")
        # A sum of SUM_TERMS products of in-range values stays below 2^61 before truncation.
        self.max_abs = math.isqrt(2**RING_HEADROOM_BITS // SUM_TERMS) / self.scale

    def encode(self, values):
        """Float tensor (or number) -> int64 tensor of round(value * scale)."""
        values = torch.as_tensor(values)
        if values.is_floating_point():
            if not torch.isfinite(values).all():
                raise EncodingError("cannot encode NaN or infinity in fixed precision")
            big = values.abs().max().item() if values.numel() else 0.0
            if big > self.max_abs:
                raise EncodingError(
                    f"{big:g} is outside the safe range of fixed precision with base {self.base} and "
                    f"{self.precision} fractional digits (|x| <= {self.max_abs:,.0f}), where products "
                    "would overflow the 64-bit ring; rescale the data or use fewer fractional digits"
                )
            return torch.round(values.double() * self.scale).long()
        return values.long() * self.scale

    def decode(self, encoded, dtype=torch.float32):
        """int64 tensor -> float tensor of ``encoded / scale``."""
        return (encoded.double() / self.scale).to(dtype)

    def __repr__(self):
        return f"FixedPointEncoder(base={self.base}, precision_fractional={self.precision})"
