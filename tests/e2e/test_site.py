"""The course website (``make site``) in a real browser, with no network.

The session builds the site once, from the notebooks as committed (or ``RRNN_E2E_NOTEBOOKS``), with
the command ``make site`` runs (warnings are errors), serves it on 127.0.0.1, and opens every page in
headless Chromium with every request off this machine refused: every page loads without a console
error or a failed request, its equations are typeset, every image decodes, every internal link (and
its #anchor) resolves, search finds notebook 08 by a word from it, every dashboard stands as its
picture with a launch button and a download link, and no instructor solution is anywhere in the site.

All the tests are in one class, so under pytest-xdist (``--dist loadscope``) one worker builds the
site and runs them. Without Chromium they skip (CI=true: fail), as the other browser tests do; the
test that reads only the built files runs wherever Sphinx is installed.
"""
from __future__ import annotations

import ast
import html as html_module
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import CHROMIUM_FLAGS, NOTEBOOKS, ROOT, in_ci, unavailable
from .static_site import build, serving

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SEARCH_TERM = "Nth-farthest"        # a word of notebook 08's (the test checks that it is one)
SEARCH_PAGE = "notebooks/08_training_nth_farthest.html"


@pytest.fixture(scope="session")
def site_build(tmp_path_factory):
    """(html folder, build seconds): the site, built once for the session."""
    try:
        import myst_nb  # noqa: F401
        import sphinx_book_theme  # noqa: F401
    except ImportError as err:
        message = f"the site tests need the site's packages ({err.name} is missing): pip install -e '.[site]'"
        if in_ci():
            pytest.fail(message + " (CI=true: the site must build in CI)", pytrace=False)
        pytest.skip(message)
    return build(NOTEBOOKS, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def site(site_build):
    """The base URL of the built site, served on 127.0.0.1 for the session."""
    with serving(site_build[0]) as url:
        yield url


@pytest.fixture(scope="session")
def offline_context(browser, site):
    """A browser context that can reach the site's server and nothing else: every other request is
    refused and recorded (``context.outside``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.outside = []
    origin = urllib.parse.urlsplit(site).netloc

    def route(r):
        parts = urllib.parse.urlsplit(r.request.url)
        if parts.scheme in ("http", "https") and parts.netloc != origin:
            context.outside.append(r.request.url)
            r.abort("internetdisconnected")
        else:
            r.continue_()

    context.route("**/*", route)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def visits(site_build, site, offline_context):
    """Every page opened once: path -> its problems, images (src, natural width), equations
    typeset and left as TeX, and the links on it (absolute)."""
    out = {}
    for path in pages(site_build[0]):
        page, problems = open_page(offline_context, f"{site}/{path}")
        try:
            out[path] = dict(problems=problems, **page.evaluate("""() => ({
                images: [...document.images].map((i) => ({src: i.getAttribute('src'), width: i.naturalWidth})),
                typeset: document.querySelectorAll('mjx-container').length,
                raw_math: [...document.querySelectorAll('.math')].filter((m) => !m.querySelector('mjx-container')).length,
                links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
                notes: [...document.querySelectorAll('p.rrnn-live')].map((p) => {
                    const cell = p.closest('.cell');
                    const imgs = cell ? [...cell.querySelectorAll('img')] : [];
                    return {text: p.innerText, links: [...p.querySelectorAll('a')].map((a) => a.href),
                            picture: imgs.length ? imgs[imgs.length - 1].naturalWidth : 0};
                }),
            })"""))
        finally:
            page.close()
    return out


def pages(html: Path) -> list:
    """Every HTML page of the site, as paths relative to its root (index first)."""
    found = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.parts)
    return sorted(found, key=lambda p: p != "index.html")


def notebook_pages(html: Path) -> list:
    return [p for p in pages(html) if p.startswith("notebooks/")]


def open_page(context, url: str):
    """Open ``url`` in a new page; returns (page, problems): console errors, uncaught errors, failed
    requests and error responses, seen until the page and its images and MathJax are done."""
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text[:300]}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => [...document.images].every((i) => i.complete)", polling=100, timeout=60_000)
    # MathJax typesets after it has loaded its fonts and extensions: its startup promise says when
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise ? "
                  "MathJax.startup.promise.then(() => true) : true")
    return page, problems


class TestSite:
    """The built site, page by page, in one browser context with no network."""

    def test_the_site_builds_and_keeps_the_instructor_solutions_out(self, site_build, record_property):
        html, seconds = site_build
        record_property("site_build_seconds", round(seconds, 1))
        assert (html / "index.html").is_file()
        built = {p.removeprefix("notebooks/").removesuffix(".html") for p in notebook_pages(html)}
        course = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
        assert built == course, f"pages {sorted(built)} for the notebooks {sorted(course)}"
        table = re.search(r"<table.*?</table>", (html / "index.html").read_text(), re.S)
        assert table, "the landing page has no course table"
        linked = set(re.findall(r'href="notebooks/(\d\d_\w+)\.html"', table[0]))
        assert linked == course, f"the landing page's table links {sorted(linked)}"
        text = site_text(html)
        assert "solutions/" not in "\n".join(p.as_posix() for p in html.rglob("*")), "a solutions file was copied"
        leaked = [line for line in solution_lines() if line in text]
        assert not leaked, f"instructor solutions appear on the site: {leaked[:5]}"

    def test_the_solutions_check_sees_a_solved_notebook(self, tmp_path):
        """The check above is not vacuous: in an instructor copy (tools/make_solutions_notebook.py)
        it finds the solutions."""
        notebook = NOTEBOOKS / "02_lstm_baseline.ipynb"
        if not notebook.is_file():
            pytest.skip(f"no {notebook.name} in {NOTEBOOKS}")
        subprocess.run([sys.executable, str(ROOT / "tools" / "make_solutions_notebook.py"), str(notebook),
                        "--out", str(tmp_path)], check=True, capture_output=True, timeout=120)
        solved = "\n".join(p.read_text() for p in tmp_path.rglob("*.ipynb"))
        assert sum(line in solved for line in solution_lines()) >= 3

    def test_every_page_loads_offline_without_errors_and_typesets_its_equations(self, site_build, visits,
                                                                                offline_context):
        failures = [f"{path}: {problem}" for path, seen in visits.items() for problem in seen["problems"]]
        failures += [f"{path}: {seen['raw_math']} equations left as TeX" for path, seen in visits.items()
                     if seen["raw_math"]]
        assert not offline_context.outside, f"pages asked for things off this machine: {offline_context.outside[:10]}"
        assert not failures, "\n".join(failures)
        with_math = [p for p in notebook_pages(site_build[0]) if visits[p]["typeset"]]
        assert len(with_math) >= 3, f"equations typeset on only {with_math}"

    def test_every_image_decodes(self, visits):
        images = [(path, image) for path, seen in visits.items() for image in seen["images"]]
        broken = [f"{path}: {image['src'][:120]}" for path, image in images if image["width"] <= 0]
        assert not broken, "images that do not decode:\n" + "\n".join(broken)
        assert len(images) >= 30, f"only {len(images)} images on the whole site"

    def test_every_internal_link_resolves(self, site_build, site, visits):
        html = site_build[0]
        ids = {}

        def anchors(path: str) -> set:
            if path not in ids:
                target = html / path
                ids[path] = set(re.findall(r'\bid="([^"]+)"', target.read_text(errors="replace"))) \
                    if target.is_file() else set()
            return ids[path]

        links = sorted({(path, link) for path, seen in visits.items() for link in seen["links"]
                        if link.startswith(site + "/")})
        status, dead = {}, []
        for path, link in links:
            parts = urllib.parse.urlsplit(link)
            target = urllib.parse.unquote(parts.path).lstrip("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if target not in status:
                try:
                    with urllib.request.urlopen(f"{site}/{urllib.parse.quote(target)}", timeout=30) as response:
                        status[target] = response.status
                except OSError as err:
                    status[target] = str(err)
            if status[target] != 200:
                dead.append(f"{path} -> {link} ({status[target]})")
            elif parts.fragment and target.endswith(".html") and \
                    urllib.parse.unquote(parts.fragment) not in anchors(target):
                dead.append(f"{path} -> {link} (no such anchor)")
        assert not dead, "internal links that do not resolve:\n" + "\n".join(dead)
        assert len(links) >= 50, f"only {len(links)} internal links checked"

    def test_search_finds_notebook_08_by_a_word_of_it(self, site_build, site, offline_context):
        words = re.sub(r"<[^>]+>", " ", (site_build[0] / SEARCH_PAGE).read_text())
        assert SEARCH_TERM in words, f"{SEARCH_TERM!r} is no longer in {SEARCH_PAGE}: choose another word"
        page, problems = open_page(offline_context, f"{site}/search.html?q={urllib.parse.quote(SEARCH_TERM)}")
        try:
            page.wait_for_function("""() => document.querySelectorAll('#search-results li, ul.search li').length > 0
                || /did not match any|no results/i.test((document.querySelector('#search-results') || {}).innerText || '')""",
                                   polling=100, timeout=30_000)
            found = page.evaluate("""() => [...document.querySelectorAll('#search-results li a, ul.search li a')]
                .map((a) => a.getAttribute('href'))""")
        finally:
            page.close()
        assert not problems, "\n".join(problems)
        assert any(SEARCH_PAGE in (href or "") for href in found), f"search for {SEARCH_TERM!r} found {found}"

    def test_every_dashboard_is_a_picture_with_a_launch_button_and_a_download_link(self, visits):
        missing, seen = [], 0
        for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
            outputs = [o for o in dashboard_outputs(notebook)]
            if not outputs:
                continue
            if not all("image/png" in o["data"] for o in outputs):
                missing.append(notebook.name)
                continue
            notes = visits[f"notebooks/{notebook.stem}.html"]["notes"]
            dashboards = [n for n in notes if "dashboard" in n["text"]]
            assert len(dashboards) == len(outputs), f"{notebook.name}: {len(outputs)} dashboards, notes: {notes}"
            for note in dashboards:
                seen += 1
                assert note["picture"] > 0, f"{notebook.name}: a dashboard's picture is missing"
                binder, download = note["links"]
                repository = site_config()["REPOSITORY"].removeprefix("https://github.com/")
                assert binder.startswith(f"https://mybinder.org/v2/gh/{repository}/") and \
                    binder.endswith(f"urlpath=lab/tree/notebooks/{notebook.name}"), binder
                with urllib.request.urlopen(download, timeout=30) as response:
                    assert json.loads(response.read()) == json.loads(notebook.read_text()), \
                        f"{notebook.name}: the download is not the committed notebook"
        if missing:
            pytest.skip(f"{', '.join(missing)} were executed before a dashboard's display carried its picture "
                        f"(rrnn.dash.dashboard.Dashboard.snapshot): re-execute them ({seen} dashboards checked)")
        assert seen, "no dashboard found in any notebook"


def dashboard_outputs(notebook: Path) -> list:
    """The outputs of a notebook's dashboard cells (a cell that calls a *_dashboard factory)."""
    cells = json.loads(notebook.read_text())["cells"]
    return [o for c in cells if c["cell_type"] == "code" and re.search(r"_dashboard\s*\(", "".join(c["source"]))
            for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]


def site_config() -> dict:
    """The plain assignments of site/conf.py (REPOSITORY, BRANCH, ...)."""
    tree = ast.parse((ROOT / "site" / "conf.py").read_text())
    return {t.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name) and isinstance(node.value, ast.Constant)}


