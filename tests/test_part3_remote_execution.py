"""The Part 3 calls of ../shared/API.md (pointers to pointers, move), run as written, and what they guarantee."""

import gc
import re

import msgpack
import pytest
import torch

import pyprivate as sy
from pyprivate import errors
from pyprivate.workers import serde
from pyprivate.workers.messages import EncodeObject, MoveObjects, PointerData, SendObject, ShareObject

POINTER_AT_ALICE = r"\(Wrapper\)>\[PointerTensor \| alice:(\d+) -> bob:(\d+)\]"


def snapshot(*workers):
    """Each store as {id: repr}: values of tensors, and where a held pointer points."""
    return [{k: repr(v) for k, v in w._objects.items()} for w in workers]


class Unreachable(sy.Transport):
    """A worker whose process died: every message to it fails."""

    def request(self, payload):
        raise errors.WorkerUnreachableError("worker did not answer (stopped or unreachable)")


def test_part3_as_written(hook_):
    hook = hook_
    bob = sy.VirtualWorker(hook, id="bob"); alice = sy.VirtualWorker(hook, id="alice")  # noqa: E702
    x_ptr = torch.tensor([1, 2, 3, 4]).send(bob)
    pointer_to_x_ptr = x_ptr.send(alice)
    # alice now holds x_ptr (a pointer to bob); bob still holds the data
    assert re.fullmatch(r"\(Wrapper\)>\[PointerTensor \| me:\d+ -> alice:\d+\]", repr(pointer_to_x_ptr))
    (held,) = alice._objects.values()
    assert re.fullmatch(r"\{\d+: " + POINTER_AT_ALICE + r"\}", repr(alice._objects))
    own_id, id_at_bob = re.fullmatch(r"\{\d+: " + POINTER_AT_ALICE + r"\}", repr(alice._objects)).groups()
    assert int(own_id) == pointer_to_x_ptr.id_at_location == held.id and held.owner is alice
    assert int(id_at_bob) == x_ptr.id_at_location and held.location is bob
    assert list(bob._objects) == [x_ptr.id_at_location] and torch.equal(bob._objects[x_ptr.id_at_location],
                                                                          torch.tensor([1, 2, 3, 4]))
    x_ptr = pointer_to_x_ptr.get()
    assert alice._objects == {} and x_ptr.location is bob and x_ptr.owner is sy.local_worker
    x = x_ptr.get()
    assert torch.equal(x, torch.tensor([1, 2, 3, 4])) and bob._objects == {}

    p2p2x = torch.tensor([1, 2, 3, 4, 5]).send(bob).send(alice)
    y = p2p2x + p2p2x
    assert len(bob._objects) == 2 and len(alice._objects) == 2  # alice holds a pointer to the result at bob
    result_at_alice = alice._objects[y.id_at_location]
    assert isinstance(result_at_alice, sy.PointerTensor) and result_at_alice.location is bob
    assert bob.message_log[-1].kind == "command" and bob.message_log[-1].sender == "alice"
    assert alice.message_log[-1].kind == "command" and alice.message_log[-1].sender == "me"
    assert torch.equal(y.get().get(), torch.tensor([2, 4, 6, 8, 10]))
    assert len(bob._objects) == 1 and len(alice._objects) == 1
    assert torch.equal(p2p2x.get().get(), torch.tensor([1, 2, 3, 4, 5]))
    assert bob._objects == {} and alice._objects == {}

    x = torch.tensor([1, 2, 3, 4, 5]).send(bob)
    assert x.move(alice) is x  # the data goes from bob to alice directly; bob holds nothing
    assert bob._objects == {} and x.location is alice
    assert torch.equal(alice._objects[x.id_at_location], torch.tensor([1, 2, 3, 4, 5]))
    x = x.move(bob)  # the tutorial's own spelling
    assert alice._objects == {} and torch.equal(x.get(), torch.tensor([1, 2, 3, 4, 5]))


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: torch.add(a, b, alpha=2), lambda a, b: a * b - 1, lambda a, b: a @ b.t(),
    lambda a, b: (a ** 2).sum(dim=1), lambda a, b: torch.relu(a - b).mean(), lambda a, b: a[1:].view(-1),
])
def test_operations_through_a_pointer_to_a_pointer_match_torch(bob, alice, op):
    torch.manual_seed(0)
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    pa, pb = a.send(bob).send(alice), b.send(bob).send(alice)
    assert torch.allclose(op(pa, pb).get().get(), op(a, b))


def test_in_place_operations_and_gradients_through_a_pointer_to_a_pointer(bob, alice):
    w = torch.tensor([1.0, -2.0, 3.0])
    pw = w.clone().send(bob).send(alice)
    with torch.no_grad():
        pw *= 2
        pw.add_(1)
    assert torch.equal(pw.get().get(), w * 2 + 1)

    leaf = torch.tensor([1.0, 2.0, 3.0], requires_grad=True).send(bob).send(alice)
    (leaf * leaf).sum().backward()
    fetched = leaf.get()
    assert isinstance(fetched, sy.PointerTensor) and fetched.requires_grad and fetched.grad.location is bob
    value = fetched.get()  # as in part 1, the gradient comes back with the tensor
    assert torch.equal(value, torch.tensor([1.0, 2.0, 3.0])) and torch.equal(value.grad, torch.tensor([2.0, 4.0, 6.0]))


