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
import tempfile
import zipfile

import numpy as np

SPEC_KEY = "__spec__"


def _spec_json(spec) -> str:
    """The spec as canonical JSON text (sorted keys), or a ValueError if it is not JSON-able."""
    if not isinstance(spec, dict) or "model" not in spec:
        raise ValueError(f"model.spec must be a dict with a 'model' entry, got {spec!r}")
    try:
        return json.dumps(spec, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"model.spec must be JSON-serialisable, got {spec!r}: {err}") from err


def atomic_write(path, write) -> str:
    """Call ``write(file)`` on a new temporary file beside ``path``, then rename it to ``path``.

    A reader sees the old file or the whole new one, never half of one; an interrupted or failed
    write leaves no temporary behind. The temporary name is unique (``tempfile.mkstemp``), so two
    processes saving to one path do not write into each other's file: the last rename wins.
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; a saved file gets the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path, obj) -> str:
    """Write ``obj`` as JSON atomically. NaN and inf are refused (they are not JSON): callers
    write ``None`` for a value that was not finite."""
    text = json.dumps(obj, indent=1, allow_nan=False)
    return atomic_write(path, lambda f: f.write(text.encode()))


def read_json(path, what: str = "record"):
    """A JSON object from ``path``, or a ValueError naming the file (malformed, or not an object)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"{path!r} is not a valid JSON {what} ({err})") from err
    if not isinstance(obj, dict):
        raise ValueError(f"{path!r} must hold a JSON object (a {what}), got {type(obj).__name__}: {obj!r:.80}")
    return obj


def save(model, path) -> str:
    """Write ``model.params`` and ``model.spec`` to the ``.npz`` file at ``path``.

    The file is written to a unique temporary name beside ``path`` and renamed into place
    (:func:`atomic_write`), so an interrupted save never leaves a half-written file under
    ``path``. ``path`` is used as given (NumPy would otherwise append ``.npz`` to a name
    without it). Weights that are not finite are refused: ``load`` would refuse the file.
    Returns ``path``.
    """
    _check_model(model)
    spec = _spec_json(model.spec)
    params = model.params
    if SPEC_KEY in params:
        raise ValueError(f"model.params must not contain the reserved key {SPEC_KEY!r}")
    for name, p in params.items():
        if not np.all(np.isfinite(p)):
            raise ValueError(f"model.params[{name!r}] is not finite (NaN or inf): not saving weights "
                             f"that load would refuse")
    return atomic_write(path, lambda f: np.savez(f, **{SPEC_KEY: np.array(spec)}, **params))


def _check_model(model) -> None:
    params = getattr(model, "params", None)
    if not isinstance(params, dict) or not isinstance(getattr(model, "spec", None), dict):
        raise TypeError(f"model must be an rrnn classifier (with a .params dict and a .spec), "
                        f"got {type(model).__name__}")
    for name, p in params.items():
        if not isinstance(p, np.ndarray):
            raise TypeError(f"model.params[{name!r}] must be a numpy array, got {type(p).__name__}")


MAX_SPEC_CHARS = 1_000_000
"""A spec is a few hundred characters; a longer one is refused before it is read."""


def _headers(path: str) -> dict:
    """name -> (shape, dtype) of every member, read from the .npy headers without reading data."""
    try:
        with zipfile.ZipFile(path) as zf:
            headers = {}
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"member {info.filename!r} is not a .npy array")
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    if version not in ((1, 0), (2, 0)):
                        raise ValueError(f"member {info.filename!r} has .npy format version {version}")
                    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0
                    shape, _, dtype = reader(f)
                if dtype.hasobject:
                    raise ValueError(f"member {info.filename!r} holds Python objects (pickled data)")
                headers[info.filename[:-len(".npy")]] = (shape, dtype)
    except Exception as err:  # zipfile, header and format errors all mean "not a usable file"
        raise ValueError(f"{path!r} is not a readable .npz model file ({type(err).__name__}: {err})") from err
    return headers


def _read_arrays(path: str, names) -> dict:
    try:
        # Read every array now, inside the try: a truncated member only fails when it is read.
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in names}
    except Exception as err:
        raise ValueError(f"{path!r} is not a readable .npz model file ({type(err).__name__}: {err})") from err


