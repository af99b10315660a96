"""Build the student and teacher editions of every lesson in every language.

Usage: python tools/build_classroom.py [OUT_DIR]        (default: build/classroom)
Writes OUT_DIR/student/<lang>/NN-slug.ipynb and OUT_DIR/teacher/<lang>/NN-slug.ipynb
from notebooks/<lang>/NN-slug.md; see tools/classroom.py for what each edition holds.
"""

import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import classroom  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
FINAL_CHECK = "check.assert_all_passed()  # the teacher edition fails here unless every check passed"


def lessons():
    """Every lesson source, notebooks/<lang>/NN-slug.md, in order."""
    return sorted((ROOT / "notebooks").glob("*/[0-9][0-9]-*.md"))


def main(out_dir):
    out_dir = Path(out_dir)
    sources = lessons()
    for source in sources:
        notebook = jupytext.read(source)
        notebook.metadata["kernelspec"] = KERNEL
        final = nbformat.v4.new_code_cell(FINAL_CHECK, metadata={"tags": ["teacher"]})
        editions = {"student": classroom.student_edition(notebook),
                    "teacher": classroom.teacher_edition(notebook, final)}
        for name, edition in editions.items():
            target = out_dir / name / source.parent.name / f"{source.stem}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(edition, target)
    print(f"built the student and teacher editions of {len(sources)} notebooks into {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "classroom")
