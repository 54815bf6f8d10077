"""Train LSTM, RMC and hybrid classifiers on the Nth-farthest task at CPU scale.

The setting is Sonnet's reduced example (4 vectors of dimension 4: chance 25%, shortcut
plateau 50%) with the reference configuration of docs/rmc.md §6.2: batch 1024, Adam lr 1e-3,
no clipping, an MLP head of two 128-unit ReLU layers, float32. Each run is one
`python -m rrnn.train` command, printed before it starts, so any run can be repeated alone.

    python experiments/nth_farthest/run.py --jobs 2            # every run in RUNS
    python experiments/nth_farthest/run.py --only rmc-s0       # one run
    python experiments/nth_farthest/report.py                  # table + curves

Runs go to experiments/nth_farthest/runs/<name>/ (weights.npz, history.json, log.txt).
Each process is pinned to one BLAS thread so two runs share a 2-core machine fairly.
"""
import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # commands run from the repository root, with relative paths
sys.path.insert(0, str(ROOT))
# the reference setting and model flags, shared with the ablation grid (experiments/ablations)
from rrnn.ablations import COMMON, HYBRID, RMC  # noqa: E402

# An LSTM-96 step costs about a third of an RMC step here (LSTM-256 about two thirds), so the
# LSTMs get more steps: about the same wall-clock budget as an RMC run, and far more steps
# than the RMC needs to leave the plateau.
STEPS = {"rmc": 6000, "hybrid": 6000, "lstm96": 18000, "lstm256": 9000}
MODELS = {
    # 2 slots, 2 heads of 32 (slot width 64), 1 block: 72,708 parameters with the head
    "rmc": RMC,
    # hidden 96 matches the RMC's parameter count (72,836); hidden 256 is 4.5x larger (329,348)
    "lstm96": ["--model", "lstm", "--hidden-size", "96"],
    "lstm256": ["--model", "lstm", "--hidden-size", "256"],
    # the seed's hybrid: an LSTM of 64 feeding 2 slots of 64 (2 heads)
    "hybrid": HYBRID,
}
RUNS = {f"{model}-s{seed}": (model, seed) for model, seeds in
        (("rmc", range(5)), ("lstm96", range(2)), ("lstm256", range(1)), ("hybrid", range(2))) for seed in seeds}


def command(name: str, steps: int | None = None) -> list:
    model, seed = RUNS[name]
    steps = steps or STEPS[model]
    return [sys.executable, "-m", "rrnn.train", *COMMON, *MODELS[model], "--seed", str(seed),
            "--steps", str(steps), "--out", str((HERE / "runs" / name).relative_to(ROOT))]


def run(name: str, steps: int | None) -> int:
    cmd = command(name, steps)
    (HERE / "runs" / name).mkdir(parents=True, exist_ok=True)
    print("$ " + " ".join(["OPENBLAS_NUM_THREADS=1", "python", *cmd[1:]]), flush=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with open(HERE / "runs" / name / "log.txt", "w") as log:
        return subprocess.run(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="*", choices=sorted(RUNS), help="run just these")
    p.add_argument("--jobs", type=int, default=1, help="runs at once (one core each)")
    p.add_argument("--steps", type=int, default=None, help="override the per-model step counts")
    args = p.parse_args()
    names = args.only or list(RUNS)
    with ThreadPoolExecutor(args.jobs) as pool:
        codes = list(pool.map(lambda n: run(n, args.steps), names))
    failed = [n for n, c in zip(names, codes) if c]
    print("failed: " + ", ".join(failed) if failed else f"all {len(names)} runs finished")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