def _read_spec(path: str, headers: dict) -> dict:
    if SPEC_KEY not in headers:
        raise ValueError(f"{path!r} has no {SPEC_KEY!r} entry, so the architecture is unknown "
                         f"(was it written by rrnn.io.save?)")
    shape, dtype = headers[SPEC_KEY]
    if shape != () or dtype.kind != "U" or dtype.itemsize // 4 > MAX_SPEC_CHARS:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} must be a 0-d unicode array holding JSON (at most "
                         f"{MAX_SPEC_CHARS:,} characters), got dtype {dtype} and shape {shape}")
    raw = _read_arrays(path, [SPEC_KEY])[SPEC_KEY]
    try:
        spec = json.loads(str(raw))
    except ValueError as err:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} is not valid JSON ({err})") from err
    if not isinstance(spec, dict) or "model" not in spec:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} must be a JSON object with a 'model' entry, got {spec!r}")
    return spec


def read(path) -> tuple[dict, dict]:
    """Read a saved file without building anything: returns ``(spec, arrays)``.

    Raises FileNotFoundError if there is no file, and a ValueError naming ``path`` if it
    is not a readable ``.npz`` (truncated, corrupt, pickled objects, members that are not
    arrays) or has no valid spec.
    """
    path = _existing(path)
    headers = _headers(path)
    spec = _read_spec(path, headers)
    return spec, _read_arrays(path, [name for name in headers if name != SPEC_KEY])


def _existing(path) -> str:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no saved model at {path!r}")
    return path


def _check_arrays(path: str, headers: dict, params: dict) -> None:
    """Every problem between the file's arrays (as their headers describe them) and the
    model's params, in one ValueError."""
    problems = []
    missing = sorted(set(params) - set(headers))
    extra = sorted(set(headers) - set(params))
    if missing:
        problems.append(f"missing arrays {missing}")
    if extra:
        problems.append(f"unexpected arrays {extra}")
    for name in sorted(set(params) & set(headers)):
        want, (shape, dtype) = params[name], headers[name]
        if shape != want.shape:
            problems.append(f"{name!r} has shape {shape}, the model expects {want.shape}")
        elif dtype != want.dtype:
            problems.append(f"{name!r} has dtype {dtype}, the model expects {want.dtype}")
    if problems:
        raise ValueError(f"{path!r} does not fit the model: " + "; ".join(problems))


def load(path, model=None):
    """Load the weights saved at ``path``.

    ``load(path)`` builds a new model from the stored spec with ``rrnn.models.build`` and
    returns it. ``load(path, model)`` checks that the stored spec equals ``model.spec``, then
    copies the arrays into ``model.params`` in place (anything holding those arrays, such as
    an optimiser, sees the loaded values) and returns ``model``.

    Everything is checked before anything is built, read in full or copied: the members'
    names, shapes and dtypes from their headers; the spec (a spec describing more parameters
    than the file holds is refused without building it); then every array is read and must be
    finite, and every target must be writeable. Raises ValueError naming ``path`` and the
    problem, or TypeError if ``model`` is not a classifier; in every such case ``model`` is
    left exactly as it was.
    """
    if model is not None:
        _check_model(model)
    path = _existing(path)
    headers = _headers(path)
    spec = _read_spec(path, headers)
    del headers[SPEC_KEY]
    if model is None:
        from . import models  # imported here: models imports most of the package
        try:
            count = models.parameter_count(spec)
        except (TypeError, ValueError, KeyError) as err:
            raise ValueError(f"{path!r}: cannot build a model from its spec {spec!r} ({err})") from err
        held = sum(int(np.prod(shape)) for shape, _ in headers.values())
        if count > held:
            raise ValueError(f"{path!r}: its spec describes a model of {count:,} parameters, but the file "
                             f"holds only {held:,} numbers")
        model = models.build(spec)
    else:
        expected = json.loads(_spec_json(model.spec))  # tuples -> lists, as they were stored
        if spec != expected:
            absent = "<absent>"
            keys = sorted(k for k in spec.keys() | expected.keys() if spec.get(k, absent) != expected.get(k, absent))
            diff = ", ".join(f"{k}: file {spec.get(k, absent)!r} vs model {expected.get(k, absent)!r}" for k in keys)
            raise ValueError(f"{path!r} holds a different architecture than the given model ({diff})")
    _check_arrays(path, headers, model.params)
    arrays = _read_arrays(path, headers)
    for name, value in sorted(arrays.items()):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{path!r}: array {name!r} is not finite (it holds NaN or inf)")
        if not model.params[name].flags.writeable:
            raise ValueError(f"model.params[{name!r}] is read-only, so {path!r} cannot be loaded into it")
    for name, value in arrays.items():
        np.copyto(model.params[name], value)
    return model
