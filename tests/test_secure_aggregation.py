"""Secure aggregation with pairwise masks: exact sums, uniform masked views, dropout recovery, clear errors."""

import itertools

import pytest
import torch

import pyprivate as sy
from pyprivate.errors import SecureAggregationError
from pyprivate.secure_aggregation import PairwiseMasking, add_masked
from pyprivate.tensors.encoding import FixedPointEncoder

NAMES = ["bob", "alice", "carol", "dave", "erin"]
ENC = FixedPointEncoder(10, 3)


def plain_sum(updates):
    """The sum the server should get: each update encoded, added in the ring, decoded."""
    return ENC.decode(sum(ENC.encode(u) for u in updates), updates[0].dtype)


def bit_frequencies(values):
    bits = torch.stack([(values.reshape(-1) >> k) & 1 for k in range(64)], dim=1)
    return bits.double().mean(dim=0)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5)])
def test_sum_and_average_are_exact(n, shape):
    gen = torch.Generator().manual_seed(n)
    updates = [torch.randn(shape, generator=gen) * 10 for _ in range(n)]
    clients = PairwiseMasking(NAMES[:n], seed=n)
    masked = [clients.mask(name, u) for name, u in zip(NAMES, updates)]
    total = clients.aggregate(masked)
    assert total.dtype == torch.float32 and total.shape == torch.Size(shape)
    assert torch.equal(total, plain_sum(updates))
    assert torch.allclose(total, sum(updates), atol=n * 0.0005 + 1e-5)
    assert torch.equal(clients.aggregate(masked, average=True), plain_sum(updates) / n)


def test_lists_of_parameters_like_a_model_update():
    model = torch.nn.Linear(13, 2)
    updates = [[torch.randn_like(p) for p in model.parameters()] for _ in range(3)]
    clients = sy.secure_aggregation.PairwiseMasking(NAMES[:3], seed=1)
    masked = [clients.mask(name, u) for name, u in zip(NAMES, updates)]
    total = clients.aggregate(masked)
    assert isinstance(total, list) and len(total) == 2
    for got, parts in zip(total, zip(*updates)):
        assert torch.equal(got, plain_sum(list(parts)))


def test_masks_cancel_in_the_ring():
    clients = PairwiseMasking(NAMES[:4], seed=3)
    masked = [clients.mask(name, torch.zeros(100)) for name in NAMES[:4]]
    assert all((m.values[0] != 0).all() for m in masked)
    assert torch.equal(add_masked(masked)[0], torch.zeros(100, dtype=torch.int64))


def test_server_view_of_one_update_is_uniform_and_independent_of_it():
    n = 4000
    small = PairwiseMasking(NAMES[:3], seed=10).mask("bob", torch.zeros(n))
    large = PairwiseMasking(NAMES[:3], seed=11).mask("bob", torch.full((n,), 12345.678))
    for view in (small, large):
        assert view.values[0].dtype == torch.int64
        assert ((bit_frequencies(view.values[0]) - 0.5).abs() < 0.04).all()
    # Two different updates give views that look alike bit by bit, and never show the update.
    assert ((bit_frequencies(small.values[0]) - bit_frequencies(large.values[0])).abs() < 0.05).all()
    assert (large.values[0] != ENC.encode(torch.full((n,), 12345.678))).float().mean() > 0.99
    assert (small.values[0] != 0).float().mean() > 0.99


def test_every_client_is_masked_even_the_last():
    clients = PairwiseMasking(NAMES[:3], seed=4)
    for name in NAMES[:3]:
        view = clients.mask(name, torch.zeros(4000)).values[0]
        assert ((bit_frequencies(view) - 0.5).abs() < 0.04).all()


@pytest.mark.parametrize("n,dropped", [(3, ["carol"]), (4, ["bob"]), (5, ["alice", "dave"])])
def test_dropout_recovery_gives_the_survivors_exact_sum(n, dropped):
    updates = dict(zip(NAMES, torch.randn(n, 6, generator=torch.Generator().manual_seed(n)).unbind()))
    clients = PairwiseMasking(NAMES[:n], seed=n)
    survivors = [name for name in NAMES[:n] if name not in dropped]
    masked = [clients.mask(name, updates[name]) for name in survivors]
    expected = plain_sum([updates[name] for name in survivors])
    # Without recovery the dropped clients' masks stay in the sum: garbage.
    garbage = ENC.decode(add_masked(masked)[0])
    assert ((garbage - expected).abs() > 1e6).all()
    with pytest.raises(SecureAggregationError, match="recover"):
        clients.aggregate(masked)
    assert torch.equal(clients.recover(masked, dropped=dropped), expected)
    assert torch.equal(clients.recover(masked, dropped=dropped, average=True), expected / len(survivors))


def test_traffic_counts_what_each_party_sent():
    clients = PairwiseMasking(NAMES[:3], seed=5)
    masked = [clients.mask(name, torch.zeros(10)) for name in ("bob", "alice")]
    clients.recover(masked, dropped=["carol"])
    traffic = clients.traffic()
    assert traffic["dealer"] == (3, 3 * 2 * 32)
    assert traffic["bob"] == traffic["alice"] == (2, 80 + 32)
    assert "carol" not in traffic and "server" not in traffic


def test_wrong_calls_raise_a_clear_error_and_change_nothing():
    clients = PairwiseMasking(NAMES[:3], seed=6)
    bob = clients.mask("bob", torch.ones(3))
    state = (set(clients._masked), clients._shapes, list(clients.messages))

    def unchanged():
        return (set(clients._masked), clients._shapes, list(clients.messages)) == state

    with pytest.raises(SecureAggregationError, match="not a client"):
        clients.mask("mallory", torch.ones(3))
    assert unchanged()
    with pytest.raises(SecureAggregationError, match="shapes"):
        clients.mask("alice", torch.ones(4))
    assert unchanged()
    with pytest.raises(SecureAggregationError, match="already masked"):
        clients.mask("bob", torch.ones(3))
    assert unchanged()
    alice, carol = clients.mask("alice", torch.ones(3)), clients.mask("carol", torch.ones(3))
    state = (set(clients._masked), clients._shapes, list(clients.messages))
    with pytest.raises(SecureAggregationError, match="needs the clients that dropped"):
        clients.recover([bob, alice, carol], dropped=[])
    with pytest.raises(SecureAggregationError, match="not a client"):
        clients.recover([bob, alice], dropped=["mallory"])
    with pytest.raises(SecureAggregationError, match="expected one masked update"):
        clients.recover([bob, alice, carol], dropped=["carol"])
    with pytest.raises(SecureAggregationError, match="expected one masked update"):
        clients.aggregate([bob, alice, carol, carol])
    assert unchanged()
    assert torch.equal(clients.aggregate([bob, alice, carol]), torch.full((3,), 3.0))
    assert isinstance(SecureAggregationError("x"), ValueError)


def test_a_dropped_client_cannot_mask_after_its_seeds_were_revealed():
    clients = PairwiseMasking(NAMES[:3], seed=7)
    masked = [clients.mask(name, torch.ones(2)) for name in ("bob", "alice")]
    clients.recover(masked, dropped=["carol"])
    with pytest.raises(SecureAggregationError, match="self-mask"):
        clients.mask("carol", torch.ones(2))


def test_setup_needs_two_distinct_clients():
    for names in (["bob"], ["bob", "bob"]):
        with pytest.raises(SecureAggregationError, match="two clients"):
            PairwiseMasking(names)


def test_pairwise_seeds_are_distinct_and_reproducible():
    a, b = PairwiseMasking(NAMES, seed=8), PairwiseMasking(NAMES, seed=8)
    seeds = [a.seed_between(x, y) for x, y in itertools.combinations(NAMES, 2)]
    assert len(set(seeds)) == len(seeds) and all(len(s) == 32 for s in seeds)
    assert seeds == [b.seed_between(x, y) for x, y in itertools.combinations(NAMES, 2)]
    assert a.seed_between("bob", "alice") == a.seed_between("alice", "bob")
    assert PairwiseMasking(NAMES).seed_between("bob", "alice") != a.seed_between("bob", "alice")
