"""Property-based tests (hypothesis) over the public API: whatever is passed in, the answer is a
clear ValueError or TypeError naming the argument, or a correct result; never a half-changed model
or optimiser, and never a file at the target path that cannot be loaded.

The examples are derandomised (the same ones every run) and no example database is kept, so a
run is reproducible and leaves nothing behind.
"""
import contextlib
import io as _io
import json
import os
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rrnn
from rrnn import io, models, optim
from rrnn.training import main

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=1000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TINY_SPECS = {
    "lstm": dict(model="lstm", input_size=3, hidden_size=4, num_classes=3, head_sizes=[4]),
    "rmc": dict(model="rmc", input_size=3, num_classes=3, num_slots=2, head_size=2, num_heads=2, head_sizes=[4]),
    "hybrid": dict(model="hybrid", input_size=3, hidden_size=4, num_classes=3, num_slots=2, slot_size=4,
                   num_heads=2, head_sizes=[4]),
}


def tiny(name, dtype="float64", seed=0):
    return models.build({**TINY_SPECS[name], "dtype": dtype}, rng=seed)


def snapshot(params):
    return {k: v.copy() for k, v in params.items()}


def unchanged(params, before) -> bool:
    return params.keys() == before.keys() and all(
        params[k].dtype == before[k].dtype and params[k].tobytes() == before[k].tobytes() for k in before)


@contextlib.contextmanager
def named_error(*names):
    """The block may raise only a ValueError / TypeError whose message names one of ``names``."""
    try:
        yield
    except (ValueError, TypeError) as err:
        assert any(name in str(err) for name in names), f"{type(err).__name__} does not name {names}: {err}"


# ---------------------------------------------------------------- values that arrive as inputs
DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_,
                          np.complex128, np.object_, np.str_])


@st.composite
def arrays(draw, shapes):
    """Arrays of any listed dtype (numbers far beyond float32 included) over ``shapes``."""
    dtype = np.dtype(draw(DTYPES))
    shape = draw(shapes)
    if dtype.kind == "O":
        return np.array(draw(st.lists(st.one_of(st.none(), st.floats(), st.text(max_size=2)),
                                      min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))) or [],
                        dtype=object).reshape(shape)
    if dtype.kind == "U":
        return np.full(shape, draw(st.text(max_size=3)))
    if dtype.kind == "f" and dtype.itemsize == 8:
        elements = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e39, -1e200, 1e308])
        return draw(hnp.arrays(dtype, shape, elements=elements))
    return draw(hnp.arrays(dtype, shape))


def near(shape):
    """Shapes that are right, or wrong by one axis, a transposition or a zero."""
    options = [tuple(shape), tuple(reversed(shape)), tuple(shape[:-1]), tuple(shape) + (1,),
               tuple(s + 1 if i == len(shape) - 1 else s for i, s in enumerate(shape)),
               tuple(0 if i == 0 else s for i, s in enumerate(shape))]
    return st.sampled_from(options)


@FUZZ
@given(name=st.sampled_from(sorted(TINY_SPECS)), dtype=st.sampled_from(["float64", "float32"]),
       X=arrays(near((2, 3, 3))), container=st.sampled_from(["array", "list", "matrix", "masked"]))
def test_classifiers_answer_any_input_correctly_or_name_it(name, dtype, X, container):
    model = tiny(name, dtype)
    before = snapshot(model.params)
    if container == "list":
        X = X.tolist()
    elif container == "matrix" and X.ndim == 2:
        with pytest.warns(PendingDeprecationWarning):
            X = np.matrix(X)
    elif container == "masked":
        X = np.ma.masked_array(X)
    with named_error("X"):
        logits = model.logits(X)
        assert logits.shape == (2, 3) and logits.dtype == model.dtype and np.isfinite(logits).all()
        reference = models.build(model.spec, rng=0).logits(np.asarray(X, dtype=np.float64))
        np.testing.assert_allclose(logits, reference, rtol=1e-3 if dtype == "float32" else 1e-12, atol=1e-5)
    assert unchanged(model.params, before)


