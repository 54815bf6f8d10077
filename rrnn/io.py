"""Save a model to one ``.npz`` file and load it back, bit for bit.

The file holds every array of ``model.params`` under its own name, plus the architecture
as a JSON string in a 0-d unicode array under ``"__spec__"``. Nothing is pickled, so
``np.load(path, allow_pickle=False)`` reads it, and so does any other NumPy program.

Loading checks the whole file against the model (keys, shapes, dtypes, spec) *before*
copying a single array, so a bad file raises a ValueError and leaves the model as it was.
"""
from __future__ import annotations

import contextlib
import errno
import io as _io
import json
import math
import os
import stat
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
    write leaves no temporary behind, and its OSError names ``path``. The temporary name is unique
    (``tempfile.mkstemp``), so two processes saving to one path do not write into each other's file:
    the last rename wins.
    """
    path = os.fspath(path)
    tmp = stage(path, write)
    try:
        commit(tmp, path)
    except BaseException:
        discard(tmp)
        raise
    return path


def stage(path, write) -> str:
    """Write ``write(file)`` to a new temporary file beside ``path``, flushed to disk, and return its
    name (for :func:`commit`). On any error the temporary is removed; an OSError names ``path``."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
    except OSError as err:
        raise _naming(err, path) from err
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())   # the data is on disk before a rename can make it the file at path
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; a saved file gets the usual mode
    except OSError as err:
        discard(tmp)
        raise _naming(err, path) from err
    except BaseException:
        discard(tmp)
        raise
    return tmp


def commit(tmp: str, path) -> None:
    """Rename the staged ``tmp`` onto ``path`` (one atomic step); an OSError names ``path``."""
    path = os.fspath(path)
    if os.path.isdir(path):   # os.replace's own message would name the temporary
        raise IsADirectoryError(errno.EISDIR, "a directory is in the way", path)
    try:
        os.replace(tmp, path)
    except OSError as err:
        raise _naming(err, path) from err


def discard(tmp: str) -> None:
    """Remove a staged temporary, if it is still there."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _naming(err: OSError, path: str) -> OSError:
    """The same kind of OSError, naming the target ``path`` rather than a temporary file."""
    if err.errno is None:
        return type(err)(f"cannot write {path!r}: {err}")
    return type(err)(err.errno, err.strerror or str(err), path)


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
    Returns ``path``; an OSError names ``path``.
    """
    arrays = _arrays_to_save(model)
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def save_to(model, file) -> None:
    """Write the ``.npz`` that :func:`save` writes to an open binary ``file`` (same checks)."""
    np.savez(file, **_arrays_to_save(model))


def _arrays_to_save(model) -> dict:
    _check_model(model)
    spec = _spec_json(model.spec)
    params = model.params
    if SPEC_KEY in params:
        raise ValueError(f"model.params must not contain the reserved key {SPEC_KEY!r}")
    for name, p in params.items():
        if p.dtype.kind not in "biufc":
            raise TypeError(f"model.params[{name!r}] must be an array of numbers, got dtype {p.dtype}")
        if not np.all(np.isfinite(p)):
            raise ValueError(f"model.params[{name!r}] is not finite (NaN or inf): not saving weights "
                             f"that load would refuse")
    return {SPEC_KEY: np.array(spec), **params}


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
MAX_SPEC_DEPTH = 8
"""A spec is an object of sizes and lists of sizes; deeper nesting is refused."""
MAX_SPEC_INT = 2**63 - 1
"""The largest integer a spec may hold (sizes far beyond it only overflow arithmetic)."""
MAX_FILE_BYTES = 1 << 30
"""The largest weight file ``load`` reads, on disk and unpacked (1 GiB: 134 million float64 weights)."""


