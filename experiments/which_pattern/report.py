"""The which-pattern runs as a table: held-out accuracy after 3,000 steps and steps to 90%, 3 seeds each.

    python experiments/which_pattern/report.py            # prints the markdown table (README, notebook 07)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from rrnn import models, pretrained, seed_models  # noqa: E402
from rrnn.training import first_step_above  # noqa: E402

SEEDS = (0, 1, 2)


def _steps_to(history: dict, level: float) -> str:
    step = first_step_above(history, level)
    return "never" if step is None else f"{step:,}"


def table(records: dict) -> str:
    rows = ["| model | params | held-out accuracy, seeds 0 / 1 / 2 | steps to 90%, seeds 0 / 1 / 2 |",
            "|---|---:|---|---|"]
    for name in pretrained.PATTERN_MODELS:
        runs = [records[f"{name}-s{seed}"] for seed in SEEDS]
        accuracy = " / ".join(f"{run['history']['test_accuracy'][-1]:.1%}" for run in runs)
        steps = " / ".join(_steps_to(run["history"], 0.9) for run in runs)
        rows.append(f"| {name} | {models.parameter_count(runs[0]['spec']):,} | {accuracy} | {steps} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(seed_models.load_records()))
