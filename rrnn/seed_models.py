"""The memories the seed demo's studies (notebooks 04-07) can look at, and one way to run any of them.

    MODELS                       name -> how the figures label it
    memory_model(name, ...)      the classifier for a choice, at the study's sizes
    trained_sizes(name)          the sizes a trained choice was trained with (from the shipped records)
    trained_slot_counts(name)    the slot counts it was trained with
    trace(model, X)              memory before and after every step, attention, gates, per-step logits
    trained_accuracy(name)       a shipped model's accuracy on a fixed set of which-pattern questions
    ablated_readout_accuracy()   the trained hybrid's, its memory read-out zeroed or set to its mean
    input_sensitivity(name, ...) how much the input pattern and its amplitude move that memory

The choices (``model=`` in every study of ``rrnn.studies``):

    "hybrid"          the seed demo's LSTM + memory hybrid, untrained (not the paper's model: its memory
                      reads the LSTM's bounded output h; ``rrnn.hybrid``)
    "rmc"             the paper's relational memory core, untrained (its memory reads the input x)
    "trained-rmc"     the paper's RMC trained on ``rrnn.tasks.which_pattern``: name the pattern of a
                      sequence made like the studies' own (shipped in ``rrnn.pretrained``); 1, 2, 4
                      or 8 slots of 64, 2 heads, input 32
    "trained-hybrid"  the seed demo's hybrid trained on the same task: LSTM 64, 4 slots of 64, 2 heads

Untrained models are built from ``model_seed`` exactly as ``rrnn.hybrid.RelationalRNNCell`` and the
classifiers build them, so "hybrid" here is the very network the seed demo's studies ran.
"""
from __future__ import annotations

import functools
import itertools
import json
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import _checks, pretrained, tasks
from .measures import cosine_similarity, mean_offdiagonal, relative_difference
from .models import HybridClassifier, RMCClassifier
from .patterns import PATTERNS, make_sequence

MODELS = {
    "hybrid": "the seed demo's hybrid (an LSTM with a relational memory), untrained",
    "rmc": "the paper's RMC, untrained",
    "trained-rmc": "the paper's RMC, trained to name the pattern",
    "trained-hybrid": "the seed demo's hybrid, trained to name the pattern",
}
"""Model choice -> its label on figures and controls."""

NUM_CLASSES = len(tasks.PATTERN_NAMES)


def check_model(model) -> str:
    if not (isinstance(model, str) and model in MODELS):
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    return model


def is_trained(model: str) -> bool:
    return check_model(model).startswith("trained-")


def is_hybrid(model: str) -> bool:
    return check_model(model).endswith("hybrid")


@functools.lru_cache(maxsize=None)
def trained_model(name: str):
    """The shipped which-pattern classifier ``name`` (loaded once per process; do not train it)."""
    return pretrained.load(name, task="which-pattern")[0]


@functools.lru_cache(maxsize=None)
def _trained_spec(name: str) -> dict:
    """The spec in the shipped record of the which-pattern model ``name`` (JSON only: no weights loaded)."""
    path = resources.files(pretrained) / f"{pretrained.file_stem(name, 'which-pattern')}.json"
    return json.loads(path.read_text())["spec"]


def trained_name(model: str, num_slots: int) -> str:
    """The shipped which-pattern model behind a trained choice: "hybrid", or "rmc-4slots" and the like."""
    return "hybrid" if model == "trained-hybrid" else pretrained.rmc_name(num_slots)


def trained_slot_counts(model: str) -> tuple:
    """The slot counts a model choice was trained with: the RMC's (1, 2, 4, 8), the hybrid's (4,),
    none for an untrained model."""
    if not is_trained(model):
        return ()
    if model == "trained-hybrid":
        return (_trained_spec("hybrid")["num_slots"],)
    return tuple(pretrained.SLOT_COUNTS)


