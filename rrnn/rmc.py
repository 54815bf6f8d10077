"""The Relational Memory Core (Santoro et al., 2018) as DeepMind's Sonnet v1 defines it.

Sizes as in the package glossary (``rrnn.SHAPE_GLOSSARY``): S slots, A heads of size K, slot
width P = A * K; M is the memory itself, never a size. One step, for memory M (B, S, P) and
input x (B, D):

    x̂       = x W_in + b_in                                    (B, P)   the input as one more row
    X       = [M; x̂]                                          (B, S+1, P)
    repeat num_blocks times (own attention and norms per block, one MLP shared by all):
        X   = LN(X + MHA(X))       every row attends to every row, q/k/v layer-normed
        X   = LN(X + MLP(X))
    M_att   = X[:, :S]                                         drop the input row
    i, f    = σ(split(x̂ W_gx + tanh(M) W_gm + b) + (input_bias, forget_bias))
    M_next  = i * tanh(M_att) + f * M                          (B, S, P)
    output  = flatten(M_next)                                  (B, S*P)

With attention=False (an ablation, not the paper's model) each block is X = LN(X), then
X = LN(X + MLP(X)), over the S memory rows only: no slot reads another slot or the input row,
and the input reaches the memory only through the gates (so a gate style is required).

The initial memory is the identity, zero-padded (or truncated) to width P, so that every
slot starts different: with no parameter tied to a slot, identical slots would stay
identical for ever.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _checks, init
from .attention import AttentionCache, multihead_attention_backward_into, multihead_attention_forward
from .layers import (Gradients, LayerNormCache, LinearCache, MLPCache, layer_norm_backward, layer_norm_forward,
                     linear_forward, mlp_backward_into, mlp_forward, sigmoid, tanh)

GATE_STYLES = ("unit", "memory", None)


@dataclass(frozen=True)
class RMCConfig:
    """Sizes and constants of a Relational Memory Core (validated on construction)."""

    input_size: int                 # D
    num_slots: int                  # S
    head_size: int                  # K, value size per head (and q/k size unless key_size)
    num_heads: int = 1              # A
    num_blocks: int = 1
    attention_mlp_layers: int = 2
    key_size: int | None = None     # q/k size per head; None means head_size
    gate_style: str | None = "unit"
    forget_bias: float = 1.0
    input_bias: float = 0.0
    attention: bool = True          # False: the ablation without attention (module docstring)

    def __post_init__(self):
        for name in ("input_size", "num_slots", "head_size", "num_heads", "num_blocks", "attention_mlp_layers"):
            object.__setattr__(self, name, _checks.positive_int(name, getattr(self, name)))
        key = self.head_size if self.key_size is None else _checks.positive_int("key_size", self.key_size)
        object.__setattr__(self, "key_size", key)
        if not (self.gate_style is None or (isinstance(self.gate_style, str) and self.gate_style in GATE_STYLES)):
            raise ValueError(f"gate_style must be one of 'unit', 'memory' or None, got {self.gate_style!r}")
        object.__setattr__(self, "forget_bias", _checks.finite_float("forget_bias", self.forget_bias))
        object.__setattr__(self, "input_bias", _checks.finite_float("input_bias", self.input_bias))
        if not isinstance(self.attention, (bool, np.bool_)):
            raise TypeError(f"attention must be True or False, got {self.attention!r}")
        object.__setattr__(self, "attention", bool(self.attention))
        if not self.attention and self.gate_style is None:
            raise ValueError("attention=False needs a gate_style ('unit' or 'memory'): without attention the input "
                             "reaches the memory only through the gates, got gate_style=None")
        _checks.parameter_budget(self.parameter_count, input_size=self.input_size, num_slots=self.num_slots,
                                 head_size=self.head_size, num_heads=self.num_heads, num_blocks=self.num_blocks,
                                 attention_mlp_layers=self.attention_mlp_layers, key_size=self.key_size)

    @property
    def parameter_count(self) -> int:
        """How many numbers ``init_rmc_params`` makes, counted without allocating them."""
        return rmc_parameter_count(self.input_size, self.slot_size, self.qkv_size if self.attention else 0,
                                   self.gate_size, self.num_blocks, self.attention_mlp_layers)

    @property
    def slot_size(self) -> int:
        """P = A * K, the width of every memory row."""
        return self.num_heads * self.head_size

    @property
    def gate_size(self) -> int:
        """Gate width per slot: P for 'unit', 1 for 'memory', 0 for no gating."""
        return {"unit": self.slot_size, "memory": 1, None: 0}[self.gate_style]

    @property
    def qkv_size(self) -> int:
        return self.num_heads * (2 * self.key_size + self.head_size)


def rmc_parameter_count(input_size: int, slot_size: int, qkv_size: int, gate_size: int, num_blocks: int = 1,
                        attention_mlp_layers: int = 2) -> int:
    """The parameters of an RMC of slot width P, q/k/v width F (0: no attention) and gate width G."""
    P, F, G = slot_size, qkv_size, gate_size
    per_block = P * F + F + 2 * F + 4 * P                      # qkv linear, its norm, ln1 and ln2
    gates = 2 * (P * 2 * G + 2 * G) if G else 0
    return input_size * P + P + num_blocks * per_block + attention_mlp_layers * (P * P + P) + gates


def init_rmc_params(rng: np.random.Generator, config: RMCConfig) -> dict:
    """Sonnet v1 initialisation: Linear weights truncated-normal 1/sqrt(fan_in), zero biases,
    layer norms gamma 1 and beta 0. Keys are local to the core (a model adds its prefix)."""
    P, F, G = config.slot_size, config.qkv_size, config.gate_size
    p = {"in.W": init.linear_sonnet(rng, config.input_size, P), "in.b": np.zeros(P)}
    norms = (("qkv_ln", F), ("ln1", P), ("ln2", P)) if config.attention else (("ln1", P), ("ln2", P))
    for j in range(config.num_blocks):
        if config.attention:
            p[f"block{j}.qkv.W"] = init.linear_sonnet(rng, P, F)
            p[f"block{j}.qkv.b"] = np.zeros(F)
        for norm, width in norms:
            p[f"block{j}.{norm}.gamma"] = np.ones(width)
            p[f"block{j}.{norm}.beta"] = np.zeros(width)
    for layer in range(config.attention_mlp_layers):  # built once: shared by all blocks
        p[f"mlp{layer}.W"] = init.linear_sonnet(rng, P, P)
        p[f"mlp{layer}.b"] = np.zeros(P)
    if G:
        for source in ("x", "m"):
            p[f"gate_{source}.W"] = init.linear_sonnet(rng, P, 2 * G)
            p[f"gate_{source}.b"] = np.zeros(2 * G)
    return p


def rmc_initial_state(config: RMCConfig, batch_size: int, dtype=np.float64) -> np.ndarray:
    """Identity memory (B, S, P): row s is the one-hot e_s, zero-padded or truncated to P."""
    _checks.allocation((batch_size, config.num_slots, config.slot_size), batch_size=batch_size,
                       num_slots=config.num_slots, slot_size=config.slot_size)
    eye = np.eye(config.num_slots, config.slot_size, dtype=dtype)
    return np.broadcast_to(eye, (batch_size,) + eye.shape).copy()


class BlockCache(NamedTuple):
    attention: AttentionCache | None   # None without attention
    norm1: LayerNormCache
    mlp: MLPCache
    norm2: LayerNormCache


class RMCStepCache(NamedTuple):
    """Everything one RMC step computed; the fields a notebook plots are documented."""

    x: np.ndarray
    memory: np.ndarray             # (B, S, P) memory before the step
    input_proj: LinearCache
    x_proj: np.ndarray             # (B, P) projected input row x̂
    blocks: tuple                  # BlockCache per block
    memory_attended: np.ndarray    # (B, S, P) M_att, the slots after attention + MLP
    gate_inputs: tuple | None      # (LinearCache from x̂, LinearCache from tanh(M)) or None
    input_gate: np.ndarray | None  # (B, S, G) i, None without gating
    forget_gate: np.ndarray | None  # (B, S, G) f, None without gating
    gates: np.ndarray | None = None          # (B, S, 2G) [i, f] side by side (i and f are views of it)
    tanh_attended: np.ndarray | None = None  # (B, S, P) tanh(M_att), kept for the backward pass

    @property
    def attention(self) -> tuple:
        """Attention weights per block, each (B, A, S+1, S+1); the last row/column is the input.
        Empty without attention."""
        return tuple(block.attention.weights for block in self.blocks if block.attention is not None)


# A step splits in two: the work on the input alone (its projection x̂ and the gates' term from
# x̂), which does not depend on the memory, and the rest. rmc_forward does the first for all T
# steps at once, as one matrix product over (B*T) rows, and rmc_backward its gradients likewise.
def rmc_input_terms(x: np.ndarray, params: dict, config: RMCConfig):
    """The input-only part of a step, for x (..., D) with any leading axes (one step or all).

    Returns x̂ = x W_in + b_in (..., P) and the gates' pre-activations from x̂,
    x̂ W_gx + b_gx + (input_bias, forget_bias) (..., 2G), or None without gating.
    """
    x_proj, _ = linear_forward(x, params["in.W"], params["in.b"])
    if config.gate_style is None:
        return x_proj, None
    from_x, _ = linear_forward(x_proj, params["gate_x.W"], params["gate_x.b"])
    G = config.gate_size
    from_x[..., :G] += config.input_bias      # the constant biases ride along with b_gx
    from_x[..., G:] += config.forget_bias
    return x_proj, from_x


def rmc_step_forward(x: np.ndarray, memory: np.ndarray, params: dict, config: RMCConfig):
    """One RMC step (see the module docstring). x: (B, D); memory: (B, S, P).

    Returns output (B, S*P), the next memory (B, S, P) and an RMCStepCache.
    """
    x_proj, from_x = rmc_input_terms(x, params, config)
    return rmc_memory_step(x, x_proj, from_x, memory, params, config)


def rmc_memory_step(x, x_proj, from_x, memory: np.ndarray, params: dict, config: RMCConfig):
    """The rest of a step, given its input terms from rmc_input_terms: x (B, D), x̂ (B, P) and
    the gates' input term (B, 2G) or None. Returns what rmc_step_forward returns."""
    B, S, _ = memory.shape
    # without attention the input row would reach nothing: the blocks see the slots alone
    X = np.concatenate([memory, x_proj[:, None, :]], axis=1) if config.attention else memory   # (B, S+1, P)
    mlp_W = [params[f"mlp{layer}.W"] for layer in range(config.attention_mlp_layers)]
    mlp_b = [params[f"mlp{layer}.b"] for layer in range(config.attention_mlp_layers)]
    blocks = []
    for j in range(config.num_blocks):
        blk = {key[len(f"block{j}."):]: value for key, value in params.items() if key.startswith(f"block{j}.")}
        if config.attention:
            attended, attn = multihead_attention_forward(X, blk, config.num_heads, config.key_size)
            # the input row is dropped after the last block, so its MLP and norms there are skipped
            # (every op after attention is row-wise: the memory rows come out the same)
            rows = S if j == config.num_blocks - 1 else S + 1
            X, norm1 = layer_norm_forward(X[:, :rows] + attended[:, :rows], blk["ln1.gamma"], blk["ln1.beta"])
        else:
            attn = None
            X, norm1 = layer_norm_forward(X, blk["ln1.gamma"], blk["ln1.beta"])
        transformed, mlp = mlp_forward(X, mlp_W, mlp_b)
        transformed += X                                                        # residual
        X, norm2 = layer_norm_forward(transformed, blk["ln2.gamma"], blk["ln2.beta"])
        blocks.append(BlockCache(attn, norm1, mlp, norm2))
    memory_attended = X                                                         # (B, S, P): no input row

    x_cache = LinearCache(x, params["in.W"])
    if config.gate_style is None:
        cache = RMCStepCache(x, memory, x_cache, x_proj, tuple(blocks), memory_attended, None, None, None)
        return memory_attended.reshape(B, -1), memory_attended, cache
    from_m, cache_m = linear_forward(tanh(memory), params["gate_m.W"], params["gate_m.b"])   # (B, S, 2G)
    from_m += from_x[:, None, :]
    gates = sigmoid(from_m)                                                     # (B, S, 2G): [i, f]
    G = config.gate_size
    i, f = gates[..., :G], gates[..., G:]
    tanh_attended = tanh(memory_attended)
    next_memory = i * tanh_attended                                             # an LSTM cell update per slot
    next_memory += f * memory
    gate_inputs = (LinearCache(x_proj, params["gate_x.W"]), cache_m)
    cache = RMCStepCache(x, memory, x_cache, x_proj, tuple(blocks), memory_attended, gate_inputs, i, f, gates,
                         tanh_attended)
    return next_memory.reshape(B, -1), next_memory, cache


