"""Tensor types: pointers, fixed precision, additive sharing (and their op tables).

Around them: ``worker_parties`` runs the crypto protocols on real workers,
``share_view`` keeps shape operations on shares pending until a message
carries them, and ``deal_ahead`` has the crypto provider deal a training
step's material in one go.
"""

from . import conv_ops, fixed_precision_ops, sharing_ops  # noqa: F401  (registers the kernels)
from .fixed_precision import FixedPrecisionTensor
from .pointer import PointerTensor
from .sharing import AdditiveSharingTensor

__all__ = ["PointerTensor", "FixedPrecisionTensor", "AdditiveSharingTensor"]
