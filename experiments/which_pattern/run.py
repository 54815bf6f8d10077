"""Train the seed studies' models on their own input patterns (rrnn.tasks.which_pattern).

Every run is one `python -m rrnn.train` command: the flags of rrnn.pretrained.PATTERN_COMMON (32
features, 10-25 steps, random amplitude, batch 64, Adam lr 1e-3, float32, 3,000 steps) and one
model's flags, with 3 seeds each: the RMC with 1, 2, 4 and 8 slots of 64 (2 heads of 32), an LSTM
of 64 and the seed's hybrid. Records go to rrnn/records/which_pattern/<run>.json (command, seed,
spec, held-out curve, losses; rrnn.seed_models.RECORDS, shipped with the package for notebook 07),
the wall time to grid.json; ship.py copies seed 0 of each into rrnn/pretrained.

    python experiments/which_pattern/run.py --jobs 2       # all 18 runs, about 20 minutes here
    python experiments/which_pattern/run.py --only rmc-4slots-s0
    python experiments/which_pattern/ship.py               # seed 0 of each -> rrnn/pretrained
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import runner  # noqa: E402  (experiments/runner.py: one command, its log and its record)
from rrnn.pretrained import PATTERN_COMMON, PATTERN_FLAGS  # noqa: E402
from rrnn.seed_models import RECORDS  # noqa: E402

SEEDS = (0, 1, 2)
RUNS = {f"{model}-s{seed}": (model, seed) for model in PATTERN_FLAGS for seed in SEEDS}
# Rough cost of a step relative to the 4-slot RMC's, so the longest runs start first.
COST = {"rmc-8slots": 2.0, "hybrid": 1.2, "rmc-2slots": 0.6, "rmc-1slot": 0.45, "lstm": 0.15}


def command(name: str) -> list:
    model, seed = RUNS[name]
    return [*PATTERN_COMMON, *PATTERN_FLAGS[model], "--seed", str(seed),
            "--out", f"experiments/which_pattern/runs/{name}"]


if __name__ == "__main__":
    sys.exit(runner.main(HERE, RECORDS, RUNS, command, COST, __doc__.split("\n\n")[0]))
