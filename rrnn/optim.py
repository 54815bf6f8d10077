"""Optimisers over a model's flat ``params`` dict, and global gradient-norm clipping.

The optimisers hold a reference to the model's ``params`` and update those arrays **in
place** (``p -= ...``), so the model sees the new weights without being told. Their state
(momentum, Adam moments) is keyed like ``params`` and has the same dtype as each parameter,
so a float32 model stays float32.
"""
from __future__ import annotations

import numpy as np

from . import _checks


def _positive_float(name: str, value) -> float:
    value = _checks.finite_float(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def _fraction(name: str, value) -> float:
    """A float in [0, 1): momentum and Adam's betas (1 would never forget)."""
    value = _checks.finite_float(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_params(params) -> dict:
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params must be a non-empty dict of name -> numpy array, "
                        f"got {type(params).__name__}{'' if params else ' (empty)'}")
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"params[{name!r}] must be a floating-point numpy array "
                            f"(it is updated in place), got {kind}")
    return params


class NonFiniteUpdate(ValueError):
    """A step refused because a gradient, or the updated parameter, is not finite (NaN or inf):
    usually a learning rate far too large or a diverged loss. Nothing was changed."""


def check_grads(grads, params: dict) -> dict:
    """Check every gradient before anything is changed; return them as arrays of each param's dtype.

    ``grads`` must have exactly the keys of ``params``; each entry must be a real (float or
    int) array of the parameter's shape, finite, and still finite in the parameter's dtype.
    Raises TypeError (not a dict, not real numbers: strings, objects, complex, masked) or
    ValueError (keys, shapes; NonFiniteUpdate for NaN / inf) naming the gradient.
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict keyed like params, got {type(grads).__name__}")
    missing = sorted(set(params) - set(grads))
    extra = sorted(set(grads) - set(params))
    if missing or extra:
        raise ValueError(f"grads must have the same keys as params; missing {missing}, extra {extra}")
    checked = {}
    for name, p in params.items():
        g = grads[name]
        if isinstance(g, np.ma.MaskedArray):
            raise TypeError(f"grads[{name!r}] must be a plain array, got a masked array")
        try:
            g = np.asarray(g)
        except Exception as err:  # ragged lists and the like
            raise TypeError(f"grads[{name!r}] must be an array of real numbers, got {type(g).__name__}") from err
        if g.dtype.kind not in "fiu":
            raise TypeError(f"grads[{name!r}] must hold real numbers (float or int), got dtype {g.dtype}")
        if g.shape != p.shape:
            raise ValueError(f"grads[{name!r}] must have the shape of params[{name!r}] = {p.shape}, got {g.shape}")
        with np.errstate(over="ignore"):          # float64 -> float32 overflow is reported just below
            cast = g.astype(p.dtype, copy=False)
        if not np.all(np.isfinite(cast)):
            what = "NaN" if np.isnan(g).any() else "inf" if not np.all(np.isfinite(g)) else \
                f"values beyond {p.dtype}'s range"
            raise NonFiniteUpdate(f"grads[{name!r}] must be finite, but it contains {what}; nothing was changed")
        checked[name] = cast
    return checked


def _commit(writes: list, name: str, param: np.ndarray, new_param: np.ndarray, *state):
    """Queue (target, new value) pairs for one parameter and its state, after checking that every
    new value is finite (g * g or lr * g can overflow even when g is finite)."""
    pairs = ((param, new_param),) + state
    if not all(np.all(np.isfinite(value)) for _, value in pairs):
        raise NonFiniteUpdate(f"the step would make params[{name!r}] or its optimiser state non-finite "
                              f"(is the learning rate too large?); nothing was changed")
    writes.extend(pairs)


class _Optimizer:
    """The shared contract: ``step(grads)`` checks everything, computes every new value, and only
    then writes them all, so a step that raises leaves the parameters and the state as they were."""

    def _check_writeable(self):
        for name, p in self.params.items():
            if not p.flags.writeable:
                raise ValueError(f"params[{name!r}] is read-only, so it cannot be updated in place")

    def step(self, grads: dict) -> None:
        """Apply one update from ``grads`` (same keys and shapes as ``params``)."""
        grads = check_grads(grads, self.params)
        self._check_writeable()
        with np.errstate(over="ignore", invalid="ignore"):   # non-finite results are refused by _commit
            writes = self._updates(grads)
        for target, value in writes:
            np.copyto(target, value)
        self._advance()

    def _advance(self):
        """Counters that move only once a step has been applied (Adam's t)."""


class SGD(_Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum.

    v <- momentum * v + g;  p <- p - lr * v      (PyTorch's convention; momentum 0 is plain SGD)

    Args:
      params: the model's dict name -> float array; updated in place by :meth:`step`.
      lr: learning rate, > 0.
      momentum: in [0, 1).
    """

    def __init__(self, params: dict, lr: float, momentum: float = 0.0):
        self.params = _check_params(params)
        self.lr = _positive_float("lr", lr)
        self.momentum = _fraction("momentum", momentum)
        self.velocity = {k: np.zeros_like(p) for k, p in params.items()}

    def _updates(self, grads: dict) -> list:
        writes = []
        for k, p in self.params.items():
            g = grads[k]
            state = ()
            if self.momentum:
                g = self.momentum * self.velocity[k] + g
                state = ((self.velocity[k], g),)
            _commit(writes, k, p, p - self.lr * g, *state)
        return writes


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction.

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)

    Args:
      params: the model's dict name -> float array; updated in place by :meth:`step`.
      lr: learning rate, > 0.
      betas: (b1, b2), each in [0, 1): decay rates of the first and second moment averages.
      eps: > 0, keeps the step finite where v is ~0.
    """

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = _check_params(params)
        self.lr = _positive_float("lr", lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_fraction("betas[0]", betas[0]), _fraction("betas[1]", betas[1]))
        self.eps = _positive_float("eps", eps)
        self.t = 0
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def _updates(self, grads: dict) -> list:
        t = self.t + 1
        b1, b2 = self.betas
        correction1 = 1.0 - b1 ** t   # m and v start at 0, so early averages are too small;
        correction2 = 1.0 - b2 ** t   # dividing by these undoes that bias
        writes = []
        for k, p in self.params.items():
            g = grads[k]
            m = b1 * self.m[k] + (1.0 - b1) * g
            v = b2 * self.v[k] + (1.0 - b2) * (g * g)
            m_hat = m / correction1
            v_hat = v / correction2
            _commit(writes, k, p, p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps), (self.m[k], m), (self.v[k], v))
        return writes

    def _advance(self):
        self.t += 1


OPTIMIZERS = {"sgd": SGD, "adam": Adam}
"""Optimiser name (as ``train`` and the command line spell it) -> class."""


def global_norm(grads: dict) -> float:
    """sqrt(sum over all arrays of sum(g^2)), accumulated in float64."""
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    """Scale all of ``grads`` in place by max_norm / total_norm when total_norm > max_norm.

    The direction is kept; only the length of the concatenated gradient is limited.
    Returns the total (global L2) norm **before** clipping, so it can be logged.
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> numpy array, got {type(grads).__name__}")
    max_norm = _positive_float("max_norm", max_norm)
    for name, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            kind = g.dtype if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"grads[{name!r}] must be a floating-point numpy array "
                            f"(it is scaled in place), got {kind}")
    total = global_norm(grads)
    if total > max_norm:
        scale = max_norm / total
        for g in grads.values():
            g *= scale
    return total
