import pytest
import torch

from pyprivate.crypto import add, add_public, matmul, mul, mul_public, neg, public_sub, reconstruct, square, sub
from conftest import make_parties, random_int64, shared


def both_shared(p, x, y):
    return shared(p, x, seed=1), shared(p, y, seed=2)


@pytest.mark.parametrize(
    "shape_x,shape_y", [((50,), (50,)), ((4, 5), (4, 5)), ((3, 1), (1, 6)), ((2, 3, 4), (4,)), ((5,), ())]
)
def test_mul_matches_torch_in_the_ring(parties, shape_x, shape_y):
    x, y = random_int64(shape_x, 1), random_int64(shape_y, 2)  # full range: wrap-around included
    sx, sy = both_shared(parties, x, y)
    assert torch.equal(reconstruct(mul(parties, sx, sy)), x * y)


def test_mul_of_small_numbers_is_the_plain_product(parties):
    x, y = torch.arange(-10, 10), torch.arange(20) - 3
    assert torch.equal(reconstruct(mul(parties, *both_shared(parties, x, y))), x * y)


@pytest.mark.parametrize(
    "shape_x,shape_y",
    [((4, 5), (5, 3)), ((2, 4, 5), (5, 3)), ((2, 4, 5), (2, 5, 3)), ((2, 1, 4, 5), (3, 5, 2)), ((5,), (5, 3)), ((4, 5), (5,)), ((6,), (6,))],
)
def test_matmul_matches_torch_in_the_ring(parties, shape_x, shape_y):
    x, y = random_int64(shape_x, 3), random_int64(shape_y, 4)
    sx, sy = both_shared(parties, x, y)
    assert torch.equal(reconstruct(matmul(parties, sx, sy)), torch.matmul(x, y))


@pytest.mark.parametrize("shape", [(30,), (3, 4, 5)])
def test_square_matches_torch(parties, shape):
    x = random_int64(shape, 5)
    assert torch.equal(reconstruct(square(parties, shared(parties, x))), x * x)


def test_each_product_opens_once_and_uses_one_triple():
    p = make_parties(2)
    sx, sy = both_shared(p, random_int64((3, 4), 6), random_int64((4, 2), 7))
    matmul(p, sx, sy)
    mul(p, sx, sx)
    square(p, sx)
    assert p.rounds == 3
    assert [o.label for o in p.opened] == [
        "beaver.matmul.eps", "beaver.matmul.delta", "beaver.mul.eps", "beaver.mul.delta", "beaver.square.eps"
    ]
    assert p.dealer.log.items == {"triple.matmul": 1, "triple.mul": 1, "triple.square": 1}


def test_protocols_do_not_modify_their_inputs(parties):
    x, y = random_int64((4, 4), 8), random_int64((4, 4), 9)
    sx, sy = both_shared(parties, x, y)
    before = [s.clone() for s in sx + sy]
    mul(parties, sx, sy), matmul(parties, sx, sy), square(parties, sx)
    assert all(torch.equal(a, b) for a, b in zip(before, sx + sy))


def test_linear_ops_are_local_and_exact(parties):
    x, y = random_int64((20,), 10), random_int64((20,), 11)
    sx, sy = both_shared(parties, x, y)
    assert torch.equal(reconstruct(add(parties, sx, sy)), x + y)
    assert torch.equal(reconstruct(sub(parties, sx, sy)), x - y)
    assert torch.equal(reconstruct(neg(parties, sx)), -x)
    assert torch.equal(reconstruct(add_public(parties, sx, 5)), x + 5)
    assert torch.equal(reconstruct(public_sub(parties, torch.arange(20), sx)), torch.arange(20) - x)
    assert torch.equal(reconstruct(mul_public(parties, sx, -3)), -3 * x)
    assert parties.rounds == 0
