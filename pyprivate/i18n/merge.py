"""Bring a catalog up to date with its template, as GNU msgmerge does, with polib.

- An entry whose English is unchanged keeps its translation (and its flags).
- An entry whose English changed gets the translation of the most similar old
  English (difflib ratio >= SIMILAR), marked fuzzy, with the old English kept
  as "#| msgid" so the translator sees what changed.
- New entries start untranslated.
- Old entries that no new entry took its translation from become obsolete
  ("#~"): kept for reuse, never used for building.

Entries are matched by their English alone: every entry of a catalog has the
same msgctxt (the notebook's name), which is refreshed from the template, so a
catalog survives a renamed notebook (rename the .po file too).
"""

import copy
import difflib

import polib

from . import catalogs

SIMILAR = 0.6


def merge(template, old, lang, source, memory=(), references=catalogs.NOTEBOOK_REFERENCES):
    """The catalog for `lang` that `template` asks for, keeping the work done in `old`.

    `old` may be None (a new catalog). `memory` is more old entries (e.g. from
    the catalog of a renamed notebook) to reuse when `old` has nothing better.
    `references` explains the "#:" lines in a new catalog's header.
    """
    po = catalogs.new_catalog(lang, source, references)
    if old is not None:
        po.header, po.metadata, po.metadata_is_fuzzy = old.header, dict(old.metadata), old.metadata_is_fuzzy
    catalogs.ensure_headers(po, lang)
    previous = sorted((e for e in old or [] if e.msgstr), key=lambda e: e.obsolete)
    previous += [e for e in memory if e.msgstr and not e.fuzzy and not e.obsolete]
    known = {}
    for entry in previous:
        known.setdefault(entry.msgid, entry)  # active entries first, then obsolete, then memory
    wanted, used = {t.msgid for t in template}, set()
    for model in template:
        entry, source = _updated(model, known.get(model.msgid), previous)
        po.append(entry)
        used.add(id(source))
    for entry in old or []:
        if entry.msgstr and id(entry) not in used and entry.msgid not in wanted:
            gone = copy.copy(entry)
            gone.obsolete, gone.occurrences = True, []
            po.append(gone)
    return po


def _updated(model, same, previous):
    """The new entry for `model`, and the old entry whose translation it took (or None)."""
    entry = polib.POEntry(msgctxt=model.msgctxt, msgid=model.msgid, comment=model.comment,
                          occurrences=list(model.occurrences), flags=[f for f in model.flags if f != "fuzzy"])
    source = same if same is not None else _most_similar(model.msgid, previous)
    if source is None:
        return entry, None
    entry.msgstr, entry.tcomment = source.msgstr, source.tcomment
    if source.fuzzy:
        entry.flags.append("fuzzy")
        entry.previous_msgid = source.previous_msgid or (None if source is same else source.msgid)
    elif source is not same:
        entry.flags.append("fuzzy")
        entry.previous_msgid = source.msgid  # what the translation was written for, to compare with
    return entry, source


def _most_similar(english, candidates):
    best, best_ratio = None, SIMILAR
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(english)
    for candidate in candidates:
        matcher.set_seq1(candidate.msgid)
        if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
            ratio = matcher.ratio()
            if ratio >= best_ratio and (best is None or ratio > best_ratio):
                best, best_ratio = candidate, ratio
    return best
