"""Splitting a secret into shares, and putting it back together.

Additive sharing over Z_2^64: to share x among n parties, draw n-1 uniform
ring elements x_0..x_{n-2} and set x_{n-1} = x - (x_0 + ... + x_{n-2}).
Any n-1 shares are independent and uniform, so they say nothing about x;
all n of them add up to x (mod 2^64).

XOR sharing is the same idea with XOR in place of +: it is additive
sharing of a bit-vector over Z_2, and it is what binary circuits (the adder
inside secure comparison) compute on.

These functions run wherever the secret already is: at its owner, or at the
dealer for the dealer's own random values.
"""

import torch

from .prng import PRNG


def share(secret: torch.Tensor, n: int, prng: PRNG) -> list[torch.Tensor]:
    """Additive shares of ``secret`` (int64) for ``n`` parties."""
    _check_n(n)
    shares = [prng.ring(secret.shape) for _ in range(n - 1)]
    last = secret.to(torch.int64).clone()
    for s in shares:
        last -= s
    return shares + [last]


def xor_share(secret: torch.Tensor, n: int, prng: PRNG, bits: bool = False) -> list[torch.Tensor]:
    """XOR shares of ``secret``; with ``bits=True`` the secret is 0/1 and so are the shares."""
    _check_n(n)
    draw = prng.bits if bits else prng.ring
    shares = [draw(secret.shape) for _ in range(n - 1)]
    last = secret.to(torch.int64).clone()
    for s in shares:
        last ^= s
    return shares + [last]


def reconstruct(shares: list[torch.Tensor]) -> torch.Tensor:
    """Sum of additive shares, mod 2^64."""
    total = shares[0].clone()
    for s in shares[1:]:
        total = total + s
    return total


def reconstruct_xor(shares: list[torch.Tensor]) -> torch.Tensor:
    """XOR of XOR shares."""
    total = shares[0].clone()
    for s in shares[1:]:
        total = total ^ s
    return total


def _check_n(n: int):
    if n < 2:
        raise ValueError(f"secret sharing needs at least 2 parties, got {n}")
