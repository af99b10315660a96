"""Templates (.pot): what there is to translate, taken from the English sources.

A tutorial's template has one entry per markdown paragraph, keyed by its
English text (msgctxt is the notebook's name, the same for every entry), so
moving a paragraph never loses its translation. The "#:" reference of an
entry is the English notebook and the cell number (counting from 1). A
document's template (docs/<name>.md) is made the same way, with the line
number of the paragraph instead of a cell.

The library's template (pyprivate.pot) has the string literals that the
package passes to `_()`, `gettext()` or `N_()`, sorted, so that editing code
around them does not change it.
"""

import ast

import polib

from . import catalogs, documents, markdown, notebooks

MARKERS = {"_", "gettext", "N_"}


def notebook_template(notebook, name, source):
    """The template of one English notebook (read with jupytext; `source` is its path)."""
    cells = ((index + 1, paragraph) for index, paragraph in notebooks.paragraphs(notebook))
    return _paragraphs_template(cells, name, source, catalogs.NOTEBOOK_REFERENCES)


def document_template(text, name, source):
    """The template of one English Markdown document (its text; `source` is its path)."""
    return _paragraphs_template(documents.paragraphs(text), name, source, catalogs.DOCUMENT_REFERENCES)


def _paragraphs_template(located, name, source, references):
    """One entry per distinct paragraph of `located` ((where, paragraph) pairs), in order of first use."""
    po = catalogs.new_template(source, references)
    entries = {}
    for where, paragraph in located:
        if paragraph not in entries:
            entries[paragraph] = polib.POEntry(msgctxt=name, msgid=paragraph, comment=markdown.kind(paragraph) or "")
            po.append(entries[paragraph])
        entries[paragraph].occurrences.append((source, str(where)))
    return po


def library_template(package, root):
    """The template of the strings the package (a directory) marks for translation."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for text in marked_strings(path.read_text(encoding="utf-8")):
            found.setdefault(text, set()).add(relative)
    po = catalogs.new_template(f"the {package.name} package (strings in _(), gettext(), N_())")
    for text in sorted(found):
        po.append(polib.POEntry(msgid=text, occurrences=[(f, "") for f in sorted(found[text])]))
    return po


def marked_strings(code):
    """String literals passed to _(), gettext() or N_() in Python source."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a module being edited; its own tests will say so
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and _name(node.func) in MARKERS:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                yield first.value


def _name(function):
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None
