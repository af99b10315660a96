"""Build every lesson (notebooks/<lang>/NN-slug.md) as a RISE slideshow notebook.

Usage: python tools/build_slides.py [OUT_DIR]   (default: build/classroom/slides)
Writes OUT_DIR/<lang>/NN-slug.ipynb; present one in JupyterLab with the
jupyterlab-rise extension (the "slides" extra): open it and press Alt+R.

The lessons carry no slide markers: the slide structure is derived here, at
build time, from the cells jupytext reads. The rules:

1. A markdown cell is cut before every heading line (``#``, ``##``, ``###``;
   never inside a fenced block), so each heading begins a cell of its own.
2. A cell that begins with ``#`` or ``##`` starts a new slide (``"slide"``);
   one that begins with ``###`` starts a vertical subslide (``"subslide"``).
3. Code cells are fragments (``"fragment"``): they appear on the next key press.
4. Other markdown cells are fragments too, unless the slide is already full
   (about ``SLIDE_LINES`` lines of text and code): then they start a subslide,
   so a long section becomes a vertical stack instead of an overflowing slide.
   A markdown cell longer than a slide is first cut between paragraphs.
5. Links to another lesson's ``.md`` point to its slideshow ``.ipynb``.
6. The slides show the student edition (tools/classroom.py): solutions are
   replaced by ``...`` and cells tagged ``hidden-check`` are dropped.

The notebook gets the python3 kernelspec and RISE options (``metadata.rise``):
start at the first slide, scroll when live outputs make a slide too long, and
use a theme that loads nothing from the internet. The sources are only read.
"""

import re
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_classroom  # noqa: E402
import classroom  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# reveal.js's "white" theme ships its font; RISE's default theme ("simple") fetches Google Fonts.
RISE = {"start_slideshow_at": "beginning", "scroll": True, "theme": "white"}
SLIDE_LINES = 18  # what fits on a projected slide at RISE's default zoom
LINE_CHARS = 90  # characters of prose per projected line
HEADING = re.compile(r"^(#{1,3}) ")
FENCE = re.compile(r"^(```|~~~)")
LESSON_LINK = re.compile(r"\]\(((?:\.\./[a-z]{2}/)?\d\d-[\w-]+)\.md\)")


def split_at_headings(text):
    """The markdown ``text`` cut before each heading line outside fenced blocks."""
    pieces, current, fenced = [], [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        if HEADING.match(line) and not fenced and current:
            pieces.append(current)
            current = []
        current.append(line)
    pieces.append(current)
    return ["\n".join(piece).strip("\n") for piece in pieces if "".join(piece).strip()]


def paragraphs(text):
    """The blank-line separated paragraphs of ``text``, fenced blocks kept whole."""
    result, current, fenced = [], [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                result.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        result.append("\n".join(current))
    return result


def height(cell_type, text):
    """Roughly how many projected lines ``text`` takes on a slide."""
    if cell_type == "code":
        return text.count("\n") + 2  # the input box's padding
    return sum(1 + len(line) // LINE_CHARS for line in text.splitlines())


def fit_to_slides(text):
    """``text`` as one or more pieces of at most about SLIDE_LINES lines, cut between paragraphs."""
    if height("markdown", text) <= SLIDE_LINES:
        return [text]
    pieces, current = [], []
    for paragraph in paragraphs(text):
        if current and height("markdown", "\n\n".join(current + [paragraph])) > SLIDE_LINES:
            pieces.append("\n\n".join(current))
            current = []
        current.append(paragraph)
    pieces.append("\n\n".join(current))
    return pieces


def slide_cells(notebook):
    """The cells of a lesson, cut and marked with their ``slideshow.slide_type``."""
    cells, used = [], 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            used += height("code", cell.source)
            cells.append(nbformat.v4.new_code_cell(
                cell.source, metadata=dict(cell.metadata, slideshow={"slide_type": "fragment"})))
            continue
        source = LESSON_LINK.sub(r"](\1.ipynb)", cell.source)
        for block in split_at_headings(source):
            for piece in fit_to_slides(block):
                heading, lines = HEADING.match(piece), height("markdown", piece)
                if heading:
                    kind = "subslide" if len(heading.group(1)) == 3 else "slide"
                else:
                    kind = "subslide" if used + lines > SLIDE_LINES else "fragment"
                used = lines if kind != "fragment" else used + lines
                cells.append(nbformat.v4.new_markdown_cell(
                    piece, metadata=dict(cell.metadata, slideshow={"slide_type": kind})))
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number}"  # stable ids: rebuilding changes nothing
    return cells


def build_slides(source):
    """The slideshow notebook (nbformat v4) of one lesson's jupytext Markdown ``source``."""
    lesson = classroom.student_edition(jupytext.read(source))
    notebook = nbformat.v4.new_notebook(cells=slide_cells(lesson))
    notebook.metadata["kernelspec"] = build_classroom.KERNEL
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["rise"] = dict(RISE)
    return notebook


def main(out_dir):
    out_dir = Path(out_dir)
    sources = build_classroom.lessons()
    for source in sources:
        target = out_dir / source.parent.name / f"{source.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = build_slides(source)
        nbformat.validate(notebook)
        nbformat.write(notebook, target)
    print(f"built {len(sources)} slideshows into {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "classroom" / "slides")
