"""train(): it learns, records what it says, is reproducible, stops when told; the CLI."""
import functools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rrnn import io, models, tasks, training
from rrnn.training import cross_entropy_and_accuracy, train

REPO = Path(__file__).resolve().parents[1]


class SoftmaxRegression:
    """A stand-in classifier with the rrnn.models contract: a linear map of the whole sequence."""

    def __init__(self, steps, features, classes, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        self.spec = {"model": "softmax", "steps": steps, "features": features, "classes": classes}
        self.params = {"W": np.zeros((steps * features, classes), dtype), "b": np.zeros(classes, dtype)}

    def logits(self, X):
        return X.reshape(len(X), -1) @ self.params["W"] + self.params["b"]

    def predict(self, X):
        return self.logits(X).argmax(axis=1)

    def loss(self, X, y, return_logits=False):
        flat = X.reshape(len(X), -1)
        z = logits = self.logits(X)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y]).mean()
        p[np.arange(len(y)), y] -= 1.0
        dz = p / len(y)
        grads = {"W": flat.T @ dz, "b": dz.sum(axis=0)}
        return (float(loss), grads, logits) if return_logits else (float(loss), grads)


# num_pairs=1: the answer is in step 0, so a linear read-out of the whole sequence can copy it.
EASY = functools.partial(tasks.associative_recall, num_pairs=1, num_keys=3, num_values=4)


def easy_model(dtype=np.float64):
    return SoftmaxRegression(steps=2, features=3 + 4 + 1, classes=4, dtype=dtype)


def quiet(**overrides):
    return dict(steps=60, batch_size=32, lr=0.1, eval_every=20, eval_batch_size=200, rng=0, progress=False) | overrides


def test_cross_entropy_and_accuracy_by_hand():
    logits = np.array([[0.0, np.log(3.0)], [2.0, 0.0]])   # softmax rows: (1/4, 3/4) and (., .)
    loss, acc = cross_entropy_and_accuracy(logits, np.array([1, 1]))
    expected = -(np.log(0.75) + np.log(1 / (1 + np.exp(2.0)))) / 2
    assert loss == pytest.approx(expected, rel=1e-12) and acc == 0.5


def test_training_learns_the_easy_task():
    history = train(easy_model(), EASY, **quiet())
    assert history["test_accuracy"][0] == pytest.approx(0.25, abs=0.1)   # zero weights: chance
    assert history["test_accuracy"][-1] == 1.0
    assert np.mean(history["loss"][-10:]) < 0.5 * history["loss"][0]


def test_history_records_every_step_and_every_evaluation():
    history = train(easy_model(), EASY, **quiet(steps=45, eval_every=20))
    for key in ("loss", "train_accuracy", "grad_norm", "seconds"):
        assert len(history[key]) == 45, key
    assert history["eval_step"] == [0, 20, 40, 45]
    assert len(history["test_loss"]) == len(history["test_accuracy"]) == 4
    assert np.all(np.diff(history["seconds"]) >= 0) and history["seconds"][0] > 0
    assert all(0.0 <= a <= 1.0 for a in history["train_accuracy"] + history["test_accuracy"])
    assert history["stop_reason"] == "steps"
    json.dumps(history)   # JSON-able as it is


