"""The ablation grid on Nth farthest: which part of the RMC makes it leave the 50% plateau.

Each variant changes one thing in the reference RMC of experiments/nth_farthest (2 slots, 2
heads of 32, 1 block, a gate per unit) or is a baseline; every variant trains with 3 random seeds on
one budget. ``experiments/ablations/run.py`` runs the grid; this module names it, builds each
run's command and summarises the records, so the report, the README and notebooks 08 and 09 read the same numbers.
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from .training import first_step_above

# the grid's records (<run>.json), shipped with the package; experiments/ablations/run.py writes them here
FOLDER = Path(__file__).resolve().parent / "records" / "ablations"
STEPS = 3000                # the budget: at most this many steps of batch 1024 ...
STOP_AT = 0.8               # ... or until the held-out accuracy reaches this
LEFT_PLATEAU = 0.55         # clear of the 50% shortcut plateau (docs/rmc.md §6.1): a seed that reached this left it
SEEDS = (0, 1, 2)
COMPARE_AT = 2000           # the table compares every run here: all were still training (the earliest stop is 2,100)
COMMON = ["--task", "nth-farthest", "--num-vectors", "4", "--vector-dim", "4", "--batch-size", "1024",
          "--lr", "1e-3", "--float32", "--eval-every", "100", "--eval-batch-size", "2000", "--no-progress"]
RMC = ["--model", "rmc", "--num-slots", "2", "--num-heads", "2", "--head-size", "32"]
HYBRID = ["--model", "hybrid", "--hidden-size", "64", "--num-slots", "2", "--slot-size", "64", "--num-heads", "2"]

# name: (what it changes, flags after COMMON); later flags override earlier ones in argparse
VARIANTS = {
    "rmc": ("the reference RMC: 2 slots, 2 heads of 32, 1 block, a gate per unit", RMC),
    "rmc-1slot": ("1 slot", RMC + ["--num-slots", "1"]),
    "rmc-4slots": ("4 slots", RMC + ["--num-slots", "4"]),
    "rmc-gate-memory": ("one gate per slot", RMC + ["--gate-style", "memory"]),
    "rmc-no-gate": ("no gates: the next memory is M_att", RMC + ["--gate-style", "none"]),
    "rmc-1head": ("1 head of 64 (same slot width)", RMC + ["--num-heads", "1", "--head-size", "64"]),
    "rmc-4heads": ("4 heads of 16 (same slot width)", RMC + ["--num-heads", "4", "--head-size", "16"]),
    "rmc-2blocks": ("2 attention blocks per step", RMC + ["--num-blocks", "2"]),
    "rmc-no-attention": ("no attention: slots updated by MLP and gates alone", RMC + ["--no-attention"]),
    "hybrid": ("the seed demo's hybrid: LSTM 64, 2 slots of 64, memory reads h, mean read-out", HYBRID),
    "hybrid-flat": ("hybrid, flattened read-out", HYBRID + ["--readout", "flat"]),
    "hybrid-x": ("hybrid, memory reads the input vectors", HYBRID + ["--memory-input", "x"]),
    "hybrid-flat-x": ("hybrid, both changes", HYBRID + ["--readout", "flat", "--memory-input", "x"]),
    "lstm96": ("LSTM of 96 units (as many parameters as the RMC)", ["--model", "lstm", "--hidden-size", "96"]),
}
RUNS = {f"{variant}-s{seed}": (variant, seed) for variant in VARIANTS for seed in SEEDS}


def command(run: str, steps: int = STEPS, out: str | None = None) -> list:
    """The arguments of ``python -m rrnn.train`` for ``run`` (e.g. "rmc-1slot-s0")."""
    variant, seed = RUNS[run]
    out = out or f"experiments/ablations/runs/{run}"
    return [*COMMON, *VARIANTS[variant][1], "--seed", str(seed), "--steps", str(steps),
            "--stop-at-accuracy", str(STOP_AT), "--out", out]


def load_records(folder=FOLDER) -> dict:
    """{run name: record} for every <run>.json in ``folder`` (the grid's records by default)."""
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"folder must hold the ablation records (<run>.json), got {folder} with none; "
                                f"experiments/ablations/run.py writes them")
    return {path.stem: json.loads(path.read_text()) for path in paths}


def accuracy_at(history: dict, step: int):
    """The held-out accuracy at evaluation ``step`` (None if the run never evaluated there)."""
    steps = list(history["eval_step"])
    return history["test_accuracy"][steps.index(step)] if step in steps else None


def table_rows(records: dict, compare_at: int = COMPARE_AT) -> list:
    """One row per variant of the table that report.py prints and the README and notebook 09 show.

    Only measures every run shares, whether or not it stopped early at ``STOP_AT``: the seeds that
    left the plateau (``LEFT_PLATEAU``) and the step they did (median, min, max), the seeds that
    reached STOP_AT and the step, and the held-out accuracy at step ``compare_at`` (every run was
    still training there) as (median, min, max)."""
    rows = []
    for variant, (what, _) in VARIANTS.items():
        runs = [records[f"{variant}-s{s}"] for s in SEEDS if f"{variant}-s{s}" in records]
        if not runs:
            continue
        left = [s for s in (first_step_above(r["history"], LEFT_PLATEAU) for r in runs) if s is not None]
        stop = [s for s in (first_step_above(r["history"], STOP_AT) for r in runs) if s is not None]
        at = [accuracy_at(r["history"], compare_at) for r in runs]
        if any(a is None for a in at):
            raise ValueError(f"a run of {variant} has no evaluation at step {compare_at}; pick a step every run reached")
        spread = lambda v: (statistics.median(v), min(v), max(v)) if v else None
        rows.append({"variant": variant, "what": what, "seeds": len(runs), "parameters": runs[0]["parameters"],
                     "left_plateau": len(left), "steps_to_leave": spread(left),
                     "reached_stop": len(stop), "steps_to_stop": spread(stop), "at_step": spread(at)})
    return rows


def markdown_table(rows: list, compare_at: int = COMPARE_AT) -> str:
    """The rows of ``table_rows`` as a Markdown table."""
    def steps(count, spread, seeds):
        if spread is None:
            return f"0 of {seeds}"
        median, low, high = spread
        return f"{count} of {seeds}, step {median:,.0f} ({low:,}-{high:,})"
    lines = [f"| variant | what changes | params | left the plateau (≥{LEFT_PLATEAU:.0%}) | "
             f"reached {STOP_AT:.0%} | held-out at step {compare_at:,}: median (range) |",
             "|---|---|---:|---|---|---|"]
    for r in rows:
        median, low, high = r["at_step"]
        lines.append(f"| {r['variant']} | {r['what']} | {r['parameters']:,} | "
                     f"{steps(r['left_plateau'], r['steps_to_leave'], r['seeds'])} | "
                     f"{steps(r['reached_stop'], r['steps_to_stop'], r['seeds'])} | "
                     f"{median:.0%} ({low:.0%}-{high:.0%}) |")
    return "\n".join(lines)
