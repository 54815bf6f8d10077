"""Copy chosen runs into the package as its pretrained models (rrnn/pretrained/).

    python experiments/nth_farthest/ship.py rmc=rmc-s2 lstm=lstm96-s0 hybrid=hybrid-s0

Weights are copied unchanged. The record keeps the spec, seed, exact command line and the
held-out curve in full; the per-step series (loss, train accuracy, gradient norm, seconds)
are kept at every 10th step and rounded, so the shipped files stay small.
"""
import json
import shutil
import sys
from pathlib import Path

from rrnn import io, training

HERE = Path(__file__).resolve().parent
TARGET = HERE.parents[1] / "rrnn" / "pretrained"


def ship(name: str, run: str):
    record = io.read_json(HERE / "runs" / run / "history.json")
    record["history"] = training.thin_history(record["history"])
    record["run"] = run
    shutil.copyfile(HERE / "runs" / run / "weights.npz", TARGET / f"nth_farthest_{name}.npz")
    (TARGET / f"nth_farthest_{name}.json").write_text(json.dumps(record, separators=(",", ":")))


if __name__ == "__main__":
    for pair in sys.argv[1:]:
        name, run = pair.split("=")
        ship(name, run)
        print(f"{run} -> rrnn/pretrained/nth_farthest_{name}.*")
