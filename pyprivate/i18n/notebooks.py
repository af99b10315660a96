"""Tutorial notebooks as jupytext reads them: their paragraphs, their language links, their code.

Only the prose of markdown paragraphs ever changes between languages. Cells
are never added, removed or reordered (except the language links, which
the tool itself adds to the English source), and code and raw cells are
never touched.
"""

import re

import jupytext
from nbformat.v4 import new_markdown_cell

from . import markdown
from .languages import LANGUAGES

_JUPYTEXT_VERSION = re.compile(r"^[ \t]*jupytext_version:.*\n", re.M)
_LABELS = "|".join(re.escape(language.links_label) for language in LANGUAGES.values())
_LINKS = re.compile(rf"^\*\*(?:{_LABELS}):\*\* .*\]\(\.\./")  # a line language_links() wrote


def read(text):
    """A notebook from jupytext Markdown text."""
    return jupytext.reads(text, fmt="md")


def write(notebook, like):
    """The notebook as jupytext Markdown, in the same format (and header) as the text `like`.

    The jupytext_version line of the header is copied from `like`, so that the
    output does not depend on the jupytext installed on the translator's machine.
    """
    text_format = notebook.metadata.get("jupytext", {}).get("text_representation", {})
    text = jupytext.writes(notebook, fmt="md:" + text_format.get("format_name", "markdown"))
    original = _JUPYTEXT_VERSION.search(like)
    return _JUPYTEXT_VERSION.sub(original.group(0) if original else "", text, count=1)


def language_links(name, lang):
    """The line that links a notebook to its versions in the other languages."""
    links = [language.name if code == lang else f"[{language.name}](../{code}/{name}.md)"
             for code, language in LANGUAGES.items()]
    return f"**{LANGUAGES[lang].links_label}:** " + " · ".join(links)


def is_language_links(paragraph):
    return bool(_LINKS.match(paragraph))


def with_language_links(notebook, name, lang):
    """Put (or refresh) the language links after the title in the first cell. Idempotent."""
    if not notebook.cells or notebook.cells[0].cell_type != "markdown":
        notebook.cells.insert(0, new_markdown_cell(""))
    cell = notebook.cells[0]
    parts = markdown.split(cell.source)
    for i in reversed(range(0, len(parts), 2)):
        if is_language_links(parts[i]):
            start = i - 1 if i else 0  # the links and the blank line before (or after) them
            del parts[start:start + 2]
    parts = parts or [""]
    links = language_links(name, lang)
    if parts[0].startswith("#"):
        parts[1:1] = ["\n\n", links]
    elif parts == [""]:
        parts = [links]
    else:
        parts[:0] = [links, "\n\n"]
    cell.source = "".join(parts)
    return notebook


def paragraphs(notebook):
    """(cell index, paragraph) for each paragraph a translator should translate."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            for paragraph in markdown.split(cell.source)[::2]:
                if markdown.is_translatable(paragraph) and not is_language_links(paragraph):
                    yield index, paragraph


def translate(notebook, translations):
    """Replace each paragraph that has a translation; everything else stays English."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts = markdown.split(cell.source)
            parts[::2] = [translations.get(p, p) if not is_language_links(p) else p for p in parts[::2]]
            cell.source = "".join(parts)
    return notebook


def structure_differences(english, translated):
    """How `translated` differs from `english` beyond markdown prose (empty if it does not)."""
    if len(english.cells) != len(translated.cells):
        return [f"has {len(translated.cells)} cells, English has {len(english.cells)}"]
    differences = []
    for number, (ours, theirs) in enumerate(zip(english.cells, translated.cells), start=1):
        if ours.cell_type != theirs.cell_type:
            differences.append(f"cell {number} is {theirs.cell_type}, in English it is {ours.cell_type}")
        elif ours.cell_type != "markdown" and ours.source != theirs.source:
            differences.append(f"{ours.cell_type} cell {number} differs from English")
        elif ours.metadata != theirs.metadata:
            differences.append(f"cell {number} has other metadata than in English")
    return differences
