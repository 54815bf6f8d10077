"""SequenceClassifier.trace: one batch-first record of every step, for every classifier."""
import numpy as np
import pytest

from rrnn import models
from rrnn.hybrid import RelationalRNNCell, sub_params
from rrnn.rmc import rmc_initial_state, rmc_step_forward

B, T, D = 3, 5, 6


def x(rng=0):
    return np.random.default_rng(rng).standard_normal((B, T, D))


CLASSIFIERS = {
    "lstm": lambda: models.LSTMClassifier(D, 8, 4, rng=0),
    "rmc": lambda: models.RMCClassifier(D, 4, num_slots=3, head_size=4, num_heads=2, rng=0),
    "hybrid": lambda: models.HybridClassifier(D, 8, 4, num_slots=3, slot_size=8, num_heads=2, rng=0),
}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_the_last_steps_logits_are_the_models_own(name):
    model = CLASSIFIERS[name]()
    tr = model.trace(x())
    assert tr.features.shape[:2] == (B, T) and tr.logits.shape == (B, T, 4)
    np.testing.assert_allclose(tr.logits[:, -1], model.logits(x()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tr.logits[:, 2], model.logits(x()[:, :3]), rtol=1e-12, atol=1e-12)   # any prefix


def test_the_lstm_has_no_memory_to_trace():
    tr = CLASSIFIERS["lstm"]().trace(x())
    assert tr.memory is tr.attention is tr.input_gate is tr.forget_gate is tr.attended is None


def test_the_rmc_trace_is_the_core_stepped_by_hand_batch_first():
    model = CLASSIFIERS["rmc"]()
    tr = model.trace(x())
    S, P = 3, 8
    assert tr.memory.shape == (B, T + 1, S, P) and tr.attention.shape == (B, T, 2, S + 1, S + 1)
    assert tr.input_gate.shape == tr.forget_gate.shape == tr.attended.shape == (B, T, S, P)
    memory = rmc_initial_state(model.config, B)
    np.testing.assert_array_equal(tr.memory[:, 0], memory)
    for t in range(T):
        _, memory, cache = rmc_step_forward(x()[:, t], memory, sub_params(model.params, "core."), model.config)
        np.testing.assert_allclose(tr.memory[:, t + 1], memory, atol=1e-12)
        np.testing.assert_allclose(tr.attention[:, t], cache.attention[0], atol=1e-12)
        np.testing.assert_allclose(tr.forget_gate[:, t], cache.forget_gate, atol=1e-12)
    np.testing.assert_allclose(tr.features[:, -1], tr.memory[:, -1].reshape(B, -1))   # the head reads the memory
    np.testing.assert_allclose(tr.input_attention, tr.attention[:, :, :, :S, S].mean(axis=2))


def test_the_hybrids_trace_follows_its_cell_and_can_switch_the_memory_off():
    model = CLASSIFIERS["hybrid"]()
    cell = RelationalRNNCell(D, 8, 3, 8, 2, rng=0)
    cell.params = sub_params(model.params, "core.")
    on, off = model.trace(x()), model.trace(x(), use_memory=False)
    h, c, memory = cell.init_state(B)
    for t in range(T):
        out, h, c, memory = cell.forward(x()[:, t], h, c, memory)
        np.testing.assert_allclose(on.memory[:, t + 1], memory, atol=1e-12)
        np.testing.assert_allclose(on.features[:, t], out, atol=1e-12)
    np.testing.assert_array_equal(on.memory, off.memory)                    # the memory runs either way
    assert not np.allclose(on.features, off.features)                       # the output no longer reads it


@pytest.mark.parametrize("name", ["lstm", "rmc"])
def test_only_a_hybrid_can_switch_its_memory_off(name):
    with pytest.raises(ValueError, match=f"use_memory=False needs a hybrid.*'{name}'"):
        CLASSIFIERS[name]().trace(x(), use_memory=False)


def test_trace_checks_its_input_like_every_entry_point():
    model = CLASSIFIERS["rmc"]()
    with pytest.raises(ValueError, match=r"X must have shape \(B, T, D\)"):
        model.trace(np.zeros((B, T, D + 1)))
    with pytest.raises(TypeError, match="use_memory must be True or False"):
        model.trace(x(), use_memory="no")


def test_a_float32_model_traces_in_float32():
    model = models.RMCClassifier(D, 4, num_slots=2, head_size=4, num_heads=1, dtype="float32", rng=0)
    tr = model.trace(x())
    assert tr.memory.dtype == tr.logits.dtype == tr.attention.dtype == np.float32
