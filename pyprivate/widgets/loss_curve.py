"""LossCurve: a training curve that redraws in place and stays in the saved notebook."""

import base64
import time
import uuid

import torch

from ..tensors import AdditiveSharingTensor, FixedPrecisionTensor, PointerTensor
from . import plots
from .common import _, after_each_cell


class LossCurve:
    """A live plot of one or more series, e.g. plaintext and encrypted training losses.

    ::

        curve = LossCurve(title="Loss", xlabel="Step")
        curve                                   # shows it (or curve.show())
        for step, ...:
            curve.add("plaintext", step, loss.item())
            curve.add("encrypted", step, enc_loss.get().float_precision().item())
        curve.add("encrypted (epoch)", epoch_end_step, epoch_mean)   # a few points: drawn as dots

    Each shown curve is a PNG output with a display id: every redraw
    replaces it in place (at most every ``interval`` seconds while a cell
    runs, and once more when the cell finishes), and the last picture stays
    in the saved, or headlessly executed, notebook. ``curve.series[name]``
    holds every ``(step, value)`` point; ``curve.png()`` the picture
    (``curve.figure()`` the matplotlib figure). Whole-number steps get
    whole-number ticks.
    Title, axis labels and series names are translated when the library's
    catalog knows them ("plaintext", "encrypted", "Loss", "Step", "Epoch").
    """

    def __init__(self, title="Loss", xlabel="Step", ylabel="Loss", *, interval=1.0, logy=False):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.interval, self.logy = interval, logy
        self.series = {}
        self._display_id = f"pyprivate-loss-curve-{uuid.uuid4().hex}"
        self._shown, self._dirty, self._drawn_at, self._closed = False, False, 0.0, False
        self._unhook = after_each_cell(self._flush)

    def add(self, series, step, value):
        """Add the point ``(step, value)`` to ``series`` (created on first use)."""
        point = (_number(step, "step"), _number(value, "value"))
        self.series.setdefault(series, []).append(point)
        self._dirty = True
        if self._shown and not self._closed and time.monotonic() - self._drawn_at >= self.interval:
            self._update()
        return self

    def png(self):
        """The plot now, as PNG bytes."""
        return plots.curve_png(*self._plot_text(), logy=self.logy)

    def figure(self):
        """The plot now, as a matplotlib ``Figure`` that is not drawn yet (png() draws the same one)."""
        return plots.curve_figure(*self._plot_text(), logy=self.logy)

    def _plot_text(self):
        """The series, title and axis labels, translated where the fonts can draw them."""
        labels = {plots.text(name): points for name, points in self.series.items()}
        return labels, plots.text(self.title), plots.text(self.xlabel), plots.text(self.ylabel)

    def show(self):
        """Display the plot here (a static PNG that later redraws replace)."""
        _display(self._bundle(), display_id=self._display_id)
        self._shown, self._dirty, self._drawn_at = True, False, time.monotonic()

    def close(self):
        """Draw the final picture; later points are kept but no longer drawn."""
        self._flush()
        self._closed = True
        if self._unhook is not None:
            self._unhook()
            self._unhook = None

    def _flush(self):
        if self._dirty and self._shown and not self._closed:
            self._update()

    def _update(self):
        _display(self._bundle(), display_id=self._display_id, update=True)
        self._dirty, self._drawn_at = False, time.monotonic()

    def _bundle(self):
        return {"image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": repr(self)}

    def _ipython_display_(self):
        self.show()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self._bundle()

    def __repr__(self):
        lines = [f"LossCurve '{_(self.title)}' ({_(self.xlabel)} → {_(self.ylabel)})"]
        for name, points in self.series.items():
            last = f", {_(self.xlabel)} {points[-1][0]:g} → {points[-1][1]:.4g}" if points else ""
            lines.append(f"  {_(name)}: {len(points)}{last}")
        return "\n".join(lines)


def _display(bundle, display_id, update=False):
    try:
        from IPython import get_ipython
        from IPython.display import display, update_display
    except ImportError:
        return
    if get_ipython() is None:  # plain Python: nothing to show the picture in; png() still works
        return
    (update_display if update else display)(bundle, raw=True, display_id=display_id)


def _number(value, what):
    if isinstance(value, (PointerTensor, FixedPrecisionTensor, AdditiveSharingTensor)):
        raise TypeError(
            f"LossCurve.add() needs the {what} as a plain number; this one is still remote or encrypted: "
            "bring it here first, e.g. loss.get().float_precision().item()"
        )
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise TypeError(f"LossCurve.add() needs one number as the {what}, "
                            f"got a tensor of shape {list(value.shape)}")
        return float(value.detach().item())
    return float(value)
