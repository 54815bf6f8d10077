"""The seed demo's LSTM + relational-memory hybrid, rebuilt on the paper's RMC.

One step, for input x (B, D), LSTM state h, c (B, H) and memory (B, S, P):

    h, c     = LSTM(x, h, c)                          the LSTM reads the input first
    _, mem   = RMC(h, mem)                            h is the memory's input row this step
    r        = mean over slots of mem                 (B, P)  read-out, blind to slot order
    output   = tanh([h, r] W_combine + b_combine)     (B, H)

Reading the memory out by its slot mean keeps the output independent of slot order (the RMC
has none), and concatenating it with h lets the output use the LSTM and the memory side by
side. The seed demo's original cell (examples/seed_demo.py) used the same read-out and
combination, but started the memory at zero, so its slots stayed identical for ever; here memory
starts from the paper's identity.

Two options, for ablations that test why the hybrid learns less than the RMC (the defaults are
the seed demo's design): readout="flat" reads r = flatten(mem) (B, S*P), so the output can tell which
slot holds what; memory_input="x" gives the memory the step's input x as its input row instead
of h, so the memory sees the vectors themselves.

``HybridCell`` is one step and ``HybridRNN`` a sequence. ``RelationalRNNCell`` and ``RelationalRNN``
are the same classes under the seed demo's names (examples/seed_demo.py): in a package about the
paper's relational RNN, "RelationalRNN" reads as the paper's model, which is ``rrnn.RelationalMemory``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, init
from .layers import Gradients, LinearCache, linear_forward, tanh
from .lstm import LSTMStepCache, check_state, init_lstm_params, lstm_step_backward_into, lstm_step_forward
from .rmc import (RMCConfig, RMCStepCache, init_rmc_params, rmc_initial_state, rmc_input_terms_backward,
                  rmc_memory_step_backward, rmc_parameter_count, rmc_step_forward)


def sub_params(params: dict, prefix: str) -> dict:
    """The entries of ``params`` under ``prefix``, with the prefix removed (same arrays, no copy)."""
    return {key[len(prefix):]: value for key, value in params.items() if key.startswith(prefix)}


class HybridStepCache(NamedTuple):
    lstm: LSTMStepCache
    combine: LinearCache
    rmc: RMCStepCache
    readout: np.ndarray   # (B, P) slot mean (or (B, S*P) flattened) new memory; zeros when the path is off
    combined: np.ndarray  # (B, H + P) [h, r]
    output: np.ndarray    # (B, H)
    use_memory: bool
    options: "HybridOptions"


class HybridOptions(NamedTuple):
    """The hybrid's read-out ("mean" over slots or "flat") and the memory's input row ("h" or "x")."""
    readout: str = "mean"
    memory_input: str = "h"

    def check(self) -> "HybridOptions":
        for name, allowed in (("readout", ("mean", "flat")), ("memory_input", ("h", "x"))):
            value = getattr(self, name)
            if not (isinstance(value, str) and value in allowed):
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        return self

    def readout_size(self, num_slots: int, slot_size: int) -> int:
        return num_slots * slot_size if self.readout == "flat" else slot_size


def hybrid_step_forward(x, h, c, memory, params: dict, rmc_params: dict, config: RMCConfig, use_memory: bool = True,
                        options: HybridOptions = HybridOptions(), x_term=None):
    """One hybrid step. ``rmc_params`` is ``sub_params(params, "rmc.")`` (built once per sequence).
    ``config.input_size`` is H, or D with options.memory_input "x". x_term: the LSTM's
    x Wx + b if the caller has it (hybrid_forward computes it for all steps at once).

    use_memory=False switches the memory path off: the memory still updates, but the output
    reads zeros instead of it, so one network with the path on and off isolates what the
    memory adds to the output.

    Returns output (B, H), h, c (B, H), the next memory (B, S, P) and the cache.
    """
    h, c, lstm_cache = lstm_step_forward(x, h, c, params["lstm.Wx"], params["lstm.Wh"], params["lstm.b"], x_term)
    _, memory, rmc_cache = rmc_step_forward(x if options.memory_input == "x" else h, memory, rmc_params, config)
    B, S, P = memory.shape
    readout = memory.reshape(B, S * P) if options.readout == "flat" else memory.mean(axis=1)   # (B, P or S*P)
    if not use_memory:
        readout = np.zeros_like(readout)
    combined = np.concatenate([h, readout], axis=-1)                  # (B, H + P or S*P)
    pre, combine_cache = linear_forward(combined, params["combine.W"], params["combine.b"])
    output = tanh(pre)
    return output, h, c, memory, HybridStepCache(lstm_cache, combine_cache, rmc_cache, readout, combined, output,
                                                 use_memory, options)


def hybrid_step_backward(doutput, dh, dc, dmemory, cache: HybridStepCache, params: dict, rmc_params: dict,
                         config: RMCConfig):
    """Gradients of one hybrid step, given the gradients on its outputs (output, h, c, memory);
    any of them may be None. Returns dx (B, D), dh_prev, dc_prev, dmemory_prev and grads keyed
    like the cell's params ("lstm.*", "rmc.*", "combine.*")."""
    grads, rmc_grads = Gradients(), Gradients()
    dx, dh_prev, dc_prev, dmemory_prev = hybrid_step_backward_into(doutput, dh, dc, dmemory, cache, params,
                                                                   rmc_params, config, grads, rmc_grads)
    return dx, dh_prev, dc_prev, dmemory_prev, _cell_grads(grads, rmc_grads, params)


