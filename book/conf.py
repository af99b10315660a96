"""Sphinx configuration of the book, shared by every language's build.

tools/build_book.py runs one build per language with PYPRIVATE_LANG=<lang>:
Sphinx then speaks that language (``language``: <html lang>, its search
index and its own words), and so does pyprivate in the kernels that myst-nb
starts to run the lessons, since they inherit the environment.

Nothing on a page comes from outside the site: widgets show the
``text/html`` snapshot taken when their cell ran (never the widget view,
which would need the widget JavaScript from a CDN), and the theme's scripts,
styles and fonts are copied into ``_static/``.
"""

import os
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
sys.path.insert(0, str(BOOK))
from words import words  # noqa: E402

language = os.environ.get("PYPRIVATE_LANG", "en")
WORDS = words(language)

project = "pyprivate"
html_title = WORDS["title"]

extensions = ["myst_nb", "sphinx.ext.autodoc", "language_switcher"]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_context = {"book_words": WORDS}

html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": False,  # the book's title above the contents leads there
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "article_header_start": ["toggle-primary-sidebar.html", "language-switcher.html"],
    "navbar_persistent": [],  # the sidebar has the search field
    "footer_content_items": [],  # no author or copyright line (English in every book)
    "navigation_with_keys": False,
    "toc_title": WORDS["contents"],  # the theme has no Hindi words of its own
}
html_last_updated_fmt = None
html_show_sphinx = False

# MyST: the lessons' headings become link targets (#exercises), as on GitHub.
myst_heading_anchors = 3

# Run every lesson (myst-nb's execution; a failed cell fails the build).
nb_execution_mode = "force"
nb_execution_timeout = 300  # per cell; lesson 5's longest takes about a minute here
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# Widgets: the text/html snapshot their display bundle carries, never the live view.
nb_mime_priority_overrides = [
    ("*", "text/html", 5),
    ("*", "application/vnd.jupyter.widget-view+json", None),
]
nb_ipywidgets_js = {}  # myst-nb's default loads require.js and the widget manager from CDNs
# Solutions (tagged hide-input by the build) fold behind a button.
nb_code_prompt_show = WORDS["show_solution"]
nb_code_prompt_hide = WORDS["hide_solution"]

# The API page documents the names that pyprivate/__init__.py exports.
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_preserve_defaults = True  # torch_module=torch, not the repr of a module with its local path
add_module_names = False
toc_object_entries = False  # the page's contents list each name once, by its heading


def drop_widget_state(app, env):
    """Keep the executed notebooks' widget state out of the pages: nothing there would read it."""
    for data in getattr(env, "nb_metadata", {}).values():
        data.get("js_files", {}).pop("ipywidgets_state", None)


def setup(app):
    app.connect("env-updated", drop_widget_state)
