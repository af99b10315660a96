"""Every kind of torch operation on pointers runs at the worker and matches plain torch."""

import pytest
import torch

import pyprivate as sy

A = torch.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
B = torch.tensor([[2.0, 1.0, -0.5], [3.0, -1.0, 2.0]])

CASES = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** 2,
    "neg": lambda a, b: -a,
    "scalar": lambda a, b: 2 * a + 1,
    "matmul": lambda a, b: a @ b.t(),
    "gt": lambda a, b: a > b,
    "eq": lambda a, b: a == b,
    "torch.add": lambda a, b: torch.add(a, b),
    "torch.matmul": lambda a, b: torch.matmul(a, b.T),
    "torch.relu": lambda a, b: torch.relu(a),
    "torch.cat": lambda a, b: torch.cat([a, b], dim=0),
    "torch.where": lambda a, b: torch.where(a > b, a, b),
    "sum": lambda a, b: a.sum(),
    "sum_dim": lambda a, b: a.sum(dim=1),
    "mean": lambda a, b: a.mean(),
    "max_dim": lambda a, b: a.max(dim=1)[0],
    "argmax": lambda a, b: a.argmax(dim=1),
    "view": lambda a, b: a.view(3, 2),
    "reshape": lambda a, b: a.reshape(-1),
    "transpose": lambda a, b: a.transpose(0, 1),
    "index_int": lambda a, b: a[1],
    "index_slice": lambda a, b: a[:, 1:3],
    "index_mask": lambda a, b: a[a > 0],
    "expand": lambda a, b: a[0].expand(4, 3),
    "abs": lambda a, b: a.abs(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_operation_matches_torch(name, bob):
    fn = CASES[name]
    a_ptr, b_ptr = A.send(bob), B.send(bob)
    out = fn(a_ptr, b_ptr)
    expected = fn(A, B)
    assert isinstance(out, sy.PointerTensor)
    assert out.shape == expected.shape and out.dtype == expected.dtype
    assert torch.equal(out.get(), expected)


def test_multiple_outputs_are_pointers(bob):
    values, indices = A.send(bob).max(dim=1)
    expected = A.max(dim=1)
    assert torch.equal(values.get(), expected.values)
    assert torch.equal(indices.get(), expected.indices)


def test_in_place_ops_update_remote_object(bob):
    ptr = A.send(bob)
    same = ptr.add_(1)
    assert same is ptr
    ptr.mul_(B.send(bob))
    ptr[0, 0] = 7.0
    expected = (A + 1) * B
    expected[0, 0] = 7.0
    assert torch.equal(ptr.get(), expected)


def test_zero_dim_local_tensor_acts_as_a_constant(bob):
    out = A.send(bob) * torch.tensor(3.0)
    assert torch.equal(out.get(), A * 3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.int32, torch.bool, torch.uint8])
def test_send_get_round_trip_keeps_values_and_dtype(dtype, bob):
    t = torch.arange(-3, 9).reshape(3, 4).to(dtype)
    back = t.send(bob).get()
    assert back.dtype == dtype and torch.equal(back, t)


def test_empty_and_scalar_tensors(bob):
    assert torch.equal(torch.empty(0, 3).send(bob).get(), torch.empty(0, 3))
    assert torch.equal(torch.tensor(2.5).send(bob).get(), torch.tensor(2.5))


def test_autograd_matches_torch(bob):
    def f(x, w, b):
        return ((torch.relu(x @ w + b) - 1) ** 2).mean()

    x, w, b = torch.randn(4, 3), torch.randn(3, 2), torch.randn(2)
    ref = [t.clone().requires_grad_() for t in (x, w, b)]
    f(*ref).backward()

    ptrs = [t.clone().requires_grad_().send(bob) for t in (x, w, b)]
    loss = f(*ptrs)
    loss.backward()
    assert torch.allclose(loss.get(), f(x, w, b))
    for p, r in zip(ptrs, ref):
        got = p.get()
        assert got.requires_grad
        assert torch.allclose(got.grad, r.grad)


def test_pointer_gradient_is_a_pointer_at_the_same_worker(bob):
    x = torch.tensor([1.0, 2.0], requires_grad=True).send(bob)
    (x * x).sum().backward()
    assert isinstance(x.grad, sy.PointerTensor) and x.grad.location is bob
    assert torch.equal(x.grad.get(), torch.tensor([2.0, 4.0]))


def test_expanded_single_element_can_be_sent(bob):
    t = torch.tensor(5).expand(1, 1)
    assert t.stride() == (0, 0)
    assert torch.equal(t.send(bob).get(), torch.tensor([[5]]))
