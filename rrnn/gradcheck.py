"""Gradient checking by centred finite differences, in float64.

Two entry points:

- ``check_gradients(forward, backward, inputs)`` for any ``*_forward`` / ``*_backward`` pair:
  the scalar checked is ``sum(out * upstream)`` for a random (or given) upstream gradient, so
  every element of the backward pass is exercised, not just a sum.
- ``check_model(model, X, y)`` for anything with ``params`` and ``loss(X, y) -> (loss, grads)``;
  large tensors are checked at a random sample of entries.

The error reported for each array is ``max|analytic - numerical| / max(max|analytic|,
max|numerical|)``: the worst disagreement relative to the gradient's own scale, so a tiny
entry next to large ones cannot inflate it, and a wrong gradient cannot hide behind it.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_rng


def relative_error(analytic: np.ndarray, numerical: np.ndarray) -> float:
    """max|a - n| / max(max|a|, max|n|); 0 when both are exactly zero."""
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numerical).max(initial=0.0))
    diff = np.abs(np.asarray(analytic) - np.asarray(numerical)).max(initial=0.0)
    return 0.0 if scale == 0.0 else float(diff / scale)


def numerical_gradient(f, array: np.ndarray, indices=None, h: float = 1e-6) -> np.ndarray:
    """Centred differences (f(a + h) - f(a - h)) / 2h of the scalar ``f()`` w.r.t. ``array``.

    ``array`` is perturbed in place (and restored); ``indices`` is an iterable of index
    tuples to visit (default: every entry). Returns the gradient at those entries, in order.
    """
    if array.dtype != np.float64:
        raise TypeError(f"array must be float64 for a gradient check, got {array.dtype}")
    indices = list(np.ndindex(array.shape)) if indices is None else list(indices)
    grad = np.empty(len(indices))
    for n, index in enumerate(indices):
        saved = array[index]
        array[index] = saved + h
        up = f()
        array[index] = saved - h
        down = f()
        array[index] = saved
        grad[n] = (up - down) / (2 * h)
    return grad


def check_gradients(forward, backward, inputs: dict, *, upstream=None, rng=None, h: float = 1e-6) -> dict:
    """Compare ``backward`` with finite differences of ``forward`` for every array in ``inputs``.

    forward(**inputs) -> (out, cache); backward(dout, cache) -> dict of gradients keyed by
    (a subset of) the names in ``inputs``. ``upstream`` is dout (default: standard normal,
    drawn with ``rng``). Returns {name: relative error} for every name backward returned.
    """
    out, cache = forward(**inputs)
    if upstream is None:
        upstream = as_rng(rng).standard_normal(np.shape(out))
    analytic = backward(upstream, cache)
    missing = set(analytic) - set(inputs)
    if missing:
        raise ValueError(f"backward returned gradients for {sorted(missing)}, which are not among the inputs "
                         f"{sorted(inputs)}")

    def scalar():
        return float(np.sum(forward(**inputs)[0] * upstream))

    return {name: relative_error(analytic[name].ravel(), numerical_gradient(scalar, inputs[name], h=h))
            for name in analytic}


def check_model(model, X, y, *, max_entries: int | None = 30, rng=None, h: float = 1e-6) -> dict:
    """Compare ``model.loss``'s gradients with finite differences, parameter by parameter.

    Checks at most ``max_entries`` randomly chosen entries per parameter (None: all of them),
    always including the entry with the largest analytic gradient. Returns {key: error}.
    """
    rng = as_rng(rng)
    _, grads = model.loss(X, y)
    if set(grads) != set(model.params):
        raise ValueError(f"loss returned gradients for {sorted(set(grads) ^ set(model.params))} that do not match "
                         f"the params keys")
    errors = {}
    for key, param in model.params.items():
        flat = np.arange(param.size)
        if max_entries is not None and param.size > max_entries:
            flat = rng.choice(param.size, size=max_entries - 1, replace=False)
            flat = np.unique(np.append(flat, np.abs(grads[key]).argmax()))
        indices = [np.unravel_index(i, param.shape) for i in flat]
        numerical = numerical_gradient(lambda: model.loss(X, y)[0], param, indices, h)
        analytic = np.array([grads[key][i] for i in indices])
        scale = max(np.abs(grads[key]).max(initial=0.0), np.abs(numerical).max(initial=0.0))
        diff = np.abs(analytic - numerical).max(initial=0.0)
        errors[key] = 0.0 if scale == 0.0 else float(diff / scale)
    return errors
