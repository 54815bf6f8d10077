"""Weight initialisers. Each takes the Generator first and returns a float64 array."""
from __future__ import annotations

import numpy as np


def truncated_normal(rng: np.random.Generator, shape, std: float) -> np.ndarray:
    """Normal(0, std) truncated at two standard deviations, as Sonnet v1 initialises Linear.

    Values outside [-2, 2] are redrawn until none is left (on average 4.6% are redrawn once).
    """
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return std * z


def linear_sonnet(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """(fan_in, fan_out) weights with std 1/sqrt(fan_in), the Sonnet v1 Linear default."""
    return truncated_normal(rng, (fan_in, fan_out), 1.0 / np.sqrt(fan_in))


def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random (n, n) orthogonal matrix (QR of a Gaussian, signs fixed so it is uniform)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))
