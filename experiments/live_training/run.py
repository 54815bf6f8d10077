"""The training notebook's live run, in full: how long the RMC takes to leave the 50% plateau.

Notebook 08 trains an untrained RMC on Nth farthest live, with a curve and a progress bar, until its
held-out accuracy leaves the shortcut plateau: the first evaluation at or above 55%
(``rrnn.ablations.LEFT_PLATEAU``, the course's one threshold), then LIVE_CLIMB_STEPS (400) more steps
so the class sees the climb, or a cap of LIVE_STEP_CAP (4,000) steps. This script runs that command
for several random seeds, one after another, on whatever cores it is given (pin it to one:
``taskset -c 1``), prints each run's steps and seconds to leave the plateau and to the run's end, and
writes them into record.json beside this file: the exact commands, per-seed steps and seconds, the
median and range. Other variants already in the record are kept.

    taskset -c 1 python experiments/live_training/run.py --seeds 0 1 2 3 4              # the live run
    taskset -c 1 python experiments/live_training/run.py --seeds 0 1 2 3 4 --variant lr2e-3

A variant adds command-line options to the live run (e.g. a larger learning rate) to look for a
setting that leaves the plateau in fewer steps; each variant is recorded beside the others under its
name, on the same seeds. Times come from the machine the record ran on, and a busy machine is slower.
``--step-cap`` and ``--then-steps`` change the rule for a quick trial (``--record`` a scratch file).
"""
import argparse
import json
import os
import platform
import shlex
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
from rrnn.training import (LIVE_CLIMB_STEPS, LIVE_NTH_FARTHEST, LIVE_STEP_CAP, accuracy_curve,  # noqa: E402
                           live_runs_summary)

# Each variant: the options added after LIVE_NTH_FARTHEST (the last value of an option wins).
VARIANTS = {
    "live": [],                                   # the notebook's run: Adam 1e-3, batch 1024
    "lr2e-3": ["--lr", "2e-3"],                   # twice the learning rate
    "batch512": ["--batch-size", "512"],          # half the batch: cheaper steps
}


def live_argv(seed: int, extra=(), step_cap: int = LIVE_STEP_CAP, then_steps: int = LIVE_CLIMB_STEPS) -> list:
    """The arguments of ``python -m rrnn.train`` for the live run of ``seed`` (without --out)."""
    return [*LIVE_NTH_FARTHEST, *extra, "--seed", str(seed), "--steps", str(step_cap),
            "--stop-at-accuracy", str(LEFT_PLATEAU), "--then-steps", str(then_steps)]


