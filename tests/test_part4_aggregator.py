"""The Part 4 calls of ../shared/API.md (federated learning via a trusted aggregator), run as written."""

import copy
import gc

import pytest
import torch
from torch import nn, optim

import pyprivate as sy
from pyprivate import errors

DATA = [[0, 0], [0, 1], [1, 0], [1, 1.]]
TARGET = [[0], [0], [1], [1.]]


def plain_round(model, parts, worker_iters):
    """One round of part 4 in plain torch: a copy trained on each part, then the average."""
    copies = []
    for data, target in parts:
        twin = copy.deepcopy(model)
        opt = optim.SGD(params=twin.parameters(), lr=0.1)
        for _ in range(worker_iters):
            opt.zero_grad()
            loss = ((twin(data) - target) ** 2).sum()
            loss.backward()
            opt.step()
        copies.append(twin)
    with torch.no_grad():
        model.weight.set_((copies[1].weight.data + copies[0].weight.data) / 2)
        model.bias.set_((copies[1].bias.data + copies[0].bias.data) / 2)
    return loss.detach()


def test_part4_as_written_matches_plain_torch(hook_):
    hook = hook_
    bob = sy.VirtualWorker(hook, id="bob")
    alice = sy.VirtualWorker(hook, id="alice")
    secure_worker = sy.VirtualWorker(hook, id="secure_worker")
    data = torch.tensor(DATA, requires_grad=True)
    target = torch.tensor(TARGET, requires_grad=True)
    bobs_data, bobs_target = data[0:2].send(bob), target[0:2].send(bob)
    alices_data, alices_target = data[2:].send(alice), target[2:].send(alice)
    torch.manual_seed(4)
    model = nn.Linear(2, 1)
    reference = copy.deepcopy(model)

    iterations, worker_iters = 4, 5
    sizes = []
    for a_iter in range(iterations):
        bobs_model = model.copy().send(bob)       # a deep copy, sent; send returns the model
        alices_model = model.copy().send(alice)
        assert isinstance(bobs_model, nn.Linear) and bobs_model.location is bob
        bobs_opt = optim.SGD(params=bobs_model.parameters(), lr=0.1)
        alices_opt = optim.SGD(params=alices_model.parameters(), lr=0.1)
        for wi in range(worker_iters):
            bobs_opt.zero_grad()
            bobs_pred = bobs_model(bobs_data)
            bobs_loss = ((bobs_pred - bobs_target) ** 2).sum()
            bobs_loss.backward()
            bobs_opt.step()
            bobs_loss = bobs_loss.get().data
            alices_opt.zero_grad()
            alices_pred = alices_model(alices_data)
            alices_loss = ((alices_pred - alices_target) ** 2).sum()
            alices_loss.backward()
            alices_opt.step()
            alices_loss = alices_loss.get().data
        alices_model.move(secure_worker)
        bobs_model.move(secure_worker)
        assert alices_model.location is secure_worker and bobs_model.location is secure_worker
        assert len(secure_worker._objects) == 4  # both models' weights and biases, moved there
        with torch.no_grad():
            model.weight.set_(((alices_model.weight.data + bobs_model.weight.data) / 2).get())
            model.bias.set_(((alices_model.bias.data + bobs_model.bias.data) / 2).get())

        plain_alice_loss = plain_round(reference, [(data[0:2].detach(), target[0:2].detach()),
                                                   (data[2:].detach(), target[2:].detach())], worker_iters)
        assert torch.allclose(alices_loss, plain_alice_loss, atol=1e-6)
        assert torch.allclose(model.weight, reference.weight, atol=1e-6)
        assert torch.allclose(model.bias, reference.bias, atol=1e-6)
        gc.collect()
        sizes.append((len(bob._objects), len(alice._objects), len(secure_worker._objects)))
    assert sizes == [sizes[0]] * iterations  # the stores stay the same size, round after round
    assert model.location is None and isinstance(model.weight, nn.Parameter) and type(model.weight.data) is torch.Tensor


