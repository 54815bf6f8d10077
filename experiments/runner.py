"""Run one `python -m rrnn.train` command for an experiment and keep its compact record.

Shared by experiments/ablations/run.py and experiments/which_pattern/run.py (``main`` is their
command line, ``run`` one run): each run's command is
printed before it starts, its log goes to <folder>/runs/<name>/log.txt, and its record (everything
but the weights, with the per-step series thinned) to <records>/<name>.json, small enough to commit:
the experiment passes the package's own records folder (rrnn/records/<experiment>/), so the package
ships the records its notebooks read. Each process is pinned to one BLAS thread so two runs share a 2-core machine fairly.
"""
import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # commands run from the repository root, with relative paths
sys.path.insert(0, str(ROOT))
from rrnn import io, models, training  # noqa: E402


def compact(folder: Path, name: str) -> dict:
    """The run's record: everything but the weights, the per-step series thinned to every 10th
    step and kept exactly for the first 10 (the reproduction tests compare them)."""
    record = io.read_json(folder / "runs" / name / "history.json")
    record["history"] = training.thin_history(record["history"], exact_first=10)
    record["run"] = name
    record["parameters"] = models.parameter_count(record["spec"])
    return record


def run(folder: Path, records: Path, name: str, argv: list) -> int:
    """Train ``python -m rrnn.train *argv`` (its --out under folder/runs/name) and write records/name.json."""
    out = folder / "runs" / name
    out.mkdir(parents=True, exist_ok=True)
    print("$ OPENBLAS_NUM_THREADS=1 python -m rrnn.train " + shlex.join(argv), flush=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with open(out / "log.txt", "w") as log:
        code = subprocess.run([sys.executable, "-m", "rrnn.train", *argv, "--overwrite"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT).returncode
    if code == 0:
        records.mkdir(parents=True, exist_ok=True)
        (records / f"{name}.json").write_text(json.dumps(compact(folder, name), separators=(",", ":")))
        print(f"  {name}: {(out / 'log.txt').read_text().strip().splitlines()[-1]}", flush=True)
    return code


def main(folder: Path, records: Path, runs: dict, command, cost: dict, description: str, **grid_fields) -> int:
    """The command line of an experiment's run.py: ``--only`` some runs, ``--jobs`` at once (the
    costliest first, by ``cost`` of the run's model); a full grid also writes grid.json (its command,
    wall time and machine, and ``grid_fields``)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--only", nargs="*", choices=sorted(runs), help="run just these")
    p.add_argument("--jobs", type=int, default=1, help="runs at once (one core each)")
    args = p.parse_args()
    names = sorted(args.only or runs, key=lambda n: -cost.get(runs[n][0], 1.0))
    started = time.time()
    with ThreadPoolExecutor(args.jobs) as pool:
        codes = list(pool.map(lambda name: run(folder, records, name, command(name)), names))
    failed = [n for n, c in zip(names, codes) if c]
    if not args.only:
        grid = {"command": f"python {folder.relative_to(ROOT) / 'run.py'} --jobs {args.jobs}", "jobs": args.jobs,
                "runs": len(names), **grid_fields, "wall_seconds": round(time.time() - started),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}",
                "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        (folder / "grid.json").write_text(json.dumps(grid, indent=1) + "\n")
    print("failed: " + ", ".join(failed) if failed else f"all {len(names)} runs finished")
    return 1 if failed else 0
