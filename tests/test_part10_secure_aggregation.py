"""The Part 10 calls of ../shared/API.md (federated learning with secure aggregation), run as written.

Each worker encodes and shares its own parameters: the data scientist gets
shared tensors and sees only the sum of the parameters, never one of them.
"""

import gc
import re

import msgpack
import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy
from pyprivate import errors
from pyprivate.exercises.common import Recorder
from pyprivate.workers import serde
from pyprivate.workers.messages import FixedPrecisionData, PointerData, SendObject, SharedData


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(13, 32)
        self.fc2 = nn.Linear(32, 24)
        self.fc3 = nn.Linear(24, 1)

    def forward(self, x):
        x = x.view(-1, 13)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def update(data, target, model, optimizer):
    model.send(data.location)
    optimizer.zero_grad()
    pred = model(data)
    loss = F.mse_loss(pred.view(-1), target)
    loss.backward()
    optimizer.step()
    return model


def remote_values(params):
    """The values of remote parameters, read straight from the workers' stores (what only the test can see)."""
    return [p.location._objects[p.id_at_location].clone() for p in params]


@pytest.fixture
def housing():
    """Boston-housing-shaped batches (13 features), two per worker."""
    generator = torch.Generator().manual_seed(10)
    return [(torch.randn(8, 13, generator=generator), torch.randn(8, generator=generator)) for _ in range(4)]


def test_part10_as_written_shares_where_the_parameters_are_and_reveals_only_the_average(trio, housing):
    bob, alice, james = trio
    compute_nodes = [bob, alice]
    remote_dataset = (list(), list())
    for batch_idx, (data, target) in enumerate(housing):
        data = data.send(compute_nodes[batch_idx % len(compute_nodes)])
        target = target.send(compute_nodes[batch_idx % len(compute_nodes)])
        remote_dataset[batch_idx % len(compute_nodes)].append((data, target))
    torch.manual_seed(1)
    bobs_model, alices_model = Net(), Net()
    bobs_optimizer = optim.SGD(bobs_model.parameters(), lr=0.001)
    alices_optimizer = optim.SGD(alices_model.parameters(), lr=0.001)
    models = [bobs_model, alices_model]
    params = [list(bobs_model.parameters()), list(alices_model.parameters())]
    optimizers = [bobs_optimizer, alices_optimizer]
    for remote_index in range(len(compute_nodes)):
        data, target = remote_dataset[remote_index][0]
        models[remote_index] = update(data, target, models[remote_index], optimizers[remote_index])
    plain = [remote_values(bobs_model.parameters()), remote_values(alices_model.parameters())]
    recorders = [Recorder(w) for w in (bob, alice, james)]

    # parameters of models trained at bob and alice, encrypted where they are and added as shares:
    bobs_params = [p.copy().fix_precision().share(bob, alice, crypto_provider=james).get()
                   for p in bobs_model.parameters()]
    alices_params = [p.fix_precision().share(bob, alice, crypto_provider=james).get()
                     for p in alices_model.parameters()]            # v0.2.9 writes it without .copy()
    for shared in bobs_params + alices_params:
        assert isinstance(shared, sy.FixedPrecisionTensor) and shared.is_shared
        assert [s.location for s in shared.child.shares] == [bob, alice] and shared.child.crypto_provider is james
    new_params = [(b + a).get().float_precision() / 2 for b, a in zip(bobs_params, alices_params)]
    for new, b, a in zip(new_params, *plain):
        assert new.shape == b.shape and torch.allclose(new, (b + a) / 2, atol=1e-3)

    # no message to or from the data scientist carried a parameter, in float or encoded
    seen = [t for rec in recorders for t in rec.tensors]
    assert seen  # the shares of each sum, when it was revealed
    for value in [v for model in plain for v in model]:
        for encoded in (value, value.fix_precision().child):
            assert not any(t.shape == encoded.shape and torch.allclose(t.double(), encoded.double(), atol=1e-2)
                           for t in seen)

    with torch.no_grad():
        for model in params:
            for model_param in model:
                model_param *= 0                                   # also on remote parameters
        assert all(torch.equal(v, torch.zeros_like(v)) for v in remote_values(params[0]) + remote_values(params[1]))
        for model in models:
            model.get()
        for remote_index in range(len(compute_nodes)):
            for param, new in zip(params[remote_index], new_params):
                param.set_(new)
    for model in models:
        for param, new in zip(model.parameters(), new_params):
            assert torch.equal(param, new) and isinstance(param, nn.Parameter)