def test_the_recorded_numbers_are_the_models_own():
    """Loss and grad norm of step 1 are those of the first training batch at the initial weights."""
    model = easy_model()
    model.params["W"] += np.random.default_rng(1).standard_normal(model.params["W"].shape)
    initial = {k: v.copy() for k, v in model.params.items()}
    batches = []

    def recording_task(batch_size, rng):
        batch = EASY(batch_size, rng=rng)
        batches.append(batch)
        return batch

    history = train(model, recording_task, **quiet(steps=1, eval_batch_size=50))
    (X_test, y_test), (X, y) = batches                 # the held-out batch is drawn first
    assert len(y_test) == 50 and len(y) == 32
    fresh = easy_model()
    fresh.params = initial
    loss, grads = fresh.loss(X, y)
    assert history["loss"][0] == loss
    assert history["grad_norm"][0] == pytest.approx(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
    assert history["train_accuracy"][0] == np.mean(fresh.predict(X) == y)
    assert history["test_loss"][0] == pytest.approx(cross_entropy_and_accuracy(fresh.logits(X_test), y_test)[0])


def test_the_held_out_batch_does_not_depend_on_the_training_settings():
    seen = []

    def recording_task(batch_size, rng):
        batch = EASY(batch_size, rng=rng)
        seen.append(batch[0])
        return batch

    train(easy_model(), recording_task, **quiet(steps=3, batch_size=8, eval_batch_size=8))
    first = seen[0]
    assert not any(np.array_equal(first, X) for X in seen[1:]), "training must not reuse the held-out stream"
    seen.clear()
    train(easy_model(), recording_task, **quiet(steps=7, batch_size=16, eval_batch_size=8, optimizer="sgd"))
    assert seen[0].tobytes() == first.tobytes()


def test_same_seed_same_history_different_seed_different_history():
    a, b = (train(easy_model(), EASY, **quiet(rng=4)) for _ in range(2))
    c = train(easy_model(), EASY, **quiet(rng=5))
    for key in ("loss", "grad_norm", "test_loss"):
        assert a[key] == b[key], key
    assert a["loss"] != c["loss"]


def test_clip_limits_each_update():
    """With SGD, clipping to c makes every update exactly lr * c long while the raw norm is larger."""
    model = easy_model()
    before = {k: v.copy() for k, v in model.params.items()}
    history = train(model, EASY, **quiet(steps=1, optimizer="sgd", lr=0.5, clip=1e-3))
    step = np.sqrt(sum(((model.params[k] - before[k]) ** 2).sum() for k in before))
    assert history["grad_norm"][0] > 1e-3
    assert step == pytest.approx(0.5 * 1e-3, rel=1e-9)


def test_time_budget_stops_early_and_evaluates_where_it_stopped():
    history = train(easy_model(), EASY, **quiet(steps=1000, time_budget=1e-9))
    assert len(history["loss"]) == 1 and history["stop_reason"] == "time_budget"
    assert history["eval_step"] == [0, 1]


def test_stop_at_accuracy_stops_at_the_first_evaluation_that_reaches_it():
    full = train(easy_model(), EASY, **quiet(steps=200, eval_every=10))
    level = 0.9
    first = next(s for s, a in zip(full["eval_step"], full["test_accuracy"]) if s and a >= level)
    history = train(easy_model(), EASY, **quiet(steps=200, eval_every=10, stop_at_accuracy=level))
    assert history["stop_reason"] == "accuracy" and len(history["loss"]) == first < 200
    assert history["test_accuracy"] == full["test_accuracy"][:len(history["eval_step"])]   # the same run, cut
    assert history["loss"] == full["loss"][:first]


def test_then_steps_trains_that_many_more_steps_after_the_target_and_records_where_it_was_reached():
    full = train(easy_model(), EASY, **quiet(steps=200, eval_every=10))
    first = next(s for s, a in zip(full["eval_step"], full["test_accuracy"]) if s and a >= 0.9)
    history = train(easy_model(), EASY, **quiet(steps=200, eval_every=10, stop_at_accuracy=0.9, then_steps=25))
    assert history["stop_reason"] == "accuracy" and history["target_step"] == first
    assert len(history["loss"]) == first + 25 < 200 and history["eval_step"][-1] == first + 25   # evaluated at its end
    assert history["loss"] == full["loss"][:first + 25]                                   # the same run, cut later
    assert train(easy_model(), EASY, **quiet(steps=200, eval_every=10, stop_at_accuracy=0.9))["target_step"] == first


def test_then_steps_past_the_cap_stops_at_the_cap():
    history = train(easy_model(), EASY, **quiet(steps=40, eval_every=10, stop_at_accuracy=0.01, then_steps=1000))
    assert history["stop_reason"] == "steps" and len(history["loss"]) == 40 and history["target_step"] == 10


def test_a_run_without_a_target_records_no_target_step():
    assert train(easy_model(), EASY, **quiet(steps=5))["target_step"] is None


def test_the_bar_says_the_target_was_reached_and_how_many_steps_followed(capsys):
    history = train(easy_model(), EASY, **quiet(steps=200, eval_every=1, progress=True, stop_at_accuracy=0.01,
                                               then_steps=5))
    last = capsys.readouterr().err.split("\r")[-1]
    assert history["stop_reason"] == "accuracy" and "6/6" in last               # the bar's end moved to step 1 + 5
    assert "stopped: target +5 steps" in last and history["target_step"] == 1


def test_stop_at_accuracy_above_what_is_reached_runs_every_step():
    history = train(easy_model(), EASY, **quiet(steps=30, stop_at_accuracy=1.0, lr=1e-4))
    assert history["stop_reason"] == "steps" and len(history["loss"]) == 30


def test_a_non_finite_loss_stops_training_before_the_update():
    model = easy_model()
    model.params["b"][0] = np.inf
    before = {k: v.copy() for k, v in model.params.items()}
    with np.errstate(invalid="ignore"):
        history = train(model, EASY, **quiet())
    assert history["stop_reason"] == "non_finite_loss" and history["loss"] == []
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])


def test_progress_bar_goes_to_stderr_only_when_asked(capsys):
    train(easy_model(), EASY, **quiet(steps=3))
    assert capsys.readouterr() == ("", "")
    train(easy_model(), EASY, **quiet(steps=3, progress=True))
    out, err = capsys.readouterr()
    assert out == "" and "3/3" in err and "loss=" in err


