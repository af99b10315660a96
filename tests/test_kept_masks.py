"""Kept Beaver masks for operands that do not change (a model's weights during inference)."""

import gc

import torch
from torch import nn

from pyprivate.crypto import kept_masks


def shared_mlp(workers, provider):
    torch.manual_seed(0)
    plain = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    model.load_state_dict(plain.state_dict())
    model.fix_precision().share(*workers, crypto_provider=provider)
    return plain, model


def dealt_kinds(provider, since):
    return provider.dealer.log.items - since


def test_inference_keeps_the_weights_masks_and_stays_right(trio):
    bob, alice, james = trio
    plain, model = shared_mlp([bob, alice], james)
    batches = [torch.randn(4, 6) for _ in range(3)]
    outputs, opened = [], []
    for batch in batches:
        x = batch.fix_precision().share(bob, alice, crypto_provider=james)
        before = james.dealer.log.items.copy()
        with torch.no_grad():
            outputs.append(model(x).get().float_precision())
        opened.append(dealt_kinds(james, before))
    for batch, out in zip(batches, outputs):
        assert torch.allclose(out, plain(batch).detach(), atol=0.01)
    # The first batch deals ordinary triples and keeps their b; later batches reuse both layers' masks.
    assert opened[0]["triple.matmul"] == 2 and opened[0]["triple.matmul.kept"] == 0
    assert opened[1]["triple.matmul"] == 0 and opened[1]["triple.matmul.kept"] == 2
    assert len(james.dealer.kept.values) == 2


def test_a_kept_mask_spares_the_weights_opening(trio):
    """With the mask kept, a batch opens only x - a: fewer bytes reach the parties than in the first batch."""
    bob, alice, james = trio
    _, model = shared_mlp([bob, alice], james)
    model[0].weight.data  # noqa: B018
    big = nn.Linear(200, 100)
    big.fix_precision().share(bob, alice, crypto_provider=james)
    sizes = []
    for _ in range(2):
        x = torch.randn(2, 200).fix_precision().share(bob, alice, crypto_provider=james)
        for worker in (bob, alice):
            worker.message_log.clear()
        with torch.no_grad():
            big(x).get()
        sizes.append(sum(r.nbytes + r.reply_nbytes for w in (bob, alice) for r in w.message_log))
    assert sizes[1] < sizes[0] - 2 * 200 * 100 * 8 * 0.9  # each party's 200x100 delta is not sent again


def test_no_mask_is_kept_while_gradients_are_on_or_after_the_weights_change(trio):
    bob, alice, james = trio
    plain, model = shared_mlp([bob, alice], james)
    x = torch.randn(4, 6).fix_precision().share(bob, alice, crypto_provider=james)
    before = james.dealer.log.items.copy()
    model(x).get()
    model(x).get()
    assert dealt_kinds(james, before)["triple.matmul.kept"] == 0 and len(james.dealer.kept.values) == 0
    with torch.no_grad():
        model(x).get()
        for layer, plain_layer in ((model[0], plain[0]), (model[2], plain[2])):  # changed weights: new shares
            layer.weight.add_(0.25)
            plain_layer.weight.add_(0.25)
        before = james.dealer.log.items.copy()
        out = model(x).get().float_precision()
        expected = plain(x.copy().get().float_precision())
    assert dealt_kinds(james, before)["triple.matmul.kept"] == 0
    assert torch.allclose(out, expected, atol=0.01)


def test_the_dealer_forgets_a_mask_once_its_weights_are_gone(trio):
    bob, alice, james = trio
    _, model = shared_mlp([bob, alice], james)
    x = torch.randn(4, 6).fix_precision().share(bob, alice, crypto_provider=james)
    with torch.no_grad():
        model(x).get()
    assert len(james.dealer.kept.values) == 2
    del model
    gc.collect()
    other = nn.Linear(6, 2)
    other.fix_precision().share(bob, alice, crypto_provider=james)
    with torch.no_grad():
        other(x).get()  # the next deal carries the news
    assert len(james.dealer.kept.values) == 1


def test_training_with_evaluation_in_between_is_unchanged(trio, monkeypatch):
    """Kept masks in evaluation and dealing ahead in training do not mix: the same losses with or without them."""
    bob, alice, james = trio

    def run():
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
        model.fix_precision().share(bob, alice, crypto_provider=james, requires_grad=True)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1).fix_precision()
        data = torch.randn(8, 6).fix_precision().share(bob, alice, crypto_provider=james)
        target = torch.randn(8, 1).fix_precision().share(bob, alice, crypto_provider=james)
        losses = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = ((model(data) - target) ** 2).mean()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                losses.append(((model(data) - target) ** 2).mean().get().float_precision().item())
        return losses

    with_kept = run()
    monkeypatch.setattr(kept_masks, "active", lambda: False)
    without = run()
    assert all(abs(a - b) < 0.005 for a, b in zip(with_kept, without)), (with_kept, without)
