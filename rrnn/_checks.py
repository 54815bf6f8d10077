"""Argument checks and random-number handling shared by every model.

Every public entry point validates its arguments *before* it changes anything, so a
bad call raises and leaves the model as it was. Messages name the argument, what was
expected and what was given.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers

import numpy as np

DEFAULT_SEED = 0
"""The random seed used when ``rng=None``.

``rng=None`` means "the package's fixed default", not "NumPy's global state": the package
never reads or advances ``np.random``'s global generator, so a model built without ``rng``
is the same model in every process, whatever the caller seeded. Pass ``rng=<int>`` or an
``np.random.Generator`` for a different draw.
"""


def as_rng(rng) -> np.random.Generator:
    """Turn ``rng`` (None, an int seed or a Generator) into a Generator."""
    if rng is None:
        return np.random.default_rng(DEFAULT_SEED)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be None, a non-negative int seed or a numpy.random.Generator, "
        f"got {rng!r} ({type(rng).__name__})")


def positive_int(name: str, value) -> int:
    """``value`` as a plain int >= 1 (numpy ints become Python ints), or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {value}")
    return int(value)


def int_list(name: str, value) -> list:
    """``value`` (a list or tuple of positive ints, possibly empty) as a list of plain ints."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of positive ints such as [128, 128], "
                        f"got {value!r} ({type(value).__name__})")
    return [positive_int(f"{name}[{i}]", v) for i, v in enumerate(value)]


def heads_divide(slot_size: int, num_heads: int) -> bool:
    """Can ``num_heads`` heads split a slot of ``slot_size`` features? (Each head gets
    slot_size / num_heads of them.) The rule ``check_heads_divide`` enforces, as a test."""
    return num_heads >= 1 and slot_size % num_heads == 0


def head_counts(slot_size: int, limit: int | None = None) -> list:
    """The head counts that split ``slot_size`` (its divisors, increasing; at most ``limit``)."""
    slot_size = positive_int("slot_size", slot_size)
    small = [A for A in range(1, math.isqrt(slot_size) + 1) if slot_size % A == 0]
    divisors = sorted({*small, *(slot_size // A for A in small)})
    return [A for A in divisors if limit is None or A <= limit]


def _some_head_counts(slot_size: int) -> str:
    if slot_size > 10**12:            # a typo, not a slot: listing its divisors would take long
        return f"a divisor of {slot_size}"
    counts = head_counts(slot_size)
    return f"one of {counts}" if len(counts) <= 16 else f"one of {counts[:8]} ... {counts[-2:]}"


def check_heads_divide(slot_size, num_heads, *, names: tuple = ("slot_size", "num_heads")) -> tuple:
    """(slot_size, num_heads) as ints if the heads split the slot (``heads_divide``), else an error
    naming both arguments (``names``: how the caller calls them), the valid head counts and what
    was given."""
    size_name, heads_name = names
    slot_size, num_heads = positive_int(size_name, slot_size), positive_int(heads_name, num_heads)
    if not heads_divide(slot_size, num_heads):
        raise ValueError(f"{heads_name} must divide {size_name} (each head gets {size_name} / {heads_name} "
                         f"features): {_some_head_counts(slot_size)}; got {size_name}={slot_size}, "
                         f"{heads_name}={num_heads} ({num_heads} heads do not divide {slot_size} features)")
    return slot_size, num_heads


MAX_PARAMETERS = 50_000_000
"""The most parameters a model may have (400 MB in float64): rrnn is a CPU teaching package,
and sizes beyond this are typos (``hidden_size=10**9``) that would otherwise allocate until the
machine runs out of memory. Every constructor checks its count before allocating anything."""

MAX_ELEMENTS = 2**28
"""The most numbers one generated array (a batch of sequences, a memory) may hold: 2 GiB in
float64. Checked before allocating, so ``batch_size=10**9`` is refused at once."""


def _sizes(sizes: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


def parameter_budget(count: int, **sizes) -> int:
    """Refuse (ValueError naming the sizes) a model of more than MAX_PARAMETERS parameters."""
    if count > MAX_PARAMETERS:
        raise ValueError(f"{_sizes(sizes)} would make a model of {count:.3g} parameters "
                         f"({count * 8 / 2**30:.3g} GiB in float64), more than rrnn builds "
                         f"({MAX_PARAMETERS:,}); choose smaller sizes")
    return count


def allocation(shape: tuple, **sizes) -> tuple:
    """Refuse (ValueError naming the sizes) an array of ``shape`` above MAX_ELEMENTS numbers."""
    count = 1
    for n in shape:
        count *= int(n)
    if count > MAX_ELEMENTS:
        raise ValueError(f"{_sizes(sizes)} would need an array of shape {tuple(shape)} "
                         f"({count:.3g} numbers, {count * 8 / 2**30:.3g} GiB in float64), more than "
                         f"rrnn allocates ({MAX_ELEMENTS:,}); choose smaller sizes")
    return shape


DTYPES = {"float64": np.float64, "float32": np.float32}


def dtype_name(name: str, value) -> str:
    """"float64" or "float32" from a name, a NumPy type or a dtype; an error naming ``name``
    for anything else (None included: it is not silently float64)."""
    try:
        dtype = None if value is None else np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or dtype.name not in DTYPES:
        raise (TypeError if value is None else ValueError)(
            f"{name} must be one of {sorted(DTYPES)}, got {value!r}")
    return dtype.name


def finite_float(name: str, value) -> float:
    """``value`` as a finite float, or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def array(name: str, value, shape: tuple, dims: str | None = None) -> np.ndarray:
    """Check that ``value`` is a finite, non-empty real array of exactly ``shape``.

    ``shape`` may hold ``None`` for "any size" (but at least 1); ``dims`` names the axes for
    the message, e.g. ``array("h", h, (B, H), "(B, H)")`` reports ``h must have shape (B, H) =
    (2, 64), got (64, 2)``. Returns ``value`` as a plain ndarray (no copy when it already is one;
    an ``np.matrix`` becomes an ndarray, whose ``*`` and indexing behave as the code expects).
    Masked arrays are refused: their mask would be silently ignored.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a plain array, got a masked array (its mask would be ignored; "
                        f"use .filled() or .compressed() first)")
    if type(value) is not np.ndarray:
        try:
            value = np.asarray(value)
        except Exception as err:  # ragged lists and the like
            raise TypeError(f"{name} must be an array, got {type(value).__name__}") from err
    if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
    if len(shape) == 1:
        want = want[:-1] + ",)"
    label = f"{dims} = {want}" if dims else want
    if value.ndim != len(shape) or any(s is not None and s != v for s, v in zip(shape, value.shape)):
        raise ValueError(f"{name} must have shape {label}, got {value.shape}")
    if value.size == 0:
        axes = dims.strip("()").split(", ") if dims else [f"axis {i}" for i in range(value.ndim)]
        empty = ", ".join(f"{a} = 0" for a, n in zip(axes, value.shape) if n == 0)
        raise ValueError(f"{name} must not be empty (at least one entry along every axis), got {empty} "
                         f"in shape {value.shape}")
    if not np.all(np.isfinite(value)):
        bad = "NaN" if np.isnan(value).any() else "inf"
        raise ValueError(f"{name} must be finite, but it contains {bad}")
    return value


def cast(name: str, value: np.ndarray, dtype) -> np.ndarray:
    """``value`` in ``dtype`` (no copy if it already is), refusing values the cast would turn
    into inf (float64 input above float32's range for a float32 model)."""
    out = value.astype(dtype, copy=False)
    if out is not value and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} holds values beyond {np.dtype(dtype).name}'s range "
                         f"(largest |value| {np.abs(value).max():.3g}), which the model computes in")
    return out