def trained_sizes(model: str) -> dict:
    """The sizes a model choice was trained with, read from the shipped records: {} for an
    untrained model; input_size, slot_size and num_heads for "trained-rmc" (its slot count is one
    of ``trained_slot_counts``); those and hidden_size and num_slots for "trained-hybrid"."""
    if not is_trained(model):
        return {}
    if model == "trained-hybrid":
        spec = _trained_spec("hybrid")
        return {key: spec[key] for key in ("input_size", "hidden_size", "num_slots", "slot_size", "num_heads")}
    shared = {(spec["input_size"], spec["head_size"] * spec["num_heads"], spec["num_heads"])
              for spec in map(_trained_spec, map(pretrained.rmc_name, pretrained.SLOT_COUNTS))}
    if len(shared) != 1:
        raise RuntimeError(f"the shipped trained RMCs must share input, slot and head sizes, got {sorted(shared)}")
    (input_size, slot_size, num_heads), = shared
    return {"input_size": input_size, "slot_size": slot_size, "num_heads": num_heads}


def _check_trained_sizes(model: str, sizes: dict) -> None:
    for key, value in trained_sizes(model).items():
        if key in sizes and sizes[key] != value:
            raise ValueError(f"{key} must be {value} for model={model!r} (the size it was trained with), "
                             f"got {sizes[key]}")
    counts = trained_slot_counts(model)
    if sizes.get("num_slots") not in counts:
        raise ValueError(f"num_slots must be one of {counts} for model={model!r} (the slot counts that were "
                         f"trained), got {sizes.get('num_slots')}")


