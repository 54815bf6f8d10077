"""Every dashboard, in JupyterLab and in Voila: each control redraws the figure, and no widget
breaks. See conftest.py for how to run (and skip) these tests."""
from __future__ import annotations

import pytest

from .conftest import FRONTENDS, NOTEBOOKS, notebooks_with_controls
from .latency import LATENCY_PROPERTY, SCREENSHOTS, STEPS

_found = notebooks_with_controls()
NOTEBOOK_CASES = [pytest.param(name, id=name.removesuffix(".ipynb")) for name in _found] or [
    pytest.param(None, id="no-notebooks", marks=pytest.mark.skip(reason=f"no notebook in {NOTEBOOKS} shows controls yet"))]

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


class FrontendTests:
    """The tests of one front end. One class per front end, so that pytest-xdist's
    ``--dist loadscope`` (make test) runs each front end's tests in one worker, against one
    server of that kind."""

    FRONTEND = ""       # "lab" or "voila"

    @pytest.fixture
    def frontend(self):
        if self.FRONTEND not in FRONTENDS:
            pytest.skip(f"RRNN_E2E_FRONTENDS={','.join(FRONTENDS)} leaves {self.FRONTEND} out")
        return self.FRONTEND

    @pytest.mark.parametrize("notebook", NOTEBOOK_CASES)
    def test_every_control_redraws_its_figure_without_widget_errors(self, frontend, notebook, server, page,
                                                                    record_property):
        check_every_control(frontend, notebook, server, page, record_property)


class TestLab(FrontendTests):
    FRONTEND = "lab"


class TestVoila(FrontendTests):
    FRONTEND = "voila"


def check_every_control(frontend, notebook, server, page, record_property):
    from .driver import Frontend, slug

    stem = notebook.removesuffix(".ipynb")
    failed_shot = SCREENSHOTS / f"FAILED--{frontend}--{stem}.png"
    failed_shot.unlink(missing_ok=True)          # from an earlier run
    app = Frontend(page, frontend)
    log_mark = server.log_size()
    latency = []        # filled in below; the test's report carries it to the process that prints
    record_property(LATENCY_PROPERTY, latency)       # the table (under xdist: not this worker)
    try:
        app.open(server.url(notebook))
        problems = app.problems(include_loading=False)
        assert not problems, f"{notebook} in {frontend}: errors after running the notebook:\n" + "\n".join(problems)
        app.wait_rendered()
        dashboards = app.scan()
        assert dashboards, f"{notebook} in {frontend}: the notebook has controls, but no output shows any"
        problems = app.problems()
        assert not problems, f"{notebook} in {frontend}: broken widgets after rendering:\n" + "\n".join(problems)

        failures, report = [], []
        for d in dashboards:
            i, title = d["index"], d["title"] or f"dashboard {d['index'] + 1}"
            if not d["canvases"] and not d["images"]:
                report.append(f"[{title}] has no figure of its own; checking the page's figures")
            shot = SCREENSHOTS / f"{frontend}--{stem}--{i + 1}-{slug(title)}.png"
            app.screenshot(i, shot)
            outcome = app.exercise(i, title, repeats=STEPS)
            latency += [dict(row, frontend=frontend, notebook=stem, dashboard=title) for row in outcome.latency]
            report += [f"[{title}] {line}" for line in outcome.controls_moved + outcome.notes]
            failures += [f"[{title}] {line}" for line in outcome.failures]
        print("\n".join(report))                       # shown with -rA / on failure
        problems = [p for p in app.problems() if not any(p in f for f in failures)]
        assert not failures and not problems, (
            f"{notebook} in {frontend}:\n" + "\n".join(failures + problems)
            + ("\nbrowser console errors:\n" + "\n".join(app.console_errors[:20]) if app.console_errors else ""))
    except BaseException:
        try:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(failed_shot), full_page=True, timeout=30_000)
        except Exception:  # the page may be gone; the original failure matters
            pass
        print(f"--- {server.kind} log (tail, this test only) ---\n{server.log_tail(60, since=log_mark)}")
        raise
    finally:
        server.shutdown_kernels(app.kernel_ids())
