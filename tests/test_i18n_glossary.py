"""Glossaries' "Forbidden terms": the pattern syntax, the table, and the check that enforces them."""

import unicodedata
from pathlib import Path

import polib
import pytest

from pyprivate.i18n import glossary
from pyprivate.i18n.check import check, check_glossaries
from pyprivate.i18n.layout import Layout
from pyprivate.i18n.workflow import update

ROOT = Path(__file__).resolve().parents[1]


def matches(pattern, text):
    rule = glossary.rules(table(f"`{pattern}`"))[0]
    return rule.find(text) is not None


def table(*patterns, why="a reason"):
    rows = "".join(f"| {p} | a meaning | the right word | {why} |\n" for p in patterns)
    return ("# Glossary\n\n| English | Deutsch | note |\n|---|---|---|\n| share | Anteil | |\n\n"
            "## Forbidden terms\n\nSome prose.\n\n| never write | for | write instead | why |\n|---|---|---|---|\n"
            + rows + "\n## Another section\n\n| `not` | a | rule | table |\n")


# the pattern syntax

def test_words_match_whole_words_only_and_ignore_case():
    assert matches("teilen", "Wir teilen den Tensor.") and matches("teilen", "Teilen Sie ihn.")
    assert not matches("teilen", "Wir mitteilen es.") and not matches("teilen", "die teilenden Worker")


def test_a_star_lets_a_word_go_on_or_start_earlier():
    assert matches("राउंड कर*", "उसे राउंड करने में") and matches("राउंड कर*", "राउंड कर दीजिए")
    assert not matches("राउंड कर*", "राउंड की संख्या") and not matches("राउंड कर*", "राउंड लगते हैं")
    assert matches("*জন ওয়ার্কার*", "কোনো একজন ওয়ার্কারের কাছে") and matches("*জন ওয়ার্কার*", "n জন ওয়ার্কার")
    assert not matches("*জন ওয়ার্কার*", "একটি ওয়ার্কার")


def test_vowel_signs_belong_to_the_word():
    # Python's own \b would end the word "कर" before the vowel sign of "करना" and match it.
    assert not matches("राउंड कर", "राउंड करना") and matches("राउंड कर", "राउंड कर दो")
    assert not matches("ভাগ", "ভাগে ভাগে") and matches("ভাগ", "নিজের ভাগ।")


def test_an_ellipsis_spans_words_but_not_sentences():
    assert matches("teilt … durch", "Jede Stelle teilt den größten Wert, den man kodieren kann, durch zehn.")
    assert matches("teilt ... durch", "Teilt man also die Änderung durch die Änderung")
    assert not matches("teilt … durch", "Er teilt es auf. Durch Zufall bleibt es geheim.")
    assert not matches("teilt … durch", "Er teilt es auf।\u0020durch")  # Bengali and Hindi sentences end with ।
    assert matches("teilt … durch", "Jede Stelle teilt den Wert\ndurch zehn")  # a hard-wrapped sentence
    assert not matches("teilt … durch", "- Bob teilt den Wert\n- durch Zufall")  # but not the next list item


def test_a_regular_expression_with_a_boundary_that_knows_vowel_signs():
    pattern = r"/নিজে(দে)?র ভাগ\b(?!\s*কর)/"
    assert matches(pattern, "eps আর delta-র নিজের ভাগ, সবার সামনে")
    assert not matches(pattern, "নিজের ভাগ করা মান") and not matches(pattern, "নিজের ভাগে")


def test_text_is_compared_in_nfc_and_code_is_never_matched():
    # য় and ज़ exist as one code point and as letter + nukta; editors write either.
    assert matches("একজন ও\u09dfার্কার", "একজন ও\u09af\u09bcার্কার")
    assert matches("बैच सा\u0907\u095b", "बैच सा\u0907\u091c\u093c") and unicodedata.is_normalized("NFC", "\u091c\u093c")
    assert not matches("teilen", "Rufen Sie `teilen()` auf.") and not matches("teilen", "```\nteilen\n```")


# the table

def test_the_table_is_read_from_its_own_section_with_escaped_pipes():
    rules = glossary.rules(table("`teilen … durch`, `durch … geteilt`", r"`/a\|b/`", why="see `x` \\| y"))
    assert [r.patterns for r in rules] == [("`teilen … durch`", "`durch … geteilt`"), ("`/a|b/`",)]
    assert rules[0].meaning == "a meaning" and rules[0].instead == "the right word" and rules[1].why == "see `x` | y"
    assert rules[0].line == 13 and rules[1].line == 14
    assert rules[1].find("xbx") and not rules[1].find("c")


def test_a_glossary_without_the_section_has_no_rules():
    assert glossary.rules("# Glossary\n\n| English | Deutsch |\n|---|---|\n| `a` | b |\n") == []


