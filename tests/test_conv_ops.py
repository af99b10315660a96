"""Convolutional networks on private tensors: the ring's convolutions, integer shares, errors, training.

Forward and backward values of each op against plain torch are in test_secure_ops.py (CASES).
"""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from pyprivate.crypto import bilinear
from pyprivate.errors import UnsupportedOperationError

RING = (-(2**63), 2**63 - 1)


def ring_dot(a, b):
    """<a, b> in Z_2^64 (int64 sums wrap around)."""
    return (a * b).sum()


@pytest.mark.parametrize("stride, padding, size", [((1, 1), (0, 0), (6, 6)), ((2, 1), (1, 2), (7, 6))])
def test_the_ring_convolutions_are_adjoint_and_exact(stride, padding, size):
    """conv2d and its two gradients, on full-range int64, satisfy the adjoint identities mod 2^64."""
    torch.manual_seed(0)
    x, w = torch.randint(*RING, (2, 3, *size)), torch.randint(*RING, (4, 3, 3, 2))
    conv = bilinear.lookup(bilinear.conv2d(stride, padding))
    out = conv(x, w)
    g = torch.randint(*RING, out.shape)
    extra = tuple(s + 2 * p - k - (o - 1) * st for s, p, k, o, st in zip(size, padding, (3, 2), out.shape[-2:], stride))
    grad_x = bilinear.lookup(bilinear.conv2d_input(stride, padding, extra))(g, w)
    grad_w = bilinear.lookup(bilinear.conv2d_weight(stride, padding, (3, 2)))(x, g)
    assert grad_x.shape == x.shape and grad_w.shape == w.shape
    assert ring_dot(out, g) == ring_dot(x, grad_x) == ring_dot(w, grad_w)
    # Small values: the same as torch's float convolution and its autograd.
    xs, ws = x % 7 - 3, w % 5 - 2
    xf, wf = xs.double().requires_grad_(), ws.double().requires_grad_()
    ref = F.conv2d(xf, wf, stride=stride, padding=padding)
    gs = g % 3 - 1
    ref.backward(gs.double())
    assert torch.equal(conv(xs, ws).double(), ref.detach())
    assert torch.equal(bilinear.lookup(bilinear.conv2d_input(stride, padding, extra))(gs, ws).double(), xf.grad)
    assert torch.equal(bilinear.lookup(bilinear.conv2d_weight(stride, padding, (3, 2)))(xs, gs).double(), wf.grad)


def test_an_unknown_beaver_op_is_named():
    with pytest.raises(ValueError, match="unknown Beaver op 'conv3d:s1,1:p0,0'"):
        bilinear.lookup("conv3d:s1,1:p0,0")
    with pytest.raises(ValueError, match="unknown Beaver op"):
        bilinear.lookup("conv2d:s1,1:p0,0:k3,3")  # a forward convolution takes no kernel size


def test_integer_shares_convolve_and_pool_exactly(trio):
    """Without fixed precision: a convolution of shared integers is exact, pools divide by the window."""
    bob, alice, james = trio
    torch.manual_seed(1)
    x, w = torch.randint(-50, 50, (2, 2, 6, 6)), torch.randint(-5, 5, (3, 2, 3, 3))
    sx, sw = x.share(bob, alice, crypto_provider=james), w.share(bob, alice, crypto_provider=james)
    assert torch.equal(F.conv2d(sx, sw, padding=1).get(), F.conv2d(x, w, padding=1))
    assert torch.equal(F.conv2d(sx, w).get(), F.conv2d(x, w))  # a public kernel: each party convolves its share
    assert torch.equal(F.max_pool2d(sx, 2).get(), F.max_pool2d(x, 2))
    assert torch.equal(F.conv2d(sx[0], sw).get(), F.conv2d(x[0], w))  # one image without a batch, as torch allows
    summed = x.view(2, 2, 3, 2, 3, 2).sum((3, 5))
    assert (F.avg_pool2d(sx, 2).get() - torch.div(summed, 4, rounding_mode="floor")).abs().max() <= 1


def test_max_pool_indices_are_torchs(trio):
    bob, alice, james = trio
    x = torch.randn(2, 3, 5, 4)
    sx = x.fix_precision().share(bob, alice, crypto_provider=james)
    values, indices = F.max_pool2d(sx, 2, return_indices=True)
    expected_values, expected_indices = F.max_pool2d(x, 2, return_indices=True)
    assert torch.equal(indices.get().float_precision().long(), expected_indices)
    assert torch.allclose(values.get().float_precision(), expected_values, atol=1e-3)


