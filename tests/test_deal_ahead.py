"""Dealing ahead (sy.settings.deal_ahead): a training step's material in one deal, with the same results."""

import gc

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))


def _batches(shapes):
    torch.manual_seed(1)
    return [(torch.randn(rows, 4), torch.randn(rows, 1)) for rows in shapes]


def _train_plain(batches):
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, model


def _train_shared(trio, batches, deal_ahead=True):
    """Losses, the model, deal requests per step at the provider, messages per step at bob, bob's store sizes."""
    bob, alice, james = trio
    model = _model().fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
    opt = optim.SGD(model.parameters(), lr=0.05).fix_precision()
    shared = [tuple(t.fix_precision().share(bob, alice, crypto_provider=james) for t in batch) for batch in batches]
    losses, deals, dealt_to_bob, stores = [], [], [], []
    with sy.settings.use(deal_ahead=deal_ahead):
        for x, y in shared:
            start = len(james.message_log), len(bob.message_log)
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.get().float_precision().item())
            deals.append(sum(r.kind == "deal" for r in list(james.message_log)[start[0]:]))
            dealt_to_bob.append(sum(r.sender == "james" for r in list(bob.message_log)[start[1]:]))
            gc.collect()
            stores.append(len(bob._objects))
    return losses, model, deals, dealt_to_bob, stores


def test_from_the_second_step_on_the_provider_deals_once_per_step(trio):
    batches = _batches([6] * 5)
    _, _, deals, dealt_to_bob, _ = _train_shared(trio, batches)
    assert deals[0] > 3  # the first step asks for each product's and each comparison's material
    assert deals[1:] == [1] * 4 and dealt_to_bob[1:] == [1] * 4  # then one deal, one message to each party
    _, _, deals_now, _, _ = _train_shared(trio, batches, deal_ahead=False)
    assert deals_now == [deals[0]] * 5


def test_training_dealt_ahead_follows_plaintext(trio):
    batches = _batches([6] * 6)
    plain_losses, plain = _train_plain(batches)
    losses, shared, _, _, _ = _train_shared(trio, batches)
    assert max(abs(a - b) for a, b in zip(losses, plain_losses)) < 0.02
    for p, s in zip(plain.parameters(), shared.parameters()):
        assert torch.allclose(s.copy().get().float_precision(), p.detach(), atol=0.02)


def test_a_step_unlike_the_last_is_dealt_on_the_spot_and_nothing_piles_up(trio):
    batches = _batches([6, 5] * 6)  # every step differs from the one before: the plan never fits
    plain_losses, _ = _train_plain(batches)
    losses, _, deals, _, stores = _train_shared(trio, batches)
    assert max(abs(a - b) for a, b in zip(losses, plain_losses)) < 0.02
    assert min(deals) > 3  # one dealt-ahead bundle at most, then on the spot
    assert max(stores[4:]) - min(stores[4:]) <= 2 * (4 * 3 + 3 + 3 + 1)  # shapes alternate: so do the stores
    assert trio[2]._objects == {}


def test_stores_stay_bounded_while_dealing_ahead(trio):
    _, _, _, _, stores = _train_shared(trio, _batches([6] * 12))
    assert max(stores[3:]) == min(stores[3:])


def test_the_setting_is_checked_and_restored():
    assert sy.settings.deal_ahead is True
    with pytest.raises(TypeError, match="True or False"):
        sy.settings.deal_ahead = "yes"
    with sy.settings.use(deal_ahead=False):
        assert sy.settings.deal_ahead is False
    assert sy.settings.deal_ahead is True
    with pytest.raises(TypeError, match="truncation, deal_ahead"):
        with sy.settings.use(dealahead=False):
            pass
    assert "deal_ahead=True" in repr(sy.settings)
