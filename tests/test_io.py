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
    "spec not a string": r"'__spec__' must be a 0-d unicode array holding JSON .* got dtype float64 and shape \(3,\)",
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
    # without a model to compare with, a missing array shows as a spec larger than the file
    message = {**BAD, "missing array": r"its spec describes a model of 331 parameters, but the file holds only \d+ numbers"
               }.get(kind, r"cannot build a model from its spec")
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


# ---------------------------------------------------------------- what a file may not do
def test_sizes_given_as_numpy_ints_are_stored_as_plain_ints(tmp_path):
    model = models.LSTMClassifier(np.int64(5), np.int32(6), np.int64(3), head_sizes=[np.int64(4)])
    assert all(type(model.spec[k]) is int for k in ("input_size", "hidden_size", "num_classes"))
    assert type(model.spec["head_sizes"][0]) is int
    io.save(model, tmp_path / "m.npz")
    assert_params_bitwise_equal(io.load(tmp_path / "m.npz").params, model.params)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_file_with_non_finite_weights_is_refused(tmp_path, value):
    path = tmp_path / "m.npz"
    io.save(tiny("rmc", seed=6), path)
    arrays = saved_arrays(path)
    name = sorted(k for k in arrays if k != io.SPEC_KEY)[-1]      # the last one copied
    arrays[name] = arrays[name].copy()
    arrays[name].flat[0] = value
    write_npz(path, arrays)
    model = tiny("rmc", seed=5)
    before = snapshot(model)
    with pytest.raises(ValueError, match=rf"array '{name}' is not finite"):
        io.load(path, model)
    assert_params_bitwise_equal(model.params, before)
    with pytest.raises(ValueError, match="is not finite"):
        io.load(path)


