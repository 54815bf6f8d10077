"""save/load: bit-exact round trips, and every bad file raises without touching the model."""
import json
import os

import numpy as np
import pytest

from rrnn import io, models

TINY = {
    "lstm": dict(model="lstm", input_size=5, hidden_size=6, num_classes=3, head_sizes=[4]),
    "rmc": dict(model="rmc", input_size=5, num_classes=3, num_slots=2, head_size=4, num_heads=2, head_sizes=[4]),
    "hybrid": dict(model="hybrid", input_size=5, hidden_size=6, num_classes=3, num_slots=2, slot_size=4,
                   num_heads=2, head_sizes=[4]),
}


def tiny(name, dtype="float64", seed=0, **changes):
    return models.build({**TINY[name], "dtype": dtype, **changes}, rng=seed)


def snapshot(model):
    return {k: v.copy() for k, v in model.params.items()}


def assert_params_bitwise_equal(params, expected):
    assert params.keys() == expected.keys()
    for k in expected:
        assert params[k].dtype == expected[k].dtype, k
        assert params[k].tobytes() == expected[k].tobytes(), k


def write_npz(path, arrays):
    """An .npz written by hand, to build files that rrnn.io.save would never write."""
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def saved_arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(TINY))
def test_round_trip_rebuilds_the_model_bit_for_bit(tmp_path, name, dtype):
    model = tiny(name, dtype, seed=3)
    path = tmp_path / "model.npz"
    assert io.save(model, path) == str(path)
    loaded = io.load(path)
    assert type(loaded) is type(model) and loaded.spec == model.spec
    assert_params_bitwise_equal(loaded.params, model.params)
    X = np.random.default_rng(0).standard_normal((4, 3, 5))
    assert loaded.logits(X).tobytes() == model.logits(X).tobytes()


@pytest.mark.parametrize("name", sorted(TINY))
def test_load_into_an_existing_model_copies_in_place(tmp_path, name):
    saved, target = tiny(name, seed=1), tiny(name, seed=2)
    arrays = dict(target.params)                    # e.g. what an optimiser holds
    io.save(saved, tmp_path / "m.npz")
    assert io.load(tmp_path / "m.npz", target) is target
    assert_params_bitwise_equal(target.params, saved.params)
    assert all(target.params[k] is arrays[k] for k in arrays)


def test_the_file_is_plain_npz_with_a_json_spec(tmp_path):
    model = tiny("rmc")
    io.save(model, tmp_path / "m.npz")
    arrays = saved_arrays(tmp_path / "m.npz")       # allow_pickle=False: nothing is pickled
    spec = arrays.pop(io.SPEC_KEY)
    assert spec.shape == () and spec.dtype.kind == "U"
    assert json.loads(str(spec)) == model.spec
    assert arrays.keys() == model.params.keys()


def test_save_writes_exactly_the_given_path_and_overwrites(tmp_path):
    path = tmp_path / "weights"                     # no .npz suffix: NumPy alone would add one
    io.save(tiny("lstm", seed=1), path)
    io.save(tiny("lstm", seed=2), path)
    assert sorted(os.listdir(tmp_path)) == ["weights"]  # no leftover temporary file
    assert_params_bitwise_equal(io.load(path).params, tiny("lstm", seed=2).params)


# ---------------------------------------------------------------- bad files
def corrupt(kind, path, model):
    """Write a bad file of the given kind at ``path``, starting from a good save of ``model``."""
    io.save(model, path)
    arrays = saved_arrays(path)
    name = sorted(model.params)[0]
    if kind == "missing array":
        del arrays[name]
    elif kind == "extra array":
        arrays["head9.W"] = np.zeros(3)
    elif kind == "wrong shape":
        arrays[name] = np.zeros(arrays[name].shape + (1,))
    elif kind == "wrong dtype":
        arrays[name] = arrays[name].astype(np.float32)
    elif kind == "integer array":
        arrays[name] = np.zeros(arrays[name].shape, np.int64)
    elif kind == "no spec":
        del arrays[io.SPEC_KEY]
    elif kind == "spec not json":
        arrays[io.SPEC_KEY] = np.array("{'model': 'rmc'")
    elif kind == "spec not a string":
        arrays[io.SPEC_KEY] = np.zeros(3)
    elif kind == "spec without model":
        arrays[io.SPEC_KEY] = np.array(json.dumps({"input_size": 5}))
    elif kind == "different architecture":
        arrays[io.SPEC_KEY] = np.array(json.dumps({**model.spec, "num_classes": 4}))
    elif kind == "unknown model":
        arrays[io.SPEC_KEY] = np.array(json.dumps({**model.spec, "model": "transformer"}))
    elif kind == "pickled object":
        arrays[name] = np.array([{"a": 1}], dtype=object)
    if kind == "truncated":
        data = open(path, "rb").read()
        open(path, "wb").write(data[:len(data) // 2])
    elif kind == "not a zip":
        open(path, "wb").write(b"this is not an npz file at all")
    elif kind == "empty":
        open(path, "wb").close()
    else:
        write_npz(path, arrays)


BAD = {  # kind -> what the error must say (after the path)
    "missing array": r"does not fit the model: missing arrays \['core\.",
    "extra array": r"does not fit the model: unexpected arrays \['head9.W'\]",
    "wrong shape": r"has shape \(.*, 1\), the model expects",
    "wrong dtype": r"has dtype float32, the model expects float64",
    "integer array": r"has dtype int64, the model expects float64",
    "no spec": r"has no '__spec__' entry",
    "spec not json": r"'__spec__' is not valid JSON",
    "spec not a string": r"'__spec__' must be a 0-d unicode array holding JSON, got dtype float64 and shape \(3,\)",
    "spec without model": r"must be a JSON object with a 'model' entry",
    "truncated": r"is not a readable .npz model file",
    "not a zip": r"is not a readable .npz model file",
    "empty": r"is not a readable .npz model file",
    "pickled object": r"is not a readable .npz model file",
}


@pytest.mark.parametrize("kind", sorted(BAD) + ["different architecture"])
def test_a_bad_file_raises_and_leaves_the_model_untouched(tmp_path, kind):
    model = tiny("rmc", seed=5)
    path = tmp_path / "bad.npz"
    corrupt(kind, path, tiny("rmc", seed=6))        # the file holds other weights than the model
    before = snapshot(model)
    message = BAD.get(kind, r"holds a different architecture than the given model \(num_classes: file 4 vs model 3\)")
    with pytest.raises(ValueError, match=message) as caught:
        io.load(path, model)
    assert str(path) in str(caught.value)
    assert_params_bitwise_equal(model.params, before)


@pytest.mark.parametrize("kind", sorted(BAD) + ["unknown model"])
def test_a_bad_file_raises_when_rebuilding_too(tmp_path, kind):
    path = tmp_path / "bad.npz"
    corrupt(kind, path, tiny("lstm"))
    message = BAD.get(kind, r"cannot build a model from its spec")
    with pytest.raises(ValueError, match=message) as caught:
        io.load(path)
    assert str(path) in str(caught.value)


def test_a_float32_file_does_not_load_into_a_float64_model(tmp_path):
    io.save(tiny("lstm", "float32"), tmp_path / "m.npz")
    model = tiny("lstm", "float64")
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"dtype: file 'float32' vs model 'float64'"):
        io.load(tmp_path / "m.npz", model)
    assert_params_bitwise_equal(model.params, before)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model at"):
        io.load(tmp_path / "nothing.npz")
