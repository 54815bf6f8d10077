"""The LSTM baseline: one step, a whole sequence, and the ``LSTM`` model.

Shapes: B batch, T time, D input features, H hidden units, O outputs.
Gate order inside the 4H pre-activation: input i, forget f, output o, candidate g.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, init
from .layers import Gradients, linear_forward, sigmoid, tanh


class LSTMStepCache(NamedTuple):
    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray   # (B, H) input gate
    f: np.ndarray   # (B, H) forget gate
    o: np.ndarray   # (B, H) output gate
    g: np.ndarray   # (B, H) candidate
    c: np.ndarray   # (B, H) new cell
    ifo: np.ndarray | None = None     # (B, 3H) [i, f, o] side by side (i, f, o are views of it)
    tanh_c: np.ndarray | None = None  # (B, H) tanh(c), kept for the backward pass


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, x_term=None):
    """One LSTM step. x: (B, D); h_prev, c_prev: (B, H); Wx (D, 4H), Wh (H, 4H), b (4H,).
    x_term: x Wx + b if the caller has it already (lstm_forward computes it for all steps at once).

    Returns h, c: (B, H) and the cache that lstm_step_backward needs.
    """
    a = (x @ Wx + b if x_term is None else x_term) + h_prev @ Wh   # (B, 4H)
    H = a.shape[-1] // 4
    ifo, g = sigmoid(a[:, :3 * H]), tanh(a[:, 3 * H:])             # the three sigmoid gates in one call
    i, f, o = ifo[:, :H], ifo[:, H:2 * H], ifo[:, 2 * H:]
    c = f * c_prev + i * g                         # forget some of the old cell, write some of the new
    tanh_c = tanh(c)
    h = o * tanh_c
    return h, c, LSTMStepCache(x, h_prev, c_prev, i, f, o, g, c, ifo, tanh_c)


def lstm_step_backward(dh, dc, cache: LSTMStepCache, Wx, Wh):
    """Gradients of one LSTM step, given dh and dc flowing into its outputs h and c.

    Returns dx (B, D), dh_prev, dc_prev (B, H) and grads {"Wx", "Wh", "b"}.
    """
    grads = Gradients()
    dx, dh_prev, dc_prev = lstm_step_backward_into(dh, dc, cache, Wx, Wh, grads, "")
    return dx, dh_prev, dc_prev, grads.result()


def lstm_step_backward_into(dh, dc, cache: LSTMStepCache, Wx, Wh, grads: Gradients, prefix: str):
    """lstm_step_backward that sums the gradients into ``grads`` as prefix + "Wx", "Wh", "b", for
    a backward pass through time; returns dx, dh_prev, dc_prev."""
    do = dh * cache.tanh_c
    dc = dc + dh * cache.o * (1.0 - cache.tanh_c ** 2)      # h = o * tanh(c)
    dc_prev = dc * cache.f
    difo = np.concatenate([dc * cache.g, dc * cache.c_prev, do], axis=-1)   # di, df, do, laid out as ifo
    difo *= cache.ifo * (1.0 - cache.ifo)                                  # through the sigmoids
    da = np.concatenate([difo, dc * cache.i * (1.0 - cache.g ** 2)], axis=-1)   # and dg through tanh
    dx = grads.linear(da, (cache.x, Wx), prefix + "Wx", prefix + "b")
    dh_prev = grads.linear(da, (cache.h_prev, Wh), prefix + "Wh")
    return dx, dh_prev, dc_prev


def lstm_forward(xs, h0, c0, Wx, Wh, b):
    """Run the LSTM over a sequence. xs: (B, T, D); h0, c0: (B, H).

    Returns hs (B, T, H), the final (h, c) and the list of step caches.
    """
    h, c, caches = h0, c0, []
    x_terms, _ = linear_forward(xs, Wx, b)         # (B, T, 4H): the input's part of every step at once
    hs = np.empty(xs.shape[:2] + h0.shape[-1:], dtype=np.result_type(xs, Wx))
    for t in range(xs.shape[1]):
        h, c, cache = lstm_step_forward(xs[:, t], h, c, Wx, Wh, b, x_terms[:, t])
        hs[:, t] = h
        caches.append(cache)
    return hs, (h, c), caches


def lstm_backward(dhs, caches, Wx, Wh, dh_last=None, dc_last=None):
    """Backpropagation through time: one reversed loop carrying dh and dc.

    dhs: (B, T, H) gradient on every h_t (zeros where a step's h is unused); dh_last, dc_last:
    optional extra gradient on the final state. Returns dxs (B, T, D), dh0, dc0 and grads.
    """
    B, T, H = dhs.shape
    dh = np.zeros((B, H), dhs.dtype) if dh_last is None else dh_last
    dc = np.zeros((B, H), dhs.dtype) if dc_last is None else dc_last
    dxs = np.empty((B, T, Wx.shape[0]), dhs.dtype)
    grads = Gradients()
    for t in reversed(range(T)):
        dxs[:, t], dh, dc = lstm_step_backward_into(dh + dhs[:, t], dc, caches[t], Wx, Wh, grads, "")
    grads = grads.result()
    return dxs, dh, dc, {key: grads[key] for key in ("Wx", "Wh", "b")}


def init_lstm_params(rng: np.random.Generator, input_size: int, hidden_size: int, prefix: str = "lstm.") -> dict:
    """Xavier-uniform input weights, orthogonal recurrent weights per gate, forget-gate bias 1."""
    H = hidden_size
    _checks.parameter_budget(lstm_parameter_count(input_size, H), input_size=input_size, hidden_size=H)
    b = np.zeros(4 * H)
    b[H:2 * H] = 1.0  # start by remembering: a forget gate near sigmoid(1) = 0.73
    return {
        prefix + "Wx": init.xavier_uniform(rng, input_size, 4 * H),
        prefix + "Wh": np.concatenate([init.orthogonal(rng, H) for _ in range(4)], axis=1),
        prefix + "b": b,
    }


def lstm_parameter_count(input_size: int, hidden_size: int) -> int:
    """Wx (D, 4H) + Wh (H, 4H) + b (4H,), counted without allocating anything."""
    return (input_size + hidden_size + 1) * 4 * hidden_size


def check_state(name: str, value, batch_size: int, size: int, dims: str = "(B, H)") -> np.ndarray:
    """A (B, size) recurrent state, or a ValueError saying which shape was expected."""
    return _checks.array(name, value, (batch_size, size), dims)


class LSTM:
    """An LSTM over batch-first sequences, with an optional linear read-out.

    Parameters (``self.params``, float64):
      "lstm.Wx" (D, 4H), "lstm.Wh" (H, 4H), "lstm.b" (4H,)  gates in the order i, f, o, g
      "out.W" (H, O), "out.b" (O,)                          only when output_size is given

    Args:
      input_size: D, features per time step.
      hidden_size: H, units in h and c.
      output_size: O; None returns the hidden states themselves (O = H).
      rng: seed or np.random.Generator for the initial weights (None: the package's fixed
        default seed, so the same weights in every process).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int | None = None, *, rng=None):
        self.input_size = _checks.positive_int("input_size", input_size)
        self.hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.output_size = None if output_size is None else _checks.positive_int("output_size", output_size)
        rng = _checks.as_rng(rng)
        self.params = init_lstm_params(rng, self.input_size, self.hidden_size)
        if self.output_size is not None:
            self.params["out.W"] = init.xavier_uniform(rng, self.hidden_size, self.output_size)
            self.params["out.b"] = np.zeros(self.output_size)

    def initial_state(self, batch_size: int):
        """Zero (h, c), each (B, H)."""
        B = _checks.positive_int("batch_size", batch_size)
        _checks.allocation((B, self.hidden_size), batch_size=B, hidden_size=self.hidden_size)
        return np.zeros((B, self.hidden_size)), np.zeros((B, self.hidden_size))

    @_checks.refuse_overflow
    def forward(self, sequence, return_sequences: bool = True, return_state: bool = False, state=None):
        """Run over ``sequence`` (B, T, D).

        Returns outputs (B, T, O) if return_sequences else the last step's (B, O); with
        return_state also the final (h, c), each (B, H). ``state`` is an optional (h0, c0).
        """
        sequence = _checks.array("sequence", sequence, (None, None, self.input_size), "(B, T, D)")
        B = sequence.shape[0]
        if state is None:
            h0, c0 = self.initial_state(B)
        else:
            h0, c0 = _checks.state("state", state, ("h", "c"))
            h0 = check_state("h", h0, B, self.hidden_size)
            c0 = check_state("c", c0, B, self.hidden_size)
        p = self.params
        hs, (h, c), _ = lstm_forward(sequence, h0, c0, p["lstm.Wx"], p["lstm.Wh"], p["lstm.b"])
        ys = hs if self.output_size is None else hs @ p["out.W"] + p["out.b"]
        out = ys if return_sequences else ys[:, -1]
        return (out, (h, c)) if return_state else out