def test_progress_bar_ends_on_the_final_state_and_why_it_stopped(capsys):
    history = train(easy_model(), EASY, **quiet(steps=200, eval_every=1, progress=True, stop_at_accuracy=0.01))
    last = capsys.readouterr().err.split("\r")[-1]
    assert history["stop_reason"] == "accuracy" and "1/200" in last and "stopped: target accuracy" in last
    assert "<" not in last                         # no time left to estimate once the run has stopped


def test_a_notebook_bar_updates_its_display_at_the_end(monkeypatch):
    """In Jupyter the widget's text form (what a saved notebook shows) is taken when it is displayed;
    the bar is displayed with a display id and updated at the end, so the saved text is the final state."""
    tqdm_notebook = pytest.importorskip("tqdm.notebook").tqdm
    import IPython.display
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(repr(obj))

    monkeypatch.setattr(training, "tqdm", tqdm_notebook)
    monkeypatch.setattr(IPython.display, "display", lambda obj, display_id=None: shown.append(repr(obj)) or Handle())
    train(easy_model(), EASY, **quiet(steps=3, progress=True))
    assert len(shown) == 2 and "0/3" in shown[0], shown
    assert "3/3" in shown[1] and "stopped: all steps" in shown[1] and len(shown[1]) <= 110, shown


@pytest.mark.parametrize("overrides, error, message", [
    (dict(steps=0), ValueError, r"steps must be a positive int \(>= 1\), got 0"),
    (dict(batch_size=2.5), TypeError, r"batch_size must be a positive int, got 2.5"),
    (dict(optimizer="rmsprop"), ValueError, r"optimizer must be one of \['adam', 'sgd'\], got 'rmsprop'"),
    (dict(lr=0), ValueError, r"lr must be > 0, got 0.0"),
    (dict(clip=-1), ValueError, r"clip must be None or > 0, got -1.0"),
    (dict(time_budget=0), ValueError, r"time_budget must be None or > 0, got 0.0"),
    (dict(eval_every=0), ValueError, r"eval_every must be a positive int \(>= 1\), got 0"),
    (dict(optimizer=["adam"]), ValueError, r"optimizer must be one of \['adam', 'sgd'\], got \['adam'\]"),
    (dict(batch_size=0), ValueError, r"batch_size must be a positive int \(>= 1\), got 0"),
    (dict(stop_at_accuracy=1.5), ValueError, r"stop_at_accuracy must be None or in \(0, 1\], got 1.5"),
    (dict(stop_at_accuracy=0), ValueError, r"stop_at_accuracy must be None or > 0, got 0.0"),
    (dict(then_steps=10), ValueError, r"then_steps=10 needs stop_at_accuracy"),
    (dict(then_steps=-1, stop_at_accuracy=0.5), ValueError, r"then_steps must be a whole number of steps >= 0, got -1"),
    (dict(then_steps=2.5, stop_at_accuracy=0.5), ValueError, r"then_steps must be a whole number of steps >= 0, got 2.5"),
    (dict(then_steps=True, stop_at_accuracy=0.5), ValueError, r"then_steps must be a whole number of steps >= 0, got True"),
])
def test_bad_arguments_are_named(overrides, error, message):
    with pytest.raises(error, match=message):
        train(easy_model(), EASY, **quiet(**overrides))


def test_bad_model_and_task_are_named():
    with pytest.raises(TypeError, match=r"task must be callable as task\(batch_size, rng=...\), got int"):
        train(easy_model(), 3, **quiet())
    with pytest.raises(TypeError, match=r"model must have .params, .loss\(X, y\) and .logits\(X\).*got NoLoss without .loss"):
        train(type("NoLoss", (), {"params": {}})(), EASY, **quiet())


def test_a_task_whose_labels_do_not_fit_is_refused_before_any_step():
    model = models.build(dict(model="lstm", input_size=8, hidden_size=4, num_classes=3, head_sizes=[4]), rng=0)
    before = {k: v.copy() for k, v in model.params.items()}
    four_values = functools.partial(tasks.associative_recall, num_pairs=1, num_keys=3, num_values=4)  # labels 0..3
    with pytest.raises(ValueError, match=r"task returned a held-out batch that does not fit the model: "
                                         r"y must hold labels in \[0, 3\)"):
        train(model, four_values, **quiet())
    with pytest.raises(TypeError, match=r"task must return a pair \(X, y\), got ndarray"):
        train(model, lambda B, rng: np.zeros((B, 2, 8)), **quiet())
    assert all(np.array_equal(before[k], model.params[k]) for k in before)