@FUZZ
@given(kind=st.sampled_from(["lstm", "rmc", "hybrid"]), sequence=arrays(near((2, 3, 3))),
       state=st.sampled_from(["none", "short", "long", "dict", "good"]))
def test_sequence_models_answer_or_name_the_argument(kind, sequence, state):
    model = {"lstm": rrnn.LSTM(3, 4), "rmc": rrnn.RelationalMemory(3, 2, 2, 2),
             "hybrid": rrnn.RelationalRNN(3, 4, 2, 2, 4, 2)}[kind]
    before = snapshot(model.params)
    kwargs = {}
    if kind != "rmc" and state != "none":
        parts = [np.zeros((2, 4))] * 2 + ([model.cell.init_memory(2)] if kind == "hybrid" else [])
        kwargs["state"] = {"short": tuple(parts[:1]), "long": tuple(parts) + (parts[0],), "dict": {},
                           "good": tuple(parts)}[state]
    with named_error("sequence", "state"):
        out = model.forward(sequence, **kwargs)
        out = out[0] if isinstance(out, tuple) else out
        assert out.shape[:2] == (2, 3) and np.isfinite(out).all()
    assert unchanged(model.params, before)


SIZES = st.one_of(st.integers(-3, 6), st.integers(10**8, 10**12), st.sampled_from([2.0, "4", None, True]),
                  st.integers(1, 6).map(np.int64))


@FUZZ
@given(kind=st.sampled_from(sorted(TINY_SPECS)), key=st.sampled_from(
    ["input_size", "hidden_size", "num_classes", "num_slots", "head_size", "num_heads", "slot_size", "num_blocks",
     "head_sizes", "dtype"]), value=st.one_of(SIZES, st.lists(SIZES, max_size=2),
                                              st.sampled_from(["float32", "bogus", np.float32, "int32"])))
def test_building_from_any_spec_gives_a_model_that_saves_or_a_named_error(kind, key, value):
    spec = dict(TINY_SPECS[kind], dtype="float64")
    assume(key in spec or kind != "lstm")
    spec[key] = value
    try:
        model = models.build(spec)
    except (ValueError, TypeError) as err:
        assert key in str(err) or "spec does not fit" in str(err), err
        return
    assert json.loads(json.dumps(model.spec)) == model.spec            # plain, JSON-able sizes
    assert models.parameter_count(model.spec) == sum(p.size for p in model.params.values())
    with tempfile.TemporaryDirectory() as folder:
        io.save(model, os.path.join(folder, "m.npz"))
        loaded = io.load(os.path.join(folder, "m.npz"))
        assert unchanged(loaded.params, model.params)


