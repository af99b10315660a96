"""Every English tutorial runs in JupyterLab in Chromium, and its widgets render."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS = ["01-pointers", "02-federated-learning", "03-secret-sharing", "04-encrypted-network",
             "05-encrypted-mnist", "06-workers-in-processes", "07-secure-aggregation", "08-encrypted-inference",
             "09-differential-privacy"]
# What each notebook must show once all cells ran: texts inside widget views, and pictures.
EXPECTED = {
    "01-pointers": {"widget_text": ["bob"], "images": 0},
    "02-federated-learning": {"widget_text": ["dave", "Approve", "PrivateDataError"], "images": 1},
    "03-secret-sharing": {"widget_text": ["bob", "alice"], "images": 2},
    "04-encrypted-network": {"widget_text": ["bob", "alice"], "images": 2},
    "05-encrypted-mnist": {"widget_text": ["worker1", "worker2"], "images": 2},
    "06-workers-in-processes": {"widget_text": [], "images": 0},
    "07-secure-aggregation": {"widget_text": ["secure_worker", "alice", "server"], "images": 5},
    "08-encrypted-inference": {"widget_text": ["bob", "alice", "james"], "images": 2},
    "09-differential-privacy": {"widget_text": [], "images": 4},
}
ERROR_LINE = re.compile(r"^(Traceback \(most recent call last\)|[A-Za-z_.]*(Error|Exception)\b.*)", re.M)


STARTED = """() => {
    const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt');
    return p !== null && /\\[(\\d+|\\*)\\]/.test(p.textContent);
}"""


def run_all_cells(page, attempts=3):
    """Run > Run All Cells, again if the kernel was not ready and nothing started."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(attempts):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        try:
            page.wait_for_function(STARTED, timeout=20_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"Run All Cells started no cell in {attempts} attempts")


def wait_until_done(page, timeout_s=240):
    """Until every code cell shows an execution count and the kernel is idle."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout_s * 1000,
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_tutorial_runs_and_widgets_render(name, lab, browser, screenshots):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # A workspace of its own per notebook: no tab of an earlier test is restored.
        page.goto(f"{base}/lab/workspaces/w{name[:2]}/tree/en/{name}.md?reset&token={token}",
                  wait_until="domcontentloaded")
        panel = page.locator(".jp-NotebookPanel").first
        panel.wait_for(timeout=90_000)  # opened as a notebook (jupytext), not as a text file
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=90_000)
        assert page.locator(".jp-NotebookPanel").count() == 1
        # Run only once the whole notebook is there: every code cell of the source.
        # (A fence at the start of a line: an indented one inside a list is markdown.)
        code_cells = len(re.findall(r"^```python", (ROOT / "notebooks" / "en" / f"{name}.md").read_text(), re.M))
        page.wait_for_function(f"document.querySelectorAll('.jp-CodeCell').length === {code_cells}",
                               timeout=60_000)
        # The exercises' solutions are collapsed (their prompts hidden): show them, as a learner may.
        page.get_by_role("menuitem", name="View", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Expand All Code")).click()
        run_all_cells(page)
        wait_until_done(page)

        stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        errors = [t for t in stderr.all_inner_texts() if ERROR_LINE.search(t)]
        assert not errors, f"{name}: a cell failed:\n{errors[0][:2000]}"

        widgets = page.locator(".jp-OutputArea-output .jupyter-widgets")
        expected = EXPECTED[name]
        if expected["widget_text"]:
            assert widgets.count() > 0, f"{name}: no widget was rendered"
            text = " ".join(widgets.all_inner_texts())
            for word in expected["widget_text"]:
                assert word in text, f"{name}: the widgets do not show {word!r}"
            assert re.search(r"\b\d+\b", text), f"{name}: the store view shows no object counts"
        images = page.locator(".jp-OutputArea-output img")
        drawn = []
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed()
            if images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0"):
                drawn.append(i)
        info = [images.nth(i).evaluate("img => [img.src.slice(0, 40), img.complete, img.naturalWidth]") for i in range(images.count())]
        assert len(drawn) >= expected["images"], f"{name}: expected {expected['images']} drawn figures {info}"

        target = widgets.first if widgets.count() else images.first if images.count() else panel
        target.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshots / f"{name}.png"))
    except Exception:
        page.screenshot(path=str(screenshots / f"{name}-failed.png"))
        raise
    finally:
        page.close()
