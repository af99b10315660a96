"""Templates (.pot): what there is to translate, taken from the English sources.

A tutorial's template has one entry per markdown paragraph, keyed by its
English text (msgctxt is the notebook's name, the same for every entry), so
moving a paragraph never loses its translation. The "#:" reference of an
entry is the English notebook and the cell number (counting from 1).

The library's template (pyprivate.pot) has the string literals that the
package passes to `_()`, `gettext()` or `N_()`, sorted, so that editing code
around them does not change it.
"""

import ast

import polib

from . import catalogs, markdown, notebooks

MARKERS = {"_", "gettext", "N_"}


def notebook_template(notebook, name, source):
    """The template of one English notebook (read with jupytext; `source` is its path)."""
    po = catalogs.new_template(source)
    entries = {}
    for index, paragraph in notebooks.paragraphs(notebook):
        if paragraph not in entries:
            entries[paragraph] = polib.POEntry(msgctxt=name, msgid=paragraph, comment=markdown.kind(paragraph) or "")
            po.append(entries[paragraph])
        entries[paragraph].occurrences.append((source, str(index + 1)))
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
