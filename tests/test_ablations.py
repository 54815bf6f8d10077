"""The ablation grid: its commands build the variants they name, its table says what the records
hold, and every shipped record's command reproduces the start of its run."""
import json
from pathlib import Path

import numpy as np
import pytest

from rrnn import ablations, models, training
from rrnn.exercises.trained import check_one_slot_prediction, one_slot_leaves_plateau

RECORDS = sorted(ablations.FOLDER.glob("*.json"))
GRID = Path(__file__).resolve().parents[1] / "experiments" / "ablations" / "grid.json"   # the run's wall time


def built(run: str):
    args = training.parser().parse_args(ablations.command(run, steps=1, out="unused"))
    return training.build_run(args)


def test_every_variant_builds_and_changes_what_it_says():
    specs = {variant: built(f"{variant}-s0")[0].spec for variant in ablations.VARIANTS}
    base = specs["rmc"]
    assert {k: base[k] for k in ("num_slots", "num_heads", "head_size", "num_blocks", "gate_style", "attention")} == \
        dict(num_slots=2, num_heads=2, head_size=32, num_blocks=1, gate_style="unit", attention=True)
    changed = {variant: {k for k in base if spec.get(k) != base[k]} for variant, spec in specs.items()
               if spec["model"] == "rmc"}
    assert changed == {"rmc": set(), "rmc-1slot": {"num_slots"}, "rmc-4slots": {"num_slots"},
                       "rmc-gate-memory": {"gate_style"}, "rmc-no-gate": {"gate_style"},
                       "rmc-1head": {"num_heads", "head_size"}, "rmc-4heads": {"num_heads", "head_size"},
                       "rmc-2blocks": {"num_blocks"}, "rmc-no-attention": {"attention"}}
    assert all(specs[v]["num_heads"] * specs[v]["head_size"] == 64 for v in ("rmc-1head", "rmc-4heads"))
    assert (specs["hybrid-flat-x"]["readout"], specs["hybrid-flat-x"]["memory_input"]) == ("flat", "x")
    counts = {variant: models.parameter_count(spec) for variant, spec in specs.items()}
    assert counts["rmc"] == 72_708 and counts["lstm96"] == 72_836     # the LSTM matched to the RMC
    assert counts["rmc-1head"] == counts["rmc-4heads"] == counts["rmc"]


def test_the_same_seed_gives_every_variant_the_same_questions():
    tasks_and_keywords = [built(f"{variant}-s1")[1:] for variant in ("rmc", "lstm96", "hybrid-x")]
    batches = [task(8, rng=keywords["rng"])[0] for task, keywords in tasks_and_keywords]
    assert all(np.array_equal(batches[0], b) for b in batches[1:])


def record(accuracy, steps=None):
    steps = steps or [100 * i for i in range(len(accuracy))]
    return {"history": {"eval_step": steps, "test_accuracy": accuracy}, "parameters": 10}


def test_the_table_compares_runs_at_one_step_by_hand():
    records = {"rmc-s0": record([0.25, 0.5, 0.56, 0.8], [0, 1000, 2000, 2100]),   # stopped early at 80%
               "rmc-s1": record([0.25, 0.5, 0.6, 0.7], [0, 1000, 2000, 3000]),
               "rmc-s2": record([0.25, 0.5, 0.5, 0.5], [0, 1000, 2000, 3000]),
               "lstm96-s0": record([0.25, 0.5, 0.5], [0, 1000, 2000])}
    rows = {row["variant"]: row for row in ablations.table_rows(records, compare_at=2000)}
    assert rows["rmc"]["left_plateau"] == 2 and rows["rmc"]["steps_to_leave"] == (2000, 2000, 2000)
    assert rows["rmc"]["reached_stop"] == 1 and rows["rmc"]["steps_to_stop"] == (2100, 2100, 2100)
    assert rows["rmc"]["at_step"] == (0.56, 0.5, 0.6)           # the early stop is compared where all ran
    assert rows["lstm96"]["left_plateau"] == 0 and rows["lstm96"]["steps_to_leave"] is None
    table = ablations.markdown_table(list(rows.values()), compare_at=2000)
    assert "| rmc |" in table and "| 2 of 3, step 2,000 (2,000-2,000) | 1 of 3, step 2,100 (2,100-2,100) | 56% (50%-60%) |" in table
    assert "| 0 of 1 | 0 of 1 | 50% (50%-50%) |" in table
    with pytest.raises(ValueError, match="no evaluation at step 2000"):
        ablations.table_rows({"rmc-s0": record([0.25, 0.5])}, compare_at=2000)


def test_the_grid_is_complete_and_ran_in_well_under_two_hours():
    assert {path.stem for path in RECORDS} == set(ablations.RUNS)
    grid = json.loads(GRID.read_text())
    assert grid["runs"] == len(ablations.RUNS) and grid["wall_seconds"] < 2 * 3600


@pytest.mark.parametrize("path", RECORDS, ids=[path.stem for path in RECORDS])
def test_the_recorded_command_reproduces_the_start_of_the_run(path):
    shipped = json.loads(path.read_text())
    argv = list(shipped["argv"])
    assert argv == ablations.command(path.stem) + ["--overwrite"]      # the grid's own command
    args = training.parser().parse_args(argv)
    model, task, keywords = training.build_run(args)
    assert model.spec == shipped["spec"]
    # the same run, cut to 3 steps; a held-out batch of 1 (its stream is separate from the training
    # batches', so the losses do not change) keeps the test quick
    history = training.train(model, task, **dict(keywords, steps=3, eval_batch_size=1, progress=False))
    # bit-exact on the machine that made it; a tolerance allows another CPU's float32 BLAS kernels
    assert history["loss"] == pytest.approx(shipped["history"]["loss"][:3], abs=2e-4)


def test_the_one_slot_prediction_is_compared_with_the_grid():
    median = one_slot_leaves_plateau()
    assert 0 < median < 3000                                  # every one-slot seed left the plateau
    for prediction, side in ((median - 600, "early"), (median + 300, "late")):   # any prediction passes with
        check = check_one_slot_prediction(prediction, median)                     # the right measurement
        assert check.passed is True and side in check.message
    for wrong in (median - 600, median + 600):                # a wrong measurement gets a hint, not the answer
        check = check_one_slot_prediction(median, wrong)
        assert check.passed is False and f"{median:,.0f}" not in check.message and f"{median:.0f}" not in check.message
    assert check_one_slot_prediction(None).passed is None
    assert check_one_slot_prediction(median).passed is None   # measured not given yet
    assert check_one_slot_prediction("high", median).passed is False


def test_records_come_from_the_package_and_an_empty_folder_is_named(tmp_path):
    assert ablations.FOLDER.is_relative_to(Path(ablations.__file__).parent)     # shipped as package data
    with pytest.raises(FileNotFoundError, match=r"folder must hold the ablation records .* got .* with none"):
        ablations.load_records(tmp_path)


def test_the_readme_shows_the_table_the_report_prints():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert ablations.markdown_table(ablations.table_rows(ablations.load_records())) in readme
