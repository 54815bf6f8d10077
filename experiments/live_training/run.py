"""The training notebook's live run, in full: how long the RMC takes to leave the 50% plateau.

Notebook 08 trains an untrained RMC on Nth farthest live, with a curve and a progress bar, until its
held-out accuracy leaves the shortcut plateau: the first evaluation at or above 55%
(``rrnn.ablations.LEFT_PLATEAU``, the course's one threshold), or a cap of 4,000 steps. This script
runs that command for several random seeds, one after another, on whatever cores it is given (pin
it to one: ``taskset -c 1``), prints each run's steps and seconds to leave the plateau, and writes
record.json beside this file: the exact commands, per-seed steps and seconds, the median and range.

    taskset -c 1 python experiments/live_training/run.py --seeds 0 1 2 3 4              # the live run
    taskset -c 1 python experiments/live_training/run.py --seeds 0 1 2 3 4 --variant lr2e-3

A variant adds command-line options to the live run (e.g. a larger learning rate) to look for a
setting that leaves the plateau in fewer steps; each variant is recorded beside the others under its
name, on the same seeds. Times come from the machine the record ran on, and a busy machine is slower.
"""
import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
from rrnn import io  # noqa: E402
from rrnn.ablations import LEFT_PLATEAU  # noqa: E402
from rrnn.training import LIVE_NTH_FARTHEST, LIVE_STEP_CAP, accuracy_curve, first_step_above, first_time_above  # noqa: E402

# Each variant: the options added after LIVE_NTH_FARTHEST (the last value of an option wins).
VARIANTS = {
    "live": [],                                   # the notebook's run: Adam 1e-3, batch 1024
    "lr2e-3": ["--lr", "2e-3"],                   # twice the learning rate
    "batch512": ["--batch-size", "512"],          # half the batch: cheaper steps
}


def live_argv(seed: int, extra=()) -> list:
    """The arguments of ``python -m rrnn.train`` for the live run of ``seed`` (without --out)."""
    return [*LIVE_NTH_FARTHEST, *extra, "--seed", str(seed), "--steps", str(LIVE_STEP_CAP),
            "--stop-at-accuracy", str(LEFT_PLATEAU)]


def run(seed: int, extra: list, folder: Path) -> dict:
    argv = [*live_argv(seed, extra), "--no-progress", "--out", str(folder)]
    command = f"OPENBLAS_NUM_THREADS=1 python -m rrnn.train {shlex.join(argv)}"
    print(command, flush=True)
    started = time.time()
    subprocess.run([sys.executable, "-m", "rrnn.train", *argv], check=True, cwd=ROOT,
                   env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    history = io.read_json(folder / "history.json")["history"]
    seconds, accuracy = accuracy_curve(history)
    steps = len(history["loss"])
    result = {"seed": seed, "command": command.replace(str(folder), "DIR"), "stop_reason": history["stop_reason"],
              "steps": steps, "seconds": round(history["seconds"][-1], 1),
              "wall_seconds": round(time.time() - started, 1),
              "ms_per_step": round(1e3 * history["seconds"][-1] / steps, 1),
              "step_to_left": first_step_above(history, LEFT_PLATEAU),
              "seconds_to_left": None if first_time_above(history, LEFT_PLATEAU) is None
              else round(first_time_above(history, LEFT_PLATEAU), 1),
              "final_test_accuracy": accuracy[-1],
              "curve": {"eval_step": history["eval_step"], "seconds": [round(s, 2) for s in seconds],
                        "test_accuracy": list(accuracy)}}
    print(f"seed {seed}: {result['stop_reason']} after {steps} steps, {result['seconds']} s "
          f"({result['ms_per_step']} ms per step); held-out {accuracy[-1]:.1%}", flush=True)
    return result


def summary(runs: list) -> dict:
    """Median and range of the steps and seconds to leave the plateau, over the runs that left it."""
    left = [r for r in runs if r["step_to_left"] is not None]
    out = {"seeds": len(runs), "left_plateau": len(left)}
    for key in ("step_to_left", "seconds_to_left", "ms_per_step"):
        values = [r[key] for r in (left if key != "ms_per_step" else runs)]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)} if values else None
    return out


def table(record: dict) -> str:
    """The record as a Markdown table: one row per variant and random seed, steps and seconds to leave."""
    rows = ["| variant | options | random seed | left the plateau at step | seconds | ms/step | stop |",
            "|---|---|---|---|---|---|---|"]
    for name, entry in record["variants"].items():
        for r in entry["runs"]:
            rows.append(f"| {name} | {' '.join(entry['options']) or '(none)'} | {r['seed']} | "
                        f"{r['step_to_left'] if r['step_to_left'] is not None else 'never'} | "
                        f"{r['seconds_to_left'] if r['seconds_to_left'] is not None else '-'} | {r['ms_per_step']} | "
                        f"{r['stop_reason']} |")
        s = entry.get("summary")
        if s and s["step_to_left"]:
            rows.append(f"| **{name}** | | **median (range), {s['left_plateau']} of {s['seeds']} left** | "
                        f"**{s['step_to_left']['median']:,.0f} ({s['step_to_left']['min']:,}-{s['step_to_left']['max']:,})** | "
                        f"**{s['seconds_to_left']['median']:.0f} ({s['seconds_to_left']['min']:.0f}-"
                        f"{s['seconds_to_left']['max']:.0f})** | | |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--table", action="store_true", help="print the record as a Markdown table and stop")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--variant", choices=sorted(VARIANTS), default="live")
    p.add_argument("--record", type=Path, default=HERE / "record.json")
    args = p.parse_args()
    if args.table:
        print(table(io.read_json(args.record)))
        return
    record = io.read_json(args.record) if args.record.exists() else {}
    if "variants" not in record:        # an older record (time-budgeted runs) is replaced
        record = {"variants": {}}
    record.update({
        "about": "Steps and seconds until the held-out accuracy first reaches LEFT_PLATEAU, or the step cap; "
                 "evaluated every 50 steps on 1,000 held-out questions, so steps are multiples of 50.",
        "left_plateau": LEFT_PLATEAU, "step_cap": LIVE_STEP_CAP,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (run pinned to one with taskset), "
                   f"{platform.python_implementation()} {platform.python_version()}"})
    entry = {"script": "taskset -c 1 python experiments/live_training/run.py " + shlex.join(sys.argv[1:]),
             "options": VARIANTS[args.variant], "started": time.strftime("%Y-%m-%d %H:%M"), "runs": []}
    record["variants"][args.variant] = entry
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            entry["runs"].append(run(seed, VARIANTS[args.variant], Path(tmp) / f"s{seed}"))
            entry["summary"] = summary(entry["runs"])
            io.write_json(args.record, record)         # after every run: a partial record survives
    print(json.dumps(entry["summary"], indent=1))
    print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
