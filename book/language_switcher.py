"""A Sphinx extension: every page links to the same page in the book's other languages.

Each language is its own Sphinx build in ``site/<lang>/``, and a page has
the same name in every language, so the links are plain relative URLs
(``../hi/01-pointers.html``): no JavaScript, and they work from ``file://``.
The template ``_templates/language-switcher.html`` shows them.
"""


def switcher_links(pagename, current, languages):
    """(code, name, href) for each language; href is None for ``current``.

    ``pagename`` is Sphinx's page name (``01-pointers``, ``search``, ``a/b``),
    ``languages`` maps each code to the language's own name.
    """
    up = "../" * (pagename.count("/") + 1)
    return [(code, name, None if code == current else f"{up}{code}/{pagename}.html")
            for code, name in languages.items()]


def setup(app):
    from pyprivate.i18n.languages import LANGUAGES

    names = {code: language.name for code, language in LANGUAGES.items()}

    def add_links(app, pagename, templatename, context, doctree):
        context["book_languages"] = switcher_links(pagename, app.config.language, names)

    app.connect("html-page-context", add_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
