"""Small trained classifiers shipped with the package, each with the record of its training run.

Two families, one per task:

- ``task="nth-farthest"`` (the default): Sonnet's reduced Nth-farthest example, 4 vectors of
  dimension 4 (input width 16, 4 steps, 4 classes; chance 25%, shortcut plateau 50%). Names:
  "lstm", "rmc", "hybrid". Made by ``experiments/nth_farthest/run.py``.
- ``task="which-pattern"``: ``rrnn.tasks.which_pattern``, the seed demo's studies' own input patterns
  (32 features, 10-25 steps, random amplitude; name the pattern, 9 classes, chance 11%). Names:
  "rmc-1slot", "rmc-2slots", "rmc-4slots", "rmc-8slots" (2 heads of 32, slots of 64, as in the
  seed demo's studies), "lstm" (64 units) and "hybrid" (the seed demo's: LSTM 64, 4 slots of 64, 2 heads).
  These are the trained models of notebooks 04-07. Made by ``experiments/which_pattern/run.py``.

Each record holds the per-step history, the held-out accuracy curve, the spec, the random seed and the
exact command line (``record["argv"]``) that reproduces the run bit for bit:

    model, record = rrnn.pretrained.load("rmc-4slots", task="which-pattern")
    print("python -m rrnn.train " + " ".join(record["argv"]))
"""
from __future__ import annotations

import numbers
from importlib import resources

NAMES = ("lstm", "rmc", "hybrid")
"""The Nth-farthest models."""

SLOT_COUNTS = (1, 2, 4, 8)
PATTERN_MODELS = tuple(f"rmc-{S}slot{'s' if S > 1 else ''}" for S in SLOT_COUNTS) + ("lstm", "hybrid")
"""The which-pattern models."""

TASKS = {"nth-farthest": NAMES, "which-pattern": PATTERN_MODELS}

# The which-pattern runs: one budget for every model (experiments/which_pattern/run.py adds --seed and --out).
PATTERN_COMMON = ["--task", "which-pattern", "--input-size", "32", "--min-len", "10", "--max-len", "25",
                  "--batch-size", "64", "--lr", "1e-3", "--float32", "--steps", "3000", "--eval-every", "100",
                  "--eval-batch-size", "2000", "--no-progress"]
PATTERN_FLAGS = {f"rmc-{S}slot{'s' if S > 1 else ''}": ["--model", "rmc", "--num-slots", str(S), "--num-heads", "2",
                                                          "--head-size", "32"] for S in SLOT_COUNTS}
PATTERN_FLAGS["lstm"] = ["--model", "lstm", "--hidden-size", "64"]
PATTERN_FLAGS["hybrid"] = ["--model", "hybrid", "--hidden-size", "64", "--num-slots", "4", "--slot-size", "64",
                           "--num-heads", "2"]


def rmc_name(num_slots: int) -> str:
    """The which-pattern RMC with ``num_slots`` slots: "rmc-1slot", "rmc-2slots", ...

    ``num_slots`` must be an int (a NumPy int too) in ``SLOT_COUNTS``; a float, even ``4.0``, is a
    TypeError naming ``num_slots``, as everywhere else in rrnn a count is an int.
    """
    if isinstance(num_slots, bool) or not isinstance(num_slots, numbers.Integral):
        raise TypeError(f"num_slots must be an int, one of {SLOT_COUNTS} (the trained slot counts), "
                        f"got {num_slots!r:.100} ({type(num_slots).__name__})")
    if num_slots not in SLOT_COUNTS:
        raise ValueError(f"num_slots must be one of {SLOT_COUNTS} (the trained slot counts), got {num_slots!r}")
    num_slots = int(num_slots)
    return f"rmc-{num_slots}slot{'s' if num_slots > 1 else ''}"


def _choice(name: str, value, choices, where: str = "") -> str:
    """``value`` if it is one of ``choices`` (strings), else an error naming ``name``, the choices and
    what was given (a TypeError for a non-string: a list would otherwise fail as "unhashable")."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {tuple(choices)}{where}, got {value!r:.100} ({type(value).__name__})")
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}{where}, got {value!r:.100}")
    return value


def file_stem(name: str, task: str = "nth-farthest") -> str:
    """The shipped files' name without extension, e.g. "which_pattern_rmc_4slots"."""
    task = _choice("task", task, TASKS)
    name = _choice("name", name, TASKS[task], f" for task {task!r}")
    return f"{task}_{name}".replace("-", "_")


def load(name: str, task: str = "nth-farthest"):
    """(model, record) for one of ``TASKS[task]``: the trained classifier (float32) and its training record.

    An unknown ``task`` or ``name`` (or one that is not a string) is a ValueError (TypeError) naming
    the argument, the valid choices and what was given."""
    stem = file_stem(name, task)
    from .. import io
    folder = resources.files(__name__)
    with resources.as_file(folder / f"{stem}.npz") as path:
        model = io.load(path)
    with resources.as_file(folder / f"{stem}.json") as path:
        record = io.read_json(path, "training record")
    return model, record
