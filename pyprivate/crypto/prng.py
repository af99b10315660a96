"""A cryptographically secure pseudo-random generator for ring elements.

Secret sharing is only as private as its randomness: a share must be
uniform over Z_2^64 and unpredictable to the other parties. ``torch.randint``
is a Mersenne Twister and is *not* fit for this, so we use AES-256 in
counter mode (AES-CTR) from the ``cryptography`` package. Encrypting a
stream of zero bytes gives the raw keystream, which is indistinguishable
from uniform random bytes for anyone without the key.

The key comes from ``os.urandom`` by default. Tests may pass an integer
``seed``: the key is then SHA-256(seed), so runs are reproducible. Never use
a seed outside tests.
"""

import hashlib
import math
import os

import torch
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


# What a share can be drawn as: ring elements ("add" and "xor" shares alike),
# 0/1 bits, or raw bytes (XOR shares of a buffer of packed words, see carry_layout).
KINDS = ("add", "xor", "bits", "bytes")


def kind_dtype(kind: str) -> torch.dtype:
    """The dtype of a share drawn as ``kind``."""
    return torch.uint8 if kind == "bytes" else torch.int64


class PRNG:
    """AES-256-CTR keystream turned into int64 tensors.

    >>> PRNG(seed=0).ring((2, 3)).dtype
    torch.int64
    """

    def __init__(self, seed: int | None = None, key: bytes | None = None):
        if key is None:
            key = os.urandom(32) if seed is None else _key_from_seed(seed)
        if len(key) != 32:
            raise ValueError("an AES-256 key has 32 bytes")
        # One key, one stream: the counter advances across calls, so no
        # keystream block is ever reused.
        self._stream = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()
        self._zeros = memoryview(b"")

    def random_bytes(self, n: int) -> bytes:
        """``n`` fresh keystream bytes."""
        return self._stream.update(bytes(n))

    def _keystream(self, n: int) -> torch.Tensor:
        """``n`` fresh keystream bytes as a uint8 tensor, written in place (no copies)."""
        if len(self._zeros) < n:
            self._zeros = memoryview(bytes(max(n, 2 * len(self._zeros))))
        out = torch.empty(n + 16, dtype=torch.uint8)  # update_into wants a block of slack
        self._stream.update_into(self._zeros[:n], out.numpy())
        return out[:n]

    def ring(self, shape) -> torch.Tensor:
        """Int64 tensor of ``shape``, each element uniform over Z_2^64."""
        shape = torch.Size(shape)
        count = math.prod(shape)
        if count == 0:
            return torch.empty(shape, dtype=torch.int64)
        return self._keystream(8 * count).view(torch.int64).reshape(shape)

    def draw(self, kind: str, shape) -> torch.Tensor:
        """A share of ``kind`` (see ``KINDS``): how the dealer and a party draw alike."""
        if kind == "bits":
            return self.bits(shape)
        if kind in ("add", "xor"):
            return self.ring(shape)
        if kind == "bytes":
            return self._keystream(math.prod(shape)).reshape(shape)
        raise ValueError(f"unknown kind of share {kind!r}; one of {KINDS}")

    def bits(self, shape) -> torch.Tensor:
        """Int64 tensor of ``shape``, each element a uniform bit 0 or 1."""
        shape = torch.Size(shape)
        count = math.prod(shape)
        if count == 0:
            return torch.empty(shape, dtype=torch.int64)
        packed = self._keystream((count + 7) // 8).to(torch.int64)
        unpacked = (packed.unsqueeze(-1) >> torch.arange(8)) & 1
        return unpacked.reshape(-1)[:count].reshape(shape)


def _key_from_seed(seed: int) -> bytes:
    return hashlib.sha256(b"pyprivate-prng-seed:" + str(int(seed)).encode()).digest()
