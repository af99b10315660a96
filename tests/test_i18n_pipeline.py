"""The translation pipeline (extract, merge, build, check, update) on a temporary checkout."""

import jupytext
import polib
import pytest

from pyprivate.i18n import notebooks
from pyprivate.i18n.__main__ import main
from pyprivate.i18n.check import check
from pyprivate.i18n.layout import Layout
from pyprivate.i18n.workflow import update

DEMO = """\
---
jupyter:
  jupytext:
    text_representation:
      extension: .md
      format_name: markdown
      format_version: '1.3'
      jupytext_version: 1.16.0
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---

# Demo: pointers

We send a tensor to Bob with `x.send(bob)`.
The data stays with Bob.

Steps:

- create a worker

- send a tensor
  to it

```text
a fenced block in markdown

with a blank line
```

```python
import torch
x = torch.tensor([1, 2, 3])
```

## Results

| name | meaning |
|---|---|
| `bob` | a worker |

```python tags=["raises-exception"]
y = x + x


y
```
"""
INTRO = "We send a tensor to Bob with `x.send(bob)`.\nThe data stays with Bob."
LIST = "- create a worker\n\n- send a tensor\n  to it"
LANGS = ("hi", "bn", "de")


def fake_translation(lang, english):
    """A 'translation' that keeps code spans and markdown structure, like a careful translator."""
    return "\n".join(f"{line} [{lang}]" if line.strip() else line for line in english.split("\n"))


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "notebooks" / "en").mkdir(parents=True)
    (tmp_path / "notebooks" / "en" / "01-demo.md").write_text(DEMO, encoding="utf-8")
    return Layout(tmp_path)


def quiet_update(layout):
    written = []
    update(layout, log=written.append)
    return written


def catalog(layout, lang):
    return polib.pofile(str(layout.catalog(lang, "01-demo")))


def translate(layout, langs=LANGS, edit=fake_translation):
    """Translate every entry (and clear fuzzy flags) as translators would, then run update."""
    for lang in langs:
        po = catalog(layout, lang)
        for entry in po:
            if not entry.obsolete:
                entry.msgstr = edit(lang, entry.msgid)
                if entry.fuzzy:
                    entry.flags.remove("fuzzy")
                    entry.previous_msgid = None
        po.save()
    quiet_update(layout)


def edit_english(layout, old, new):
    path = layout.notebook("en", "01-demo")
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems_text(layout):
    return "\n".join(check(layout))


# extract

def test_extract_makes_one_entry_per_paragraph_and_none_for_code(repo):
    quiet_update(repo)
    template = polib.pofile(str(repo.template("01-demo")))
    assert [e.msgid for e in template] == [
        "# Demo: pointers", INTRO, "Steps:", LIST, "## Results", "| name | meaning |\n|---|---|\n| `bob` | a worker |"]
    assert {e.msgctxt for e in template} == {"01-demo"}
    assert template.find(INTRO, msgctxt="01-demo").occurrences == [("notebooks/en/01-demo.md", "1")]
    assert template.find("## Results", msgctxt="01-demo").occurrences == [("notebooks/en/01-demo.md", "3")]
    text = repo.template("01-demo").read_text(encoding="utf-8")
    assert "torch.tensor" not in text and "fenced block" not in text and "Languages" not in text


def test_update_adds_language_links_to_english_after_the_title_once(repo):
    quiet_update(repo)
    english = repo.notebook("en", "01-demo").read_text(encoding="utf-8")
    links = notebooks.language_links("01-demo", "en")
    assert f"# Demo: pointers\n\n{links}\n\nWe send" in english
    assert "[Deutsch](../de/01-demo.md)" in links and "[English]" not in links
    assert english == DEMO.replace("# Demo: pointers\n", f"# Demo: pointers\n\n{links}\n")
    assert quiet_update(repo) == []  # idempotent: nothing written the second time


# merge

def test_new_catalogs_have_proper_headers_and_untranslated_entries(repo):
    quiet_update(repo)
    for lang in LANGS:
        po = catalog(repo, lang)
        assert po.metadata["Language"] == lang
        assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
        assert po.metadata["Plural-Forms"].startswith("nplurals=2;")
        assert len(po) == 6 and po.percent_translated() == 0


