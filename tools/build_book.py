"""Build the lessons as a static book, one Sphinx build per language (book/ holds the configuration).

Usage: python tools/build_book.py [--jobs N] [--languages en,hi,...] [OUT_DIR]   (default: build/book)

Writes OUT_DIR/site/: index.html (which sends a reader to English) and, per
language, <lang>/index.html (the table of contents), <lang>/NN-slug.html for
every lesson notebooks/<lang>/NN-slug.md, <lang>/teaching.html (the teacher's
guide) and <lang>/api.html (what ``sy`` offers). Every lesson is run while its
language is built (myst-nb, PYPRIVATE_LANG=<lang>); a failed cell or any
Sphinx warning fails the build (``-W --keep-going``).

Each language's Sphinx source, OUT_DIR/src/<lang>/, is made here from the
single sources, which are only read:

1. A lesson becomes a notebook whose solution cells (tagged ``solution``)
   carry ``hide-input`` (folded behind a button, without the SOLUTION
   markers) and whose ``hidden-check`` cells carry ``remove-cell`` (they run,
   as in the lab, but the page leaves them out).
2. Links to a lesson or to the teacher's guide point to that page of the
   book: in the same language as a link Sphinx checks (``02-x.ipynb``), in
   another language as ``../hi/02-x.html``. A relative link to a file that
   is not in the book keeps its text only.
3. index.md lists the lessons found (no list to maintain), the guide and the API page.

Matplotlib gets a font cache of its own (OUT_DIR/matplotlib) made after the
fonts were installed, so figures draw Devanagari and Bengali (fonts-noto-core).
"""

import argparse
import html
import inspect
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(BOOK))
sys.path.insert(0, str(ROOT))
import build_classroom  # noqa: E402
import classroom  # noqa: E402
from words import words  # noqa: E402

from pyprivate.i18n.languages import LANGUAGES, SOURCE  # noqa: E402

LESSON = re.compile(r"^\d\d-[\w-]+$")
LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^()\s]+)\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
SCRIPT_FONTS = ("Noto Sans Devanagari", "Noto Sans Bengali")
MATPLOTLIBRC = "font.sans-serif: DejaVu Sans, Noto Sans Devanagari, Noto Sans Bengali, sans-serif\n"


def languages():
    """The languages that have lessons, English first."""
    return [code for code in LANGUAGES if (ROOT / "notebooks" / code).is_dir()]


def lessons(lang):
    """Every lesson of ``lang`` in order: notebooks/<lang>/NN-slug.md."""
    return [path for path in build_classroom.lessons() if path.parent.name == lang]


def guide(lang):
    """The teacher's guide in ``lang`` (docs/teaching.md for English), or None."""
    path = ROOT / "docs" / ("" if lang == SOURCE else lang) / "teaching.md"
    return path if path.is_file() else None


def book_page(path):
    """(lang, page) of the book page made from the repository file ``path`` (posix, relative), or None."""
    parts = posixpath.normpath(path).split("/")
    name, suffix = posixpath.splitext(parts[-1])
    if suffix != ".md":
        return None
    if len(parts) == 3 and parts[0] == "notebooks" and parts[1] in LANGUAGES and LESSON.match(name):
        return parts[1], name
    if parts == ["docs", "teaching.md"]:
        return SOURCE, "teaching"
    if len(parts) == 3 and parts[0] == "docs" and parts[1] in LANGUAGES and name == "teaching":
        return parts[1], "teaching"
    return None


def source_name(page):
    """The file name of ``page`` in a language's Sphinx source: lessons are notebooks."""
    return f"{page}.ipynb" if LESSON.match(page) else f"{page}.md"