def rmc_step_backward(doutput, dnext_memory, cache: RMCStepCache, params: dict, config: RMCConfig):
    """Gradients of one RMC step.

    doutput: (B, S*P) or None, on the step's output; dnext_memory: (B, S, P) or None, on the
    next memory (from later steps). Returns dx (B, D), dmemory (B, S, P) and grads keyed like
    the core's params.
    """
    grads = Gradients()
    dmemory, dx_proj, dfrom_x = rmc_memory_step_backward(doutput, dnext_memory, cache, params, config, grads)
    one_step = (lambda a: None if a is None else a[:, None])                  # as a sequence of T = 1
    dx = rmc_input_terms_backward(one_step(cache.x), one_step(cache.x_proj), one_step(dx_proj), one_step(dfrom_x),
                                  params, config, grads)
    return dx[:, 0], dmemory, _in_order(grads.result(), params)


def rmc_memory_step_backward(doutput, dnext_memory, cache: RMCStepCache, params: dict, config: RMCConfig,
                             grads: Gradients):
    """Gradients of rmc_memory_step, summed into ``grads``. Returns dmemory (B, S, P) and the
    gradients on the step's input terms: dx̂ (B, P) from the input row's attention (None
    without attention) and d(gates' input term) (B, 2G) (None without gating)."""
    memory = cache.memory
    B, S, P = memory.shape
    if doutput is None:
        dM = np.zeros_like(memory) if dnext_memory is None else dnext_memory
    else:                                              # output = flatten(M_next)
        dM = doutput.reshape(B, S, P) if dnext_memory is None else dnext_memory + doutput.reshape(B, S, P)
    # dM is only read below (it may be the caller's array)
    if config.gate_style is None:
        dM_att, dmemory, dfrom_x = dM, np.zeros_like(memory), None
    else:
        i, f, gates, tanh_att = cache.input_gate, cache.forget_gate, cache.gates, cache.tanh_attended
        dM_att = dM * i                                    # M_next = i * tanh(M_att) + f * M
        dM_att *= 1.0 - tanh_att * tanh_att
        dmemory = dM * f
        di, df = dM * tanh_att, dM * memory
        if config.gate_style == "memory":                # one gate per slot, broadcast over its row
            di, df = di.sum(-1, keepdims=True), df.sum(-1, keepdims=True)
        dgates = np.concatenate([di, df], axis=-1)       # (B, S, 2G), laid out as the gates are
        dgates *= gates * (1.0 - gates)                  # through the sigmoids
        dfrom_x = dgates.sum(axis=1)                     # the input term is shared by every slot
        cache_m = cache.gate_inputs[1]
        dtanh_m = grads.linear(dgates, cache_m, "gate_m.W", "gate_m.b")
        dtanh_m *= 1.0 - cache_m.x * cache_m.x           # the gates read tanh(M)
        dmemory += dtanh_m

    dX = dM_att                                       # the last block's rows: the slots only
    for j in reversed(range(config.num_blocks)):
        block = cache.blocks[j]
        dX, dgamma, dbeta = layer_norm_backward(dX, block.norm2)
        grads.add(f"block{j}.ln2.gamma", dgamma)
        grads.add(f"block{j}.ln2.beta", dbeta)
        dmlp_in = mlp_backward_into(dX, block.mlp, grads, "mlp")    # the MLP is shared: summed over blocks
        dmlp_in += dX                                                         # residual
        dX, dgamma, dbeta = layer_norm_backward(dmlp_in, block.norm1)
        grads.add(f"block{j}.ln1.gamma", dgamma)
        grads.add(f"block{j}.ln1.beta", dbeta)
        if block.attention is None:                   # X = LN(X): no attention, no residual to add
            continue
        if dX.shape[1] == S:                          # the last block skipped the input row: no gradient there
            dX = np.concatenate([dX, np.zeros_like(dX[:, :1])], axis=1)
        dattn_in = multihead_attention_backward_into(dX, block.attention, grads, f"block{j}.")
        dattn_in += dX                                                        # residual
        dX = dattn_in
    dmemory += dX[:, :S]
    return dmemory, (dX[:, S] if config.attention else None), dfrom_x


