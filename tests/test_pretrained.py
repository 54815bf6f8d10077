"""The shipped models are what the docs say they are, and their commands reproduce them."""
import json
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from rrnn import models, pretrained, tasks


@pytest.fixture(scope="module")
def fresh_questions():
    return tasks.nth_farthest(2000, 4, 4, rng=123)


@pytest.mark.parametrize("name", pretrained.NAMES)
def test_shipped_files_are_small_and_load(name):
    folder = resources.files("rrnn.pretrained")
    assert (folder / f"nth_farthest_{name}.npz").stat().st_size < 1_000_000
    model, record = pretrained.load(name)
    assert model.spec["model"] == name and model.dtype == np.float32
    assert models.build(record["spec"], rng=0).spec == model.spec and record["argv"][:2] == ["--task", "nth-farthest"]


def test_only_the_rmc_left_the_plateau(fresh_questions):
    X, y = fresh_questions
    accuracy = {name: float((pretrained.load(name)[0].predict(X) == y).mean()) for name in pretrained.NAMES}
    assert accuracy["rmc"] > 0.75, accuracy
    assert 0.45 < accuracy["lstm"] < 0.55 and 0.45 < accuracy["hybrid"] < 0.55, accuracy


@pytest.mark.parametrize("name", pretrained.NAMES)
def test_the_recorded_command_reproduces_the_start_of_the_run(name, tmp_path):
    _, record = pretrained.load(name)
    argv = list(record["argv"])
    argv[argv.index("--steps") + 1] = "30"          # the same run, cut short
    argv[argv.index("--out") + 1] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "rrnn.train", *argv], check=True, capture_output=True, timeout=300)
    rerun = json.loads((tmp_path / "history.json").read_text())["history"]["loss"]
    logged = record["history"]["step"][:3]           # the record keeps every 10th step, rounded
    # bit-exact on the machine that made it. On another CPU float32 BLAS kernels round differently,
    # and training amplifies that step by step (measured: 3e-4 apart at step 30 for the RMC on one
    # host, 2e-4 on another), so the tolerance grows with the step; a different command (another
    # seed, learning rate or size) is 1e-2 or more apart by step 10.
    for step, loss in zip(logged, record["history"]["loss"][:3]):
        assert rerun[step - 1] == pytest.approx(loss, abs=2e-4 * step / 10), (step, rerun[step - 1], loss)


@pytest.mark.parametrize("text, message", [("{not json", "is not a valid JSON training record"),
                                           ("null", r"must hold a JSON object \(a training record\), got NoneType")])
def test_a_broken_shipped_record_is_refused_naming_its_file(tmp_path, monkeypatch, text, message):
    folder = resources.files("rrnn.pretrained")
    (tmp_path / "nth_farthest_rmc.npz").write_bytes((folder / "nth_farthest_rmc.npz").read_bytes())
    (tmp_path / "nth_farthest_rmc.json").write_text(text)
    monkeypatch.setattr(pretrained.resources, "files", lambda package: tmp_path)
    with pytest.raises(ValueError, match=message) as caught:
        pretrained.load("rmc")
    assert "nth_farthest_rmc.json" in str(caught.value)


# ---------------------------------------------------------------- the seed studies' trained models
@pytest.mark.parametrize("name", pretrained.PATTERN_MODELS)
def test_which_pattern_models_are_small_load_and_name_the_pattern(name):
    stem = pretrained.file_stem(name, "which-pattern")
    assert (resources.files("rrnn.pretrained") / f"{stem}.npz").stat().st_size < 1_000_000
    model, record = pretrained.load(name, task="which-pattern")
    assert record["argv"][:2] == ["--task", "which-pattern"] and record["seed"] == 0
    assert record["argv"] == [*pretrained.PATTERN_COMMON, *pretrained.PATTERN_FLAGS[name], "--seed", "0",
                              "--out", f"experiments/which_pattern/runs/{name}-s0", "--overwrite"]
    X, y = tasks.which_pattern(1000, rng=321)                     # fresh sequences, chance 1/9
    assert (model.predict(X) == y).mean() > 0.6


@pytest.mark.parametrize("name", ["rmc-1slot", "hybrid", "lstm"])
def test_a_which_pattern_command_reproduces_the_start_of_its_run(name, tmp_path):
    _, record = pretrained.load(name, task="which-pattern")
    argv = list(record["argv"])
    argv[argv.index("--steps") + 1] = "10"
    argv[argv.index("--out") + 1] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "rrnn.train", *argv], check=True, capture_output=True, timeout=300)
    rerun = json.loads((tmp_path / "history.json").read_text())["history"]["loss"]
    assert rerun == pytest.approx(record["history"]["loss"][:10], abs=2e-4)   # the record keeps steps 1-10 exactly


def test_unknown_names_and_tasks_are_refused_naming_the_choices():
    with pytest.raises(ValueError, match=r"task must be one of \('nth-farthest', 'which-pattern'\)"):
        pretrained.load("rmc", task="patterns")
    with pytest.raises(ValueError, match="name must be one of .*'rmc-4slots'.* for task 'which-pattern'"):
        pretrained.load("rmc", task="which-pattern")
    with pytest.raises(ValueError, match=r"num_slots must be one of \(1, 2, 4, 8\)"):
        pretrained.rmc_name(3)


@pytest.mark.parametrize("call, error, named, word", [
    (lambda: pretrained.load("lstm", task=["nth-farthest"]), TypeError, "task", "nth-farthest"),
    (lambda: pretrained.load(["lstm"]), TypeError, "name", "one of"),
    (lambda: pretrained.rmc_name(4.0), TypeError, "num_slots", "int"),
    (lambda: pretrained.rmc_name(True), TypeError, "num_slots", "int"),
    (lambda: pretrained.rmc_name("4"), TypeError, "num_slots", "int"),
])
def test_arguments_of_the_wrong_type_are_named_not_unhashable(call, error, named, word):
    with pytest.raises(error, match=rf"^{named} must") as info:
        call()
    assert word in str(info.value)


def test_a_numpy_int_slot_count_is_an_int():
    assert pretrained.rmc_name(np.int64(4)) == "rmc-4slots"