def test_a_longer_chain_and_moving_a_pointer(bob, alice, james):
    chain = torch.arange(4.0).send(bob).send(alice).send(james)
    assert torch.equal((chain * 3).get().get().get(), torch.arange(4.0) * 3)
    chain.move(bob)  # james's pointer to alice's pointer moves to bob
    assert james._objects == {} and chain.location is bob
    assert torch.equal(chain.get().get().get(), torch.arange(4.0))
    assert bob._objects == {} and alice._objects == {} and james._objects == {}


def test_move_sends_the_data_from_worker_to_worker_never_through_the_client(bob, alice):
    values = torch.randn(1000)
    x = values.send(bob)
    bob.message_log.clear(), alice.message_log.clear()
    x.move(alice)
    (move,) = bob.message_log
    (arrival,) = alice.message_log
    assert (move.kind, move.sender, move.op) == ("move", "me", "to alice")
    assert (arrival.kind, arrival.sender) == ("send_many", "bob")
    assert arrival.nbytes > values.nbytes  # the data travelled bob -> alice ...
    assert move.nbytes < 200 and move.reply_nbytes < 200  # ... and only a command and an id passed the client
    assert torch.equal(x.get(), values)


def test_copy_of_a_pointer_is_made_at_its_worker(bob):
    x = torch.tensor([1.0, 2.0]).send(bob)
    twin = x.copy()
    assert twin.location is bob and twin.id_at_location != x.id_at_location
    assert bob.message_log[-1].kind == "command" and bob.message_log[-1].op == "clone.default"
    twin += 1
    assert torch.equal(twin.get(), torch.tensor([2.0, 3.0])) and torch.equal(x.get(), torch.tensor([1.0, 2.0]))
    assert torch.equal(torch.tensor([1, 2]).copy(), torch.tensor([1, 2]))


def test_dropping_the_outer_pointer_deletes_the_chain_link_by_link(bob, alice):
    p2p = torch.ones(3).send(bob).send(alice)
    assert len(bob._objects) == 1 and len(alice._objects) == 1
    del p2p
    assert alice._objects == {} and bob._objects == {}
    assert bob.message_log[-1].kind == "delete" and bob.message_log[-1].sender == "alice"


def test_stores_stay_bounded_when_computing_through_pointers_to_pointers(bob, alice):
    w = torch.zeros(3).send(bob).send(alice)
    data, target = torch.randn(8, 3).send(bob).send(alice), torch.randn(8).send(bob).send(alice)
    sizes = []
    for _ in range(30):
        grad = 2 * data.t() @ (data @ w - target) / 8
        with torch.no_grad():
            w -= 0.1 * grad
        sizes.append((len(bob._objects), len(alice._objects)))
    gc.collect()
    assert sizes[-1] == sizes[5] and max(sizes) <= (4, 4)
    del grad
    assert len(bob._objects) == len(alice._objects) == 3


def test_a_pointer_that_was_sent_on_no_longer_owns_the_data(bob, alice):
    x_ptr = torch.tensor([1, 2]).send(bob)
    p2p = x_ptr.send(alice)
    del x_ptr  # alice's pointer owns bob's tensor now
    assert len(bob._objects) == 1
    assert torch.equal(p2p.get().get(), torch.tensor([1, 2]))


@pytest.mark.parametrize("case", ["not a worker", "destination unreachable", "bob cannot find it"])
def test_a_failed_move_changes_no_store_and_the_pointer_still_works(bob, alice, monkeypatch, case):
    carol = sy.VirtualWorker(id="carol")
    x = torch.tensor([1.0, 2.0]).send(bob)
    p2p = torch.tensor([3.0]).send(bob).send(alice)
    before, where = snapshot(bob, alice, carol), (x.location, x.id_at_location)
    if case == "not a worker":
        expected, target = (errors.NotAWorkerError, "needs a worker"), "carol"
    elif case == "destination unreachable":
        carol.transport = Unreachable()
        expected, target = (errors.WorkerUnreachableError, "did not answer"), carol
    else:
        from pyprivate.workers import directory
        find = directory.find
        monkeypatch.setattr(directory, "find", lambda wid: find("nobody") if wid == "carol" else find(wid))
        monkeypatch.setattr("pyprivate.tensors.remote_objects.check_reachable", lambda worker: None)
        expected, target = (errors.NotAWorkerError, "(bob|alice) cannot reach a worker called 'carol'"), carol
    for ptr in (x, p2p):
        with pytest.raises(expected[0], match=expected[1]):
            ptr.move(target)
    assert snapshot(bob, alice, carol) == before and (x.location, x.id_at_location) == where
    monkeypatch.undo()
    assert torch.equal(x.get(), torch.tensor([1.0, 2.0])) and torch.equal(p2p.get().get(), torch.tensor([3.0]))


