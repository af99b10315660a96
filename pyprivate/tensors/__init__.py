"""Tensor types: pointers, fixed precision, additive sharing (and their op tables)."""

from . import fixed_precision_ops, sharing_ops  # noqa: F401  (registers the kernels)
from .fixed_precision import FixedPrecisionTensor
from .pointer import PointerTensor
from .sharing import AdditiveSharingTensor

__all__ = ["PointerTensor", "FixedPrecisionTensor", "AdditiveSharingTensor"]