# ---------------------------------------------------------------- optimisers
# mostly well-formed float gradients (any value, far beyond float32 and up to 1e308, where squares and
# steps overflow), and sometimes anything at all
BIG_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e39, -1e160, 1e200, 1e308])
WELL_FORMED = hnp.arrays(np.float64, (2, 3), elements=BIG_FLOATS)
GRAD = st.one_of(WELL_FORMED, WELL_FORMED, WELL_FORMED, arrays(near((2, 3))),
                 st.just([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), st.just("g"))


def make_optimizer(kind, params):
    return {"sgd": lambda: optim.SGD(params, lr=0.1), "momentum": lambda: optim.SGD(params, lr=0.1, momentum=0.9),
            "adam": lambda: optim.Adam(params, lr=0.1), "huge": lambda: optim.SGD(params, lr=1e305)}[kind]()


def optimizer_state(opt):
    arrays_ = {"v": getattr(opt, "velocity", {}), "m": getattr(opt, "m", {}), "s": getattr(opt, "v", {})}
    return {f"{kind}.{k}": v.copy() for kind, d in arrays_.items() for k, v in d.items()} | {"t": np.array(getattr(opt, "t", 0))}


@FUZZ
@given(kind=st.sampled_from(["sgd", "momentum", "adam", "huge"]), dtype=st.sampled_from([np.float64, np.float32]),
       first=GRAD, second=GRAD, drop=st.booleans())
def test_a_step_is_applied_whole_and_correctly_or_not_at_all(kind, dtype, first, second, drop):
    params = {"a": np.arange(6, dtype=dtype).reshape(2, 3), "b": -np.arange(6, dtype=dtype).reshape(2, 3)}
    opt = make_optimizer(kind, params)
    if kind != "huge":                                 # a first step, so the state is not all zeros
        opt.step({"a": np.ones((2, 3)), "b": np.ones((2, 3))})
    before, state = snapshot(params), optimizer_state(opt)
    grads = {"a": first} if drop else {"a": first, "b": second}
    try:
        opt.step(grads)
    except (ValueError, TypeError) as err:
        assert "grads" in str(err) or "params" in str(err), err
        assert unchanged(params, before)
        assert unchanged(optimizer_state(opt), state)
        return
    for k in params:                                   # applied: finite, and what plain SGD would give
        assert params[k].dtype == dtype and np.isfinite(params[k]).all()
        if kind == "sgd":
            expected = before[k] - dtype(0.1) * np.asarray(grads[k]).astype(dtype)
            np.testing.assert_array_equal(params[k], expected)


# ---------------------------------------------------------------- weight files
CORRUPTIONS = st.sampled_from(["truncate", "flip", "array", "poison", "spec", "member", "drop", "nothing"])


def corrupt(path, kind, data):
    raw = open(path, "rb").read()
    if kind == "truncate":
        open(path, "wb").write(raw[:data.draw(st.integers(0, len(raw) - 1))])
        return
    if kind == "flip":
        at = data.draw(st.integers(0, len(raw) - 1))
        open(path, "wb").write(raw[:at] + bytes([raw[at] ^ data.draw(st.integers(1, 255))]) + raw[at + 1:])
        return
    if kind == "member":
        with zipfile.ZipFile(path, "a") as zf:
            name = data.draw(st.sampled_from(["extra.npy", "notes.txt", "head0.W.npy"]))
            zf.writestr(name, data.draw(st.binary(max_size=64)))
        return
    with np.load(path, allow_pickle=False) as npz:
        arrays_ = {k: npz[k] for k in npz.files}
    names = sorted(k for k in arrays_ if k != io.SPEC_KEY)
    if kind == "array":
        arrays_[data.draw(st.sampled_from(names))] = data.draw(arrays(st.sampled_from([(4,), (3, 4), (4, 3), ()])))
    elif kind == "spec":
        spec = json.loads(str(arrays_[io.SPEC_KEY]))
        spec[data.draw(st.sampled_from(sorted(spec) + ["extra"]))] = data.draw(
            st.one_of(SIZES, st.text(max_size=4), st.lists(st.integers(-2, 10**9), max_size=3)))
        arrays_[io.SPEC_KEY] = np.array(json.dumps(spec, default=int))
    elif kind == "poison":                   # right name, shape and dtype; one value not finite
        name = data.draw(st.sampled_from(names))
        arrays_[name] = arrays_[name].copy()
        arrays_[name].flat[data.draw(st.integers(0, arrays_[name].size - 1))] = data.draw(
            st.sampled_from([np.nan, np.inf, -np.inf]))
    elif kind == "drop":
        del arrays_[data.draw(st.sampled_from(names + [io.SPEC_KEY]))]
    if any(a.dtype.kind == "O" for a in arrays_.values()):
        with pytest.raises(ValueError):          # NumPy itself refuses to write objects without pickle
            np.save(_io.BytesIO(), arrays_[next(k for k, a in arrays_.items() if a.dtype.kind == "O")], allow_pickle=False)
        return
    with open(path, "wb") as f:
        np.savez(f, **arrays_)


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")   # a second member of one name is a corruption too
@FUZZ
@given(name=st.sampled_from(sorted(TINY_SPECS)), kind=CORRUPTIONS, into=st.booleans(), data=st.data())
def test_any_file_loads_exactly_or_is_refused_leaving_the_model_as_it_was(name, kind, into, data):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        saved = tiny(name, seed=1)
        io.save(saved, path)
        corrupt(path, kind, data)
        target = tiny(name, seed=2) if into else None
        before = snapshot(target.params) if into else None
        if into and data.draw(st.booleans()):          # a target with one parameter that cannot be written
            target.params[data.draw(st.sampled_from(sorted(target.params)))].flags.writeable = False
        try:
            model = io.load(path, target)
        except ValueError as err:
            assert path in str(err), err
            if into:
                assert unchanged(target.params, before)
            return
        assert all(np.isfinite(p).all() for p in model.params.values())
        with np.load(path, allow_pickle=False) as npz:      # what was loaded is what the file holds
            assert all(model.params[k].tobytes() == npz[k].tobytes() for k in model.params)


@FUZZ
@given(name=st.sampled_from(sorted(TINY_SPECS)), poison=st.sampled_from([None, np.nan, np.inf]),
       spec_change=st.sampled_from([None, ("head_sizes", (np.int64(4),)), ("extra", object()),
                                    ("num_classes", float("nan"))]))
def test_the_target_path_only_ever_holds_a_loadable_file(name, poison, spec_change):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        io.save(tiny(name, seed=1), path)                      # a good file is already there
        model = tiny(name, seed=2)
        if poison is not None:
            model.params[sorted(model.params)[-1]].flat[0] = poison
        if spec_change is not None:
            model.spec = {**model.spec, spec_change[0]: spec_change[1]}
        try:
            io.save(model, path)
        except (ValueError, TypeError) as err:
            assert "model" in str(err), err
        io.load(path)                                          # old or new, it loads
        assert os.listdir(folder) == ["m.npz"]                 # and no temporary is left


# ---------------------------------------------------------------- the command line
FLAG_VALUES = {
    "--seed": st.sampled_from(["0", "-1", "1.5", "x", str(2**70)]),
    "--batch-size": st.sampled_from(["0", "4", "-3", "1000000000", "1e3"]),
    "--steps": st.sampled_from(["1", "0", "2.5"]),
    "--lr": st.sampled_from(["1e-3", "0", "nan", "inf", "1e300", "-1"]),
    "--hidden-size": st.sampled_from(["4", "0", "1000000000"]),
    "--head-sizes": st.sampled_from(["4", "4,0", "", "a"]),
    "--eval-every": st.sampled_from(["1", "0"]),
}


@settings(FUZZ, max_examples=200)
@given(flags=st.dictionaries(st.sampled_from(sorted(FLAG_VALUES)), st.just(None), max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries({k: FLAG_VALUES[k] for k in keys})),
       out=st.sampled_from(["new", "file", "under-file", "", "existing-run"]))
def test_the_command_line_exits_with_a_status_and_a_message_never_a_traceback(flags, out):
    with tempfile.TemporaryDirectory() as folder:
        target = {"new": os.path.join(folder, "run"), "file": os.path.join(folder, "f"),
                  "under-file": os.path.join(folder, "f", "run"), "": "", "existing-run": os.path.join(folder, "old")}[out]
        open(os.path.join(folder, "f"), "w").close()
        if out == "existing-run":
            os.makedirs(target)
            open(os.path.join(target, "history.json"), "w").write("{}")
        argv = ["--task", "associative-recall", "--model", "lstm", "--hidden-size", "4", "--head-sizes", "4",
                "--steps", "2", "--batch-size", "4", "--eval-batch-size", "4", "--no-progress", "--out", target]
        for flag, value in flags.items():
            argv += [flag, value]
        err = _io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(_io.StringIO()):
            try:
                status = main(argv)
            except SystemExit as exit_:                      # argparse's usage errors
                status = exit_.code
        assert status in (0, 1, 2), (status, err.getvalue())
        if status == 2:
            assert "error:" in err.getvalue()
        else:                                               # a run was written, and it loads
            record = io.read_json(os.path.join(target, "history.json"))
            json.dumps(record, allow_nan=False)
            io.load(os.path.join(target, "weights.npz"))
            assert (status == 1) == record["history"]["stop_reason"].startswith("non_finite")


# ---------------------------------------------------------------- crafted specs and odd paths
SPEC_VALUES = st.recursive(
    st.one_of(st.integers(-3, 8), st.sampled_from([2**62, 2**63, -(2**70), 10**400]), st.text(max_size=3),
              st.none(), st.booleans()),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=6)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@FUZZ
@given(name=st.sampled_from(sorted(TINY_SPECS)), key=st.sampled_from(["num_classes", "head_sizes", "rng", "extra",
                                                                      "input_size", "model"]),
       value=st.one_of(SPEC_VALUES, st.integers(1, 200_000).map(lambda d: ("nest", d)),
                       st.sampled_from([("raw", "1e400"), ("raw", "NaN"), ("raw", "-Infinity")])),
       into=st.booleans())
def test_any_spec_in_a_file_loads_or_is_one_value_error_naming_the_file(name, key, value, into):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        io.save(tiny(name), path)
        with np.load(path, allow_pickle=False) as npz:
            arrays_ = {k: npz[k] for k in npz.files}
        spec = json.loads(str(arrays_[io.SPEC_KEY]))
        marker = "\"__value__\""
        spec[key] = "__value__"
        text = json.dumps(spec)
        raw = nested(value[1]) if isinstance(value, tuple) and value[0] == "nest" else \
            value[1] if isinstance(value, tuple) else json.dumps(value)
        arrays_[io.SPEC_KEY] = np.array(text.replace(marker, raw))
        with open(path, "wb") as f:
            np.savez(f, **arrays_)
        try:
            model = io.load(path, tiny(name) if into else None)
        except ValueError as err:
            assert path in str(err), err
            return
        assert key not in ("rng", "extra")                            # never dropped silently
        assert json.loads(json.dumps(model.spec)) == model.spec


@settings(FUZZ, max_examples=20)
@given(kind=st.sampled_from(["directory", "fifo", "device", "symlink-to-fifo", "missing"]))
def test_load_reads_only_regular_files_and_never_blocks(kind):
    import threading
    with tempfile.TemporaryDirectory() as folder:
        path = {"directory": folder, "device": "/dev/zero"}.get(kind, os.path.join(folder, "x.npz"))
        if kind in ("fifo", "symlink-to-fifo"):
            os.mkfifo(os.path.join(folder, "pipe"))
            if kind == "fifo":
                path = os.path.join(folder, "pipe")
            else:
                os.symlink(os.path.join(folder, "pipe"), path)
        outcome = []

        def attempt():
            try:
                io.load(path)
            except (ValueError, FileNotFoundError) as err:
                outcome.append(err)
        thread = threading.Thread(target=attempt, daemon=True)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), f"load({path!r}) blocked"
        assert len(outcome) == 1 and path in str(outcome[0]), outcome
        assert isinstance(outcome[0], FileNotFoundError) == (kind == "missing")


