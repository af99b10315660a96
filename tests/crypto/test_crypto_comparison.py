import pytest
import torch

from pyprivate.crypto import (
    a2b, b2a, eq, ge, gt, le, lt, ltz, max_argmax, onehot_to_index, reconstruct, reconstruct_xor, relu,
)
from pyprivate.crypto.ring import INT64_MAX, INT64_MIN
from conftest import make_parties, random_int64, shared, with_edges

RANGE = 1 << 62  # lt/gt/eq/relu/max need |x| < 2^62
NEAR_LIMITS = [RANGE - 1, -(RANGE - 1), RANGE - 2, -(RANGE - 2), 0, 1, -1]


def in_range(shape, seed):
    return random_int64(shape, seed, bits=63)  # |x| < 2^62


def test_a2b_reconstructs_every_int64_exactly(parties):
    x = with_edges(random_int64((2000,), 1))
    assert torch.equal(reconstruct_xor(a2b(parties, shared(parties, x))), x)


def test_a2b_with_four_parties():
    p = make_parties(4)
    x = with_edges(random_int64((500,), 2))
    assert torch.equal(reconstruct_xor(a2b(p, shared(p, x))), x)


def test_b2a_converts_bits(parties):
    bits = random_int64((1000,), 3) & 1
    xor_shares = parties.deal([bits] + [torch.zeros_like(bits)] * (parties.n - 1))
    assert torch.equal(reconstruct(b2a(parties, xor_shares)), bits)


def test_ltz_is_exact_for_every_int64(parties):
    x = with_edges(random_int64((3000,), 4), [0, 1, -1, INT64_MAX, INT64_MIN, 1 << 62, -(1 << 62)])
    assert torch.equal(reconstruct(ltz(parties, shared(parties, x))), (x < 0).long())


def test_ltz_costs_eight_rounds_for_two_parties():
    p = make_parties(2)
    ltz(p, shared(p, torch.arange(-3, 3)))
    assert p.rounds == 8  # 1 + 6 adder levels, 1 for B2A


@pytest.mark.parametrize("op,reference", [(lt, torch.lt), (gt, torch.gt), (le, torch.le), (ge, torch.ge), (eq, torch.eq)])
def test_comparisons_match_torch(parties, op, reference):
    x = with_edges(in_range((600,), 5), NEAR_LIMITS * 3)
    y = with_edges(in_range((600,), 6), NEAR_LIMITS + NEAR_LIMITS[::-1] + [0] * 7)
    y[-100:] = x[-100:]  # some ties
    y[-120:-100] = x[-120:-100] + 1
    result = reconstruct(op(parties, shared(parties, x, 1), shared(parties, y, 2)))
    assert torch.equal(result, reference(x, y).long())


def test_relu_values_and_bits(parties):
    x = with_edges(in_range((1000,), 7), NEAR_LIMITS)
    value, bit = relu(parties, shared(parties, x))
    assert torch.equal(reconstruct(value), torch.relu(x))
    assert torch.equal(reconstruct(bit), (x > 0).long())  # torch's relu gradient is 0 at x == 0


def test_relu_costs_the_rounds_of_its_comparison_with_two_parties():
    """x * bit needs only x - a opened, in the comparison's first round (the bit's mask is the daBit itself)."""
    rounds = {}
    for name, protocol in (("ltz", ltz), ("relu", relu)):
        p = make_parties(2)
        protocol(p, shared(p, torch.arange(-3, 3)))
        rounds[name] = p.rounds
        opened = {record.label for record in p.opened}
    assert rounds == {"ltz": 8, "relu": 8}
    assert "relu.eps" in opened and not opened & {"beaver.mul.eps", "beaver.mul.delta"}
    three = {}
    for name, protocol in (("ltz", ltz), ("relu", relu)):
        p = make_parties(3)
        protocol(p, shared(p, torch.arange(-3, 3)))
        three[name] = p.rounds
    assert three["relu"] == three["ltz"] + 1  # with more parties: the adder's sign, then the product with the bit


@pytest.mark.parametrize("shape,dim", [((7, 10), -1), ((7, 10), 0), ((3, 5, 4), 1), ((9,), 0), ((4, 1), 1)])
def test_max_and_argmax_match_torch(parties, shape, dim):
    x = in_range(shape, 8)
    values, onehot = max_argmax(parties, shared(parties, x), dim)
    expected = torch.max(x, dim)
    assert torch.equal(reconstruct(values), expected.values)
    onehot = reconstruct(onehot)
    assert onehot.shape == x.shape
    assert torch.equal(onehot.argmax(dim), expected.indices) and torch.equal(onehot.sum(dim), torch.ones_like(expected.values))


def test_argmax_ties_pick_the_first_like_torch():
    p = make_parties(2)
    x = torch.tensor([[3, 9, 9, 1, 9], [5, 5, 5, 5, 5], [-(RANGE - 1), -(RANGE - 1), RANGE - 1, 0, RANGE - 1]])
    values, onehot = max_argmax(p, shared(p, x), dim=1)
    assert torch.equal(reconstruct(values), x.max(1).values)
    assert torch.equal(reconstruct(onehot_to_index(p, onehot, 1)), torch.argmax(x, 1))
