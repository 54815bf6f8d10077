"""The training notebook's live run, in full: how long the RMC takes to leave the 50% plateau.

Notebook 08 trains the RMC on Nth farthest live, with a curve and a progress bar; under the test
suite it runs a short version. This script runs the full version as one command on one core (the
command is printed and recorded), then prints the seconds and steps until the held-out accuracy
first reached 55% (clear of the plateau) and 60%, and writes record.json beside this file.

    python experiments/live_training/run.py                  # about 2.5 minutes on one core
    python experiments/live_training/run.py --seeds 0 1 2    # one run after another

The record's times come from the machine it ran on, and a busy machine is slower: run it on a quiet one.
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
from rrnn.training import LIVE_NTH_FARTHEST, accuracy_curve, first_step_above, first_time_above  # noqa: E402

TIME_BUDGET = 150      # seconds; the notebook's full version uses the same


def run(seed: int, folder: Path) -> dict:
    argv = [*LIVE_NTH_FARTHEST, "--seed", str(seed), "--steps", "100000", "--time-budget", str(TIME_BUDGET), "--no-progress", "--out", str(folder)]
    command = f"OPENBLAS_NUM_THREADS=1 python -m rrnn.train {shlex.join(argv)}"
    print(command, flush=True)
    started = time.time()
    subprocess.run([sys.executable, "-m", "rrnn.train", *argv], check=True, cwd=ROOT,
                   env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    history = io.read_json(folder / "history.json")["history"]
    seconds, accuracy = accuracy_curve(history)
    result = {"seed": seed, "command": command.replace(str(folder), "DIR"), "steps": len(history["loss"]),
              "wall_seconds": round(time.time() - started, 1),
              "ms_per_step": round(1e3 * history["seconds"][-1] / len(history["loss"]), 1),
              "curve": {"eval_step": history["eval_step"], "seconds": [round(s, 2) for s in seconds],
                        "test_accuracy": list(accuracy)}}
    for level in (0.55, 0.60):
        result[f"seconds_to_{level:.2f}"] = first_time_above(history, level)
        result[f"step_to_{level:.2f}"] = first_step_above(history, level)
    print(f"seed {seed}: held-out 55% after {result['seconds_to_0.55']} s (step {result['step_to_0.55']}), "
          f"60% after {result['seconds_to_0.60']} s (step {result['step_to_0.60']}); "
          f"{result['ms_per_step']} ms per step; final {accuracy[-1]:.1%}", flush=True)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--record", type=Path, default=HERE / "record.json")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run(seed, Path(tmp) / f"s{seed}") for seed in args.seeds]
    record = {"script": "python experiments/live_training/run.py " + shlex.join(sys.argv[1:]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                         f"{platform.python_version()}", "time_budget": TIME_BUDGET, "runs": runs}
    io.write_json(args.record, record)
    print(f"wrote {args.record}")


if __name__ == "__main__":
    main()
