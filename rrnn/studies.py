"""The seed demo's four studies as pure functions: settings in, NamedTuples of arrays out.

No plotting and no printing here: the notebooks print, the figures in ``rrnn.dash`` plot, and
the tests check these same results. Every function takes the study's settings as keywords
(defaults: the seed demo's settings, see ``examples/seed_demo.py``), builds its sequence with
``rrnn.patterns.make_sequence(pattern, ..., rng=seed)`` and its networks with
``rng=model_seed`` (None: rrnn's fixed default seed, as in the seed demo).

    memory_evolution(...)     study 1: how the memory moves over a sequence that gets louder
    with_without_memory(...)  study 2: LSTM vs hybrid, and the hybrid with its memory path off
    step_by_step(...)         study 3: one step at a time: changes, attention weights, gates
    memory_capacity(...)      study 4: the same network with 1, 2, 4, 8 slots

``model=`` chooses the memory (``rrnn.seed_models.MODELS``): "hybrid", the seed demo's LSTM + memory
hybrid with untrained weights (the default, as the seed demo ran it: the mechanics, not learnt behaviour),
"rmc", the paper's RMC untrained, or "trained-rmc" / "trained-hybrid", trained to name the pattern
of a sequence (``rrnn.tasks.which_pattern``; they need the sizes they were trained with).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import pretrained, seed_models
from .hybrid import RelationalRNN, RelationalRNNCell
from .layers import softmax
from .lstm import LSTM
# the notebooks and exercises call these as studies.<name>
from .measures import OutputStats, cosine_similarity, mean_offdiagonal, shared_projection, window_means  # noqa: F401
from .models import LSTMClassifier
from .patterns import make_sequence, phase_boundary


# --- small helpers -----------------------------------------------------------------------------
SEED_STATISTICS = ("norm", "mean", "std", "slot norms", "slot similarity")
"""What ``seed_statistics`` puts in its vector, in order (the slot norms take S entries)."""


def seed_statistics(memory: np.ndarray) -> np.ndarray:
    """The seed demo's lenses on one memory (S, P), as one vector of S + 4 numbers: its norm, mean and
    standard deviation over all S * P entries, the S slot norms in slot order, and the slots' mean cosine
    similarity (1 for a single slot). The same vector ``seed_models.input_sensitivity`` compares."""
    memory = np.asarray(memory, dtype=float)
    similarity = mean_offdiagonal(cosine_similarity(memory)) if len(memory) > 1 else 1.0
    return np.array([np.linalg.norm(memory), memory.mean(), memory.std(), *np.linalg.norm(memory, axis=-1),
                     similarity])


def _same_params(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _hybrid_cell(input_size, hidden_size, num_slots, slot_size, num_heads, model_seed):
    return RelationalRNNCell(input_size, hidden_size, num_slots, slot_size, num_heads, rng=model_seed)


# --- study 1 -------------------------------------------------------------------------------------
class MemoryEvolution(NamedTuple):
    """Study 1. Per-step statistics are of the memory *after* step t (t = 0 .. T-1)."""

    pattern: str
    sequence: np.ndarray        # (B, T, D) the input
    memories: np.ndarray        # (T+1, B, S, P) the memory before step 0, then after every step
    memory_norm: np.ndarray     # (T,) L2 norm of the whole memory (all batch rows), as in the seed demo
    memory_mean: np.ndarray     # (T,)
    memory_std: np.ndarray      # (T,)
    slot_norms: np.ndarray      # (T, S) L2 norm of each slot, batch row 0
    slot_variance: float        # variance over slots of slot_norms[-1], the seed demo's 'specialisation' number
    similarity: np.ndarray      # (S, S) cosine similarity of the final slots, batch row 0
    initial_similarity: np.ndarray  # (S, S) the same for the initial memory
    boundary: int | None        # the step where the step-up pattern gets louder (T // 2), else None
    model: str = "hybrid"       # the model choice (rrnn.seed_models.MODELS)
    input_attention: np.ndarray | None = None  # (T, S) how much each slot reads the input row, batch row 0
    trajectory: np.ndarray | None = None       # (T+1, S, 2) each slot in the shared 2-D projection, batch row 0
    probabilities: np.ndarray | None = None    # (T, 9) a trained model's belief in each pattern after step t


def memory_evolution(*, model: str = "hybrid", num_slots: int = 4, slot_size: int = 64, num_heads: int = 2,
                     seq_len: int = 15, input_size: int = 32, hidden_size: int = 64, batch_size: int = 1,
                     pattern: str = "step_up", amplitude: float = 1.0, seed=42, model_seed=None) -> MemoryEvolution:
    """Study 1: run a memory over the sequence, step by step, and track it.

    model: one of ``rrnn.seed_models.MODELS`` ("hybrid", the seed demo's, by default; "rmc";
    "trained-rmc", "trained-hybrid", which need the sizes they were trained with).
    Defaults are the seed demo's: batch 1, 15 steps, input 32, hidden 64, 4 slots of 64, 2 heads,
    noise x 0.1 whose second half is x 5 (pattern "step_up").
    """
    net = seed_models.memory_model(model, input_size=input_size, hidden_size=hidden_size, num_slots=num_slots,
                                   slot_size=slot_size, num_heads=num_heads, model_seed=model_seed)
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    trace = seed_models.trace(net, sequence)
    memories = trace.memories                                                  # (T+1, B, S, P)
    after = memories[1:]
    slot_norms = np.linalg.norm(after[:, 0], axis=-1)                           # (T, S)
    probabilities = softmax(trace.logits[0]) if seed_models.is_trained(model) else None
    return MemoryEvolution(
        pattern=pattern, sequence=sequence, memories=memories,
        memory_norm=np.sqrt((after ** 2).sum(axis=(1, 2, 3))),
        memory_mean=after.mean(axis=(1, 2, 3)), memory_std=after.std(axis=(1, 2, 3)),
        slot_norms=slot_norms, slot_variance=float(np.var(slot_norms[-1])),
        similarity=cosine_similarity(after[-1, 0]), initial_similarity=cosine_similarity(memories[0, 0]),
        boundary=phase_boundary(pattern, seq_len), model=model, input_attention=trace.input_attention[:, 0],
        trajectory=memories[:, 0] @ shared_projection(memories[:, 0]).T, probabilities=probabilities)


# --- study 2 -------------------------------------------------------------------------------------
class WithWithoutMemory(NamedTuple):
    """Study 2. Outputs are (B, T, O) at every step; the seed demo compared the last step only.

    For model="hybrid" (the seed demo's study) the outputs are the seed demo's 16 linear outputs of untrained
    networks; for the other choices they are the classifiers' beliefs in each of the 9 patterns
    (softmax of the head on each step's features), and for a trained model ``accuracy`` holds each
    network's accuracy on ``seed_models.evaluation_set()``."""

    pattern: str
    sequence: np.ndarray          # (B, T, D)
    lstm: np.ndarray              # (B, T, O) the LSTM baseline
    memory: np.ndarray            # (B, T, O) the memory model (the hybrid or the RMC)
    memory_off: np.ndarray | None  # (B, T, O) the same hybrid, memory path switched off (None for the RMC,
                                  #   whose output is its memory)
    diff_models: np.ndarray       # (T,) mean |lstm - memory| per step: the seed demo's comparison
    diff_memory: np.ndarray | None  # (T,) mean |memory - memory_off| per step: the memory's part alone
    shared_lstm_weights: bool     # do the baseline and the hybrid's LSTM hold the same weights?
    model: str = "hybrid"
    accuracy: dict | None = None  # trained models: network name -> accuracy (chance 1/9)

    @property
    def names(self) -> tuple:
        """The networks' labels: LSTM, the memory model, and (for a hybrid) it with the memory off."""
        label = "hybrid" if seed_models.is_hybrid(self.model) else "RMC"
        return ("LSTM", label) + ((f"{label}, memory off",) if self.memory_off is not None else ())

    def stats(self) -> dict:
        """Name -> OutputStats of the last step's outputs (the seed demo's table), and the
        absolute differences at the last step."""
        lstm, label = self.names[:2]
        outputs = (self.lstm, self.memory) + ((self.memory_off,) if self.memory_off is not None else ())
        out = {name: OutputStats.of(v[:, -1]) for name, v in zip(self.names, outputs)}
        out[f"|LSTM - {label}|"] = OutputStats.of(np.abs(self.lstm[:, -1] - self.memory[:, -1]))
        if self.memory_off is not None:
            out["|memory on - memory off|"] = OutputStats.of(np.abs(self.memory[:, -1] - self.memory_off[:, -1]))
        return out


def with_without_memory(*, model: str = "hybrid", seq_len: int = 10, input_size: int = 32, hidden_size: int = 64,
                        output_size: int = 16, num_slots: int = 4, slot_size: int = 64, num_heads: int = 2,
                        batch_size: int = 2, pattern: str = "noise", amplitude: float = 1.0, seed=42,
                        model_seed=None) -> WithWithoutMemory:
    """Study 2: an LSTM and a memory model on one sequence, plus (for a hybrid) the same network
    with its memory path off (``use_memory=False``) - the only comparison where the difference is
    the memory's alone. Defaults: the seed demo's (batch 2, 10 steps, 32 -> 64 -> 16, 4 slots of 64,
    2 heads, Gaussian noise).

    model: "hybrid" (the seed demo's study: untrained LSTM and hybrid with 16 linear outputs), "rmc"
    (untrained LSTM and RMC classifiers), "trained-rmc" or "trained-hybrid" (the shipped LSTM and
    that model, trained to name the pattern; output_size does not apply to these classifiers).
    """
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    accuracy = None
    if seed_models.check_model(model) == "hybrid":
        lstm = LSTM(input_size, hidden_size, output_size, rng=model_seed)
        hybrid = RelationalRNN(input_size, hidden_size, output_size, num_slots, slot_size, num_heads, rng=model_seed)
        y_lstm = lstm.forward(sequence)
        y_on = hybrid.forward(sequence)
        y_off = hybrid.forward(sequence, use_memory=False)
        shared = all(np.array_equal(lstm.params[k], hybrid.params[k]) for k in ("lstm.Wx", "lstm.Wh", "lstm.b"))
    else:
        net = seed_models.memory_model(model, input_size=input_size, hidden_size=hidden_size, num_slots=num_slots,
                                       slot_size=slot_size, num_heads=num_heads, model_seed=model_seed)
        lstm = (seed_models.trained_model("lstm") if seed_models.is_trained(model) else
                LSTMClassifier(input_size, hidden_size, seed_models.NUM_CLASSES, rng=model_seed))
        y_lstm = softmax(lstm_step_logits(lstm, sequence))
        y_on = softmax(seed_models.trace(net, sequence).logits)
        y_off = (softmax(seed_models.trace(net, sequence, use_memory=False).logits)
                 if seed_models.is_hybrid(model) else None)
        shared = bool(np.array_equal(lstm.params["core.lstm.Wx"], net.params.get("core.lstm.Wx")))
        if seed_models.is_trained(model):
            name = seed_models.trained_name(model, num_slots)
            label = "hybrid" if model == "trained-hybrid" else "RMC"
            accuracy = {"LSTM": seed_models.trained_accuracy("lstm"), label: seed_models.trained_accuracy(name)}
            if y_off is not None:
                accuracy[f"{label}, memory off"] = seed_models.trained_accuracy(name, use_memory=False)
    return WithWithoutMemory(pattern, sequence, y_lstm, y_on, y_off,
                             diff_models=np.abs(y_lstm - y_on).mean(axis=(0, 2)),
                             diff_memory=None if y_off is None else np.abs(y_on - y_off).mean(axis=(0, 2)),
                             shared_lstm_weights=bool(shared), model=model, accuracy=accuracy)


def lstm_step_logits(model, X) -> np.ndarray:
    """An LSTM classifier's head on its hidden state after every step: (B, T, C)."""
    return model.trace(X).logits.astype(float)


# --- study 3 -------------------------------------------------------------------------------------
class StepByStep(NamedTuple):
    """Study 3. Arrays indexed by state (T+1: before step 0, after each step) or by step (T),
    for batch row 0; the *_change norms are over the whole batch, as in the seed demo. The RMC has no
    LSTM: for it h, c, output, h_change, c_change and readout are None."""

    pattern: str
    sequence: np.ndarray        # (B, T, D)
    h: np.ndarray | None        # (T+1, H)
    c: np.ndarray | None        # (T+1, H)
    memory: np.ndarray          # (T+1, S, P)
    output: np.ndarray | None   # (T, H) the cell's output (tanh of the combined h and read-out)
    h_change: np.ndarray | None  # (T,) ||h_t - h_{t-1}||
    c_change: np.ndarray | None  # (T,) ||c_t - c_{t-1}||
    memory_change: np.ndarray   # (T,) ||memory_t - memory_{t-1}||
    slot_change: np.ndarray     # (T, S) the same per slot
    attention: np.ndarray       # (T, A, S+1, S+1) attention weights; row = who reads, column = read from;
                                #   index S (the last) is the input row (the projected h)
    input_gate: np.ndarray      # (T, S, G) the memory's input gate i (how much new content is written)
    forget_gate: np.ndarray     # (T, S, G) the memory's forget gate f (how much old content is kept)
    readout: np.ndarray | None  # (T, P) the slot mean the output reads
    model: str = "hybrid"
    probabilities: np.ndarray | None = None  # (T, 9) a trained model's belief in each pattern after step t

    @property
    def slot_labels(self) -> list:
        """Names for the S+1 attention rows/columns: 'slot 0' ... and 'input'."""
        return [f"slot {s}" for s in range(self.memory.shape[1])] + ["input"]


def step_by_step(*, model: str = "hybrid", seq_len: int = 3, input_size: int = 8, hidden_size: int = 16,
                 num_slots: int = 3, slot_size: int = 16, num_heads: int = 1, batch_size: int = 1,
                 pattern: str = "noise", amplitude: float = 0.5, seed=42, model_seed=None) -> StepByStep:
    """Study 3: step a memory by hand and keep everything each step computed.

    Defaults: the seed demo's (batch 1, 3 steps, input 8, hidden 16, 3 slots of 16, 1 head,
    noise x 0.5) and its hybrid cell. model: see ``rrnn.seed_models.MODELS``; the trained ones
    need input_size 32, slot_size 64 and 2 heads (and for the hybrid, hidden 64 and 4 slots)."""
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    if seed_models.check_model(model) != "hybrid":
        return _memory_steps(model, pattern, sequence, input_size=input_size, hidden_size=hidden_size, num_slots=num_slots,
                             slot_size=slot_size, num_heads=num_heads, model_seed=model_seed)
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


def _step_norms(states: np.ndarray) -> np.ndarray:
    """||state_t - state_{t-1}|| over everything but the step axis: (T+1, ...) -> (T,)."""
    change = np.diff(states, axis=0)
    return np.sqrt((change ** 2).reshape(change.shape[0], -1).sum(axis=1))


def _memory_steps(model, pattern, sequence, **sizes) -> StepByStep:
    """Study 3 for the RMC choices and the trained hybrid, from ``seed_models.trace``."""
    net = seed_models.memory_model(model, **sizes)
    trace = seed_models.trace(net, sequence)
    mems = trace.memories                                                       # (T+1, B, S, P)
    hybrid = seed_models.is_hybrid(model)
    h = trace.features[0] if hybrid else None        # the hybrid's output; its h and c are inside the cell
    return StepByStep(
        pattern=pattern, sequence=sequence, h=None, c=None, memory=mems[:, 0],
        output=h, h_change=None, c_change=None, memory_change=_step_norms(mems),
        slot_change=np.linalg.norm(np.diff(mems, axis=0)[:, 0], axis=-1), attention=trace.attention[:, 0],
        input_gate=trace.input_gate[:, 0], forget_gate=trace.forget_gate[:, 0], readout=None, model=model,
        probabilities=softmax(trace.logits[0]) if seed_models.is_trained(model) else None)


# --- study 4 -------------------------------------------------------------------------------------
class MemoryCapacity(NamedTuple):
    """Study 4. One entry per slot count (axis 0 has length N = len(slot_counts))."""

    pattern: str
    sequence: np.ndarray          # (B, T, D)
    slot_counts: np.ndarray       # (N,)
    outputs: np.ndarray           # (N, B, T, O) hybrid: the seed demo's 16 outputs; RMC: beliefs in the 9 patterns
    output_mean: np.ndarray       # (N,) mean of the last step's outputs (the seed demo's numbers)
    output_std: np.ndarray        # (N,)
    memory_effect: np.ndarray     # (N,) mean |output with memory - output with the memory path off| (nan for the
                                  #   RMC, whose output is its memory)
    input_attention: np.ndarray   # (N,) attention a slot pays to the input row, averaged over steps,
                                  #   heads, slots and batch; a uniform reader would pay 1 / (S+1)
    slot_similarity: np.ndarray   # (N,) mean cosine similarity between distinct final slots (nan if S=1)
    parameter_count: np.ndarray   # (N,) number of weights in each network
    same_weights: bool            # did every slot count get exactly the same (memory) weights?
    model: str = "hybrid"
    accuracy: np.ndarray | None = None  # (N,) trained RMCs: accuracy naming the pattern (chance 1/9)


def memory_capacity(*, model: str = "hybrid", slot_counts=(1, 2, 4, 8), seq_len: int = 10, input_size: int = 32,
                    hidden_size: int = 64, output_size: int = 16, slot_size: int = 64, num_heads: int = 2,
                    batch_size: int = 2, pattern: str = "noise", amplitude: float = 1.0, seed=42,
                    model_seed=None) -> MemoryCapacity:
    """Study 4: the memory with each number of slots in ``slot_counts``, on one sequence.

    Defaults: the seed demo's (batch 2, 10 steps, 32 -> 64 -> 16, slots 1, 2, 4, 8 of size 64,
    2 heads, Gaussian noise). No weight of the memory depends on the slot count, so with one
    model_seed every untrained network gets the same weights: the slot count is the only
    difference. model: "hybrid" (the seed demo's study), "rmc" (the untrained RMC classifier; its head
    reads all S slots, so only the head grows with S) or "trained-rmc" (the shipped RMCs, one per
    slot count in 1, 2, 4, 8, each trained on its own: ``accuracy`` says how well each names the
    pattern - the capacity curve).
    """
    slot_counts = tuple(slot_counts)
    if not slot_counts:
        raise ValueError("slot_counts must name at least one slot count")
    if seed_models.check_model(model) == "trained-hybrid":
        raise ValueError("model must be 'hybrid', 'rmc' or 'trained-rmc' for the capacity study (the trained "
                         "hybrid exists with 4 slots only), got 'trained-hybrid'")
    sequence = make_sequence(pattern, batch_size, seq_len, input_size, amplitude=amplitude, rng=seed)
    outputs, effect, attn_in, similarity, counts, params, accuracy = [], [], [], [], [], [], []
    y_off = None
    for S in slot_counts:
        if model == "hybrid":
            net = RelationalRNN(input_size, hidden_size, output_size, S, slot_size, num_heads, rng=model_seed)
            y, (_, _, memory), caches = net.forward(sequence, return_state=True, return_caches=True)
            if y_off is None or not _same_params(net.params, params[0]):
                # with the memory path off the slots are never read, so networks with the same
                # weights give the same output whatever S is: run it once
                y_off = net.forward(sequence, use_memory=False)
            attention = np.stack([cache.rmc.attention[0] for cache in caches])     # (T, B, A, S+1, S+1)
            effect.append(np.abs(y - y_off).mean())
            weights = net.params
        else:
            net = seed_models.memory_model(model, input_size=input_size, hidden_size=hidden_size, num_slots=S,
                                           slot_size=slot_size, num_heads=num_heads, model_seed=model_seed)
            trace = seed_models.trace(net, sequence)
            y, memory, attention = softmax(trace.logits), trace.memories[-1], trace.attention
            effect.append(np.nan)
            weights = {k: v for k, v in net.params.items() if k.startswith("core.")}
            if model == "trained-rmc":
                accuracy.append(seed_models.trained_accuracy(pretrained.rmc_name(S)))
        outputs.append(y)
        attn_in.append(attention[..., :S, S].mean())                           # slots reading the input row
        similarity.append(np.mean([mean_offdiagonal(cosine_similarity(m)) for m in memory]))
        counts.append(sum(p.size for p in net.params.values()))
        params.append(weights)
    same = all(_same_params(p, params[0]) for p in params)
    outputs = np.stack(outputs)
    last = outputs[:, :, -1]                                                   # (N, B, O)
    return MemoryCapacity(pattern, sequence, np.array(slot_counts), outputs,
                          output_mean=last.mean(axis=(1, 2)), output_std=last.std(axis=(1, 2)),
                          memory_effect=np.array(effect), input_attention=np.array(attn_in),
                          slot_similarity=np.array(similarity), parameter_count=np.array(counts),
                          same_weights=bool(same), model=model,
                          accuracy=np.array(accuracy) if accuracy else None)
