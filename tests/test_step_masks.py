"""A linear layer's forward masks, kept for its backward pass (``pyprivate/crypto/step_masks.py``)."""

import gc

import pytest
import torch
from torch import nn

import pyprivate as sy
from pyprivate.crypto import beaver, step_masks
from pyprivate.crypto.dealer import Dealer
from pyprivate.crypto.parties import Parties


def _models(trio):
    torch.manual_seed(3)
    plain = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    shared = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    shared.load_state_dict(plain.state_dict())
    bob, alice, james = trio
    shared.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    return plain, shared


class Openings:
    """Records every opened value (label, shape, value) while active."""

    def __init__(self, monkeypatch):
        self.seen = []
        original = Parties._combine

        def recording(parties, revealed, labels, xor):
            values = original(parties, revealed, labels, xor)
            self.seen += [(label, tuple(v.shape), v.clone()) for label, v in zip(labels, values)]
            return values

        monkeypatch.setattr(Parties, "_combine", recording)

    def take(self):
        seen, self.seen = self.seen, []
        return seen


def _step(shared, trio, data, target):
    """Forward and backward of a squared error; returns (openings of the forward, of the backward)."""
    bob, alice, james = trio
    x = data.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    y = target.fix_precision().share(bob, alice, crypto_provider=james)
    loss = ((shared(x) - y) ** 2).sum()
    return x, loss


@pytest.mark.parametrize("reuse", [True, False])
def test_gradients_match_plain_pytorch_with_and_without_kept_masks(trio, reuse, monkeypatch):
    plain, shared = _models(trio)
    torch.manual_seed(4)
    data, target = torch.randn(4, 6), torch.randn(4, 3)
    plain_x = data.clone().requires_grad_()
    ((plain(plain_x) - target) ** 2).sum().backward()
    with sy.settings.use(reuse_masks=reuse):
        x, loss = _step(shared, trio, data, target)
        assert step_masks.kept_count() == (3 if reuse else 0)  # one per linear layer, one for the ReLU
        loss.backward()
    for p, q in zip(shared.parameters(), plain.parameters()):
        assert torch.allclose(p.grad.copy().get().float_precision(), q.grad, atol=0.02)
    assert torch.allclose(x.grad.copy().get().float_precision(), plain_x.grad, atol=0.02)
    assert step_masks.kept_count() == 0  # both gradients of both layers were computed: nothing is left


def test_backward_opens_each_layers_gradient_once_and_nothing_opened_before(trio, monkeypatch):
    """Kept masks: a layer's backward opens only g - a_g; without them, x.t(), W and g are masked again.

    The same for ReLU's backward product grad * bit: only grad is opened, not the bit again.
    """
    openings = Openings(monkeypatch)
    torch.manual_seed(5)
    data, target = torch.randn(4, 6), torch.randn(4, 3)
    backward = {}
    for reuse in (False, True):
        _, shared = _models(trio)
        with sy.settings.use(reuse_masks=reuse):
            _, loss = _step(shared, trio, data, target)
            forward = openings.take()
            loss.backward()
            backward[reuse] = openings.take()
    products = lambda seen: [(label, shape) for label, shape, _ in seen if label.startswith("beaver.matmul")]
    # Without: per layer, eps and delta of grad @ W and of x.t() @ grad. With: the gradient, (4, 3) and (4, 5).
    assert len(products(backward[False])) == 8
    assert sorted(products(backward[True])) == [("beaver.matmul.eps", (4, 3)), ("beaver.matmul.eps", (4, 5))]
    # ReLU's: eps and delta of grad * bit without, only eps = grad - a_g with.
    assert sorted(label for label, _, _ in backward[False] if label.startswith("beaver.mul")) == [
        "beaver.mul.delta", "beaver.mul.eps"]
    assert [(label, shape) for label, shape, _ in backward[True] if label.startswith("beaver.mul")] == [
        ("beaver.mul.eps", (4, 5))]
    assert len(backward[True]) == 3 and len(backward[False]) == 10
    # No value opened in the backward pass is one opened in the forward pass (each mask is used once).
    for _, shape, value in backward[True]:
        assert not any(s == shape and torch.equal(v, value) for _, s, v in forward)


