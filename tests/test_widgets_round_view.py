"""RoundView: what a party sees is compared with one client's update, and the verdict follows the numbers."""

import pytest
import torch
from torch import nn

from pyprivate.secure_aggregation import PairwiseMasking
from pyprivate.widgets import RoundView
from pyprivate.widgets.plots import PNG_SIGNATURE
from pyprivate.widgets.round_view import correlation, learns

pytest.importorskip("ipywidgets")
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def round_of_two():
    """A global model, and Bob's and Alice's models after local training (random, independent updates)."""
    generator = torch.Generator().manual_seed(3)
    global_params = [torch.randn(8, 50, generator=generator), torch.randn(8, generator=generator)]
    bobs = [g + 0.1 * torch.randn(g.shape, generator=generator) for g in global_params]
    alices = [g + 0.1 * torch.randn(g.shape, generator=generator) for g in global_params]
    return global_params, bobs, alices


def test_verdicts_follow_what_each_party_receives(round_of_two, bob, alice, james):
    global_params, bobs, alices = round_of_two
    bobs_update = [b - g for b, g in zip(bobs, global_params)]
    view = RoundView(bobs_update, public=global_params, secret_label="Bob's update")
    average = [(b + a) / 2 for b, a in zip(bobs, alices)]
    view.add("Trusted aggregator", "secure_worker", "Bob's model", bobs)
    view.add("Trusted aggregator", "me", "the average", average)
    shared = [p.fix_precision().share(bob, alice, crypto_provider=james) for p in bobs]
    view.add("Secret sharing", alice, "a share of Bob's model", [s.child.shares[1] for s in shared])
    masking = PairwiseMasking(["bob", "alice"], seed=1)
    masked = masking.mask("bob", bobs)
    view.add("Pairwise masks", "server", "Bob's masked model", masked.values)

    (sees, avg), (share,), (mask,) = view.rows.values()
    assert sees.r == pytest.approx(1.0) and learns(sees.r) == "all"
    assert 0.5 < avg.r < 0.9 and learns(avg.r) == "part"  # two independent updates: r near 1/sqrt(2)
    assert abs(share.r) < 0.2 and view.learns(share) == "nothing" and share.party == "alice"
    assert abs(mask.r) < 0.2 and view.learns(mask) == "nothing"
    assert torch.equal(sees.values, torch.cat([b.reshape(-1) for b in bobs]).double())  # shown as received
    assert torch.allclose(sees.compared, torch.cat([u.reshape(-1) for u in bobs_update]).double())
    assert share.values.dtype == torch.int64 and torch.equal(share.values, share.compared)  # ring values as held
    assert len(bob._objects) == len(alice._objects) == 2  # the shares were copied, not taken
    assert all(png.startswith(PNG_SIGNATURE) for png in view.plots.values()) and len(view.plots) == 3

    text = repr(view)
    assert "secure_worker: Bob's model" in text and "r = +1.00: all of it" in text
    assert "alice: a share of Bob's model" in text and "nothing: it looks like noise" in text
    html = view._repr_mimebundle_()["text/html"]
    assert html.count("<img src='data:image/png;base64,") == 3 and "part of it, mixed with the others" in html


def test_a_model_at_a_worker_is_read_through_its_pointers_and_stays_there(bob):
    model = nn.Linear(3, 2)
    values = [p.detach().clone() for p in model.parameters()]
    view = RoundView([torch.ones_like(v) for v in values])
    model.send(bob)
    view.add("Trusted aggregator", bob, "a model", model.parameters())
    (row,) = view.rows["Trusted aggregator"]
    assert row.party == "bob" and torch.equal(row.values, torch.cat([v.reshape(-1) for v in values]).double())
    assert len(bob._objects) == 2 and model.location is bob


def test_wrong_input_names_the_problem_and_changes_nothing():
    view = RoundView(torch.randn(6), public=torch.zeros(6))
    with pytest.raises(ValueError, match="has 4 numbers but 'the update' has 6"):
        view.add("s", "me", "a model", torch.randn(4))
    with pytest.raises(TypeError, match="RoundView shows tensors or pointers to them, got str"):
        view.add("s", "me", "a model", ["no"])
    with pytest.raises(ValueError, match="public has 3 numbers but secret has 6"):
        RoundView(torch.randn(6), public=torch.zeros(3))
    with pytest.raises(ValueError, match="there are no values to show"):
        RoundView([])
    assert view.rows == {} and view.plots == {}


def test_correlation_of_a_constant_is_zero_and_the_verdict_thresholds():
    assert correlation(torch.ones(5), torch.arange(5.0)) == 0.0
    assert correlation(torch.arange(5.0), -2 * torch.arange(5.0)) == pytest.approx(-1.0)
    assert [learns(r) for r in (1.0, -0.9995, 0.5, 0.09, -0.05)] == ["all", "all", "part", "nothing", "nothing"]
    assert learns(0.3, n=48) == "nothing" and learns(0.3, n=10_000) == "part"  # chance correlation of few numbers


def test_labels_follow_the_language(round_of_two):
    from pyprivate.i18n import set_language

    global_params, bobs, _alices = round_of_two
    set_language("de")
    view = RoundView(bobs, secret_label="Bobs Update")
    view.add("Schema", "me", "Modell", bobs)
    assert "What each party sees" not in view._title.value and "all of it" not in repr(view)
