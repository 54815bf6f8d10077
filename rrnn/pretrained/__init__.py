"""Small classifiers trained on the Nth-farthest task, shipped with the package.

The task is Sonnet's reduced example: 4 vectors of dimension 4 (input width 16, 4 steps,
4 classes; chance 25%, shortcut plateau 50%). Each model comes with the record its training
run wrote: the per-step history, the held-out accuracy curve, its spec, its seed and the exact
command line (``record["argv"]``) that reproduces it bit for bit:

    model, record = rrnn.pretrained.load("rmc")
    print("python -m rrnn.train " + " ".join(record["argv"]))

The runs themselves are made by ``experiments/nth_farthest/run.py``.
"""
from __future__ import annotations

from importlib import resources

NAMES = ("lstm", "rmc", "hybrid")


def load(name: str):
    """(model, record) for one of NAMES: the trained classifier (float32) and its training record."""
    if name not in NAMES:
        raise ValueError(f"name must be one of {NAMES}, got {name!r}")
    from .. import io
    folder = resources.files(__name__)
    with resources.as_file(folder / f"nth_farthest_{name}.npz") as path:
        model = io.load(path)
    with resources.as_file(folder / f"nth_farthest_{name}.json") as path:
        record = io.read_json(path, "training record")
    return model, record