def _read_file(path) -> tuple[str, bytes]:
    """``(path, its bytes)``, read once, from a regular file of at most MAX_FILE_BYTES.

    Directories, FIFOs and devices are refused without reading (a FIFO is opened without waiting
    for a writer), and so is a file that grows while it is read.
    """
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no saved model at {path!r}") from None
    except OSError as err:
        raise ValueError(f"{path!r} cannot be read as a saved model ({err.strerror or err})") from err
    try:
        mode, size = os.fstat(fd).st_mode, os.fstat(fd).st_size
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket or other special file"
            raise ValueError(f"{path!r} is {kind}, not a regular file: a saved model is an .npz file")
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{path!r} holds {size:,} bytes, more than a model file may "
                             f"(rrnn.io.MAX_FILE_BYTES = {MAX_FILE_BYTES:,})")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(size + 1)          # one byte more than declared shows a file still growing
    except OSError as err:
        raise ValueError(f"{path!r} cannot be read as a saved model ({err.strerror or err})") from err
    finally:
        os.close(fd)
    if len(data) != size:
        raise ValueError(f"{path!r} changed while it was read (it had {size:,} bytes, {len(data):,} were read)")
    return path, data


def _headers(path: str, data: bytes) -> dict:
    """name -> (shape, dtype) of every member, read from the .npy headers without reading data.

    Each member must be an .npy array named once, holding exactly the bytes its header declares,
    and all of them together at most MAX_FILE_BYTES.
    """
    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            headers, unpacked = {}, 0
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"member {info.filename!r} is not a .npy array")
                name = info.filename[:-len(".npy")]
                if name in headers:
                    raise ValueError(f"member {info.filename!r} appears more than once")
                unpacked += info.file_size
                if unpacked > MAX_FILE_BYTES:
                    raise ValueError(f"its members unpack to more than {MAX_FILE_BYTES:,} bytes "
                                     f"(rrnn.io.MAX_FILE_BYTES)")
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    if version not in ((1, 0), (2, 0)):
                        raise ValueError(f"member {info.filename!r} has .npy format version {version}")
                    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0
                    shape, _, dtype = reader(f)
                    header_bytes = f.tell()
                if dtype.hasobject:
                    raise ValueError(f"member {info.filename!r} holds Python objects (pickled data)")
                claimed = header_bytes + math.prod(shape) * dtype.itemsize
                if claimed != info.file_size:
                    raise ValueError(f"member {info.filename!r} has a header claiming shape {shape} of {dtype} "
                                     f"({claimed:,} bytes with the header), but it holds {info.file_size:,} bytes")
                headers[name] = (shape, dtype)
    except Exception as err:  # zipfile, header and format errors all mean "not a usable file"
        raise ValueError(f"{path!r} is not a readable .npz model file ({type(err).__name__}: {err})") from err
    return headers


def _read_arrays(path: str, data: bytes, names) -> dict:
    try:
        # Read every array now, inside the try: a truncated member only fails when it is read.
        with np.load(_io.BytesIO(data), allow_pickle=False) as npz:
            return {name: npz[name] for name in names}
    except Exception as err:
        raise ValueError(f"{path!r} is not a readable .npz model file ({type(err).__name__}: {err})") from err


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > len(str(MAX_SPEC_INT)) or abs(int(digits)) > MAX_SPEC_INT:
        raise ValueError(f"the integer {digits:.30}{'...' if len(digits) > 30 else ''} ({len(digits):,} digits) "
                         f"is out of range (at most {MAX_SPEC_INT:,} in absolute value)")
    return int(digits)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text:.30} is out of range (not a finite float)")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number (JSON has no NaN or Infinity)")


def _depth(obj) -> int:
    """How deeply lists and objects nest in ``obj`` (a scalar is 0), without recursion."""
    depth, level = 0, [obj]
    while containers := [o for o in level if isinstance(o, (dict, list))]:
        depth += 1
        level = [v for o in containers for v in (o.values() if isinstance(o, dict) else o)]
    return depth


