"""LossCurve: holds every point, renders PNGs, and redraws one display output in place."""

import base64

import pytest
import torch

from pyprivate.widgets import LossCurve
from pyprivate.widgets.plots import PNG_SIGNATURE


def test_holds_every_point_of_every_series():
    curve = LossCurve(title="Loss", xlabel="Step")
    for step in range(250):
        curve.add("plaintext", step, 1 / (step + 1))
        if step % 50 == 49:
            curve.add("encrypted", step, torch.tensor(2 / (step + 1)))  # a 0-d tensor is fine
    assert len(curve.series["plaintext"]) == 250 and curve.series["plaintext"][9] == (9.0, 0.1)
    steps, values = zip(*curve.series["encrypted"])
    assert steps == (49.0, 99.0, 149.0, 199.0, 249.0) and values == pytest.approx([2 / (s + 1) for s in steps])


def test_png_bytes():
    curve = LossCurve()
    assert curve.png().startswith(PNG_SIGNATURE)  # even empty
    curve.add("plaintext", 0, 1.0).add("plaintext", 1, 0.5).add("encrypted", 1, 0.7)
    assert curve.png().startswith(PNG_SIGNATURE)
    assert LossCurve(logy=True).add("x", 1, 0.1).add("x", 2, 0.01).png().startswith(PNG_SIGNATURE)


def test_encrypted_or_remote_values_must_be_decrypted_first(bob):
    curve = LossCurve()
    with pytest.raises(TypeError, match=r"loss.get\(\).float_precision\(\).item\(\)"):
        curve.add("encrypted", 0, torch.tensor(1.0).send(bob))
    with pytest.raises(TypeError, match="one number"):
        curve.add("plaintext", 0, torch.ones(2))
    assert curve.series == {}


def test_repr_summarises_the_series():
    curve = LossCurve(title="Training loss", xlabel="Epoch")
    curve.add("plaintext", 1, 0.5).add("plaintext", 2, 0.25)
    assert repr(curve) == "LossCurve 'Training loss' (Epoch → Loss)\n  plaintext: 2, Epoch 2 → 0.25"


@pytest.fixture
def shell():
    interactive = pytest.importorskip("IPython.core.interactiveshell")
    instance = interactive.InteractiveShell.instance()
    yield instance
    interactive.InteractiveShell.clear_instance()


def test_in_ipython_it_leaves_a_png_output_that_redraws_in_place(shell):
    from IPython.display import display
    from IPython.utils.capture import capture_output

    curve = LossCurve(interval=3600)
    with capture_output() as captured:
        display(curve)
        curve.add("plaintext", 0, 1.0)  # throttled: no redraw yet
        shell.events.trigger("post_run_cell", None)  # the cell ends: the final state is drawn
        curve.add("plaintext", 1, 0.5)
        curve.close()
        curve.interval = 0
        curve.add("plaintext", 2, 0.25)  # after close(): kept, but no more redraws
        shell.events.trigger("post_run_cell", None)
    outputs = captured.outputs
    assert len(outputs) == 3
    ids = {o.transient["display_id"] for o in outputs}
    assert len(ids) == 1 and [o.update for o in outputs] == [False, True, True]
    for output, points in zip(outputs, (0, 1, 2)):
        assert base64.b64decode(output.data["image/png"]).startswith(PNG_SIGNATURE)
        assert (f"plaintext: {points}" in output.data["text/plain"]) == (points > 0)
    assert len(curve.series["plaintext"]) == 3


def test_without_ipython_showing_is_silent(capsys):
    curve = LossCurve(interval=0)
    curve.show()
    curve.add("plaintext", 0, 1.0)
    curve.close()
    assert capsys.readouterr().out == ""


def _x_ticks_in_view(figure):
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    return [tick for tick in axes.get_xticks() if low <= tick <= high]


def test_whole_number_steps_get_whole_number_ticks_only():
    from matplotlib.ticker import MaxNLocator

    curve = LossCurve(xlabel="Epoch")
    for epoch in (1, 2, 3):  # three points: matplotlib alone would put ticks at 1.5 and 2.5
        curve.add("plaintext", epoch, 1 / epoch)
    curve.add("encrypted", torch.tensor(3), 0.4)  # a 0-d integer tensor is a whole number too
    figure = curve.figure()
    assert isinstance(figure.axes[0].xaxis.get_major_locator(), MaxNLocator)
    ticks = _x_ticks_in_view(figure)
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels and all(label.lstrip("−-").isdigit() for label in labels if label), labels


def test_fractional_steps_keep_matplotlib_s_usual_ticks():
    curve = LossCurve()
    for step in (1, 2, 3):
        curve.add("plaintext", step, 1 / step)
    curve.add("plaintext", 3.5, 0.2)  # one step between two whole ones is enough
    ticks = _x_ticks_in_view(curve.figure())
    assert any(not float(tick).is_integer() for tick in ticks), ticks
