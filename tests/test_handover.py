"""In-process messages are handed over as copies: the same counts and bytes as on the wire, and no shared memory."""

import pytest
import torch
from torch import nn, optim

import pyprivate as sy
from pyprivate.crypto.parties import party_step
from pyprivate.tensors.worker_parties import WorkerParties
from pyprivate.workers import handover, serde
from pyprivate.workers.messages import FixedPrecisionData, Reply, SendObject, SendObjects, TensorMeta


@pytest.fixture
def checked_sizes(monkeypatch):
    """Every handed-over message also encoded to bytes: the logged size must be the length of those bytes."""
    handed = []

    def hand_and_encode(message, sender, release=(), moved=()):
        result = real_hand(message, sender, release, moved)
        handed.append((int(result.size), len(serde.encode(message, sender, release)), message.KIND))
        return result

    real_hand = handover.hand
    monkeypatch.setattr(handover, "hand", hand_and_encode)
    with sy.settings.use(wire_bytes=False):  # also under make test-wire
        yield handed


def storages(worker):
    """The data pointers of every tensor a worker holds, through pointers, shared and fixed precision tensors."""
    found = set()
    for obj in list(worker._objects.values()):
        while not (type(obj) is torch.Tensor or isinstance(obj, torch.nn.Parameter)):
            obj = getattr(obj, "child", None)
            if obj is None or isinstance(obj, (list, tuple)):
                break
        if torch.is_tensor(obj) and type(obj) is torch.Tensor and obj.numel():
            found.add(obj.untyped_storage().data_ptr())
    return found


def test_an_encrypted_training_step_logs_exactly_the_bytes_of_the_wire(trio, checked_sizes):
    bob, alice, james = trio
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    data = torch.randn(5, 4).fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    target = torch.randn(5, 2).fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    model = model.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    opt = optim.SGD(model.parameters(), lr=0.1).fix_precision()
    for _ in range(2):
        opt.zero_grad()
        loss = ((model(data) - target) ** 2).sum()
        loss.backward()
        opt.step()
    loss.get().float_precision()
    kinds = {kind for _, _, kind in checked_sizes}
    assert {"send", "send_many", "command", "step", "deal", "get", "reply"} <= kinds | {"reply"}
    assert len(checked_sizes) > 100
    assert all(logged == wire for logged, wire, _ in checked_sizes), [c for c in checked_sizes if c[0] != c[1]][:3]
    for worker in (bob, alice, james):
        assert all(r.nbytes > 0 and r.reply_nbytes > 0 for r in worker.message_log)


def test_remote_objects_and_moves_log_the_bytes_of_the_wire(bob, alice, james, checked_sizes):
    model = nn.Linear(3, 2).send(bob)
    model.move(alice)
    p = model.weight.copy().fix_precision().share(bob, alice, crypto_provider=james).get()
    torch.tensor([1.0, 2.0]).send(bob).send(alice).get().get()
    (p + p).get().float_precision()
    assert len(checked_sizes) > 10 and all(logged == wire for logged, wire, _ in checked_sizes)


@pytest.mark.parametrize("message", [
    SendObject(5, torch.randn(3, 4)), Reply([torch.ones(2, dtype=torch.int64), TensorMeta(3, (2,), torch.float32)]),
    Reply(None), SendObjects([1, 2], [torch.zeros(0), FixedPrecisionData(10, 3, torch.float32, torch.tensor([1, 2]))]),
    Reply({"a": (1, 2.5, "x", b"y", True), "b": torch.arange(3)[::2]}),
])
@pytest.mark.parametrize("release", [(), (1, 2**40)])
def test_the_wire_size_is_the_length_of_the_encoding(message, release):
    assert int(handover.hand(message, "bob", release).size) == len(serde.encode(message, "bob", release))


def test_the_receiver_gets_what_decoding_would_give():
    message = Reply({"a": (1, [2, (3,)]), "t": torch.arange(6).reshape(2, 3).t()})
    handed = handover.hand(message, "bob").message
    decoded, _ = serde.decode(serde.encode(message, "bob"))
    assert handed.value.keys() == decoded.value.keys() and handed.value["a"] == decoded.value["a"] == [1, [2, [3]]]
    assert torch.equal(handed.value["t"], decoded.value["t"]) and handed.value["t"].is_contiguous()


@pytest.fixture
def handed_over():
    with sy.settings.use(wire_bytes=False):
        yield


@pytest.mark.usefixtures("handed_over")
def test_what_a_worker_holds_is_its_own_memory(bob):
    x = torch.tensor([1.0, 2.0, 3.0])
    pointer = x.send(bob)
    x.add_(10)  # the sender changes its tensor after sending
    assert torch.equal(bob._objects[pointer.id_at_location], torch.tensor([1.0, 2.0, 3.0]))
    copy = pointer.copy().get()
    copy.mul_(0)  # the client changes what it fetched
    fetched = pointer.get()
    assert torch.equal(fetched, torch.tensor([1.0, 2.0, 3.0]))
    fetched.add_(1)
    assert bob._objects == {}


