"""Every operation on shared fixed-precision tensors, forward and backward, against plain torch."""

import pytest
import torch
import torch.nn.functional as F

import pyprivate as sy

TOL = 0.03  # 3 fractional digits, a few truncations deep

# name -> (function, input shapes)
CASES = {
    "add": (lambda a, b: a + b, [(3, 4), (3, 4)]),
    "add_broadcast": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub": (lambda a, b: a - b, [(3, 4), (3, 4)]),
    "rsub_scalar": (lambda a: 1 - a, [(3, 4)]),
    "neg": (lambda a: -a, [(3, 4)]),
    "mul": (lambda a, b: a * b, [(3, 4), (3, 4)]),
    "mul_broadcast": (lambda a, b: a * b, [(3, 4), (1, 4)]),
    "mul_public_float": (lambda a: a * 0.37, [(3, 4)]),
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(5, 4), (3, 4), (3,)]),
    "dot": (lambda a, b: a @ b, [(4,), (4,)]),
    "dot_method": (lambda a, b: a.dot(b), [(4,), (4,)]),
    "matrix_vector": (lambda a, b: a @ b, [(3, 4), (4,)]),
    "vector_matrix": (lambda a, b: a @ b, [(4,), (4, 2)]),
    "batch_vector": (lambda a, b: a @ b, [(2, 3, 4), (4,)]),
    "squeeze_in_place": (lambda a: (a * 1.0).unsqueeze_(0).squeeze_(0).t_() * 1.0, [(3, 4)]),
    "square": (lambda a: a**2, [(3, 4)]),
    "quadratic_activation": (lambda a: a * a, [(3, 4)]),
    "sum": (lambda a: a.sum(), [(3, 4)]),
    "sum_dim": (lambda a: a.sum(dim=1), [(3, 4)]),
    "mean": (lambda a: a.mean(), [(3, 4)]),
    "view": (lambda a: a.view(2, 6) * 1.0, [(3, 4)]),
    "transpose": (lambda a: a.t() @ a, [(3, 4)]),
    "reshape_transposed": (lambda a: a.t().reshape(-1) * 1.0, [(3, 4)]),
    "expand": (lambda a: a.expand(3, 4) * 2, [(1, 4)]),
    "index": (lambda a: a[1:, :2], [(3, 4)]),
    "permute": (lambda a: a.permute(1, 0) * 1.0, [(3, 4)]),
    "cat": (lambda a, b: torch.cat([a, b]) * 1.0, [(3, 4), (2, 4)]),
    "stack": (lambda a, b: torch.stack([a, b], dim=1) * 1.0, [(3, 4), (3, 4)]),
    "reshape": (lambda a: a.reshape(4, 3) * 1.0, [(3, 4)]),
    "div_int": (lambda a: a / 8, [(3, 4)]),
    "div_float": (lambda a: a / 2.5, [(3, 4)]),
    "relu": (lambda a: F.relu(a), [(3, 4)]),
    "mse_loss": (lambda a, b: F.mse_loss(a, b), [(3, 4), (3, 4)]),
    "squared_error_sum": (lambda a, b: ((a - b) ** 2).sum(), [(3, 4), (3, 4)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b), [(2, 2, 6, 6), (3, 2, 3, 3), (3,)]),
    "conv2d_stride_padding": (lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(2, 2, 7, 7), (3, 2, 3, 3)]),
    "conv2d_rectangular": (lambda x, w: F.conv2d(x, w, stride=(1, 2), padding=(1, 0)), [(1, 3, 5, 6), (2, 3, 2, 3)]),
    "max_pool2d": (lambda a: F.max_pool2d(a, 2), [(2, 3, 4, 6)]),
    "max_pool2d_3_remainder": (lambda a: F.max_pool2d(a, 3), [(1, 2, 7, 8)]),
    "max_pool2d_unbatched": (lambda a: F.max_pool2d(a, (2, 1)), [(2, 4, 3)]),
    "avg_pool2d": (lambda a: F.avg_pool2d(a, 2), [(2, 3, 4, 6)]),
    "avg_pool2d_stride_padding": (lambda a: F.avg_pool2d(a, 3, stride=2, padding=1), [(1, 2, 7, 7)]),
    "flatten": (lambda a: a.flatten(1) * 1.0, [(2, 3, 2, 2)]),
}
# max along a dim is for evaluation (forward only): see test_argmax_and_max_along_a_dim.


