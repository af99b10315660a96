"""The CI gate: every translation complete, reviewed and built from the current English.

`check(layout)` returns a list of problems (empty when all is well), each a
message that starts with the file to fix. It fails when:

- an English notebook lacks its language links, or a template (.pot) is out of date;
- a catalog is missing, out of date with its template, or has untranslated or
  fuzzy entries, or a translation lost or altered an inline `code` span;
- a translation uses a term its language's glossary forbids (the glossary's
  "Forbidden terms" table), or that table cannot be read;
- a translated notebook is missing, differs from what its catalog builds, or
  its cells (code, raw, metadata, count) differ from the English ones;
- a translated notebook or catalog has no English notebook any more;
- the same for the documents (docs/<name>.md and docs/<lang>/<name>.md).
"""

import re

from . import catalogs, glossary, markdown, notebooks
from .build import BuildError, build_notebook
from .languages import SOURCE
from .layout import LIBRARY
from .workflow import (built_document, document_template, english_text, library_template, load_catalog,
                       notebook_template)

RUN_UPDATE = "run `python -m pyprivate.i18n update`"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def check(layout):
    """All problems in the checkout, as messages; empty if CI should pass."""
    return check_glossaries(layout) + check_notebooks(layout) + check_documents(layout) + check_library(layout)


def check_glossaries(layout):
    """Every translation in translations/<lang>/*.po kept to its glossary's "Forbidden terms" table."""
    problems, documents = [], set(layout.documents())
    for lang in layout.languages:
        path = layout.glossary(lang)
        try:
            rules = glossary.rules(path.read_text(encoding="utf-8")) if path.exists() else []
        except glossary.GlossaryError as error:
            problems.append(f"{layout.relative(path)}: {error}")
            continue
        for catalog_path in layout.all_catalogs(lang) if rules else ():
            try:
                catalog = catalogs.load(catalog_path)
            except (OSError, ValueError):
                continue  # the catalogs' own check says so
            unit = "line" if catalog_path.stem in documents else "cell"
            problems += _forbidden_terms(layout.relative(catalog_path), catalog, rules, layout.relative(path), unit)
    return problems


def _forbidden_terms(where, catalog, rules, glossary_path, unit):
    problems = []
    for entry in (e for e in catalog if not e.obsolete and e.translated()):
        for rule in rules:
            found = rule.find(entry.msgstr)
            if found is not None:
                problems.append(f"{where}: {_snippet(found, 50)} is forbidden for {rule.meaning} ({glossary_path}, "
                                f"line {rule.line}); write {rule.instead} instead:" + _listing([entry], unit))
    return problems


def check_notebooks(layout):
    """The problems of the tutorials' templates, catalogs and built notebooks."""
    problems = []
    names = layout.names()
    for name in names:
        problems += _check_notebook(layout, name)
    for lang in layout.languages:
        for name in sorted(set(layout.built_notebooks(lang)) - set(names)):
            problems.append(f"{layout.relative(layout.notebook(lang, name))}: its English notebook "
                            f"notebooks/{SOURCE}/{name}.md is gone; delete it")
        for name in sorted(set(layout.catalogs(lang)) - set(names)):
            problems.append(f"{layout.relative(layout.catalog(lang, name))}: its English notebook "
                            f"notebooks/{SOURCE}/{name}.md is gone; delete it once `update` has "
                            "carried its translations into the renamed notebook's catalog")
    return problems


def check_documents(layout):
    """The problems of the documents' templates, catalogs and built translations (docs/<lang>/)."""
    problems = []
    names = layout.documents()
    for name in names:
        problems += _check_catalogs(layout, name, document_template(layout, name), unit="line")
        for lang in layout.languages:
            built, catalog_path = layout.document(lang, name), layout.catalog(lang, name)
            where = layout.relative(built)
            if not built.exists():
                problems.append(f"{where}: missing; {RUN_UPDATE}")
                continue
            try:
                expected = built_document(layout, name, lang)
            except BuildError as error:
                problems.append(str(error))
                continue
            if built.read_text(encoding="utf-8") != expected:
                problems.append(f"{where}: differs from what {layout.relative(catalog_path)} builds; {RUN_UPDATE} "
                                "(translations go in the .po file, not in the built document)")
    for lang in layout.languages:
        for name in sorted(set(layout.built_documents(lang)) - set(names)):
            problems.append(f"{layout.relative(layout.document(lang, name))}: {_no_document(name)}; delete it")
        for name in sorted(set(layout.document_catalogs(lang)) - set(names)):
            problems.append(f"{layout.relative(layout.catalog(lang, name))}: {_no_document(name)}; delete it")
    return problems


