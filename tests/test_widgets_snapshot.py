"""Each view also leaves a static HTML copy of what it shows when displayed, for pages without widget JavaScript."""

import base64
import re

import pytest
import torch

import pyprivate as sy
from pyprivate.widgets import LossCurve, MessagesView, SharesView, StoreView
from pyprivate.widgets.plots import PNG_SIGNATURE
from pyprivate.widgets.snapshot import static_html

ipywidgets = pytest.importorskip("ipywidgets")
i18n = pytest.importorskip("pyprivate.i18n")

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def shell(english):
    interactive = pytest.importorskip("IPython.core.interactiveshell")
    instance = interactive.InteractiveShell.instance()
    yield instance
    interactive.InteractiveShell.clear_instance()


def displayed(shell, view, then=lambda: None):
    """The outputs of a cell that displays ``view`` and of the next cell, which runs ``then``."""
    from IPython.display import display
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        display(view)
        shell.events.trigger("post_run_cell", None)
        then()
        shell.events.trigger("post_run_cell", None)
    return captured.outputs


def assert_static(html):
    """Nothing on a static page could run or fetch: no controls, scripts or outside resources."""
    for absent in ("<button", "<input", "<script", "<link", "<iframe", "http://", "https://", "url("):
        assert absent not in html.lower(), absent
    assert html.startswith("<div class='pyprivate-snapshot'>")


def test_store_view_shows_what_bob_held_when_it_was_displayed(shell, bob):
    kept = [torch.ones(2).send(bob), torch.zeros(3).send(bob)]
    view = StoreView(bob, interval=0)
    outputs = displayed(shell, view, then=lambda: kept.append(torch.ones(1).send(bob)))
    (output,) = outputs  # the later change redrew the live widget only: no display update
    html = output.data["text/html"]
    assert "Objects: 2" in html and "Objects: 3" in view._panels[0].value
    assert all(str(ptr.id_at_location) in html for ptr in kept[:2]) and str(kept[2].id_at_location) not in html
    assert WIDGET in output.data and "bob: Objects: 2" in output.data["text/plain"]
    assert_static(html)


def test_a_redraw_held_back_by_the_interval_is_in_the_snapshot(english, bob):
    view = StoreView(bob, interval=3600)
    ptr = torch.ones(3).send(bob)  # not drawn yet: the last draw was just now
    assert "Objects: 0" in view._panels[0].value
    assert f"<code>{ptr.id_at_location}</code>" in view._repr_mimebundle_()["text/html"]


def test_shares_view_snapshot_has_the_table_and_the_histogram_but_no_button(shell, bob, alice, james):
    x = torch.tensor([1.5, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    view = SharesView(x)
    shown = view.shares[0][0].item()
    (output,) = displayed(shell, view, then=view.reshare)
    html = output.data["text/html"]
    assert_static(html)
    assert "Shares" in html and "Reconstructed value" in html and "Re-share" not in html
    (png,) = re.findall(r"<img src='data:image/png;base64,([A-Za-z0-9+/=]+)' alt='([^']*)'", html)
    # No alt text: SharesView sets no tooltip on its Image, which JupyterLab then does not draw at all.
    assert base64.b64decode(png[0]).startswith(PNG_SIGNATURE)
    assert str(shown) in html and view.reshares == 1
    assert str(view.shares[0][0].item()) not in html  # re-shared after it was shown: the copy keeps the old shares


def test_messages_view_snapshot_counts_up_to_its_display(shell, bob):
    view = MessagesView(bob)
    ptr = torch.ones(4).send(bob)  # the view reads the logs when it is displayed
    outputs = displayed(shell, view, then=lambda: ptr.get())
    (output,) = outputs
    html = output.data["text/html"]
    assert_static(html)
    assert "Messages <span style='font-weight:normal;opacity:.7'>1 ·" in html and "send" in html
    assert "Refresh" not in html and "Count from now" not in html
    assert view.total.messages == 2  # the live view counted the get after the next cell


def test_snapshots_are_in_the_notebook_s_language(bob, alice, james, monkeypatch, tmp_path):
    fake = {"Objects": "Objekte*", "Shares": "Anteile*", "Re-share": "Neu aufteilen*", "Messages": "Nachrichten*",
            "Reconstructed value": "Rekonstruierter Wert*", "By type": "Nach Art*"}
    monkeypatch.delenv("PYPRIVATE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(i18n, "_catalog", lambda lang: fake if lang == "de" else {})
    i18n.set_language("de")
    try:
        x = torch.tensor([1.0]).fix_precision().share(bob, alice, crypto_provider=james)
        store = StoreView(bob, alice, interval=0)._repr_mimebundle_()["text/html"]
        shares = SharesView(x)._repr_mimebundle_()["text/html"]
        messages = MessagesView(bob)._repr_mimebundle_()["text/html"]
    finally:
        i18n.set_language(None)
    assert "Objekte*: 1" in store  # bob's share of x
    assert "Anteile*" in shares and "Rekonstruierter Wert*" in shares and "Neu aufteilen*" not in shares
    assert "Nachrichten*" in messages and "Nach Art*" in messages


def test_without_a_widget_frontend_the_snapshot_and_the_text_remain(english, bob):
    view = StoreView(bob, interval=0)
    ptr = torch.ones(1).send(bob)
    view.close()  # no comm any more: nothing a frontend could draw live
    bundle = view._repr_mimebundle_()
    assert WIDGET not in bundle and str(ptr.id_at_location) in bundle["text/html"]
    assert "Objects: 1" in bundle["text/html"] and "bob: Objects: 1" in bundle["text/plain"]


def test_a_loss_curve_is_a_png_already_and_keeps_redrawing_in_place(english):
    # It is shown before training and filled by later cells: its one picture follows (update_display).
    bundle = LossCurve().add("plaintext", 0, 1.0)._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)


def test_static_html_leaves_out_controls_hidden_widgets_and_outside_images():
    tree = ipywidgets.VBox([
        ipywidgets.HTML("<b>kept</b>"),
        ipywidgets.HBox([ipywidgets.Button(description="Go"), ipywidgets.IntSlider()]),
        ipywidgets.HTML("hidden", layout=ipywidgets.Layout(display="none")),
        ipywidgets.Image(value=b"https://example.org/a.png", format="url"),
        ipywidgets.Image(value=PNG_SIGNATURE, format="png", tooltip="a <plot>",
                         layout=ipywidgets.Layout(max_width="420px")),
    ], layout=ipywidgets.Layout(margin="0 24px"))
    html = static_html(tree)
    assert html == ("<div style='display:flex;flex-direction:column;margin:0 24px;'><b>kept</b>"
                    f"<img src='data:image/png;base64,{base64.b64encode(PNG_SIGNATURE).decode()}' "
                    "alt='a &lt;plot&gt;' style='max-width:100%;height:auto;max-width:420px;'></div>")
