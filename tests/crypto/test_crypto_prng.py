import pytest
import torch

from pyprivate.crypto import PRNG
from conftest import bit_frequencies

N = 20_000
TOLERANCE = 6 * 0.5 / N**0.5  # six standard deviations of a frequency


def test_seeded_generators_are_reproducible():
    assert torch.equal(PRNG(seed=3).ring((5, 7)), PRNG(seed=3).ring((5, 7)))
    assert torch.equal(PRNG(seed=3).bits((100,)), PRNG(seed=3).bits((100,)))


def test_different_seeds_and_successive_calls_differ():
    g = PRNG(seed=1)
    first, second = g.ring((64,)), g.ring((64,))
    assert not torch.equal(first, second)
    assert not torch.equal(PRNG(seed=1).ring((64,)), PRNG(seed=2).ring((64,)))
    assert not torch.equal(PRNG().ring((64,)), PRNG().ring((64,)))  # os.urandom keys


def test_every_bit_position_is_balanced():
    freq = bit_frequencies(PRNG(seed=4).ring((N,)))
    assert ((freq - 0.5).abs() < TOLERANCE).all(), freq


def test_bits_are_zero_or_one_and_balanced():
    b = PRNG(seed=5).bits((N, 3))
    assert b.dtype == torch.int64 and b.shape == (N, 3)
    assert set(b.unique().tolist()) == {0, 1}
    assert abs(b.double().mean().item() - 0.5) < TOLERANCE


def test_shapes_and_empty_tensors():
    g = PRNG(seed=6)
    assert g.ring(()).shape == ()
    assert g.ring((0, 3)).shape == (0, 3)
    assert g.bits((2, 0)).shape == (2, 0)
    assert g.ring([2, 3]).dtype == torch.int64


def test_key_must_be_32_bytes():
    with pytest.raises(ValueError):
        PRNG(key=b"short")
