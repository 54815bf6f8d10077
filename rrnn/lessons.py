"""What notebooks 01-03 and 09 compute, as pure functions: settings in, NamedTuples of arrays out.

    attention_maps(num_items=6, num_heads=2)    01: self-attention over random items, one map per head
    lstm_gates("pulse", seq_len=20)             02: an untrained LSTM's gates, cell and hidden state
    rmc_step(num_slots=4, step=3)               03: one step of an untrained RMC, piece by piece
    trained_example(example=0, step=4)          09: the shipped Nth-farthest RMC on one fresh question

The dashboards in ``rrnn.dash`` draw these results and compute nothing themselves; the tests check
these same functions. They live here rather than in ``rrnn.studies`` because ``studies`` is the
seed demo's four studies (notebooks 04-07), every one with the same ``model=`` choice and the
seed's settings; these lessons share neither, and one module per group of notebooks keeps each
small enough to read in one sitting.
"""
from __future__ import annotations

import functools
import math
import numbers
from typing import NamedTuple

import numpy as np

from . import _checks, interpret, pretrained, tasks
from .attention import multihead_attention_forward
from .lstm import LSTM, lstm_forward
from .patterns import PULSE_STEP, make_sequence
from .rmc import RelationalMemory

INPUT_SIZE = 4          # D: features per step of the sequences of notebooks 02 and 03


def make_input(pattern: str, seq_len: int, input_size: int = INPUT_SIZE, *, amplitude: float = 1.0, rng=None):
    """A (1, T, D) sequence of ``rrnn.patterns`` (one batch row)."""
    return make_sequence(pattern, 1, seq_len, input_size, amplitude=amplitude, rng=rng)


# --- notebook 01: attention maps ------------------------------------------------------------------
class AttentionMaps(NamedTuple):
    """What ``attention_maps`` computed. N items, A heads, P = width, K = P / A."""

    items: np.ndarray        # (N, P) the input rows
    weights: np.ndarray      # (A, N, N) row i: how much query item i reads from each key item j
    output: np.ndarray       # (N, P) the heads' outputs, concatenated
    num_heads: int
    sharpness: float
    duplicate_last: bool


def random_attention_params(width: int, num_heads: int, *, sharpness: float = 1.0, rng=None) -> dict:
    """Parameters for ``rrnn.multihead_attention_forward`` with K = V = width / num_heads.

    "qkv.W" (P, A*3K) ~ N(0, 1/P), "qkv.b" zeros, "qkv_ln.gamma" sqrt(sharpness) on the q and k
    features and 1 on v (so every logit is multiplied by ``sharpness``), "qkv_ln.beta" zeros.
    """
    P, A = _checks.check_heads_divide(width, num_heads, names=("width", "num_heads"))
    if _checks.finite_float("sharpness", sharpness) <= 0:
        raise ValueError(f"sharpness must be a positive number, got {sharpness}")
    rng = np.random.default_rng(rng)
    K = P // A
    F = A * 3 * K
    gamma = np.ones((A, 3 * K))
    gamma[:, :2 * K] = math.sqrt(sharpness)       # q and k of every head; v keeps gain 1
    return {"qkv.W": rng.standard_normal((P, F)) / math.sqrt(P), "qkv.b": np.zeros(F),
            "qkv_ln.gamma": gamma.reshape(F), "qkv_ln.beta": np.zeros(F)}


