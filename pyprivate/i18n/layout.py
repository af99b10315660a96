"""Where the tutorials, templates, catalogs and built notebooks live under a repository root."""

import re
from pathlib import Path

from .languages import SOURCE, TARGETS

NOTEBOOK_NAME = re.compile(r"^\d\d-[^/]+\.md$")  # NN-slug.md
LIBRARY = "pyprivate"  # the catalog of the library's own strings (widget labels, ...)


class Layout:
    """The paths of one checkout; tests point it at a temporary directory."""

    def __init__(self, root, languages=TARGETS):
        self.root = Path(root).resolve()
        self.languages = tuple(languages)

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
