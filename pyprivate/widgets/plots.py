"""Small matplotlib figures rendered to PNG bytes (Agg, no pyplot: no global state, no display needed).

Plot text is translated like every label, but matplotlib draws it with the
fonts it finds. When none of them has the glyphs of a script (Devanagari,
Bengali), the text stays English rather than turning into empty boxes;
installing e.g. Noto Sans Devanagari / Noto Sans Bengali lifts that.
"""

import functools
import io

import matplotlib
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .common import N_, _

# Fonts for the scripts pyprivate speaks, tried after the default when installed.
SCRIPT_FONTS = ("Noto Sans Devanagari", "Noto Sans Bengali", "Lohit Devanagari", "Lohit Bengali",
                "Nirmala UI", "Mangal", "Vrinda", "Kohinoor Devanagari", "Kohinoor Bangla", "Arial Unicode MS")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INT64_HALF = 2.0**63


@functools.lru_cache(maxsize=1)
def _fonts():
    """(family names, the set of characters they can draw together)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    default = matplotlib.rcParams["font.sans-serif"][0] if matplotlib.rcParams["font.sans-serif"] else "DejaVu Sans"
    installed = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    families = [name for name in (default, "DejaVu Sans", *SCRIPT_FONTS) if name in installed]
    drawable = set()
    for name in dict.fromkeys(families):
        try:
            drawable.update(FT2Font(installed[name]).get_charmap())
        except (OSError, RuntimeError):
            continue
    return list(dict.fromkeys(families)) or ["sans-serif"], frozenset(drawable)


def text(english):
    """``english`` in the current language if the installed fonts can draw it, else in English."""
    translated = _(english)
    _families, drawable = _fonts()
    return translated if all(ord(c) in drawable or c.isspace() for c in translated) else english


def to_png(figure):
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def with_fonts(draw):
    """Run ``draw`` with the font families that cover the scripts (matplotlib falls back glyph by glyph)."""
    @functools.wraps(draw)
    def drawing(*args, **kwargs):
        with matplotlib.rc_context({"font.family": _fonts()[0]}):
            return draw(*args, **kwargs)

    return drawing


def figure(width=6.4, height=3.6):
    return Figure(figsize=(width, height), dpi=80, layout="constrained")


@with_fonts
def share_histogram(values, marks, caption):
    """A histogram of int64 share ``values`` over the whole ring, with the actual share values ``marks`` as lines."""
    fig = figure(5.2, 2.6)
    ax = fig.add_subplot()
    ax.hist(values.double().numpy(), bins=32, range=(-INT64_HALF, INT64_HALF), color="#4c72b0")
    for i, mark in enumerate(marks[:20].tolist()):
        ax.axvline(mark, color="#dd8452", linewidth=1.5, label=text(N_("current share")) if i == 0 else None)
    ax.set_xlim(-INT64_HALF, INT64_HALF)
    ax.set_xticks([-INT64_HALF, 0, INT64_HALF], ["−2⁶³", "0", "2⁶³"])
    ax.set_title(text(N_("One share is uniform noise over the int64 range")), fontsize=10)
    ax.set_xlabel(caption, fontsize=9)
    ax.set_ylabel(text(N_("count")), fontsize=9)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return to_png(fig)


@with_fonts
def curve_png(series, title, xlabel, ylabel, logy=False):
    """``curve_figure(...)`` as PNG bytes."""
    return to_png(curve_figure(series, title, xlabel, ylabel, logy=logy))


def curve_figure(series, title, xlabel, ylabel, logy=False):
    """Lines for ``{label: [(step, value), ...]}``; short series get markers so per-epoch points show.

    When every step is a whole number (rounds, epochs, steps), the x axis has
    whole-number ticks only: a tick at round 1.5 would suggest a half round.
    """
    fig = figure()
    ax = fig.add_subplot()
    for label, points in series.items():
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker="o" if len(points) <= 50 else None, markersize=4, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if all(float(step).is_integer() for points in series.values() for step, _value in points):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if any(series.values()):
        ax.legend()
    return fig


@with_fonts
def views_png(secret, panels, secret_label, seen_label):
    """One small scatter per ``(party, seen, r, noise)``: ``secret`` across, what the party saw up (ring values as
    ±2⁶³); orange where the party sees only noise."""
    fig = figure(min(2.3 * max(len(panels), 1), 9.2), 2.4)
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
    x = secret.double().numpy()
    for ax, (party, seen, r, noise) in zip(axes, panels):
        ring = seen.dtype == torch.int64
        y = seen.double().numpy() / (INT64_HALF if ring else 1)
        ax.scatter(x, y, s=4, alpha=0.5, color="#dd8452" if noise else "#4c72b0", linewidths=0)
        ax.set_title(f"{party}  (r = {r:+.2f})", fontsize=9)
        ax.set_xlabel(secret_label, fontsize=8)
        ax.set_ylabel(seen_label, fontsize=8)
        ax.tick_params(labelsize=7)
        if ring:
            ax.set_ylim(-1.05, 1.05)
            ax.set_yticks([-1, 0, 1], ["−2⁶³", "0", "2⁶³"])
    return to_png(fig)
