"""Input sequences for the seed demo's studies and the dashboards: a handful of named patterns.

    from rrnn.patterns import PATTERNS, make_sequence
    x = make_sequence("step_up", batch_size=1, seq_len=15, input_size=32, rng=42)   # (B, T, D)

Every pattern is a (B, T, D) float64 array, drawn from ``rng`` (an int seed or a Generator;
``np.random.default_rng(seed)``, never NumPy's global state) and scaled by ``amplitude``.
Each batch row gets its own draw. The patterns, for a time step t = 0 .. T-1:

    step_up      the seed demo's study 1: noise * 0.1, and the second half (t >= T//2) five times louder
    noise        Gaussian noise N(0, 1) at every step (the seed demo's studies 2-4)
    constant     one random vector v ~ N(0, 1)^D, the same at every step
    ramp         v * t / (T - 1): the same direction, growing linearly from 0 to v
    sine         sin(2π · 2t / T + φ_d): two periods over the sequence, a random phase per feature
    spikes       zeros, except about one step in five, which holds a fresh N(0, 1) vector
    random_walk  a running sum of N(0, 0.3²) steps, starting at zero
    motif        a random 4-step motif (4 vectors N(0, 1)^D), repeated over and over
    pulse        zeros, except step 3 (t = 2), which holds one N(0, 1) vector: what does a cell keep?

and every value is then multiplied by ``amplitude``.
"""
from __future__ import annotations

import numpy as np

from . import _checks

PATTERNS = {
    "step_up": "step-up (seed demo): x5 at half time",
    "noise": "noise: fresh every step",
    "constant": "constant: the same vector",
    "ramp": "ramp: growing from 0",
    "sine": "sine: two periods",
    "spikes": "spikes: a burst every ~5 steps",
    "random_walk": "random walk: a running sum",
    "motif": "repeated motif: 4 vectors",
    "pulse": "pulse: one burst at step 3",
}
"""Pattern name -> one-line description (the pattern selector shows the descriptions)."""

STEP_UP_BASE = 0.1      # the seed demo's noise scale in the first half
STEP_UP_FACTOR = 5.0    # ... and how much louder the second half is
MOTIF_LENGTH = 4
SPIKE_EVERY = 5
WALK_STEP = 0.3
PULSE_STEP = 3          # the step (counting from 1) that holds the pulse


def make_sequence(pattern: str, batch_size: int, seq_len: int, input_size: int, *, amplitude: float = 1.0,
                  rng=None) -> np.ndarray:
    """A (B, T, D) = (batch_size, seq_len, input_size) sequence of the named pattern.

    pattern: a key of ``PATTERNS``. amplitude: a finite real scale (0 gives zeros).
    rng: an int seed or np.random.Generator (None: rrnn's fixed default seed).
    Raises ValueError / TypeError naming the bad argument.
    """
    if not isinstance(pattern, str) or pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {', '.join(PATTERNS)}; got {pattern!r}")
    B = _checks.positive_int("batch_size", batch_size)
    T = _checks.positive_int("seq_len", seq_len)
    D = _checks.positive_int("input_size", input_size)
    amplitude = _checks.finite_float("amplitude", amplitude)
    _checks.allocation((B, T, D), batch_size=B, seq_len=T, input_size=D)
    rng = _checks.as_rng(rng)
    t = np.arange(T)[None, :, None]                                            # (1, T, 1)

    if pattern == "step_up":
        x = rng.standard_normal((B, T, D)) * STEP_UP_BASE
        x[:, T // 2:] *= STEP_UP_FACTOR
    elif pattern == "noise":
        x = rng.standard_normal((B, T, D))
    elif pattern == "constant":
        x = np.repeat(rng.standard_normal((B, 1, D)), T, axis=1)
    elif pattern == "ramp":
        x = rng.standard_normal((B, 1, D)) * (t / max(T - 1, 1))
    elif pattern == "sine":
        phase = rng.uniform(0.0, 2 * np.pi, size=(B, 1, D))
        x = np.sin(2 * np.pi * 2 * t / T + phase)
    elif pattern == "spikes":
        x = np.zeros((B, T, D))
        count = max(1, round(T / SPIKE_EVERY))
        for b in range(B):
            steps = rng.choice(T, size=count, replace=False)
            x[b, steps] = rng.standard_normal((count, D))
    elif pattern == "random_walk":
        steps = rng.standard_normal((B, T, D)) * WALK_STEP
        steps[:, 0] = 0.0                                                        # start at zero
        x = np.cumsum(steps, axis=1)
    elif pattern == "motif":
        motif = rng.standard_normal((B, MOTIF_LENGTH, D))
        x = motif[:, np.arange(T) % MOTIF_LENGTH]
    else:  # pulse
        x = np.zeros((B, T, D))
        x[:, min(PULSE_STEP, T) - 1] = rng.standard_normal((B, D))
    return amplitude * x


def phase_boundary(pattern: str, seq_len: int):
    """The step where the step-up pattern gets louder (T // 2), or None for other patterns."""
    return seq_len // 2 if pattern == "step_up" else None
