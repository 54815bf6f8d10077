"""What makes the RMC work on Nth farthest: one variant changed at a time, 3 seeds each, one budget.

Every run is the reference Nth-farthest setting of experiments/nth_farthest (4 vectors of
dimension 4, batch 1024, Adam lr 1e-3, float32) for at most 3,000 steps, stopping early at the
first held-out evaluation at or above 80%. Each run is one `python -m rrnn.train` command; its
record (command, seed, spec, held-out curve, losses) goes to rrnn/records/ablations/<run>.json
(rrnn.ablations.FOLDER, shipped with the package for notebooks 08 and 09), small enough to commit,
and the grid's wall time to grid.json.

    python experiments/ablations/run.py --jobs 2          # the whole grid, about 80 minutes here
    python experiments/ablations/run.py --only rmc-1slot-s0
    python experiments/ablations/report.py                # the table and the curves

Each process is pinned to one BLAS thread so two runs share a 2-core machine fairly.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import runner  # noqa: E402  (experiments/runner.py: one command, its log and its record)
from rrnn.ablations import FOLDER, RUNS, STEPS, command  # noqa: E402

# Rough cost of a step relative to the base RMC's, so the longest runs start first and the two
# cores finish together.
COST = {"rmc-4slots": 1.7, "rmc-2blocks": 1.8, "rmc-4heads": 1.2, "rmc-1slot": 0.7, "rmc-no-attention": 0.5,
        "lstm96": 0.35}


if __name__ == "__main__":
    sys.exit(runner.main(HERE, FOLDER, RUNS, command, COST, __doc__.split("\n\n")[0], steps=STEPS))