# ---------------------------------------------------------------- the final write of a run
WRITE_OPERATIONS = [(os, "replace"), (os, "link"), (os, "fsync"), (os, "chmod"), (tempfile, "mkstemp"),
                    (np, "savez")]


def small_run(out, seed):
    from rrnn import training
    argv = ["--task", "associative-recall", "--model", "lstm", "--hidden-size", "4", "--head-sizes", "4",
            "--batch-size", "4", "--steps", "1", "--seed", str(seed), "--out", out]
    args = training.parser().parse_args(argv)
    model = training.build_run(args)[0]
    return model, {"loss": [float(seed)], "stop_reason": "steps"}, args, argv


@settings(FUZZ, max_examples=150)
@given(at=st.integers(0, 12), error=st.sampled_from(["ctrl-c", "disk-full", "permission", "directory-in-the-way"]),
       previous=st.booleans())
def test_a_run_folder_holds_the_old_run_or_the_new_one_whatever_fails(at, error, previous):
    from rrnn import training
    with tempfile.TemporaryDirectory() as out:
        if previous:
            training.write_run(*small_run(out, 1))
        calls = []
        reals = [(module, name, getattr(module, name)) for module, name in WRITE_OPERATIONS]

        def failing(*args, _real, _name, **kwargs):
            calls.append(_name)
            if len(calls) == at + 1:
                raise {"ctrl-c": KeyboardInterrupt(), "disk-full": OSError(28, "No space left on device"),
                       "permission": PermissionError(13, "Permission denied"),
                       "directory-in-the-way": IsADirectoryError(21, "Is a directory")}[error]
            return _real(*args, **kwargs)
        try:
            for module, name, real in reals:
                setattr(module, name, lambda *a, _real=real, _name=name, **k: failing(*a, _real=_real, _name=_name, **k))
            try:
                training.write_run(*small_run(out, 2))
                written = True
            except (KeyboardInterrupt, OSError):
                written = False
        finally:
            for module, name, real in reals:
                setattr(module, name, real)
        left = sorted(os.listdir(out))
        if not written and not previous:
            assert left == [], (calls, left)                    # nothing, not half a run
            return
        assert left == sorted(training.RUN_FILES), (calls, left)  # and no temporaries
        record = training.read_run(out)                          # the pair belongs together
        assert record["seed"] == (2 if written else 1), calls
        expected = small_run(out, record["seed"])[0]
        loaded = io.load(os.path.join(out, "weights.npz"))
        assert unchanged(loaded.params, expected.params)


