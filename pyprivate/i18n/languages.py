"""The languages pyprivate speaks. English is the source; the others are built from catalogs."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    english_name: str
    name: str  # in the language itself: what a reader looks for in the language links
    links_label: str  # "Languages", in the language itself
    plural_forms: str  # the gettext header, as CLDR and Weblate define it


SOURCE = "en"
LANGUAGES = {
    language.code: language
    for language in (
        Language("en", "English", "English", "Languages", "nplurals=2; plural=(n != 1);"),
        Language("hi", "Hindi", "हिन्दी", "भाषाएँ", "nplurals=2; plural=(n > 1);"),
        Language("bn", "Bengali", "বাংলা", "ভাষা", "nplurals=2; plural=(n > 1);"),
        Language("de", "German", "Deutsch", "Sprachen", "nplurals=2; plural=(n != 1);"),
    )
}
TARGETS = tuple(code for code in LANGUAGES if code != SOURCE)


def normalize(code):
    """'de', 'DE', 'de_DE' and 'de-AT' all mean 'de'."""
    return str(code).strip().lower().replace("_", "-").split("-")[0]
