"""Argument checks and random-number handling shared by every model.

Every public entry point validates its arguments *before* it changes anything, so a
bad call raises and leaves the model as it was. Messages name the argument, what was
expected and what was given.
"""
from __future__ import annotations

import numbers

import numpy as np

DEFAULT_SEED = 0
"""The seed used when ``rng=None``.

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
    """``value`` as an int >= 1, or a ValueError/TypeError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {value}")
    return int(value)


def finite_float(name: str, value) -> float:
    """``value`` as a finite float, or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def array(name: str, value, shape: tuple, dims: str | None = None) -> np.ndarray:
    """Check that ``value`` is a finite real array of exactly ``shape``.

    ``shape`` may hold ``None`` for "any size"; ``dims`` names the axes for the message,
    e.g. ``array("h", h, (B, H), "(B, H)")`` reports ``h must have shape (B, H) = (2, 64),
    got (64, 2)``. Returns ``value`` as an ndarray (no copy when it already is one).
    """
    if not isinstance(value, np.ndarray):
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
    if not np.all(np.isfinite(value)):
        bad = "NaN" if np.isnan(value).any() else "inf"
        raise ValueError(f"{name} must be finite, but it contains {bad}")
    return value

