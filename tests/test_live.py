"""The live training curve follows rrnn.train's history as it runs, redrawing in place."""
import functools

import numpy as np
import pytest

import rrnn
from rrnn import tasks
from rrnn.dash.live import LiveTrainingCurve
from rrnn.training import accuracy_curve, first_step_above, first_time_above

RECALL = functools.partial(tasks.associative_recall, num_pairs=1, num_keys=3, num_values=4)


def small_model(seed=0):
    return rrnn.LSTMClassifier(8, 8, 4, head_sizes=[8], rng=seed)


def test_the_curve_draws_every_evaluation_of_every_run_as_it_arrives():
    curve = LiveTrainingCurve(time_budget=60, chance=0.25, plateau=0.5, mode="static")
    drawn = []
    follow = curve.follow("LSTM")

    def callback(history):
        follow(history)
        drawn.append(curve.lines["LSTM"].get_xydata().copy())   # what is on the figure at that moment
    history = rrnn.train(small_model(), RECALL, steps=60, batch_size=32, lr=0.05, eval_every=20,
                         eval_batch_size=100, rng=0, progress=False, callback=callback)
    assert len(drawn) == len(history["eval_step"]) == 4 and curve.updates == 4
    seconds, accuracy = accuracy_curve(history)
    np.testing.assert_array_equal(drawn[-1], np.column_stack([seconds, accuracy]))
    assert [len(d) for d in drawn] == [1, 2, 3, 4]          # one more point per evaluation
    assert curve.blits >= 2                                # the axes stay fixed: later updates only blit
    assert "LSTM: step 60" in curve.status.get_text()

    second = rrnn.train(small_model(1), RECALL, steps=20, batch_size=32, lr=0.05, eval_every=10,
                        eval_batch_size=100, rng=1, progress=False, callback=curve.follow("RMC"))
    assert set(curve.runs) == {"LSTM", "RMC"} and curve.runs["RMC"] is second
    assert len(curve.lines["RMC"].get_xdata()) == 3 and len(curve.lines["LSTM"].get_xdata()) == 4


def test_accuracy_curve_and_first_time_above_read_the_history():
    history = {"seconds": [0.5, 1.0, 1.5, 2.0], "eval_step": [0, 2, 4], "test_accuracy": [0.25, 0.5, 0.7]}
    seconds, accuracy = accuracy_curve(history)
    np.testing.assert_array_equal(seconds, [0.0, 1.0, 2.0])
    assert first_time_above(history, 0.5) == 1.0 and first_time_above(history, 0.6) == 2.0
    assert first_time_above(history, 0.9) is None
    assert first_step_above(history, 0.5) == 2 and first_step_above(history, 0.9) is None


def test_a_curve_needs_a_positive_time_budget():
    with pytest.raises(ValueError, match="time_budget must be > 0 seconds, got 0"):
        LiveTrainingCurve(time_budget=0)


def test_a_curve_by_step_plots_each_evaluation_at_its_step_and_marks_the_target():
    curve = LiveTrainingCurve(steps=40, chance=0.25, plateau=0.5, target=0.55, mode="static")
    history = rrnn.train(small_model(), RECALL, steps=40, batch_size=32, lr=0.05, eval_every=10,
                         eval_batch_size=100, rng=0, progress=False, callback=curve.follow("RMC"))
    np.testing.assert_array_equal(curve.lines["RMC"].get_xdata(), history["eval_step"])
    np.testing.assert_array_equal(curve.lines["RMC"].get_ydata(), history["test_accuracy"])
    assert curve.ax.get_xlim() == (0, 40) and "training step" in curve.ax.get_xlabel()
    assert sorted(line.get_ydata()[0] for line in curve.ax.lines[:3]) == [0.25, 0.5, 0.55]
    assert "RMC: step 40" in curve.status.get_text()


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "exactly one of steps"), (dict(time_budget=10, steps=10), "exactly one of steps"),
    (dict(steps=0), "steps must be a positive whole number"), (dict(steps=2.5), "steps must be a positive whole number")])
