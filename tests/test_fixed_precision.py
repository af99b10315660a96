"""Fixed-point encoding: defaults, range checks, and local arithmetic against torch."""

import pytest
import torch

import pyprivate as sy
from pyprivate import errors
from pyprivate.tensors.encoding import EncodingError


def test_tutorial_defaults():
    x = torch.tensor([1.2345, -0.5, 2.0]).fix_precision()
    assert isinstance(x, sy.FixedPrecisionTensor) and x.dtype == torch.float32
    assert x.base == 10 and x.precision_fractional == 3
    assert torch.equal(x.child, torch.tensor([1235, -500, 2000]))  # rounded to nearest
    assert torch.allclose(x.float_precision(), torch.tensor([1.235, -0.5, 2.0]))


def test_other_bases_and_precisions():
    x = torch.tensor([0.75]).fix_precision(base=2, precision_fractional=16)
    assert x.child.item() == 49152 and x.float_precision().item() == 0.75


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_inf_are_refused(bad):
    with pytest.raises(EncodingError, match="NaN or infinity"):
        torch.tensor([1.0, bad]).fix_precision()


def test_out_of_range_is_refused_with_the_range():
    with pytest.raises(EncodingError, match="safe range"):
        torch.tensor([1e9]).fix_precision()


def test_float_precision_of_a_plain_tensor():
    with pytest.raises(errors.NotRemoteError, match="fix_precision"):
        torch.ones(2).float_precision()


def test_item_gives_a_hint():
    with pytest.raises(errors.PyPrivateError, match="float_precision"):
        torch.tensor([1.0]).fix_precision().item()


LOCAL_CASES = {
    "add": lambda a, b: a + b,
    "sub_scalar": lambda a, b: a - 0.5,
    "mul": lambda a, b: a * b,
    "mul_int": lambda a, b: 3 * a,
    "matmul": lambda a, b: a @ b.t(),
    "square": lambda a, b: a**2,
    "div_int": lambda a, b: a / 4,
    "div_float": lambda a, b: a / 0.3,
    "relu": lambda a, b: torch.relu(a),
    "sum": lambda a, b: a.sum(dim=0),
    "mean": lambda a, b: a.mean(),
    "dot": lambda a, b: a[0] @ b[1],
    "matrix_vector": lambda a, b: a @ b[0],
    "vector_matrix": lambda a, b: a[0] @ b.t(),
    "squeeze_in_place": lambda a, b: (a * 1).unsqueeze_(1).squeeze_(1).t_(),
}


@pytest.mark.parametrize("name", sorted(LOCAL_CASES))
def test_local_fixed_precision_matches_torch(name):
    torch.manual_seed(0)
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    fn = LOCAL_CASES[name]
    got = fn(a.fix_precision(), b.fix_precision()).float_precision()
    assert torch.allclose(got, fn(a, b), atol=0.02)