def hybrid_step_backward_into(doutput, dh, dc, dmemory, cache: HybridStepCache, params: dict, rmc_params: dict,
                              config: RMCConfig, grads: Gradients, rmc_grads: Gradients):
    """hybrid_step_backward that sums the gradients into ``grads`` ("lstm.*", "combine.*") and
    ``rmc_grads`` (the memory's, unprefixed), for a backward pass through time."""
    H = cache.lstm.c.shape[-1]
    dmemory = np.zeros_like(cache.rmc.memory) if dmemory is None else dmemory
    dh = np.zeros_like(cache.lstm.c) if dh is None else dh
    if doutput is not None:
        dpre = doutput * (1.0 - cache.output ** 2)                          # output = tanh(pre)
        dcombined = grads.linear(dpre, cache.combine, "combine.W", "combine.b")
        dh = dh + dcombined[:, :H]
        if cache.use_memory and cache.options.readout == "flat":
            dmemory = dmemory + dcombined[:, H:].reshape(dmemory.shape)    # readout = flatten(memory)
        elif cache.use_memory:
            dmemory = dmemory + dcombined[:, None, H:] / dmemory.shape[1]  # readout = mean over slots
    rmc = cache.rmc
    dmemory_prev, dx_proj, dfrom_x = rmc_memory_step_backward(None, dmemory, rmc, rmc_params, config, rmc_grads)
    one_step = (lambda a: None if a is None else a[:, None])                # the input terms' backward, T = 1
    dinput_row = rmc_input_terms_backward(one_step(rmc.x), one_step(rmc.x_proj), one_step(dx_proj),
                                          one_step(dfrom_x), rmc_params, config, rmc_grads)[:, 0]
    if cache.options.memory_input == "h":
        dh = dh + dinput_row                                               # h was the memory's input row
    dc = np.zeros_like(dh) if dc is None else dc
    dx, dh_prev, dc_prev = lstm_step_backward_into(dh, dc, cache.lstm, params["lstm.Wx"], params["lstm.Wh"], grads,
                                                   "lstm.")
    if cache.options.memory_input == "x":
        dx = dx + dinput_row                                               # x was the memory's input row
    return dx, dh_prev, dc_prev, dmemory_prev


def _cell_grads(grads: Gradients, rmc_grads: Gradients, params: dict) -> dict:
    """The cell's gradients, keyed and ordered like its params (zeros for a read-out never used)."""
    summed = grads.result()
    summed.update({"rmc." + key: value for key, value in rmc_grads.result().items()})
    return {key: summed[key] if key in summed else np.zeros_like(params[key])
            for key in params if key.split(".")[0] in ("lstm", "rmc", "combine")}


