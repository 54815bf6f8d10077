"""Copy seed 0 of every which-pattern model into the package (rrnn/pretrained/which_pattern_*).

    python experiments/which_pattern/ship.py

Weights are copied unchanged; the record is the run's compact record from rrnn/records/which_pattern/
(command, seed, spec, held-out curve in full, per-step series thinned, the first 10 steps exact).
"""
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
from rrnn import pretrained  # noqa: E402
from rrnn.seed_models import RECORDS  # noqa: E402

TARGET = ROOT / "rrnn" / "pretrained"

if __name__ == "__main__":
    for name in pretrained.PATTERN_MODELS:
        stem = pretrained.file_stem(name, "which-pattern")
        shutil.copyfile(HERE / "runs" / f"{name}-s0" / "weights.npz", TARGET / f"{stem}.npz")
        shutil.copyfile(RECORDS / f"{name}-s0.json", TARGET / f"{stem}.json")
        print(f"{name}-s0 -> rrnn/pretrained/{stem}.*")
