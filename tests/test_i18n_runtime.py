"""The library speaks the notebook's language: set_language, get_language, _()."""

import polib
import pytest

import pyprivate.i18n as i18n
from pyprivate.i18n import _, get_language, gettext, labels, set_language

LABELS = [value for name, value in vars(labels).items() if name.isupper() and isinstance(value, str)]


pytestmark = pytest.mark.usefixtures("english")  # English, outside any notebooks/ folder


def test_english_by_default_and_text_is_returned_unchanged():
    assert get_language() == "en"
    assert _("Loss") == "Loss"


@pytest.mark.parametrize("lang, loss, shares", [("de", "Verlust", "Anteile"), ("hi", "लॉस", "हिस्से"),
                                                ("bn", "লস", "অংশ")])
def test_set_language_translates_widget_labels(lang, loss, shares):
    set_language(lang)
    assert get_language() == lang
    assert _("Loss") == loss and gettext("Shares") == shares


def test_unknown_strings_fall_back_to_english():
    set_language("de")
    assert _("Something nobody translated") == "Something nobody translated"


def test_unknown_language_is_an_error_naming_the_supported_ones():
    with pytest.raises(ValueError, match=r"'xx'.*en \(English\), hi \(हिन्दी\), bn \(বাংলা\), de \(Deutsch\)"):
        set_language("xx")


def test_regional_codes_mean_the_language():
    set_language("de_AT")
    assert get_language() == "de"


def test_the_language_follows_the_notebook_folder(monkeypatch, tmp_path):
    folder = tmp_path / "build" / "notebooks" / "hi"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)  # where Jupyter and nbval start the kernel
    assert get_language() == "hi"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/pyprivate/notebooks/bn/01-pointers.md")
    assert get_language() == "bn"
    monkeypatch.setenv("PYPRIVATE_LANG", "de")
    assert get_language() == "de"
    set_language("en")
    assert get_language() == "en"


def test_without_catalogs_everything_is_english(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path / "nowhere")
    i18n._catalog.cache_clear()
    try:
        set_language("de")
        assert _("Loss") == "Loss"
    finally:
        i18n._catalog.cache_clear()


def test_fuzzy_translations_are_not_used(monkeypatch, tmp_path):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Loss", msgstr="Verlust"))
    po.append(polib.POEntry(msgid="Step", msgstr="Stufe", flags=["fuzzy"]))
    (tmp_path / "de").mkdir()
    po.save(str(tmp_path / "de" / "pyprivate.po"))
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    i18n._catalog.cache_clear()
    try:
        set_language("de")
        assert (_("Loss"), _("Step")) == ("Verlust", "Step")
    finally:
        i18n._catalog.cache_clear()


@pytest.mark.parametrize("lang", ["hi", "bn", "de"])
def test_every_widget_label_is_translated(lang):
    assert len(LABELS) == 18
    assert sorted(set(LABELS) - set(i18n._catalog(lang))) == []
