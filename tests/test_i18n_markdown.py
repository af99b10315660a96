"""Markdown cells cut into translatable paragraphs, and put back together byte for byte."""

import pytest

from pyprivate.i18n import markdown

CELLS = [
    "# Title\n\nOne paragraph,\non two lines.\n\nAnother.",
    "Intro:\n\n```text\nfenced\n\nwith a blank line\n```\n\nAfter.",
    "- one\n- two\n\n- three, loose\n  continued\n\n      indented more\n\nAfter the list.",
    "1. first\n\n2. second",
    "| a | b |\n|---|---|\n| `x` | 2 |",
    "$$\na = b\n\nc = d\n$$\n\nText.",
    "\n\nLeading and trailing blank lines\n\n\n",
    "Hard break  \nkept.\n   \nBlank line with spaces above.",
    "",
]


@pytest.mark.parametrize("cell", CELLS)
def test_split_then_join_gives_the_cell_back(cell):
    parts = markdown.split(cell)
    assert "".join(parts) == cell
    assert len(parts) % 2 == 1
    assert all(not separator.strip() for separator in parts[1::2])


def paragraphs(cell):
    return [p for p in markdown.split(cell)[::2] if markdown.is_translatable(p)]


def test_paragraphs_are_separated_by_blank_lines():
    assert paragraphs(CELLS[0]) == ["# Title", "One paragraph,\non two lines.", "Another."]


def test_a_fenced_block_is_never_cut_and_has_nothing_to_translate():
    parts = markdown.split(CELLS[1])[::2]
    assert "```text\nfenced\n\nwith a blank line\n```" in parts
    assert paragraphs(CELLS[1]) == ["Intro:", "After."]


def test_a_loose_list_stays_one_paragraph():
    assert paragraphs(CELLS[2]) == ["- one\n- two\n\n- three, loose\n  continued\n\n      indented more",
                                    "After the list."]
    assert paragraphs(CELLS[3]) == ["1. first\n\n2. second"]


def test_a_table_is_one_paragraph():
    assert paragraphs(CELLS[4]) == [CELLS[4]]


def test_a_math_block_is_never_cut_and_has_nothing_to_translate():
    assert "$$\na = b\n\nc = d\n$$" in markdown.split(CELLS[5])
    assert paragraphs(CELLS[5]) == ["Text."]


@pytest.mark.parametrize("paragraph", ["---", "<br>", "`x + y`", "$x^2$", "![](image.png)", ""])
def test_paragraphs_without_words_are_not_translatable(paragraph):
    assert not markdown.is_translatable(paragraph)


def test_lost_code_spans_finds_missing_and_altered_api_names():
    english = "Call `x.send(bob)`, then ``a`b`` and `x.send(bob)` again."
    assert markdown.lost_code_spans(english, "Rufe `x.send(bob)`, dann ``a`b`` und `x.send(bob)` erneut.") == []
    assert markdown.lost_code_spans(english, "Rufe `x.send(Bob)` auf, dann ``a`b``.") == ["`x.send(bob)`"] * 2
    assert markdown.lost_code_spans(english, "Rufe x.send(bob) auf, ``a`b`` `x.send(bob)`") == ["`x.send(bob)`"]


def test_code_in_fenced_blocks_is_not_an_inline_span():
    assert markdown.code_spans("```text\n`not inline`\n```") == {}