@pytest.mark.parametrize("wire_bytes", [False, True])
def test_no_two_parties_share_memory_after_encrypted_work(trio, wire_bytes, monkeypatch):
    bob, alice, james = trio
    monkeypatch.setattr(sy.settings, "wire_bytes", wire_bytes)
    x = torch.randn(4, 3).fix_precision().share(bob, alice, crypto_provider=james)
    w = torch.randn(3, 2).fix_precision().share(bob, alice, crypto_provider=james)
    y = (x @ w).relu()
    z = y.copy()
    parties = [bob, alice, james, sy.local_worker]
    held = [storages(worker) for worker in parties]
    for i in range(len(parties)):
        for j in range(i + 1, len(parties)):
            assert not held[i] & held[j], (parties[i].id, parties[j].id)
    opened = z.get().float_precision()  # the client's values: not the memory of any share
    assert opened.untyped_storage().data_ptr() not in set().union(*held[:3])


def test_a_dealer_hands_over_without_a_copy_only_tensors_that_own_their_memory():
    from pyprivate.workers.base import _sole_owners

    buffer = torch.zeros(2, 3, dtype=torch.int64)
    fresh, twice, strided = torch.ones(3, dtype=torch.int64), torch.ones(2, dtype=torch.int64), torch.ones(3, 2).t()
    moved = _sole_owners([[fresh, buffer[0], twice, ["draw", "add", [3], 0]], [buffer[1], twice, strided]])
    assert moved == [[id(fresh)], []]  # rows of one buffer, a tensor in two messages, a transposed one: copied


def test_wire_bytes_sends_real_bytes_and_gives_the_same_results(bob):
    seen = []

    class Spy(sy.InProcessTransport):
        def request(self, payload):
            seen.append(type(payload))
            return super().request(payload)

    with sy.settings.use(wire_bytes=True):
        assert not handover.in_process(bob)
        y = (torch.tensor([1.0, 2.0]).send(bob) * 3).get()
    assert torch.equal(y, torch.tensor([3.0, 6.0]))
    bob.transport = Spy(bob)  # a transport other than InProcessTransport itself always gets bytes
    (torch.tensor([1.0]).send(bob) + 1).get()
    assert seen and all(kind in (bytes, bytearray) for kind in seen)


def test_what_cannot_be_encoded_cannot_be_handed_over_either(bob):
    class Odd:
        pass

    for bad, expected in [(Odd(), "cannot put a Odd into a message"),
                          (torch.tensor([1.0]).fix_precision(), "only plain tensors can be sent"),
                          (torch.tensor([1 + 2j]), "cannot be sent")]:
        for pack in (handover.hand, serde.encode):
            with pytest.raises(TypeError, match=expected):
                pack(Reply(bad), "bob")
    with pytest.raises(TypeError, match="wire_bytes is True or False"):
        sy.settings.wire_bytes = "yes"


@party_step("test.handover.keep_public_reveal_fresh")
def _keep_public_reveal_fresh(i, n, x, *, eps):
    """Keeps the public value itself (as a careless step might) and reveals a new tensor and its own input."""
    fresh = x + eps
    _keep_public_reveal_fresh.made.append(fresh.untyped_storage().data_ptr())
    return (eps, eps[:1]), (fresh, x)


_keep_public_reveal_fresh.made = []


@pytest.mark.usefixtures("handed_over")
def test_steps_get_public_values_lent_and_give_back_what_they_made_without_copies(bob, alice):
    """What lets a round skip copies: public values are lent, made values moved; stores still never alias."""
    parties = WorkerParties([bob, alice], None)
    xs = [torch.tensor([1, 2]).send(bob), torch.tensor([3, 4]).send(alice)]
    eps = torch.tensor([10, 20])
    _keep_public_reveal_fresh.made.clear()
    pairs = parties.run_revealing("test.handover.keep_public_reveal_fresh", [[xs[0]], [xs[1]]], eps=eps)
    (kept_bob, (fresh_bob, x_bob)), (kept_alice, (fresh_alice, x_alice)) = pairs
    # A made value reaches the orchestrator as the very tensor the step made: no copy.
    assert [fresh_bob.untyped_storage().data_ptr(), fresh_alice.untyped_storage().data_ptr()] == \
        _keep_public_reveal_fresh.made
    assert fresh_bob.tolist() == [11, 22] and fresh_alice.tolist() == [13, 24]
    # A revealed input is copied: the orchestrator cannot reach the party's store through it.
    x_bob.add_(100)
    assert bob._objects[xs[0].id_at_location].tolist() == [1, 2] and x_alice.tolist() == [3, 4]
    # A kept public value was copied before the party stored it: no store shares memory with the
    # orchestrator's tensor or with the other party's store.
    held = [storages(bob), storages(alice)]
    assert not held[0] & held[1] and eps.untyped_storage().data_ptr() not in held[0] | held[1]
    eps.add_(1)
    assert bob._objects[kept_bob[0].id_at_location].tolist() == [10, 20]