def test_merge_keeps_unchanged_and_marks_changed_entries_fuzzy(repo):
    quiet_update(repo)
    translate(repo)
    edit_english(repo, "The data stays with Bob.", "The data stays with Bob, always.")
    quiet_update(repo)
    po = catalog(repo, "de")
    changed = po.find(INTRO.replace("Bob.", "Bob, always."))
    assert changed.fuzzy
    assert changed.previous_msgid == INTRO
    assert changed.msgstr == fake_translation("de", INTRO)
    assert po.find("Steps:").translated()
    assert len(po.fuzzy_entries()) == 1 and not po.untranslated_entries()
    assert not po.obsolete_entries()  # as msgmerge: the old entry lives on in the fuzzy one


def test_merge_makes_removed_entries_obsolete_and_revives_them(repo):
    quiet_update(repo)
    translate(repo)
    edit_english(repo, "Steps:\n\n", "")
    quiet_update(repo)
    po = catalog(repo, "hi")
    assert [e.msgid for e in po.obsolete_entries()] == ["Steps:"]
    assert "#~ msgid \"Steps:\"" in repo.catalog("hi", "01-demo").read_text(encoding="utf-8")
    edit_english(repo, "- create a worker", "Steps:\n\n- create a worker")
    quiet_update(repo)
    po = catalog(repo, "hi")
    assert po.find("Steps:").msgstr == "Steps: [hi]" and not po.obsolete_entries() and not po.fuzzy_entries()


def test_reordering_paragraphs_loses_no_translation(repo):
    quiet_update(repo)
    translate(repo)
    edit_english(repo, f"{INTRO}\n\nSteps:\n\n{LIST}", f"Steps:\n\n{LIST}\n\n{INTRO}")
    quiet_update(repo)
    for lang in LANGS:
        po = catalog(repo, lang)
        assert po.percent_translated() == 100 and not po.obsolete_entries()
    assert not check(repo)


def test_new_paragraph_starts_untranslated(repo):
    quiet_update(repo)
    translate(repo)
    edit_english(repo, "## Results\n", "## Results\n\nA brand new paragraph about tables.\n")
    quiet_update(repo)
    entry = catalog(repo, "bn").find("A brand new paragraph about tables.")
    assert entry.msgstr == "" and not entry.fuzzy


# build

def code_cells(text):
    return [(c.source, c.metadata) for c in jupytext.reads(text, fmt="md").cells if c.cell_type != "markdown"]


def test_build_keeps_code_and_cells_and_translates_prose(repo):
    quiet_update(repo)
    translate(repo)
    english = repo.notebook("en", "01-demo").read_text(encoding="utf-8")
    for lang in LANGS:
        built = repo.notebook(lang, "01-demo").read_text(encoding="utf-8")
        assert code_cells(built) == code_cells(english)
        assert "```python tags=[\"raises-exception\"]\ny = x + x\n\n\ny\n```" in built
        assert "```text\na fenced block in markdown\n\nwith a blank line\n```" in built
        assert len(jupytext.reads(built, fmt="md").cells) == len(jupytext.reads(english, fmt="md").cells)
        assert fake_translation(lang, INTRO) in built and INTRO not in built
        assert notebooks.language_links("01-demo", lang) in built
        assert "jupytext_version: 1.16.0" in built
    assert not check(repo)


def test_build_falls_back_to_english_for_untranslated_and_fuzzy_entries(repo):
    quiet_update(repo)
    translate(repo)
    edit_english(repo, "Steps:", "Next steps:")
    quiet_update(repo)
    built = repo.notebook("de", "01-demo").read_text(encoding="utf-8")
    assert "Next steps:" in built and "Steps: [de]" not in built
    assert fake_translation("de", INTRO) in built


# check

def test_check_fails_on_untranslated_entries(repo):
    quiet_update(repo)
    translate(repo, langs=("hi", "bn"))
    problems = problems_text(repo)
    assert "translations/de/01-demo.po: 6 untranslated entries" in problems
    assert "cell 1: '# Demo: pointers'" in problems
    assert "translations/hi" not in problems and "translations/bn" not in problems


def test_check_fails_on_fuzzy_entries(repo):
    quiet_update(repo)
    translate(repo)
    po = catalog(repo, "bn")
    po.find("Steps:").flags.append("fuzzy")
    po.save()
    quiet_update(repo)
    assert check(repo) == [
        "translations/bn/01-demo.po: 1 fuzzy entry (the English changed: review the translation, "
        "then remove the fuzzy flag):\n    cell 1: 'Steps:'"]


