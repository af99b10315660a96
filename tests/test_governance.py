"""Private data at a worker (opt-in): nothing private, or computed from it, leaves without the owner's approval."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

from pyprivate.errors import PrivateDataError
from pyprivate.workers import serde
from pyprivate.workers.messages import (GetObject, MoveObjects, PointerData, Ref, RunCommand, RunStep, SendObject,
                                       SendObjects, ShareObject)


def snapshot(worker):
    return {obj_id: obj.clone() if isinstance(obj, torch.Tensor) else obj for obj_id, obj in worker._objects.items()}


def same_store(worker, before):
    now = worker._objects
    return set(now) == set(before) and all(
        torch.equal(now[i], before[i]) if isinstance(before[i], torch.Tensor) else now[i] is before[i] for i in before)


def test_private_data_and_everything_computed_from_it_stay(bob):
    x = torch.tensor([1.0, 2.0, 3.0]).send(bob, private=True)
    derived = [x * 2, (x * 2).sum(), x.copy(), x.fix_precision(), x[1:]]
    for ptr in [x, *derived]:
        with pytest.raises(PrivateDataError, match=r"at bob is private data, or computed from it: ask for it with "
                                                   r"ptr.request"):
            ptr.get()
        assert ptr.id_at_location in bob._objects  # still there
    public = torch.tensor([5.0]).send(bob)
    assert (public * 2).get().tolist() == [10.0]  # nothing changes for data that is not private


def test_a_refused_get_changes_no_store(bob):
    x = torch.tensor([1.0, 2.0]).send(bob, private=True)
    before = snapshot(bob)
    with pytest.raises(PrivateDataError):
        x.get()
    assert same_store(bob, before) and x.id_at_location in bob._objects


def test_a_model_trained_on_private_data_is_private_and_released_by_policy(bob):
    torch.manual_seed(0)
    data = torch.randn(8, 3).send(bob, private=True)
    target = torch.randn(8, 1).send(bob, private=True)
    model = nn.Linear(3, 1).send(bob)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    F.mse_loss(model(data), target).backward()
    optimizer.step()  # an in-place update with a private gradient makes the weights private
    with pytest.raises(PrivateDataError):
        model.copy().get()
    bob.policy = lambda request: request.reason.startswith("model") or None
    statuses = [p.request("model parameters after training")["status"] for p in model.parameters()]
    assert statuses == ["approved", "approved"]
    assert data.request("the raw data, please")["status"] == "pending"  # the policy leaves it to the owner
    ids = [p.id_at_location for p in model.parameters()]
    weights = model.get()
    assert weights.weight.shape == (1, 3)
    with pytest.raises(PrivateDataError, match="your request is still pending"):
        data.get()
    assert [r.obj_id for r in bob.governance.released] == ids  # the log of what left the worker


def test_approval_releases_exactly_the_approved_object_and_denial_nothing(bob):
    x = torch.tensor([1.0, 2.0, 3.0]).send(bob, private=True)
    total, mean = x.sum(), x.mean()
    assert total.request("the total") == {"request": bob.requests[0].id, "status": "pending"}
    assert mean.request("the mean")["status"] == "pending"
    first, second = bob.requests
    assert "computed by sum" in repr(first) and "reason: 'the total'" in repr(first) and "shape []" in repr(first)
    first.approve()
    second.deny()
    with pytest.raises(PrivateDataError):
        total.copy().get()  # a copy is a new object: it needs its own request
    assert total.get().item() == 6.0
    with pytest.raises(PrivateDataError):
        mean.get()
    with pytest.raises(PrivateDataError, match="already denied"):
        second.approve()
    assert bob.requests == []


def test_requests_need_a_reason_and_a_private_object(bob):
    x = torch.tensor([1.0]).send(bob, private=True)
    with pytest.raises(PrivateDataError, match="say why you need the data"):
        x.request("  ")
    with pytest.raises(PrivateDataError, match="is not private"):
        torch.tensor([1.0]).send(bob).request("why not")
    bob.policy = lambda request: 1 / 0  # a broken policy decides nothing
    assert x.request("the value")["status"] == "pending"
    with pytest.raises(TypeError, match="a policy is a function"):
        bob.policy = "approve everything"


def test_crafted_messages_cannot_read_private_data(bob, alice):
    """Raw bytes, as a client in another process would send them: every path to the values is refused."""
    x = torch.tensor([1.0, 2.0, 3.0]).send(bob, private=True)
    before = snapshot(bob)
    attempts = [
        GetObject(x.id_at_location, remove=False),
        GetObject(x.id_at_location, remove=True),
        RunCommand("_local_scalar_dense.default", [Ref(x.id_at_location)]),  # a number in the reply
        RunCommand("equal.default", [Ref(x.id_at_location), Ref(x.id_at_location)]),
        RunStep("beaver.mask_one", 0, 2, [Ref(x.id_at_location), Ref(x.id_at_location)], {}, True),
        ShareObject(x.id_at_location, ["bob", "alice"], None),
        MoveObjects([x.id_at_location], "alice"),
    ]
    for message in attempts:
        reply, _ = serde.decode(bob.recv_msg(serde.encode(message, "attacker")))
        assert reply.KIND == "error" and reply.error == "PrivateDataError", (message, reply)
    assert same_store(bob, before) and alice._objects == {}


def test_moving_private_data_needs_the_owners_approval_and_it_stays_private_there(bob, alice):
    x = torch.tensor([1.0, 2.0, 3.0]).send(bob, private=True)
    doubled = x * 2
    bob_before, alice_before = snapshot(bob), snapshot(alice)
    with pytest.raises(PrivateDataError, match=r"to move it to alice, ask with ptr.request"):
        doubled.move(alice)
    assert same_store(bob, bob_before) and same_store(alice, alice_before) and doubled.location is bob
    doubled.request("move it to alice, who averages")
    bob.requests[0].approve()
    old_id = doubled.id_at_location
    doubled.move(alice)
    assert doubled.location is alice and old_id not in bob._objects
    assert [(r.obj_id, r.requester) for r in bob.governance.released] == [(old_id, "alice (moved for me)")]
    with pytest.raises(PrivateDataError, match="at alice is private data"):
        doubled.get()  # the destination keeps it private: alice's owner decides now
    with pytest.raises(PrivateDataError, match="at alice is private data"):
        (doubled + 1).get()
    doubled.request("the doubled values")
    (request,) = alice.requests
    assert "moved from bob" in repr(request)
    request.approve()
    assert doubled.get().tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(PrivateDataError, match="at bob is private data"):
        x.move(alice)  # the approval was for one object only


def test_a_move_that_the_destination_refuses_changes_nothing(bob, alice):
    x = torch.tensor([1.0, 2.0]).send(bob, private=True)
    x.request("move it")
    bob.requests[0].approve()
    before = snapshot(bob)
    bad = bob.recv_msg(serde.encode(MoveObjects([x.id_at_location], "nobody"), "me"))
    assert serde.decode(bad)[0].KIND == "error"
    assert same_store(bob, before) and bob.governance.released == [] and x.id_at_location in bob.governance.private


def test_send_many_private_flags_are_checked_before_anything_is_stored(alice):
    for flags in (["yes"], [True, False], "all"):
        reply, _ = serde.decode(alice.recv_msg(serde.encode(SendObjects([7], [torch.ones(2)], flags), "bob")))
        assert reply.KIND == "error" and reply.error == "MessageDecodeError", flags
    assert alice._objects == {}


def test_secret_sharing_private_data_needs_the_owners_approval(bob, alice, james):
    x = torch.tensor([1.5, -2.0, 3.25]).send(bob, private=True)
    encoded = x.fix_precision()  # private too: computed from x
    before = {w.id: set(w._objects) for w in (bob, alice, james)}
    with pytest.raises(PrivateDataError, match=r"to share it among bob, alice, ask with ptr.request"):
        encoded.share(bob, alice, crypto_provider=james)
    assert all(set(w._objects) == before[w.id] for w in (bob, alice, james))  # no share was placed
    encoded.request("share it with alice for an encrypted average")
    bob.requests[0].approve()
    shared = encoded.share(bob, alice, crypto_provider=james).get()  # a shared tensor: pointers to the shares
    assert [r.requester for r in bob.governance.released] == ["shares at bob, alice (for me)"]
    assert encoded.id_at_location in bob.governance.private  # the encoded original stays private at bob
    with pytest.raises(PrivateDataError):
        x.get()  # the approval was for the encoded object only
    total = (shared * 2).sum()  # the protocols run on the shares ...
    assert abs(total.get().float_precision().item() - 5.5) < 1e-2  # ... and open what the data scientist asks for


def test_a_send_with_a_malformed_private_flag_adopts_nothing(bob, alice):
    """The flag is checked before a pointer record is adopted: dropping that pointer would delete its target."""
    import gc

    target = torch.tensor([7.0, 8.0]).send(alice)
    record = PointerData("alice", target.id_at_location, (2,), torch.float32)
    reply, _ = serde.decode(bob.recv_msg(serde.encode(SendObject(5, record, "yes"), "me")))
    gc.collect()
    assert reply.KIND == "error" and reply.error == "MessageDecodeError"
    assert bob._objects == {} and target.id_at_location in alice._objects
    assert target.get().tolist() == [7.0, 8.0]