def _no_document(name):
    return (f"there is no English docs/{name}.md among the translated documents "
            "(DOCUMENTS in pyprivate/i18n/layout.py)")


def check_library(layout):
    """The problems of the library's own strings (translations/<lang>/pyprivate.po)."""
    if not layout.package().is_dir():
        return []
    return _check_catalogs(layout, LIBRARY, library_template(layout), placeholders=True)


def _check_notebook(layout, name):
    english_path = layout.notebook(SOURCE, name)
    english = english_path.read_text(encoding="utf-8")
    problems = []
    if english != english_text(layout, name):
        problems.append(f"{layout.relative(english_path)}: language links missing or out of date; {RUN_UPDATE}")
    problems += _check_catalogs(layout, name, notebook_template(layout, name))
    for lang in layout.languages:
        built, catalog_path = layout.notebook(lang, name), layout.catalog(lang, name)
        where = layout.relative(built)
        if not built.exists():
            problems.append(f"{where}: missing; {RUN_UPDATE}")
            continue
        text = built.read_text(encoding="utf-8")
        reference = notebooks.with_language_links(notebooks.read(english), name, lang)
        differences = notebooks.structure_differences(reference, notebooks.read(text))
        problems += [f"{where}: {difference} ({layout.relative(english_path)})" for difference in differences]
        try:
            expected = build_notebook(english, name, lang, load_catalog(catalog_path), layout.relative(catalog_path))
        except BuildError as error:
            problems.append(str(error))
            continue
        if text != expected:
            problems.append(f"{where}: differs from what {layout.relative(catalog_path)} builds; {RUN_UPDATE} "
                            "(translations go in the .po file, not in the built notebook)")
    return problems


def _check_catalogs(layout, name, template, placeholders=False, unit="cell"):
    problems = []
    template_path = layout.template(name)
    if not template_path.exists() or template_path.read_text(encoding="utf-8") != catalogs.render(template):
        state = "out of date with the English" if template_path.exists() else "missing"
        problems.append(f"{layout.relative(template_path)}: {state}; {RUN_UPDATE}")
    for lang in layout.languages:
        path = layout.catalog(lang, name)
        where = layout.relative(path)
        if not path.exists():
            problems.append(f"{where}: missing; {RUN_UPDATE}, then translate it")
            continue
        try:
            catalog = catalogs.load(path)
        except (OSError, ValueError) as error:
            problems.append(f"{where}: cannot be read: {error}")
            continue
        problems += _catalog_problems(where, catalog, template, placeholders, unit)
    return problems


def _catalog_problems(where, catalog, template, placeholders, unit="cell"):
    active = {e.msgid: e for e in catalog if not e.obsolete}
    wanted = [e.msgid for e in template]
    new, gone = [m for m in wanted if m not in active], [m for m in active if m not in set(wanted)]
    problems = []
    if new or gone:
        problems.append(f"{where}: out of date with its template ({len(new)} new and {len(gone)} removed "
                        f"English paragraphs); {RUN_UPDATE}")
    entries = [active[m] for m in wanted if m in active]
    untranslated = [e for e in entries if not e.translated() and not e.fuzzy]
    fuzzy = [e for e in entries if e.fuzzy]
    if untranslated:
        problems.append(f"{where}: {_count(untranslated, 'untranslated entry')}:" + _listing(untranslated, unit))
    if fuzzy:
        problems.append(f"{where}: {_count(fuzzy, 'fuzzy entry')} (the English changed: review the "
                        "translation, then remove the fuzzy flag):" + _listing(fuzzy, unit))
    for entry in (e for e in entries if e.translated()):
        lost = markdown.lost_code_spans(entry.msgid, entry.msgstr)
        if placeholders:
            lost += sorted(set(_PLACEHOLDER.findall(entry.msgid)) - set(_PLACEHOLDER.findall(entry.msgstr)))
        if lost:
            problems.append(f"{where}: the translation lost or altered {', '.join(lost)} "
                            f"(keep API names in code font, exactly as in English):" + _listing([entry], unit))
    return problems


def _count(entries, noun):
    return f"1 {noun}" if len(entries) == 1 else f"{len(entries)} {noun.replace('entry', 'entries')}"


def _listing(entries, unit="cell", limit=10):
    lines = [f"\n    {_reference(e, unit)}{_snippet(e.msgid)}" for e in entries[:limit]]
    if len(entries) > limit:
        lines.append(f"\n    ... and {len(entries) - limit} more")
    return "".join(lines)


def _reference(entry, unit="cell"):
    places = [place for _, place in entry.occurrences if place]
    return f"{unit} {', '.join(places)}: " if places else ""


def _snippet(text, width=70):
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[:width - 1] + "…")
