"""Row-wise building blocks: linear maps, layer norm, softmax, the MLP, activations.

Each differentiable piece is a ``*_forward`` returning ``(out, cache)``; its ``*_backward``
sits beside it. Everything acts on the last axis and broadcasts over the leading ones, so
the same code serves ``(B, D)`` inputs and ``(B, S, P)`` memories.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


# In float64, sigmoid and tanh are written with np.exp: NumPy's float64 np.tanh has no SIMD
# loop on AVX2 machines and costs about 4x np.exp per number (measured: 54 ns vs 13 ns), and an
# RMC step spends a good part of its time in them. float32's np.tanh is SIMD and about as fast
# as the exp form, so float32 keeps it (and its last-bit rounding). Capping x keeps exp(x)
# finite without an errstate.
def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + e^-x): e / (1 + e) with e = exp(x) in float64, through tanh otherwise.

    Exact at the extremes and never overflows: x is capped at 40, where sigmoid is 1 in float64,
    and for x below about -745 e underflows to 0, so sigmoid is exactly 0.
    """
    if x.dtype != np.float64:
        return 0.5 * (1.0 + np.tanh(0.5 * x))
    e = np.exp(np.minimum(x, 40.0))
    return np.divide(e, e + 1.0, out=e)


def tanh(x: np.ndarray) -> np.ndarray:
    """np.tanh, as (e - 1) / (e + 1) with e = exp(2x) in float64 (see sigmoid), equal to float
    rounding; x is capped at 20, where tanh is 1 in float64."""
    if x.dtype != np.float64:
        return np.tanh(x)
    e = np.exp(2.0 * np.minimum(x, 20.0))
    return np.divide(e - 1.0, np.add(e, 1.0, out=e), out=e)


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; subtracting the max keeps exp() from overflowing."""
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------- linear
class LinearCache(NamedTuple):
    x: np.ndarray
    W: np.ndarray


def linear_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """y = x W + b. x: (..., I); W: (I, O); b: (O,). Returns y (..., O) and a cache."""
    y = x.reshape(-1, x.shape[-1]) @ W  # one 2-D GEMM, not a batch of small ones
    y += b
    return y.reshape(x.shape[:-1] + (W.shape[1],)), LinearCache(x, W)


def linear_backward(dy: np.ndarray, cache: LinearCache):
    """Gradients of y = x W + b. dy: (..., O). Returns dx (..., I), dW (I, O), db (O,)."""
    x, W = cache
    x2, dy2 = x.reshape(-1, x.shape[-1]), dy.reshape(-1, dy.shape[-1])  # leading axes act as batch
    return (dy2 @ W.T).reshape(x.shape), x2.T @ dy2, dy2.sum(axis=0)


class Gradients:
    """Parameter gradients summed over every use of each parameter (the steps of a sequence, the
    blocks that share one MLP), for a backward pass through time.

    ``add(key, value)`` sums a gradient in. ``linear(dy, cache, weight_key, bias_key)`` is
    linear_backward with the weight gradients left for later: it returns dx = dy W^T and keeps
    the pair (x, dy); ``result()`` then sums all of a weight's uses at once,
    dW = sum_t x_t^T dy_t = X^T dY with the uses stacked into X and dY: one matrix product per
    weight instead of one per step (the same arithmetic, far fewer calls). The kept arrays must
    not be changed afterwards.
    """

    def __init__(self):
        self.sums = {}
        self.pairs = {}        # (weight key, bias key or None) -> ([x (rows, I), ...], [dy (rows, O), ...])

    def add(self, key: str, value: np.ndarray):
        self.sums[key] = self.sums[key] + value if key in self.sums else value

    def linear(self, dy: np.ndarray, cache: LinearCache, weight_key: str, bias_key: str | None = None) -> np.ndarray:
        """dx for y = x W (+ b), with cache = (x, W); dW (and db) are summed in by result()."""
        x, W = cache
        dy2 = dy.reshape(-1, dy.shape[-1])
        xs, dys = self.pairs.setdefault((weight_key, bias_key), ([], []))
        xs.append(x.reshape(-1, x.shape[-1]))
        dys.append(dy2)
        return (dy2 @ W.T).reshape(x.shape[:-1] + W.shape[:1])

    def result(self) -> dict:
        """The summed gradients, keyed by every key given to add() and linear()."""
        grads = dict(self.sums)
        for (weight_key, bias_key), (xs, dys) in self.pairs.items():
            X, dY = (parts[0] if len(parts) == 1 else np.concatenate(parts) for parts in (xs, dys))
            grads[weight_key] = stacked_outer_sum(X, dY)
            if bias_key is not None:
                grads[bias_key] = dY.sum(axis=0)
        return grads


def stacked_outer_sum(X: np.ndarray, dY: np.ndarray, block: int = 128) -> np.ndarray:
    """X^T dY for X (R, I), dY (R, O) with many rows R, as a sum over blocks of ``block`` rows.

    The same arithmetic as X.T @ dY, but OpenBLAS runs a product with a long inner dimension
    slowly in float32 (measured: 3x slower for R = 12,288 than in blocks of 128 rows, one
    batched matmul; float64 runs the same either way).
    """
    full = X.shape[0] - X.shape[0] % block
    if full <= block:
        return X.T @ dY
    blocks = np.matmul(X[:full].reshape(-1, block, X.shape[1]).transpose(0, 2, 1),
                       dY[:full].reshape(-1, block, dY.shape[1])).sum(axis=0)
    return blocks + X[full:].T @ dY[full:] if full < X.shape[0] else blocks


# ---------------------------------------------------------------- layer norm
class LayerNormCache(NamedTuple):
    x_hat: np.ndarray      # (..., F) normalised input
    inv_std: np.ndarray    # (..., 1)
    gamma: np.ndarray


def layer_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """Normalise each row of x over its last axis, then scale and shift.

    y = gamma * (x - mean) / sqrt(var + eps) + beta, with mean and (biased) var per row.
    x: (..., F); gamma, beta: (F,). eps 1e-5 as in Sonnet v1.
    """
    F = x.shape[-1]
    # row sums by einsum: several times faster than .mean(axis=-1) on short rows
    x_hat = x - np.einsum("...f->...", x)[..., None] / F
    var = np.einsum("...f,...f->...", x_hat, x_hat)[..., None] / F
    if np.isfinite(var).all():
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat *= inv_std
    else:   # rows beyond ~1e154 overflow their squares: normalise them divided by their largest entry
        x_hat, inv_std = _layer_norm_rescaled(x, eps)
    y = x_hat * gamma
    y += beta
    return y, LayerNormCache(x_hat, inv_std, gamma)


def _layer_norm_rescaled(x: np.ndarray, eps: float):
    """x_hat and inv_std = 1 / sqrt(var + eps) computed on x / s, s = max |x| per row, so that no
    square overflows: (x - mean) / sqrt(var + eps) = (x/s - mean/s) / sqrt(var/s^2 + eps/s^2)."""
    scale = np.abs(x).max(axis=-1, keepdims=True)
    scale[scale == 0] = 1.0
    x_s = x / scale
    centred = x_s - x_s.mean(axis=-1, keepdims=True)
    var_s = (centred * centred).mean(axis=-1, keepdims=True)
    with np.errstate(over="ignore", under="ignore"):        # s^2 may overflow: eps / s^2 is then 0
        inv_std_s = 1.0 / np.sqrt(var_s + eps / (scale * scale))
        return centred * inv_std_s, inv_std_s / scale     # d x_hat / dx carries the 1 / s


def layer_norm_backward(dy: np.ndarray, cache: LayerNormCache):
    """Gradients of layer norm. dy: (..., F). Returns dx (..., F), dgamma (F,), dbeta (F,)."""
    x_hat, inv_std, gamma = cache
    F = x_hat.shape[-1]
    dy2, x_hat2 = dy.reshape(-1, F), x_hat.reshape(-1, F)
    dgamma = np.einsum("nf,nf->f", dy2, x_hat2)
    dbeta = dy2.sum(axis=0)
    dx = dy * gamma                                                   # dL/dx_hat, updated in place
    # d/dx of (x - mean) * inv_std: remove the mean of dx_hat and its projection on x_hat
    mean = np.einsum("...f->...", dx)[..., None] / F
    projection = np.einsum("...f,...f->...", dx, x_hat)[..., None] / F
    dx -= mean
    dx -= x_hat * projection
    dx *= inv_std
    return dx, dgamma, dbeta


def softmax_backward(dp: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Gradient through p = softmax(z): dz = p * (dp - sum(dp * p))."""
    return p * (dp - (dp * p).sum(axis=axis, keepdims=True))


