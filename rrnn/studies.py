"""The seed demo's four studies as pure functions: settings in, NamedTuples of arrays out.

No plotting and no printing here: the notebooks print, the figures in ``rrnn.dash`` plot, and
the tests check these same results. Every function takes the study's settings as keywords
(defaults: the seed's settings, see ``examples/seed_demo.py``), builds its sequence with
``rrnn.patterns.make_sequence(pattern, ..., rng=seed)`` and its networks with
``rng=model_seed`` (None: rrnn's fixed default seed, as in the seed demo).

    memory_evolution(...)     study 1: how the memory moves over a sequence that gets louder
    with_without_memory(...)  study 2: LSTM vs hybrid, and the hybrid with its memory path off
    step_by_step(...)         study 3: one step at a time: changes, attention weights, gates
    memory_capacity(...)      study 4: the same network with 1, 2, 4, 8 slots

The weights are untrained throughout: the studies show the mechanics of the memory, not what a
trained model would learn.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .hybrid import RelationalRNN, RelationalRNNCell
from .lstm import LSTM
from .patterns import make_sequence, phase_boundary


# --- small helpers -----------------------------------------------------------------------------
def cosine_similarity(rows: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of the rows of ``rows`` (S, M) -> (S, S); a zero row gives 0."""
    rows = np.asarray(rows, dtype=float)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    unit = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit @ unit.T


def mean_offdiagonal(matrix: np.ndarray) -> float:
    """Mean of the off-diagonal entries of a square matrix (nan for a 1x1 matrix)."""
    S = matrix.shape[0]
    if S < 2:
        return float("nan")
    return float((matrix.sum() - np.trace(matrix)) / (S * (S - 1)))


def window_means(values, parts: int = 3) -> np.ndarray:
    """Means of ``values`` over ``parts`` consecutive, near-equal windows (the seed's
    'initial / middle / final steps'; for 15 steps: 1-5, 6-10, 11-15)."""
    return np.array([np.mean(chunk) for chunk in np.array_split(np.asarray(values, dtype=float), parts)])


class OutputStats(NamedTuple):
    """Mean, std, min and max of an array (the seed's 'Output Statistics')."""

    mean: float
    std: float
    min: float
    max: float

    @classmethod
    def of(cls, values) -> "OutputStats":
        values = np.asarray(values, dtype=float)
        return cls(float(values.mean()), float(values.std()), float(values.min()), float(values.max()))