def test_check_fails_on_a_stale_built_notebook(repo):
    quiet_update(repo)
    translate(repo)
    po = catalog(repo, "hi")
    po.find("Steps:").msgstr = "चरण:"
    po.save()  # but no update
    assert "notebooks/hi/01-demo.md: differs from what translations/hi/01-demo.po builds" in problems_text(repo)
    quiet_update(repo)
    assert not check(repo)


def test_check_fails_on_a_hand_edited_translated_notebook(repo):
    quiet_update(repo)
    translate(repo)
    path = repo.notebook("de", "01-demo")
    path.write_text(path.read_text(encoding="utf-8").replace("Steps: [de]", "Schritte:"), encoding="utf-8")
    assert "notebooks/de/01-demo.md: differs from what translations/de/01-demo.po builds" in problems_text(repo)


def test_check_fails_on_an_edited_code_cell(repo):
    quiet_update(repo)
    translate(repo)
    path = repo.notebook("de", "01-demo")
    path.write_text(path.read_text(encoding="utf-8").replace("[1, 2, 3]", "[1, 2, 4]"), encoding="utf-8")
    assert "notebooks/de/01-demo.md: code cell 2 differs from English" in problems_text(repo)


def test_check_fails_on_a_missing_catalog_or_notebook(repo):
    quiet_update(repo)
    translate(repo)
    repo.catalog("bn", "01-demo").unlink()
    repo.notebook("hi", "01-demo").unlink()
    problems = problems_text(repo)
    assert "translations/bn/01-demo.po: missing" in problems
    assert "notebooks/hi/01-demo.md: missing" in problems


def test_check_fails_when_a_translation_loses_an_inline_code_span(repo):
    quiet_update(repo)
    translate(repo)
    po = catalog(repo, "de")
    po.find(INTRO).msgstr = "Wir schicken einen Tensor mit x.send(bob) an Bob.\nDie Daten bleiben bei Bob."
    po.save()
    quiet_update(repo)
    assert check(repo) == [
        "translations/de/01-demo.po: the translation lost or altered `x.send(bob)` (keep API names in code "
        "font, exactly as in English):\n"
        "    cell 1: 'We send a tensor to Bob with `x.send(bob)`. The data stays with Bob.'"]


def test_check_fails_on_a_stale_template_and_missing_language_links(repo):
    quiet_update(repo)
    translate(repo)
    repo.notebook("en", "01-demo").write_text(DEMO, encoding="utf-8")  # links gone
    assert "notebooks/en/01-demo.md: language links missing" in problems_text(repo)
    edit_english(repo, "Steps:", "Next steps:")
    assert "translations/templates/01-demo.pot: out of date" in problems_text(repo)


def test_check_fails_on_a_translated_notebook_without_english(repo):
    quiet_update(repo)
    translate(repo)
    repo.notebook("en", "01-demo").rename(repo.notebook("en", "02-demo"))
    problems = problems_text(repo)
    assert "notebooks/de/01-demo.md: its English notebook notebooks/en/01-demo.md is gone" in problems
    assert "translations/de/01-demo.po: its English notebook" in problems


def test_a_renamed_notebook_keeps_its_translations(repo):
    quiet_update(repo)
    translate(repo)
    repo.notebook("en", "01-demo").rename(repo.notebook("en", "02-demo"))
    quiet_update(repo)
    assert polib.pofile(str(repo.catalog("de", "02-demo"))).percent_translated() == 100
    for lang in LANGS:
        repo.catalog(lang, "01-demo").unlink()
        repo.notebook(lang, "01-demo").unlink()
    assert not check(repo)


def test_changing_one_english_paragraph_fails_check_until_all_three_catalogs_are_updated(repo):
    """The acceptance test of the issue."""
    quiet_update(repo)
    translate(repo)
    assert check(repo) == []
    edit_english(repo, "The data stays with Bob.", "The data never leaves Bob.")
    assert check(repo)  # stale template, catalogs and notebooks
    quiet_update(repo)
    problems = problems_text(repo)
    assert all(f"translations/{lang}/01-demo.po: 1 fuzzy entry" in problems for lang in LANGS)
    translate(repo, langs=("hi", "de"))
    problems = check(repo)
    assert len(problems) == 1 and problems[0].startswith("translations/bn/01-demo.po: 1 fuzzy entry")
    translate(repo, langs=("bn",))
    assert check(repo) == []


# the command line and the library's catalog

