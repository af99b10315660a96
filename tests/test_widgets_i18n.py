"""The widgets' labels follow set_language(...)."""

import pytest
import torch

import pyprivate as sy
from pyprivate.widgets import LossCurve, MessagesView, SharesView, StoreView, plots

i18n = pytest.importorskip("pyprivate.i18n")
pytest.importorskip("ipywidgets")

# A made-up catalog, so that these tests do not depend on the translators' wording.
FAKE = {"Objects": "Objekte*", "Type": "Typ*", "Shape": "Form*", "Preview": "Vorschau*", "Origin": "Herkunft*",
        "tensor": "Tensor*", "share": "Anteil*", "sent by {worker}": "gesendet von {worker}*",
        "Shares": "Anteile*", "Re-share": "Neu aufteilen*", "Reconstructed value": "Rekonstruierter Wert*",
        "Messages": "Nachrichten*", "Sender": "Absender*", "By type": "Nach Art*", "Loss": "Verlust*",
        "Step": "Schritt*", "plaintext": "Klartext*"}


@pytest.fixture(autouse=True)
def german(monkeypatch, tmp_path):
    monkeypatch.delenv("PYPRIVATE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(i18n, "_catalog", lambda lang: FAKE if lang == "de" else {})
    i18n.set_language("de")
    yield
    i18n.set_language(None)


@pytest.fixture
def james(hook_):
    return sy.VirtualWorker(hook_, id="james")


def test_store_view_labels(bob):
    view = StoreView(bob, interval=0)
    ptr = torch.ones(2).send(bob)
    assert ptr.id_at_location == view.rows["bob"][0].obj_id  # reading rows draws what is pending
    html = view._panels[0].value
    for label in ("Objekte*: 1", "Typ*", "Form*", "Vorschau*", "Herkunft*", "Tensor*", "gesendet von me*"):
        assert label in html
    assert "bob: Objekte*: 1" in repr(view)


def test_shares_view_labels(bob, alice, james):
    view = SharesView(torch.tensor([1.0]).fix_precision().share(bob, alice, crypto_provider=james))
    assert view._button.description == "Neu aufteilen*"
    assert "Anteile*" in view._table.value and "Rekonstruierter Wert*" in view._table.value
    assert "Rekonstruierter Wert*" in repr(view)


def test_messages_view_labels(bob):
    view = MessagesView(bob)
    torch.ones(1).send(bob)
    view.refresh()
    assert "Nachrichten*" in view._summary.value and "Nach Art*" in view._tables.value
    assert "Absender*" in view._list.value and repr(view).splitlines()[1].startswith("Nachrichten*: ")


def test_loss_curve_labels():
    curve = LossCurve().add("plaintext", 0, 1.0)
    assert repr(curve) == "LossCurve 'Verlust*' (Schritt* → Verlust*)\n  Klartext*: 1, Schritt* 0 → 1"
    assert plots.text("Loss") == "Verlust*"  # what the plot shows


def test_back_to_english(bob):
    i18n.set_language("en")
    view = StoreView(bob, interval=0)
    assert "Objects: 0" in view._panels[0].value


def test_plot_text_stays_english_when_no_font_can_draw_the_script(monkeypatch):
    monkeypatch.setattr(i18n, "_catalog", lambda lang: {"Loss": "लॉस"})
    drawable = plots._fonts()[1]
    expected = "लॉस" if all(ord(c) in drawable for c in "लॉस") else "Loss"
    assert plots.text("Loss") == expected


def test_with_the_real_german_catalog(bob, monkeypatch):
    pytest.importorskip("polib")
    monkeypatch.undo()  # the real catalog
    i18n.set_language("de")
    translated = i18n.gettext("Objects")
    if translated == "Objects":
        pytest.skip("no German catalog with widget labels here")
    view = StoreView(bob, interval=0)
    assert f"{translated}: 0" in view._panels[0].value
    i18n.set_language(None)
