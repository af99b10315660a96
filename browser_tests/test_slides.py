"""A built slideshow (`make slides`) runs as reveal.js slides in JupyterLab, with jupyterlab-rise.

The lesson opens in JupyterLab; the notebook toolbar's RISE button ("Render as
Reveal Slideshow", the command RISE:preview, also Alt+R) opens the slideshow
at /rise/<path> in a panel beside it. Every request the pages make must stay
on this machine: a classroom may have no internet.
"""

import importlib.util
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

if importlib.util.find_spec("jupyterlab_rise") is None:
    pytest.skip("jupyterlab-rise is not installed: `make slides` installs the \"slides\" extra",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
LESSON = "slides/en/01-pointers.ipynb"
TITLE = "Part 1: Tensors that live somewhere else"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
CURRENT = ".reveal .slides > section.present"


def assert_all_local(requests):
    remote = sorted({url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS
                     and not url.startswith(("data:", "blob:"))})
    assert not remote, f"the slideshow loaded something from the internet: {remote[:5]}"


def test_a_lesson_runs_as_a_slideshow(slides_lab, browser, screenshots):
    base, token = slides_lab
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(f"{base}/lab/workspaces/slides/tree/{LESSON}?reset&token={token}",
                  wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel").first.wait_for(timeout=90_000)
        page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='RISE-button'] button").click(timeout=60_000)

        slideshow = page.frame_locator("iframe[src*='/rise/']")
        slideshow.locator(CURRENT).wait_for(timeout=90_000)
        assert slideshow.locator(".reveal .slides section").count() > 10  # slides, not one long page
        # text_content: the theme shows headings in capitals (CSS), the DOM keeps the words.
        assert TITLE in slideshow.locator(f"{CURRENT} h1").first.text_content(), \
            "the first slide does not show the lesson's title"
        page.wait_for_timeout(1000)  # reveal's transition
        page.screenshot(path=str(screenshots / "slides-01-pointers.png"))

        slideshow.locator(".reveal").first.press("ArrowRight")
        slideshow.locator(f"{CURRENT} h2", has_text="Workers").wait_for(timeout=10_000)  # the next slide
        assert TITLE not in slideshow.locator(CURRENT).text_content()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(screenshots / "slides-01-pointers-next.png"))

        assert_all_local(requests)
    except Exception:
        page.screenshot(path=str(screenshots / "slides-01-pointers-failed.png"))
        raise
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "hi", "bn", "de"])
def test_every_language_opens_full_page_at_rise_url(lang, slides_lab, browser, screenshots):
    """What "Open as Reveal Slideshow" (RISE:slideshow) opens in a new tab, for a projector."""
    base, token = slides_lab
    source = (ROOT / "notebooks" / lang / "02-federated-learning.md").read_text()
    title = re.search(r"^# (.+)$", source, re.M).group(1)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(f"{base}/rise/slides/{lang}/02-federated-learning.ipynb?token={token}",
                  wait_until="domcontentloaded")
        page.locator(CURRENT).wait_for(timeout=90_000)
        assert page.locator(".reveal .slides section").count() > 10
        assert title in page.locator(f"{CURRENT} h1").first.text_content()  # ends with an anchor, ¶
        page.wait_for_timeout(1000)  # reveal's transition
        page.screenshot(path=str(screenshots / f"slides-{lang}-02-federated-learning.png"))
        assert_all_local(requests)
    finally:
        context.close()