def test_fixed_precision_without_sharing_runs_the_same_kernels():
    torch.manual_seed(2)
    x, w = torch.randn(2, 1, 6, 6), torch.randn(2, 1, 3, 3)
    fx, fw = x.fix_precision().requires_grad_(), w.fix_precision().requires_grad_()
    px, pw = x.clone().requires_grad_(), w.clone().requires_grad_()
    out = F.avg_pool2d(F.max_pool2d(F.conv2d(fx, fw, padding=1), 2), 3)
    ref = F.avg_pool2d(F.max_pool2d(F.conv2d(px, pw, padding=1), 2), 3)
    out.sum().backward()
    ref.sum().backward()
    assert torch.allclose(out.float_precision(), ref, atol=0.02)
    assert torch.allclose(fx.grad.float_precision(), px.grad, atol=0.02)
    assert torch.allclose(fw.grad.float_precision(), pw.grad, atol=0.05)


@pytest.mark.parametrize("call, message", [
    (lambda x, w: F.conv2d(x, w, groups=2), "groups=1, not groups=2"),
    (lambda x, w: F.conv2d(x, w, dilation=2), r"dilation=1, not dilation=\[2, 2\]"),
    (lambda x, w: F.conv1d(x.flatten(2), w.flatten(2)), r"are 2-D \(conv2d\)"),
    (lambda x, w: F.max_pool2d(x, 2, stride=1), "stride equal to kernel_size"),
    (lambda x, w: F.max_pool2d(x, 2, padding=1), "no padding"),
    (lambda x, w: F.avg_pool2d(x, 2, ceil_mode=True), "ceil_mode=False only"),
    (lambda x, w: F.avg_pool2d(x, 3, padding=1, count_include_pad=False), "use count_include_pad=True"),
])
def test_unsupported_settings_are_named_and_change_nothing(trio, call, message):
    bob, alice, james = trio
    x = torch.randn(1, 2, 6, 6).fix_precision().share(bob, alice, crypto_provider=james)
    w = torch.randn(2, 2, 3, 3).fix_precision().share(bob, alice, crypto_provider=james)
    stores = {worker.id: dict(worker._objects) for worker in trio}
    with pytest.raises(UnsupportedOperationError, match=message):
        call(x, w)
    assert {worker.id: dict(worker._objects) for worker in trio} == stores


def test_the_backward_of_max_pool_needs_its_own_indices(trio):
    bob, alice, james = trio
    x = torch.randn(1, 1, 4, 4).fix_precision().share(bob, alice, crypto_provider=james)
    grad = torch.ones(1, 1, 2, 2).fix_precision().share(bob, alice, crypto_provider=james)
    foreign = torch.zeros(1, 1, 2, 2, dtype=torch.long).fix_precision()
    with pytest.raises(UnsupportedOperationError, match="needs the indices its forward pass returned"):
        torch.ops.aten.max_pool2d_with_indices_backward(grad, x, [2, 2], [2, 2], [0, 0], [1, 1], False, foreign)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def test_a_small_cnn_trains_encrypted_like_plaintext(trio):
    """Five SGD steps on shared data and a shared model follow the same steps in plain torch."""
    bob, alice, james = trio
    torch.manual_seed(3)
    data, target = torch.randn(8, 1, 12, 12), torch.randn(8, 3)
    plain, private = SmallCNN(), SmallCNN()
    private.load_state_dict(plain.state_dict())
    plain_opt = torch.optim.SGD(plain.parameters(), lr=0.1)
    private.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    private_opt = torch.optim.SGD(private.parameters(), lr=0.1).fix_precision()
    shared_data = data.fix_precision().share(bob, alice, crypto_provider=james)
    shared_target = target.fix_precision().share(bob, alice, crypto_provider=james)
    losses = []
    for _ in range(5):
        plain_opt.zero_grad()
        plain_loss = ((plain(data) - target) ** 2).mean()
        plain_loss.backward()
        plain_opt.step()
        private_opt.zero_grad()
        loss = ((private(shared_data) - shared_target) ** 2).mean()
        loss.backward()
        private_opt.step()
        losses.append((loss.get().float_precision().item(), plain_loss.item()))
    assert losses[-1][1] < losses[0][1]  # plain training learns, and private training follows it
    assert all(abs(p - q) < 0.02 for p, q in losses), losses
    for p, q in zip(private.parameters(), plain.parameters()):
        assert torch.allclose(p.copy().get().float_precision(), q.detach(), atol=0.02)


def test_the_crypto_provider_only_deals_for_a_convolutional_network(trio):
    """Forward and backward of conv, pools and relu: james gets shapes and op names, never data, and keeps nothing."""
    bob, alice, james = trio
    model = SmallCNN()
    model.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    x = torch.randn(2, 1, 12, 12).fix_precision().share(bob, alice, crypto_provider=james)
    before = len(james.message_log)
    model(x).sum().backward()
    received = list(james.message_log)[before:]
    assert received and {r.kind for r in received} == {"deal"} and james._objects == {}
    assert max(r.nbytes for r in received) < 2 * 12 * 12 * 8  # smaller than the image itself