def test_model_copy_of_a_local_model_is_deep():
    model = nn.Linear(2, 1)
    twin = model.copy()
    assert twin is not model and twin.weight is not model.weight
    with torch.no_grad():
        twin.weight.add_(1)
    assert torch.equal(twin.weight, model.weight + 1)


def test_model_copy_of_a_remote_model_is_made_at_the_worker(bob):
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    values = copy.deepcopy(model)
    model.send(bob)
    bob.message_log.clear()
    twin = model.copy()
    assert twin.location is bob and len(bob._objects) == 2 * 7  # 4 parameters and 3 buffers, twice
    assert {r.kind for r in bob.message_log} == {"command"}  # clones at bob: nothing came to this process
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in twin.parameters())
    with torch.no_grad():
        twin[0].weight.add_(1)
    twin.get(), model.get()
    assert torch.equal(twin[0].weight, values[0].weight + 1) and torch.equal(model[0].weight, values[0].weight)
    for a, b in zip(list(twin.parameters())[1:] + list(twin.buffers()), list(values.parameters())[1:] + list(values.buffers())):
        assert torch.equal(a, b)
    assert bob._objects == {}


def test_model_move_sends_each_parameter_straight_to_the_new_worker(bob, alice):
    model = nn.Linear(100, 10)
    weight = model.weight.detach().clone()
    model.send(bob)
    loss = model(torch.randn(4, 100).send(bob)).sum()
    loss.backward()  # gradients at bob stay behind, and go
    del loss
    bob.message_log.clear(), alice.message_log.clear()
    assert model.move(alice) is model
    assert model.location is alice and bob._objects == {} and len(alice._objects) == 2
    assert all(p.grad is None for p in model.parameters())
    (move,) = [r for r in bob.message_log if r.kind == "move"]
    (arrival,) = alice.message_log
    assert move.sender == "me" and move.nbytes < 200 and move.reply_nbytes < 300
    assert arrival.kind == "send_many" and arrival.sender == "bob" and arrival.nbytes > weight.nbytes
    opt = optim.SGD(model.parameters(), lr=0.1)  # the moved model trains where it now is
    model(torch.randn(4, 100).send(alice)).sum().backward()
    opt.step()
    model.get()
    assert model.weight.shape == weight.shape and not torch.equal(model.weight, weight)


@pytest.mark.parametrize("case", ["unreachable", "split model"])
def test_a_failed_model_move_changes_nothing(bob, alice, case):
    class Unreachable(sy.Transport):
        def request(self, payload):
            raise errors.WorkerUnreachableError("secure_worker did not answer")

    secure_worker = sy.VirtualWorker(id="secure_worker")
    model = nn.Linear(2, 1).send(bob)
    if case == "unreachable":
        secure_worker.transport = Unreachable()
        expected = errors.WorkerUnreachableError
    else:
        model.bias.move(alice)
        expected = errors.WorkerMismatchError
    before = [{k: v.clone() for k, v in w._objects.items()} for w in (bob, alice)]
    where = [(p.location, p.id_at_location) for p in model.parameters()]
    with pytest.raises(expected):
        model.move(secure_worker)
    assert [(p.location, p.id_at_location) for p in model.parameters()] == where and secure_worker._objects == {}
    after = [{k: v.clone() for k, v in w._objects.items()} for w in (bob, alice)]
    assert all(b.keys() == a.keys() and all(torch.equal(b[k], a[k]) for k in b) for b, a in zip(before, after))


def test_averaging_on_pointers_matches_torch(bob, alice, james):
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    want = (a.weight.data + b.weight.data) / 2
    a.send(bob), b.send(alice)
    a.move(james), b.move(james)
    got = ((a.weight.data + b.weight.data) / 2).get()
    assert torch.allclose(got, want) and not got.requires_grad
