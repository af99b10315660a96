import pytest
import torch

from pyprivate.crypto import PRNG, Dealer, reconstruct, reconstruct_xor
from pyprivate.crypto.ring import LOW63_MASK, msb


@pytest.fixture
def dealer():
    return Dealer(PRNG(seed=42))


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("shape_a,shape_b", [((4, 5), (4, 5)), ((3, 1), (1, 6)), ((2, 3), ())])
def test_mul_triples_multiply_in_the_ring(dealer, n, shape_a, shape_b):
    a, b, c = (reconstruct(s) for s in dealer.beaver_triple("mul", shape_a, shape_b, n))
    assert a.shape == shape_a and b.shape == shape_b
    assert torch.equal(c, a * b)


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("shape_a,shape_b", [((4, 5), (5, 3)), ((2, 4, 5), (5,)), ((7,), (7,)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_triples(dealer, n, shape_a, shape_b):
    a, b, c = (reconstruct(s) for s in dealer.beaver_triple("matmul", shape_a, shape_b, n))
    assert torch.equal(c, torch.matmul(a, b))


def test_square_pairs(dealer):
    a, c = (reconstruct(s) for s in dealer.beaver_triple("square", (6, 2), None, 3))
    assert torch.equal(c, a * a)


def test_unknown_op_is_an_error(dealer):
    with pytest.raises(ValueError, match="unknown Beaver op"):
        dealer.beaver_triple("div", (1,), (1,), 2)


@pytest.mark.parametrize("n", [2, 3])
def test_binary_triples(dealer, n):
    a, b, c = (reconstruct_xor(s) for s in dealer.binary_triple((100,), n))
    assert torch.equal(c, a & b)


@pytest.mark.parametrize("n", [2, 3])
def test_dabits_agree(dealer, n):
    arith, xor = dealer.dabit((1000,), n)
    bit = reconstruct(arith)
    assert torch.equal(bit, reconstruct_xor(xor))
    assert set(bit.unique().tolist()) == {0, 1}
    assert all(set(s.unique().tolist()) <= {0, 1} for s in xor)


@pytest.mark.parametrize("divisor", [1000, 1 << 16, 7])
def test_truncation_material_is_consistent(dealer, divisor):
    r, r_msb, r_div = (reconstruct(s) for s in dealer.truncation_material((1000,), 3, divisor))
    assert torch.equal(r_msb, msb(r))
    assert torch.equal(r_div, (r & LOW63_MASK) // divisor)
    assert (r_div >= 0).all()


def test_dealer_log_counts_items_and_elements(dealer):
    dealer.beaver_triple("mul", (2, 3), (2, 3), 2)
    dealer.beaver_triple("mul", (4,), (4,), 2)
    dealer.binary_triple((5,), 3)
    assert dealer.log.items == {"triple.mul": 2, "triple.and": 1}
    assert dealer.log.elements["triple.mul"] == 3 * 2 * 6 + 3 * 2 * 4
    assert dealer.log.elements["triple.and"] == 3 * 3 * 5
    assert dealer.log.total_bytes() == 8 * (60 + 45)


def test_seeded_dealing_draws_noise_and_sends_only_corrections():
    from pyprivate.crypto import PRNG, Dealer, reconstruct, reconstruct_xor

    dealer = Dealer(PRNG(seed=1))
    streams = [PRNG(seed=10), PRNG(seed=11)]
    (a, b, c), (ga, gb, gc) = dealer.bundle(
        [("beaver_triple", dict(op="matmul", shape_a=(3, 4), shape_b=(4, 2))), ("binary_triple", dict(shape=(5,)))],
        2, streams)
    assert torch.equal(reconstruct(c), reconstruct(a) @ reconstruct(b))
    assert torch.equal(reconstruct_xor(gc), reconstruct_xor(ga) & reconstruct_xor(gb))
    drawn = dealer.drawn
    # Uniform values are all drawn; a derived value's last share must be sent.
    assert all(id(s) in drawn for s in a + b + ga + gb)
    assert id(c[0]) in drawn and id(c[1]) not in drawn and id(gc[1]) not in drawn
    # The party that owns a stream draws exactly the same shares in the same order.
    replay = PRNG(seed=10)
    assert torch.equal(replay.ring((3, 4)), a[0]) and torch.equal(replay.ring((4, 2)), b[0])