# ---------------------------------------------------------------- dashboard values from code
# A control set from code to a value it cannot hold is ipywidgets' TraitError, which the course's
# controls re-raise naming the control's argument; a value it holds but the compute refuses (None in
# a menu, NaN in a float slider) leaves the dashboard showing its message, the figures as they were.
import math  # noqa: E402

from traitlets import TraitError  # noqa: E402

from rrnn import dash as _dash  # noqa: E402

DASHBOARD_FACTORIES = _dash.discover()
_BUILT = {}
ODD_VALUES = [None, math.nan, math.inf, -math.inf, [3], -1, -10**6, 10**30, "bogus", 2.5]


def built_dashboard(name):
    """One dashboard per name for the whole run (building them is the slow part)."""
    if name not in _BUILT:
        _BUILT[name] = DASHBOARD_FACTORIES[name](mode="static")
    return _BUILT[name]


@settings(derandomize=True, database=None, deadline=None, max_examples=40,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_control_set_from_code_shows_a_message_or_names_itself_and_recovers(data):
    name = data.draw(st.sampled_from(sorted(DASHBOARD_FACTORIES)), label="dashboard")
    dash = built_dashboard(name)
    control_name = data.draw(st.sampled_from(sorted(dash.controls)), label="control")
    value = data.draw(st.sampled_from(ODD_VALUES), label="value")
    control = dash.controls[control_name]
    valid, updates, result = control.value, dash.updates, dash.result
    try:
        control.value = value
    except TraitError as err:          # the widget type cannot hold it: named, nothing changed
        assert getattr(control, "argument", None) in str(err) and "must be" in str(err), err
        assert control.value == valid and dash.updates == updates
    else:
        if dash.error is not None:     # held by the widget, refused by the compute: the message says why
            assert dash.message.level == "error" and dash.message.text, dash.message.text
            assert dash.updates == updates and dash.result is result     # no figure drew the refused value
        else:                          # accepted (a slider clamps, as dragging would): never a NaN drawn
            assert not (isinstance(control.value, float) and math.isnan(control.value)), (name, control_name)
    control.value = valid
    dash.refresh(force=True)
    assert dash.error is None and dash.message.level != "error", (name, control_name, value, dash.message.text)
