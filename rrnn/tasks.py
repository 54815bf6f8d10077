"""Synthetic tasks, each returning a classification batch ``(X, y)``.

Every task answers one question per sequence, read out after the **last** step: ``X`` is
``(B, T, D)`` float64 and ``y`` is ``(B,)`` int64 class labels, which is what the
classifiers in ``rrnn.models`` take. All randomness comes from ``rng`` (an int seed or a
``np.random.Generator``), so the same seed gives bit-identical batches; the batch is built
with array operations, not a Python loop over examples.

Three tasks:

- :func:`associative_recall`: see key-value pairs, then a key; answer its value.
- :func:`nth_farthest`: the paper's relational task, exactly as Sonnet generates it.
- :func:`which_pattern`: the seed demo's studies' input patterns; name the pattern a sequence was
  made of. The trained models of the seed demo's studies (notebooks 04-07) learnt it.
"""
from __future__ import annotations

import numpy as np

from . import _checks
from .patterns import PATTERNS, make_sequence


def _one_hot(ids: np.ndarray, n: int) -> np.ndarray:
    """ids: integer array (...,) in [0, n). Returns float64 (..., n) one-hots."""
    return np.eye(n)[ids]


def _shuffle_rows(rng: np.random.Generator, B: int, N: int) -> np.ndarray:
    """An independent random permutation of range(N) for each of B examples: (B, N) ints."""
    return rng.permuted(np.tile(np.arange(N), (B, 1)), axis=1)


def associative_recall(batch_size: int, num_pairs: int, num_keys: int, num_values: int, *, rng):
    """Associative recall (Ba et al. 2016, "fast weights"): ``c9 k8 j3 ? k -> 8``.

    The sequence shows ``num_pairs`` key-value pairs, one pair per step, then one query step
    showing a key that appeared earlier; the answer is the value that was paired with it.
    Keys are distinct within a sequence (drawn without replacement from ``num_keys``);
    values are drawn independently (repeats allowed), so the label is uniform and chance
    accuracy is 1 / num_values.

    Why this first: it needs memory (the answer was shown steps ago) and a lookup by
    content, but no comparison between stored items, so small LSTMs and RMCs both learn it
    in a few hundred steps. With ``num_pairs=1`` the answer is always in step 0, which even a
    linear read-out of the whole sequence can copy.

    Each row is ``[one-hot key (num_keys) | one-hot value (num_values) | query flag (1)]``;
    the query row has an all-zero value part and flag 1, pair rows have flag 0.

    Args:
      batch_size: B.
      num_pairs: P pairs before the query; T = P + 1 steps.
      num_keys: size of the key alphabet, at least P.
      num_values: size of the value alphabet = number of classes C.
      rng: int seed or np.random.Generator.

    Returns:
      X: float64 (B, P + 1, num_keys + num_values + 1).
      y: int64 (B,), values in [0, num_values).
    """
    B = _checks.positive_int("batch_size", batch_size)
    P = _checks.positive_int("num_pairs", num_pairs)
    K = _checks.positive_int("num_keys", num_keys)
    V = _checks.positive_int("num_values", num_values)
    if K < P:
        raise ValueError(f"num_keys must be >= num_pairs = {P} (keys are distinct within a "
                         f"sequence), got {K}")
    _checks.allocation((B, P + 1, K + V + 1), batch_size=B, num_pairs=P, num_keys=K, num_values=V)
    _checks.allocation((B, P, K), batch_size=B, num_keys=K)    # the one-hot keys
    rng = _checks.as_rng(rng)

    keys = _shuffle_rows(rng, B, K)[:, :P]                      # (B, P) distinct keys per row
    values = rng.integers(0, V, size=(B, P))                    # (B, P)
    asked = rng.integers(0, P, size=B)                          # (B,) which pair is queried
    rows = np.arange(B)

    X = np.zeros((B, P + 1, K + V + 1))
    X[:, :P, :K] = _one_hot(keys, K)
    X[:, :P, K:K + V] = _one_hot(values, V)
    X[:, P, :K] = _one_hot(keys[rows, asked], K)                # the query step
    X[:, P, -1] = 1.0
    y = values[rows, asked].astype(np.int64)
    return X, y


