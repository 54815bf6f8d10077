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


def _median(samples) -> str:
    return f"{statistics.median(samples):.0f} ({len(samples)})" if samples else "-"


def table(rows: list) -> str:
    """One row per control, one column per front end: median ms over its moves (and how many)."""
    by_control: dict = {}
    for r in rows:      # (the control's position tells apart two controls of one name)
        key = (r["notebook"], r["dashboard"], r["position"], f"{r['kind']} '{r['control']}'")
        by_control.setdefault(key, {}).setdefault(r["frontend"], []).extend(r["samples"])
    frontends = sorted({f for columns in by_control.values() for f in columns})
    header = ("notebook", "dashboard", "control", *(f"{f} ms (n)" for f in frontends))
    # notebooks in order (xdist reports tests as they finish); controls in the order moved
    lines = [header] + [(notebook, dashboard[:34], control[:30], *(_median(columns.get(f, [])) for f in frontends))
                        for (notebook, dashboard, _, control), columns
                        in sorted(by_control.items(), key=lambda item: item[0][0])]
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    text = ["  ".join(cell.ljust(w) if k < 3 else cell.rjust(w) for k, (cell, w) in enumerate(zip(line, widths)))
            for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def summary(terminalreporter, config) -> None:
    if not ROWS or hasattr(config, "workerinput"):      # an xdist worker: the controller prints
        return
    title = ("median time from moving a control (the input event) to its redrawn figure, over "
             f"{STEPS} moves per control (Play: once, to its first frame), measured in the browser "
             "while the rest of the test run shares the machine - a measurement, not a pass/fail check")
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