def _read_spec(path: str, data: bytes, headers: dict) -> dict:
    if SPEC_KEY not in headers:
        raise ValueError(f"{path!r} has no {SPEC_KEY!r} entry, so the architecture is unknown "
                         f"(was it written by rrnn.io.save?)")
    shape, dtype = headers[SPEC_KEY]
    if shape != () or dtype.kind != "U" or dtype.itemsize // 4 > MAX_SPEC_CHARS:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} must be a 0-d unicode array holding JSON (at most "
                         f"{MAX_SPEC_CHARS:,} characters), got dtype {dtype} and shape {shape}")
    raw = _read_arrays(path, data, [SPEC_KEY])[SPEC_KEY]
    try:
        spec = json.loads(str(raw), parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:   # the decoder recurses once per bracket
        raise ValueError(f"{path!r}: {SPEC_KEY!r} nests lists or objects more than {MAX_SPEC_DEPTH} deep") from None
    except ValueError as err:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} is not valid JSON ({err})") from err
    if not isinstance(spec, dict) or "model" not in spec:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} must be a JSON object with a 'model' entry, got {spec!r:.200}")
    if _depth(spec) > MAX_SPEC_DEPTH:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} nests lists or objects more than {MAX_SPEC_DEPTH} deep")
    if "rng" in spec:
        raise ValueError(f"{path!r}: {SPEC_KEY!r} has the key 'rng', which is not part of an architecture "
                         f"(the file holds the weights themselves); got rng={spec['rng']!r:.80}")
    return spec


def read(path) -> tuple[dict, dict]:
    """Read a saved file without building anything: returns ``(spec, arrays)``.

    Raises FileNotFoundError if there is no file, and a ValueError naming ``path`` if it
    is not a regular, readable ``.npz`` (truncated, corrupt, pickled objects, members that
    are not arrays or appear twice, headers that do not match their data, larger than
    MAX_FILE_BYTES) or has no valid spec.
    """
    path, data = _read_file(path)
    headers = _headers(path, data)
    spec = _read_spec(path, data, headers)
    return spec, _read_arrays(path, data, [name for name in headers if name != SPEC_KEY])


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

    ``path`` must be a regular file (not a directory, FIFO or device) of at most MAX_FILE_BYTES;
    it is read once. Everything is checked before anything is built or copied: the members'
    names (each once), shapes and dtypes from their headers, which must match their data; the
    spec (bounded JSON: no deep nesting, no huge numbers, no 'rng'; a spec describing more
    parameters than the file holds is refused without building it); then every array is read
    and must be finite, and every target must be writeable. Raises ValueError naming ``path`` and the
    problem, or TypeError if ``model`` is not a classifier; in every such case ``model`` is
    left exactly as it was.
    """
    if model is not None:
        _check_model(model)
    path, data = _read_file(path)
    headers = _headers(path, data)
    spec = _read_spec(path, data, headers)
    del headers[SPEC_KEY]
    if model is None:
        from . import models  # imported here: models imports most of the package
        try:
            count = models.parameter_count(spec)
        except (TypeError, ValueError, KeyError, OverflowError) as err:
            raise ValueError(f"{path!r}: cannot build a model from its spec {spec!r:.300} ({err})") from err
        held = sum(math.prod(shape) for shape, _ in headers.values())
        if count > held:
            raise ValueError(f"{path!r}: its spec describes a model of {count:,} parameters, but the file "
                             f"holds only {held:,} numbers")
        model = models.build(spec)
        built = json.loads(_spec_json(model.spec))
        dropped = sorted(k for k in spec if built.get(k, _ABSENT) != spec[k])
        if dropped:   # a key the constructor takes but the model does not record would be lost silently
            raise ValueError(f"{path!r}: its spec's {dropped} are not recorded by the model built from it "
                             f"(file {({k: spec[k] for k in dropped})!r:.200} vs model "
                             f"{({k: built.get(k, _ABSENT) for k in dropped})!r:.200})")
    else:
        expected = json.loads(_spec_json(model.spec))  # tuples -> lists, as they were stored
        if spec != expected:
            keys = sorted(k for k in spec.keys() | expected.keys() if spec.get(k, _ABSENT) != expected.get(k, _ABSENT))
            diff = ", ".join(f"{k}: file {spec.get(k, _ABSENT)!r} vs model {expected.get(k, _ABSENT)!r}" for k in keys)
            raise ValueError(f"{path!r} holds a different architecture than the given model ({diff})")
    _check_arrays(path, headers, model.params)
    arrays = _read_arrays(path, data, headers)
    for name, value in sorted(arrays.items()):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{path!r}: array {name!r} is not finite (it holds NaN or inf)")
        if not model.params[name].flags.writeable:
            raise ValueError(f"model.params[{name!r}] is read-only, so {path!r} cannot be loaded into it")
    for name, value in arrays.items():
        np.copyto(model.params[name], value)
    return model


_ABSENT = "<absent>"