def test_weights_that_are_not_finite_are_not_saved(tmp_path):
    model = tiny("lstm")
    model.params["head0.b"][0] = np.nan
    with pytest.raises(ValueError, match=r"model.params\['head0.b'\] is not finite"):
        io.save(model, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("change, message", [
    ({"num_classes": 10**9}, r"num_classes=1000000000.* would make a model of 5e\+09 parameters"),
    ({"hidden_size": 10**9}, r"hidden_size=1000000000.* would make a model of 4e\+18 parameters"),
    ({"hidden_size": 1000}, r"its spec describes a model of 4,\d{3},\d{3} parameters, but the file holds only 331"),
    ({"head_sizes": 5}, r"head_sizes must be a list of positive ints"),
    ({"dtype": "bogus"}, r"dtype must be one of \['float32', 'float64'\], got 'bogus'"),
    ({"hidden_size": -1}, r"hidden_size must be a positive int"),
    ({"colour": "red"}, r"unexpected keyword argument 'colour'"),
])
def test_a_spec_is_checked_against_the_file_before_anything_is_built(tmp_path, monkeypatch, change, message):
    path = tmp_path / "m.npz"
    io.save(tiny("lstm"), path)
    arrays = saved_arrays(path)
    arrays[io.SPEC_KEY] = np.array(json.dumps({**TINY["lstm"], "dtype": "float64", **change}))
    write_npz(path, arrays)

    def no_build(*args, **kwargs):
        raise AssertionError("load built a model from a spec it should have refused")
    monkeypatch.setattr(models, "build", no_build)
    with pytest.raises(ValueError, match=message) as caught:
        io.load(path)
    assert str(path) in str(caught.value)


def add_member(path, name, data: bytes):
    import zipfile
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(name, data)


def test_a_member_that_is_not_an_array_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    io.save(tiny("lstm"), path)
    add_member(path, "notes.txt", b"hello")
    with pytest.raises(ValueError, match=r"member 'notes.txt' is not a .npy array"):
        io.load(path)
    with pytest.raises(ValueError, match=r"member 'notes.txt' is not a .npy array"):
        io.read(path)


def test_a_huge_extra_member_is_refused_by_name_without_reading_it(tmp_path):
    import io as _io
    path = tmp_path / "m.npz"
    model = tiny("lstm")
    io.save(model, path)
    header = _io.BytesIO()   # a header claiming 10**12 float64 numbers (8 TB), and no data at all:
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    add_member(path, "huge.npy", header.getvalue())  # so reading it would fail differently
    for target in (None, tiny("lstm", seed=3)):
        with pytest.raises(ValueError, match=r"member 'huge.npy' has a header claiming shape \(1000000000000,\).* "
                                             r"but it holds 128 bytes"):
            io.load(path, target)


@pytest.mark.parametrize("target", [object(), {"params": {}}, np.zeros(3)])
def test_loading_into_something_that_is_not_a_classifier_is_a_type_error(tmp_path, target):
    io.save(tiny("lstm"), tmp_path / "m.npz")
    with pytest.raises(TypeError, match=r"model must be an rrnn classifier \(with a .params dict and a .spec\)"):
        io.load(tmp_path / "m.npz", target)


def test_a_read_only_parameter_is_found_before_anything_is_copied(tmp_path):
    io.save(tiny("rmc", seed=6), tmp_path / "m.npz")
    model = tiny("rmc", seed=5)
    last = sorted(model.params)[-1]
    model.params[last].flags.writeable = False
    before = snapshot(model)
    with pytest.raises(ValueError, match=rf"model.params\['{last}'\] is read-only"):
        io.load(tmp_path / "m.npz", model)
    assert_params_bitwise_equal(model.params, before)


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    io.save(tiny("lstm", seed=1), path)

    def interrupted(f, **arrays):
        f.write(b"half a file")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        io.save(tiny("lstm", seed=2), path)
    assert os.listdir(tmp_path) == ["m.npz"]
    assert_params_bitwise_equal(io.load(path).params, tiny("lstm", seed=1).params)


def test_saves_racing_to_one_path_all_succeed_and_leave_a_loadable_file(tmp_path):
    import threading
    path, errors = tmp_path / "m.npz", []
    seeds = range(4)
    models_ = [tiny("rmc", seed=s) for s in seeds]

    def save_many(model):
        try:
            for _ in range(15):
                io.save(model, path)
        except Exception as err:   # with one shared temporary name, renames and writes collide
            errors.append(err)
    threads = [threading.Thread(target=save_many, args=(m,)) for m in models_]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["m.npz"]
    loaded = io.load(path).params
    assert any(all(np.array_equal(loaded[k], m.params[k]) for k in loaded) for m in models_)


def test_write_json_is_atomic_and_refuses_nan(tmp_path):
    path = tmp_path / "h.json"
    io.write_json(path, {"loss": [1.0, None]})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        io.write_json(path, {"loss": [float("nan")]})
    assert os.listdir(tmp_path) == ["h.json"] and io.read_json(path) == {"loss": [1.0, None]}


@pytest.mark.parametrize("text, message", [
    ('{"history": [1, 2', r"is not a valid JSON record"),
    ("null", r"must hold a JSON object \(a record\), got NoneType"),
    ("[1, 2]", r"must hold a JSON object \(a record\), got list"),
    (b"\xff\xfe", r"is not a valid JSON record"),
])
def test_a_malformed_record_names_its_file(tmp_path, text, message):
    path = tmp_path / "record.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match=message) as caught:
        io.read_json(path)
    assert str(path) in str(caught.value)


# ---------------------------------------------------------------- crafted and odd files
def with_spec_text(path, text):
    """A good lstm file whose spec entry is replaced by ``text``."""
    io.save(tiny("lstm"), path)
    arrays = saved_arrays(path)
    arrays[io.SPEC_KEY] = np.array(text)
    write_npz(path, arrays)
    return path


GOOD_SPEC = json.dumps({**TINY["lstm"], "dtype": "float64"})


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, r"nests lists or objects more than 8 deep"),
    (GOOD_SPEC[:-1] + ', "notes": ' + "[" * 20 + "]" * 20 + "}", r"nests lists or objects more than 8 deep"),
    (GOOD_SPEC.replace('"num_classes": 3', '"num_classes": 1' + "0" * 400), r"num_classes|integer 1000.* out of range"),
    (GOOD_SPEC.replace('"num_classes": 3', '"num_classes": 1e400'), r"out of range \(not a finite float\)"),
    (GOOD_SPEC.replace('"num_classes": 3', '"num_classes": NaN'), r"NaN is not a number"),
    (GOOD_SPEC[:-1] + ', "rng": 5}', r"has the key 'rng', which is not part of an architecture"),
])
def test_a_crafted_spec_is_one_clear_value_error(tmp_path, text, message):
    path = with_spec_text(tmp_path / "m.npz", text)
    for target in (None, tiny("lstm")):
        with pytest.raises(ValueError, match=message) as caught:
            io.load(path, target)
        assert str(path) in str(caught.value)