def test_command_line_update_status_and_check(repo, capsys):
    assert main(["update", "--root", str(repo.root)]) == 0
    assert "de       01-demo" in capsys.readouterr().out
    assert main(["check", "--root", str(repo.root)]) == 1
    err = capsys.readouterr().err
    assert "translations/hi/01-demo.po: 6 untranslated entries" in err and "i18n check failed" in err
    translate(repo)
    assert main(["check", "--root", str(repo.root)]) == 0
    assert main(["status", "--root", str(repo.root)]) == 0
    assert "100%" in capsys.readouterr().out


def test_library_strings_are_extracted_merged_and_checked(repo):
    package = repo.root / "pyprivate"
    package.mkdir()
    (package / "widget.py").write_text(
        'from pyprivate.i18n import _\nLABEL = _("Loss")\ntitle = _("{n} messages")\n_("Loss")\n', encoding="utf-8")
    quiet_update(repo)
    translate(repo)
    template = polib.pofile(str(repo.template("pyprivate")))
    assert [e.msgid for e in template] == ["Loss", "{n} messages"]
    assert "translations/de/pyprivate.po: 2 untranslated entries" in problems_text(repo)
    for lang in LANGS:
        po = polib.pofile(str(repo.catalog(lang, "pyprivate")))
        po.find("Loss").msgstr = f"Loss [{lang}]"
        po.find("{n} messages").msgstr = "{n} Nachrichten" if lang == "de" else "Nachrichten"
        po.save()
    problems = check(repo)
    assert len(problems) == 2 and all("lost or altered {n}" in p for p in problems)


# smaller pieces

def test_a_twice_changed_paragraph_still_shows_the_english_its_translation_was_for():
    from pyprivate.i18n.merge import merge

    def template(msgid):
        po = polib.POFile()
        po.append(polib.POEntry(msgctxt="01-demo", msgid=msgid))
        return po

    old = polib.POFile()
    old.append(polib.POEntry(msgctxt="01-demo", msgid="The data stays at Bob.", msgstr="Die Daten bleiben bei Bob."))
    once = merge(template("The data stays at Bob's."), old, "de", "x.md")
    twice = merge(template("The data stays at Bob's place."), once, "de", "x.md")
    entry = twice.find("The data stays at Bob's place.")
    assert entry.fuzzy and entry.previous_msgid == "The data stays at Bob."
    assert entry.msgstr == "Die Daten bleiben bei Bob." and not twice.obsolete_entries()
    unrelated = merge(template("Something else entirely, about gradients."), old, "de", "x.md")
    assert unrelated[0].msgstr == "" and [e.msgid for e in unrelated.obsolete_entries()] == ["The data stays at Bob."]


@pytest.mark.parametrize("english", ["```python\nx = 1\n```\n", "Text first.\n\n```python\nx = 1\n```\n"])
def test_language_links_without_a_title_come_first_and_are_idempotent(english):
    notebook = notebooks.with_language_links(notebooks.read(english), "01-demo", "de")
    text = notebooks.write(notebook, like=english)
    assert text.startswith(notebooks.language_links("01-demo", "de") + "\n")
    again = notebooks.write(notebooks.with_language_links(notebooks.read(text), "01-demo", "de"), like=text)
    assert again == text


# documents (docs/<name>.md, beside the notebooks)

GUIDE = """\
# Teaching guide

Start with [lesson 1](../notebooks/en/01-demo.md#top), where `x.send(bob)` appears.
Read [the threat model](threat-model.md) and ![a figure](img/plan.png "Plan").

```text
a fenced block with [a link](../notebooks/en/01-demo.md)

and a blank line
```

## Meetings

- one meeting per lesson
- a [guide in your language](teaching.md), `notebooks/en/` stays in code
"""
GUIDE_LINKS = ("Start with [lesson 1](../notebooks/en/01-demo.md#top), where `x.send(bob)` appears.\n"
               "Read [the threat model](threat-model.md) and ![a figure](img/plan.png \"Plan\").")


@pytest.fixture
def guide(repo):
    (repo.root / "docs").mkdir()
    (repo.root / "docs" / "teaching.md").write_text(GUIDE, encoding="utf-8")
    (repo.root / "docs" / "threat-model.md").write_text("# Threat model\n\nNot translated.\n", encoding="utf-8")
    return repo


def translate_guide(layout, langs=LANGS, edit=fake_translation):
    for lang in langs:
        po = polib.pofile(str(layout.catalog(lang, "teaching")))
        for entry in po:
            if not entry.obsolete:
                entry.msgstr = edit(lang, entry.msgid)
        po.save()
    quiet_update(layout)


