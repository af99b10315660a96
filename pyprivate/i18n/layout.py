"""Where the tutorials, documents, templates, catalogs and built files live under a repository root."""

import re
from pathlib import Path

from .languages import SOURCE, TARGETS

NOTEBOOK_NAME = re.compile(r"^\d\d-[^/]+\.md$")  # NN-slug.md
LIBRARY = "pyprivate"  # the catalog of the library's own strings (widget labels, ...)
# The plain Markdown documents in docs/ that are translated like the tutorials, as docs/<name>.md.
# A list rather than every docs/*.md: the threat model, for one, stays English-only.
DOCUMENTS = ("teaching",)


class Layout:
    """The paths of one checkout; tests point it at a temporary directory."""

    def __init__(self, root, languages=TARGETS, documents=DOCUMENTS):
        self.root = Path(root).resolve()
        self.languages = tuple(languages)
        self.document_names = tuple(documents)

    def names(self):
        """The English tutorials, as 'NN-slug', in order."""
        folder = self.root / "notebooks" / SOURCE
        return sorted(p.stem for p in folder.glob("*.md") if NOTEBOOK_NAME.match(p.name))

    def notebook(self, lang, name):
        return self.root / "notebooks" / lang / f"{name}.md"

    def template(self, name):
        return self.root / "translations" / "templates" / f"{name}.pot"

    def catalog(self, lang, name):
        return self.root / "translations" / lang / f"{name}.po"

    def documents(self):
        """The translated documents whose English docs/<name>.md exists, as names, in order."""
        return sorted(name for name in self.document_names if self.document(SOURCE, name).exists())

    def document(self, lang, name):
        """docs/<name>.md in English, docs/<lang>/<name>.md translated."""
        folder = self.root / "docs"
        return folder / f"{name}.md" if lang == SOURCE else folder / lang / f"{name}.md"

    def built_documents(self, lang):
        """The names of the documents present in docs/<lang>/."""
        return sorted(p.stem for p in (self.root / "docs" / lang).glob("*.md"))

    def document_catalogs(self, lang):
        """The names of the catalogs in translations/<lang>/ that are neither a tutorial's nor the library's."""
        folder = self.root / "translations" / lang
        return sorted(p.stem for p in folder.glob("*.po")
                      if p.stem != LIBRARY and not NOTEBOOK_NAME.match(p.stem + ".md"))

    def all_catalogs(self, lang):
        """The paths of every catalog in translations/<lang>/: tutorials, documents and the library's."""
        return sorted((self.root / "translations" / lang).glob("*.po"))

    def glossary(self, lang):
        return self.root / "translations" / lang / "glossary.md"

    def package(self):
        return self.root / LIBRARY

    def built_notebooks(self, lang):
        """The NN-slug names of the notebooks present in notebooks/<lang>/."""
        folder = self.root / "notebooks" / lang
        return sorted(p.stem for p in folder.glob("*.md") if NOTEBOOK_NAME.match(p.name))

    def catalogs(self, lang):
        """The NN-slug names of the tutorial catalogs present in translations/<lang>/."""
        folder = self.root / "translations" / lang
        return sorted(p.stem for p in folder.glob("*.po") if NOTEBOOK_NAME.match(p.stem + ".md"))

    def relative(self, path):
        """A path as the user sees it from the root, for messages and #: references."""
        return Path(path).resolve().relative_to(self.root).as_posix()
