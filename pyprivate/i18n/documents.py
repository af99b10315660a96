"""Plain Markdown documents (docs/<name>.md, e.g. the teacher's guide): paragraphs, translation, links.

A document is cut into paragraphs exactly as a notebook's markdown cell is
(see `markdown.split`), so a catalog entry is one paragraph, and fenced code
blocks and $$ math blocks are never translated.

A translation lives one folder deeper, in docs/<lang>/, so the build
rewrites its relative links to reach the same files from there, except that
links to the English tutorials (notebooks/en/...) and to other translated
documents lead to their versions in the same language, as the language
links of the notebooks do.
"""

import posixpath
import re

from . import markdown
from .languages import SOURCE

_INLINE_LINK = re.compile(r"(\]\(\s*)(<[^<>\n]*>|[^()<>\s]+)")  # [text](target "title") and ![alt](target)
_REFERENCE_DEFINITION = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^<>\n]*>|\S+)", re.M)  # [id]: target
_NOT_RELATIVE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")  # a URL scheme, an absolute path, an anchor


def paragraphs(text):
    """(line, paragraph) for each paragraph a translator should translate; lines count from 1."""
    line = 1
    for index, part in enumerate(markdown.split(text)):
        if index % 2 == 0 and markdown.is_translatable(part):
            yield line, part
        line += part.count("\n")


def translate(text, translations):
    """Replace each paragraph that has a translation; everything else stays English."""
    parts = markdown.split(text)
    parts[::2] = [translations.get(paragraph, paragraph) for paragraph in parts[::2]]
    return "".join(parts)


def relink(text, lang, documents=()):
    """The links of docs/<name>.md as they must read in docs/<lang>/<name>.md.

    `documents` are the names of the translated documents: a link to one of
    them leads to its `lang` version. Links in code are left alone.
    """
    def target(match):
        return match.group(1) + _relative_target(match.group(2), lang, documents)

    def prose(stretch):
        return _REFERENCE_DEFINITION.sub(target, _INLINE_LINK.sub(target, stretch))

    return markdown.map_prose(text, prose)


def _relative_target(target, lang, documents):
    bracketed = target.startswith("<")
    address = target[1:-1] if bracketed else target
    if not address or _NOT_RELATIVE.match(address):
        return target
    cut = min((i for i in (address.find("#"), address.find("?")) if i >= 0), default=len(address))
    path, suffix = address[:cut], address[cut:]
    if not path:
        return target
    parts = posixpath.normpath(posixpath.join("docs", path)).split("/")
    if parts[:2] == ["notebooks", SOURCE]:
        parts[1] = lang
    elif len(parts) == 2 and parts[0] == "docs" and parts[1].endswith(".md") and parts[1][:-3] in documents:
        parts[1:1] = [lang]
    moved = posixpath.relpath("/".join(parts), f"docs/{lang}") + suffix
    return f"<{moved}>" if bracketed else moved
