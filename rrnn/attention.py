"""Dot-product attention, one head and many, as the Relational Memory Core uses it.

Shapes: B batch, N rows (memory slots plus input rows), A heads, K key size per head,
V value size per head (the RMC's head_size, K in the package glossary, where K = V unless a key_size
is given). There is no output projection: the heads'
outputs are concatenated, so the result is A*V wide (Sonnet v1).
"""
from __future__ import annotations

from typing import NamedTuple

import math

import numpy as np

from .layers import (Gradients, LayerNormCache, LinearCache, layer_norm_backward, layer_norm_forward, linear_forward,
                     softmax, softmax_backward)


def scaled_dot_product_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray):
    """softmax(q k^T / sqrt(K)) v.

    q: (..., Nq, K); k: (..., Nk, K); v: (..., Nk, V).
    Returns out (..., Nq, V) and weights (..., Nq, Nk), each row of weights summing to 1.
    """
    logits = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])  # keep logits O(1) as K grows
    weights = softmax(logits, axis=-1)
    return weights @ v, weights


class AttentionCache(NamedTuple):
    qkv_linear: LinearCache
    qkv_norm: LayerNormCache
    q: np.ndarray        # (B, A, N, K), already scaled by 1/sqrt(K)
    k: np.ndarray        # (B, A, N, K)
    v: np.ndarray        # (B, A, N, V)
    weights: np.ndarray  # (B, A, N, N): row i says how much row i reads from each row j


def multihead_attention_forward(x: np.ndarray, params: dict, num_heads: int, key_size: int):
    """Multi-head self-attention over the rows of x, with a layer norm on q, k, v.

    x: (B, N, P). params: "qkv.W" (P, A*(2K+V)), "qkv.b" (A*(2K+V),),
    "qkv_ln.gamma", "qkv_ln.beta" (A*(2K+V),). Every row is a query, a key and a value;
    nothing is masked. Returns out (B, N, A*V) and the cache (with the attention weights).
    """
    B, N, _ = x.shape
    A, K = num_heads, key_size
    qkv, lin = linear_forward(x, params["qkv.W"], params["qkv.b"])              # (B, N, A*(2K+V))
    qkv, norm = layer_norm_forward(qkv, params["qkv_ln.gamma"], params["qkv_ln.beta"])
    qkv = qkv.reshape(B, N, A, -1).transpose(0, 2, 1, 3)                         # (B, A, N, 2K+V)
    q, k, v = qkv[..., :K], qkv[..., K:2 * K], qkv[..., 2 * K:]
    q = q / math.sqrt(K)  # Sonnet's fixed 1/sqrt(K); a Python float keeps float32 float32
    weights = softmax(q @ k.transpose(0, 1, 3, 2), axis=-1)                      # (B, A, N, N)
    out = (weights @ v).transpose(0, 2, 1, 3).reshape(B, N, -1)                  # (B, N, A*V)
    return out, AttentionCache(lin, norm, q, k, v, weights)


def multihead_attention_backward(dout: np.ndarray, cache: AttentionCache):
    """Gradients of multihead_attention_forward. dout: (B, N, A*V).

    Returns dx (B, N, P) and grads keyed like the params: "qkv.W", "qkv.b", "qkv_ln.gamma",
    "qkv_ln.beta".
    """
    grads = Gradients()
    dx = multihead_attention_backward_into(dout, cache, grads, "")
    return dx, grads.result()


def multihead_attention_backward_into(dout: np.ndarray, cache: AttentionCache, grads: Gradients, prefix: str):
    """multihead_attention_backward that sums the parameter gradients into ``grads`` (keys with
    ``prefix``, e.g. "block0."), for a backward pass through time; returns dx."""
    q, k, v, weights = cache.q, cache.k, cache.v, cache.weights
    B, A, N, K = q.shape
    dheads = dout.reshape(B, N, A, -1).transpose(0, 2, 1, 3)                 # (B, A, N, V)
    dweights = dheads @ v.transpose(0, 1, 3, 2)                               # (B, A, N, N)
    dv = weights.transpose(0, 1, 3, 2) @ dheads                               # (B, A, N, V)
    dlogits = softmax_backward(dweights, weights)
    dqkv = np.empty((B, N, A, 2 * K + v.shape[-1]), dout.dtype)              # written through a per-head view
    heads = dqkv.transpose(0, 2, 1, 3)                                        # (B, A, N, 2K+V)
    np.matmul(dlogits, k, out=heads[..., :K])
    heads[..., :K] /= math.sqrt(K)                                            # through the 1/sqrt(K) scale
    np.matmul(dlogits.transpose(0, 1, 3, 2), q, out=heads[..., K:2 * K])
    heads[..., 2 * K:] = dv
    dqkv = dqkv.reshape(B, N, -1)
    dqkv, dgamma, dbeta = layer_norm_backward(dqkv, cache.qkv_norm)
    grads.add(prefix + "qkv_ln.gamma", dgamma)
    grads.add(prefix + "qkv_ln.beta", dbeta)
    return grads.linear(dqkv, cache.qkv_linear, prefix + "qkv.W", prefix + "qkv.b")
