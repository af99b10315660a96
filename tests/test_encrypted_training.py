"""Parts 12 and X: training on encrypted data with torch's own autograd and optimizers."""

import gc

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy
from benchmarks import mnist_encrypted


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(2, 2)
        self.fc2 = nn.Linear(2, 1)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))



def plain_and_shared(make, trio):
    """Two models from ``make`` with the same weights: one plain, one encoded and shared for training."""
    bob, alice, james = trio
    plain, shared = make(), make()
    shared.load_state_dict(plain.state_dict())
    shared.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    return plain, shared


def test_part12_as_written_tracks_plaintext(hook_):
    hook = hook_
    alice = sy.VirtualWorker(id="alice", hook=hook)
    bob = sy.VirtualWorker(id="bob", hook=hook)
    james = sy.VirtualWorker(id="james", hook=hook)
    data = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1.]])
    target = torch.tensor([[0], [0], [1], [1.]])
    torch.manual_seed(7)
    model = Net()
    plain = Net()
    plain.load_state_dict(model.state_dict())
    plain_opt = optim.SGD(plain.parameters(), lr=0.1)

    data_plain, target_plain = data, target
    data = data.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    target = target.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    model = model.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    assert "AdditiveSharingTensor" in str(data) and "bob" in str(data) and "alice" in str(data)

    opt = optim.SGD(params=model.parameters(), lr=0.1).fix_precision()
    losses, plain_losses = [], []
    for iter in range(20):
        opt.zero_grad()
        pred = model(data)
        loss = ((pred - target) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(loss.get().float_precision().item())

        plain_opt.zero_grad()
        plain_loss = ((plain(data_plain) - target_plain) ** 2).sum()
        plain_loss.backward()
        plain_opt.step()
        plain_losses.append(plain_loss.item())
    assert losses[-1] < 0.1 * losses[0]
    assert max(abs(a - b) for a, b in zip(losses, plain_losses)) <= 0.02


def test_weights_follow_plaintext_step_by_step(trio):
    bob, alice, james = trio
    torch.manual_seed(1)
    x, y = torch.randn(8, 3), torch.randn(8, 2)
    plain, secure = plain_and_shared(lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), trio)
    sx = x.fix_precision().share(bob, alice, crypto_provider=james)
    sy_ = y.fix_precision().share(bob, alice, crypto_provider=james)
    opt_p, opt_s = optim.SGD(plain.parameters(), lr=0.05), optim.SGD(secure.parameters(), lr=0.05)
    for _ in range(3):
        for model, opt, a, b in ((plain, opt_p, x, y), (secure, opt_s, sx, sy_)):
            opt.zero_grad()
            F.mse_loss(model(a), b).backward()
            opt.step()
        for p, s in zip(plain.parameters(), secure.parameters()):
            assert torch.allclose(s.copy().get().float_precision(), p.detach(), atol=0.01)


def test_model_round_trip_get_and_float_precision(trio):
    bob, alice, james = trio
    model = nn.Linear(3, 2)
    weight = model.weight.detach().clone()
    model.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    assert model.weight.is_shared and model.weight.requires_grad
    model.get().float_precision()
    assert type(model.weight) is nn.Parameter and torch.allclose(model.weight, weight, atol=1e-3)


def test_part_x_as_written_on_a_small_slice(trio):
    workers, crypto_provider = list(trio[:2]), trio[2]
    train = mnist_encrypted.batches(*sy.data.load_mnist("train", limit=128), 64)
    test = mnist_encrypted.batches(*sy.data.load_mnist("test", limit=64), 64)

    def secret_share(tensor):
        return (tensor
                .fix_precision(precision_fractional=3)
                .share(*workers, crypto_provider=crypto_provider, requires_grad=True))

    private_train_loader = [(secret_share(d), secret_share(sy.data.one_hot(t))) for d, t in train]
    private_test_loader = [(secret_share(d), secret_share(t.float())) for d, t in test]
    torch.manual_seed(0)
    model = mnist_encrypted.Net()
    plain = mnist_encrypted.Net()
    plain.load_state_dict(model.state_dict())
    model = model.fix_precision().share(*workers, crypto_provider=crypto_provider, requires_grad=True)
    optimizer = optim.SGD(model.parameters(), lr=0.02)
    optimizer = optimizer.fix_precision()

    model.train()
    losses = []
    for data, target in private_train_loader:
        optimizer.zero_grad()
        output = model(data)
        batch_size = output.shape[0]
        loss = ((output - target) ** 2).sum().refresh() / batch_size
        loss.backward()
        optimizer.step()
        loss = loss.get().float_precision()
        losses.append(loss.item())

    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in private_test_loader:
            output = model(data)
            pred = output.argmax(dim=1)
            correct += pred.eq(target.view_as(pred)).sum()
    correct = correct.get().float_precision()

    plain_opt = optim.SGD(plain.parameters(), lr=0.02)
    plain_losses = []
    for data, target in train:
        plain_opt.zero_grad()
        output = plain(data)
        loss = ((output - sy.data.one_hot(target)) ** 2).sum() / output.shape[0]
        loss.backward()
        plain_opt.step()
        plain_losses.append(loss.item())
    with torch.no_grad():
        plain_correct = sum(plain(d).argmax(dim=1).eq(t).sum().item() for d, t in test)
    assert max(abs(a - b) for a, b in zip(losses, plain_losses)) < 0.02
    assert abs(correct.item() - plain_correct) <= 2


