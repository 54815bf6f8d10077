"""Save a model to one ``.npz`` file and load it back, bit for bit.

The file holds every array of ``model.params`` under its own name, plus the architecture
as a JSON string in a 0-d unicode array under ``"__spec__"``. Nothing is pickled, so
``np.load(path, allow_pickle=False)`` reads it, and so does any other NumPy program.

Loading checks the whole file against the model (keys, shapes, dtypes, spec) *before*
copying a single array, so a bad file raises a ValueError and leaves the model as it was.
"""
from __future__ import annotations

import json
import os

import numpy as np

SPEC_KEY = "__spec__"


def _spec_json(spec) -> str:
    """The spec as canonical JSON text (sorted keys), or a ValueError if it is not JSON-able."""
    if not isinstance(spec, dict) or "model" not in spec:
        raise ValueError(f"model.spec must be a dict with a 'model' entry, got {spec!r}")
    try:
        return json.dumps(spec, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"model.spec must be JSON-serialisable, got {spec!r}: {err}") from err


def save(model, path) -> str:
    """Write ``model.params`` and ``model.spec`` to the ``.npz`` file at ``path``.

    The file is written to a temporary name beside ``path`` and renamed into place, so an
    interrupted save never leaves a half-written file under ``path``. ``path`` is used as
    given (NumPy would otherwise append ``.npz`` to a name without it). Returns ``path``.
    """
    path = os.fspath(path)
    spec = _spec_json(model.spec)
    params = model.params
    if SPEC_KEY in params:
        raise ValueError(f"model.params must not contain the reserved key {SPEC_KEY!r}")
    for name, p in params.items():
        if not isinstance(p, np.ndarray):
            raise TypeError(f"model.params[{name!r}] must be a numpy array, got {type(p).__name__}")
    tmp = path + ".partial"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **{SPEC_KEY: np.array(spec)}, **params)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read(path) -> tuple[dict, dict]:
    """Read a saved file without building anything: returns ``(spec, arrays)``.

    Raises FileNotFoundError if there is no file, and a ValueError naming ``path`` if it
    is not a readable ``.npz`` (truncated, corrupt, pickled objects) or has no valid spec.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no saved model at {path!r}")
    try:
        # Read every array now, inside the try: a truncated member only fails when it is read.
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as err:  # zipfile, pickle and format errors all mean "not a usable file"
        raise ValueError(f"{path!r} is not a readable .npz model file "
                         f"({type(err).__name__}: {err})") from err
    if SPEC_KEY not in arrays:
        raise ValueError(f"{path!r} has no {SPEC_KEY!r} entry, so the architecture is unknown "
                         f"(was it written by rrnn.io.save?)")
    raw = arrays.pop(SPEC_KEY)
    if raw.ndim != 0 or raw.dtype.kind != "U":
        raise ValueError(f"{path!r}: {SPEC_KEY!r} must be a 0-d unicode array holding JSON, "
                         f"got dtype {raw.dtype} and shape {raw.shape}")
    try:
        spec = json.loads(str(raw))
    except ValueError as err:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} is not valid JSON ({err})") from err
    if not isinstance(spec, dict) or "model" not in spec:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} must be a JSON object with a 'model' entry, got {spec!r}")
    return spec, arrays


def _check_arrays(path: str, arrays: dict, params: dict) -> None:
    """Every problem between the file's arrays and the model's params, in one ValueError."""
    problems = []
    missing = sorted(set(params) - set(arrays))
    extra = sorted(set(arrays) - set(params))
    if missing:
        problems.append(f"missing arrays {missing}")
    if extra:
        problems.append(f"unexpected arrays {extra}")
    for name in sorted(set(params) & set(arrays)):
        want, got = params[name], arrays[name]
        if got.shape != want.shape:
            problems.append(f"{name!r} has shape {got.shape}, the model expects {want.shape}")
        elif got.dtype != want.dtype:
            problems.append(f"{name!r} has dtype {got.dtype}, the model expects {want.dtype}")
    if problems:
        raise ValueError(f"{path!r} does not fit the model: " + "; ".join(problems))


def load(path, model=None):
    """Load the weights saved at ``path``.

    ``load(path)`` builds a new model from the stored spec with ``rrnn.models.build`` and
    returns it. ``load(path, model)`` checks that the stored spec equals ``model.spec``, then
    copies the arrays into ``model.params`` in place (anything holding those arrays, such as
    an optimiser, sees the loaded values) and returns ``model``.

    Raises ValueError naming ``path`` and the problem (unreadable file, bad spec, spec not
    matching ``model``, missing / extra / wrongly shaped / wrongly typed arrays); in every
    such case ``model`` is left exactly as it was.
    """
    path = os.fspath(path)
    spec, arrays = read(path)
    if model is None:
        from . import models  # imported here: models imports most of the package
        try:
            model = models.build(spec)
        except (TypeError, ValueError, KeyError) as err:
            raise ValueError(f"{path!r}: cannot build a model from its spec {spec!r} ({err})") from err
    else:
        expected = json.loads(_spec_json(model.spec))  # tuples -> lists, as they were stored
        if spec != expected:
            absent = "<absent>"
            keys = sorted(k for k in spec.keys() | expected.keys() if spec.get(k, absent) != expected.get(k, absent))
            diff = ", ".join(f"{k}: file {spec.get(k, absent)!r} vs model {expected.get(k, absent)!r}" for k in keys)
            raise ValueError(f"{path!r} holds a different architecture than the given model ({diff})")
    _check_arrays(path, arrays, model.params)
    for name, value in arrays.items():
        np.copyto(model.params[name], value)
    return model