def test_the_secure_aggregation_loop_keeps_the_stores_bounded(trio, housing):
    bob, alice, james = trio
    compute_nodes = [bob, alice]
    remote_dataset = ([], [])
    for batch_idx, (data, target) in enumerate(housing * 2):
        worker = compute_nodes[batch_idx % 2]
        remote_dataset[batch_idx % 2].append((data.send(worker), target.send(worker)))
    models = [Net(), Net()]
    params = [list(m.parameters()) for m in models]
    optimizers = [optim.SGD(m.parameters(), lr=0.001) for m in models]
    sizes = []
    for data_index in range(len(remote_dataset[0])):
        for remote_index in range(len(compute_nodes)):
            data, target = remote_dataset[remote_index][data_index]
            models[remote_index] = update(data, target, models[remote_index], optimizers[remote_index])
        new_params = list()
        for param_i in range(len(params[0])):
            spdz_params = [params[i][param_i].copy().fix_precision().share(bob, alice, crypto_provider=james).get()
                           for i in range(len(compute_nodes))]
            new_params.append((spdz_params[0] + spdz_params[1]).get().float_precision() / 2)
        with torch.no_grad():
            for model in params:
                for param in model:
                    param *= 0
            for model in models:
                model.get()
            for remote_index in range(len(compute_nodes)):
                for param_index in range(len(params[remote_index])):
                    params[remote_index][param_index].set_(new_params[param_index])
        del spdz_params
        gc.collect()
        torch.ones(1).send(bob), torch.ones(1).send(alice)  # carries the shares' lazy deletions
        sizes.append((len(bob._objects), len(alice._objects), len(james._objects)))
    assert sizes == [(8, 8, 0)] * len(sizes)  # the data only
    for a, b in zip(*params):
        assert torch.equal(a, b)


def test_each_step_of_a_remote_share_and_what_each_worker_holds(trio):
    bob, alice, james = trio
    p = torch.tensor([1.2345, -2.0, 0.5]).send(bob)
    fixed = p.copy().fix_precision()
    assert re.fullmatch(r"\(Wrapper\)>\[PointerTensor \| me:\d+ -> bob:\d+\]", repr(fixed)) and fixed.dtype == torch.float32
    held = bob._objects[fixed.id_at_location]
    local = torch.tensor([1.2345, -2.0, 0.5]).fix_precision()
    assert isinstance(held, sy.FixedPrecisionTensor) and torch.equal(held.child, local.child)
    encrypted = fixed.share(bob, alice, crypto_provider=james)
    assert encrypted.location is bob and encrypted.shape == (3,)
    wrapper = bob._objects[encrypted.id_at_location]
    assert isinstance(wrapper, sy.FixedPrecisionTensor) and wrapper.is_shared
    bobs_share, alices_share = wrapper.child.shares
    assert bobs_share.location is bob and alices_share.location is alice and bobs_share.owner is bob
    assert alice.message_log[-1].kind == "send" and alice.message_log[-1].sender == "bob"  # straight from bob
    assert james._objects == {}
    param = encrypted.get()  # the shared tensor comes here; its shares stay at bob and alice
    assert encrypted.id_at_location not in bob._objects
    assert [s.location for s in param.child.shares] == [bob, alice] and param.child.shares[0].owner is sy.local_worker
    assert torch.allclose((param * 2).get().float_precision(), local.float_precision() * 2)
    del fixed, param, wrapper, bobs_share, alices_share
    gc.collect()
    torch.ones(1).send(alice), torch.ones(1).send(bob)  # carry the lazy deletions of the shares
    assert list(bob._objects) == [p.id_at_location] and alice._objects == {}


def test_remote_fixed_precision_computes_at_the_worker_and_comes_back_encoded(bob):
    x = torch.tensor([0.5, -1.25, 3.0])
    fixed = x.send(bob).fix_precision(precision_fractional=2)
    doubled = fixed + fixed
    assert isinstance(bob._objects[doubled.id_at_location], sy.FixedPrecisionTensor)
    back = doubled.get()
    assert isinstance(back, sy.FixedPrecisionTensor) and back.precision_fractional == 2
    assert torch.equal(back.float_precision(), (x + x).fix_precision(precision_fractional=2).float_precision())


def test_an_integer_tensor_is_shared_where_it_is(trio):
    bob, alice, james = trio
    shared = torch.tensor([5, -3, 7]).send(alice).share(bob, alice, crypto_provider=james).get()
    assert isinstance(shared, sy.AdditiveSharingTensor)
    assert torch.equal((shared + shared).get(), torch.tensor([10, -6, 14]))


def test_computing_on_a_shared_tensor_held_at_a_worker_is_refused_and_changes_nothing(trio):
    bob, alice, james = trio
    encrypted = torch.ones(2).send(bob).fix_precision().share(bob, alice, crypto_provider=james)
    before = (dict(bob._objects), dict(alice._objects))
    with pytest.raises(errors.UnsupportedOperationError, match=r"cannot be computed on there: \.get\(\) its pointer"):
        encrypted + encrypted
    assert (dict(bob._objects), dict(alice._objects)) == before
    assert torch.equal(encrypted.get().get().float_precision(), torch.ones(2))


