"""Summarise the Nth-farthest runs: a table of when each run left the 50% plateau, and curves.

    python experiments/nth_farthest/report.py [--runs DIR] [--records JSON ...] [--figure PATH]

Runs are read from ``--runs`` (one folder per run holding ``history.json``, as run.py writes
them) and from any ``--records`` (a record file as ``rrnn.pretrained`` ships it, e.g.
``rrnn/pretrained/nth_farthest_rmc.json``, which keeps the held-out curve in full).

"Left the plateau" is the first held-out evaluation at or above ``rrnn.ablations.LEFT_PLATEAU``
(55%), the one threshold the course, the ablations and the live-training record all use: the
shortcut that answers "n points at the reference itself" scores 50% (2/N with N = 4), and a
held-out batch of 2,000 puts 55% about four and a half standard errors above it.
"""
import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rrnn import io, models  # noqa: E402
from rrnn.ablations import LEFT_PLATEAU

HERE = Path(__file__).resolve().parent
ESCAPE = LEFT_PLATEAU   # one threshold for "left the plateau" across the course


def _steps_kept(history: dict) -> np.ndarray:
    """The training steps the per-step series hold: every step, or the ones a shipped (thinned)
    record kept (``rrnn.training.thin_history``)."""
    return np.array(history.get("step") or range(1, len(history["loss"]) + 1))


def _seconds_at(history: dict, steps) -> np.ndarray:
    """Wall seconds after each of ``steps`` (0 before step 1), interpolated in a thinned record."""
    kept, seconds = _steps_kept(history), np.array(history["seconds"])
    return np.interp(steps, np.concatenate([[0], kept]), np.concatenate([[0.0], seconds]))


def summarise(name: str, record: dict) -> dict:
    history = record["history"]
    acc, evals = np.array(history["test_accuracy"]), np.array(history["eval_step"])
    steps, seconds = _steps_kept(history), np.array(history["seconds"])
    escaped = np.flatnonzero(acc >= ESCAPE)
    spec = record["spec"]
    return {
        "run": name,
        "params": sum(p.size for p in models.build(spec).params.values()),
        "steps": int(steps[-1]),
        "ms/step": 1000 * float(np.median(np.diff(seconds) / np.diff(steps))) if len(seconds) > 1 else float("nan"),
        "left plateau at step": int(evals[escaped[0]]) if len(escaped) else None,
        "wall s": float(seconds[-1]) if len(seconds) else float("nan"),
        "final acc": float(acc[-1]),
        "best acc": float(acc.max()),
    }


def table(rows: list) -> str:
    cols = list(rows[0])
    fmt = lambda v: "never" if v is None else f"{v:.3f}" if isinstance(v, float) and v <= 1 else \
        f"{v:.0f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
    cells = [[fmt(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = lambda vals: "| " + " | ".join(v.rjust(w) for v, w in zip(vals, widths)) + " |"
    return "\n".join([line(cols), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)])


def plot(histories: dict, path: Path):
    fig, (by_step, by_time) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    colors = {"rmc": "C0", "lstm96": "C1", "lstm256": "C3", "hybrid": "C2"}
    runs = {}
    for name in histories:
        runs.setdefault(name.rsplit("-", 1)[0], []).append(name)
    first = {names[0]: f"{kind} ({len(names)} run{'s' * (len(names) > 1)})" for kind, names in runs.items()}
    for name, record in sorted(histories.items()):
        h = record["history"]
        kind = name.rsplit("-", 1)[0]
        steps = np.array(h["eval_step"])
        secs = _seconds_at(h, steps)
        label = first.get(name)
        by_step.plot(steps, h["test_accuracy"], color=colors.get(kind, "k"), lw=1.2, alpha=0.8, label=label)
        by_time.plot(secs, h["test_accuracy"], color=colors.get(kind, "k"), lw=1.2, alpha=0.8)
    for ax, xlabel in ((by_step, "training step (batch 1024)"), (by_time, "wall seconds (one thread)")):
        ax.axhline(0.25, color="gray", ls=":", lw=1)
        ax.axhline(0.50, color="gray", ls="--", lw=1)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    by_step.text(0.98, 0.26, "chance 25%", color="gray", fontsize=8, ha="right", transform=by_step.get_yaxis_transform())
    by_step.text(0.98, 0.46, "shortcut plateau 50%", color="gray", fontsize=8, ha="right",
                 transform=by_step.get_yaxis_transform())
    by_step.set_ylabel("held-out accuracy")
    by_step.legend(loc="upper right", fontsize=8, bbox_to_anchor=(1.0, 0.9))
    fig.suptitle("Nth farthest (4 vectors of dimension 4): RMC vs LSTM vs hybrid")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def read_runs(runs: Path, records: list) -> dict:
    """{run name: record} from the run folders under ``runs`` (if it exists) and the record files."""
    histories = {}
    if runs.is_dir():
        histories.update({d.name: io.read_json(d / "history.json")
                          for d in sorted(runs.iterdir()) if (d / "history.json").exists()})
    for path in records:
        record = io.read_json(path)
        histories[record.get("run", path.stem)] = record
    return dict(sorted(histories.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=Path, default=HERE / "runs")
    p.add_argument("--records", type=Path, nargs="*", default=[],
                   help="record files (e.g. rrnn/pretrained/nth_farthest_*.json) to summarise beside the runs")
    p.add_argument("--figure", type=Path, default=HERE / "curves.png")
    args = p.parse_args()
    histories = read_runs(args.runs, args.records)
    if not histories:
        raise SystemExit(f"no finished runs under {args.runs} and no --records")
    print(table([summarise(name, h) for name, h in histories.items()]))
    plot(histories, args.figure)
    print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()
