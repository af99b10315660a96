"""What the widgets share: text formatting, small HTML tables, and the base class.

Every label a learner reads goes through ``_()`` when the widget draws, so
the widgets follow ``set_language(...)`` (and the notebook's folder).
"""

import gc
import html
import sys

from ..i18n import N_, _
from ..workers.client import request
from ..workers.messages import GetObject
from .snapshot import static_html

__all__ = ["_", "N_", "View", "after_each_cell", "escape", "format_bytes", "format_shape", "format_dtype", "peek", "preview",
           "table", "heading", "tearing_down"]

escape = html.escape


def format_bytes(n):
    """``812 B``, ``12.3 kB``, ``4.56 MB`` (SI units, as network tools count)."""
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            return f"{n:.3g} {unit}"


def format_shape(shape):
    return str(list(shape))


def format_dtype(dtype):
    return str(dtype).removeprefix("torch.")


def peek(pointer):
    """A copy of what ``pointer`` points to, which stays where it is (``GetObject(remove=False)``).

    For teaching views only: they look over a party's shoulder, the way a
    protocol opens a masked value, which no real party could do.
    """
    return request(pointer.location, GetObject(pointer.id_at_location, remove=False))


def preview(tensor, count=4):
    """The first ``count`` values, e.g. ``[1, 2, 3, …]``; floats with 4 significant digits."""
    flat = tensor.detach().reshape(-1)
    values = flat[:count].tolist()
    shown = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in values]
    if tensor.dim() == 0:
        return shown[0]
    return "[" + ", ".join(shown) + (", …]" if flat.numel() > count else "]")


_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid rgba(128,128,128,.3)"
_NUMBER = "padding:2px 8px;text-align:right;border-bottom:1px solid rgba(128,128,128,.3);font-family:monospace"


def table(headers, rows, numeric=(), code=()):
    """An HTML table; ``numeric`` columns are right-aligned, ``code`` columns monospaced (indices)."""
    def cell(tag, i, value):
        style = _NUMBER if i in numeric else _CELL
        text = escape(str(value))
        return f"<{tag} style='{style}'>{f'<code>{text}</code>' if i in code and text else text}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return (f"<table style='border-collapse:collapse;font-size:90%'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def heading(text, note=""):
    extra = f" <span style='font-weight:normal;opacity:.7'>{escape(note)}</span>" if note else ""
    return f"<div style='font-weight:bold;margin:4px 0'>{escape(text)}{extra}</div>"


_collecting = False


def _track_collection(phase, info):
    global _collecting
    _collecting = phase == "start"


gc.callbacks.append(_track_collection)


def tearing_down():
    """Whether Python is collecting garbage or shutting down.

    A store can change then (a collected pointer deletes its remote object),
    but its other tensors may be half-destroyed: widgets must not read them.
    """
    return _collecting or sys.is_finalizing()


def after_each_cell(callback):
    """Call ``callback()`` after every notebook cell (nothing outside IPython); returns an unregister function.

    Widgets use it to draw their final state once a cell is done, so that
    they can skip redraws while a loop is running.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return lambda: None
    shell = get_ipython()
    if shell is None:
        return lambda: None

    def run(result=None):
        try:
            callback()
        except Exception:  # a widget must never break the learner's cell
            pass

    shell.events.register("post_run_cell", run)

    def unregister():
        try:
            shell.events.unregister("post_run_cell", run)
        except ValueError:
            pass

    return unregister


class View:
    """Base class: an ipywidgets box in ``self.widget`` plus a plain-text summary (``repr``).

    Displaying the object offers three forms of it: the live widget (which
    JupyterLab shows, and keeps up to date), a static ``text/html`` copy of
    what the widget shows at that moment (for pages built from the saved
    notebook, which run no widget JavaScript), and plain text (a terminal).
    """

    widget = None
    _unhook = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        self._draw_now()
        bundle = {}
        if self.widget is not None and self.widget.comm is not None:
            bundle = dict(self.widget._repr_mimebundle_() or {})
        if self.widget is not None:
            # Taken once, here: later redraws change the live widget only, never this output.
            bundle["text/html"] = f"<div class='pyprivate-snapshot'>{static_html(self.widget)}</div>"
        bundle["text/plain"] = repr(self)
        return bundle

    def _draw_now(self):
        """Bring the widget up to date before it is displayed (the ``text/html`` copy is taken from it)."""

    def close(self):
        """Stop updating and remove the widget from the page."""
        if self._unhook is not None:
            self._unhook()
            self._unhook = None
        if self.widget is not None:
            _close_tree(self.widget)


def _close_tree(widget):
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