@pytest.fixture(params=["local", "exact"])
def truncation(request):
    """Run a test under each way of dividing products (sy.settings.truncation)."""
    with sy.settings.use(truncation=request.param):
        yield request.param


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_backward_match_torch(name, trio, truncation):
    bob, alice, james = trio
    fn, shapes = CASES[name]
    torch.manual_seed(len(name))
    inputs = [torch.randn(s) for s in shapes]
    weight = None

    plain = [t.clone().requires_grad_() for t in inputs]
    expected = fn(*plain)
    weight = torch.randn(expected.shape)
    (expected * weight).sum().backward()

    shared = [t.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True) for t in inputs]
    out = fn(*shared)
    assert out.shape == expected.shape
    (out * weight).sum().backward()
    assert torch.allclose(out.get().float_precision(), expected.detach(), atol=TOL)
    for s, p in zip(shared, plain):
        assert torch.allclose(s.grad.get().float_precision(), p.grad, atol=TOL), name


@pytest.mark.parametrize("op", ["gt", "lt", "ge", "le", "eq", "ne"])
def test_comparisons_are_exact(op, trio):
    bob, alice, james = trio
    a = torch.tensor([-2.0, -0.001, 0.0, 0.001, 3.5, 1.25, -7.0])
    b = torch.tensor([-2.0, 0.0, 0.0, 0.0, 3.501, 1.25, 7.0])
    sa = a.fix_precision().share(bob, alice, crypto_provider=james)
    sb = b.fix_precision().share(bob, alice, crypto_provider=james)
    got = getattr(sa, op)(sb).get().float_precision()
    assert torch.equal(got, getattr(a, op)(b))
    public = getattr(sa, op)(0.0).get().float_precision()
    assert torch.equal(public, getattr(a, op)(0.0))


def test_comparisons_near_the_range_limits(trio):
    bob, alice, james = trio
    big = 40000.0
    a = torch.tensor([big, -big, big, -big + 0.001])
    b = torch.tensor([-big, big, big - 0.001, -big])
    sa = a.fix_precision().share(bob, alice, crypto_provider=james)
    sb = b.fix_precision().share(bob, alice, crypto_provider=james)
    assert torch.equal((sa > sb).get().float_precision(), a > b)


def test_argmax_and_max_along_a_dim(trio):
    bob, alice, james = trio
    torch.manual_seed(0)
    x = torch.randn(6, 10)
    s = x.fix_precision().share(bob, alice, crypto_provider=james)
    assert torch.equal(s.argmax(dim=1).get().float_precision().long(), x.argmax(dim=1))
    values, index = s.max(dim=0)
    assert torch.allclose(values.get().float_precision(), x.max(dim=0).values, atol=1e-3)
    assert torch.equal(index.get().float_precision().long(), x.max(dim=0).indices)


def test_relu_backward_reuses_the_forward_comparison(trio):
    bob, alice, james = trio
    x = torch.randn(4, 3).fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    y = F.relu(x)
    before = len(james.message_log)
    y.sum().backward()
    deals = [r for r in list(james.message_log)[before:]]
    # Backward multiplies by the saved bit: one Beaver product, no new comparison
    # (which would need binary triples and daBits).
    kinds = {r.kind for r in deals}
    assert kinds <= {"deal"} and len(deals) <= 2


@pytest.mark.parametrize("layer", ["dropout", "relu_in_place"])
def test_dropout_and_in_place_relu_match_torch(trio, layer):
    """nn.Dropout's mask is public (it is independent of the data) and drawn as torch draws it."""
    bob, alice, james = trio
    fn = {"dropout": lambda a: F.dropout(a * 1.0, 0.4, training=True),
          "relu_in_place": lambda a: F.relu(a * 1.0, inplace=True)}[layer]
    x = torch.randn(6, 5)
    plain = x.clone().requires_grad_()
    torch.manual_seed(7)
    expected = fn(plain)
    weight = torch.randn(expected.shape)
    (expected * weight).sum().backward()
    shared = x.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    torch.manual_seed(7)
    out = fn(shared)
    (out * weight).sum().backward()
    assert torch.allclose(out.get().float_precision(), expected.detach(), atol=TOL)
    assert torch.allclose(shared.grad.get().float_precision(), plain.grad, atol=TOL)
    if layer == "dropout":
        assert (expected == 0).any() and (expected != 0).any()


def test_a_shared_tensor_cannot_be_filled_with_public_random_values(trio):
    bob, alice, james = trio
    x = torch.ones(3).fix_precision().share(bob, alice, crypto_provider=james)
    with pytest.raises(sy.errors.UnsupportedOperationError, match="bernoulli_.*shared"):
        x.bernoulli_(0.5)
    assert torch.equal(x.get().float_precision(), torch.ones(3))
