"""The lecture slides (``make slides``) in a real browser, with the network cut off.

Voila with the course's reveal template (tools/slide_template) serves a notebook that has slide
metadata; headless Chromium opens the deck with every request that would leave the machine
blocked (and recorded), moves through the deck to the dashboard's slide with the keyboard, as a
lecturer would, moves a slider and waits for the figure to redraw. The deck must make no
off-machine request, log no console error, show as many slides as the metadata asks for, render
its equations, and leave the dashboard on screen.

One class, so ``--dist loadscope`` (make test) runs it in one worker with one slides server. See
conftest.py for how these tests skip without Chromium (and fail under CI=true).

Output (gitignored): ``tests/e2e/screenshots/slides--<notebook>.png``, the dashboard's slide
(docs/images/slides.png is a copy of it).
"""
from __future__ import annotations

import json
import urllib.parse

import pytest

from .conftest import NOTEBOOKS
from .latency import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

NOTEBOOK = "02_lstm_baseline.ipynb"      # light, with a dashboard, and with slide metadata
SLIDE = {"width": 1280, "height": 720}    # the deck's size (tools/slide_template/.../conf.json)


def slide_types(notebook: str) -> list:
    cells = json.loads((NOTEBOOKS / notebook).read_text())["cells"]
    return [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in cells]


class TestSlides:
    """The deck of one notebook, driven like a lecture."""

    @pytest.fixture
    def deck_page(self, browser):
        """A page of the projector's shape (16:9, the deck's own size), in its own context."""
        context = browser.new_context(viewport=SLIDE, device_scale_factor=1)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()

    def test_the_deck_works_offline_and_its_dashboard_redraws(self, servers, deck_page):
        from .driver import Frontend

        types = slide_types(NOTEBOOK)
        if not any(types):
            pytest.fail(f"{NOTEBOOK} has no slide metadata: python tools/slides.py apply {NOTEBOOK}")
        starts = sum(t in ("slide", "subslide") for t in types)
        server = servers("slides")
        page, here = deck_page, urllib.parse.urlsplit(server.base).netloc

        off_machine = []

        def only_this_machine(route):
            url = route.request.url
            if url.startswith(("data:", "blob:")) or urllib.parse.urlsplit(url).netloc == here:
                route.continue_()
            else:
                off_machine.append(url)
                route.abort("internetdisconnected")

        page.route("**/*", only_this_machine)
        app = Frontend(page, "voila")
        # ERR_INTERNET_DISCONNECTED is what a blocked request logs: counted as off_machine instead
        log_mark = server.log_size()
        try:
            app.open(server.url(NOTEBOOK))
            problems = app.problems(include_loading=False)
            assert not problems, "errors after running the notebook:\n" + "\n".join(problems)

            deck = page.evaluate("""() => ({
                slides: document.querySelectorAll('.reveal .slides > section').length,
                sections: document.querySelectorAll('.reveal .slides section').length,
                leaves: document.querySelectorAll('.reveal .slides section:not(:has(section))').length,
                equations: document.querySelectorAll('.reveal mjx-container, .reveal .MathJax').length,
                css: [...document.styleSheets].map((s) => s.href).filter(Boolean),
            })""")
            assert deck["leaves"] == starts, (
                f"the deck shows {deck['leaves']} slides; the metadata of {NOTEBOOK} asks for {starts}")
            assert deck["equations"] > 0, "no equation was typeset (MathJax, served by Voila)"
            assert any(href.endswith("/static/reveal/dist/reveal.css") for href in deck["css"]), deck["css"]

            dashboards = app.scan()
            assert dashboards, f"{NOTEBOOK} shows no dashboard on any slide"
            root = app.root(0)

            # move on slide by slide (space: the next slide, down a column first) to the dashboard's
            page.locator("body").click(position={"x": 5, "y": 5})
            for _ in range(starts):
                if root.evaluate("(el) => el.closest('section').classList.contains('present')"):
                    break
                page.keyboard.press("Space")
                page.wait_for_function("() => !document.querySelector('.reveal .slides.animating, section.animating')",
                                       timeout=10_000)
            else:
                pytest.fail("moved through the whole deck without reaching the dashboard's slide")
            app.wait_rendered()

            slider = next((c for c in app.scan()[0]["controls"] if c["kind"] == "slider"), None)
            assert slider is not None, "the dashboard has no slider"
            handle = app.control(0, slider["index"]).locator(".noUi-handle").first
            on_screen = handle.evaluate("""(el) => {
                const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
                const top = document.elementFromPoint(x, y);
                return x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight && !!top && el.contains(top);
            }""")
            assert on_screen, f"the slider '{slider['label']}' is not on screen on the dashboard's slide"

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"slides--{NOTEBOOK.removesuffix('.ipynb')}.png"),
                            animations="disabled")
            before = app.snapshot(0)
            app.wait_quiet()
            action = app.move(0, slider | {"root": 0})
            assert app.wait_redraw(0, before), (
                f"moved the slider '{slider['label']}' ({action}) on the slide; the figure did not change; "
                f"the dashboard says: {' | '.join(app.messages(0))}")
            app.wait_quiet()

            problems = app.problems()
            assert not problems, "after moving the slider:\n" + "\n".join(problems)
            assert not off_machine, "the deck asked for something off this machine:\n" + "\n".join(off_machine)
            assert not app.console_errors, "console errors:\n" + "\n".join(app.console_errors[:20])
        except BaseException:
            try:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "FAILED--slides.png"), timeout=30_000)
            except Exception:  # the page may be gone; the original failure matters
                pass
            print(f"--- {server.kind} log (tail, this test only) ---\n{server.log_tail(60, since=log_mark)}")
            if off_machine:
                print("off-machine requests (blocked):\n" + "\n".join(off_machine))
            raise
        finally:
            server.shutdown_kernels(app.kernel_ids())