def test_a_curve_needs_either_a_step_cap_or_a_time_budget(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LiveTrainingCurve(**kwargs, mode="static")


def test_the_live_run_leaves_the_plateau_then_climbs_a_fixed_number_of_steps_or_stops_at_the_cap():
    """The notebook's and the experiment's live run: bounded by steps; LIVE_CLIMB_STEPS after LEFT_PLATEAU."""
    import runpy
    from pathlib import Path

    from rrnn.ablations import LEFT_PLATEAU
    from rrnn.training import LIVE_CLIMB_STEPS, LIVE_STEP_CAP, run_from_command
    script = runpy.run_path(str(Path(__file__).resolve().parents[1] / "experiments/live_training/run.py"))
    argv = script["live_argv"](3)
    model, task, keywords = run_from_command(argv)
    assert keywords["steps"] == LIVE_STEP_CAP and keywords["stop_at_accuracy"] == LEFT_PLATEAU == 0.55
    assert keywords["then_steps"] == LIVE_CLIMB_STEPS == 400
    assert keywords["time_budget"] is None and keywords["lr"] == 1e-3 and keywords["batch_size"] == 1024
    assert run_from_command(script["live_argv"](3, script["VARIANTS"]["lr2e-3"]))[2]["lr"] == 2e-3
    # A run that reaches the target trains then_steps more steps; the curve rings where it first got there.
    curve = LiveTrainingCurve(steps=200, target=0.5, mode="static")
    history = rrnn.train(small_model(), RECALL, steps=200, batch_size=32, lr=0.05, eval_every=10,
                         eval_batch_size=100, rng=0, progress=False, stop_at_accuracy=0.5, then_steps=30,
                         callback=curve.follow("RMC"))
    reached = history["target_step"]
    assert history["stop_reason"] == "accuracy" and len(history["loss"]) == reached + 30 < 200
    first = history["eval_step"].index(reached)
    assert history["test_accuracy"][first] >= 0.5 > max(history["test_accuracy"][:first])
    assert curve.lines["RMC"].get_xdata()[-1] == len(history["loss"])
    np.testing.assert_array_equal(curve.reached.get_xydata(), [[reached, history["test_accuracy"][first]]])
    assert curve.reached_labels[0].get_text() == f"left the plateau: step {reached:,}"


def test_the_curve_names_the_target_line_left_the_plateau_and_rings_nothing_before_it_is_reached():
    curve = LiveTrainingCurve(steps=100, chance=0.25, plateau=0.5, target=0.55, mode="static")
    assert "left the plateau" in [t.get_text() for t in curve.ax.texts]
    curve.follow("LSTM")({"eval_step": [0, 50], "test_accuracy": [0.6, 0.5], "seconds": [0.1] * 50})
    assert len(curve.reached.get_xdata()) == 0 and all(t.get_text() == "" for t in curve.reached_labels)


def test_the_notebooks_live_run_is_the_recorded_command(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from rrnn.training import LIVE_NTH_FARTHEST, run_from_command
    argv = [*LIVE_NTH_FARTHEST, "--seed", "0", "--steps", "6", "--eval-every", "3", "--eval-batch-size", "64", "--batch-size", "32",
            "--no-progress"]
    subprocess.run([sys.executable, "-m", "rrnn.train", *argv, "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    cli = json.loads((tmp_path / "history.json").read_text())["history"]
    model, task, keywords = run_from_command(argv)
    here = rrnn.train(model, task, **keywords)
    assert here["loss"] == cli["loss"] and here["test_accuracy"] == cli["test_accuracy"]


def test_the_live_training_experiment_imports_no_widgets_or_plotting():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    check = ("import sys, runpy; sys.argv = ['run.py', '--help']\n"
             "try:\n    runpy.run_path('experiments/live_training/run.py', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(sorted({name.split('.')[0] for name in sys.modules} & {'ipywidgets', 'matplotlib', 'ipympl'}))")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=repo, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "The training notebook's live run" in result.stdout          # --help ran
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_the_live_record_keeps_every_variant_with_its_rule_and_its_steps_to_leave_and_to_end():
    import json
    import runpy
    from pathlib import Path

    from rrnn.training import live_runs_summary
    here = Path(__file__).resolve().parents[1] / "experiments/live_training"
    record = json.loads((here / "record.json").read_text())
    assert {"live", "lr2e-3"} <= set(record["variants"])
    for entry in record["variants"].values():
        assert {"then_steps", "step_cap", "machine"} <= set(entry)
        for run in entry["runs"]:
            assert run["step_to_end"] >= (run["step_to_left"] or 0) and run["seconds_to_end"] > 0
        assert entry["summary"] == live_runs_summary(entry["runs"])
    table = runpy.run_path(str(here / "run.py"))["table"](record)
    assert "| lr2e-3 |" in table and "ended at step" in table


def test_the_live_record_is_found_from_the_package_whatever_the_working_directory():
    from rrnn.training import LIVE_RECORD
    assert LIVE_RECORD.is_file() and LIVE_RECORD.parts[-3:] == ("experiments", "live_training", "record.json")
