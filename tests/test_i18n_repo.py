"""`make test` runs the translation check on the real repository (what CI gates on)."""

from pathlib import Path

import pytest

pytest.importorskip("polib")
pytest.importorskip("jupytext")

from pyprivate.i18n.check import check_library, check_notebooks  # noqa: E402
from pyprivate.i18n.layout import Layout  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_library_strings_are_translated_in_every_language():
    problems = check_library(Layout(ROOT))
    assert not problems, "\n" + "\n".join(problems)


def test_tutorial_translations_are_complete_and_built_from_the_current_english():
    layout = Layout(ROOT)
    if not any(layout.template(name).exists() for name in layout.names()):
        pytest.skip("translations of the tutorials not started: the first `python -m pyprivate.i18n update` "
                    "creates translations/templates/*.pot and turns this check on")
    problems = check_notebooks(layout)
    assert not problems, "\n" + "\n".join(problems)