def test_a_gradient_mask_masks_one_value_only(trio):
    """A second backward product with another gradient gets a fresh triple, and both results are right."""
    bob, alice, james = trio
    torch.manual_seed(6)
    x_plain, w_plain, g1_plain, g2_plain = torch.randn(4, 3), torch.randn(3, 2), torch.randn(4, 2), torch.randn(4, 2)
    share = lambda t: t.fix_precision().share(bob, alice, crypto_provider=james).child  # noqa: E731
    x, w, g1, g2 = (share(t) for t in (x_plain, w_plain, g1_plain, g2_plain))
    parties, scale = x.parties, 1000
    with torch.enable_grad():
        beaver.matmul(parties, x.handles, w.handles, scale, grads=(True, True))
    assert step_masks.kept_count() == 1
    results, dealt = {}, []

    def backward_products(_):
        before = james.dealer.log.items["triple.matmul"]
        results["g1 @ w.t()"] = beaver.matmul(parties, g1.handles, w.t().handles, scale)  # opens g1 - a_g
        results["x.t() @ g2"] = beaver.matmul(parties, x.t().handles, g2.handles, scale)  # another g: fresh triple
        dealt.append(james.dealer.log.items["triple.matmul"] - before)
        results["x.t() @ g1"] = beaver.matmul(parties, x.t().handles, g1.handles, scale)  # g1 again: kept masks
        dealt.append(james.dealer.log.items["triple.matmul"] - before)

    trigger = torch.ones(1, requires_grad=True)
    trigger.register_hook(backward_products)  # the products run inside a backward pass, as autograd's do
    trigger.sum().backward()
    assert dealt == [1, 1]
    as_float = lambda handles: type(x)(handles, parties).get().float() / scale  # noqa: E731
    quantize = lambda t: torch.round(t * scale) / scale  # noqa: E731
    x_q, w_q, g1_q, g2_q = (quantize(t) for t in (x_plain, w_plain, g1_plain, g2_plain))
    expected = {"g1 @ w.t()": g1_q @ w_q.t(), "x.t() @ g2": x_q.t() @ g2_q, "x.t() @ g1": x_q.t() @ g1_q}
    for name, handles in results.items():
        assert torch.allclose(as_float(handles), expected[name], atol=0.003), name
    assert step_masks.kept_count() == 0


def test_kept_masks_go_with_the_graph_the_step_and_no_grad(trio):
    bob, alice, james = trio
    _, shared = _models(trio)
    data = torch.randn(4, 6).fix_precision().share(bob, alice, crypto_provider=james)
    with torch.no_grad():
        shared(data)
    assert step_masks.kept_count() == 0  # inference keeps no masks for a backward pass
    out = shared(data)
    assert step_masks.kept_count() == 3  # both linear layers and the ReLU
    del out
    gc.collect()
    # The graph is gone, and the masks of the ReLU and the second layer with it. The first layer's weight gradient
    # needs only the data's masks (the data needs no gradient): they go with the data.
    assert step_masks.kept_count() == 1
    for _ in range(10):
        shared(data)  # forward passes whose backward never comes do not pile up
    assert step_masks.kept_count() == step_masks.PER_OPERAND
    del data
    gc.collect()
    assert step_masks.kept_count() == 0
    opt = torch.optim.SGD(shared.parameters(), lr=0.1).fix_precision()
    data = torch.randn(4, 6).fix_precision().share(bob, alice, crypto_provider=james)
    (shared(data) ** 2).sum().backward()  # shared gradients: the optimizer updates in one protocol run
    shared(data)
    assert step_masks.kept_count() == 1
    opt.step()
    assert step_masks.kept_count() == 0  # the weights changed: the step's masks are dropped


def test_the_dealer_deals_the_backward_triples_with_the_forward_masks():
    """The dealer's material checks out: c_x, c_y are the products of the backward triples."""
    dealer = Dealer()
    a, b, c, a_g, c_x, c_y = (sum(shares) for shares in dealer.beaver_triple("matmul", (4, 3), (3, 2), 2,
                                                                             backward="xy"))
    assert torch.equal(c, a @ b)
    assert torch.equal(c_x, a_g @ b.t()) and torch.equal(c_y, a.t() @ a_g)
    assert len(dealer.beaver_triple("matmul", (4, 3), (3, 2), 2, backward="y")) == 5
    a, b, c, a_g, c_x = (sum(shares) for shares in dealer.beaver_triple("mul", (4, 3), (4, 3), 2, backward="x"))
    assert torch.equal(c, a * b) and torch.equal(c_x, a_g * b)  # ReLU's x * bit, for grad * bit
    with pytest.raises(ValueError, match="two matrices"):
        dealer.beaver_triple("mul", (4, 3), (1, 3), 2, backward="x")  # a broadcast product keeps no masks
    with pytest.raises(ValueError, match="two matrices"):
        dealer.beaver_triple("matmul", (2, 4, 3), (2, 3, 2), 2, backward="x")


def test_reuse_masks_is_a_checked_setting():
    assert "reuse_masks=True" in repr(sy.settings)
    with pytest.raises(TypeError, match="True or False"):
        sy.settings.reuse_masks = "yes"


def test_three_workers_keep_relus_masks_for_its_backward_product(hook_):
    """With three workers (no local truncation) only ReLU's product x * bit keeps its mask; gradients stay right."""
    workers = [sy.VirtualWorker(hook_, id=f"three{i}") for i in range(3)]
    provider = sy.VirtualWorker(hook_, id="three_provider")
    torch.manual_seed(8)
    plain = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    shared = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    shared.load_state_dict(plain.state_dict())
    shared.fix_precision().share(*workers, crypto_provider=provider, requires_grad=True)
    data, target = torch.randn(5, 4), torch.randn(5, 2)
    ((plain(data) - target) ** 2).sum().backward()
    x = data.fix_precision().share(*workers, crypto_provider=provider)
    y = target.fix_precision().share(*workers, crypto_provider=provider)
    loss = ((shared(x) - y) ** 2).sum()
    assert step_masks.kept_count() == 1  # the ReLU's; the linear layers' products truncate with the dealer's help
    loss.backward()
    assert step_masks.kept_count() == 0
    for p, q in zip(shared.parameters(), plain.parameters()):
        assert torch.allclose(p.grad.copy().get().float_precision(), q.grad, atol=0.02)
