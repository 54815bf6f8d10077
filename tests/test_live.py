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