def hybrid_forward(xs, h, c, memory, params: dict, config: RMCConfig, use_memory: bool = True,
                   options: HybridOptions = HybridOptions()):
    """Run the hybrid over xs (B, T, D). Returns outputs (B, T, H), the final (h, c, memory)
    and the step caches. use_memory, options: see hybrid_step_forward."""
    rmc_params = sub_params(params, "rmc.")
    x_terms, _ = linear_forward(xs, params["lstm.Wx"], params["lstm.b"])     # the LSTM's input part, all steps
    outputs, caches = [], []
    for t in range(xs.shape[1]):
        out, h, c, memory, cache = hybrid_step_forward(xs[:, t], h, c, memory, params, rmc_params, config,
                                                       use_memory, options, x_terms[:, t])
        outputs.append(out)
        caches.append(cache)
    return np.stack(outputs, axis=1), (h, c, memory), caches


def hybrid_backward(doutputs, caches, params: dict, config: RMCConfig, doutput_last=None):
    """Backpropagation through time for hybrid_forward: one reversed loop carrying dh, dc and
    dmemory. doutputs: (B, T, H), or None when only the last step's output has a gradient,
    ``doutput_last`` (B, H) (a classifier's path: the other steps skip the read-out's backward).
    Returns dxs (B, T, D), the gradients on the initial (h, c, memory) and grads keyed like the
    cell's params."""
    rmc_params = sub_params(params, "rmc.")
    grads, rmc_grads = Gradients(), Gradients()
    dh = dc = dmemory = None
    T = len(caches)
    like = doutput_last if doutputs is None else doutputs
    dxs = np.empty((like.shape[0], T, params["lstm.Wx"].shape[0]), like.dtype)
    for t in reversed(range(T)):
        doutput = doutputs[:, t] if doutputs is not None else doutput_last if t == T - 1 else None
        dxs[:, t], dh, dc, dmemory = hybrid_step_backward_into(doutput, dh, dc, dmemory, caches[t], params,
                                                               rmc_params, config, grads, rmc_grads)
    return dxs, (dh, dc, dmemory), _cell_grads(grads, rmc_grads, params)


def _memory_config(hidden_size, num_slots, slot_size, num_heads) -> RMCConfig:
    slot_size, num_heads = _checks.check_heads_divide(slot_size, num_heads)
    # checked here in the hybrid's own terms (RMCConfig would name its head_size and key_size)
    _checks.parameter_budget(rmc_parameter_count(hidden_size, slot_size, 3 * slot_size, slot_size),
                             hidden_size=hidden_size, slot_size=slot_size)
    return RMCConfig(input_size=hidden_size, num_slots=num_slots, head_size=slot_size // num_heads,
                     num_heads=num_heads)