# ---------------------------------------------------------------- MLP
class MLPCache(NamedTuple):
    linears: tuple          # LinearCache per layer
    pre_activations: tuple  # (..., F) before each ReLU (all layers but the last)


def mlp_forward(x: np.ndarray, weights: list, biases: list):
    """Row-wise MLP: Linear, ReLU, ..., Linear. No activation after the last layer.

    x: (..., F0); weights[l]: (F_l, F_{l+1}); biases[l]: (F_{l+1},).
    """
    linears, pre = [], []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        x, cache = linear_forward(x, W, b)
        linears.append(cache)
        if layer < len(weights) - 1:
            pre.append(x)
            x = np.maximum(x, 0.0)
    return x, MLPCache(tuple(linears), tuple(pre))


def mlp_backward(dy: np.ndarray, cache: MLPCache):
    """Gradients of mlp_forward. Returns dx and the lists dWs, dbs (one per layer)."""
    grads = Gradients()
    dx = mlp_backward_into(dy, cache, grads, "layer")
    grads = grads.result()
    layers = range(len(cache.linears))
    return dx, [grads[f"layer{layer}.W"] for layer in layers], [grads[f"layer{layer}.b"] for layer in layers]


def mlp_backward_into(dy: np.ndarray, cache: MLPCache, grads: Gradients, prefix: str) -> np.ndarray:
    """mlp_backward that sums layer l's weight gradients into ``grads`` as f"{prefix}{l}"; returns dx."""
    for layer in reversed(range(len(cache.linears))):
        if layer < len(cache.linears) - 1:
            dy = dy * (cache.pre_activations[layer] > 0)  # ReLU passes gradient where it was active
        dy = grads.linear(dy, cache.linears[layer], f"{prefix}{layer}.W", f"{prefix}{layer}.b")
    return dy


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray):
    """Mean cross-entropy of integer labels under softmax(logits), and its gradient.

    logits: (B, C); labels: (B,) ints in [0, C). Returns loss (float) and dlogits (B, C).
    """
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    B = logits.shape[0]
    loss = -log_p[np.arange(B), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(B), labels] -= 1.0
    return float(loss), dlogits / B
