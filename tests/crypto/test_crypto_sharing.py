import pytest
import torch

from pyprivate.crypto import PRNG, reconstruct, reconstruct_xor, share, xor_share
from conftest import bit_frequencies, random_int64, with_edges

N = 20_000
TOLERANCE = 6 * 0.5 / N**0.5


@pytest.mark.parametrize("n", [2, 3, 5])
def test_reconstruct_gives_the_secret(n):
    x = with_edges(random_int64((300,), 1))
    g = PRNG(seed=n)
    assert torch.equal(reconstruct(share(x, n, g)), x)
    assert torch.equal(reconstruct_xor(xor_share(x, n, g)), x)
    bits = g.bits((50,))
    bit_shares = xor_share(bits, n, g, bits=True)
    assert all(set(s.unique().tolist()) <= {0, 1} for s in bit_shares)
    assert torch.equal(reconstruct_xor(bit_shares), bits)


@pytest.mark.parametrize("n", [2, 3])
def test_each_share_is_uniform_bit_by_bit(n):
    secret = torch.full((N,), 12345, dtype=torch.int64)
    for s in share(secret, n, PRNG(seed=10 + n)):
        assert ((bit_frequencies(s) - 0.5).abs() < TOLERANCE).all()


def test_shares_of_different_secrets_look_the_same():
    g = PRNG(seed=20)
    zeros = torch.zeros(N, dtype=torch.int64)
    ones = torch.full((N,), -1, dtype=torch.int64)  # every bit set
    for i in range(2):  # party 0's and party 1's view
        f0 = bit_frequencies(share(zeros, 2, g)[i])
        f1 = bit_frequencies(share(ones, 2, g)[i])
        assert ((f0 - f1).abs() < 1.5 * TOLERANCE).all()


def test_sharing_needs_two_parties():
    with pytest.raises(ValueError):
        share(torch.zeros(2, dtype=torch.int64), 1, PRNG(seed=0))
