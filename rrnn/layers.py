"""Row-wise building blocks: linear maps, layer norm, softmax, the MLP, activations.

Each differentiable piece is a ``*_forward`` returning ``(out, cache)``; its ``*_backward``
sits beside it. Everything acts on the last axis and broadcasts over the leading ones, so
the same code serves ``(B, D)`` inputs and ``(B, S, M)`` memories.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


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
    dWs, dbs = [], []
    for layer in reversed(range(len(cache.linears))):
        if layer < len(cache.linears) - 1:
            dy = dy * (cache.pre_activations[layer] > 0)  # ReLU passes gradient where it was active
        dy, dW, db = linear_backward(dy, cache.linears[layer])
        dWs.append(dW)
        dbs.append(db)
    return dy, dWs[::-1], dbs[::-1]


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
