"""Cut a markdown cell into paragraphs, and put it back together byte for byte.

A paragraph is what a translator translates as one unit: text between blank
lines, except that a fenced code block or a $$ math block is never cut, and
a list (even a loose one, with blank lines between its items) stays whole.
A table has no blank lines, so it is one paragraph anyway.

`split` returns parts that alternate paragraph, separator, paragraph, ...
(always an odd count), so that "".join(parts) is the cell again.
"""

import re
from collections import Counter

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_HTML_TAG = re.compile(r"<[^>]*>")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def split(source):
    """The cell as [paragraph, separator, paragraph, ...]; joining the parts gives it back."""
    parts = [""]
    closing = None  # what ends the fenced or math block we are in, if any
    for line in source.splitlines(keepends=True):
        if closing is None and not line.strip():
            if len(parts) % 2:
                parts.append("")
        elif len(parts) % 2 == 0:
            parts.append("")
        parts[-1] += line
        closing = _block_state(line, closing)
    if len(parts) % 2 == 0:
        parts.append("")
    for i in range(0, len(parts) - 1, 2):  # a paragraph's last newline belongs to the separator
        if parts[i].endswith("\n"):
            parts[i], parts[i + 1] = parts[i][:-1], "\n" + parts[i + 1]
    if parts[-1].endswith("\n"):
        parts[-1:] = [parts[-1][:-1], "\n", ""]
    return _join_lists(parts)


def _block_state(line, closing):
    stripped = line.strip()
    if closing is None:
        fence = _FENCE.match(line)
        if fence:
            return fence.group(1)
        if stripped.startswith("$$") and stripped.count("$$") % 2:
            return "$$"
        return None
    if closing == "$$":
        return None if stripped.count("$$") % 2 else closing
    ends = stripped.startswith(closing[0] * len(closing)) and not stripped.strip(closing[0])
    return None if ends else closing


def _join_lists(parts):
    """Glue a loose list's items (and their indented continuations) back into one paragraph."""
    joined = parts[:1]
    for separator, paragraph in zip(parts[1::2], parts[2::2]):
        previous = joined[-1]
        continues = paragraph and (_LIST_ITEM.match(paragraph) or paragraph[:1] in " \t")
        if previous and _LIST_ITEM.match(previous) and continues:
            joined[-1] = previous + separator + paragraph
        else:
            joined += [separator, paragraph]
    return joined


def is_translatable(paragraph):
    """Does the paragraph have words in it, outside code, math, HTML tags and link targets?"""
    prose = "\n".join(_outside_fences(paragraph))
    for pattern in (_CODE_SPAN, _MATH, _HTML_TAG, _LINK_TARGET):
        prose = pattern.sub(" ", prose)
    return any(character.isalpha() for character in prose)


def code_spans(paragraph):
    """The inline `code` spans of a paragraph (outside fenced blocks), with their backticks."""
    prose = "\n".join(_outside_fences(paragraph))
    return Counter(match.group(0) for match in _CODE_SPAN.finditer(prose))


def lost_code_spans(english, translation):
    """Inline code spans of the English that the translation lost or altered."""
    return sorted((code_spans(english) - code_spans(translation)).elements())


def without_code(paragraph):
    """The paragraph's prose: fenced blocks left out, each inline code span replaced by a space."""
    return _CODE_SPAN.sub(" ", "\n".join(_outside_fences(paragraph)))


def map_prose(text, function):
    """`text` with `function` applied to its prose: every stretch outside fenced blocks and inline code."""
    def around_code_spans(run):
        pieces, at = [], 0
        for match in _CODE_SPAN.finditer(run):
            pieces += [function(run[at:match.start()]), match.group(0)]
            at = match.end()
        return "".join(pieces) + function(run[at:])

    parts, run, closing = [], [], None
    for line in text.splitlines(keepends=True):
        state = _block_state(line, closing)
        if closing is None and state is None:
            run.append(line)
        else:
            if run:
                parts.append(around_code_spans("".join(run)))
                run = []
            parts.append(line)
        closing = state
    if run:
        parts.append(around_code_spans("".join(run)))
    return "".join(parts)


def blocks(text):
    """The fenced code blocks and $$ math blocks of `text`, each with its fences, in order."""
    found, current, closing = [], [], None
    for line in text.splitlines():
        state = _block_state(line, closing)
        if closing is not None or state is not None:
            current.append(line)
        if closing is not None and state is None:
            found.append("\n".join(current))
            current = []
        closing = state
    if current:
        found.append("\n".join(current))
    return found


def kind(paragraph):
    """A hint for translators about the markdown structure to keep, or None."""
    if paragraph.startswith("#"):
        return "Markdown heading: keep the leading '#' marks."
    if _LIST_ITEM.match(paragraph):
        return "Markdown list: keep one item per line, each with its marker."
    if paragraph.startswith("|"):
        return "Markdown table: keep the '|' columns and the '---' row."
    return None


def _outside_fences(paragraph):
    closing = None
    for line in paragraph.split("\n"):
        state = _block_state(line, closing)
        if closing is None and state is None:
            yield line
        closing = state
