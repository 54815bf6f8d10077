"""The ablation table from the records in rrnn/records/ablations/, with the grid's wall time; writes report.md.

    python experiments/ablations/report.py

Notebook 09 and the README show the same table (tests/test_ablations.py checks the README's) and every run's held-out curve.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from rrnn import ablations  # noqa: E402


def main():
    records = ablations.load_records()
    grid = json.loads((HERE / "grid.json").read_text())
    lines = [
        "# Ablations of the RMC on Nth farthest",
        "",
        f"{len(records)} runs, {len(ablations.SEEDS)} seeds per variant; each at most {ablations.STEPS:,} steps of "
        f"batch 1024, stopping at the first held-out evaluation at or above {ablations.STOP_AT:.0%}. "
        f"'Left the plateau': held-out accuracy reached {ablations.LEFT_PLATEAU:.0%} (the shortcut gives 50%).",
        "",
        ablations.markdown_table(ablations.table_rows(records)),
        "",
        f"Grid: `{grid['command']}` on {grid['machine']}, {grid['wall_seconds'] / 60:.0f} minutes wall time "
        f"(finished {grid['finished']}). Each run's exact command is the `argv` of rrnn/records/ablations/<run>.json, "
        "run as `python -m rrnn.train <argv>` from the repository root.",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "report.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
