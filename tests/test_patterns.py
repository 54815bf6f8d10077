"""rrnn.patterns: every pattern has the right shape and character, is seeded, and rejects bad input."""
import numpy as np
import pytest

from rrnn.patterns import MOTIF_LENGTH, PATTERNS, make_sequence, phase_boundary


@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize("B, T, D", [(1, 1, 1), (2, 15, 32), (3, 7, 5)])
def test_every_pattern_has_shape_B_T_D_and_is_finite(pattern, B, T, D):
    x = make_sequence(pattern, B, T, D, rng=0)
    assert x.shape == (B, T, D) and x.dtype == np.float64
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_same_seed_same_sequence_and_int_seed_equals_default_rng(pattern):
    a = make_sequence(pattern, 2, 9, 4, rng=7)
    b = make_sequence(pattern, 2, 9, 4, rng=np.random.default_rng(7))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_amplitude_scales_linearly(pattern):
    base = make_sequence(pattern, 2, 10, 3, rng=3)
    assert np.allclose(make_sequence(pattern, 2, 10, 3, amplitude=2.5, rng=3), 2.5 * base)
    assert np.all(make_sequence(pattern, 2, 10, 3, amplitude=0.0, rng=3) == 0)


def test_no_global_numpy_state_is_touched():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    for pattern in PATTERNS:
        make_sequence(pattern, 1, 5, 2, rng=1)
    assert np.random.rand() == expected


def test_step_up_is_the_seeds_noise_times_0_1_then_times_5():
    x = make_sequence("step_up", 1, 15, 32, rng=42)
    noise = np.random.default_rng(42).standard_normal((1, 15, 32))
    assert np.allclose(x[:, :7], noise[:, :7] * 0.1)
    assert np.allclose(x[:, 7:], noise[:, 7:] * 0.5)
    assert phase_boundary("step_up", 15) == 7 and phase_boundary("noise", 15) is None


def test_pattern_characters():
    T = 12
    constant = make_sequence("constant", 2, T, 4, rng=0)
    assert np.allclose(constant, constant[:, :1])
    ramp = make_sequence("ramp", 2, T, 4, rng=0)
    assert np.all(ramp[:, 0] == 0) and np.allclose(ramp[:, 6] * 11, ramp[:, 11] * 6)
    motif = make_sequence("motif", 2, T, 4, rng=0)
    assert np.allclose(motif[:, MOTIF_LENGTH:], motif[:, :-MOTIF_LENGTH])
    walk = make_sequence("random_walk", 2, T, 4, rng=0)
    assert np.all(walk[:, 0] == 0)
    spikes = make_sequence("spikes", 2, T, 4, rng=0)
    active = np.any(spikes != 0, axis=-1).sum(axis=1)
    assert np.all(active == round(T / 5))
    sine = make_sequence("sine", 1, T, 3, rng=0)
    assert np.abs(sine).max() <= 1 and np.allclose(sine[:, :T // 2], sine[:, T // 2:])  # two periods


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(pattern="square"), ValueError, "pattern must be one of step_up, noise"),
    (dict(pattern=3), ValueError, "pattern must be one of"),
    (dict(batch_size=0), ValueError, "batch_size must be a positive int"),
    (dict(seq_len=2.5), TypeError, "seq_len must be a positive int"),
    (dict(input_size=-1), ValueError, "input_size must be a positive int"),
    (dict(amplitude=float("nan")), ValueError, "amplitude must be finite"),
    (dict(amplitude="big"), TypeError, "amplitude must be a real number"),
    (dict(rng=-1), TypeError, "rng must be None, a non-negative int seed"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, message):
    args = dict(pattern="noise", batch_size=1, seq_len=4, input_size=2)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        make_sequence(args.pop("pattern"), args.pop("batch_size"), args.pop("seq_len"), args.pop("input_size"), **args)
