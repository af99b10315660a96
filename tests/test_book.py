"""The book's build script (tools/build_book.py) and language switcher (book/language_switcher.py), without building.

`make book` builds the site; browser_tests/test_book.py opens it.
"""

import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_book = load("build_book", ROOT / "tools" / "build_book.py")
switcher = load("language_switcher", ROOT / "book" / "language_switcher.py")
NAMES = {"en": "English", "hi": "हिन्दी", "bn": "বাংলা", "de": "Deutsch"}


def test_language_links_of_a_lesson_point_to_the_other_languages_pages():
    line = ("**Languages:** English · [हिन्दी](../hi/01-pointers.md) · [বাংলা](../bn/01-pointers.md) · "
            "[Deutsch](../de/01-pointers.md)")
    rewritten = build_book.rewrite_links(line, "notebooks/en/01-pointers.md", "en")
    assert rewritten == ('**Languages:** English · <a href="../hi/01-pointers.html" hreflang="hi">हिन्दी</a> · '
                         '<a href="../bn/01-pointers.html" hreflang="bn">বাংলা</a> · '
                         '<a href="../de/01-pointers.html" hreflang="de">Deutsch</a>')


def test_links_within_a_language_become_links_sphinx_checks():
    text = "See [Part 2](02-federated-learning.md#exercises) and [the same](../hi/02-federated-learning.md)."
    assert build_book.rewrite_links(text, "notebooks/hi/03-secret-sharing.md", "hi") == (
        "See [Part 2](02-federated-learning.ipynb#exercises) and [the same](02-federated-learning.ipynb).")


def test_the_teachers_guide_links_to_the_lessons_of_its_language():
    english = build_book.rewrite_links("[lesson 3](../notebooks/en/03-secret-sharing.md)", "docs/teaching.md", "en")
    hindi = build_book.rewrite_links("[पाठ 3](../../notebooks/hi/03-secret-sharing.md)", "docs/hi/teaching.md", "hi")
    assert english == "[lesson 3](03-secret-sharing.ipynb)"
    assert hindi == "[पाठ 3](03-secret-sharing.ipynb)"
    lesson_to_guide = build_book.rewrite_links("[guide](../../docs/de/teaching.md)", "notebooks/de/01-x.md", "de")
    assert lesson_to_guide == "[guide](teaching.md)"


def test_links_outside_the_book_keep_their_text_and_other_links_stay():
    text = ("[the threat model](../threat-model.md), [README](../../translations/README.md), "
            "[PyTorch](https://pytorch.org/docs), [below](#exercises), ![a figure](figure.png)")
    assert build_book.rewrite_links(text, "docs/hi/teaching.md", "hi") == (
        "the threat model, README, [PyTorch](https://pytorch.org/docs), [below](#exercises), ![a figure](figure.png)")


def test_no_link_of_any_lesson_or_guide_points_to_a_markdown_file():
    sources = sorted((ROOT / "notebooks").glob("*/[0-9][0-9]-*.md")) + sorted((ROOT / "docs").glob("**/teaching.md"))
    assert sources
    for source in sources:
        lang = source.parent.name if source.parent.name in NAMES else "en"
        text = build_book.rewrite_links(source.read_text(), source.relative_to(ROOT).as_posix(), lang)
        assert not re.search(r"\]\([^)]*\.md\b", text), source
        if source.parent.parent.name == "notebooks":
            others = [code for code in NAMES if code != lang]
            for code in others:  # the lesson's language line, as the book's pages
                assert f'href="../{code}/{source.stem}.html"' in text, (source, code)


def cell(source, cell_type="code", **metadata):
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata=metadata)


def test_solutions_fold_behind_a_button_without_their_markers():
    solution = cell("answer = 3  # SOLUTION\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION",
                    tags=["solution"], jupyter={"source_hidden": True})
    shown = build_book.book_cell(solution, "notebooks/en/01-x.md", "en")
    assert shown.metadata["tags"] == ["solution", "hide-input"]
    assert "jupyter" not in shown.metadata
    assert shown.source == "answer = 3\nx = 1"
    assert solution.metadata["tags"] == ["solution"]  # the source cell is left as it was


def test_hidden_checks_are_left_out_and_other_cells_stay():
    hidden = build_book.book_cell(cell("check.q1.hidden(f)", tags=["hidden-check"]), "notebooks/en/01-x.md", "en")
    assert hidden.metadata["tags"] == ["hidden-check", "remove-cell"]
    plain = build_book.book_cell(cell("x = 1"), "notebooks/en/01-x.md", "en")
    assert plain.source == "x = 1" and "tags" not in plain.metadata


def test_a_real_lesson_in_the_book():
    path = ROOT / "notebooks" / "de" / "01-pointers.md"
    source = jupytext.read(path)
    book = build_book.book_notebook(path, "de")
    nbformat.validate(book)
    assert len(book.cells) == len(source.cells)

    def count(notebook, tag):
        return sum(tag in c.metadata.get("tags", []) for c in notebook.cells)

    assert count(book, "hide-input") == count(source, "solution") > 0
    assert count(book, "remove-cell") == count(source, "hidden-check") > 0
    assert book.metadata["kernelspec"]["name"] == "python3"


def test_every_lesson_joins_the_book_and_its_table_of_contents():
    for lang in NAMES:
        stems = [path.stem for path in build_book.lessons(lang)]
        assert stems and stems == [path.stem for path in build_book.lessons("en")]
    page = build_book.index_page("hi", ["01-pointers", "07-differential-privacy", "teaching", "api"])
    toctrees = re.findall(r"```\{toctree\}\n(.*?)```", page, re.S)
    assert [re.findall(r"^[\w-]+$", t, re.M) for t in toctrees] == [
        ["01-pointers", "07-differential-privacy"], ["teaching"], ["api"]]
    assert ":caption: पाठ" in page


def test_the_api_page_documents_what_sy_exports():
    import pyprivate

    page = build_book.api_page("en")
    for name in pyprivate.__all__:
        assert f"## sy.{name}\n" in page
    assert ".. autoclass:: VirtualWorker\n   :members:" in page
    assert ".. automodule:: pyprivate.errors" in page
    assert ".. autofunction:: start_workers" in page


def test_the_language_switcher_links_the_same_page_in_every_language():
    assert switcher.switcher_links("03-secret-sharing", "bn", NAMES) == [
        ("en", "English", "../en/03-secret-sharing.html"),
        ("hi", "हिन्दी", "../hi/03-secret-sharing.html"),
        ("bn", "বাংলা", None),
        ("de", "Deutsch", "../de/03-secret-sharing.html"),
    ]
    nested = switcher.switcher_links("guide/part", "en", NAMES)
    assert nested[1] == ("hi", "हिन्दी", "../../hi/guide/part.html")


def test_the_site_root_sends_a_reader_to_english():
    page = build_book.redirect_page(["en", "hi", "bn", "de"])
    assert '<meta http-equiv="refresh" content="0; url=en/index.html">' in page
    for code, name in NAMES.items():
        assert f'<a href="{code}/index.html" hreflang="{code}" lang="{code}">{name}</a>' in page
