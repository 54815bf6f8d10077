"""A second implementation of every rrnn model in PyTorch (float64), written from docs/rmc.md.

It shares no code with ``rrnn``: it uses torch's own layer norm, softmax and cross-entropy,
and splits heads with a view instead of rrnn's transposes, so a convention error in either
(gate order, head layout, which memory feeds the gates) shows up as a mismatch. Autograd
then gives the reference gradients.

Every function takes ``p``, a dict of torch tensors with the same keys as an rrnn model's
``params`` (see ``as_torch``), so both sides run with identical weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def as_torch(params: dict, requires_grad: bool = False) -> dict:
    """rrnn's params as float64 torch leaf tensors (copies, so autograd never touches rrnn's arrays)."""
    return {key: torch.tensor(value, dtype=torch.float64, requires_grad=requires_grad)
            for key, value in params.items()}


def sub(p: dict, prefix: str) -> dict:
    """The entries under ``prefix``, with the prefix removed."""
    return {key[len(prefix):]: value for key, value in p.items() if key.startswith(prefix)}


def layer_norm(x, p: dict, name: str):
    """Per-row layer norm over the last axis, eps 1e-5 (Sonnet v1)."""
    return F.layer_norm(x, x.shape[-1:], p[name + ".gamma"], p[name + ".beta"], eps=1e-5)


# ------------------------------------------------------------------------------- LSTM
def lstm_step(x, h, c, p: dict):
    """p: "Wx" (D, 4H), "Wh" (H, 4H), "b" (4H,); the 4H pre-activation is [i | f | o | g]."""
    i, f, o, g = (x @ p["Wx"] + h @ p["Wh"] + p["b"]).chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm(xs, p: dict):
    """xs: (B, T, D) from zero state. Returns hs (B, T, H) and the final (h, c)."""
    B, T, _ = xs.shape
    h = c = xs.new_zeros(B, p["Wh"].shape[0])
    hs = []
    for t in range(T):
        h, c = lstm_step(xs[:, t], h, c, p)
        hs.append(h)
    return torch.stack(hs, dim=1), (h, c)


# ------------------------------------------------------------------------------- attention
def multihead_attention(X, p: dict, num_heads: int, key_size: int):
    """X: (B, N, P); p: "qkv.W", "qkv.b", "qkv_ln.gamma", "qkv_ln.beta".

    Head a owns features [a*(2K+V), (a+1)*(2K+V)) of the normed qkv, laid out [q | k | v].
    Returns out (B, N, A*V) and weights (B, A, N, N).
    """
    B, N, _ = X.shape
    A, K = num_heads, key_size
    qkv = layer_norm(X @ p["qkv.W"] + p["qkv.b"], p, "qkv_ln")      # (B, N, A*(2K+V))
    per_head = qkv.view(B, N, A, -1)                                # (B, N, A, 2K+V)
    V = per_head.shape[-1] - 2 * K
    q, k, v = per_head.split([K, K, V], dim=-1)
    logits = torch.einsum("biak,bjak->baij", q / math.sqrt(K), k)
    weights = torch.softmax(logits, dim=-1)                         # no mask
    out = torch.einsum("baij,bjav->biav", weights, v)               # (B, N, A, V)
    return out.reshape(B, N, A * V), weights


# ------------------------------------------------------------------------------- RMC
@dataclass(frozen=True)
class RMCSpec:
    """The settings an RMC step needs beyond its weights (S and P come from the shapes)."""

    num_heads: int
    key_size: int
    num_blocks: int = 1
    attention_mlp_layers: int = 2
    gate_style: str | None = "unit"
    forget_bias: float = 1.0
    input_bias: float = 0.0


def initial_memory(batch_size: int, num_slots: int, slot_size: int):
    """eye(S) zero-padded or truncated to P columns, tiled over the batch: (B, S, P)."""
    eye = torch.eye(num_slots, slot_size, dtype=torch.float64)
    return eye.expand(batch_size, num_slots, slot_size).clone()


def rmc_step(x, memory, p: dict, spec: RMCSpec):
    """One Sonnet v1 RMC step (docs/rmc.md §2). x: (B, D); memory: (B, S, P).

    Returns the next memory (B, S, P) and a dict of what the step saw: "attention" (a
    weights tensor per block), "input_gate", "forget_gate" (B, S, G) or None.
    """
    S = memory.shape[1]
    x_proj = x @ p["in.W"] + p["in.b"]                               # x̂: (B, P)
    X = torch.cat([memory, x_proj.unsqueeze(1)], dim=1)              # input row last: (B, S+1, P)
    attention = []
    for j in range(spec.num_blocks):
        blk = sub(p, f"block{j}.")
        attended, weights = multihead_attention(X, blk, spec.num_heads, spec.key_size)
        attention.append(weights)
        X = layer_norm(X + attended, blk, "ln1")
        Y = X
        for layer in range(spec.attention_mlp_layers):               # one MLP, shared by all blocks
            Y = Y @ p[f"mlp{layer}.W"] + p[f"mlp{layer}.b"]
            if layer < spec.attention_mlp_layers - 1:
                Y = torch.relu(Y)
        X = layer_norm(X + Y, blk, "ln2")
    memory_att = X[:, :S]                                            # drop the input row
    seen = {"attention": attention, "input_gate": None, "forget_gate": None}
    if spec.gate_style is None:
        return memory_att, seen
    gates = ((x_proj @ p["gate_x.W"] + p["gate_x.b"]).unsqueeze(1)
             + torch.tanh(memory) @ p["gate_m.W"] + p["gate_m.b"])   # (B, S, 2G)
    i_raw, f_raw = gates.chunk(2, dim=-1)                            # G = P ('unit') or 1 ('memory')
    i = torch.sigmoid(i_raw + spec.input_bias)
    f = torch.sigmoid(f_raw + spec.forget_bias)
    seen.update(input_gate=i, forget_gate=f)
    return i * torch.tanh(memory_att) + f * memory, seen


def rmc(xs, p: dict, spec: RMCSpec, num_slots: int, memory=None):
    """xs: (B, T, D) from ``memory`` (default: the identity). Returns outputs (B, T, S*P),
    the final memory and the per-step dicts of rmc_step."""
    B, T, _ = xs.shape
    if memory is None:
        memory = initial_memory(B, num_slots, p["in.W"].shape[1])
    outputs, seen = [], []
    for t in range(T):
        memory, step = rmc_step(xs[:, t], memory, p, spec)
        outputs.append(memory.flatten(1))
        seen.append(step)
    return torch.stack(outputs, dim=1), memory, seen


# ------------------------------------------------------------------------------- hybrid
def hybrid(xs, p: dict, spec: RMCSpec, num_slots: int):
    """The rrnn.hybrid cell over xs (B, T, D) from zero h, c and the identity memory.

    p: "lstm.*", "rmc.*", "combine.W" (H + P, H), "combine.b". Returns outputs (B, T, H).
    """
    B, T, _ = xs.shape
    p_lstm, p_rmc = sub(p, "lstm."), sub(p, "rmc.")
    h = c = xs.new_zeros(B, p_lstm["Wh"].shape[0])
    memory = initial_memory(B, num_slots, p_rmc["in.W"].shape[1])
    outputs = []
    for t in range(T):
        h, c = lstm_step(xs[:, t], h, c, p_lstm)
        memory, _ = rmc_step(h, memory, p_rmc, spec)                 # h is the memory's input row
        readout = memory.mean(dim=1)                                 # (B, P)
        outputs.append(torch.tanh(torch.cat([h, readout], dim=-1) @ p["combine.W"] + p["combine.b"]))
    return torch.stack(outputs, dim=1)


# ------------------------------------------------------------------------------- classifiers
def head(features, p: dict):
    """The classifier head "head0", "head1", ...: ReLU after every layer but the last."""
    n = sum(1 for key in p if key.startswith("head") and key.endswith(".W"))
    for layer in range(n):
        features = features @ p[f"head{layer}.W"] + p[f"head{layer}.b"]
        if layer < n - 1:
            features = torch.relu(features)
    return features


def lstm_classifier_logits(X, p: dict):
    hs, _ = lstm(X, sub(p, "core.lstm."))
    return head(hs[:, -1], p)                                        # reads h_T


def rmc_classifier_logits(X, p: dict, spec: RMCSpec, num_slots: int):
    outputs, _, _ = rmc(X, sub(p, "core."), spec, num_slots)
    return head(outputs[:, -1], p)                                   # reads the flattened memory


def hybrid_classifier_logits(X, p: dict, spec: RMCSpec, num_slots: int):
    outputs = hybrid(X, sub(p, "core."), spec, num_slots)
    return head(outputs[:, -1], p)                                   # reads the cell output


def loss_and_grads(logits_fn, params: dict, X, y):
    """Mean softmax cross-entropy of ``logits_fn(X, p)`` and its autograd gradients, as NumPy.

    params: rrnn's NumPy params. Returns (loss float, {key: ndarray}) keyed like params.
    """
    p = as_torch(params, requires_grad=True)
    loss = F.cross_entropy(logits_fn(torch.as_tensor(X, dtype=torch.float64), p), torch.as_tensor(y))
    keys = list(p)
    grads = torch.autograd.grad(loss, [p[key] for key in keys], allow_unused=True)
    return loss.item(), {key: (torch.zeros_like(p[key]) if g is None else g).numpy()
                         for key, g in zip(keys, grads)}