def rewrite_links(markdown, source, lang):
    """``markdown`` from the repository file ``source`` (posix, relative), with its links fit for the book.

    The page is in ``lang``'s book. Links to other sites and to anchors stay as they are.
    """
    def link(match):
        text, target = match.groups()
        if SCHEME.match(target) or target.startswith(("#", "/")):
            return match.group(0)
        path, hash_, anchor = target.partition("#")
        fragment = hash_ + anchor
        found = book_page(posixpath.join(posixpath.dirname(source), path))
        if found is None:
            return text
        target_lang, page = found
        if target_lang == lang:
            return f"[{text}]({source_name(page)}{fragment})"
        # Another language is another Sphinx project: a plain HTML link, which Sphinx leaves alone.
        return (f'<a href="../{target_lang}/{page}.html{html.escape(fragment)}" hreflang="{target_lang}">'
                f"{html.escape(text)}</a>")

    return LINK.sub(link, markdown)


def book_cell(cell, source, lang):
    """A copy of a lesson's cell as the book shows it (see the module's docstring)."""
    cell = classroom.shown(cell)
    tags = list(classroom.tags(cell))
    if cell.cell_type == "markdown":
        cell.source = rewrite_links(cell.source, source, lang)
    elif classroom.is_solution(cell):
        cell.source = classroom.teacher_source(cell.source)
        tags.append("hide-input")
    if classroom.HIDDEN_TAG in tags:
        tags.append("remove-cell")
    if tags:
        cell.metadata["tags"] = tags
    return cell


def book_notebook(path, lang):
    """The notebook (nbformat v4) that the book runs and shows for the lesson at ``path``."""
    import jupytext

    notebook = jupytext.read(path)
    source = path.relative_to(ROOT).as_posix()
    notebook.cells = [book_cell(cell, source, lang) for cell in notebook.cells]
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
    notebook.metadata = {"kernelspec": build_classroom.KERNEL, "language_info": {"name": "python"}}
    return notebook


def index_page(lang, pages):
    """index.md: the book's title and its table of contents."""
    w = words(lang)
    toctrees = [(w["lessons"], [page for page in pages if LESSON.match(page)]),
                (w["teachers"], [page for page in pages if page == "teaching"]),
                (w["reference"], [page for page in pages if page == "api"])]
    text = f"# {w['title']}\n\n{w['intro']}\n"
    for caption, entries in toctrees:
        if entries:
            text += f"\n```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n"
    return text


def api_page(lang):
    """api.md: autodoc of every public name of ``pyprivate`` (its ``__all__``), as ``sy.<name>``."""
    import pyprivate

    w = words(lang)
    kinds = {"class": [], "function": [], "object": [], "module": []}
    for name in pyprivate.__all__:
        obj = getattr(pyprivate, name)
        kind = ("module" if inspect.ismodule(obj) else "class" if inspect.isclass(obj)
                else "function" if callable(obj) else "object")
        kinds[kind].append(name)
    text = f"# {w['api_title']}\n\n{w['api_intro']}\n"
    for kind, names in kinds.items():
        for name in names:
            if kind == "module":
                directive = f".. automodule:: {getattr(pyprivate, name).__name__}\n   :members:"
            else:
                auto = {"class": "autoclass", "function": "autofunction", "object": "autodata"}[kind]
                directive = f".. currentmodule:: pyprivate\n\n.. {auto}:: {name}" + (
                    "\n   :members:" if kind == "class" else "\n   :annotation:" if kind == "object" else "")
            text += f"\n## sy.{name}\n\n```{{eval-rst}}\n{directive}\n```\n"
    return text


def write_source(src, lang):
    """Write ``lang``'s Sphinx source into ``src``; returns its page names."""
    import nbformat

    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    pages = []
    for path in lessons(lang):
        nbformat.write(book_notebook(path, lang), src / f"{path.stem}.ipynb")
        pages.append(path.stem)
    teaching = guide(lang)
    if teaching is not None:
        text = rewrite_links(teaching.read_text(encoding="utf-8"), teaching.relative_to(ROOT).as_posix(), lang)
        (src / "teaching.md").write_text(text, encoding="utf-8")
        pages.append("teaching")
    (src / "api.md").write_text(api_page(lang), encoding="utf-8")
    pages.append("api")
    (src / "index.md").write_text(index_page(lang, pages), encoding="utf-8")
    return pages


