"""Text that pyprivate shows to learners (widget labels, headings), in the notebook's language.

    from pyprivate.i18n import _
    _("Loss")            # "Verlust" when the notebook is German

The language follows the notebook without any code in it, so that code cells
stay identical in every language: a kernel started for notebooks/de/... (by
JupyterLab, or by nbval on build/notebooks/de/...) speaks German, and so do
the classroom editions and slides built from it (build/classroom/student/de/...). An explicit
`set_language("hi")` or the PYPRIVATE_LANG environment variable wins over that.

Translations come from translations/<lang>/pyprivate.po at the repository
root (loaded with polib, once per language). Unknown strings, a missing
catalog (an installed wheel has none) or a missing polib all mean English.

The translation *tools* (`python -m pyprivate.i18n update|check|status`) live
in the submodules and are not imported here.
"""

import functools
import os
from pathlib import Path

from .languages import LANGUAGES, SOURCE, normalize

__all__ = ["SUPPORTED", "set_language", "get_language", "gettext", "_", "N_"]

SUPPORTED = tuple(LANGUAGES)
# Folders whose <lang>/ subfolders hold notebooks in that language.
NOTEBOOK_FOLDERS = ("notebooks", "student", "teacher", "slides", "otter")
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
_chosen = None


def set_language(lang):
    """Speak `lang` ('en', 'hi', 'bn' or 'de') from now on; None goes back to following the notebook."""
    global _chosen
    if lang is None:
        _chosen = None
        return
    code = normalize(lang)
    if code not in LANGUAGES:
        known = ", ".join(f"{c} ({language.name})" for c, language in LANGUAGES.items())
        raise ValueError(f"pyprivate does not speak {lang!r}; supported languages: {known}")
    _chosen = code


def get_language():
    """The language pyprivate speaks now: set_language's, else PYPRIVATE_LANG's, else the notebook's."""
    return _chosen or detect_language()


def detect_language():
    """The language of the running notebook, from where it lives (notebooks/<lang>/...), else English."""
    candidates = [os.environ.get("PYPRIVATE_LANG", "")]
    session = os.environ.get("JPY_SESSION_NAME")  # the notebook's path, set by Jupyter servers
    folders = [Path(session).parent] if session else []
    folders.append(Path.cwd())  # kernels start in the notebook's folder
    candidates += [folder.name for folder in folders if folder.parent.name in NOTEBOOK_FOLDERS]
    for candidate in candidates:
        if normalize(candidate) in LANGUAGES:
            return normalize(candidate)
    return SOURCE


def gettext(text):
    """`text` in the current language, or `text` itself when there is no translation."""
    lang = get_language()
    if lang == SOURCE:
        return text
    return _catalog(lang).get(text, text)


_ = gettext


def N_(text):
    """Mark `text` for translation (so the extractor finds it) without translating it yet."""
    return text


@functools.lru_cache(maxsize=None)
def _catalog(lang):
    path = TRANSLATIONS / lang / "pyprivate.po"
    if not path.is_file():
        return {}
    try:
        import polib
        catalog = polib.pofile(str(path))
    except (ImportError, OSError, ValueError):
        return {}
    return {entry.msgid: entry.msgstr for entry in catalog if entry.translated()}
