"""The latency table the end-to-end tests print at the end of the run.

Each test records its samples as a user property of its report (``LATENCY_PROPERTY``), which
pytest-xdist carries from the worker that ran the test to the controller; ``collect`` gathers
them from the reports and ``summary`` prints the table. Both are hooked in from tests/conftest.py:
under xdist the controller never loads tests/e2e/conftest.py (it collects nothing itself).
"""
from __future__ import annotations

import os
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = HERE / "screenshots"
LATENCY_FILE = HERE / "latency.txt"
STEPS = int(os.environ.get("RRNN_E2E_STEPS", "3"))      # moves per control, each one sample
LATENCY_PROPERTY = "e2e_latency"
ROWS: list[dict] = []     # dicts: frontend, notebook, dashboard, position, control, kind, samples (ms)


def collect(report) -> None:
    if report.when == "call":
        for name, rows in report.user_properties:
            if name == LATENCY_PROPERTY:
                ROWS.extend(rows)


GOAL_MS = 100           # the course's goal for a redraw in the browser (issue #8)


def _cell(samples) -> str:
    return f"{statistics.median(samples):.0f} / {samples[0]:.0f} ({len(samples)})" if samples else "-"


def table(rows: list) -> str:
    """One row per control, one column per front end: the median ms over its moves, the first
    move's ms (a first visit to a setting), and how many moves; then, per front end, how many
    controls are within GOAL_MS."""
    by_control: dict = {}
    for r in rows:      # (the control's position tells apart two controls of one name)
        key = (r["notebook"], r["dashboard"], r["position"], f"{r['kind']} '{r['control']}'")
        by_control.setdefault(key, {}).setdefault(r["frontend"], []).extend(r["samples"])
    frontends = sorted({f for columns in by_control.values() for f in columns})
    header = ("notebook", "dashboard", "control", *(f"{f} ms median / first (n)" for f in frontends))
    # notebooks in order (xdist reports tests as they finish); controls in the order moved
    lines = [header] + [(notebook, dashboard[:34], control[:30], *(_cell(columns.get(f, [])) for f in frontends))
                        for (notebook, dashboard, _, control), columns
                        in sorted(by_control.items(), key=lambda item: item[0][0])]
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    text = ["  ".join(cell.ljust(w) if k < 3 else cell.rjust(w) for k, (cell, w) in enumerate(zip(line, widths)))
            for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    for f in frontends:
        samples = [columns[f] for columns in by_control.values() if columns.get(f)]
        medians = [statistics.median(s) for s in samples]
        text.append(f"{f}: {sum(m <= GOAL_MS for m in medians)} of {len(samples)} controls at most {GOAL_MS} ms "
                    f"(median), {sum(s[0] <= GOAL_MS for s in samples)} on the first move; median of the medians "
                    f"{statistics.median(medians):.0f} ms, of the first moves {statistics.median(s[0] for s in samples):.0f} ms")
    return "\n".join(text)


def summary(terminalreporter, config) -> None:
    if not ROWS or hasattr(config, "workerinput"):      # an xdist worker: the controller prints
        return
    title = ("time from moving a control (the input event) to its redrawn figure: the median over "
             f"{STEPS} moves per control (Play: once, to its first frame) and the first move alone (a "
             "setting not shown before; the later moves go back and forth, to settings whose layout the "
             "figure has kept), measured in the browser while the rest of the test run shares the "
             "machine - a measurement, not a pass/fail check")
    text = table(ROWS)
    terminalreporter.write_sep("=", "e2e: control moved -> redrawn figure")
    terminalreporter.write_line(title)
    terminalreporter.write_line(text)
    try:
        LATENCY_FILE.write_text(title + "\n\n" + text + "\n")
        terminalreporter.write_line(f"(written to {LATENCY_FILE.relative_to(ROOT)}; "
                                    f"screenshots in {SCREENSHOTS.relative_to(ROOT)}/)")
    except OSError as err:
        terminalreporter.write_line(f"(could not write {LATENCY_FILE}: {err})")