def solution_lines() -> list:
    """The code lines of the instructor solutions (solutions/*.py) that no notebook contains (a
    notebook may name an answer in a comment, ``answer_3 = None  # ... answer_3 = lstm_param_count``;
    the body of the solution is what must stay off the site), without comments."""
    notebooks = "\n".join("".join(cell["source"]) for nb in NOTEBOOKS.glob("*.ipynb")
                          for cell in json.loads(nb.read_text())["cells"])
    lines = []
    for path in sorted((ROOT / "solutions").glob("*.py")):
        body = re.split(r"^# %% exercise-\d+\s*$", path.read_text(), maxsplit=1, flags=re.M)[-1]   # the sections
        for line in body.splitlines():
            code = line.split("#")[0].strip()
            if len(code) >= 12 and code not in notebooks:
                lines.append(code)
    assert len(lines) >= 9, f"only {len(lines)} solution lines found in solutions/"
    return lines


def site_text(html: Path) -> str:
    """Every text file of the built site (MathJax aside), HTML as the text a reader sees."""
    texts = []
    for path in html.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".js", ".ipynb", ".txt", ".json", ".md", ".py"} \
                and "mathjax" not in path.parts:
            text = path.read_text(errors="replace")
            if path.suffix == ".html":
                text = html_module.unescape(re.sub(r"<[^>]+>", "", text))
            texts.append(text)
    return "\n".join(texts)


