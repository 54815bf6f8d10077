"""Properties of the RMC that a gradient check cannot see: conventions, symmetries, the state."""
import numpy as np
import pytest

import rrnn
from rrnn.attention import scaled_dot_product_attention
from rrnn.layers import layer_norm_forward

from . import reference


def test_attention_rows_sum_to_one(rng):
    core = rrnn.RelationalMemory(4, 5, 3, 2, num_blocks=2, rng=rng)
    _, _, caches = core.forward(rng.standard_normal((3, 4, 4)), return_caches=True)
    for cache in caches:
        for weights in cache.attention:
            assert np.all(weights >= 0)
            np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-12)


def test_scaled_dot_product_attention_against_loops(rng):
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    out, weights = scaled_dot_product_attention(q, k, v)
    for i in range(3):
        e = np.exp([q[i] @ k[j] / 2.0 for j in range(5)])  # sqrt(K) = 2
        np.testing.assert_allclose(weights[i], e / e.sum(), rtol=1e-12)
        np.testing.assert_allclose(out[i], sum(weights[i, j] * v[j] for j in range(5)), rtol=1e-12)


def test_layer_norm_rows_have_zero_mean_unit_variance(rng):
    x = rng.standard_normal((3, 4, 7)) * 5 + 2
    y, _ = layer_norm_forward(x, np.ones(7), np.zeros(7))
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, atol=1e-5)  # eps = 1e-5 shrinks it slightly


@pytest.mark.parametrize("S, A, V, expected_nonzero_rows", [(3, 2, 4, 3), (4, 1, 4, 4), (6, 2, 2, 4)])
def test_initial_memory_is_identity_padded_or_truncated(S, A, V, expected_nonzero_rows):
    core = rrnn.RelationalMemory(2, S, V, A)
    memory = core.initial_state(2)
    P = A * V
    assert memory.shape == (2, S, P)
    for s in range(S):
        expected = np.zeros(P)
        if s < P:
            expected[s] = 1.0  # e_s, padded with zeros to width P ...
        np.testing.assert_array_equal(memory[0, s], expected)  # ... or an all-zero row once s >= P
    assert int((np.abs(memory[1]).sum(-1) > 0).sum()) == expected_nonzero_rows


@pytest.mark.parametrize("config", [
    dict(num_slots=3, head_size=4, num_heads=2),
    dict(num_slots=4, head_size=3, num_heads=3, num_blocks=2, key_size=2),
    dict(num_slots=2, head_size=5, num_heads=1, gate_style="memory", attention_mlp_layers=3),
    dict(num_slots=3, head_size=2, num_heads=2, gate_style=None, forget_bias=0.3, input_bias=-0.2),
])
def test_rmc_step_matches_a_loop_by_loop_reference(config, rng):
    core = rrnn.RelationalMemory(5, rng=rng, **config)
    x = rng.standard_normal((2, 5))
    memory = core.initial_state(2) + 0.3 * rng.standard_normal((2, core.num_slots, core.slot_size))
    for key in core.params:  # non-trivial norms and biases, so a swapped gamma/beta would show
        if key.endswith((".b", ".beta")):
            core.params[key] = 0.1 * rng.standard_normal(core.params[key].shape)
        elif key.endswith(".gamma"):
            core.params[key] = 1 + 0.1 * rng.standard_normal(core.params[key].shape)
    _, next_memory, cache = core.step(x, memory, return_cache=True)
    expected, expected_weights = reference.rmc_step(x, memory, core.params, core.config)
    np.testing.assert_allclose(next_memory, expected, rtol=1e-10, atol=1e-12)
    for block, weights in enumerate(cache.attention):
        np.testing.assert_allclose(weights, np.array([w[block] for w in expected_weights]), rtol=1e-10, atol=1e-13)


def test_open_forget_gate_and_shut_input_gate_carry_memory_unchanged(rng):
    # sigmoid(+1000) is exactly 1 and sigmoid(-1000) exactly 0 in float64
    core = rrnn.RelationalMemory(3, 4, 4, 2, forget_bias=1000.0, input_bias=-1000.0, rng=rng)
    memory = core.initial_state(2) + rng.standard_normal((2, 4, 8))
    _, carried = core.forward(rng.standard_normal((2, 5, 3)), memory=memory)
    np.testing.assert_array_equal(carried, memory)