def run(seed: int, extra: list, folder: Path, step_cap: int = LIVE_STEP_CAP, then_steps: int = LIVE_CLIMB_STEPS) -> dict:
    """Train one live run in a fresh process; its steps and seconds to leave the plateau and to its end."""
    argv = [*live_argv(seed, extra, step_cap, then_steps), "--no-progress", "--out", str(folder)]
    command = f"OPENBLAS_NUM_THREADS=1 python -m rrnn.train {shlex.join(argv)}"
    print(command, flush=True)
    started = time.time()
    subprocess.run([sys.executable, "-m", "rrnn.train", *argv], check=True, cwd=ROOT,
                   env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    history = io.read_json(folder / "history.json")["history"]
    seconds, accuracy = accuracy_curve(history)
    steps, left = len(history["loss"]), history["target_step"]    # left: the first evaluation at LEFT_PLATEAU
    result = {"seed": seed, "command": command.replace(str(folder), "DIR"), "stop_reason": history["stop_reason"],
              "step_to_left": left,
              "seconds_to_left": None if left is None else round(history["seconds"][left - 1], 1),
              "step_to_end": steps, "seconds_to_end": round(history["seconds"][-1], 1),
              "wall_seconds": round(time.time() - started, 1),
              "ms_per_step": round(1e3 * history["seconds"][-1] / steps, 1),
              "final_test_accuracy": accuracy[-1],
              "curve": {"eval_step": history["eval_step"], "seconds": [round(s, 2) for s in seconds],
                        "test_accuracy": list(accuracy)}}
    where = "never left the plateau" if left is None else f"left the plateau at step {left} ({result['seconds_to_left']} s)"
    print(f"seed {seed}: {where}; {result['stop_reason']} after {steps} steps, {result['seconds_to_end']} s "
          f"({result['ms_per_step']} ms per step); held-out {accuracy[-1]:.1%}", flush=True)
    return result


def summary(runs: list) -> dict:
    """Median and range of the steps and seconds to leave the plateau and to the run's end, over the
    runs that left it (``rrnn.training.live_runs_summary``)."""
    return live_runs_summary(runs)


def table(record: dict) -> str:
    """The record as a Markdown table: one row per variant and random seed, steps and seconds to leave."""
    rows = ["| variant | options | then steps | random seed | left the plateau at step | seconds | "
            "ended at step | seconds | ms/step | stop |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for name, entry in record["variants"].items():
        for r in entry["runs"]:
            rows.append(f"| {name} | {' '.join(entry['options']) or '(none)'} | {entry['then_steps']} | {r['seed']} | "
                        f"{r['step_to_left'] if r['step_to_left'] is not None else 'never'} | "
                        f"{r['seconds_to_left'] if r['seconds_to_left'] is not None else '-'} | "
                        f"{r['step_to_end']} | {r['seconds_to_end']} | {r['ms_per_step']} | {r['stop_reason']} |")
        s = summary(entry["runs"])
        if s["step_to_left"]:
            span = lambda key, f, s=s: f"**{s[key]['median']:{f}} ({s[key]['min']:{f}}-{s[key]['max']:{f}})**"
            rows.append(f"| **{name}** | | | **median (range), {s['left_plateau']} of {s['seeds']} left** | "
                        f"{span('step_to_left', ',.0f')} | {span('seconds_to_left', '.0f')} | "
                        f"{span('step_to_end', ',.0f')} | {span('seconds_to_end', '.0f')} | | |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--table", action="store_true", help="print the record as a Markdown table and stop")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--variant", choices=sorted(VARIANTS), default="live")
    p.add_argument("--record", type=Path, default=HERE / "record.json",
                   help="the record to add to (its other variants are kept)")
    p.add_argument("--step-cap", type=int, default=LIVE_STEP_CAP, help="for a quick trial only: the step cap")
    p.add_argument("--then-steps", type=int, default=LIVE_CLIMB_STEPS,
                   help="for a quick trial only: steps trained after leaving the plateau")
    args = p.parse_args()
    if args.table:
        print(table(io.read_json(args.record)))
        return
    record = io.read_json(args.record) if args.record.exists() else {}
    if "variants" not in record:        # an older record (time-budgeted runs) is replaced
        record = {"variants": {}}
    record.update({
        "about": "Per random seed: step_to_left and seconds_to_left, when the held-out accuracy first reached "
                 "LEFT_PLATEAU (None: never); step_to_end and seconds_to_end, when the run stopped: then_steps "
                 "steps later, or at the entry's step_cap. Evaluated every 50 steps on 1,000 held-out questions, "
                 "so steps to leave are multiples of 50. Each variant records its own rule (then_steps, step_cap).",
        "left_plateau": LEFT_PLATEAU})
    entry = {"script": "taskset -c 1 python experiments/live_training/run.py " + shlex.join(sys.argv[1:]),
             "options": VARIANTS[args.variant], "then_steps": args.then_steps, "step_cap": args.step_cap,
             "machine": f"{platform.machine()}, {os.cpu_count()} cores (run pinned to one with taskset), "
                        f"{platform.python_implementation()} {platform.python_version()}",
             "started": time.strftime("%Y-%m-%d %H:%M"), "runs": []}
    record["variants"][args.variant] = entry            # the other variants stay as they were
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            entry["runs"].append(run(seed, VARIANTS[args.variant], Path(tmp) / f"s{seed}", args.step_cap,
                                     args.then_steps))
            entry["summary"] = summary(entry["runs"])
            io.write_json(args.record, record)         # after every run: a partial record survives
    print(json.dumps(entry["summary"], indent=1))
    print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
