"""Build a translated notebook or document from the English one and its catalog.

The English notebook is read with jupytext, each markdown paragraph that has
a translation gets it, and the notebook is written back with jupytext in the
same format: code cells, raw cells, cell metadata and the cell structure are
the English ones, byte for byte.

Untranslated and fuzzy entries fall back to the English paragraph (a fuzzy
translation was written for other English, so it may now be wrong). So the
build never refuses unfinished work, and translators can always look at it
in context; `check` is what fails until every entry is translated and
reviewed. The build refuses only a translation that would change the cells.

A document (docs/<name>.md) is built the same way, paragraph by paragraph,
and its fenced code blocks are the English ones, byte for byte.
"""

import copy

from . import catalogs, documents, markdown, notebooks


class BuildError(Exception):
    """A translation would change the notebook's cells, or a document's code blocks, not only their prose."""


def build_notebook(english_text, name, lang, catalog, catalog_path="the catalog"):
    """The text of notebooks/<lang>/<name>.md. `catalog` is a polib catalog or None."""
    expected = notebooks.with_language_links(notebooks.read(english_text), name, lang)
    translated = notebooks.translate(copy.deepcopy(expected), catalogs.translations(catalog))
    text = notebooks.write(translated, like=english_text)
    differences = notebooks.structure_differences(expected, notebooks.read(text))
    if differences:
        raise BuildError(f"{catalog_path}: a translation changes the notebook's cells "
                         f"({'; '.join(differences)}); look for a code fence or a jupytext marker "
                         "(<!-- #region -->) in a msgstr")
    return text


def build_document(english_text, lang, catalog, catalog_path="the catalog", names=()):
    """The text of docs/<lang>/<name>.md. `names` are the translated documents (for their links)."""
    text = documents.relink(documents.translate(english_text, catalogs.translations(catalog)), lang, names)
    if markdown.blocks(text) != markdown.blocks(english_text):
        raise BuildError(f"{catalog_path}: a translation changes the document's code blocks; look for a "
                         "code fence (```) or a $$ line in a msgstr")
    return text