def rmc_input_terms_backward(x, x_proj, dx_proj, dfrom_x, params: dict, config: RMCConfig, grads: Gradients):
    """Gradients of rmc_input_terms over (B, T) steps at once, summed into ``grads``: x (B, T, D),
    x̂ (B, T, P), dx̂ (B, T, P) or None, d(gates' input term) (B, T, 2G) or None. Returns dx."""
    if dfrom_x is not None:
        from_gates = grads.linear(dfrom_x, LinearCache(x_proj, params["gate_x.W"]), "gate_x.W", "gate_x.b")
        dx_proj = from_gates if dx_proj is None else from_gates + dx_proj
    return grads.linear(dx_proj, LinearCache(x, params["in.W"]), "in.W", "in.b")


def _in_order(grads: dict, params: dict) -> dict:
    """grads in the order of params (an optimiser or a norm sums them in that order)."""
    return {key: grads[key] for key in params}


def rmc_forward(xs: np.ndarray, memory: np.ndarray, params: dict, config: RMCConfig):
    """Run the core over xs (B, T, D) from memory (B, S, P).

    Returns outputs (B, T, S*P), the final memory and the list of step caches.
    """
    x_proj, from_x = rmc_input_terms(xs, params, config)          # every step's input terms at once
    outputs = np.empty(xs.shape[:2] + (memory[0].size,), np.result_type(xs, memory, params["in.W"]))
    caches = []
    for t in range(xs.shape[1]):
        outputs[:, t], memory, cache = rmc_memory_step(xs[:, t], x_proj[:, t], None if from_x is None else from_x[:, t],
                                                       memory, params, config)
        caches.append(cache)
    return outputs, memory, caches