class HybridCell:
    """One step of the LSTM + relational-memory hybrid (see ``rrnn.hybrid``).

    Parameters (``self.params``, float64; P = slot_size):
      "lstm.Wx" (D, 4H), "lstm.Wh" (H, 4H), "lstm.b" (4H,)   the LSTM, gates i, f, o, g
      "rmc.*"                                                a RelationalMemory with input size H,
                                                             S slots, num_heads heads of P/num_heads
      "combine.W" (H + P, H), "combine.b" (H,)               output = tanh([h, r] W + b)

    Args:
      input_size: D. hidden_size: H. num_slots: S. slot_size: P, must be divisible by
      num_heads. rng: seed or Generator (None: the package's fixed default seed).
    """

    def __init__(self, input_size, hidden_size, num_slots=4, slot_size=64, num_heads=2, *, rng=None):
        self.input_size = _checks.positive_int("input_size", input_size)
        self.hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.memory_config = _memory_config(self.hidden_size, num_slots, slot_size, num_heads)
        self.num_slots, self.slot_size, self.num_heads = num_slots, slot_size, num_heads
        rng = _checks.as_rng(rng)
        self.params = init_lstm_params(rng, self.input_size, self.hidden_size)
        self.params.update({"rmc." + k: v for k, v in init_rmc_params(rng, self.memory_config).items()})
        self.params["combine.W"] = init.xavier_uniform(rng, self.hidden_size + slot_size, self.hidden_size)
        self.params["combine.b"] = np.zeros(self.hidden_size)

    def init_memory(self, batch_size: int) -> np.ndarray:
        """The identity-padded initial memory (B, S, slot_size): every slot starts different."""
        return rmc_initial_state(self.memory_config, _checks.positive_int("batch_size", batch_size))

    def init_state(self, batch_size: int):
        """Zero h and c (B, H) and the initial memory, as a tuple (h, c, memory)."""
        B = _checks.positive_int("batch_size", batch_size)
        return np.zeros((B, self.hidden_size)), np.zeros((B, self.hidden_size)), self.init_memory(B)

    def check_inputs(self, x_t, h, c, memory):
        """Validate one step's arguments; returns them as arrays."""
        x_t = _checks.array("x_t", x_t, (None, self.input_size), "(B, D)")
        B = x_t.shape[0]
        h = check_state("h", h, B, self.hidden_size)
        c = check_state("c", c, B, self.hidden_size)
        memory = _checks.array("memory", memory, (B, self.num_slots, self.slot_size), "(B, S, slot_size)")
        return x_t, h, c, memory

    @_checks.refuse_overflow
    def forward(self, x_t, h, c, memory, return_cache: bool = False, use_memory: bool = True):
        """One step. x_t: (B, D); h, c: (B, H); memory: (B, S, slot_size).

        Returns (output (B, H), h, c, memory), plus the HybridStepCache if return_cache.
        use_memory=False: the output ignores the memory (which still updates).
        """
        x_t, h, c, memory = self.check_inputs(x_t, h, c, memory)
        out = hybrid_step_forward(x_t, h, c, memory, self.params, sub_params(self.params, "rmc."),
                                  self.memory_config, use_memory)
        return out if return_cache else out[:4]


class HybridRNN:
    """The hybrid cell over a sequence, with a linear read-out to ``output_size``.

    Parameters (``self.params``): the cell's (see HybridCell) and
      "out.W" (H, O), "out.b" (O,).

    Args: input_size D, hidden_size H, output_size O, num_slots S, slot_size P (divisible by
    num_heads), num_heads, rng (None: the package's fixed default seed).
    """

    def __init__(self, input_size, hidden_size, output_size, num_slots=4, slot_size=64, num_heads=2, *, rng=None):
        rng = _checks.as_rng(rng)
        output_size = _checks.positive_int("output_size", output_size)
        self.cell = HybridCell(input_size, hidden_size, num_slots, slot_size, num_heads, rng=rng)
        self.output_size = output_size
        self.params = self.cell.params  # one dict: the cell's entries and the read-out
        self.params["out.W"] = init.xavier_uniform(rng, self.cell.hidden_size, output_size)
        self.params["out.b"] = np.zeros(output_size)

    @_checks.refuse_overflow
    def forward(self, sequence, return_sequences: bool = True, return_state: bool = False, state=None,
                return_caches: bool = False, use_memory: bool = True):
        """Run over ``sequence`` (B, T, D) from ``state`` = (h, c, memory) (default: zeros and
        the identity memory). use_memory=False switches the memory path off: the same network,
        with the output reading zeros instead of the memory.

        Returns outputs (B, T, O) if return_sequences else (B, O); with return_state also the
        final (h, c, memory); with return_caches also the list of step caches.
        """
        cell = self.cell
        sequence = _checks.array("sequence", sequence, (None, None, cell.input_size), "(B, T, D)")
        B = sequence.shape[0]
        if state is None:
            h, c, memory = cell.init_state(B)
        else:
            h, c, memory = cell.check_inputs(sequence[:, 0], *_checks.state("state", state, ("h", "c", "memory")))[1:]
        outputs, (h, c, memory), caches = hybrid_forward(sequence, h, c, memory, self.params, cell.memory_config,
                                                           use_memory)
        ys = outputs @ self.params["out.W"] + self.params["out.b"]   # (B, T, O)
        result = [ys if return_sequences else ys[:, -1]]
        if return_state:
            result.append((h, c, memory))
        if return_caches:
            result.append(caches)
        return result[0] if len(result) == 1 else tuple(result)


# The seed demo's names for the same classes (see the module docstring); kept so its code runs unchanged.
RelationalRNNCell = HybridCell
RelationalRNN = HybridRNN
