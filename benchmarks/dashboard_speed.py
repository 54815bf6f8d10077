"""How long a dashboard takes from a control change to a redrawn figure (compute + draw).

Every dashboard registered with ``rrnn.dash.register_dashboard`` (found by
``rrnn.dash.discover()``, so new dashboards are included without editing this file) is built
in its default configuration on the Agg backend ("static" mode: each update computes and
draws synchronously, the work an ipympl kernel does before it sends the frame). Then each
control is changed N times, cycling through a few valid values and back to its default; the
dashboard's caches are emptied before every change (use --warm to keep them), so the times
include the computation and every change costs what a first visit to its settings costs: the
backgrounds the figures kept of layouts other than the one shown go too (with --warm, going back
to a layout shown before blits). The table gives the median milliseconds per update, wall clock and
CPU, per control and per dashboard, and counts the controls over the goal: every control at most
50 ms here (compute + draw; the browser adds encoding, transfer and painting, up to 100 ms).

    python benchmarks/dashboard_speed.py                  # all dashboards, 10 changes per control
    python benchmarks/dashboard_speed.py --repeats 20 --only memory_evolution stepper

This is a measurement, not a test: numbers depend on the machine and its load (printed).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

GOAL_MS = 50.0      # per control


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="changes per control (default 10)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--warm", action="store_true", help="keep the dashboards' caches between changes")
    parser.add_argument("--only", nargs="*", default=None, help="names of the dashboards to time (default: all)")
    return parser.parse_args()


def time_dashboard(factory, repeats: int, warm: bool):
    """Rows (control, median wall ms, median cpu ms, updates) for one dashboard."""
    dash = factory(mode="static")
    rows = []
    for name, values in dash.benchmark_values().items():
        control = dash.controls[name]
        default = control.value
        cycle = [v for v in values if v != default] or values
        walls, cpus = [], []
        for i in range(repeats):
            value = cycle[(i // 2) % len(cycle)] if i % 2 == 0 else default   # away, back, away, ...
            if not warm:
                dash.clear_caches()
            wall, cpu = time.perf_counter(), time.process_time()
            control.value = value
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            if dash.error is not None:
                raise RuntimeError(f"{dash.name}: setting {name} = {value!r} failed: {dash.error}")
        control.value = default
        rows.append((name, statistics.median(walls), statistics.median(cpus), repeats))
    return rows


def main():
    args = parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import matplotlib
    matplotlib.use("Agg")
    from rrnn.dash import discover

    registry = discover()
    names = list(registry) if not args.only else args.only
    unknown = [n for n in names if n not in registry]
    if unknown:
        sys.exit(f"unknown dashboard(s) {unknown}; registered: {', '.join(registry)}")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Dashboard update time: compute + draw, median of {args.repeats} changes per control, "
          f"{'warm' if args.warm else 'cold'} caches, Agg, {args.threads} BLAS thread(s), "
          f"{os.cpu_count()} CPUs, load average {load:.2f}")
    print()
    print(f"| {'dashboard':22s} | {'control':16s} | wall ms | cpu ms |")
    print(f"|{'-' * 24}|{'-' * 18}|--------:|-------:|")
    summary = []
    for name in names:
        rows = time_dashboard(registry[name], args.repeats, args.warm)
        for control, wall, cpu, _ in rows:
            print(f"| {name:22s} | {control:16s} | {wall:7.1f} | {cpu:6.1f} |")
        walls = [r[1] for r in rows]
        cpus = [r[2] for r in rows]
        summary.append((name, statistics.median(walls) if walls else float("nan"),
                        statistics.median(cpus) if cpus else float("nan"), max(walls) if walls else float("nan"),
                        sum(wall > GOAL_MS for wall in walls), len(walls)))
    print()
    print(f"| {'dashboard':22s} | median wall ms | median cpu ms | slowest control ms | controls over {GOAL_MS:.0f} ms |")
    print(f"|{'-' * 24}|---------------:|--------------:|-------------------:|--------------------:|")
    for name, wall, cpu, worst, over, count in summary:
        print(f"| {name:22s} | {wall:14.1f} | {cpu:13.1f} | {worst:18.1f} | {f'{over} of {count}':>19s} |")


if __name__ == "__main__":
    main()