def test_stores_stay_bounded_over_many_encrypted_steps(trio):
    bob, alice, james = trio
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    model.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    x = torch.randn(6, 4).fix_precision().share(bob, alice, crypto_provider=james)
    y = torch.randn(6, 1).fix_precision().share(bob, alice, crypto_provider=james)
    opt = optim.SGD(model.parameters(), lr=0.01)
    sizes = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean().refresh()
        loss.backward()
        opt.step()
        loss.get()
        gc.collect()
        sizes.append(len(bob._objects) + len(alice._objects))
    assert max(sizes[10:]) == min(sizes[10:])  # nothing piles up
    assert james._objects == {}


def test_shared_model_can_be_fetched_while_the_graph_is_alive(trio):
    bob, alice, james = trio
    plain, model = plain_and_shared(lambda: nn.Linear(2, 1), trio)
    x = torch.ones(1, 2).fix_precision().share(bob, alice, crypto_provider=james)  # a single row
    loss = model(x).sum()
    loss.backward()  # `loss` still holds the graph, as in the Part 12 loop
    model.get().float_precision()
    assert torch.allclose(model.weight, plain.weight, atol=1e-3)


def test_optimizer_step_updates_all_parameters_in_one_protocol_run(trio):
    bob, alice, james = trio
    torch.manual_seed(2)
    plain, secure = plain_and_shared(lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), trio)
    opt = optim.SGD(secure.parameters(), lr=0.05).fix_precision()
    plain_opt = optim.SGD(plain.parameters(), lr=0.05)
    x = torch.randn(5, 3)
    sx = x.fix_precision().share(bob, alice, crypto_provider=james)
    for model, optimizer, data in ((plain, plain_opt, x), (secure, opt, sx)):
        optimizer.zero_grad()
        (model(data) ** 2).mean().backward()
    logs = (james.message_log, bob.message_log, alice.message_log)
    before = [len(log) for log in logs]
    opt.step()
    new = [[(r.kind, r.op) for r in list(log)[start:]] for log, start in zip(logs, before)]
    assert new[0] == []  # the crypto provider deals nothing: each worker divides its own shares
    assert new[1] == new[2] == [("step", "trunc.scaled_add_local_many")]  # one message for 4 parameters
    plain_opt.step()
    for p, s in zip(plain.parameters(), secure.parameters()):
        assert torch.allclose(s.copy().get().float_precision(), p.detach(), atol=2e-3)


@pytest.mark.parametrize("settings", [dict(momentum=0.5), dict(momentum=0.5, weight_decay=0.1)])
def test_sgd_with_momentum_still_works_step_by_step(trio, settings):
    bob, alice, james = trio
    plain, model = plain_and_shared(lambda: nn.Linear(2, 1), trio)
    opt = optim.SGD(model.parameters(), lr=0.1, **settings).fix_precision()
    plain_opt = optim.SGD(plain.parameters(), lr=0.1, **settings)
    assert opt.param_groups[0]["foreach"] is not True
    x = torch.tensor([[1.0, 2.0]])
    sx = x.fix_precision().share(bob, alice, crypto_provider=james)
    for _ in range(2):
        for m, o, d in ((model, opt, sx), (plain, plain_opt, x)):
            o.zero_grad()
            m(d).sum().backward()
            o.step()
    assert torch.allclose(model.weight.copy().get().float_precision(), plain.weight.detach(), atol=2e-3)


@pytest.mark.parametrize("kind", [optim.Adam, optim.RMSprop])
def test_an_optimizer_without_a_secure_update_is_refused_when_fixed(trio, kind):
    _, model = plain_and_shared(lambda: nn.Linear(2, 1), trio)
    with pytest.raises(sy.errors.UnsupportedOperationError, match=rf"only optim\.SGD.*not {kind.__name__}"):
        kind(model.parameters(), lr=0.1).fix_precision()