def rmc_backward(doutputs, caches, params: dict, config: RMCConfig, dmemory_last=None):
    """Backpropagation through time for rmc_forward: one reversed loop carrying dmemory.

    doutputs: (B, T, S*P) gradient on every output (zeros where unused), or None for none (then
    dmemory_last, the gradient on the final memory, is the only one). Returns dxs (B, T, D),
    the gradient on the initial memory and grads keyed like params.
    """
    first = caches[0]
    (B, T), P = (first.x.shape[0], len(caches)), first.x_proj.shape[-1]
    dtype = first.memory.dtype if doutputs is None else doutputs.dtype
    dx_proj = np.empty((B, T, P), dtype) if config.attention else None
    dfrom_x = None if config.gate_style is None else np.empty((B, T, 2 * config.gate_size), dtype)
    grads = Gradients()
    dmemory = dmemory_last
    for t in reversed(range(T)):
        dmemory, dx_proj_t, dfrom_x_t = rmc_memory_step_backward(None if doutputs is None else doutputs[:, t], dmemory,
                                                                 caches[t], params, config, grads)
        if dx_proj is not None:
            dx_proj[:, t] = dx_proj_t
        if dfrom_x is not None:
            dfrom_x[:, t] = dfrom_x_t
    x = np.stack([cache.x for cache in caches], axis=1)
    x_proj = np.stack([cache.x_proj for cache in caches], axis=1)
    dxs = rmc_input_terms_backward(x, x_proj, dx_proj, dfrom_x, params, config, grads)
    return dxs, dmemory, _in_order(grads.result(), params)