def test_an_update_that_would_blow_up_the_weights_stops_training_and_keeps_them_finite():
    model = easy_model()
    with np.errstate(all="ignore"):             # the stand-in model's own log(0) and overflow
        history = train(model, EASY, **quiet(optimizer="sgd", lr=1e308))
    assert history["stop_reason"] in ("non_finite_update", "non_finite_loss")
    assert all(np.isfinite(p).all() for p in model.params.values())
    json.dumps(history, allow_nan=False)        # the history stays valid JSON: None where not finite


def test_ctrl_c_stops_after_the_current_step_and_returns_the_history():
    import os
    import signal

    def task(batch_size, rng):
        if len(calls) == 4:                     # the held-out batch, then three training batches
            os.kill(os.getpid(), signal.SIGINT)
        calls.append(batch_size)
        return EASY(batch_size, rng=rng)
    calls = []
    # start from Python's own handler, whatever an earlier test in this worker left installed
    # (a notebook kernel or server started in-process may set SIGINT to be ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        history = train(easy_model(), task, **quiet(steps=1000))
        restored = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert history["stop_reason"] == "interrupted" and len(history["loss"]) == 4
    assert history["eval_step"] == [0, 4]       # evaluated where it stopped
    assert restored is signal.default_int_handler


# ---------------------------------------------------------------- the real classifiers
RECALL = functools.partial(tasks.associative_recall, num_pairs=2, num_keys=4, num_values=4)


@pytest.mark.parametrize("spec", [
    dict(model="lstm", hidden_size=32),
    dict(model="rmc", num_slots=2, head_size=8, num_heads=2),
], ids=["lstm", "rmc"])
def test_real_classifiers_learn_associative_recall(spec):
    model = models.build({**spec, "input_size": 9, "num_classes": 4, "head_sizes": [32]}, rng=0)
    history = train(model, RECALL, **quiet(steps=300, batch_size=64, lr=3e-3, eval_every=100, eval_batch_size=500))
    assert history["test_accuracy"][0] < 0.4                 # chance is 1/4
    assert history["test_accuracy"][-1] > 0.55
    assert np.mean(history["loss"][-20:]) < 0.75 * np.mean(history["loss"][:20])


def test_float32_training_stays_float32():
    model = models.build(dict(model="rmc", input_size=16, num_classes=4, num_slots=2, head_size=4, num_heads=1,
                              head_sizes=[8], dtype="float32"), rng=0)
    before = {k: v.copy() for k, v in model.params.items()}
    task = functools.partial(tasks.nth_farthest, num_vectors=4, vector_dim=4)
    history = train(model, task, **quiet(steps=3, lr=1e-3))
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float32)}
    assert any(not np.array_equal(before[k], model.params[k]) for k in before)
    assert all(np.isfinite(history["loss"]))


# ---------------------------------------------------------------- command line
def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "rrnn.train", *args], capture_output=True, text=True,
                          cwd=REPO, env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}, timeout=300)


@pytest.mark.parametrize("model, task, flags", [
    ("rmc", "nth-farthest", ["--num-slots", "2", "--head-size", "4", "--num-heads", "2", "--float32"]),
    ("lstm", "associative-recall", ["--hidden-size", "8", "--num-pairs", "2", "--num-keys", "3"]),
    ("hybrid", "nth-farthest", ["--hidden-size", "8", "--num-slots", "2", "--slot-size", "4", "--num-heads", "2"]),
])
def test_cli_writes_loadable_weights_and_history(tmp_path, model, task, flags):
    out = tmp_path / "run"
    argv = ["--task", task, "--model", model, "--steps", "4", "--batch-size", "8", "--lr", "1e-3",
            "--seed", "3", "--out", str(out), "--eval-every", "2", "--eval-batch-size", "16",
            "--head-sizes", "8", "--no-progress", *flags]
    result = run_cli(*argv)
    assert result.returncode == 0, result.stderr
    assert "4 steps" in result.stdout
    loaded = io.load(out / "weights.npz")
    assert loaded.spec["model"] == model and loaded.spec["head_sizes"] == [8]
    assert loaded.spec["dtype"] == ("float32" if "--float32" in flags else "float64")
    record = json.loads((out / "history.json").read_text())
    assert record["seed"] == 3 and record["argv"] == argv and record["spec"] == loaded.spec
    assert record["args"]["steps"] == 4 and record["args"]["model"] == model
    assert len(record["history"]["loss"]) == 4 and record["history"]["eval_step"] == [0, 2, 4]


