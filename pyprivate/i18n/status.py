"""How complete each catalog is: translated, fuzzy and untranslated entries."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Completeness:
    lang: str
    name: str  # NN-slug, or "pyprivate" for the library's strings
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self):
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self):
        return 100.0 if not self.total else 100.0 * self.translated / self.total

    @property
    def complete(self):
        return self.translated == self.total


def completeness(lang, name, catalog, template):
    """Count against the template, so a missing catalog (None) counts as all untranslated."""
    done = {e.msgid: e for e in catalog or [] if not e.obsolete}
    translated = fuzzy = 0
    for model in template:
        entry = done.get(model.msgid)
        if entry is not None and entry.translated():
            translated += 1
        elif entry is not None and entry.fuzzy and entry.msgstr:
            fuzzy += 1
    return Completeness(lang, name, translated, fuzzy, len(template) - translated - fuzzy)


def table(rows):
    """A plain-text table, one line per catalog."""
    lines = [f"{'language':<9}{'catalog':<32}{'translated':>11}{'fuzzy':>7}{'untranslated':>14}{'done':>8}"]
    for row in rows:
        lines.append(f"{row.lang:<9}{row.name:<32}{row.translated:>11}{row.fuzzy:>7}"
                     f"{row.untranslated:>14}{row.percent:>7.0f}%")
    return "\n".join(lines)