def test_sending_a_pointer_to_an_unreachable_worker_changes_nothing(bob, alice):
    x = torch.tensor([1.0, 2.0]).send(bob)
    alice.transport = Unreachable()
    before = snapshot(bob)
    with pytest.raises(errors.WorkerUnreachableError):
        x.send(alice)
    assert snapshot(bob) == before and alice._objects == {}
    assert torch.equal(x.get(), torch.tensor([1.0, 2.0]))  # x still owns the data


def test_a_pointer_to_a_worker_that_another_cannot_find_is_refused_and_nothing_is_stored(bob, alice, monkeypatch):
    x = torch.tensor([1.0]).send(bob)
    from pyprivate.workers import directory
    find = directory.find
    monkeypatch.setattr("pyprivate.tensors.remote_objects.check_reachable", lambda worker: None)
    monkeypatch.setattr(directory, "find", lambda wid: find("nobody") if wid == "bob" else find(wid))
    with pytest.raises(errors.NotAWorkerError, match="alice cannot reach a worker called 'bob'"):
        x.send(alice)
    monkeypatch.undo()
    assert alice._objects == {} and torch.equal(x.get(), torch.tensor([1.0]))


def test_what_still_makes_no_sense_says_so(trio):
    bob, alice, james = trio
    x = torch.tensor([1.0]).send(bob)
    with pytest.raises(errors.AlreadyRemoteError, match="already points to bob"):
        x.send(bob)
    with pytest.raises(errors.NotRemoteError, match=r"use \.get\(\)"):
        x.move(sy.local_worker)
    with pytest.raises(errors.NotRemoteError, match=r"\.send\(worker\) sends it"):
        torch.ones(1).move(bob)
    with pytest.raises(errors.UnsupportedOperationError, match="send the float tensor before encoding it"):
        torch.ones(1).fix_precision().send(bob)
    with pytest.raises(errors.AlreadyRemoteError, match="already lives on its workers"):
        torch.ones(1).fix_precision().share(bob, alice, crypto_provider=james).send(bob)
    assert x.move(bob) is x and torch.equal(x.get(), torch.tensor([1.0]))


def test_a_pointer_travels_as_data_and_is_resolved_by_the_receiver(bob, alice):
    record = PointerData("bob", 12345678901, (2, 3), torch.float32)
    decoded, _ = serde.decode(serde.encode(SendObject(1, record), "me"))
    assert decoded.obj == record  # plain data: nothing was looked up or built while decoding
    alice.recv_msg(serde.encode(SendObject(7, record), "me"))
    held = alice._objects[7]
    assert isinstance(held, sy.PointerTensor) and held.location is bob and held.owner is alice
    assert held.id_at_location == 12345678901 and held.shape == (2, 3) and held.dtype == torch.float32


@pytest.mark.parametrize("data", [
    msgpack.packb(["bob", "not an id", b"\x08\x01\x02\x00\x00\x00\x00\x00\x00\x00"]),
    msgpack.packb([["bob"], 1, b"\x08\x00"]),
    msgpack.packb(["bob", 1, b"\x63\x00"]),  # an unknown dtype code
    b"\xc1garbage",
])
def test_a_malformed_pointer_is_refused(bob, data):
    payload = msgpack.packb({"kind": "send", "sender": "eve", "body": {"obj_id": 1, "obj": msgpack.ExtType(9, data)}})
    reply, _ = serde.decode(bob.recv_msg(payload))
    assert reply.error == "MessageDecodeError" and bob._objects == {}


def test_a_pointer_to_a_worker_nobody_knows_is_refused(bob):
    payload = serde.encode(SendObject(1, PointerData("mallory", 1, (1,), torch.int64)), "eve")
    reply, _ = serde.decode(bob.recv_msg(payload))
    assert reply.error == "NotAWorkerError" and "bob cannot reach a worker called 'mallory'" in reply.message
    assert bob._objects == {}


@pytest.mark.parametrize("body", [
    lambda i: {"obj_ids": [i, i], "destination": "alice"},  # the same object twice would have two owners
    lambda i: {"obj_ids": [i], "destination": ["alice"]},
    lambda i: {"obj_ids": ["x"], "destination": "alice"},
    lambda i: {"obj_ids": [i], "destination": "bob"},  # to itself
])
def test_a_malformed_move_is_refused_and_changes_nothing(bob, alice, body):
    x = torch.tensor([1.0, 2.0]).send(bob)
    payload = msgpack.packb({"kind": "move", "sender": "eve", "body": body(x.id_at_location)})
    reply, _ = serde.decode(bob.recv_msg(payload))
    assert reply.error in ("MessageDecodeError", "PyPrivateError") and alice._objects == {}
    assert torch.equal(x.get(), torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("message", [
    MoveObjects([1, 2], "alice"), EncodeObject(3, base=2, precision=16), ShareObject(4, ["bob", "alice"], "james"),
    ShareObject(4, ["bob", "alice"]),
])
def test_the_new_messages_round_trip(message):
    decoded, sender = serde.decode(serde.encode(message, "me"))
    assert decoded == message and sender == "me"