def memory_model(model: str, *, input_size: int, hidden_size: int, num_slots: int, slot_size: int, num_heads: int,
                 model_seed=None):
    """The classifier behind a model choice at the study's sizes (see the module docstring).

    Untrained: a float64 classifier from ``model_seed``; for "hybrid" its core holds exactly the
    weights of ``RelationalRNNCell(..., rng=model_seed)``. Trained: the shipped float32 model; the
    sizes must be those it was trained with (ValueError naming the size otherwise).
    """
    sizes = dict(input_size=input_size, hidden_size=hidden_size, num_slots=num_slots, slot_size=slot_size,
                 num_heads=num_heads)
    if is_trained(model):
        _check_trained_sizes(model, sizes)
        return trained_model(trained_name(model, num_slots))
    if model == "hybrid":
        return HybridClassifier(input_size, hidden_size, NUM_CLASSES, num_slots, slot_size, num_heads, rng=model_seed)
    _checks.check_heads_divide(slot_size, num_heads)
    return RMCClassifier(input_size, NUM_CLASSES, num_slots, slot_size // num_heads, num_heads, rng=model_seed)


class MemoryTrace(NamedTuple):
    """``model.trace(X)`` (a ``rrnn.models.StepTrace``) in float64, with the memory fields time-first:
    the seed demo's studies index them by step first (``memories[t]``, ``attention[t]``), as the
    notebooks 04-07 and their exercises do. S slots of width P, A heads, G gate width."""

    memories: np.ndarray      # (T+1, B, S, P) the memory before step 0, then after every step
    features: np.ndarray      # (B, T, F) what the head reads after each step (RMC: the flat memory; hybrid: output)
    attention: np.ndarray     # (T, B, A, S+1, S+1) the first block's weights; row/column S is the input row
    input_gate: np.ndarray    # (T, B, S, G)
    forget_gate: np.ndarray   # (T, B, S, G)
    attended: np.ndarray      # (T, B, S, P) M_att, the slots after attention and the MLP, before the gates
    logits: np.ndarray        # (B, T, C) the classifier's head on each step's features

    @property
    def input_attention(self) -> np.ndarray:
        """(T, B, S): how much each slot reads from the input row, averaged over heads."""
        S = self.memories.shape[2]
        return self.attention[:, :, :, :S, S].mean(axis=2)


TRACE_CHUNK = 256
"""Sequences traced at a time: the forward pass keeps every intermediate its backward pass would
need, so a few thousand sequences at once would hold gigabytes that are faulted in page by page."""


def trace(model, X, *, use_memory: bool = True) -> MemoryTrace:
    """Run an RMC or hybrid classifier over X (B, T, D) step by step, keeping what it computed.

    use_memory=False (hybrid only): the output reads zeros instead of the memory, as in study 2.
    The sequences are traced ``TRACE_CHUNK`` at a time (each one's numbers do not depend on the
    others).
    """
    kind = getattr(model, "spec", {}).get("model")
    if kind not in ("rmc", "hybrid"):
        raise ValueError(f"model must be an RMC or hybrid classifier, got {kind or type(model).__name__!r}")
    if not use_memory and kind == "rmc":
        raise ValueError("use_memory=False needs a hybrid: the RMC's output is its memory")
    X = _checks.array("X", X, (None, None, model.spec["input_size"]), "(B, T, D)")
    chunks = [model.trace(X[i:i + TRACE_CHUNK], use_memory=use_memory) for i in range(0, len(X), TRACE_CHUNK)]
    whole = [None if parts[0] is None else np.concatenate(parts).astype(float, copy=False)
             for parts in zip(*chunks)]                                                      # batch-first
    features, logits, memories, attention, input_gate, forget_gate, attended = whole

    def time_first(a):   # (B, T, ...) -> (T, B, ...), laid out as the studies read it
        return None if a is None else np.ascontiguousarray(np.moveaxis(a, 1, 0))
    return MemoryTrace(time_first(memories), features, time_first(attention), time_first(input_gate),
                       time_first(forget_gate), time_first(attended), logits)


EVALUATION_SEED = 2026
EVALUATION_PER_LENGTH = 100


@functools.lru_cache(maxsize=None)
def evaluation_set():
    """A fixed set of which-pattern questions: 100 at every length 10 .. 25 (1,600 in all), as a
    tuple of (X, y) batches, one per length. The same in every process."""
    rng = np.random.default_rng(EVALUATION_SEED)
    return tuple(tasks.which_pattern(EVALUATION_PER_LENGTH, min_len=T, max_len=T, rng=rng) for T in range(10, 26))


def accuracy(model, *, use_memory: bool = True) -> float:
    """Accuracy of a which-pattern classifier on ``evaluation_set()`` (use_memory=False: a hybrid
    whose output reads zeros instead of its memory)."""
    right = 0
    for X, y in evaluation_set():
        logits = model.trace(X, use_memory=False).logits[:, -1] if not use_memory else model.logits(X)
        right += int((logits.argmax(axis=1) == y).sum())
    return right / sum(len(y) for _, y in evaluation_set())


@functools.lru_cache(maxsize=None)
def trained_accuracy(name: str, use_memory: bool = True) -> float:
    """``accuracy`` of the shipped which-pattern model ``name`` (computed once per process)."""
    return accuracy(trained_model(name), use_memory=use_memory)


@functools.lru_cache(maxsize=None)
def ablated_readout_accuracy(readout: str = "mean", name: str = "hybrid") -> float:
    """Accuracy on ``evaluation_set()`` of the shipped hybrid ``name`` with the memory read-out r_T of
    its last step replaced: "zero" (as ``use_memory=False``) or "mean", its average over the 1,600
    sequences (mean-ablation: the combine layer still gets a read-out of the size it was trained on,
    only the information of each sequence's own memory is gone)."""
    from .hybrid import hybrid_forward
    from .rmc import rmc_initial_state
    if readout not in ("zero", "mean"):
        raise ValueError(f"readout must be 'zero' or 'mean', got {readout!r}")
    model = trained_model(name)
    if model.spec["model"] != "hybrid" or model.spec["readout"] != "mean":
        raise ValueError(f"{name!r} is not a hybrid with a mean read-out")
    H = model.spec["hidden_size"]
    hs, rs = [], []
    for X, _ in evaluation_set():
        h0 = np.zeros((len(X), H), model.dtype)
        memory = rmc_initial_state(model.config, len(X), model.dtype)
        _, _, caches = hybrid_forward(X, h0, h0, memory, model._core(), model.config, True, model.options)
        hs.append(caches[-1].combined[:, :H])                       # h_T (B, H)
        rs.append(caches[-1].combined[:, H:])                       # r_T, the slot mean (B, P)
    h, r = np.concatenate(hs), np.concatenate(rs)
    r = np.zeros_like(r) if readout == "zero" else np.broadcast_to(r.mean(axis=0), r.shape)
    core = model._core()
    features = np.tanh(np.concatenate([h, r], axis=1) @ core["combine.W"] + core["combine.b"])
    answers = model._head_forward(features)[0].argmax(axis=1)
    return float(np.mean(answers == np.concatenate([y for _, y in evaluation_set()])))


RECORDS = Path(__file__).resolve().parent / "records" / "which_pattern"
"""The which-pattern runs' records (3 seeds of every model), shipped with the package;
experiments/which_pattern/run.py writes them here."""


def load_records(folder=RECORDS) -> dict:
    """{run name: record} for every <model>-s<seed>.json in ``folder`` (see experiments/which_pattern)."""
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"folder must hold the which-pattern records (<model>-s<seed>.json), got {folder} "
                                f"with none; experiments/which_pattern/run.py writes them")
    return {path.stem: json.loads(path.read_text()) for path in paths}


