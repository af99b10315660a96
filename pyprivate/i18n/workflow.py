"""The translator's one command, `update`, and its steps over a whole checkout.

update = language links in the English sources + extract + merge + build,
then a status table. Every step is idempotent and writes a file only when its
content changes, so running update twice changes nothing the second time.

Each step handles the tutorials (notebooks/en/NN-slug.md), the documents
(docs/<name>.md, see `Layout.documents`) and the library's strings alike.
"""

from . import catalogs, extract, notebooks
from .build import build_document, build_notebook
from .layout import LIBRARY
from .languages import SOURCE
from .merge import merge
from .status import completeness


def english_text(layout, name):
    """The English notebook as `update` leaves it: with its language links."""
    text = layout.notebook(SOURCE, name).read_text(encoding="utf-8")
    return notebooks.write(notebooks.with_language_links(notebooks.read(text), name, SOURCE), like=text)


def notebook_template(layout, name):
    source = layout.relative(layout.notebook(SOURCE, name))
    return extract.notebook_template(notebooks.read(english_text(layout, name)), name, source)


def document_template(layout, name):
    path = layout.document(SOURCE, name)
    return extract.document_template(path.read_text(encoding="utf-8"), name, layout.relative(path))


def library_template(layout):
    return extract.library_template(layout.package(), layout.root)


def load_catalog(path):
    return catalogs.load(path) if path.exists() else None


def update_sources(layout):
    """Add or refresh the language links of the English notebooks."""
    files = {layout.notebook(SOURCE, name): english_text(layout, name) for name in layout.names()}
    return _write(files)


def extract_all(layout):
    """Write the templates (.pot) of the tutorials, the documents, and the library if there is one."""
    files = {layout.template(name): catalogs.render(notebook_template(layout, name)) for name in layout.names()}
    files.update({layout.template(name): catalogs.render(document_template(layout, name))
                  for name in layout.documents()})
    if layout.package().is_dir():
        files[layout.template(LIBRARY)] = catalogs.render(library_template(layout))
    return _write(files)


def merge_all(layout):
    """Update (or create) every language's catalogs from the templates on disk."""
    files = {}
    tutorials, documents = layout.names(), layout.documents()
    names = tutorials + documents + ([LIBRARY] if layout.template(LIBRARY).exists() else [])
    for lang in layout.languages:
        for name in names:
            path = layout.catalog(lang, name)
            old = load_catalog(path)
            memory = _orphan_entries(layout, lang) if old is None and name in tutorials else ()
            references = catalogs.DOCUMENT_REFERENCES if name in documents else catalogs.NOTEBOOK_REFERENCES
            po = merge(catalogs.load(layout.template(name)), old, lang, _source(layout, name), memory, references)
            files[path] = catalogs.render(po)
    return _write(files)


def build_all(layout):
    """Write notebooks/<lang>/NN-slug.md and docs/<lang>/<name>.md for every language, tutorial and document."""
    files = {}
    for name in layout.names():
        english = layout.notebook(SOURCE, name).read_text(encoding="utf-8")
        for lang in layout.languages:
            catalog = layout.catalog(lang, name)
            files[layout.notebook(lang, name)] = build_notebook(english, name, lang, load_catalog(catalog),
                                                                layout.relative(catalog))
    for name in layout.documents():
        for lang in layout.languages:
            files[layout.document(lang, name)] = built_document(layout, name, lang)
    return _write(files)


def built_document(layout, name, lang):
    """What docs/<lang>/<name>.md should hold (raises BuildError if a translation breaks a code block)."""
    english = layout.document(SOURCE, name).read_text(encoding="utf-8")
    catalog = layout.catalog(lang, name)
    return build_document(english, lang, load_catalog(catalog), layout.relative(catalog), layout.documents())


def statuses(layout):
    """Completeness of every catalog, counted against its template."""
    rows = []
    templates = [(name, notebook_template(layout, name)) for name in layout.names()]
    templates += [(name, document_template(layout, name)) for name in layout.documents()]
    if layout.package().is_dir():
        templates.append((LIBRARY, library_template(layout)))
    for name, template in templates:
        for lang in layout.languages:
            rows.append(completeness(lang, name, load_catalog(layout.catalog(lang, name)), template))
    return rows


def update(layout, log=print):
    """Everything a translator needs after editing a .po file or pulling new English."""
    for step in (update_sources, extract_all, merge_all, build_all):
        for path in step(layout):
            log(f"wrote {layout.relative(path)}")
    return statuses(layout)


def _write(files):
    """Write each {path: text}; return the paths whose content changed."""
    return [path for path, text in files.items() if catalogs.write_if_changed(path, text)]


def _source(layout, name):
    if name == LIBRARY:
        return f"the {LIBRARY} package's messages"
    if name in layout.documents():
        return layout.relative(layout.document(SOURCE, name))
    return layout.relative(layout.notebook(SOURCE, name))


def _orphan_entries(layout, lang):
    """The entries of catalogs whose notebook is gone (renamed?), to seed a new catalog."""
    orphans = sorted(set(layout.catalogs(lang)) - set(layout.names()))
    return [entry for name in orphans for entry in catalogs.load(layout.catalog(lang, name))]
