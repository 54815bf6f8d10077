"""Looking inside a trained Nth-farthest classifier: attention split by role, linear probes with
shuffled-label controls, accuracy by question type. Notebook 09 is built on these.

    q = questions(8000, rng=5)                       # fresh questions, read back into their parts
    tr = trace(pretrained.load("rmc")[0], q.X)       # logits, attention, memory after every step
    by_role = attention_to_input(tr, q, mask=q.nth > 0)      # (T, A, S, 3): reference/answer/other
    score, control = probe(slot_content, q.nth, classes=4, rng=0)

Everything here is pure NumPy and returns arrays; nothing plots or prints.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _checks, tasks

ROLES = ("reference", "answer", "other")   # what the input row read at a step is


class Questions(NamedTuple):
    """A batch of Nth-farthest questions with their parts. B questions, N vectors, T = N steps."""

    X: np.ndarray               # (B, T, F + 3N) the model's input
    y: np.ndarray               # (B,) the answer, an id
    ids: np.ndarray             # (B, T) the id of the vector read at step t (0-based here)
    reference: np.ndarray       # (B,) the reference id m
    nth: np.ndarray             # (B,) n: 0 is the reference itself, N-1 the farthest
    vectors: np.ndarray         # (B, N, F) vectors by id
    distances: np.ndarray       # (B, N) distance of each id's vector from the reference
    reference_step: np.ndarray  # (B,) the step (0-based) that reads the reference
    answer_step: np.ndarray     # (B,) the step that reads the answer

    @property
    def roles(self) -> np.ndarray:
        """(B, T) index into ROLES of the input row at each step (the answer of an n = 0
        question is the reference, so it counts as the reference)."""
        roles = np.full(self.ids.shape, 2)
        roles[self.ids == self.y[:, None]] = 1
        roles[self.ids == self.reference[:, None]] = 0
        return roles


def questions(count: int, *, num_vectors: int = 4, vector_dim: int = 4, rng) -> Questions:
    """``count`` fresh questions from ``tasks.nth_farthest``, with their parts read back."""
    X, y = tasks.nth_farthest(count, num_vectors, vector_dim, rng=rng)
    parts = tasks.nth_farthest_parts(X, num_vectors, vector_dim)
    order = np.argsort(parts["ids"], axis=1)                                   # rows sorted by id
    vectors = np.take_along_axis(parts["vectors"], order[:, :, None], axis=1)  # (B, N, F)
    rows = np.arange(len(y))
    distances = np.linalg.norm(vectors - vectors[rows, parts["reference"]][:, None], axis=-1)
    steps = np.argsort(parts["ids"], axis=1)                                   # step of each id
    return Questions(X, y, parts["ids"], parts["reference"], parts["nth"], vectors, distances,
                     steps[rows, parts["reference"]], steps[rows, y])


class Trace(NamedTuple):
    """What an RMC classifier computed on a batch. A heads, S slots, P slot width."""

    logits: np.ndarray      # (B, C)
    attention: np.ndarray   # (B, T, A, S+1, S+1) the first block's attention; row/column S is the input
    memory: np.ndarray      # (B, T, S, P) the memory after each step

    @property
    def predicted(self) -> np.ndarray:
        return self.logits.argmax(axis=1)


def trace(model, X) -> Trace:
    """Run an RMC classifier (``rrnn.RMCClassifier``) on X (B, T, D), keeping what it computed:
    ``model.trace(X)`` in float64, with the final logits alone and the memory after each step."""
    if getattr(model, "spec", {}).get("model") != "rmc" or not model.spec.get("attention", True):
        raise ValueError("model must be an RMC classifier with attention (rrnn.RMCClassifier), "
                         f"got {getattr(model, 'spec', type(model).__name__)!r}")
    steps = model.trace(X)
    # the head on the last step alone: the very numbers model.logits(X) gives
    logits = model.head_logits(steps.features[:, -1])
    return Trace(logits.astype(float), steps.attention.astype(float), steps.memory[:, 1:].astype(float))


def attention_to_input(tr: Trace, q: Questions, mask=None) -> np.ndarray:
    """(T, A, S, 3): how much slot s reads the input row at step t in head a, averaged over the
    questions (where ``mask``) whose input row at t is the reference, the answer or another
    vector (ROLES). NaN where no question has that role at that step."""
    att = tr.attention[..., :-1, -1]                       # (B, T, A, S): slot -> input column
    mask = np.ones(len(q.y), bool) if mask is None else np.asarray(mask, bool)
    roles = q.roles
    out = np.full(att.shape[1:] + (len(ROLES),), np.nan)
    for t in range(att.shape[1]):
        for r in range(len(ROLES)):
            chosen = mask & (roles[:, t] == r)
            if chosen.any():
                out[t, ..., r] = att[chosen, t].mean(axis=0)
    return out


def _design(features, mean, std):
    return np.hstack([(features - mean) / std, np.ones((len(features), 1))])


def fit_linear(features, target, *, classes: int | None = None, l2: float = 1e-3):
    """A ridge least-squares read-out; for ``classes``, of the one-hot target (argmax predicts).
    Returns predict(features) -> values (B, k), or class ids (B,) with classes."""
    features = np.asarray(features, float)
    target = np.asarray(target)
    Y = np.eye(classes)[target] if classes else target.reshape(len(target), -1).astype(float)
    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-8
    A = _design(features, mean, std)
    W = np.linalg.solve(A.T @ A + l2 * len(A) * np.eye(A.shape[1]), A.T @ Y)

    def predict(new):
        out = _design(np.asarray(new, float), mean, std) @ W
        return out.argmax(axis=1) if classes else out
    return predict


def score(predicted, target, *, classes: int | None = None) -> float:
    """Accuracy for classes, otherwise R² (1 - residual / total variance, over all target columns)."""
    target = np.asarray(target)
    if classes:
        return float((predicted == target).mean())
    target = target.reshape(len(target), -1).astype(float)
    return float(1.0 - ((predicted - target) ** 2).sum() / ((target - target.mean(axis=0)) ** 2).sum())


def probe(features, target, *, classes: int | None = None, rng, train_fraction: float = 0.5) -> tuple:
    """(held-out score, control): a linear probe fitted on a random ``train_fraction`` of the
    rows and scored on the rest, and the same probe fitted on shuffled training labels (scored
    on the true held-out labels): what a probe finds when the features hold nothing about them."""
    features = np.asarray(features, float).reshape(len(features), -1)
    target = np.asarray(target)
    if len(target) != len(features):
        raise ValueError(f"target must have one row per feature row ({len(features)}), got {len(target)}")
    rng = _checks.as_rng(rng)
    order = rng.permutation(len(target))
    cut = int(train_fraction * len(target))
    train, test = order[:cut], order[cut:]
    scores = []
    for labels in (target[train], target[train][rng.permutation(cut)]):
        predict = fit_linear(features[train], labels, classes=classes)
        scores.append(score(predict(features[test]), target[test], classes=classes))
    return tuple(scores)


def accuracy_by(values, right, levels) -> np.ndarray:
    """Mean of ``right`` (B,) over the questions whose ``values`` (B,) equal each level."""
    values, right = np.asarray(values), np.asarray(right, float)
    return np.array([right[values == level].mean() for level in levels])


def rank_gaps(q: Questions) -> np.ndarray:
    """(B,) how far the answer is from being confused: the smaller difference between its distance
    from the reference and the distances of its neighbours in the ranking (inf for n = 0)."""
    ranked = np.sort(q.distances, axis=1)                  # rank 0 is the reference, at 0
    n, N = q.nth, ranked.shape[1]
    rows = np.arange(len(n))
    below = np.where(n > 1, ranked[rows, n] - ranked[rows, np.maximum(n - 1, 0)], np.inf)
    above = np.where(n < N - 1, ranked[rows, np.minimum(n + 1, N - 1)] - ranked[rows, n], np.inf)
    return np.where(n == 0, np.inf, np.minimum(below, above))


#: notebook 09's probe targets: name -> (classes or None for a regression, which questions count at
#: step t). "reference vector" counts once the reference has been read (by step t), "distance just
#: read" once it was read before step t (so the distance of the vector read at t is defined by then).
PROBE_TARGETS = {
    "reference id": 4,
    "n": 4,
    "reference vector": None,
    "distance just read": None,
    "answer id": 4,
}


def probe_target(name: str, q: Questions, t: int) -> tuple:
    """(target (B, ...), mask (B,)): what the probe called ``name`` reads at step t (0-based)."""
    rows = np.arange(len(q.y))
    everyone = np.ones(len(q.y), bool)
    if name == "reference id":
        return q.reference, everyone
    if name == "n":
        return q.nth, everyone
    if name == "reference vector":
        return q.vectors[rows, q.reference], q.reference_step <= t
    if name == "distance just read":
        return q.distances[rows, q.ids[:, t]], q.reference_step < t
    if name == "answer id":
        return q.y, everyone
    raise ValueError(f"unknown probe target {name!r}; expected one of {list(PROBE_TARGETS)}")


def slot_probes(tr: Trace, q: Questions, targets=tuple(PROBE_TARGETS), *, min_questions: int = 500,
                rng=0) -> dict:
    """{(target name, slot 0.. or "both"): (T, 2) held-out score and shuffled-label control per step}.

    A linear probe (``probe``) from one slot's P numbers (or all S·P) after step t to each target,
    on the questions where the target is defined at t; NaN where fewer than ``min_questions`` are."""
    B, T, S, _ = tr.memory.shape
    out = {}
    for name in targets:
        for slot in (*range(S), "both"):
            scores = np.full((T, 2), np.nan)
            for t in range(T):
                target, mask = probe_target(name, q, t)
                if mask.sum() < min_questions:
                    continue                                  # e.g. "reference read before step 1": nobody
                features = tr.memory[:, t].reshape(B, -1) if slot == "both" else tr.memory[:, t, slot]
                scores[t] = probe(features[mask], target[mask], classes=PROBE_TARGETS[name], rng=rng)
            out[name, slot] = scores
    return out