def state(name: str, value, parts: tuple):
    """A recurrent state given as a tuple (or list) of exactly ``parts`` arrays, e.g. (h, c)."""
    want = "(" + ", ".join(parts) + ")"
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple {want}, got {type(value).__name__}")
    if len(value) != len(parts):
        raise ValueError(f"{name} must be a tuple {want} of {len(parts)} arrays, got {len(value)}")
    return tuple(value)


def _plain_arrays(result):
    """The arrays of a result: itself, or inside plain tuples (caches, lists and NamedTuples skipped)."""
    if isinstance(result, np.ndarray):
        yield result
    elif type(result) is tuple:
        for item in result:
            yield from _plain_arrays(item)


def refuse_overflow(method):
    """Decorate a model's ``forward(self, value, ...)``-style method: if its result is not finite
    (finite inputs so large that the computation overflowed, or weights that are not finite), raise
    a ValueError saying so, instead of returning inf / NaN with a RuntimeWarning at best."""
    name = list(inspect.signature(method).parameters)[1]

    @functools.wraps(method)
    def guarded(self, value, *args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):   # reported below, once, as an error
            result = method(self, value, *args, **kwargs)
        if not all(np.isfinite(a).all() for a in _plain_arrays(result)):
            largest = float(np.max(np.abs(np.asarray(value, dtype=np.float64))))
            raise ValueError(f"the result is not finite: the computation overflowed (largest |{name}| is "
                             f"{largest:.3g}; inputs that large, or weights that are not finite, overflow)")
        return result
    return guarded
