"""Convert every tutorial (notebooks/<lang>/*.md, jupytext Markdown) to .ipynb under build/.

Usage: python tools/build_notebooks.py [OUT_DIR]      (default: build/notebooks)
The sources stay untouched and output-free; nbval then runs the copies.
"""

import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def main(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*/*.md"))
    for source in sources:
        notebook = jupytext.read(source)
        notebook.metadata["kernelspec"] = KERNEL
        target = out_dir / source.parent.name / f"{source.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target)
    print(f"converted {len(sources)} notebooks into {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "notebooks")
