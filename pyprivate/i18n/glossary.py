"""The forbidden terms of a glossary: "never write X for Y" rules that `check` enforces.

`translations/<lang>/glossary.md` may have a section "## Forbidden terms"
with a table whose columns are "never write | for | write instead | why".
Only the first column is read by the machine: one or more patterns, each in
code font, separated by commas. The other columns are for people, and are
quoted in the check's message.

Pattern syntax (matching ignores case, on NFC-normalised text):

- Words match whole words only: `teilen` does not match "mitteilen".
  Vowel signs and other combining marks (Devanagari, Bengali) count as part
  of a word, which Python's own word boundary gets wrong.
- `*` at the start or end of a word stands for more letters of that word:
  `कर*` matches कर, करना, करने; `*জন` matches একজন and দুজন.
- `…` (or `...`) stands for any text up to the end of the sentence:
  `teilt … durch`. A sentence may go on over a line break, but not into the
  next list item, table row or heading.
- `/.../` is a Python regular expression, for what the above cannot say;
  in it, `\\b` is a word boundary that counts combining marks as letters.

Inline code and fenced code blocks of a translation are never matched: API
names are English and stay as they are.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from . import markdown

SECTION = "Forbidden terms"
COLUMNS = ("never write", "for", "write instead", "why")
_HEADING = re.compile(r"^#{1,6}\s")
_SECTION = re.compile(rf"^##\s+{SECTION}\s*$", re.I)
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_PATTERN = re.compile(r"`([^`]+)`")
_GAP_TOKENS = {"…", "..."}
# Any text within one sentence (। and ॥ end Hindi and Bengali sentences), as few characters as possible.
_GAP = r"(?:[^.!?;।॥\n]|\n(?![ \t]*(?:\n|[-*+|#>]|\d{1,9}[.)])))*?"
_REGEX_BOUNDARY = re.compile(r"(?<!\\)\\b")


class GlossaryError(ValueError):
    """A glossary's forbidden-terms table cannot be read."""


@functools.lru_cache(maxsize=1)
def _word_character():
    """A regex class of the characters a word is made of: \\w plus every combining mark (in the BMP)."""
    ranges = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return r"[\w" + "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last in ranges) + "]"


@dataclass(frozen=True)
class Rule:
    """One row of the table: never write any of `patterns` for `meaning`."""

    patterns: tuple
    meaning: str
    instead: str
    why: str
    line: int  # in the glossary, counting from 1
    regex: re.Pattern = field(compare=False, repr=False)

    def find(self, translation):
        """The first forbidden text in `translation` (outside code), or None."""
        match = self.regex.search(normalize(markdown.without_code(translation)))
        return match.group(0) if match else None


def normalize(text):
    return unicodedata.normalize("NFC", text)


def compile_pattern(pattern):
    """The regular expression of one pattern, as the module docstring describes."""
    pattern = normalize(pattern.strip())
    word = _word_character()
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        boundary = f"(?:(?<!{word})(?={word})|(?<={word})(?!{word}))"
        return _REGEX_BOUNDARY.sub(lambda _: boundary, pattern[1:-1])
    parts, previous_was_word = [], False
    for token in pattern.split():
        if token in _GAP_TOKENS:
            parts.append(_GAP)
            previous_was_word = False
            continue
        if previous_was_word:
            parts.append(r"\s+")
        core = re.escape(token.strip("*"))
        if not core:
            raise GlossaryError(f"the pattern {pattern!r} has a word that is only '*'")
        before = f"(?<!{word}){word}*" if token.startswith("*") else f"(?<!{word})"
        after = f"{word}*(?!{word})" if token.endswith("*") else f"(?!{word})"
        parts.append(before + core + after)
        previous_was_word = True
    if not parts:
        raise GlossaryError("an empty pattern")
    return "".join(parts)


def rules(text):
    """The rules of a glossary's "## Forbidden terms" table (none if it has no such section)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line.strip())), None)
    if start is None:
        return []
    found, columns = [], None
    for number, line in enumerate(lines[start + 1:], start=start + 2):
        stripped = line.strip()
        if _HEADING.match(stripped):
            break
        if not stripped.startswith("|"):
            if columns is not None and stripped:
                break  # the table is over
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in _CELL_SEPARATOR.split(stripped.strip("|"))]
        if columns is None:
            columns = [cell.lower() for cell in cells]
            if columns[:len(COLUMNS)] != list(COLUMNS):
                raise GlossaryError(f"line {number}: the {SECTION} table needs the columns "
                                    f"{' | '.join(COLUMNS)}, found {' | '.join(cells)}")
            continue
        if set(stripped) <= set("|-: "):
            continue  # the |---| row
        found.append(_rule(cells, number))
    return found


def _rule(cells, number):
    cells = (cells + [""] * len(COLUMNS))[:len(COLUMNS)]
    patterns = tuple(_PATTERN.findall(cells[0]))
    if not patterns:
        raise GlossaryError(f"line {number}: write each forbidden pattern in code font (`...`), "
                            f"found {cells[0]!r}")
    try:
        regex = re.compile("|".join(f"(?:{compile_pattern(p)})" for p in patterns), re.I)
    except GlossaryError as error:
        raise GlossaryError(f"line {number}: {error}") from None
    except re.error as error:
        raise GlossaryError(f"line {number}: a pattern is not a valid regular expression ({error})") from None
    return Rule(tuple(f"`{p}`" for p in patterns), cells[1], cells[2], cells[3], number, regex)
