"""`make test` runs the translation check on the real repository (what CI gates on)."""

from pathlib import Path

import pytest

pytest.importorskip("polib")
pytest.importorskip("jupytext")

from pyprivate.i18n import glossary  # noqa: E402
from pyprivate.i18n.check import check_documents, check_glossaries, check_library, check_notebooks  # noqa: E402
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


def test_every_glossary_has_forbidden_terms_and_no_translation_uses_one():
    layout = Layout(ROOT)
    for lang in layout.languages:
        assert glossary.rules(layout.glossary(lang).read_text(encoding="utf-8")), f"{lang}: no Forbidden terms table"
    problems = check_glossaries(layout)
    assert not problems, "\n" + "\n".join(problems)


def test_documents_are_translated_and_built_like_the_tutorials():
    layout = Layout(ROOT)
    if not any(layout.template(name).exists() for name in layout.documents()):
        pytest.skip("translations of the documents (docs/teaching.md) not started: the first "
                    "`python -m pyprivate.i18n update` creates their templates and turns this check on")
    problems = check_documents(layout)
    assert not problems, "\n" + "\n".join(problems)
