"""Run one `python -m rrnn.train` command for an experiment and keep its compact record.

Shared by experiments/ablations/run.py and experiments/which_pattern/run.py: each run's command is
printed before it starts, its log goes to <folder>/runs/<name>/log.txt, and its record (everything
but the weights, with the per-step series thinned) to <folder>/records/<name>.json, small enough to
commit. Each process is pinned to one BLAS thread so two runs share a 2-core machine fairly.
"""
import json
import os
import shlex
import subprocess
import sys
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


def run(folder: Path, name: str, argv: list) -> int:
    """Train ``python -m rrnn.train *argv`` (its --out under folder/runs/name) and write the record."""
    out = folder / "runs" / name
    out.mkdir(parents=True, exist_ok=True)
    print("$ OPENBLAS_NUM_THREADS=1 python -m rrnn.train " + shlex.join(argv), flush=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with open(out / "log.txt", "w") as log:
        code = subprocess.run([sys.executable, "-m", "rrnn.train", *argv, "--overwrite"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT).returncode
    if code == 0:
        (folder / "records").mkdir(exist_ok=True)
        (folder / "records" / f"{name}.json").write_text(json.dumps(compact(folder, name), separators=(",", ":")))
        print(f"  {name}: {(out / 'log.txt').read_text().strip().splitlines()[-1]}", flush=True)
    return code
