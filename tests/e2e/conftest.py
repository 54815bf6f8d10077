"""End-to-end tests: the course's dashboards in a real browser (marker ``e2e``).

Headless Debian Chromium (``/usr/bin/chromium``), driven by Python Playwright, opens every
notebook in ``notebooks/`` that has controls, once in JupyterLab and once in Voila (the
presentation mode, ``make present``), runs it, and moves every control of every dashboard a few
times, timing each move from the input event to the redrawn figure.

One JupyterLab and one Voila server serve the whole session. Under pytest-xdist (``make test``,
``--dist loadscope``) one worker runs all of JupyterLab's tests (class ``TestLab``) with one Lab
server and one browser, another all of Voila's (``TestVoila``).

``test_site.py`` builds the course website (``make site``) once, serves it on 127.0.0.1 and opens
every page with every request off the machine refused (class ``TestSite``: one worker);
``RRNN_E2E_NOTEBOOKS`` chooses the notebooks it is built from, too.

Without Chromium these tests skip (install it with ``sudo apt-get install chromium``); with
``CI=true`` in the environment a missing browser is a failure instead.

Knobs (environment variables):
  RRNN_E2E_NOTEBOOKS   directory of notebooks to test (default: the repository's notebooks/)
  RRNN_E2E_FRONTENDS   comma-separated subset of "lab,voila" (default: both)
  RRNN_E2E_STEPS       moves per control, each one latency sample (default 3; Play: once)
  RRNN_CHROMIUM        the browser executable (default /usr/bin/chromium)

Outputs (gitignored): a screenshot per dashboard in ``tests/e2e/screenshots/`` and the latency
table in ``tests/e2e/latency.txt`` (also printed at the end of the run; see latency.py).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NOTEBOOKS = Path(os.environ.get("RRNN_E2E_NOTEBOOKS") or ROOT / "notebooks").resolve()
FRONTENDS = [f.strip() for f in os.environ.get("RRNN_E2E_FRONTENDS", "lab,voila").split(",") if f.strip()]
CHROMIUM = os.environ.get("RRNN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
HOW_TO_ENABLE = ("install Chromium to run them: `sudo apt-get install chromium` (Debian/Ubuntu; "
                 "or point RRNN_CHROMIUM at a Chromium binary)")

# Controls: a dashboard, interact(), or widgets made by hand. A live figure or a progress bar is a
# widget too, but has no control to move (notebook 08's live training run), so it does not count.
_CONTROLS_IN_SOURCE = re.compile(r"^\s*(import|from)\s+ipywidgets\b|_dashboard\s*\(|\binteract(ive)?\s*\(", re.M)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def has_controls(notebook: Path) -> bool:
    """Does the notebook's code make controls (a dashboard, interact(), ipywidgets)?"""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return False
    return any(cell.get("cell_type") == "code" and _CONTROLS_IN_SOURCE.search("".join(cell.get("source", "")))
               for cell in cells)


def notebooks_with_controls() -> list:
    if not NOTEBOOKS.is_dir():
        return []
    return [nb.name for nb in sorted(NOTEBOOKS.glob("*.ipynb")) if has_controls(nb)]


def unavailable(message: str):
    """Skip - or, under CI=true, fail - because the browser tooling is missing."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: the end-to-end tests must run in CI)", pytrace=False)
    pytest.skip(f"{message}; {HOW_TO_ENABLE}")


# --- collection ------------------------------------------------------------------------------------
def pytest_collection_modifyitems(session, config, items):
    """Mark everything under tests/e2e as e2e. Run alone, it goes last (after the fast tests);
    under pytest-xdist first: each front end's tests are the longest chain of the run (minutes,
    mostly waiting on the page), and the other tests fill the cores around them."""
    e2e, other = [], []
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            e2e.append(item)
        else:
            other.append(item)
    items[:] = e2e + other if os.environ.get("PYTEST_XDIST_WORKER") else other + e2e


# --- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (its bundled driver; no browser download)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"end-to-end tests need Chromium at {CHROMIUM}, which is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("end-to-end tests need the Python package playwright (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
                                             timeout=120_000)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory):
    """A copy of the repository's layout to serve: notebooks/ copied without outputs (so nothing
    stale is on screen, and nothing is ever saved over the committed notebooks), every other
    top-level entry symlinked (notebooks that read ``../something`` still find it)."""
    base = tmp_path_factory.mktemp("e2e-workspace")
    target = base / "notebooks"
    shutil.copytree(NOTEBOOKS, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for notebook in target.glob("*.ipynb"):
        data = json.loads(notebook.read_text())
        data.get("metadata", {}).pop("widgets", None)
        for cell in data.get("cells", []):
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
        notebook.write_text(json.dumps(data, indent=1))
    if NOTEBOOKS.parent == ROOT:
        for entry in ROOT.iterdir():
            if entry.name not in {"notebooks", ".git", ".venv"} and not (base / entry.name).exists():
                (base / entry.name).symlink_to(entry)
    return base


@pytest.fixture(scope="session")
def servers(workspace, tmp_path_factory):
    """``servers(frontend)``: the session's JupyterLab or Voila, started on first use (a worker
    that runs only one front end's tests starts only that server), stopped at the end."""
    from .servers import lab_server, running, slides_server, voila_server

    started, stack = {}, contextlib.ExitStack()

    def get(frontend: str):
        if frontend not in started:
            base = tmp_path_factory.mktemp(f"e2e-{frontend}")
            if frontend == "lab":
                make = lab_server
            elif frontend == "voila":
                pytest.importorskip("voila", reason="Voila is a dependency of rrnn: pip install -e '.[test]'")
                make = voila_server
            elif frontend == "slides":          # the lecture slides (test_slides.py; make slides)
                pytest.importorskip("voila", reason="Voila is a dependency of rrnn: pip install -e '.[test]'")
                make = slides_server
            else:
                raise ValueError(f"unknown front end {frontend!r}; RRNN_E2E_FRONTENDS takes lab and/or voila")
            started[frontend] = stack.enter_context(
                running(make(workspace / "notebooks", base / "jupyter", base / "server.log")))
        return started[frontend]

    with stack:
        yield get


@pytest.fixture
def server(frontend, servers):
    """The session's server for this test's front end (the test shuts its kernels down)."""
    return servers(frontend)


@pytest.fixture(scope="session")
def browser_context(browser):
    """One browser context for the session, so its HTTP cache is shared: JupyterLab's scripts
    (megabytes) load from the cache after the first test instead of being fetched and compiled
    again for each notebook. Each test still has a page of its own; JupyterLab's workspace is
    reset by the URL (``?reset``), and neither front end keeps state in the browser that a test
    depends on."""
    context = browser.new_context(viewport={"width": 1440, "height": 1600}, device_scale_factor=1)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context):
    """A fresh page, closed after the test."""
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()
