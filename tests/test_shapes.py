"""Every public forward returns the documented shapes, over small and edge configurations."""
import numpy as np
import pytest

import rrnn
from rrnn.attention import multihead_attention_forward, scaled_dot_product_attention


@pytest.mark.parametrize("B, T, D, H, O", [(1, 1, 1, 1, None), (2, 3, 5, 4, None), (3, 4, 2, 6, 7)])
def test_lstm_shapes(B, T, D, H, O, rng):
    lstm = rrnn.LSTM(D, H, O, rng=rng)
    xs = rng.standard_normal((B, T, D))
    width = H if O is None else O
    assert lstm.forward(xs).shape == (B, T, width)
    out, (h, c) = lstm.forward(xs, return_sequences=False, return_state=True)
    assert out.shape == (B, width) and h.shape == (B, H) and c.shape == (B, H)


@pytest.mark.parametrize("B, T, D, S, V, A, blocks, K", [
    (1, 1, 1, 1, 1, 1, 1, None),
    (2, 3, 5, 4, 3, 2, 1, None),
    (2, 2, 3, 3, 4, 3, 2, 2),
    (1, 4, 6, 8, 2, 1, 1, 5),
])
@pytest.mark.parametrize("gate_style", ["unit", "memory", None])
def test_rmc_shapes(B, T, D, S, V, A, blocks, K, gate_style, rng):
    core = rrnn.RelationalMemory(D, S, V, A, num_blocks=blocks, key_size=K, gate_style=gate_style, rng=rng)
    P = A * V
    xs = rng.standard_normal((B, T, D))
    memory = core.initial_state(B)
    assert memory.shape == (B, S, P)
    out, next_memory = core.step(xs[:, 0], memory)
    assert out.shape == (B, S * P) and next_memory.shape == (B, S, P)
    outs, final, caches = core.forward(xs, return_caches=True)
    assert outs.shape == (B, T, S * P) and final.shape == (B, S, P) and len(caches) == T
    assert core.forward(xs, return_sequences=False)[0].shape == (B, S * P)
    cache = caches[-1]
    assert len(cache.attention) == blocks
    assert all(w.shape == (B, A, S + 1, S + 1) for w in cache.attention)
    G = {"unit": P, "memory": 1, None: None}[gate_style]
    if G is None:
        assert cache.input_gate is None and cache.forget_gate is None
    else:
        assert cache.input_gate.shape == cache.forget_gate.shape == (B, S, G)


@pytest.mark.parametrize("B, T, D, H, O, S, P, A", [
    (1, 1, 1, 1, 1, 1, 1, 1), (2, 3, 8, 16, 5, 3, 16, 1), (2, 4, 6, 5, 3, 4, 12, 3)])
def test_hybrid_shapes(B, T, D, H, O, S, P, A, rng):
    model = rrnn.RelationalRNN(D, H, O, num_slots=S, slot_size=P, num_heads=A, rng=rng)
    xs = rng.standard_normal((B, T, D))
    assert model.forward(xs).shape == (B, T, O)
    out, (h, c, memory) = model.forward(xs, return_sequences=False, return_state=True)
    assert out.shape == (B, O) and h.shape == c.shape == (B, H) and memory.shape == (B, S, P)

    cell = model.cell
    assert cell.init_memory(B).shape == (B, S, P)
    h0, c0, m0 = cell.init_state(B)
    output, h1, c1, m1 = cell.forward(xs[:, 0], h0, c0, m0)
    assert output.shape == h1.shape == c1.shape == (B, H) and m1.shape == (B, S, P)


def test_attention_function_shapes(rng):
    q, k, v = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3, 6, 7))
    out, weights = scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 4, 7) and weights.shape == (2, 3, 4, 6)

    core = rrnn.RelationalMemory(3, 4, 5, 2, key_size=3, rng=rng)
    blk = {k[len("block0."):]: v for k, v in core.params.items() if k.startswith("block0.")}
    out, cache = multihead_attention_forward(rng.standard_normal((2, 5, 10)), blk, num_heads=2, key_size=3)
    assert out.shape == (2, 5, 10) and cache.weights.shape == (2, 2, 5, 5)


def test_parameter_shapes_match_the_spec_table():
    # docs/rmc.md §5, worked example: S=8, A=8, K=32 (P=256), D=40, 1 block, L=2 -> 605,184
    core = rrnn.RelationalMemory(40, 8, 32, 8)
    assert sum(p.size for p in core.params.values()) == 605_184
    assert all(p.dtype == np.float64 for p in core.params.values())
