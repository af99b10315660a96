"""tools/build_slides.py: every lesson becomes a RISE slideshow, and the sources stay as they are."""

import hashlib
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*/[0-9][0-9]-*.md"))

spec = importlib.util.spec_from_file_location("build_slides", ROOT / "tools" / "build_slides.py")
build_slides = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_slides)
classroom = build_slides.classroom


def slide_type(cell):
    return cell.metadata["slideshow"]["slide_type"]


def lesson(tmp_path, text):
    path = tmp_path / "01-example.md"
    path.write_text(text)
    return build_slides.build_slides(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(output folder, sha256 of every source before the build) after one run of the builder."""
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in SOURCES}
    out = tmp_path_factory.mktemp("slides")
    build_slides.main(out)
    return out, before


def test_every_lesson_in_every_language_builds(built):
    out, _ = built
    assert {lang.name for lang in (ROOT / "notebooks").iterdir() if lang.is_dir()} >= {"en", "hi", "bn", "de"}
    assert len(SOURCES) == 4 * len(list((ROOT / "notebooks" / "en").glob("[0-9][0-9]-*.md"))) >= 28
    for source in SOURCES:
        notebook = nbformat.read(out / source.parent.name / f"{source.stem}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata["kernelspec"]["name"] == "python3"
        assert notebook.metadata["rise"]["start_slideshow_at"] == "beginning"
        first = notebook.cells[0]
        assert slide_type(first) == "slide" and first.source.startswith("# "), source
        assert sum(slide_type(cell) == "slide" for cell in notebook.cells) > 3, source


def test_sources_are_not_modified(built):
    _, before = built
    assert {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in SOURCES} == before


def test_no_text_is_lost_or_reordered(built):
    out, _ = built
    for source in SOURCES:
        original = classroom.student_edition(jupytext.read(source))
        slides = nbformat.read(out / source.parent.name / f"{source.stem}.ipynb", as_version=4)
        code = [cell.source for cell in original.cells if cell.cell_type == "code"]
        assert [cell.source for cell in slides.cells if cell.cell_type == "code"] == code
        words = " ".join(cell.source for cell in original.cells).split()
        assert " ".join(cell.source for cell in slides.cells).replace(".ipynb)", ".md)").split() == words


def test_slides_hold_no_solutions_and_no_hidden_checks(built):
    out, _ = built
    for source in SOURCES:
        slides = nbformat.read(out / source.parent.name / f"{source.stem}.ipynb", as_version=4)
        assert classroom.leaked_solution_lines(jupytext.read(source), slides) == [], source
        assert not [cell for cell in slides.cells if classroom.HIDDEN_TAG in classroom.tags(cell)], source


def test_solutions_become_ellipses(tmp_path):
    notebook = lesson(tmp_path, '# T\n\n```python tags=["solution"] jupyter={"source_hidden": true}\n'
                                'stored = 2719  # SOLUTION\n```\n\n```python tags=["hidden-check"]\n'
                                'check.q1.hidden(stored)\n```\n')
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.source for cell in code] == ["stored = ..."]
    assert slide_type(code[0]) == "fragment" and "jupyter" not in code[0].metadata  # shown, not collapsed


def test_headings_start_slides_everywhere(built):
    out, _ = built
    for path in out.glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            heading = re.match(r"(#{1,3}) ", cell.source)
            if heading:
                expected = "subslide" if len(heading.group(1)) == 3 else "slide"
                assert slide_type(cell) == expected, (path, cell.source[:60])
            else:
                assert slide_type(cell) in ("fragment", "subslide"), (path, cell.source[:60])


def test_headings_start_slides_and_code_cells_are_fragments(tmp_path):
    notebook = lesson(tmp_path, "# Title\n\nIntro.\n\n## First\n\nText.\n\n```python\nx = 1\n```\n\n"
                                "After the code.\n\n### Detail\n\nMore.\n\n#### Small heading\n\nStays.\n")
    cells = [(cell.cell_type, slide_type(cell), cell.source.splitlines()[0]) for cell in notebook.cells]
    assert cells == [
        ("markdown", "slide", "# Title"),
        ("markdown", "slide", "## First"),
        ("code", "fragment", "x = 1"),
        ("markdown", "fragment", "After the code."),
        ("markdown", "subslide", "### Detail"),
    ]
    assert "#### Small heading" in notebook.cells[-1].source


def test_a_hash_in_a_fenced_block_is_not_a_heading(tmp_path):
    notebook = lesson(tmp_path, "## Diagram\n\n```text\n# not a heading\n```\n\nText.\n")
    assert len(notebook.cells) == 1 and slide_type(notebook.cells[0]) == "slide"


def test_long_markdown_is_cut_between_paragraphs_into_subslides(tmp_path):
    paragraph = "A sentence that keeps going. " * 10
    notebook = lesson(tmp_path, "## Long\n\n" + "\n\n".join([paragraph] * 12) + "\n")
    kinds = [slide_type(cell) for cell in notebook.cells]
    assert kinds[0] == "slide" and len(kinds) > 1 and set(kinds[1:]) == {"subslide"}
    assert all(build_slides.height("markdown", cell.source) <= build_slides.SLIDE_LINES for cell in notebook.cells)
    assert sum(cell.source.count(paragraph.strip()) for cell in notebook.cells) == 12


def test_links_to_lessons_point_to_slideshows(tmp_path):
    notebook = lesson(tmp_path, "# T\n\n[hi](../hi/01-pointers.md) [next](02-federated-learning.md) "
                                "[readme](../../README.md)\n")
    source = notebook.cells[0].source
    assert "(../hi/01-pointers.ipynb)" in source and "(02-federated-learning.ipynb)" in source
    assert "(../../README.md)" in source


def test_rebuilding_gives_the_same_files(tmp_path):
    source = ROOT / "notebooks" / "en" / "01-pointers.md"
    first = nbformat.writes(build_slides.build_slides(source))
    assert nbformat.writes(build_slides.build_slides(source)) == first