@pytest.mark.parametrize("text, message", [
    (table("teilen"), "code font"),
    (table("`/(unclosed/`"), "not a valid regular expression"),
    (table("`*`"), "only '*'"),
    (table("`x`").replace("| never write | for |", "| never | for |"), "needs the columns"),
])
def test_a_table_that_cannot_be_read_is_an_error_naming_the_line(text, message):
    with pytest.raises(glossary.GlossaryError, match=f"line \\d+: .*{message}"):
        glossary.rules(text)


# the real glossaries

@pytest.mark.parametrize("lang, wrong, right", [
    ("de", "Teilt man also die Änderung des Gewichts durch die Änderung des Bias, erhält man",
     "Dividiert man also die Änderung des Gewichts durch die Änderung des Bias, erhält man"),
    ("de", "das muss durch 1000 geteilt werden", "Wir teilen den Tensor in Anteile auf. Durch das Netz gehen nur Anteile."),
    ("de", "welche Genauigkeit und welchen Wertebereich Sie damit erhalten",
     "Beide Modelle erreichen etwa dieselbe Genauigkeit. Der Wertebereich ist kleiner."),
    ("hi", "उसे सबसे नज़दीकी पूर्णांक तक राउंड कर दीजिए", "एक तुलना को आठ राउंड चाहिए; राउंड की संख्या"),
    ("hi", "लॉस को बैच साइज़ से भाग देने से पहले", "लॉस को बैच के आकार से भाग देने से पहले"),
    ("bn", "কয়েকজন ওয়ার্কারের প্রত্যেককে", "কয়েকটি ওয়ার্কারের প্রত্যেকটিকে; বব আর অ্যালিস দুজনে মিলে"),
    ("bn", "ওয়ার্কার দুজন হলে", "ওয়ার্কার দুটি হলে"),
    ("bn", "eps আর delta-র নিজের ভাগ, সবার সামনে", "নিজের অংশ; ভাগ করা মান; 1000 দিয়ে ভাগ করা"),
])
def test_the_repository_s_rules_catch_the_mistakes_they_were_written_for(lang, wrong, right):
    rules = glossary.rules((ROOT / "translations" / lang / "glossary.md").read_text(encoding="utf-8"))
    assert rules, f"translations/{lang}/glossary.md has no Forbidden terms table"
    assert any(rule.find(wrong) for rule in rules)
    assert not any(rule.find(right) for rule in rules), [r.patterns for r in rules if r.find(right)]


# the check

NOTEBOOK = """\
# Demo

We divide the sum by `n` and share the result.

```python
x = 1
```
"""


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "notebooks" / "en").mkdir(parents=True)
    (tmp_path / "notebooks" / "en" / "01-demo.md").write_text(NOTEBOOK, encoding="utf-8")
    layout = Layout(tmp_path, languages=("de",))
    (tmp_path / "translations" / "de").mkdir(parents=True)
    layout.glossary("de").write_text(table("`teilen … durch`, `durch … geteilt`"), encoding="utf-8")
    update(layout, log=lambda message: None)
    return layout


def translate(layout, text):
    po = polib.pofile(str(layout.catalog("de", "01-demo")))
    po.find("# Demo").msgstr = "# Demo"
    po.find("We divide the sum by `n` and share the result.").msgstr = text
    po.save()
    update(layout, log=lambda message: None)


def test_a_clean_catalog_passes(repo):
    translate(repo, "Wir dividieren die Summe durch `n` und teilen das Ergebnis geheim.")
    assert check(repo) == []


def test_a_forbidden_term_fails_the_check_naming_file_entry_and_rule(repo):
    translate(repo, "Wir teilen die Summe durch `n` und das Ergebnis geheim.")
    problems = check(repo)
    assert problems == check_glossaries(repo) and len(problems) == 1
    assert problems[0] == (
        "translations/de/01-demo.po: 'teilen die Summe durch' is forbidden for a meaning "
        "(translations/de/glossary.md, line 13); write the right word instead:\n"
        "    cell 1: 'We divide the sum by `n` and share the result.'")


def test_the_library_catalog_is_held_to_the_glossary_too(repo):
    catalog = repo.catalog("de", "pyprivate")
    po = polib.POFile()
    po.append(polib.POEntry(msgid="{n} divided by {d}", msgstr="{n}, durch {d} geteilt"))
    po.save(str(catalog))
    assert "translations/de/pyprivate.po: 'durch {d} geteilt' is forbidden" in "\n".join(check_glossaries(repo))


def test_an_unreadable_table_is_reported_once(repo):
    repo.glossary("de").write_text(table("teilen"), encoding="utf-8")
    assert check_glossaries(repo) == [
        "translations/de/glossary.md: line 13: write each forbidden pattern in code font (`...`), found 'teilen'"]
