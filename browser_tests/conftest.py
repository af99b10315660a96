"""A real JupyterLab in a real (headless Debian) Chromium, for `make test-browser`.

JupyterLab runs from the project's environment on loopback only, with a
random port and token, on a temporary copy of the English tutorials (`lab`)
or of the built slideshows (`slides_lab`), so nothing in the repo is touched,
and is shut down even when a check fails.
"""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "build" / "screenshots"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def running_lab(root, tmp_path_factory):
    """Serve ``root`` with JupyterLab on loopback; yields (base URL, token), stops it on exit."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-browser` installs Debian's chromium with apt")
    # As `make lab` does: .md files open as notebooks (app-level overrides in this environment).
    subprocess.run([sys.executable, str(ROOT / "tools" / "jupyterlab_settings.py"), sys.prefix], check=True)
    port, token = free_port(), secrets.token_hex(16)
    user = tmp_path_factory.mktemp("lab-user")  # fresh user settings and workspaces: nothing restored
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(user / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(user / "workspaces"), JUPYTER_PREFER_ENV_PATH="1")
    log = open(root / "jupyterlab.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/status?token={token}", process)
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """(base URL, token) of a JupyterLab serving a copy of notebooks/en."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks" / "en", root / "en")
    with running_lab(root, tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def slides_lab(tmp_path_factory):
    """(base URL, token) of a JupyterLab serving a copy of build/classroom/slides (`make slides`)."""
    slides = ROOT / "build" / "classroom" / "slides"
    if not (slides / "en").is_dir():
        pytest.fail(f"{slides} is missing: run `make slides` (`make test-browser` does)")
    root = tmp_path_factory.mktemp("slides-lab")
    shutil.copytree(slides, root / "slides")
    with running_lab(root, tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