@pytest.mark.parametrize("gate_style", ["unit", "memory", None])
def test_permuting_slots_permutes_the_next_memory(gate_style, rng):
    core = rrnn.RelationalMemory(3, 5, 3, 2, num_blocks=2, gate_style=gate_style, rng=rng)
    x = rng.standard_normal((2, 3))
    memory = core.initial_state(2) + 0.5 * rng.standard_normal((2, 5, 6))
    perm = np.array([3, 0, 4, 1, 2])
    _, next_memory = core.step(x, memory)
    _, next_permuted = core.step(x, memory[:, perm])
    np.testing.assert_allclose(next_permuted, next_memory[:, perm], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("attention", [True, False])
def test_without_attention_no_slot_reads_another_and_the_input_enters_by_the_gates(attention, rng):
    core = rrnn.RelationalMemory(3, 3, 2, 2, num_blocks=2, attention=attention, rng=rng)
    x = rng.standard_normal((1, 3))
    memory = core.initial_state(1) + 0.5 * rng.standard_normal((1, 3, 4))
    nudged = memory.copy()
    nudged[:, 1] += 0.3                                          # change slot 1 only
    (_, after), (_, after_nudged) = core.step(x, memory), core.step(x, nudged)
    others = np.abs(after_nudged[:, [0, 2]] - after[:, [0, 2]]).max()
    assert (others == 0.0) if not attention else (others > 1e-3)
    _, other_input = core.step(x + 1.0, memory)
    assert np.abs(other_input - after).max() > 1e-3            # the input still changes every slot


def test_identity_start_keeps_slots_distinct_where_zero_start_would_not(rng):
    # docs/rmc.md §2.6: zero-initialised memory has no way to tell its slots apart
    core = rrnn.RelationalMemory(4, 4, 4, 2, rng=rng)
    xs = rng.standard_normal((1, 6, 4))
    _, from_zero = core.forward(xs, memory=np.zeros((1, 4, 8)))
    assert np.allclose(from_zero[0], from_zero[0, :1], atol=1e-12)  # all slots identical
    _, from_identity = core.forward(xs)
    gaps = [np.abs(from_identity[0, i] - from_identity[0, j]).max() for i in range(4) for j in range(i)]
    assert min(gaps) > 1e-3


def test_hybrid_memory_slots_stay_distinct_from_the_identity_start(rng):
    model = rrnn.RelationalRNN(6, 8, 3, num_slots=4, slot_size=8, num_heads=2, rng=rng)
    _, (_, _, memory) = model.forward(rng.standard_normal((1, 10, 6)), return_state=True)
    gaps = [np.abs(memory[0, i] - memory[0, j]).max() for i in range(4) for j in range(i)]
    assert min(gaps) > 1e-3


def test_hybrid_cell_is_the_lstm_then_the_rmc_then_the_combination(rng):
    cell = rrnn.RelationalRNNCell(5, 6, num_slots=3, slot_size=4, num_heads=2, rng=rng)
    lstm = rrnn.LSTM(5, 6)
    lstm.params = {k: v for k, v in cell.params.items() if k.startswith("lstm.")}
    core = rrnn.RelationalMemory(6, 3, 2, 2)
    core.params = {k[4:]: v for k, v in cell.params.items() if k.startswith("rmc.")}
    x = rng.standard_normal((2, 1, 5))
    h0, c0, m0 = cell.init_state(2)
    output, h, c, memory = cell.forward(x[:, 0], h0, c0, m0)
    _, (h_ref, c_ref) = lstm.forward(x, return_state=True)
    _, m_ref = core.step(h_ref, m0)
    out_ref = np.tanh(np.concatenate([h_ref, m_ref.mean(1)], -1) @ cell.params["combine.W"] + cell.params["combine.b"])
    for got, want in ((h, h_ref), (c, c_ref), (memory, m_ref), (output, out_ref)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_lstm_step_against_the_textbook_equations(rng):
    lstm = rrnn.LSTM(3, 2, rng=rng)
    x = rng.standard_normal((1, 1, 3))
    h, (_, c) = lstm.forward(x, return_sequences=False, return_state=True)
    p = lstm.params
    a = x[0, 0] @ p["lstm.Wx"] + p["lstm.b"]  # h0 = 0
    sig = lambda z: 1 / (1 + np.exp(-z))
    i, f, o, g = sig(a[0:2]), sig(a[2:4]), sig(a[4:6]), np.tanh(a[6:8])
    np.testing.assert_allclose(c[0], i * g, rtol=1e-12)  # c0 = 0
    np.testing.assert_allclose(h[0], o * np.tanh(i * g), rtol=1e-12)
    np.testing.assert_array_equal(p["lstm.b"][2:4], 1.0)  # forget-gate bias 1


def test_switching_the_memory_path_off_leaves_the_lstm_alone(rng):
    model = rrnn.RelationalRNN(5, 6, 3, num_slots=3, slot_size=4, num_heads=2, rng=rng)
    xs = rng.standard_normal((2, 4, 5))
    on, (h_on, c_on, m_on) = model.forward(xs, return_state=True)
    off, (h_off, c_off, m_off) = model.forward(xs, return_state=True, use_memory=False)
    np.testing.assert_array_equal(h_on, h_off)   # the LSTM never reads the memory
    np.testing.assert_array_equal(m_on, m_off)   # the memory still updates
    assert np.abs(on - off).max() > 1e-3         # only the output changes
    W = model.params["combine.W"][:6]            # with the path off, the output is tanh(h W_h + b)
    expected = np.tanh(h_off @ W + model.params["combine.b"]) @ model.params["out.W"] + model.params["out.b"]
    np.testing.assert_allclose(off[:, -1], expected, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e160, 1e200, 1e307])
def test_layer_norm_of_rows_whose_squares_overflow_is_the_norm_of_the_rescaled_rows(scale):
    from rrnn.layers import layer_norm_backward, layer_norm_forward
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(3, 5))
    gamma, beta = rng.normal(size=5), rng.normal(size=5)
    dy = rng.normal(size=(3, 5))
    huge = x * scale
    y, cache = layer_norm_forward(huge, gamma, beta)
    y_small, cache_small = layer_norm_forward(x, gamma, beta, eps=0.0)   # eps is negligible at this scale
    np.testing.assert_allclose(y, y_small, rtol=1e-12, atol=1e-12)
    dx, dgamma, dbeta = layer_norm_backward(dy, cache)
    dx_small, dgamma_small, dbeta_small = layer_norm_backward(dy, cache_small)
    np.testing.assert_allclose(dx * scale, dx_small, rtol=1e-10, atol=1e-12)   # y(s x) = y(x): dx scales by 1/s
    np.testing.assert_allclose(dgamma, dgamma_small, rtol=1e-10)
    np.testing.assert_allclose(dbeta, dbeta_small, rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sigmoid_and_tanh_match_numpy_to_rounding_and_are_exact_at_the_extremes(dtype):
    # float64 computes them through np.exp (faster than np.tanh there): same values to rounding
    from rrnn.layers import sigmoid, tanh
    x = np.concatenate([np.linspace(-50, 50, 10001), [-1e30, -800.0, 0.0, 800.0, 1e30]]).astype(dtype)
    tol = 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(tanh(x), np.tanh(x), rtol=0, atol=tol)
    np.testing.assert_allclose(sigmoid(x), 0.5 * (1 + np.tanh(0.5 * x)), rtol=0, atol=tol)
    assert tanh(x).dtype == sigmoid(x).dtype == np.dtype(dtype)
    assert list(sigmoid(np.array([-1e30, 0.0, 1e30], dtype))) == [0.0, 0.5, 1.0]
    assert list(tanh(np.array([-1e30, 0.0, 1e30], dtype))) == [-1.0, 0.0, 1.0]


@pytest.mark.parametrize("rows", [1, 127, 128, 129, 256, 300, 1024])
def test_stacked_outer_sum_is_x_transpose_dy(rows, rng):
    from rrnn.layers import stacked_outer_sum
    X, dY = rng.standard_normal((rows, 5)), rng.standard_normal((rows, 3))
    np.testing.assert_allclose(stacked_outer_sum(X, dY), X.T @ dY, rtol=1e-12, atol=1e-12)


def test_summed_gradients_over_steps_equal_the_per_step_gradients_added(rng):
    # Gradients keeps (x, dy) per use and multiplies them once: the same as summing per use
    from rrnn.layers import Gradients, LinearCache, linear_backward
    W = rng.standard_normal((4, 3))
    uses = [(rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 3))) for _ in range(3)]
    grads = Gradients()
    for x, dy in uses:
        dx = grads.linear(dy, LinearCache(x, W), "W", "b")
        np.testing.assert_allclose(dx, linear_backward(dy, LinearCache(x, W))[0])
    grads.add("gamma", np.ones(2))
    grads.add("gamma", np.ones(2))
    summed = grads.result()
    np.testing.assert_allclose(summed["W"], sum(linear_backward(dy, LinearCache(x, W))[1] for x, dy in uses))
    np.testing.assert_allclose(summed["b"], sum(dy.sum(axis=(0, 1)) for _, dy in uses))
    np.testing.assert_array_equal(summed["gamma"], [2.0, 2.0])
