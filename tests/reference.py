"""Independent, loop-by-loop implementations written for the tests.

They follow docs/rmc.md §2 row by row and head by head, with no reshapes or broadcasting tricks,
so a convention error in the vectorised package code (a wrong transpose, a head split in the
wrong order, the gates on the wrong memory) shows up as a mismatch.
"""
import math

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def layer_norm_row(row, gamma, beta, eps=1e-5):
    mean = sum(row) / len(row)
    var = sum((v - mean) ** 2 for v in row) / len(row)
    return np.array([g * (v - mean) / math.sqrt(var + eps) + b for v, g, b in zip(row, gamma, beta)])


def attention_rows(X, blk, A, K, V):
    """X: (N, P) rows of one example. Returns the attended rows and weights[a][i][j]."""
    N = len(X)
    qkv = [layer_norm_row(X[i] @ blk["qkv.W"] + blk["qkv.b"], blk["qkv_ln.gamma"], blk["qkv_ln.beta"])
           for i in range(N)]
    out = np.zeros((N, A * V))
    weights = np.zeros((A, N, N))
    for a in range(A):
        base = a * (2 * K + V)
        q = [qkv[i][base:base + K] for i in range(N)]
        k = [qkv[i][base + K:base + 2 * K] for i in range(N)]
        v = [qkv[i][base + 2 * K:base + 2 * K + V] for i in range(N)]
        for i in range(N):
            logits = [float(np.dot(q[i], k[j])) / math.sqrt(K) for j in range(N)]
            top = max(logits)
            e = [math.exp(z - top) for z in logits]
            total = sum(e)
            for j in range(N):
                weights[a, i, j] = e[j] / total
                out[i, a * V:(a + 1) * V] += weights[a, i, j] * v[j]
    return out, weights


def rmc_step(x, memory, params, cfg):
    """One RMC step for a batch, looping over examples. Returns (next memory, weights per block)."""
    S, P = cfg.num_slots, cfg.slot_size
    next_memory = np.zeros_like(memory)
    all_weights = []
    for b in range(len(x)):
        x_proj = x[b] @ params["in.W"] + params["in.b"]
        X = np.vstack([memory[b], x_proj])
        weights_b = []
        for j in range(cfg.num_blocks):
            blk = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(f"block{j}.")}
            att, w = attention_rows(X, blk, cfg.num_heads, cfg.key_size, cfg.head_size)
            weights_b.append(w)
            X = np.array([layer_norm_row(X[i] + att[i], blk["ln1.gamma"], blk["ln1.beta"]) for i in range(len(X))])
            rows = []
            for i in range(len(X)):
                h = X[i]
                for layer in range(cfg.attention_mlp_layers):
                    h = h @ params[f"mlp{layer}.W"] + params[f"mlp{layer}.b"]
                    if layer < cfg.attention_mlp_layers - 1:
                        h = np.maximum(h, 0)
                rows.append(layer_norm_row(X[i] + h, blk["ln2.gamma"], blk["ln2.beta"]))
            X = np.array(rows)
        all_weights.append(weights_b)
        for s in range(S):
            attended = X[s]
            if cfg.gate_style is None:
                next_memory[b, s] = attended
                continue
            G = cfg.gate_size
            gx = x_proj @ params["gate_x.W"] + params["gate_x.b"]
            gm = np.tanh(memory[b, s]) @ params["gate_m.W"] + params["gate_m.b"]
            g = gx + gm
            for e in range(P):
                ge = e if G == P else 0  # a 'memory' gate is one scalar per slot
                i_gate = sigmoid(g[ge] + cfg.input_bias)
                f_gate = sigmoid(g[G + ge] + cfg.forget_bias)
                next_memory[b, s, e] = i_gate * math.tanh(attended[e]) + f_gate * memory[b, s, e]
    return next_memory, all_weights