# --- the site's own extension (site/rrnn_site.py), without a build ---------------------------------
def rrnn_site():
    import importlib.util
    spec = importlib.util.spec_from_file_location("rrnn_site", ROOT / "site" / "rrnn_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_widget_outputs_become_what_a_static_page_can_show():
    site_ext = rrnn_site()

    def note(kind):
        return {"output_type": "display_data", "metadata": {}, "data": {"text/html": f"note:{kind}"}}

    view = {"version_major": 2, "version_minor": 0}
    state = {
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]}},
        "l": {"model_name": "HTMLModel", "state": {"value": "100%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 30.0, "max": 60.0, "bar_style": "success"}},
        "r": {"model_name": "HTMLModel", "state": {"value": " 30/60 [00:02]"}},
        "out": {"model_name": "OutputModel", "state": {"outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": "PNG", "text/plain": "<Figure>"}}]}},
        "slider": {"model_name": "IntSliderModel", "state": {"value": 3}},
    }

    def widget(model_id, **extra):
        return {"output_type": "execute_result", "execution_count": 3, "metadata": {},
                "data": {WIDGET_VIEW: {**view, "model_id": model_id}, "text/plain": "VBox()", **extra}}

    picture, line = site_ext.static_outputs(widget("dash", **{"image/png": "DASH"}), state, note)
    assert picture["data"] == {"image/png": "DASH", "text/plain": "VBox()"} and picture["output_type"] == "display_data"
    assert line == note("dashboard")
    (bar,) = site_ext.static_outputs(widget("bar"), state, note)
    assert "width: 50.0%" in bar["data"]["text/html"] and " 30/60 [00:02]" in bar["data"]["text/html"]
    assert site_ext.static_outputs(widget("out"), state, note) == state["out"]["state"]["outputs"]
    assert site_ext.static_outputs(widget("slider"), state, note) == [note("widget")]
    plain = {"output_type": "stream", "name": "stdout", "text": "hello"}
    assert site_ext.static_outputs(plain, state, note) == [plain]


