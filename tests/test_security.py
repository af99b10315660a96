"""Security properties of sharing and of the secure protocols, checked from stores and messages."""

import torch
import torch.nn.functional as F

import pyprivate as sy
from pyprivate.workers import serde
from pyprivate.workers.messages import GetObject, RunStep


def bit_frequencies(values):
    bits = torch.stack([(values >> k) & 1 for k in range(64)], dim=1)
    return bits.double().mean(dim=0)


def only_share(worker):
    (share,) = worker._objects.values()
    return share


def test_each_share_is_uniform_bit_by_bit(bob, alice):
    x = torch.full((4000,), 123456, dtype=torch.int64).share(bob, alice)
    for worker in (bob, alice):
        freq = bit_frequencies(only_share(worker))
        assert ((freq - 0.5).abs() < 0.04).all()


def test_shares_of_different_secrets_look_alike(bob, alice, james):
    carol, dave = sy.VirtualWorker(id="carol"), sy.VirtualWorker(id="dave")
    a = torch.zeros(4000, dtype=torch.int64).share(bob, alice)
    b = torch.full((4000,), 10**15, dtype=torch.int64).share(carol, dave)
    assert ((bit_frequencies(only_share(bob)) - bit_frequencies(only_share(carol))).abs() < 0.05).all()
    assert not torch.equal(only_share(bob), only_share(carol))


class Recorder:
    """Wraps a worker's transport: keeps what it stored and what it revealed."""

    def __init__(self, worker):
        self.worker, self.inner, self.stored, self.revealed = worker, worker.transport, [], []
        worker.transport = self
        worker._objects.observe(lambda event, obj_id: event == "set" and self.stored.append(worker._objects[obj_id].clone()))

    def request(self, payload):
        message, _ = serde.decode(payload)
        reply = self.inner.request(payload)
        if isinstance(message, GetObject) and not message.remove:
            self.revealed.append(serde.decode(reply)[0].value)
        if isinstance(message, RunStep) and message.reveal:
            self.revealed.extend(serde.decode(reply)[0].value[1])
        return reply


def test_no_store_ever_holds_a_secret_and_only_masked_values_are_opened(trio):
    bob, alice, james = trio
    torch.manual_seed(0)
    x, y = torch.randn(50), torch.randn(50)
    recorders = [Recorder(w) for w in (bob, alice, james)]
    sx = x.fix_precision().share(bob, alice, crypto_provider=james)
    sy_ = y.fix_precision().share(bob, alice, crypto_provider=james)
    result = F.relu(sx * sy_ + sx)
    secrets = [x.fix_precision().child, y.fix_precision().child, (x * y + x).fix_precision().child]
    for rec in recorders:
        for stored in rec.stored:
            for secret in secrets:
                if stored.shape == secret.shape:
                    assert (stored != secret).float().mean() > 0.9
    # What was opened (the sum of the revealed shares) is masked: it never shows a secret.
    bob_rec, alice_rec = recorders[:2]
    assert len(bob_rec.revealed) == len(alice_rec.revealed) > 0
    opened = []
    for a, b in zip(bob_rec.revealed, alice_rec.revealed):
        total = a + b if a.dtype == torch.int64 and b.dtype == torch.int64 else a
        opened.append(total.flatten())
        for secret in secrets:
            if total.shape == secret.shape:
                assert (total != secret).float().mean() > 0.9
    # The ring-masked openings (the comparison's narrow XOR words are checked per width in tests/crypto).
    arithmetic = torch.cat([o for o in opened if o.dtype == torch.int64 and o.abs().max() > 2**40])
    assert ((bit_frequencies(arithmetic) - 0.5).abs() < 0.15).all()
    assert torch.allclose(result.get().float_precision(), F.relu(x * y + x), atol=0.01)


def test_the_crypto_provider_sees_no_data_and_holds_no_share(trio):
    bob, alice, james = trio
    seen = []
    james._objects.observe(lambda event, obj_id: seen.append(event))
    x = torch.randn(30, 20).fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    w = torch.randn(20, 5).fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    F.relu(x @ w).sum().backward()
    assert seen == [] and james._objects == {}
    assert {r.kind for r in james.message_log} == {"deal"}
    # A deal request carries shapes and names only: far smaller than any tensor here (the least is 30 x 5 x 8 bytes).
    assert max(r.nbytes for r in james.message_log) < 30 * 5 * 8 / 2
    assert all(r.sender == "me" for r in james.message_log)
