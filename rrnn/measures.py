"""Small pure-NumPy measures the studies and the model choices share: arrays in, numbers out.

    cosine_similarity(rows)        (S, P) -> (S, S) pairwise cosine similarity of the rows
    mean_offdiagonal(matrix)       mean of a square matrix's off-diagonal entries
    relative_difference(a, b)      ||a - b|| / (||a|| + ||b||), in [0, 1]
    window_means(values, parts)    means over consecutive, near-equal windows
    OutputStats.of(values)         mean, std, min, max
    shared_projection(memories)    the top two principal directions of every row

This module imports nothing from the package, so every layer (``seed_models`` below, ``studies``
above) can use it without an import cycle.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


def cosine_similarity(rows: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of the rows of ``rows`` (S, P) -> (S, S); a zero row gives 0."""
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


def relative_difference(a, b) -> float:
    """||a - b|| / (||a|| + ||b||): 0 for equal arrays, 1 for opposite ones (0 if both are zero)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def window_means(values, parts: int = 3) -> np.ndarray:
    """Means of ``values`` over ``parts`` consecutive, near-equal windows (the seed demo's
    'initial / middle / final steps'; for 15 steps: 1-5, 6-10, 11-15)."""
    return np.array([np.mean(chunk) for chunk in np.array_split(np.asarray(values, dtype=float), parts)])


class OutputStats(NamedTuple):
    """Mean, std, min and max of an array (the seed demo's 'Output Statistics')."""

    mean: float
    std: float
    min: float
    max: float

    @classmethod
    def of(cls, values) -> "OutputStats":
        values = np.asarray(values, dtype=float)
        return cls(float(values.mean()), float(values.std()), float(values.min()), float(values.max()))


def shared_projection(memories: np.ndarray) -> np.ndarray:
    """The top two principal directions (2, P) of the rows of ``memories`` (..., P), signed so that
    each direction's largest entry is positive: one 2-D view in which every slot and step can be
    compared."""
    rows = memories.reshape(-1, memories.shape[-1])
    centred = rows - rows.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:2]
    if basis.shape[0] < 2:                                          # one feature: pad with zeros
        basis = np.vstack([basis, np.zeros((2 - basis.shape[0], rows.shape[1]))])
    signs = np.sign(basis[np.arange(2), np.abs(basis).argmax(axis=1)])
    return basis * np.where(signs == 0, 1.0, signs)[:, None]