def nth_farthest(batch_size: int, num_vectors: int, vector_dim: int, *, rng):
    """The N-th farthest task, as Sonnet v1's ``dataset_nth_farthest.py`` defines it.

    "What is the n-th farthest vector (Euclidean distance) from vector m?" For each example:

    1. N vectors uniform on [-1, 1]^vector_dim (Sonnet's comment says "binary"; the code,
       and this function, draw uniform values).
    2. Pairwise Euclidean distances, argsorted ascending per row:
       ``distance_idx[i, k]`` is the id of the k-th nearest vector to vector i.
    3. ``nth`` and ``reference`` each uniform on {0..N-1}; the label is
       ``distance_idx[reference, nth]``. So nth = 0 names the reference itself (distance 0)
       and nth = N-1 the farthest: Sonnet's relabelling of "n-th farthest", with the same
       distribution of questions.
    4. Row i is ``[vector i | one-hot id i | one-hot reference | one-hot nth]``; the last two
       parts are the same in every row.
    5. The rows are shuffled, so a vector's id travels with its row and is not its position;
       the label is an id.

    What to expect (docs/rmc.md §6.1, N = 4): chance is 1/N = 25%, but models first settle on a
    shortcut at 2/N = 50%: "if nth = 0, answer the reference id, otherwise guess among the
    rest" is right with probability 1/N + (N-1)/N * 1/(N-1) = 2/N, at a train loss of
    (N-1)/N * ln(N-1) ~ 0.824 nats. Leaving that plateau needs nth and the distances
    together. (The paper's 25% plateau for N = 8 is the same shortcut: 2/8.)

    Args:
      batch_size: B.
      num_vectors: N, vectors per sequence = time steps T = classes C.
      vector_dim: size of each vector (Sonnet's num_features).
      rng: int seed or np.random.Generator.

    Returns:
      X: float64 (B, N, vector_dim + 3N).
      y: int64 (B,), ids in [0, N).
    """
    B = _checks.positive_int("batch_size", batch_size)
    N = _checks.positive_int("num_vectors", num_vectors)
    F = _checks.positive_int("vector_dim", vector_dim)
    _checks.allocation((B, N, N, max(F, 3)), batch_size=B, num_vectors=N, vector_dim=F)  # the pairwise differences
    rng = _checks.as_rng(rng)

    vectors = rng.uniform(-1.0, 1.0, size=(B, N, F))                   # (B, N, F)
    diff = vectors[:, :, None, :] - vectors[:, None, :, :]             # (B, N, N, F)
    distances = np.sqrt((diff * diff).sum(axis=-1))                    # (B, N, N)
    # Stable sort so the order is defined even for exact ties (only a vector against itself
    # is at distance 0, so with continuous draws this changes nothing, but it is portable).
    distance_idx = np.argsort(distances, axis=-1, kind="stable")       # (B, N, N) ids, nearest first
    nth = rng.integers(0, N, size=B)                                   # (B,)
    reference = rng.integers(0, N, size=B)                             # (B,)
    y = distance_idx[np.arange(B), reference, nth].astype(np.int64)    # (B,)

    ids = np.broadcast_to(np.arange(N), (B, N))                        # row i carries id i
    X = np.concatenate([
        vectors,
        _one_hot(ids, N),
        np.broadcast_to(_one_hot(reference, N)[:, None, :], (B, N, N)),
        np.broadcast_to(_one_hot(nth, N)[:, None, :], (B, N, N)),
    ], axis=-1)                                                        # (B, N, F + 3N)
    order = _shuffle_rows(rng, B, N)                                   # (B, N)
    X = np.take_along_axis(X, order[:, :, None], axis=1)               # ids travel with rows
    return X, y


