"""The built book (`make book`) in Debian's Chromium, opened from file:// with no network at all.

Every request that is not for a file:// URL is aborted and recorded: the
book must show everything (theme, figures, widget snapshots, fonts) from
its own folder. Screenshots go to build/screenshots/book/.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "book" / "site"
LANGUAGES = ("en", "hi", "bn", "de")
NAMES = {"en": "English", "hi": "हिन्दी", "bn": "বাংলা", "de": "Deutsch"}
LESSONS = sorted(path.stem for path in (ROOT / "notebooks" / "en").glob("[0-9][0-9]-*.md"))

if not (SITE / "index.html").is_file() or not all((SITE / lang / "index.html").is_file() for lang in LANGUAGES):
    pytest.skip(f"the book is not built ({SITE} is missing or incomplete): run `make book` "
                "(`make test-book` builds it, then runs this test)", allow_module_level=True)


def title(lang, lesson):
    return re.search(r"^# (.+)$", (ROOT / "notebooks" / lang / f"{lesson}.md").read_text(), re.M).group(1)


@pytest.fixture
def offline(browser):
    """(page, outside): a page whose requests outside file:// are aborted and listed in ``outside``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = []

    def route(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        yield page, outside
    finally:
        context.close()


@pytest.fixture
def shots(screenshots):
    folder = screenshots / "book"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_site_opens_in_english(offline, shots):
    page, outside = offline
    page.goto((SITE / "index.html").as_uri())
    page.wait_for_url(re.compile(r"/en/index\.html$"), timeout=10_000)
    assert page.locator("html").get_attribute("lang") == "en"
    toc = page.locator("article")
    for lesson in LESSONS:  # the table of contents lists every lesson, found without a list
        assert toc.locator(f"a[href='{lesson}.html']").count() >= 1, lesson
    page.screenshot(path=str(shots / "en-index.png"))
    assert not outside, f"the book asked the network for {outside[:5]}"


def test_the_language_switcher_walks_to_the_same_page(offline, shots):
    page, outside = offline
    lesson = "03-secret-sharing"
    page.goto((SITE / "en" / f"{lesson}.html").as_uri())
    assert page.locator("h1").first.text_content().strip().rstrip("#").strip() == title("en", lesson)
    for lang in ("hi", "bn", "de"):
        page.locator(".book-languages").first.get_by_role("link", name=NAMES[lang], exact=True).click()
        page.wait_for_url(re.compile(rf"/{lang}/{lesson}\.html$"), timeout=10_000)
        assert page.locator("html").get_attribute("lang") == lang
        assert title(lang, lesson) in page.locator("h1").first.text_content()
        assert page.locator(".book-languages [aria-current='page']").first.text_content().strip() == NAMES[lang]
        page.screenshot(path=str(shots / f"{lang}-{lesson}-top.png"))
    assert not outside, f"the book asked the network for {outside[:5]}"


def test_a_lessons_language_line_leads_to_the_other_languages(offline):
    page, outside = offline
    page.goto((SITE / "en" / "01-pointers.html").as_uri())
    page.locator("article").get_by_role("link", name="Deutsch", exact=True).first.click()
    page.wait_for_url(re.compile(r"/de/01-pointers\.html$"), timeout=10_000)
    assert not outside


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_page_shows_its_outputs(lang, lesson, offline, shots):
    page, outside = offline
    page.goto((SITE / lang / f"{lesson}.html").as_uri())
    page.wait_for_load_state("load")
    article = page.locator("article")
    assert title(lang, lesson) in article.locator("h1").first.text_content()
    assert article.locator(".cell_output").count() > 0, "no cell shows what it printed"
    images = article.locator(".cell_output img")
    broken = page.evaluate("() => [...document.querySelectorAll('article .cell_output img')]"
                           ".filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src.slice(0, 80))")
    assert not broken, f"figures that do not show: {broken}"
    assert article.locator("details.hide.above-input").count() > 0, "no solution folded behind a button"
    assert article.get_by_text("check.q1.hidden(", exact=False).count() == 0, "a hidden check is on the page"
    if lesson in ("03-secret-sharing", "05-encrypted-mnist"):
        assert images.count() > 0, "the lesson's figures are missing"
    if lesson == "03-secret-sharing":
        # Widgets show the snapshot taken when their cell ran: the StoreView is an HTML table.
        snapshot = article.locator(".cell_output .output.text_html table")
        assert snapshot.count() > 0, "no widget snapshot (StoreView table) on the page"
        snapshot.first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"{lang}-{lesson}-widget.png"))
    if images.count():
        images.first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"{lang}-{lesson}-figure.png"))
    assert not outside, f"the book asked the network for {outside[:5]}"


def test_solutions_open_with_their_button(offline):
    page, _ = offline
    page.goto((SITE / "de" / "01-pointers.html").as_uri())
    fold = page.locator("details.hide.above-input").first
    assert not fold.locator("pre").first.is_visible()
    fold.locator("summary").click()
    assert fold.locator("pre").first.is_visible()


class Resources(HTMLParser):
    """What an HTML page loads: scripts, styles, icons, images, frames, fonts (never <a> links)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed", "input"):
            self.urls.append(attrs.get("src") or "")
        if tag == "link":
            self.urls.append(attrs.get("href") or "")
        if tag == "object":
            self.urls.append(attrs.get("data") or "")
        for value in (attrs.get("srcset") or "").split(","):
            self.urls.append(value.strip().split(" ")[0])
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs.get("style") or "")

    def handle_data(self, data):  # <style> blocks: @import and url(...)
        self.urls += re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])([^'\")]+)", data)


REMOTE = re.compile(r"^(https?:)?//", re.I)


def test_no_built_file_loads_anything_from_outside():
    pages = sorted(SITE.rglob("*.html"))
    assert len(pages) >= len(LANGUAGES) * (len(LESSONS) + 1)
    remote = {}
    for path in pages:
        parser = Resources()
        parser.feed(path.read_text(encoding="utf-8"))
        found = [url for url in parser.urls if REMOTE.match(url.strip())]
        if found:
            remote[str(path.relative_to(SITE))] = found[:3]
    for path in sorted(SITE.rglob("*.css")):
        found = re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")]+)", path.read_text(encoding="utf-8"))
        if found:
            remote[str(path.relative_to(SITE))] = found[:3]
    assert not remote, f"built files that load something from outside: {remote}"
