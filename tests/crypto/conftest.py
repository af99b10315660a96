"""Shared helpers for the crypto tests: seeded randomness and party setups."""

import pytest
import torch

from pyprivate.crypto import PRNG, Dealer, LocalParties, share
from pyprivate.crypto.ring import INT64_MAX, INT64_MIN

EDGE_VALUES = [0, 1, -1, 2, -2, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, 1 << 62, -(1 << 62), 1 << 32]


def make_parties(n: int, seed: int = 0) -> LocalParties:
    return LocalParties(n, Dealer(PRNG(seed=1000 + seed)))


def shared(parties, x: torch.Tensor, seed: int = 7) -> list:
    """Share a plaintext among the parties (as its owner would)."""
    return parties.deal(share(x, parties.n, PRNG(seed=seed)))


def random_int64(shape, seed: int = 0, bits: int = 64) -> torch.Tensor:
    """Uniform in [-2^(bits-1), 2^(bits-1)) (full int64 range when bits == 64)."""
    return PRNG(seed=seed).ring(shape) >> (64 - bits)


def bit_frequencies(x: torch.Tensor, width: int = 64) -> torch.Tensor:
    """Fraction of ones at each of the ``width`` lowest bit positions."""
    x = x.reshape(-1).to(torch.int64)
    return torch.tensor([((x >> i) & 1).sum().item() / max(len(x), 1) for i in range(width)], dtype=torch.float64)


def with_edges(x: torch.Tensor, edges=EDGE_VALUES) -> torch.Tensor:
    return torch.cat([torch.tensor(edges, dtype=torch.int64), x.reshape(-1)])


@pytest.fixture(params=[2, 3], ids=["2-parties", "3-parties"])
def parties(request):
    return make_parties(request.param)