def test_a_share_that_cannot_be_delivered_changes_no_store(trio):
    bob, alice, james = trio

    class Unreachable(sy.Transport):
        def request(self, payload):
            raise errors.WorkerUnreachableError("alice did not answer")

    fixed = torch.tensor([1.0, 2.0]).send(bob).fix_precision()
    before = dict(bob._objects)
    alice.transport = Unreachable()
    with pytest.raises(errors.WorkerUnreachableError):
        fixed.share(bob, alice, crypto_provider=james)
    assert dict(bob._objects) == before and alice._objects == {} and james._objects == {}


@pytest.mark.parametrize("call, expected", [
    (lambda p, bob, alice, james: p.share(bob, james, crypto_provider=james), "crypto provider must not also hold"),
    (lambda p, bob, alice, james: p.share(bob), "at least two workers"),
    (lambda p, bob, alice, james: p.share(bob, sy.local_worker), "'me' cannot hold a share"),
    (lambda p, bob, alice, james: p.share(bob, alice, crypto_provider=james, requires_grad=True), "requires_grad"),
    (lambda p, bob, alice, james: p.fix_precision(), "already in fixed precision"),
    (lambda p, bob, alice, james: p.float_precision(), r"x\.get\(\)\.float_precision\(\)"),
])
def test_wrong_remote_encodings_say_what_is_wrong_and_change_nothing(trio, call, expected):
    bob, alice, james = trio
    p = torch.ones(2).send(bob).fix_precision()
    before = [dict(w._objects) for w in (bob, alice, james)]
    with pytest.raises(errors.PyPrivateError, match=expected):
        call(p, bob, alice, james)
    assert [dict(w._objects) for w in (bob, alice, james)] == before


def test_fixed_precision_and_shared_tensors_travel_as_data():
    shared = SharedData((PointerData("bob", 1, (2,), torch.int64), PointerData("alice", 2, (2,), torch.int64)), "james")
    for record in (FixedPrecisionData(10, 3, torch.float32, shared),
                   FixedPrecisionData(2, 16, torch.float64, torch.tensor([1, -2]))):
        decoded, _ = serde.decode(serde.encode(SendObject(1, [torch.arange(3), record, torch.ones(2)]), "me"))
        first, got, last = decoded.obj
        assert torch.equal(first, torch.arange(3)) and torch.equal(last, torch.ones(2))  # tensors stay in order
        assert (got.base, got.precision, got.dtype) == (record.base, record.precision, record.dtype)
        assert got.child == shared if isinstance(record.child, SharedData) else torch.equal(got.child, record.child)


@pytest.mark.parametrize("ext, fields", [
    (10, [[], None]),  # no shares
    (10, [[1, 2], "james"]),  # shares that are not pointers
    (11, [10, 3, "float32", None]),  # no child
    (11, [10, 3, "x", None]),
])
def test_malformed_shared_or_fixed_precision_records_are_refused(bob, ext, fields):
    body = {"obj_id": 1, "obj": msgpack.ExtType(ext, msgpack.packb(fields))}
    reply, _ = serde.decode(bob.recv_msg(msgpack.packb({"kind": "send", "sender": "eve", "body": body})))
    assert reply.error == "MessageDecodeError" and bob._objects == {}


def test_records_nested_too_deeply_are_refused(bob):
    inner = msgpack.ExtType(11, msgpack.packb([10, 3, "float32", None]))
    for _ in range(5):
        inner = msgpack.ExtType(11, msgpack.packb([10, 3, "float32", inner]))
    body = {"obj_id": 1, "obj": inner}
    reply, _ = serde.decode(bob.recv_msg(msgpack.packb({"kind": "send", "sender": "eve", "body": body})))
    assert reply.error == "MessageDecodeError" and bob._objects == {}


def test_dropping_a_pointer_to_a_shared_tensor_deletes_the_wrapper_and_its_shares(trio):
    bob, alice, james = trio
    p = torch.randn(4).send(bob)
    fixed = p.fix_precision()
    encrypted = fixed.share(bob, alice, crypto_provider=james)
    assert len(bob._objects) == 4 and len(alice._objects) == 1  # p, its encoding, the wrapper, bob's share
    del fixed, encrypted
    assert list(bob._objects) == [p.id_at_location] and alice._objects == {}
    assert bob.message_log[-1].kind == "delete" and {r.sender for r in list(bob.message_log)[-2:]} == {"me", "bob"}
    assert alice.message_log[-1].kind == "delete" and alice.message_log[-1].sender == "bob"


def test_set_on_a_remote_parameter(bob):
    model = nn.Linear(2, 1).send(bob)
    new = torch.tensor([[0.5, -0.5]])
    with torch.no_grad():
        model.weight.set_(new.send(bob))  # a value at the same worker
        with pytest.raises(errors.LocalRemoteMixError, match=r"send it there first"):
            model.bias.set_(torch.tensor([1.0]))  # a local value is not sent behind your back
    model.get()
    assert torch.equal(model.weight, new) and isinstance(model.weight, nn.Parameter)
