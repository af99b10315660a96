"""Part 2: models go to the data; federated training matches central training."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy
from pyprivate import errors
from benchmarks import federated_mnist


def test_part2_as_written(hook_):
    hook = hook_
    bob = sy.VirtualWorker(hook, id="bob")
    alice = sy.VirtualWorker(hook, id="alice")
    data = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1.]], requires_grad=True)
    target = torch.tensor([[0], [0], [1], [1.]], requires_grad=True)
    data_bob, target_bob = data[0:2].send(bob), target[0:2].send(bob)
    data_alice, target_alice = data[2:].send(alice), target[2:].send(alice)
    datasets = [(data_bob, target_bob), (data_alice, target_alice)]
    torch.manual_seed(1)
    model = nn.Linear(2, 1)
    weight = model.weight

    opt = optim.SGD(params=model.parameters(), lr=0.1)
    losses = []
    for iter in range(10):
        for data, target in datasets:
            model.send(data.location)
            assert model.location is data.location
            opt.zero_grad()
            pred = model(data)
            loss = ((pred - target) ** 2).sum()
            loss.backward()
            opt.step()
            model.get()
            losses.append(loss.get().item())
    assert model.weight is weight and model.location is None
    assert sum(losses[-4:]) < 0.2 * sum(losses[:4])


def step_pair(model, data, target, opt):
    opt.zero_grad()
    loss = ((model(data) - target) ** 2).mean()
    loss.backward()
    opt.step()
    return loss


def test_federated_sgd_equals_central_sgd(bob, alice):
    torch.manual_seed(0)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    central, fed = nn.Linear(3, 1), nn.Linear(3, 1)
    fed.load_state_dict(central.state_dict())
    opt_c, opt_f = optim.SGD(central.parameters(), lr=0.05), optim.SGD(fed.parameters(), lr=0.05)
    parts = [(x[:4].send(bob), y[:4].send(bob)), (x[4:].send(alice), y[4:].send(alice))]
    for _ in range(5):
        for (data, target), (xs, ys) in zip(parts, [(x[:4], y[:4]), (x[4:], y[4:])]):
            loss_c = step_pair(central, xs, ys, opt_c)
            fed.send(data.location)
            loss_f = step_pair(fed, data, target, opt_f)
            fed.get()
            assert torch.allclose(loss_f.get(), loss_c.detach())
    for p, q in zip(fed.parameters(), central.parameters()):
        assert torch.allclose(p, q, atol=1e-6)
        assert p.grad is None  # gradients reveal the data: they stay at the worker


def test_module_errors(bob, alice):
    model = nn.Linear(2, 1)
    with pytest.raises(errors.NotRemoteError, match="already local"):
        model.get()
    with pytest.raises(errors.NotRemoteError, match=r"model\.send\(worker\) sends it"):
        model.move(alice)
    model.send(bob)
    with pytest.raises(errors.AlreadyRemoteError, match=r"already at bob; model\.move\(alice\)"):
        model.send(alice)
    with pytest.raises(errors.NotAWorkerError):
        model.move("alice")
    with pytest.raises(errors.NotAWorkerError):
        nn.Linear(2, 1).send("bob")
    model.get()
    assert bob._objects == {}


def test_send_moves_buffers_too(bob):
    model = nn.BatchNorm1d(3)
    model.send(bob)
    assert isinstance(model.running_mean, sy.PointerTensor) and len(bob._objects) == 5
    model(torch.randn(4, 3).send(bob))
    model.get()
    assert not torch.equal(model.running_mean, torch.zeros(3))


def test_copy_is_independent():
    model = nn.Linear(2, 1)
    twin = model.copy()
    with torch.no_grad():
        twin.weight.add_(1)
    assert not torch.equal(twin.weight, model.weight)


def test_federated_average_weights_parameters():
    a, b = nn.Linear(2, 1), nn.Linear(2, 1)
    avg = sy.federated_average([a, b], weights=[1, 3])
    assert torch.allclose(avg.weight, 0.25 * a.weight + 0.75 * b.weight)
    assert torch.allclose(sy.federated_average([a, b]).bias, (a.bias + b.bias) / 2)
    assert avg is not a and avg.weight is not a.weight


def test_federated_average_errors(bob):
    a = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="architecture"):
        sy.federated_average([a, nn.Sequential(nn.Linear(2, 1))])
    with pytest.raises(ValueError, match="weights"):
        sy.federated_average([a, a], weights=[1])
    with pytest.raises(sy.errors.PyPrivateError, match="get"):
        sy.federated_average([nn.Linear(2, 1).send(bob)])


def test_loader_visits_every_item_once_per_epoch(bob, alice):
    data, targets = torch.arange(10.0).unsqueeze(1), torch.arange(10)
    fed = sy.FederatedDataset.split(data, targets, [bob, alice])
    assert len(fed) == 10 and fed.workers == [bob, alice]
    loader = sy.FederatedDataLoader(fed, batch_size=3, shuffle=True, generator=torch.Generator().manual_seed(0))
    assert len(loader) == 4
    seen, places = [], []
    for d, t in loader:
        places.append(d.location.id)
        d, t = d.get(), t.get()
        assert torch.equal(d.squeeze(1).long(), t)
        seen += t.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    assert places == ["bob", "bob", "alice", "alice"]


def test_stores_stay_bounded_over_200_federated_steps(bob, alice):
    fed = sy.FederatedDataset.split(torch.randn(40, 3), torch.randn(40, 1), [bob, alice])
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.01)
    sizes = []
    loader = sy.FederatedDataLoader(fed, batch_size=4, shuffle=True)
    while len(sizes) < 200:
        for data, target in loader:
            model.send(data.location)
            opt.zero_grad()
            F.mse_loss(model(data), target).backward()
            opt.step()
            model.get()
            sizes.append(len(bob._objects) + len(alice._objects))
    assert max(sizes[100:]) <= max(sizes[:100]) <= 10


def test_federated_mnist_is_close_to_central():
    results, _ = federated_mnist.run(n_train=1000, n_test=500, n_workers=2, epochs=4, lr=0.2)
    central = results["central"][0]
    assert central > 75
    # Same batches, same order: federated SGD is central SGD, up to rounding.
    assert abs(results["federated SGD"][0] - central) <= 1
    # Averaging makes fewer, coarser updates, but still learns far beyond chance (10%).
    assert results["federated averaging"][0] > 60