def test_a_huge_size_in_range_is_refused_before_building(tmp_path):
    path = with_spec_text(tmp_path / "m.npz", GOOD_SPEC.replace('"num_classes": 3', f'"num_classes": {2**62}'))
    with pytest.raises(ValueError, match=r"num_classes=4611686018427387904") as caught:
        io.load(path)
    assert str(path) in str(caught.value)


def add_npy(path, name, array=None, header_shape=None):
    """Append member ``name``.npy to the zip: ``array`` saved, or a bare header claiming ``header_shape``."""
    import io as _io
    buffer = _io.BytesIO()
    if array is not None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": header_shape})
    add_member(path, f"{name}.npy", buffer.getvalue())


def test_a_header_claiming_far_more_than_its_data_names_the_member(tmp_path):
    path = tmp_path / "m.npz"
    io.save(tiny("lstm"), path)
    add_npy(path, "extra", header_shape=(2**62, 2))
    for target in (None, tiny("lstm")):
        with pytest.raises(ValueError, match=r"member 'extra.npy' has a header claiming shape \(4611686018427387904, 2\)"
                                             r".* but it holds \d+ bytes") as caught:
            io.load(path, target)
        assert "-" not in str(caught.value).split("holds")[-1]          # no negative count
    with pytest.raises(ValueError, match=r"member 'extra.npy' has a header claiming"):
        io.read(path)


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_a_member_stored_twice_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    model = tiny("lstm")
    io.save(model, path)
    add_npy(path, "head0.b", array=model.params["head0.b"] + 1)    # a second copy, which would win
    for target in (None, tiny("lstm")):
        with pytest.raises(ValueError, match=r"member 'head0.b.npy' appears more than once") as caught:
            io.load(path, target)
        assert str(path) in str(caught.value)


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_only_regular_files_are_read(tmp_path, kind):
    import threading
    if kind == "directory":
        path, expected = tmp_path, "is a directory, not a regular file"
    elif kind == "fifo":
        path, expected = tmp_path / "pipe.npz", "is a FIFO, not a regular file"
        os.mkfifo(path)                    # nobody writes to it: opening it for reading would block
    else:
        path, expected = "/dev/zero", "is a device, not a regular file"   # reading it would never end
    outcome = []

    def attempt():
        try:
            io.load(path)
        except ValueError as err:
            outcome.append(err)
    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), f"load({path!r}) blocked"
    assert len(outcome) == 1 and expected in str(outcome[0]) and str(path) in str(outcome[0]), outcome


def test_a_file_larger_than_the_bound_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    io.save(tiny("lstm"), path)
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match=r"holds [\d,]+ bytes, more than a model file may") as caught:
        io.load(path)
    assert str(path) in str(caught.value)


def test_save_errors_name_the_target_not_a_temporary(tmp_path):
    (tmp_path / "m.npz").mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        io.save(tiny("lstm"), tmp_path / "m.npz")
    assert caught.value.filename == str(tmp_path / "m.npz") and ".partial" not in str(caught.value)
    with pytest.raises(FileNotFoundError) as caught:
        io.save(tiny("lstm"), tmp_path / "no" / "m.npz")
    assert caught.value.filename == str(tmp_path / "no" / "m.npz")
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_saving_a_parameter_of_objects_names_it(tmp_path):
    model = tiny("lstm")
    model.params["head0.b"] = model.params["head0.b"].astype(object)
    with pytest.raises(TypeError, match=r"model.params\['head0.b'\] must be an array of numbers, got dtype object"):
        io.save(model, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []
