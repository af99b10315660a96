"""Additive sharing: where shares live, ring arithmetic, and clear errors."""

import random

import pytest
import torch

import pyprivate as sy
from pyprivate import errors
from pyprivate.crypto.ring import to_signed_ints, wrap


def test_one_share_per_worker_and_get_removes_them(trio):
    bob, alice, james = trio
    x = torch.tensor([3, -1, 7]).share(bob, alice, crypto_provider=james)
    assert isinstance(x, sy.AdditiveSharingTensor) and x.workers == [bob, alice]
    assert len(bob._objects) == 1 and len(alice._objects) == 1 and james._objects == {}
    share_bob, share_alice = next(iter(bob._objects.values())), next(iter(alice._objects.values()))
    assert torch.equal(share_bob + share_alice, torch.tensor([3, -1, 7]))
    assert not torch.equal(share_bob, torch.tensor([3, -1, 7]))
    assert torch.equal(x.get(), torch.tensor([3, -1, 7]))
    assert bob._objects == {} and alice._objects == {}


def test_print_shows_layers_workers_and_provider(trio):
    bob, alice, james = trio
    x = torch.tensor([1.5]).fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    text = repr(x)
    assert text.startswith("(Wrapper)>AutogradTensor>FixedPrecisionTensor(base=10, precision_fractional=3)>[AdditiveSharingTensor]")
    assert "-> bob:" in text and "-> alice:" in text and "*crypto provider: james*" in text


def test_ring_arithmetic_is_exact_mod_2_64(trio):
    bob, alice, james = trio
    rng = random.Random(0)
    xs = [rng.randrange(-(2**63), 2**63) for _ in range(20)] + [2**63 - 1, -(2**63), 0, -1]
    ys = [rng.randrange(-(2**63), 2**63) for _ in range(len(xs))]
    x = torch.tensor(xs).share(bob, alice, crypto_provider=james)
    y = torch.tensor(ys).share(bob, alice, crypto_provider=james)
    assert to_signed_ints((x + y).get()) == [wrap(a + b) for a, b in zip(xs, ys)]
    assert to_signed_ints((x - y).get()) == [wrap(a - b) for a, b in zip(xs, ys)]
    assert to_signed_ints((x * y).get()) == [wrap(a * b) for a, b in zip(xs, ys)]
    assert to_signed_ints((x * 3).get()) == [wrap(3 * a) for a in xs]


def test_matmul_and_broadcast_exact(trio):
    bob, alice, james = trio
    a, b = torch.randint(-100, 100, (3, 4)), torch.randint(-100, 100, (4, 2))
    sa, sb = a.share(bob, alice, crypto_provider=james), b.share(bob, alice, crypto_provider=james)
    assert torch.equal((sa @ sb).get(), a @ b)
    row = torch.randint(-5, 5, (4,))
    assert torch.equal((sa * row.share(bob, alice, crypto_provider=james)).get(), a * row)
    assert torch.equal((sa @ b).get(), a @ b)  # public right operand


def test_three_parties(bob, alice, james):
    carol = sy.VirtualWorker(id="carol")
    x = torch.tensor([5, -6]).share(bob, alice, carol, crypto_provider=james)
    y = torch.tensor([7, 8]).share(bob, alice, carol, crypto_provider=james)
    assert torch.equal((x * y).get(), torch.tensor([35, -48]))
    assert torch.equal((x > y).get(), torch.tensor([0, 0]))


def test_refresh_changes_shares_not_value(trio):
    bob, alice, james = trio
    x = torch.tensor([10, 20]).share(bob, alice, crypto_provider=james)
    before = [s.location._objects[s.id_at_location].clone() for s in x.shares]
    y = x.refresh()
    after = [s.location._objects[s.id_at_location] for s in y.shares]
    assert all(not torch.equal(b, a) for b, a in zip(before, after))
    assert torch.equal(y.get(), torch.tensor([10, 20]))


def test_errors(bob, alice, james):
    with pytest.raises(errors.PyPrivateError, match="at least two workers"):
        torch.tensor([1]).share(bob)
    with pytest.raises(errors.PyPrivateError, match="different worker"):
        torch.tensor([1]).share(bob, bob)
    with pytest.raises(errors.PyPrivateError, match="crypto provider must not"):
        torch.tensor([1]).share(bob, alice, crypto_provider=bob)
    with pytest.raises(errors.NotAWorkerError):
        torch.tensor([1]).share(bob, "alice")
    with pytest.raises(errors.PyPrivateError, match="fix_precision"):
        torch.tensor([1.5]).share(bob, alice)
    assert bob._objects == {} and alice._objects == {}


def test_product_without_crypto_provider_says_one_is_needed(bob, alice):
    x = torch.tensor([2]).share(bob, alice)
    assert torch.equal((x + x).get(), torch.tensor([4]))  # linear ops need no provider
    x = torch.tensor([2]).share(bob, alice)
    with pytest.raises(errors.CryptoProviderError, match="crypto_provider="):
        x * x


def test_mixing_different_workers_names_them(bob, alice, james):
    carol = sy.VirtualWorker(id="carol")
    x = torch.tensor([1]).share(bob, alice, crypto_provider=james)
    y = torch.tensor([1]).share(bob, carol, crypto_provider=james)
    with pytest.raises(errors.WorkerMismatchError, match="bob, alice.*bob, carol"):
        x + y


def test_unsupported_operation_names_it_and_never_falls_back(trio):
    bob, alice, james = trio
    x = torch.tensor([0.5]).fix_precision().share(bob, alice, crypto_provider=james)
    with pytest.raises(errors.UnsupportedOperationError, match="sigmoid"):
        torch.sigmoid(x)
    with pytest.raises(errors.UnsupportedOperationError, match="exp"):
        x.exp()