@pytest.mark.parametrize("model, flags, expected", [
    ("rmc", ["--gate-style", "none"], dict(gate_style=None, attention=True)),
    ("rmc", ["--no-attention", "--gate-style", "memory"], dict(gate_style="memory", attention=False)),
    ("hybrid", ["--readout", "flat"], dict(readout="flat", memory_input="h")),
    ("hybrid", ["--memory-input", "x"], dict(readout="mean", memory_input="x")),
])
def test_cli_ablation_flags_build_the_variant(tmp_path, model, flags, expected):
    sizes = ["--num-slots", "2", "--head-size", "4", "--num-heads", "2"] if model == "rmc" else \
        ["--hidden-size", "8", "--num-slots", "2", "--slot-size", "4", "--num-heads", "2"]
    result = run_cli("--model", model, "--steps", "2", "--batch-size", "8", "--eval-batch-size", "8",
                     "--head-sizes", "8", "--no-progress", "--out", str(tmp_path), *sizes, *flags)
    assert result.returncode == 0, result.stderr
    spec = io.load(tmp_path / "weights.npz").spec
    assert {key: spec[key] for key in expected} == expected


def test_cli_stop_at_accuracy_says_why_it_stopped(tmp_path):
    result = run_cli("--task", "associative-recall", "--num-pairs", "1", "--num-keys", "2", "--num-values", "2",
                     "--model", "lstm", "--hidden-size", "8", "--head-sizes", "8", "--steps", "2000",
                     "--batch-size", "64", "--lr", "1e-2", "--eval-every", "10", "--eval-batch-size", "200",
                     "--stop-at-accuracy", "0.95", "--no-progress", "--out", str(tmp_path))
    assert result.returncode == 0 and "(accuracy)" in result.stdout, result.stdout + result.stderr
    history = json.loads((tmp_path / "history.json").read_text())["history"]
    assert history["stop_reason"] == "accuracy" and history["test_accuracy"][-1] >= 0.95
    assert max(history["test_accuracy"][:-1]) < 0.95 and len(history["loss"]) < 2000


def test_cli_then_steps_trains_on_after_the_target(tmp_path):
    result = run_cli("--task", "associative-recall", "--num-pairs", "1", "--num-keys", "2", "--num-values", "2",
                     "--model", "lstm", "--hidden-size", "8", "--head-sizes", "8", "--steps", "2000",
                     "--batch-size", "64", "--lr", "1e-2", "--eval-every", "10", "--eval-batch-size", "200",
                     "--stop-at-accuracy", "0.95", "--then-steps", "30", "--no-progress", "--out", str(tmp_path))
    assert result.returncode == 0 and "(accuracy)" in result.stdout, result.stdout + result.stderr
    history = json.loads((tmp_path / "history.json").read_text())["history"]
    assert len(history["loss"]) == history["target_step"] + 30 and history["eval_step"][-1] == len(history["loss"])
    refused = run_cli("--steps", "5", "--then-steps", "-3", "--out", str(tmp_path / "x"))
    assert refused.returncode == 2 and "--then-steps" in refused.stderr and "non-negative int" in refused.stderr
    refused = run_cli("--task", "associative-recall", "--steps", "5", "--then-steps", "3", "--out", str(tmp_path / "y"))
    assert refused.returncode == 2 and "--then-steps 3 needs --stop-at-accuracy" in refused.stderr


def test_cli_same_seed_same_weights(tmp_path):
    argv = ["--task", "associative-recall", "--model", "lstm", "--steps", "3", "--batch-size", "8",
            "--hidden-size", "4", "--head-sizes", "4", "--eval-batch-size", "8", "--no-progress", "--seed", "11"]
    for name in ("a", "b"):
        assert run_cli(*argv, "--out", str(tmp_path / name)).returncode == 0
    a, b = (io.load(tmp_path / name / "weights.npz") for name in ("a", "b"))
    assert all(a.params[k].tobytes() == b.params[k].tobytes() for k in a.params)


@pytest.mark.parametrize("flags, message", [
    (["--steps", "0"], "--steps: expected a positive int, got '0'"),
    (["--steps", "2", "--lr", "-1"], "--lr: expected a positive float, got '-1'"),
    (["--steps", "2", "--task", "associative-recall", "--num-pairs", "5", "--num-keys", "3"],
     "num_keys must be >= num_pairs = 5"),
    (["--steps", "2", "--model", "cnn"], "--model: invalid choice: 'cnn'"),
])
def test_cli_usage_errors_exit_with_a_message(tmp_path, flags, message):
    result = run_cli(*flags, "--out", str(tmp_path / "x"), "--no-progress")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "x").exists()


