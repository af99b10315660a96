"""The cryptographic core: additive secret sharing over Z_2^64.

Layers, bottom up:

* ``ring``        int64 as Z_2^64, bit helpers
* ``prng``        AES-CTR randomness (seedable for tests)
* ``sharing``     split and reconstruct additive / XOR shares
* ``parties``     party steps (pure functions run by name) and the backend
* ``dealer``      the crypto provider's correlated randomness
* ``linear``      free local ops (add, sub, public constants)
* ``beaver``      products: mul, matmul, square
* ``truncation``  division by a public integer after a fixed-point product
* ``binary``      XOR sharing: AND gates, Kogge-Stone adder
* ``carry``       the two-party sign: a carry tree (``carry_layout``: its material in two buffers)
* ``comparison``  A2B, B2A, ltz, lt/gt/le/ge/eq, relu
* ``argmax``      max and argmax along a dimension

Every protocol takes a ``Parties`` backend first and sharings (one handle
per party) after it, and returns sharings.
"""

from . import argmax, beaver, binary, comparison, dealer, linear, parties, prng, ring, sharing, truncation
from .argmax import max_argmax, onehot_to_index
from .beaver import matmul, mul, square
from .comparison import a2b, b2a, eq, ge, gt, le, lt, ltz, relu
from .dealer import Dealer, DealerLog
from .linear import add, add_public, mul_public, neg, public_sub, sub
from .parties import PARTY_STEPS, LocalParties, Opened, Parties, get_step, party_step, unzip
from .prng import PRNG
from .sharing import reconstruct, reconstruct_xor, share, xor_share
from .truncation import local_truncate, measure_local_truncation_failure, truncate

__all__ = [
    "PARTY_STEPS", "PRNG", "Dealer", "DealerLog", "LocalParties", "Opened", "Parties",
    "a2b", "add", "add_public", "b2a", "eq", "ge", "get_step", "gt", "le",
    "local_truncate", "lt", "ltz", "matmul", "max_argmax", "measure_local_truncation_failure",
    "mul", "mul_public", "neg", "onehot_to_index", "party_step", "public_sub", "reconstruct",
    "reconstruct_xor", "relu", "share", "square", "sub", "truncate", "unzip", "xor_share",
    "argmax", "beaver", "binary", "comparison", "dealer", "linear", "parties", "prng", "ring",
    "sharing", "truncation",
]