def test_a_collapsed_cell_stays_collapsed_and_widgets_leave_the_notebook():
    site_ext = rrnn_site()
    notebook = {"metadata": {"widgets": {site_ext.WIDGET_STATE: {"state": {}}}}, "cells": [
        {"cell_type": "code", "metadata": {"jupyter": {"source_hidden": True}}, "source": "print(1)", "outputs": []},
        {"cell_type": "code", "metadata": {"tags": ["nbval-ignore-output"]}, "source": "x", "outputs": []},
        {"cell_type": "markdown", "metadata": {}, "source": "text"}]}
    out = site_ext.static_notebook(notebook, note=None)
    assert out["cells"][0]["metadata"]["tags"] == ["hide-input"]
    assert out["cells"][1]["metadata"]["tags"] == ["nbval-ignore-output"]
    assert "widgets" not in out["metadata"]


def test_the_course_table_links_each_notebook_and_binder_opens_it_in_the_repository():
    site_ext = rrnn_site()
    table = "| notebook | what |\n|---|---|\n| `04_memory_evolution` | study 1; `rrnn/` |\n"
    linked = site_ext.link_course_table(table)
    assert "| {doc}`04_memory_evolution </notebooks/04_memory_evolution>` | study 1; `rrnn/` |" in linked
    assert linked.startswith("| notebook | what |")
    assert site_ext.binder_url("https://github.com/someone/rrnn.git", "main", "notebooks/04_memory_evolution.ipynb") \
        == "https://mybinder.org/v2/gh/someone/rrnn/main?urlpath=lab/tree/notebooks/04_memory_evolution.ipynb"