def test_cli_checks_out_before_training(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    base = ["--steps", "2", "--no-progress"]
    for out, message in [(a_file, "is a file; it must be a directory"), (a_file / "run", "cannot be made"),
                         ("", "--out must name a directory, got an empty string")]:
        result = run_cli(*base, "--out", str(out))
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


SMALL_RUN = ["--task", "associative-recall", "--model", "lstm", "--hidden-size", "4", "--head-sizes", "4",
             "--batch-size", "8", "--eval-batch-size", "8", "--no-progress"]


def test_cli_refuses_to_replace_a_run_unless_told(tmp_path):
    out = str(tmp_path / "run")
    assert run_cli(*SMALL_RUN, "--steps", "2", "--seed", "1", "--out", out).returncode == 0
    first = (tmp_path / "run" / "weights.npz").read_bytes(), (tmp_path / "run" / "history.json").read_text()
    again = run_cli(*SMALL_RUN, "--steps", "2", "--seed", "2", "--out", out)
    assert again.returncode == 2 and "already holds a run (weights.npz, history.json); pass --overwrite" in again.stderr
    assert ((tmp_path / "run" / "weights.npz").read_bytes(), (tmp_path / "run" / "history.json").read_text()) == first
    assert run_cli(*SMALL_RUN, "--steps", "2", "--seed", "2", "--out", out, "--overwrite").returncode == 0
    assert io.read_json(tmp_path / "run" / "history.json")["seed"] == 2


@pytest.mark.parametrize("flags, message", [
    (["--seed", "-1"], "--seed: expected a non-negative int, got '-1'"),
    (["--batch-size", "1000000000"], "batch_size=1000000000 would need an array of shape (1000000000, 4, 17)"),
    (["--eval-batch-size", "1000000000"], "eval_batch_size=1000000000 would need an array"),
    (["--hidden-size", "1000000000"], "hidden_size=1000000000, num_classes=8, head_sizes=[4] would make a model"),
    (["--num-keys", "100000000", "--num-pairs", "2", "--batch-size", "100"], "num_keys=100000000"),
])
def test_cli_refuses_sizes_it_cannot_allocate_in_one_line(tmp_path, flags, message):
    argv = [*SMALL_RUN, "--steps", "2", *flags, "--out", str(tmp_path / "x")]
    result = run_cli(*argv)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x").exists()


def strict_json(path):
    def refuse(constant):
        raise ValueError(f"{path} holds {constant}, which is not JSON")
    return json.loads(Path(path).read_text(), parse_constant=refuse)


def test_cli_says_when_a_run_diverges_and_writes_valid_json(tmp_path):
    out = tmp_path / "run"
    result = run_cli(*SMALL_RUN, "--steps", "50", "--lr", "1e300", "--out", str(out))
    assert result.returncode == 1 and "diverged after" in result.stderr, result.stderr
    record = strict_json(out / "history.json")
    assert record["history"]["stop_reason"] in ("non_finite_loss", "non_finite_update")
    io.load(out / "weights.npz")                # what is written can be loaded


def test_cli_ctrl_c_stops_cleanly_and_keeps_the_run(tmp_path):
    import signal
    out = tmp_path / "run"
    argv = [*SMALL_RUN, "--steps", "1000000", "--out", str(out)]
    argv.remove("--no-progress")                # the bar says when training has started
    proc = subprocess.Popen([sys.executable, "-m", "rrnn.train", *argv], cwd=REPO, stderr=subprocess.PIPE,
                            env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    seen = b""
    while b"/1000000" not in seen:
        chunk = proc.stderr.read1(4096)
        assert chunk, f"the run ended before it trained: {seen!r}"
        seen += chunk
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == 130 and "interrupted after" in err and "kept what was trained so far" in err, err
    assert "Traceback" not in err
    record = strict_json(out / "history.json")
    assert record["history"]["stop_reason"] == "interrupted" and len(record["history"]["loss"]) >= 1
    io.load(out / "weights.npz")


# Page faults per training step in a fresh process, after `import rrnn` and, with "train", after one
# short rrnn.train call (which sets glibc's M_TOP_PAD, see rrnn/_malloc.py).
FAULTS_PER_STEP = """
import functools, resource, sys
import rrnn
model = rrnn.models.build(dict(model="rmc", input_size=16, num_classes=4, num_slots=2, head_size=32, num_heads=2,
                               head_sizes=[128, 128], dtype="float32"), rng=0)
task = functools.partial(rrnn.tasks.nth_farthest, num_vectors=4, vector_dim=4)
if sys.argv[1] == "train":
    rrnn.train(model, task, steps=1, batch_size=16, eval_batch_size=16, progress=False, rng=0)
X, y = task(1024, rng=0)
for _ in range(3):
    model.loss(X, y)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    model.loss(X, y)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def faults_per_step(after: str) -> float:
    result = subprocess.run([sys.executable, "-c", FAULTS_PER_STEP, after], capture_output=True, text=True,
                            check=True, cwd=REPO, env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
                            timeout=120)
    return float(result.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_training_makes_each_step_reuse_its_memory_and_importing_rrnn_changes_nothing():
    # With glibc's defaults each step faults its temporaries in again (tens of thousands of faults).
    assert faults_per_step("import") > 5000, "import rrnn alone should leave glibc's malloc settings alone"
    assert faults_per_step("train") < 1000, "rrnn.train should keep freed memory for the next step"


def test_a_held_out_evaluation_that_overflows_is_recorded_not_raised():
    model = models.build(dict(model="lstm", input_size=9, hidden_size=4, num_classes=4, head_sizes=[4]), rng=0)
    model.params["head0.b"][:] = 10.0
    model.params["head1.W"][:] = 1e308            # logits overflow from the first evaluation on
    with np.errstate(all="ignore"):
        history = train(model, RECALL, **quiet(steps=3))
    assert history["test_loss"][0] is None
    assert history["stop_reason"] in ("non_finite_loss", "non_finite_update")
    json.dumps(history, allow_nan=False)


def test_the_callback_sees_every_evaluation():
    seen = []
    history = train(easy_model(), EASY, **quiet(steps=40, eval_every=10, callback=lambda h: seen.append(
        (h["eval_step"][-1], h["test_accuracy"][-1], len(h["loss"])))))
    assert seen == [(s, a, s) for s, a in zip(history["eval_step"], history["test_accuracy"])]
    with pytest.raises(TypeError, match="callback must be None or callable"):
        train(easy_model(), EASY, **quiet(callback=3))


def test_thin_history_keeps_every_tenth_step_rounded_and_the_first_steps_exact():
    history = {"loss": [1 / 3 + s for s in range(25)], "train_accuracy": [0.5] * 25, "grad_norm": [2.0] * 25,
               "seconds": [0.1 * s for s in range(1, 26)], "eval_step": [0, 25], "test_accuracy": [0.2, 0.4]}
    thin = training.thin_history(history, exact_first=3)
    assert thin["step"] == [1, 2, 3, 10, 20]
    assert thin["loss"][:3] == history["loss"][:3] and thin["loss"][3] == round(history["loss"][9], 5)
    assert thin["eval_step"] == [0, 25] and thin["test_accuracy"] == [0.2, 0.4]
    assert history["loss"][3] == 1 / 3 + 3                              # the history itself is untouched
    assert training.thin_history(history)["step"] == [10, 20]


def test_importing_the_command_line_module_keeps_rrnn_train_the_function():
    check = ("import rrnn.train, rrnn.training\n"
             "import rrnn.train as imported\n"
             "print(rrnn.train is rrnn.training.train and imported is rrnn.training.train)")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.strip() == "True", result.stdout + result.stderr
    usage = subprocess.run([sys.executable, "-W", "error", "-m", "rrnn.train", "--help"], capture_output=True,
                           text=True, cwd=REPO, timeout=60)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: python -m rrnn.train"), usage.stderr


# ---------------------------------------------------------------- a run is written whole or not at all
def small_run(out, seed):
    """(model, history, args, argv) of a run of SMALL_RUN with ``seed``, as main would write it."""
    argv = [*SMALL_RUN, "--steps", "1", "--seed", str(seed), "--out", str(out)]
    args = training.parser().parse_args(argv)
    model, _, _ = training.build_run(args)
    history = {"loss": [1.0 + seed], "eval_step": [0], "test_accuracy": [0.5], "stop_reason": "steps"}
    return model, history, args, argv


def run_seed(out):
    """The seed of the run in ``out``, after checking its weights are that run's weights."""
    record = training.read_run(out)
    model, _, _, _ = small_run(out, record["seed"])
    loaded = io.load(Path(out) / "weights.npz")
    assert all(loaded.params[k].tobytes() == model.params[k].tobytes() for k in model.params), "mixed run"
    return record["seed"]


# every file operation of the final write; the k-th call raises
WRITE_OPERATIONS = [("os", "replace"), ("os", "link"), ("os", "fsync"), ("os", "chmod"), ("tempfile", "mkstemp"),
                    ("np", "savez")]


def fail_at_call(monkeypatch, k, error):
    import os as os_
    import tempfile as tempfile_
    modules, calls = {"os": os_, "tempfile": tempfile_, "np": np}, []
    for module, name in WRITE_OPERATIONS:
        def failing(*args, _real=getattr(modules[module], name), _name=name, **kwargs):
            calls.append(_name)
            if len(calls) == k + 1:
                raise error
            return _real(*args, **kwargs)
        monkeypatch.setattr(modules[module], name, failing)
    return calls


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")],
                         ids=["ctrl-c", "disk-full"])
@pytest.mark.parametrize("previous", [None, 1])
def test_an_interrupted_final_write_leaves_the_old_run_or_the_new_one(tmp_path, monkeypatch, error, previous):
    out = tmp_path / "run"
    out.mkdir()
    if previous is not None:
        training.write_run(*small_run(out, previous))
    k, outcomes = 0, set()
    while True:
        calls = fail_at_call(monkeypatch, k, error)
        try:
            training.write_run(*small_run(out, 2))
            failed = False
        except (KeyboardInterrupt, OSError) as err:
            assert err is error or str(out) in str(err), err     # an OSError names the run's file
            failed = True
        monkeypatch.undo()
        assert sorted(p.name for p in out.iterdir()) == ([] if previous is None and failed else
                                                         sorted(training.RUN_FILES)), (k, calls)
        if previous is not None or not failed:
            seed = run_seed(out)
            assert seed == (2 if not failed else previous), (k, calls)
            outcomes.add(seed)
        if not failed:
            break
        if previous is not None:        # put the previous run back for the next failure point
            training.write_run(*small_run(out, previous))
        else:
            assert not list(out.iterdir())
        k += 1
    assert k >= 6, calls                 # every operation of both files was made to fail in turn


def test_a_ctrl_c_during_the_renames_waits_until_both_are_done(tmp_path, monkeypatch):
    import os as os_
    import signal as signal_
    out = tmp_path / "run"
    out.mkdir()
    training.write_run(*small_run(out, 1))
    real_commit = io.commit

    def commit_with_ctrl_c(tmp, path):
        os_.kill(os_.getpid(), signal_.SIGINT)                 # arrives between the two renames
        real_commit(tmp, path)
    monkeypatch.setattr(io, "commit", commit_with_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        training.write_run(*small_run(out, 2))
    assert run_seed(out) == 2


def test_a_mixed_or_partial_run_folder_says_so(tmp_path):
    import shutil
    for name, seed in (("a", 1), ("b", 2)):
        (tmp_path / name).mkdir()
        training.write_run(*small_run(tmp_path / name, seed))
    shutil.copyfile(tmp_path / "b" / "weights.npz", tmp_path / "a" / "weights.npz")
    with pytest.raises(ValueError, match="holds a mixed run") as caught:
        training.load_run(tmp_path / "a")
    assert str(tmp_path / "a") in str(caught.value)
    (tmp_path / "b" / "history.json").unlink()
    with pytest.raises(ValueError, match=r"holds a partial run: weights.npz without history.json"):
        training.read_run(tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="no run in"):
        training.read_run(tmp_path)
    model, record = training.load_run(_written(tmp_path / "c", 3))
    assert record["seed"] == 3 and record["history"]["stop_reason"] == "steps"


def _written(out, seed):
    out.mkdir()
    training.write_run(*small_run(out, seed))
    return out


def cli_in_process(argv, capsys):
    try:
        status = training.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.err


def test_a_failed_final_write_keeps_the_run_elsewhere_and_says_where(tmp_path, capsys):
    out = _written(tmp_path / "run", 1)
    (out / "weights.npz").unlink()
    (out / "weights.npz").mkdir()                             # in the way of the new weights
    status, err = cli_in_process([*SMALL_RUN, "--steps", "2", "--seed", "2", "--out", str(out), "--overwrite"],
                                 capsys)
    assert status == 3 and "Traceback" not in err, err
    assert f"could not write the run to {out} (IsADirectoryError" in err and "weights.npz" in err, err
    kept = err.strip().rsplit("kept it in ", 1)[1].removesuffix(" instead")
    assert Path(kept).parent == tmp_path and training.read_run(kept)["seed"] == 2
    assert (out / "weights.npz").is_dir() and (out / "history.json").exists()   # the old record, untouched


def test_a_full_disk_everywhere_says_the_run_is_lost(tmp_path, capsys, monkeypatch):
    import os as os_

    def full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os_, "fsync", full)
    status, err = cli_in_process([*SMALL_RUN, "--steps", "2", "--out", str(tmp_path / "run")], capsys)
    monkeypatch.undo()
    assert status == 3 and "No space left on device" in err and "the trained model is lost" in err, err
    assert list((tmp_path / "run").iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_ctrl_c_while_the_run_is_written_waits_for_the_write(tmp_path, capsys, monkeypatch):
    import os as os_
    import signal as signal_
    out = _written(tmp_path / "run", 1)
    real_stage = io.stage

    def stage_with_signals(path, write):
        os_.kill(os_.getpid(), signal_.SIGINT)
        os_.kill(os_.getpid(), signal_.SIGINT)                 # two Ctrl-C while weights.npz is written
        return real_stage(path, write)
    monkeypatch.setattr(io, "stage", stage_with_signals)
    status, err = cli_in_process([*SMALL_RUN, "--steps", "2", "--seed", "2", "--out", str(out), "--overwrite"],
                                 capsys)
    assert status == 130 and "SIGINT and SIGINT while the run was written" in err and "in full" in err, err
    assert training.read_run(out)["seed"] == 2           # the trained weights, with their own record
