"""Tensor types: pointers (and, later, fixed precision and shared tensors)."""

from .pointer import PointerTensor

__all__ = ["PointerTensor"]