def attention_maps(num_items: int = 6, num_heads: int = 2, width: int = 16, sharpness: float = 1.0,
                   duplicate_last: bool = True, seed: int = 0) -> AttentionMaps:
    """Self-attention over ``num_items`` random items of width P = ``width`` with ``num_heads`` heads.

    The items are drawn first from ``np.random.default_rng(seed)``, the projection after them,
    so changing the number of heads keeps the same items. Raises ValueError when the heads do
    not divide the width or there are fewer than 2 items, TypeError for a size that is not an int.
    """
    N = _checks.positive_int("num_items", num_items)
    P, A = _checks.check_heads_divide(width, num_heads, names=("width", "num_heads"))
    if N < 2:
        raise ValueError(f"num_items must be at least 2 (attention needs items to compare), got {N}")
    rng = np.random.default_rng(seed)
    items = rng.standard_normal((1, N, P))                                   # (B=1, N, P)
    if duplicate_last:
        items[0, -1] = items[0, 0]
    params = random_attention_params(P, A, sharpness=sharpness, rng=rng)
    out, cache = multihead_attention_forward(items, params, num_heads=A, key_size=P // A)
    return AttentionMaps(items[0], cache.weights[0], out[0], A, float(sharpness), bool(duplicate_last))


# --- notebook 02: an LSTM's gates -----------------------------------------------------------------
class LSTMGates(NamedTuple):
    """What ``lstm_gates`` computed for batch row 0. T steps, H units; row t - 1 is step t."""

    pattern: str
    sequence: np.ndarray    # (1, T, D) the input
    i: np.ndarray           # (T, H) input gate
    f: np.ndarray           # (T, H) forget gate
    o: np.ndarray           # (T, H) output gate
    g: np.ndarray           # (T, H) candidate
    c: np.ndarray           # (T, H) cell after each step
    h: np.ndarray           # (T, H) hidden state after each step
    start: int              # the step (from 1) whose cell ``carry`` follows
    carry: np.ndarray       # (T,) step t: mean over units of prod_{start < s <= t} f_s; nan before start
    forget_bias: float


def run_lstm(sequence, hidden_size: int, *, forget_bias: float = 1.0, model_seed=None) -> list:
    """Run an untrained rrnn.LSTM (D from ``sequence`` (B, T, D), H = hidden_size) from zero
    state, with every forget-gate bias set to ``forget_bias``. Returns the T step caches."""
    sequence = np.asarray(sequence, dtype=float)
    B, _, D = sequence.shape
    lstm = LSTM(D, hidden_size, rng=model_seed)
    H = lstm.hidden_size
    p = lstm.params
    b = p["lstm.b"].copy()
    b[H:2 * H] = forget_bias                       # the gate order is i, f, o, g
    h0, c0 = lstm.initial_state(B)
    _, _, caches = lstm_forward(sequence, h0, c0, p["lstm.Wx"], p["lstm.Wh"], b)
    return caches


def carried_fraction(f: np.ndarray, start: int) -> np.ndarray:
    """f: (T, H) forget gates, row t - 1 for step t; start: a step, counting from 1.

    Returns (T,): at step t, the mean over units of prod_{start < s <= t} f_s (1 at ``start``,
    nan before it): how much of the cell at step ``start`` c still carries.
    """
    T = f.shape[0]
    out = np.full(T, np.nan)
    if 1 <= start <= T:
        kept = np.cumprod(f[start:], axis=0)                     # steps start+1 .. T
        out[start - 1:] = np.concatenate([np.ones((1, f.shape[1])), kept]).mean(axis=1)
    return out


def lstm_gates(pattern: str = "pulse", seq_len: int = 20, amplitude: float = 1.0, hidden_size: int = 8,
               seed: int = 0, forget_bias: float = 1.0, *, input_size: int = INPUT_SIZE,
               model_seed=None) -> LSTMGates:
    """The gates, cell and hidden state of an untrained LSTM over one ``pattern`` sequence.

    The sequence comes from ``seed``, the weights from ``model_seed`` (None: rrnn's default),
    the forget-gate bias is ``forget_bias`` (rrnn's default is 1). A size that is not a positive
    int, or an amplitude or forget bias that is not a finite number, is an error naming it (before
    anything runs: a NaN bias would otherwise draw NaN gates).
    """
    seq_len, hidden_size = _checks.positive_int("seq_len", seq_len), _checks.positive_int("hidden_size", hidden_size)
    amplitude = _checks.finite_float("amplitude", amplitude)
    forget_bias = _checks.finite_float("forget_bias", forget_bias)
    x = make_input(pattern, seq_len, input_size, amplitude=amplitude, rng=seed)
    caches = run_lstm(x, hidden_size, forget_bias=forget_bias, model_seed=model_seed)
    stack = {name: np.stack([getattr(cache, name)[0] for cache in caches]) for name in "ifogc"}
    h = np.stack([cache.o[0] * np.tanh(cache.c[0]) for cache in caches])
    start = min(PULSE_STEP, x.shape[1]) if pattern == "pulse" else 1
    return LSTMGates(pattern, x, stack["i"], stack["f"], stack["o"], stack["g"], stack["c"], h, start,
                     carried_fraction(stack["f"], start), float(forget_bias))


# --- notebook 03: one RMC step --------------------------------------------------------------------
class RMCStep(NamedTuple):
    """One RMC step, batch row 0. S slots of width P, A heads, G = P (unit gates)."""

    pattern: str
    sequence: np.ndarray          # (1, T, D) the whole input sequence
    step: int                     # t, the step shown (1 .. T)
    attention: np.ndarray         # (A, S+1, S+1) block 0; row/column S is the input row x̂
    memory_before: np.ndarray     # (S, P) M_{t-1}
    x_proj: np.ndarray            # (P,) x̂_t, the projected input: the extra row
    memory_attended: np.ndarray   # (S, P) M_att: the slots after attention + MLP (input row dropped)
    input_gate: np.ndarray        # (S, P) i
    forget_gate: np.ndarray       # (S, P) f
    memory_after: np.ndarray      # (S, P) M_t = i * tanh(M_att) + f * M_{t-1}

    @property
    def num_heads(self) -> int:
        return self.attention.shape[0]

    @property
    def num_slots(self) -> int:
        return self.memory_before.shape[0]

    @property
    def concatenated(self) -> np.ndarray:
        """(S+1, P) [M_{t-1}; x̂_t]: the rows that attend to one another."""
        return np.vstack([self.memory_before, self.x_proj[None]])

    @property
    def reads_from_input(self) -> np.ndarray:
        """(A, S): how much each slot's query reads from the input row, per head."""
        return self.attention[:, :-1, -1]


@functools.lru_cache(maxsize=16)
def rmc_run(num_slots, slot_size, num_heads, pattern, seq_len, seed, amplitude, model_seed, input_size):
    """(sequence (1, T, D), the T step caches) of an untrained RMC; cached, so that moving
    ``rmc_step``'s step only picks another step."""
    x = make_input(pattern, seq_len, input_size, amplitude=amplitude, rng=seed)
    core = RelationalMemory(input_size, num_slots, slot_size // num_heads, num_heads, rng=model_seed)
    _, _, caches = core.forward(x, return_caches=True)
    return x, tuple(caches)


def rmc_step(num_slots: int = 4, slot_size: int = 16, num_heads: int = 2, pattern: str = "noise",
             seq_len: int = 10, step: int = 1, seed: int = 0, amplitude: float = 1.0, *,
             model_seed=None, input_size: int = INPUT_SIZE) -> RMCStep:
    """Step ``step`` (1 .. seq_len) of an untrained RMC with S = ``num_slots``, P = ``slot_size`` and
    A = ``num_heads`` (head size P / A, unit gates, one block) over a ``pattern`` sequence.

    Runs are cached (``rmc_run``). Raises ValueError, with the valid choices, for heads that do
    not divide P or a step outside 1 .. seq_len; TypeError / ValueError naming the argument for a
    size that is not a positive int or an amplitude that is not finite.
    """
    num_slots, seq_len = (_checks.positive_int(name, value) for name, value in
                          (("num_slots", num_slots), ("seq_len", seq_len)))
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"step must be an int in 1 .. {seq_len}, got {step!r} ({type(step).__name__})")
    step = int(step)
    slot_size, num_heads = _checks.check_heads_divide(slot_size, num_heads)
    amplitude = _checks.finite_float("amplitude", amplitude)
    if not 1 <= step <= seq_len:
        raise ValueError(f"step must be in 1 .. {seq_len} for a sequence of {seq_len} steps, got {step}")
    x, caches = rmc_run(num_slots, slot_size, num_heads, pattern, seq_len, seed, float(amplitude), model_seed,
                        input_size)
    cache = caches[step - 1]
    memory_after = cache.input_gate * np.tanh(cache.memory_attended) + cache.forget_gate * cache.memory
    return RMCStep(pattern, x, step, cache.attention[0][0], cache.memory[0], cache.x_proj[0],
                   cache.memory_attended[0], cache.input_gate[0], cache.forget_gate[0], memory_after[0])


# --- notebook 09: the trained RMC on one question -------------------------------------------------
NUM_VECTORS, VECTOR_DIM, BATCH = 4, 4, 64      # the shipped Nth-farthest RMC's questions; a batch of them


class TrainedExample(NamedTuple):
    """One question and the trained RMC's answer. N vectors, A heads, S slots, T = N steps."""

    step: int                 # t shown, 1..T (step t reads row t of the shuffled sequence)
    ids: np.ndarray           # (T,) id of the vector read at each step
    reference: int            # the id of the reference vector m
    nth: int                  # n: 0 is the reference itself, N-1 the farthest
    label: int                # the right answer, an id
    distances: np.ndarray     # (N,) distance of each id's vector from the reference
    probabilities: np.ndarray  # (N,) the model's softmax over ids
    attention: np.ndarray     # (T, A, S+1, S+1) block-0 attention at every step; row/col S: input

    @property
    def predicted(self) -> int:
        return int(self.probabilities.argmax())


@functools.lru_cache(maxsize=4)
def trained_batch(batch_seed: int):
    """(X, y, probabilities (B, N), attention (B, T, A, S+1, S+1)): the shipped RMC on ``BATCH``
    fresh questions drawn with ``batch_seed``; cached."""
    X, y = tasks.nth_farthest(BATCH, NUM_VECTORS, VECTOR_DIM, rng=batch_seed)
    tr = interpret.trace(pretrained.load("rmc")[0], X)
    z = tr.logits - tr.logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return X, y, probs, tr.attention


def trained_example(example: int = 0, step: int = NUM_VECTORS, batch_seed: int = 2024) -> TrainedExample:
    """The shipped RMC on question ``example`` of a fresh batch (seed ``batch_seed``), at ``step``."""
    for name, value in (("example", example), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int, got {value!r:.100} ({type(value).__name__})")
    X, y, probs, attention = trained_batch(batch_seed)
    if not 0 <= example < len(X):
        raise ValueError(f"example must be in [0, {len(X) - 1}], got {example}")
    if not 1 <= step <= X.shape[1]:
        raise ValueError(f"step must be in [1, {X.shape[1]}], got {step}")
    parts = tasks.nth_farthest_parts(X[example:example + 1], NUM_VECTORS, VECTOR_DIM)
    order = np.argsort(parts["ids"][0])                          # rows sorted by id
    vectors = parts["vectors"][0][order]
    reference = int(parts["reference"][0])
    distances = np.linalg.norm(vectors - vectors[reference], axis=1)
    return TrainedExample(step, parts["ids"][0], reference, int(parts["nth"][0]), int(y[example]), distances,
                          probs[example], attention[example])


# --- layout arithmetic shared by the attention figures of notebooks 01 and 03 ---------------------