def redirect_page(langs):
    """site/index.html: sends a reader to the English book, and lists every language."""
    links = " · ".join(f'<a href="{code}/index.html" hreflang="{code}" lang="{code}">{LANGUAGES[code].name}</a>'
                       for code in langs)
    first = langs[0]
    return (f'<!DOCTYPE html>\n<html lang="{first}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="refresh" content="0; url={first}/index.html">\n'
            f"<title>{html.escape(words(first)['title'])}</title>\n</head>\n"
            f"<body>\n<p>{links}</p>\n</body>\n</html>\n")


def prepare_matplotlib(config_dir):
    """A fresh font cache in ``config_dir`` (read by every kernel), made after the fonts were installed."""
    shutil.rmtree(config_dir, ignore_errors=True)
    config_dir.mkdir(parents=True)
    (config_dir / "matplotlibrc").write_text(MATPLOTLIBRC)
    probe = ("from matplotlib import font_manager; names = {f.name for f in font_manager.fontManager.ttflist}; "
             f"print(','.join(n for n in {SCRIPT_FONTS!r} if n not in names))")
    result = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ, MPLCONFIGDIR=str(config_dir)),
                            capture_output=True, text=True, check=True)
    missing = result.stdout.strip()
    if missing:
        sys.exit(f"matplotlib finds no {missing}: install Debian's fonts-noto-core (`make book` does)")


def build_language(lang, out_dir):
    """Run Sphinx on ``lang``'s source (write_source); returns (lang, seconds, return code, log path)."""
    # myst-nb writes executed notebooks and their images beside Sphinx's output folder, so
    # each language gets a work folder of its own, and its html/ is copied into the site.
    src, work, site = out_dir / "src" / lang, out_dir / "work" / lang, out_dir / "site" / lang
    log = out_dir / "logs" / f"{lang}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    env = dict(os.environ, PYPRIVATE_LANG=lang, MPLCONFIGDIR=str(out_dir / "matplotlib"),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-T", "-c", str(BOOK),
               "-d", str(work / "doctrees"), str(src), str(work / "html")]
    with open(log, "w", encoding="utf-8") as output:
        code = subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=src).returncode
    if code == 0:
        shutil.copytree(work / "html", site, ignore=shutil.ignore_patterns(".buildinfo", ".doctrees"))
    return lang, time.monotonic() - start, code, log


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=ROOT / "build" / "book", type=Path)
    parser.add_argument("--jobs", type=int, default=2, help="languages built at the same time (default 2)")
    parser.add_argument("--languages", help="comma-separated codes (default: every language with lessons)")
    args = parser.parse_args(argv)
    out_dir = args.out_dir.resolve()
    langs = args.languages.split(",") if args.languages else languages()
    prepare_matplotlib(out_dir / "matplotlib")
    for lang in langs:
        write_source(out_dir / "src" / lang, lang)
    start, failed = time.monotonic(), []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for lang, seconds, code, log in pool.map(lambda lang: build_language(lang, out_dir), langs):
            print(f"{lang}: {'built' if code == 0 else 'FAILED'} in {seconds:.0f} s (log: {log})", flush=True)
            if code != 0:
                failed.append(lang)
                print(log.read_text(encoding="utf-8")[-6000:], file=sys.stderr)
    (out_dir / "site" / "index.html").write_text(redirect_page(languages()), encoding="utf-8")
    print(f"the book in {', '.join(langs)}: {out_dir / 'site' / 'index.html'} "
          f"({time.monotonic() - start:.0f} s)")
    if failed:
        sys.exit(f"the book failed to build in: {', '.join(failed)}")


if __name__ == "__main__":
    main()
