"""End-to-end tests: the course's dashboards in a real browser (marker ``e2e``).

Headless Debian Chromium (``/usr/bin/chromium``), driven by Python Playwright, opens every
notebook in ``notebooks/`` that has controls, once in JupyterLab and once in Voila (the
presentation mode, ``make present``), runs it, and moves every control of every dashboard.

Without Chromium these tests skip (install it with ``sudo apt-get install chromium``); with
``CI=true`` in the environment a missing browser is a failure instead.

Knobs (environment variables):
  RRNN_E2E_NOTEBOOKS   directory of notebooks to test (default: the repository's notebooks/)
  RRNN_E2E_FRONTENDS   comma-separated subset of "lab,voila" (default: both)
  RRNN_E2E_STEPS       slider steps per dashboard for the latency measurement (default 10)
  RRNN_CHROMIUM        the browser executable (default /usr/bin/chromium)

Outputs (gitignored): a screenshot per dashboard in ``tests/e2e/screenshots/`` and the latency
table in ``tests/e2e/latency.txt`` (also printed at the end of the run).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = HERE / "screenshots"
LATENCY_FILE = HERE / "latency.txt"
NOTEBOOKS = Path(os.environ.get("RRNN_E2E_NOTEBOOKS") or ROOT / "notebooks").resolve()
FRONTENDS = [f.strip() for f in os.environ.get("RRNN_E2E_FRONTENDS", "lab,voila").split(",") if f.strip()]
STEPS = int(os.environ.get("RRNN_E2E_STEPS", "10"))
CHROMIUM = os.environ.get("RRNN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
HOW_TO_ENABLE = ("install Chromium to run them: `sudo apt-get install chromium` (Debian/Ubuntu; "
                 "or point RRNN_CHROMIUM at a Chromium binary)")

# what the tests found, for the summary at the end of the run
LATENCY_ROWS: list[dict] = []

_CONTROLS_IN_SOURCE = re.compile(r"^\s*(import|from)\s+(ipywidgets|rrnn\.dash)\b|_dashboard\s*\(|"
                                 r"\binteract(ive)?\s*\(|^\s*%matplotlib\s+(widget|ipympl)", re.M)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def has_controls(notebook: Path) -> bool:
    """Does the notebook show widgets (in its code or in its saved outputs)?"""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return False
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        if _CONTROLS_IN_SOURCE.search(source):
            return True
        if any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", [])):
            return True
    return False


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
    """Mark everything under tests/e2e as e2e, and run it last (after the fast tests)."""
    e2e, other = [], []
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            e2e.append(item)
        else:
            other.append(item)
    items[:] = other + e2e


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


@pytest.fixture
def server(frontend, notebook, workspace, tmp_path):
    """JupyterLab or Voila for this test only; stopped (kernels included) whatever happens."""
    from .servers import lab_server, running, voila_server

    notebooks = workspace / "notebooks"
    if frontend == "lab":
        srv = lab_server(notebooks, tmp_path / "jupyter", tmp_path / "server.log")
    elif frontend == "voila":
        pytest.importorskip("voila", reason="Voila is a dependency of rrnn: pip install -e '.[test]'")
        srv = voila_server(notebooks / notebook, tmp_path / "jupyter", tmp_path / "server.log")
    else:
        raise ValueError(f"unknown front end {frontend!r}; RRNN_E2E_FRONTENDS takes lab and/or voila")
    with running(srv) as started:
        yield started


@pytest.fixture
def page(browser):
    """A fresh browser context and page, closed after the test."""
    context = browser.new_context(viewport={"width": 1440, "height": 1600}, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- the summary -----------------------------------------------------------------------------------
def latency_table() -> str:
    header = ("front end", "notebook", "dashboard", "slider", "steps", "median ms", "min ms", "max ms")
    rows = [header]
    for r in LATENCY_ROWS:
        samples = r["samples"]
        rows.append((r["frontend"], r["notebook"], r["dashboard"][:38], r["slider"][:16], str(len(samples)),
                     f"{statistics.median(samples):.0f}" if samples else "-",
                     f"{min(samples):.0f}" if samples else "-", f"{max(samples):.0f}" if samples else "-"))
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if k < 4 else cell.rjust(w) for k, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not LATENCY_ROWS:
        return
    title = ("median time from one slider step (key press) to the redrawn figure, measured in the browser "
             f"over {STEPS} steps per dashboard - a measurement, not a pass/fail check")
    table = latency_table()
    terminalreporter.write_sep("=", "e2e: slider step -> redrawn figure")
    terminalreporter.write_line(title)
    terminalreporter.write_line(table)
    try:
        LATENCY_FILE.write_text(title + "\n\n" + table + "\n")
        terminalreporter.write_line(f"(written to {LATENCY_FILE.relative_to(ROOT)}; "
                                    f"screenshots in {SCREENSHOTS.relative_to(ROOT)}/)")
    except OSError as err:
        terminalreporter.write_line(f"(could not write {LATENCY_FILE}: {err})")
