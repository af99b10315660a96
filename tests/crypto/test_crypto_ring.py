import pytest
import torch

from pyprivate.crypto import ring
from conftest import random_int64, with_edges

M = 1 << 64


def signed(v):
    v %= M
    return v - M if v >= 1 << 63 else v


def values(n=400, seed=0):
    return with_edges(random_int64((n,), seed))


def test_wrap_and_to_ring():
    assert ring.wrap(1 << 63) == ring.INT64_MIN
    assert ring.wrap(-1) == -1
    assert ring.wrap(M + 5) == 5
    assert ring.to_ring([1 << 64, -(1 << 63) - 1, 3]).tolist() == [0, ring.INT64_MAX, 3]
    assert ring.to_ring(torch.tensor([1, 2], dtype=torch.int32)).dtype == torch.int64
    assert ring.to_unsigned_ints(torch.tensor([-1, 0])) == [M - 1, 0]
    assert ring.to_signed_ints(torch.tensor([[-1, 2]])) == [-1, 2]


def test_to_ring_refuses_floats():
    with pytest.raises(TypeError):
        ring.to_ring(torch.tensor([1.5]))
    with pytest.raises(TypeError):
        ring.to_ring([1.5])


def test_add_sub_mul_neg_wrap_like_python_ints_mod_2_64():
    x, y = values(seed=1), values(seed=2)
    xs, ys = x.tolist(), y.tolist()
    assert (x + y).tolist() == [signed(a + b) for a, b in zip(xs, ys)]
    assert (x - y).tolist() == [signed(a - b) for a, b in zip(xs, ys)]
    assert (x * y).tolist() == [signed(a * b) for a, b in zip(xs, ys)]
    assert (-x).tolist() == [signed(-a) for a in xs]


def test_matmul_wraps_like_python_ints():
    a, b = random_int64((2, 5, 7), 3), random_int64((7, 4), 4)
    c = torch.matmul(a, b)
    expected = [
        [[signed(sum(a[k, i, j].item() * b[j, m].item() for j in range(7))) for m in range(4)] for i in range(5)]
        for k in range(2)
    ]
    assert c.tolist() == expected


def test_bit_helpers_match_unsigned_python_ints():
    x = values(seed=5)
    unsigned = ring.to_unsigned_ints(x)
    assert ring.msb(x).tolist() == [u >> 63 for u in unsigned]
    assert ring.msb(x).tolist() == (x < 0).long().tolist()
    for i in (0, 1, 31, 62, 63):
        assert ring.get_bit(x, i).tolist() == [(u >> i) & 1 for u in unsigned]
    for k in (1, 16, 62, 63):
        assert ring.low_bits(x, k).tolist() == [u % (1 << k) for u in unsigned]
    for k in (0, 1, 7, 63, 64):
        assert ring.shift_left(x, k).tolist() == [signed(u << k) for u in unsigned]
        assert ring.logical_shift_right(x, k).tolist() == [signed(u >> k) for u in unsigned]


def test_floor_div_is_exact_for_large_values():
    x = values(seed=6)
    for d in (1, 3, 1000, 1 << 16, (1 << 62) + 1):
        assert ring.floor_div(x, d).tolist() == [v // d for v in x.tolist()]
