"""Build a translated notebook from the English one and its catalog.

The English notebook is read with jupytext, each markdown paragraph that has
a translation gets it, and the notebook is written back with jupytext in the
same format: code cells, raw cells, cell metadata and the cell structure are
the English ones, byte for byte.

Untranslated and fuzzy entries fall back to the English paragraph (a fuzzy
translation was written for other English, so it may now be wrong). So the
build never refuses unfinished work, and translators can always look at it
in context; `check` is what fails until every entry is translated and
reviewed. The build refuses only a translation that would change the cells.
"""

import copy

from . import catalogs, notebooks


class BuildError(Exception):
    """A translation would change the notebook's cells, not only their prose."""


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