class InputSensitivity(NamedTuple):
    """How much the input moves one model's memory: every pattern once (same seed), and silence."""

    model: str
    patterns: tuple            # the P pattern names, in PATTERNS order
    norms: np.ndarray          # (P, T) memory norm after each step, one row per pattern (amplitude 1)
    silent_norms: np.ndarray   # (T,) the same with no input at all (amplitude 0)
    norm_spread: float         # (max - min) / mean of the final norms over the patterns
    content_difference: float  # mean relative_difference of the final memories over pattern pairs
    stats_difference: float    # the same for the seed demo's statistics (norm, mean, std, slot norms, similarity)
    silence_difference: float  # mean relative_difference between each pattern's final memory and silence's
    input_attention: float     # mean attention a slot pays to the input row (1/(S+1) is uniform)


def _seed_statistics(memory: np.ndarray) -> np.ndarray:
    """The seed demo's lenses on one final memory (S, P): its norm, mean, std, the slot norms and the
    slots' mean cosine similarity, as one vector."""
    similarity = mean_offdiagonal(cosine_similarity(memory)) if len(memory) > 1 else 1.0
    return np.array([np.linalg.norm(memory), memory.mean(), memory.std(), *np.linalg.norm(memory, axis=-1),
                     similarity])


def input_sensitivity(model: str = "hybrid", *, num_slots: int = 4, slot_size: int = 64, num_heads: int = 2,
                      seq_len: int = 15, input_size: int = 32, hidden_size: int = 64, seed=42,
                      model_seed=None) -> InputSensitivity:
    """Run one model choice on every pattern of ``rrnn.patterns`` (amplitude 1, one batch row each,
    each from ``seed``) and on silence (amplitude 0), and measure how much the memory moves.

    Defaults: study 1's settings (the seed demo's sizes, 15 steps).
    """
    net = memory_model(model, input_size=input_size, hidden_size=hidden_size, num_slots=num_slots,
                       slot_size=slot_size, num_heads=num_heads, model_seed=model_seed)
    names = tuple(PATTERNS)
    X = np.concatenate([make_sequence(name, 1, seq_len, input_size, rng=seed) for name in names]
                       + [np.zeros((1, seq_len, input_size))])
    tr = trace(net, X)
    after = tr.memories[1:]                                              # (T, n+1, S, P): n patterns, then silence
    norms = np.sqrt((after ** 2).sum(axis=(2, 3))).T                     # (n+1, T)
    final = after[-1]                                                    # (n+1, S, P)
    pairs = list(itertools.combinations(range(len(names)), 2))
    stats = [_seed_statistics(m) for m in final[:-1]]
    return InputSensitivity(
        model=model, patterns=names, norms=norms[:-1], silent_norms=norms[-1],
        norm_spread=float(np.ptp(norms[:-1, -1]) / norms[:-1, -1].mean()),
        content_difference=float(np.mean([relative_difference(final[i], final[j]) for i, j in pairs])),
        stats_difference=float(np.mean([relative_difference(stats[i], stats[j]) for i, j in pairs])),
        silence_difference=float(np.mean([relative_difference(m, final[-1]) for m in final[:-1]])),
        input_attention=float(tr.input_attention[:, :-1].mean()))