def test_update_extracts_a_document_paragraph_by_paragraph_with_line_numbers(guide):
    quiet_update(guide)
    template = polib.pofile(str(guide.template("teaching")))
    assert [e.msgid for e in template] == ["# Teaching guide", GUIDE_LINKS, "## Meetings", GUIDE.split("\n\n")[-1].strip()]
    assert {e.msgctxt for e in template} == {"teaching"}
    assert [e.occurrences for e in template][:3] == [[("docs/teaching.md", "1")], [("docs/teaching.md", "3")],
                                                     [("docs/teaching.md", "12")]]
    assert "document's path is its line" in template.header and "fenced block" not in str(template)
    assert not guide.template("threat-model").exists()  # only the listed documents are translated
    for lang in LANGS:
        assert catalog(guide, lang).metadata["Language"] == lang
        assert polib.pofile(str(guide.catalog(lang, "teaching"))).percent_translated() == 0
    assert quiet_update(guide) == []


def test_a_built_document_translates_prose_keeps_code_and_follows_the_links_into_its_language(guide):
    quiet_update(guide)
    untranslated = guide.document("de", "teaching").read_text(encoding="utf-8")
    assert "# Teaching guide\n" in untranslated  # English until translated
    translate(guide)
    translate_guide(guide)
    for lang in LANGS:
        built = guide.document(lang, "teaching").read_text(encoding="utf-8")
        assert f"# Teaching guide [{lang}]" in built
        assert f"[lesson 1](../../notebooks/{lang}/01-demo.md#top), where `x.send(bob)` appears. [{lang}]" in built
        assert '[the threat model](../threat-model.md) and ![a figure](../img/plan.png "Plan")' in built
        assert f"[guide in your language](teaching.md), `notebooks/en/` stays in code [{lang}]" in built
        assert "```text\na fenced block with [a link](../notebooks/en/01-demo.md)\n\nand a blank line\n```" in built
    assert not check(guide)


def test_check_holds_documents_to_the_tutorials_rules(guide):
    quiet_update(guide)
    translate(guide)
    problems = problems_text(guide)
    assert "translations/de/teaching.po: 4 untranslated entries:\n    line 1: '# Teaching guide'" in problems
    translate_guide(guide)
    assert not check(guide)
    po = polib.pofile(str(guide.catalog("bn", "teaching")))
    po.find(GUIDE_LINKS).msgstr = "[lesson 1](../notebooks/en/01-demo.md) x.send(bob)"
    po.save()
    problems = problems_text(guide)
    assert "translations/bn/teaching.po: the translation lost or altered `x.send(bob)`" in problems
    assert "docs/bn/teaching.md: differs from what translations/bn/teaching.po builds" in problems
    guide.document("en", "teaching").write_text(GUIDE.replace("## Meetings", "## Class meetings"), encoding="utf-8")
    assert "translations/templates/teaching.pot: out of date" in problems_text(guide)


def test_a_translation_may_not_add_a_code_block_to_a_document(guide):
    quiet_update(guide)
    translate_guide(guide)
    po = polib.pofile(str(guide.catalog("hi", "teaching")))
    po.find("## Meetings").msgstr = "## बैठकें\n\n```python\nx = 1\n```"
    po.save()
    assert main(["build", "--root", str(guide.root)]) == 2
    assert "translations/hi/teaching.po: a translation changes the document's code blocks" in problems_text(guide)


def test_a_hand_edited_missing_or_orphaned_built_document_fails_check(guide):
    quiet_update(guide)
    translate_guide(guide)
    path = guide.document("de", "teaching")
    path.write_text(path.read_text(encoding="utf-8").replace("[de]", "[DE]"), encoding="utf-8")
    guide.document("hi", "teaching").unlink()
    problems = problems_text(guide)
    assert "docs/de/teaching.md: differs from what translations/de/teaching.po builds" in problems
    assert "docs/hi/teaching.md: missing" in problems
    quiet_update(guide)
    guide.document("en", "teaching").unlink()
    problems = problems_text(guide)
    assert "docs/bn/teaching.md: there is no English docs/teaching.md among the translated documents" in problems
    assert "translations/bn/teaching.po: there is no English docs/teaching.md" in problems


def test_the_command_line_counts_documents(guide, capsys):
    quiet_update(guide)
    translate(guide)
    translate_guide(guide)
    assert main(["status", "--root", str(guide.root)]) == 0
    assert "de       teaching" in capsys.readouterr().out
    assert main(["check", "--root", str(guide.root)]) == 0
    assert "1 notebook(s) and 1 document(s)" in capsys.readouterr().out