def _same_params(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _hybrid_cell(input_size, hidden_size, num_slots, slot_size, num_heads, model_seed):
    return RelationalRNNCell(input_size, hidden_size, num_slots, slot_size, num_heads, rng=model_seed)


# --- study 1 -------------------------------------------------------------------------------------
class MemoryEvolution(NamedTuple):
    """Study 1. Per-step statistics are of the memory *after* step t (t = 0 .. T-1)."""

    pattern: str
    sequence: np.ndarray        # (B, T, D) the input
    memories: np.ndarray        # (T+1, B, S, M) the memory before step 0, then after every step
    memory_norm: np.ndarray     # (T,) L2 norm of the whole memory (all batch rows), as in the seed
    memory_mean: np.ndarray     # (T,)
    memory_std: np.ndarray      # (T,)
    slot_norms: np.ndarray      # (T, S) L2 norm of each slot, batch row 0
    slot_variance: float        # variance over slots of slot_norms[-1], the seed's 'specialisation' number
    similarity: np.ndarray      # (S, S) cosine similarity of the final slots, batch row 0
    initial_similarity: np.ndarray  # (S, S) the same for the initial memory
    boundary: int | None        # the step where the step-up pattern gets louder (T // 2), else None


def memory_evolution(*, num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 15,
                     input_size: int = 32, hidden_size: int = 64, batch_size: int = 1, pattern: str = "step_up",
                     amplitude: float = 1.0, seed=42, model_seed=None) -> MemoryEvolution:
    """Study 1: run a RelationalRNNCell over the sequence, step by step, and track its memory.

    Defaults are the seed's: batch 1, 15 steps, input 32, hidden 64, 4 slots of 64, 2 heads,
    noise x 0.1 whose second half is x 5 (pattern "step_up").
    """
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    cell = _hybrid_cell(input_size, hidden_size, num_slots, slot_size, num_heads, model_seed)
    h, c, memory = cell.init_state(batch_size)
    memories = [memory]
    for t in range(seq_len):
        _, h, c, memory = cell.forward(sequence[:, t], h, c, memory)
        memories.append(memory)
    memories = np.stack(memories)                                              # (T+1, B, S, M)
    after = memories[1:]
    slot_norms = np.linalg.norm(after[:, 0], axis=-1)                           # (T, S)
    return MemoryEvolution(
        pattern=pattern, sequence=sequence, memories=memories,
        memory_norm=np.sqrt((after ** 2).sum(axis=(1, 2, 3))),
        memory_mean=after.mean(axis=(1, 2, 3)), memory_std=after.std(axis=(1, 2, 3)),
        slot_norms=slot_norms, slot_variance=float(np.var(slot_norms[-1])),
        similarity=cosine_similarity(after[-1, 0]), initial_similarity=cosine_similarity(memories[0, 0]),
        boundary=phase_boundary(pattern, seq_len))


# --- study 2 -------------------------------------------------------------------------------------
class WithWithoutMemory(NamedTuple):
    """Study 2. Outputs are (B, T, O) at every step; the seed compared the last step only."""

    pattern: str
    sequence: np.ndarray          # (B, T, D)
    lstm: np.ndarray              # (B, T, O) the LSTM baseline
    hybrid: np.ndarray            # (B, T, O) the relational RNN
    hybrid_off: np.ndarray        # (B, T, O) the same relational RNN, memory path switched off
    diff_models: np.ndarray       # (T,) mean |lstm - hybrid| per step: the seed's comparison
    diff_memory: np.ndarray       # (T,) mean |hybrid - hybrid_off| per step: the memory's part alone
    shared_lstm_weights: bool     # do the baseline and the hybrid's LSTM hold the same weights?

    def stats(self) -> dict:
        """Name -> OutputStats of the last step's outputs (the seed's table), and the
        absolute differences at the last step."""
        last = {"LSTM": self.lstm[:, -1], "relational RNN": self.hybrid[:, -1],
                "relational RNN, memory off": self.hybrid_off[:, -1]}
        out = {name: OutputStats.of(v) for name, v in last.items()}
        out["|LSTM - relational RNN|"] = OutputStats.of(np.abs(self.lstm[:, -1] - self.hybrid[:, -1]))
        out["|memory on - memory off|"] = OutputStats.of(np.abs(self.hybrid[:, -1] - self.hybrid_off[:, -1]))
        return out


def with_without_memory(*, seq_len: int = 10, input_size: int = 32, hidden_size: int = 64, output_size: int = 16,
                        num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, batch_size: int = 2,
                        pattern: str = "noise", amplitude: float = 1.0, seed=42, model_seed=None) -> WithWithoutMemory:
    """Study 2: an LSTM and a relational RNN on one sequence, plus the relational RNN with its
    memory path off (``use_memory=False``) - the only comparison where the difference is the
    memory's alone. Defaults: the seed's (batch 2, 10 steps, 32 -> 64 -> 16, 4 slots of 64,
    2 heads, Gaussian noise)."""
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    lstm = LSTM(input_size, hidden_size, output_size, rng=model_seed)
    hybrid = RelationalRNN(input_size, hidden_size, output_size, num_slots, slot_size, num_heads, rng=model_seed)
    y_lstm = lstm.forward(sequence)
    y_on = hybrid.forward(sequence)
    y_off = hybrid.forward(sequence, use_memory=False)
    shared = all(np.array_equal(lstm.params[k], hybrid.params[k]) for k in ("lstm.Wx", "lstm.Wh", "lstm.b"))
    return WithWithoutMemory(pattern, sequence, y_lstm, y_on, y_off,
                             diff_models=np.abs(y_lstm - y_on).mean(axis=(0, 2)),
                             diff_memory=np.abs(y_on - y_off).mean(axis=(0, 2)),
                             shared_lstm_weights=bool(shared))


# --- study 3 -------------------------------------------------------------------------------------
class StepByStep(NamedTuple):
    """Study 3. Arrays indexed by state (T+1: before step 0, after each step) or by step (T),
    for batch row 0; the *_change norms are over the whole batch, as in the seed."""

    pattern: str
    sequence: np.ndarray        # (B, T, D)
    h: np.ndarray               # (T+1, H)
    c: np.ndarray               # (T+1, H)
    memory: np.ndarray          # (T+1, S, M)
    output: np.ndarray          # (T, H) the cell's output (tanh of the combined h and read-out)
    h_change: np.ndarray        # (T,) ||h_t - h_{t-1}||
    c_change: np.ndarray        # (T,) ||c_t - c_{t-1}||
    memory_change: np.ndarray   # (T,) ||memory_t - memory_{t-1}||
    slot_change: np.ndarray     # (T, S) the same per slot
    attention: np.ndarray       # (T, A, S+1, S+1) attention weights; row = who reads, column = read from;
                                #   index S (the last) is the input row (the projected h)
    input_gate: np.ndarray      # (T, S, G) the memory's input gate i (how much new content is written)
    forget_gate: np.ndarray     # (T, S, G) the memory's forget gate f (how much old content is kept)
    readout: np.ndarray         # (T, M) the slot mean the output reads

    @property
    def slot_labels(self) -> list:
        """Names for the S+1 attention rows/columns: 'slot 0' ... and 'input'."""
        return [f"slot {s}" for s in range(self.memory.shape[1])] + ["input"]


def step_by_step(*, seq_len: int = 3, input_size: int = 8, hidden_size: int = 16, num_slots: int = 3,
                 slot_size: int = 16, num_heads: int = 1, batch_size: int = 1, pattern: str = "noise",
                 amplitude: float = 0.5, seed=42, model_seed=None) -> StepByStep:
    """Study 3: step a RelationalRNNCell by hand and keep everything each step computed.

    Defaults: the seed's (batch 1, 3 steps, input 8, hidden 16, 3 slots of 16, 1 head,
    noise x 0.5)."""
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    cell = _hybrid_cell(input_size, hidden_size, num_slots, slot_size, num_heads, model_seed)
    h, c, memory = cell.init_state(batch_size)
    hs, cs, mems, outs, caches = [h], [c], [memory], [], []
    for t in range(seq_len):
        out, h, c, memory, cache = cell.forward(sequence[:, t], h, c, memory, return_cache=True)
        hs.append(h), cs.append(c), mems.append(memory), outs.append(out), caches.append(cache)
    hs, cs, mems = np.stack(hs), np.stack(cs), np.stack(mems)                  # (T+1, B, ...)
    norm = lambda a: np.sqrt((a ** 2).reshape(a.shape[0], -1).sum(axis=1))   # one norm per step
    return StepByStep(
        pattern=pattern, sequence=sequence, h=hs[:, 0], c=cs[:, 0], memory=mems[:, 0],
        output=np.stack(outs)[:, 0],
        h_change=norm(np.diff(hs, axis=0)), c_change=norm(np.diff(cs, axis=0)),
        memory_change=norm(np.diff(mems, axis=0)),
        slot_change=np.linalg.norm(np.diff(mems, axis=0)[:, 0], axis=-1),
        attention=np.stack([cache.rmc.attention[0][0] for cache in caches]),
        input_gate=np.stack([cache.rmc.input_gate[0] for cache in caches]),
        forget_gate=np.stack([cache.rmc.forget_gate[0] for cache in caches]),
        readout=np.stack([cache.readout[0] for cache in caches]))


# --- study 4 -------------------------------------------------------------------------------------
class MemoryCapacity(NamedTuple):
    """Study 4. One entry per slot count (axis 0 has length N = len(slot_counts))."""

    pattern: str
    sequence: np.ndarray          # (B, T, D)
    slot_counts: np.ndarray       # (N,)
    outputs: np.ndarray           # (N, B, T, O)
    output_mean: np.ndarray       # (N,) mean of the last step's outputs (the seed's numbers)
    output_std: np.ndarray        # (N,)
    memory_effect: np.ndarray     # (N,) mean |output with memory - output with the memory path off|
    input_attention: np.ndarray   # (N,) attention a slot pays to the input row, averaged over steps,
                                  #   heads, slots and batch; a uniform reader would pay 1 / (S+1)
    slot_similarity: np.ndarray   # (N,) mean cosine similarity between distinct final slots (nan if S=1)
    parameter_count: np.ndarray   # (N,) number of weights in each network
    same_weights: bool            # did every slot count get exactly the same weights?


def memory_capacity(*, slot_counts=(1, 2, 4, 8), seq_len: int = 10, input_size: int = 32, hidden_size: int = 64,
                    output_size: int = 16, slot_size: int = 64, num_heads: int = 2, batch_size: int = 2,
                    pattern: str = "noise", amplitude: float = 1.0, seed=42, model_seed=None) -> MemoryCapacity:
    """Study 4: the relational RNN with each number of slots in ``slot_counts``, on one sequence.

    Defaults: the seed's (batch 2, 10 steps, 32 -> 64 -> 16, slots 1, 2, 4, 8 of size 64,
    2 heads, Gaussian noise). No weight depends on the slot count, so with one model_seed every
    network gets the same weights: the slot count is the only difference.
    """
    slot_counts = tuple(slot_counts)
    if not slot_counts:
        raise ValueError("slot_counts must name at least one slot count")
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    outputs, effect, attn_in, similarity, counts, params = [], [], [], [], [], []
    y_off = None
    for S in slot_counts:
        model = RelationalRNN(input_size, hidden_size, output_size, S, slot_size, num_heads, rng=model_seed)
        y, (_, _, memory), caches = model.forward(sequence, return_state=True, return_caches=True)
        if y_off is None or not _same_params(model.params, params[0]):
            # with the memory path off the slots are never read, so networks with the same
            # weights give the same output whatever S is: run it once
            y_off = model.forward(sequence, use_memory=False)
        attention = np.stack([cache.rmc.attention[0] for cache in caches])     # (T, B, A, S+1, S+1)
        outputs.append(y)
        effect.append(np.abs(y - y_off).mean())
        attn_in.append(attention[..., :S, S].mean())                           # slots reading the input row
        similarity.append(np.mean([mean_offdiagonal(cosine_similarity(m)) for m in memory]))
        counts.append(sum(p.size for p in model.params.values()))
        params.append(model.params)
    same = all(_same_params(p, params[0]) for p in params)
    outputs = np.stack(outputs)
    last = outputs[:, :, -1]                                                   # (N, B, O)
    return MemoryCapacity(pattern, sequence, np.array(slot_counts), outputs,
                          output_mean=last.mean(axis=(1, 2)), output_std=last.std(axis=(1, 2)),
                          memory_effect=np.array(effect), input_attention=np.array(attn_in),
                          slot_similarity=np.array(similarity), parameter_count=np.array(counts),
                          same_weights=bool(same))
