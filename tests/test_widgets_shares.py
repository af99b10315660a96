"""SharesView: the shares add up to the secret; re-sharing changes every share but not the value."""

import pytest
import torch

import pyprivate as sy
from pyprivate.widgets import SharesView
from pyprivate.widgets.plots import PNG_SIGNATURE

pytest.importorskip("ipywidgets")


@pytest.fixture
def james(hook_):
    return sy.VirtualWorker(hook_, id="james")


@pytest.fixture
def secret():
    return torch.tensor([1.5, -2.25, 0.125, 3.0])


def ring_sum(shares):
    total = torch.zeros_like(shares[0])
    for share in shares:
        total += share  # int64 addition wraps around: arithmetic mod 2^64
    return total


def test_fixed_precision_shares_reconstruct_to_the_secret(bob, alice, james, secret):
    x = secret.fix_precision().share(bob, alice, crypto_provider=james)
    view = SharesView(x)
    assert [w.id for w in view.workers] == ["bob", "alice"] and len(view.shares) == 2
    assert torch.equal(ring_sum(view.shares), torch.tensor([1500, -2250, 125, 3000]))
    assert torch.equal(view.secret, torch.tensor([1500, -2250, 125, 3000]))
    assert torch.allclose(view.value, secret)
    for share in view.shares:  # each share alone: huge random-looking numbers
        assert share.abs().min() > 2**40
    html = view._table.value
    assert "bob" in html and "alice" in html and "Reconstructed value" in html and "1500" in html


def test_shares_are_copies_and_stay_at_the_workers(bob, alice, james, secret):
    x = secret.fix_precision().share(bob, alice, crypto_provider=james)
    SharesView(x)
    assert len(bob._objects) == len(alice._objects) == 1
    assert [r.kind for r in bob.message_log][-1] == "get"
    assert torch.allclose(x.get().float_precision(), secret)  # the tensor still works


def test_reshare_changes_every_share_but_not_the_value(bob, alice, james, secret):
    x = secret.fix_precision().share(bob, alice, crypto_provider=james)
    view = SharesView(x)
    before = [s.clone() for s in view.shares]
    view.reshare()
    assert view.reshares == 1 and view.tensor is not x
    for old, new in zip(before, view.shares):
        assert not torch.equal(old, new)
    assert torch.equal(ring_sum(view.shares), ring_sum(before))
    assert torch.allclose(view.value, secret)
    view._button.click()  # the "Re-share" button does the same
    assert view.reshares == 2 and torch.allclose(view.value, secret)
    assert torch.allclose(view.tensor.get().float_precision(), secret)


def test_integer_shares(bob, alice, james):
    x = torch.tensor([[3, -4], [5, 600]]).share(bob, alice, james, crypto_provider=None)
    view = SharesView(x)
    assert len(view.shares) == 3 and view.encoder is None
    assert torch.equal(view.value, torch.tensor([[3, -4], [5, 600]]))
    assert "Sum of shares" not in view._table.value and "Reconstructed value" in view._table.value


def test_histogram_is_a_png_of_one_share_over_the_int64_range(bob, alice, james, secret):
    view = SharesView(secret.fix_precision().share(bob, alice, crypto_provider=james), samples=500)
    assert view.histogram.startswith(PNG_SIGNATURE)
    big = SharesView(torch.zeros(600).fix_precision().share(bob, alice, crypto_provider=james), samples=500)
    assert big.histogram.startswith(PNG_SIGNATURE)


def test_repr_shows_shares_sum_value_and_the_warning(bob, alice, james):
    view = SharesView(torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, crypto_provider=james))
    text = repr(view)
    lines = text.splitlines()
    assert lines[0] == "SharesView: FixedPrecisionTensor(base=10, precision_fractional=3), Shares: bob, alice"
    assert lines[1].startswith("  bob    [") and lines[2].startswith("  alice  [")
    assert "Sum of shares (mod 2^64): [1500, 2000]" in text and "Reconstructed value: [1.5, 2]" in text
    assert "teaching" in text and "teaching only" in SharesView.__doc__.lower()


def test_gone_shares_are_reported_not_raised(bob, alice, james, secret):
    x = secret.fix_precision().share(bob, alice, crypto_provider=james)
    view = SharesView(x)
    x.get()
    view.update()
    assert view.shares == [] and "already fetched" in view.error
    assert view.error in repr(view) and view.histogram == b""


def test_only_shared_tensors(bob):
    with pytest.raises(TypeError, match="call .share"):
        SharesView(torch.ones(2).fix_precision())
    with pytest.raises(TypeError, match="shared tensor"):
        SharesView(torch.ones(2).send(bob))