class RelationalMemory:
    """The paper's Relational Memory Core, faithful to Sonnet v1 (see ``rrnn.rmc``).

    Parameters (``self.params``, float64; P = num_heads * head_size = A * K, K_qk = key_size,
    F = num_heads * (2 K_qk + head_size), G = P for gate_style "unit", 1 for "memory"):
      "in.W" (D, P), "in.b" (P,)                                input projection
      "block{j}.qkv.W" (P, F), "block{j}.qkv.b" (F,)            per block j
      "block{j}.qkv_ln.gamma", "block{j}.qkv_ln.beta" (F,)      per block
      "block{j}.ln1.*", "block{j}.ln2.*" (P,)                   per block, after attention / MLP
      "mlp{l}.W" (P, P), "mlp{l}.b" (P,)                        shared by all blocks
      "gate_x.W" (P, 2G), "gate_x.b" (2G,)                      gates from the projected input
      "gate_m.W" (P, 2G), "gate_m.b" (2G,)                      gates from tanh(previous memory)

    Args:
      input_size: D. num_slots: S, memory rows. head_size: K, value width per head.
      num_heads: A. num_blocks: attention + MLP rounds per step. attention_mlp_layers:
      layers of the shared MLP. key_size: K_qk, query/key width per head (default head_size).
      gate_style: "unit" (a gate per element), "memory" (one per slot) or None (M_next = M_att).
      forget_bias, input_bias: constants added before the sigmoids. attention: False for the
      ablation without attention (see the module docstring). rng: seed or Generator
      (None: the package's fixed default seed).
    """

    def __init__(self, input_size, num_slots, head_size, num_heads=1, *, num_blocks=1,
                 attention_mlp_layers=2, key_size=None, gate_style="unit", forget_bias=1.0,
                 input_bias=0.0, attention=True, rng=None):
        self.config = RMCConfig(input_size, num_slots, head_size, num_heads, num_blocks,
                                attention_mlp_layers, key_size, gate_style, forget_bias, input_bias, attention)
        self.params = init_rmc_params(_checks.as_rng(rng), self.config)

    def __getattr__(self, name):
        # expose num_slots, slot_size, gate_style, ... straight from the config
        if name != "config" and "config" in self.__dict__ and hasattr(self.config, name):
            return getattr(self.config, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def initial_state(self, batch_size: int) -> np.ndarray:
        """The identity-padded memory (B, S, P)."""
        return rmc_initial_state(self.config, _checks.positive_int("batch_size", batch_size))

    def _check_memory(self, memory, batch_size: int) -> np.ndarray:
        c = self.config
        return _checks.array("memory", memory, (batch_size, c.num_slots, c.slot_size), "(B, S, P)")

    @_checks.refuse_overflow
    def step(self, x, memory, return_cache: bool = False):
        """One step. x: (B, D); memory: (B, S, P). Returns (output (B, S*P), next memory),
        plus the RMCStepCache (attention weights, gates) when return_cache is true."""
        x = _checks.array("x", x, (None, self.config.input_size), "(B, D)")
        memory = self._check_memory(memory, x.shape[0])
        output, memory, cache = rmc_step_forward(x, memory, self.params, self.config)
        return (output, memory, cache) if return_cache else (output, memory)

    @_checks.refuse_overflow
    def forward(self, sequence, memory=None, return_sequences: bool = True, return_caches: bool = False):
        """Run over ``sequence`` (B, T, D) from ``memory`` (default: the initial state).

        Returns (outputs, final memory): outputs (B, T, S*P) if return_sequences else the last
        step's (B, S*P); with return_caches also the list of T step caches.
        """
        sequence = _checks.array("sequence", sequence, (None, None, self.config.input_size), "(B, T, D)")
        B = sequence.shape[0]
        memory = self.initial_state(B) if memory is None else self._check_memory(memory, B)
        outputs, memory, caches = rmc_forward(sequence, memory, self.params, self.config)
        outputs = outputs if return_sequences else outputs[:, -1]
        return (outputs, memory, caches) if return_caches else (outputs, memory)
