"""A static HTML copy of a widget tree, for pages that run no widget JavaScript.

A live widget is drawn by the frontend from state the kernel keeps sending,
so a page built from a saved notebook (a book, nbviewer, GitHub) cannot
show it, or shows the state at the end of the lesson. Each view therefore
also offers ``text/html``: :func:`static_html` of its widget tree at the
moment it is displayed. It reads the same ``HTML`` values and images the
live widget shows, so there is no second copy of the drawing code.

JupyterLab keeps showing the live widget: it ranks the widget MIME type
before ``text/html``. The copy is self-contained (inline styles, images as
``data:`` URIs) and leaves out buttons and other controls, which could not
work on a static page.
"""

import base64
from html import escape

import ipywidgets

__all__ = ["static_html"]

# Layout traits that shape what a learner sees, written as CSS (flex_flow -> flex-flow).
_LAYOUT = ("flex_flow", "align_items", "justify_content", "margin", "padding", "width", "max_width", "height")
_IMAGE_FORMATS = {"png", "jpeg", "gif", "svg+xml"}  # not "url": that would point outside the page


def static_html(widget):
    """HTML that looks like ``widget`` now: HTML values as they are, images inline, boxes as flex rows/columns.

    Anything else (buttons, sliders, text fields) is left out.
    """
    if widget.layout.display == "none":
        return ""
    if isinstance(widget, (ipywidgets.HTML, ipywidgets.HTMLMath)):
        return widget.value
    if isinstance(widget, ipywidgets.Image):
        return _image(widget)
    if isinstance(widget, ipywidgets.Box):
        direction = "column" if isinstance(widget, ipywidgets.VBox) else "row"
        inner = "".join(static_html(child) for child in widget.children)
        if not inner:  # e.g. a row of buttons
            return ""
        return f"<div style='display:flex;flex-direction:{direction};{_style(widget.layout)}'>{inner}</div>"
    return ""


def _image(widget):
    if not widget.value or widget.format not in _IMAGE_FORMATS:
        return ""
    data = base64.b64encode(widget.value).decode("ascii")
    alt = escape(widget.tooltip or "")
    return (f"<img src='data:image/{widget.format};base64,{data}' alt='{alt}' "
            f"style='max-width:100%;height:auto;{_style(widget.layout)}'>")


def _style(layout):
    return "".join(f"{name.replace('_', '-')}:{escape(value)};" for name in _LAYOUT
                   if (value := getattr(layout, name, None)))
