"""Drive a notebook's dashboards in a real browser page (JupyterLab or Voila).

``Frontend`` opens the page, runs the notebook (Lab: Run > Run All Cells; Voila runs it by
itself), waits until every figure has painted, finds the dashboards (a cell output holding at
least one control), moves each of their controls a few times, waits for the figure to change,
and measures the time from each move to the last repaint. ``probe.js`` (injected before the
page's own scripts) records the paints, inputs and kernel messages it relies on.

All waits are on the page's state (``wait_for_function``), never fixed sleeps.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

PROBE = (Path(__file__).with_name("probe.js")).read_text()

QUIET_MS = 150            # "settled": kernel idle, no frame decoding (probe.js) and no figure painted
                          # for this long (a frame arrives before the kernel's "idle" that follows it)
POLL_MS = 50              # polling interval of wait_for_function


def slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:limit] or "dashboard"


@dataclass
class Outcome:
    """What happened to one dashboard: controls moved, failures, notes, and per control its
    latency samples (``latency``: dicts of control, kind, samples in ms)."""
    title: str
    controls_moved: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    latency: list = field(default_factory=list)


class Frontend:
    """One page of one notebook in JupyterLab ("lab") or Voila ("voila")."""

    def __init__(self, page: Page, kind: str, timeout_s: float = 240.0, redraw_timeout_s: float = 60.0):
        self.page, self.kind = page, kind
        self.timeout_ms = timeout_s * 1000
        self.redraw_timeout_ms = redraw_timeout_s * 1000
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.add_init_script(PROBE)
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type == "error" and "ERR_NAME_NOT_RESOLVED" not in message.text \
                and "ERR_INTERNET_DISCONNECTED" not in message.text:
            self.console_errors.append(message.text[:500])

    # --- opening and running ----------------------------------------------------------------
    def open(self, url: str) -> None:
        if self.kind == "lab":
            self._open_lab(url)
        else:
            self._open_voila(url)

    def _open_lab(self, url: str) -> None:
        page = self.page
        page.goto(url, timeout=self.timeout_ms)
        # the kernel must be connected (its first "idle" arrived): "Run All" while the
        # indicator still says "connecting" is silently dropped
        page.wait_for_function(
            """() => {
                const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const indicator = nb && nb.querySelector('.jp-Notebook-ExecutionIndicator');
                return indicator && indicator.dataset.status === 'idle' && __e2e.kernelState === 'idle';
            }""", timeout=self.timeout_ms, polling=100)
        for attempt in range(3):
            page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Run\s*$")).first.click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            try:     # started: some prompt shows [*] or a number
                page.wait_for_function(
                    """() => [...document.querySelectorAll(
                        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
                        .some((p) => /\\[(\\*|\\d+)\\]/.test(p.textContent))""", timeout=30_000, polling=100)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        page.wait_for_function(
            """() => {
                const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                if (!nb) return false;
                const indicator = nb.querySelector('.jp-Notebook-ExecutionIndicator');
                if (indicator && indicator.dataset.status !== 'idle') return false;
                const cells = [...nb.querySelectorAll('.jp-CodeCell')];
                const prompt = (c) => (c.querySelector('.jp-InputPrompt') || {}).textContent || '';
                if (cells.some((c) => prompt(c).includes('*'))) return false;
                const pending = cells.filter((c) => !/\\[\\d+\\]/.test(prompt(c)) &&
                    ((c.querySelector('.cm-content') || {}).textContent || '').trim() !== '');
                // a cell that raised stops "Run All": done, the error is reported as a problem
                return pending.length === 0 ||
                    [...nb.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
                        .some((e) => /Error|Traceback/.test(e.textContent));
            }""", timeout=self.timeout_ms, polling=200)

    def _open_voila(self, url: str) -> None:
        page = self.page
        # Voila executes the notebook before it sends the page: "load" can take a while
        page.goto(url, timeout=self.timeout_ms, wait_until="domcontentloaded")
        # done when the page shows controls, or an error (a cell that raised shows its traceback
        # as stderr output; waiting for controls that never come would cost the whole timeout)
        page.wait_for_function(
            """() => {
                const loading = document.querySelector('#loading');
                const busy = loading && getComputedStyle(loading).display !== 'none';
                return !busy && (window.__e2e.roots().length > 0 ||
                                 /There was an error when executing cell/.test(document.body.innerText) ||
                                 window.__e2e.problems(false).length > 0);
            }""", timeout=self.timeout_ms, polling=200)

    # --- state ------------------------------------------------------------------------------
    def kernel_ids(self) -> list:
        """The kernels this page connected to ([] if the page is gone)."""
        try:
            return self.page.evaluate("() => window.__e2e ? __e2e.kernelIds : []")
        except PlaywrightError:
            return []

    def scan(self) -> list:
        return self.page.evaluate("() => __e2e.scan()")

    def wait_rendered(self) -> None:
        """Every dashboard's figures painted, no 'Loading widget...', kernel quiet."""
        self.page.wait_for_function(
            """(quiet) => {
                const roots = __e2e.scan();
                if (/Loading widget/.test(document.body.innerText)) return false;
                return roots.every((r) => __e2e.painted(r.index)) && __e2e.quiet(quiet);
            }""", arg=QUIET_MS * 2, timeout=self.timeout_ms, polling=200)

    def wait_quiet(self, ms: int = QUIET_MS) -> None:
        self.page.wait_for_function("(ms) => __e2e.quiet(ms)", arg=ms, timeout=self.timeout_ms, polling=POLL_MS)

    def problems(self, include_loading: bool = True) -> list:
        found = self.page.evaluate("(l) => __e2e.problems(l)", include_loading)
        found += [f"JavaScript error on the page: {e}" for e in self.page_errors]
        return found

    def snapshot(self, i: int) -> str:
        return self.page.evaluate("(i) => __e2e.snapshot(i)", i)

    def messages(self, i: int) -> list:
        return self.page.evaluate("(i) => __e2e.messages(i)", i)

    def wait_redraw(self, i: int, before: str) -> bool:
        try:
            errors = self.page.evaluate("() => __e2e.kernelErrors.length")
            # stop waiting early when the kernel reports an error instead of a new frame
            self.page.wait_for_function(
                "([i, before, n]) => __e2e.changedFrom(i, before) || __e2e.kernelErrors.length > n",
                arg=[i, before, errors], timeout=self.redraw_timeout_ms, polling=POLL_MS)
            return self.snapshot(i) != before
        except PlaywrightTimeout:
            return False

    def root(self, i: int):
        return self.page.locator(f'[data-e2e-root="{i}"]')

    def control(self, i: int, j: int):
        return self.page.locator(f'[data-e2e-root="{i}"] [data-e2e-control="{j}"]')

    # --- moving controls ----------------------------------------------------------------------
    @staticmethod
    def _values(handle):
        """(now, low, high) of a noUiSlider handle, or None where it has no numeric values."""
        try:
            return tuple(float(handle.get_attribute(f"aria-value{a}")) for a in ("now", "min", "max"))
        except (TypeError, ValueError):
            return None

    def _slider_key(self, handle, previous: str | None = None) -> str:
        """Alternate directions (the control stays near the value the notebook set), turning
        back at either end of the range."""
        values = self._values(handle)
        key = "ArrowRight" if previous in (None, "ArrowLeft") else "ArrowLeft"
        if values and key == "ArrowRight" and values[0] >= values[2]:
            key = "ArrowLeft"
        elif values and key == "ArrowLeft" and values[0] <= values[1]:
            key = "ArrowRight"
        return key

    @staticmethod
    def _backward(c: dict) -> bool:
        return bool(re.search(r"◀|←|<|back|prev", c["label"], re.I))

    def _stepper_values(self, i: int, c: dict):
        """(now, low, high) of the slider next to a stepper button (same row), or None."""
        handle = self.control(i, c["index"]).locator(
            "xpath=ancestor::*[contains(@class,'widget-hbox')][1]//*[contains(@class,'noUi-handle')]").first
        return self._values(handle) if handle.count() else None

    def _buttons_in_order(self, i: int, controls: list) -> list:
        """Forward-looking buttons first; backward ones first if the stepper is at its end."""
        buttons = [c for c in controls if c["kind"] == "button"]
        at_end = any((v := self._stepper_values(i, c)) and v[0] >= v[2] for c in buttons)
        return sorted(buttons, key=lambda c: self._backward(c) != at_end)

    def move(self, i: int, c: dict) -> str:
        """Move control ``c`` of dashboard ``i`` once; returns what was done. Repeated moves
        alternate a slider's direction and walk a menu or option group through its choices."""
        control = self.control(i, c["index"])
        kind = c["kind"]
        if kind == "slider":
            handle = control.locator(".noUi-handle").first
            c["last_key"] = key = self._slider_key(handle, c.get("last_key"))
            handle.focus()
            handle.press(key)
            return f"pressed {key}"
        if kind == "dropdown":
            select = control.locator("select").first
            n, k = select.evaluate("(s) => [s.options.length, s.selectedIndex]")
            back = "restore_to" in c
            target = c.pop("restore_to") if back else (k + 1) % n
            select.select_option(index=target)
            return f"{'went back to' if back else 'chose'} option {target + 1} of {n}"
        if kind == "checkbox":
            control.locator("input[type=checkbox]").first.click()
            return "clicked"
        if kind == "toggle-buttons":
            control.locator("button:not(.mod-active)").first.click()
            return "clicked another option"
        if kind == "radio":
            control.locator("input[type=radio]:not(:checked)").first.click()
            return "clicked another option"
        if kind == "play":
            control.locator("button:has(.fa-play)").first.click()
            return "pressed play"
        control.click()       # button, toggle button
        return "clicked"

    def stop_play(self, i: int, c: dict) -> None:
        pause = self.control(i, c["index"]).locator("button:has(.fa-pause)")
        try:
            if pause.count():
                pause.first.click(timeout=10_000)
        except PlaywrightError:       # it reached its last step and stopped by itself meanwhile
            pass

    def movable(self, c: dict) -> str | None:
        """None if the control can be moved now, else why not (asked of the page each time:
        moving one control can disable another)."""
        state = self.page.evaluate(
            """([i, j]) => {
                const el = document.querySelector(`[data-e2e-root='${i}'] [data-e2e-control='${j}']`);
                const select = el && el.querySelector('select');
                return el ? {disabled: !!el.querySelector(':disabled, [disabled]') || el.disabled === true,
                             options: select ? select.options.length : null} : null;
            }""", [c["root"], c["index"]])
        if state is None:
            return "gone from the page"
        if state["disabled"]:
            return "disabled"
        if state["options"] is not None and state["options"] < 2:
            return "only one option"
        if c["kind"] == "button":         # a stepper button at its end of the range
            values = self._stepper_values(c["root"], c)
            if values and values[0] >= values[2] and not self._backward(c):
                return "the stepper is at its last step"
            if values and values[0] <= values[1] and self._backward(c):
                return "the stepper is at its first step"
        return None

    # --- the checks -----------------------------------------------------------------------------
    def exercise(self, i: int, title: str, repeats: int = 3) -> Outcome:
        """Move every control of dashboard ``i`` ``repeats`` times (Play once: it runs by itself);
        every move must change the figure, without errors. Each move is also a latency sample:
        input event -> the last repaint before the page settles (Play: -> its first frame)."""
        outcome = Outcome(title)
        controls = self.scan()[i]["controls"]
        for c in controls:
            c["root"] = i
        ordered = [c for c in controls if c["kind"] != "button"] + self._buttons_in_order(i, controls)
        for c in ordered:
            name = f"{c['kind']} '{c['label']}'"
            samples, actions, redraws = [], [], 0
            start = self._selected(i, c) if c["kind"] == "dropdown" else None
            for k in range(1 if c["kind"] == "play" else repeats):
                why_not = self.movable(c)
                if why_not:
                    outcome.notes.append(f"{name}: not moved {'' if k == 0 else 'again '}({why_not})")
                    break
                action, redrew, latency = self._move_and_check(i, c, name, outcome)
                actions.append(action)
                if not redrew:          # a failure already; moving it again tells nothing new
                    break
                redraws += 1
                if latency is not None:
                    samples.append(latency)
            if start is not None and actions and redraws == len(actions) and self._selected(i, c) != start:
                # back to where the menu started: a menu that chooses the model (04-07) would otherwise
                # leave a trained one chosen, which locks the size controls moved after it
                c["restore_to"] = start
                action, redrew, latency = self._move_and_check(i, c, name, outcome)
                actions.append(action)
                redraws += bool(redrew)
                if latency is not None:
                    samples.append(latency)
            if actions:
                outcome.controls_moved.append(f"{name}: {', '.join(actions)}; redrew {redraws} of {len(actions)}")
                outcome.latency.append(dict(control=c["label"], kind=c["kind"], position=len(outcome.latency),
                                            samples=samples))
        return outcome

    def _selected(self, i: int, c: dict) -> int:
        """The index of the option a dropdown shows now."""
        return self.control(i, c["index"]).locator("select").first.evaluate("(s) => s.selectedIndex")

    def _move_and_check(self, i: int, c: dict, name: str, outcome: Outcome):
        """One move: returns (what was done, whether the figure changed, latency in ms or None)."""
        self.wait_quiet()
        before = self.snapshot(i)
        problems_before = set(self.problems(include_loading=False))
        self.page.evaluate("() => __e2e.arm()")
        action = self.move(i, c)
        started = time.monotonic()
        redrew = self.wait_redraw(i, before)
        waited = time.monotonic() - started
        if c["kind"] == "play":
            self.stop_play(i, c)
        self.wait_quiet()
        # the figure is settled: read the clock (page time, so no round trip is counted)
        start, paints = self.page.evaluate("(i) => [__e2e.inputAt, __e2e.paintsSince(i, __e2e.inputAt)]", i)
        new_problems = [p for p in self.problems(include_loading=False) if p not in problems_before]
        messages = self.messages(i)
        if not redrew:
            outcome.failures.append(
                f"{name} ({action}): the figure did not change (waited {waited:.0f} s)"
                + (f"; the dashboard says: {' | '.join(messages)}" if messages else ""))
        for p in new_problems:
            outcome.failures.append(f"after moving {name} ({action}): {p}")
        if messages and redrew:
            outcome.notes.append(f"after moving {name}: the dashboard says: {' | '.join(messages)}")
        if not redrew:
            return action, False, None
        if not start or not paints:
            outcome.notes.append(f"{name} ({action}): redrew, but no input event or paint was timed")
            return action, True, None
        return action, True, float((paints[0] if c["kind"] == "play" else paints[1]) - start)

    def screenshot(self, i: int, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        root = self.root(i)
        root.scroll_into_view_if_needed()
        root.screenshot(path=str(path), animations="disabled", timeout=60_000)
        return path