def nth_farthest_parts(X: np.ndarray, num_vectors: int, vector_dim: int) -> dict:
    """Read the rows of an ``nth_farthest`` batch back: X (B, N, F + 3N) ->
    {"vectors": (B, N, F), "ids": (B, N), "reference": (B,), "nth": (B,)} (rows as shuffled)."""
    F, N = vector_dim, num_vectors
    X = _checks.array("X", X, (None, N, F + 3 * N), "(B, N, F + 3N)")
    return {"vectors": X[..., :F], "ids": X[..., F:F + N].argmax(-1),
            "reference": X[:, 0, F + N:F + 2 * N].argmax(-1), "nth": X[:, 0, F + 2 * N:].argmax(-1)}


PATTERN_NAMES = tuple(PATTERNS)
"""The classes of :func:`which_pattern`, in label order (label k is PATTERN_NAMES[k])."""


def which_pattern(batch_size: int, *, input_size: int = 32, min_len: int = 10, max_len: int = 25,
                  min_amplitude: float = 0.25, max_amplitude: float = 4.0, rng):
    """Which pattern is this? The seed demo's studies' sequences with random settings, and their name.

    Each example is one ``rrnn.patterns.make_sequence`` sequence of a pattern drawn uniformly
    from ``PATTERN_NAMES`` (9 classes, chance 1/9), scaled by its own amplitude, drawn
    log-uniformly from [min_amplitude, max_amplitude]; the label is the pattern's index. The
    batch has one length T, drawn uniformly from [min_len, max_len] (each batch its own).

    Why it needs a memory that keeps several things: no single step gives the answer, and
    because the amplitude is random neither does the loudness. Telling the patterns apart
    takes, at the last step, what came earlier: whether the input got louder at half time
    (step-up against noise), whether a vector repeats after one step (constant) or after four
    (motif), how the norm grew (ramp), how many bursts there were and when (pulse against
    spikes), how much consecutive steps agree (random walk) and whether the input comes back
    round (sine).

    Args:
      batch_size: B.
      input_size: D, features per step (the studies use 32).
      min_len, max_len: the range of T, inclusive (1 <= min_len <= max_len).
      min_amplitude, max_amplitude: the range of amplitudes (0 < min <= max).
      rng: int seed or np.random.Generator.

    Returns:
      X: float64 (B, T, input_size).
      y: int64 (B,), pattern ids in [0, 9).
    """
    B = _checks.positive_int("batch_size", batch_size)
    D = _checks.positive_int("input_size", input_size)
    lo = _checks.positive_int("min_len", min_len)
    hi = _checks.positive_int("max_len", max_len)
    if lo > hi:
        raise ValueError(f"min_len must be <= max_len, got min_len={lo}, max_len={hi}")
    a_lo = _checks.finite_float("min_amplitude", min_amplitude)
    a_hi = _checks.finite_float("max_amplitude", max_amplitude)
    if not 0 < a_lo <= a_hi:
        raise ValueError(f"amplitudes must satisfy 0 < min_amplitude <= max_amplitude, got "
                         f"min_amplitude={a_lo}, max_amplitude={a_hi}")
    _checks.allocation((B, hi, D), batch_size=B, max_len=hi, input_size=D)
    rng = _checks.as_rng(rng)

    T = int(rng.integers(lo, hi + 1))
    y = rng.integers(0, len(PATTERN_NAMES), size=B)
    X = np.empty((B, T, D))
    for k, name in enumerate(PATTERN_NAMES):   # one call per pattern, for all its rows at once
        rows = np.flatnonzero(y == k)
        if rows.size:
            X[rows] = make_sequence(name, rows.size, T, D, rng=rng)
    amplitude = np.exp(rng.uniform(np.log(a_lo), np.log(a_hi), size=(B, 1, 1)))
    return X * amplitude, y.astype(np.int64)


TASKS = {
    "associative-recall": associative_recall,
    "nth-farthest": nth_farthest,
    "which-pattern": which_pattern,
}
"""Task name (as the command line spells it) -> generator function."""
