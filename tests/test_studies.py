"""rrnn.studies: the seed demo's four studies compute what their docstrings say, with the seed demo's settings."""
import numpy as np
import pytest

import rrnn
from rrnn import studies
from rrnn.patterns import make_sequence


@pytest.fixture(scope="module")
def evolution():
    return studies.memory_evolution()


def test_memory_evolution_uses_the_seeds_settings(evolution):
    assert evolution.sequence.shape == (1, 15, 32)
    assert evolution.memories.shape == (16, 1, 4, 64)
    assert evolution.slot_norms.shape == (15, 4) and evolution.similarity.shape == (4, 4)
    assert evolution.boundary == 7 and evolution.pattern == "step_up"


def test_memory_evolution_matches_stepping_the_cell_by_hand(evolution):
    cell = rrnn.RelationalRNNCell(32, 64, num_slots=4, slot_size=64, num_heads=2)
    x = make_sequence("step_up", 1, 15, 32, rng=42)
    h, c, memory = cell.init_state(1)
    for t in range(15):
        _, h, c, memory = cell.forward(x[:, t], h, c, memory)
        assert np.isclose(evolution.memory_norm[t], np.linalg.norm(memory))
        assert np.isclose(evolution.memory_mean[t], memory.mean())
        assert np.isclose(evolution.memory_std[t], memory.std())
        assert np.allclose(evolution.slot_norms[t], np.linalg.norm(memory[0], axis=-1))
    assert np.isclose(evolution.slot_variance, np.var(evolution.slot_norms[-1]))


def test_memory_starts_as_orthogonal_slots_and_similarity_is_a_cosine(evolution):
    assert np.allclose(evolution.initial_similarity, np.eye(4))
    assert np.allclose(np.diag(evolution.similarity), 1)
    assert np.allclose(evolution.similarity, evolution.similarity.T)
    assert np.all(np.abs(evolution.similarity) <= 1 + 1e-12)


def test_cosine_similarity_and_window_means():
    rows = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0], [-3.0, 0.0]])
    sim = studies.cosine_similarity(rows)
    assert sim[0, 1] == 0 and sim[0, 3] == -1 and np.all(sim[2] == 0)
    assert np.isnan(studies.mean_offdiagonal(np.ones((1, 1))))
    assert np.allclose(studies.window_means(np.arange(1, 16)), [3, 8, 13])   # steps 1-5, 6-10, 11-15


@pytest.fixture(scope="module")
def comparison():
    return studies.with_without_memory()


def test_with_without_memory_shapes_and_the_seeds_statistics(comparison):
    for outputs in (comparison.lstm, comparison.memory, comparison.memory_off):
        assert outputs.shape == (2, 10, 16)
    stats = comparison.stats()
    assert set(stats) == {"LSTM", "hybrid", "hybrid, memory off", "|LSTM - hybrid|",
                          "|memory on - memory off|"}
    last = comparison.memory[:, -1]
    assert np.isclose(stats["hybrid"].mean, last.mean()) and np.isclose(stats["hybrid"].max, last.max())


def test_memory_off_is_the_same_network_reading_zeros(comparison):
    model = rrnn.RelationalRNN(32, 64, 16, num_slots=4, slot_size=64, num_heads=2)
    x = make_sequence("noise", 2, 10, 32, rng=42)
    assert np.allclose(comparison.memory, model.forward(x))
    assert np.allclose(comparison.memory_off, model.forward(x, use_memory=False))
    assert np.allclose(comparison.diff_memory, np.abs(comparison.memory - comparison.memory_off).mean(axis=(0, 2)))


def test_with_memory_off_the_slot_count_does_not_matter():
    a = studies.with_without_memory(num_slots=1)
    b = studies.with_without_memory(num_slots=7)
    assert np.allclose(a.memory_off, b.memory_off)
    assert not np.allclose(a.memory, b.memory)


def test_default_seeds_give_the_baseline_and_the_hybrid_the_same_lstm(comparison):
    assert comparison.shared_lstm_weights
    assert not np.allclose(comparison.lstm, comparison.memory_off)   # their read-outs differ


@pytest.fixture(scope="module")
def steps():
    return studies.step_by_step(seq_len=5, num_heads=2)


def test_step_by_step_shapes(steps):
    assert steps.sequence.shape == (1, 5, 8)
    assert steps.h.shape == (6, 16) and steps.c.shape == (6, 16) and steps.memory.shape == (6, 3, 16)
    assert steps.attention.shape == (5, 2, 4, 4)
    assert steps.input_gate.shape == (5, 3, 16) and steps.forget_gate.shape == (5, 3, 16)
    assert steps.slot_labels == ["slot 0", "slot 1", "slot 2", "input"]


def test_step_by_step_changes_are_norms_of_differences(steps):
    assert np.allclose(steps.h_change, np.linalg.norm(np.diff(steps.h, axis=0), axis=1))
    assert np.allclose(steps.memory_change, np.linalg.norm(np.diff(steps.memory, axis=0), axis=(1, 2)))
    assert np.allclose(steps.slot_change ** 2 @ np.ones(3), steps.memory_change ** 2)
    assert np.all(steps.h[0] == 0) and np.allclose(steps.memory[0], np.eye(3, 16))


def test_attention_rows_are_distributions_and_gates_are_in_0_1(steps):
    assert np.allclose(steps.attention.sum(axis=-1), 1)
    assert np.all((steps.input_gate > 0) & (steps.input_gate < 1))
    assert np.all((steps.forget_gate > 0) & (steps.forget_gate < 1))
    assert np.allclose(steps.readout, steps.memory[1:].mean(axis=1))


@pytest.fixture(scope="module")
def capacity():
    return studies.memory_capacity()


def test_memory_capacity_defaults_and_shapes(capacity):
    assert list(capacity.slot_counts) == [1, 2, 4, 8]
    assert capacity.outputs.shape == (4, 2, 10, 16)
    last = capacity.outputs[:, :, -1]
    assert np.allclose(capacity.output_mean, last.mean(axis=(1, 2)))
    assert np.allclose(capacity.output_std, last.std(axis=(1, 2)))


def test_adding_slots_adds_no_weights(capacity):
    assert capacity.same_weights
    assert len(set(capacity.parameter_count)) == 1


def test_capacity_matches_each_model_run_alone(capacity):
    x = make_sequence("noise", 2, 10, 32, rng=42)
    for k, S in enumerate(capacity.slot_counts):
        model = rrnn.RelationalRNN(32, 64, 16, num_slots=int(S), slot_size=64, num_heads=2)
        y = model.forward(x)
        assert np.allclose(capacity.outputs[k], y)
        assert np.isclose(capacity.memory_effect[k], np.abs(y - model.forward(x, use_memory=False)).mean())


def test_capacity_attention_and_similarity_are_in_range(capacity):
    assert np.all((capacity.input_attention > 0) & (capacity.input_attention < 1))
    assert np.isnan(capacity.slot_similarity[0])                  # one slot: nothing to compare
    assert np.all(np.abs(capacity.slot_similarity[1:]) <= 1)


@pytest.mark.parametrize("study", [studies.memory_evolution, studies.with_without_memory, studies.step_by_step,
                                   studies.memory_capacity])
def test_studies_are_deterministic_and_reject_bad_settings(study):
    a, b = study(seq_len=3), study(seq_len=3)
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b) if isinstance(x, np.ndarray))
    with pytest.raises(ValueError, match="num_heads must divide slot_size"):
        study(slot_size=30, num_heads=4)
    with pytest.raises(ValueError, match="pattern must be one of"):
        study(pattern="square")


# ---------------------------------------------------------------- the model choice
def test_memory_evolution_of_the_rmc_is_its_trace_and_the_2d_view_is_shared_by_all_slots():
    result = studies.memory_evolution(model="rmc", seq_len=6)
    assert result.model == "rmc" and result.probabilities is None
    assert result.input_attention.shape == (6, 4) and np.all((result.input_attention > 0) & (result.input_attention < 1))
    basis = studies.shared_projection(result.memories[:, 0])
    np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-10)           # two orthonormal directions
    np.testing.assert_allclose(result.trajectory, result.memories[:, 0] @ basis.T)
    centred = result.memories[:, 0].reshape(-1, 64) - result.memories[:, 0].reshape(-1, 64).mean(axis=0)
    # no direction in the memory's span captures more variance than the first one found
    first = np.var(centred @ basis[0])
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.standard_normal(64)
        assert np.var(centred @ (v / np.linalg.norm(v))) <= first + 1e-9


def test_with_without_memory_for_the_rmc_has_no_memory_off_network():
    result = studies.with_without_memory(model="rmc")
    assert result.memory_off is None and result.diff_memory is None and result.accuracy is None
    assert result.names == ("LSTM", "RMC") and set(result.stats()) == {"LSTM", "RMC", "|LSTM - RMC|"}
    np.testing.assert_allclose(result.memory.sum(axis=-1), 1.0)                   # beliefs in the 9 patterns


def test_memory_capacity_of_the_rmc_shares_its_memory_weights_and_has_no_on_off_effect():
    result = studies.memory_capacity(model="rmc", slot_counts=(1, 3))
    assert result.same_weights and np.all(np.isnan(result.memory_effect)) and result.accuracy is None
    assert result.parameter_count[1] > result.parameter_count[0]                  # only the head grows
    with pytest.raises(ValueError, match="the trained hybrid exists with 4 slots only"):
        studies.memory_capacity(model="trained-hybrid")


def test_step_by_step_of_the_rmc_keeps_the_memory_and_leaves_out_what_it_does_not_have():
    run = studies.step_by_step(model="rmc")
    assert run.h is None and run.c is None and run.h_change is None and run.readout is None
    np.testing.assert_allclose(run.memory_change, np.linalg.norm(np.diff(run.memory, axis=0), axis=(1, 2)))
    assert run.attention.shape == (3, 1, 4, 4) and run.slot_labels == ["slot 0", "slot 1", "slot 2", "input"]


def test_trained_studies_report_accuracy_and_beliefs():
    comparison = studies.with_without_memory(model="trained-hybrid")
    assert set(comparison.accuracy) == {"LSTM", "hybrid", "hybrid, memory off"}
    assert comparison.accuracy["hybrid"] > comparison.accuracy["hybrid, memory off"]
    capacity = studies.memory_capacity(model="trained-rmc", slot_counts=(1, 8))
    assert capacity.accuracy.shape == (2,) and np.all(capacity.accuracy > 0.5) and not capacity.same_weights
    evolution = studies.memory_evolution(model="trained-rmc", pattern="ramp")
    assert evolution.probabilities.shape == (15, 9)
    np.testing.assert_allclose(evolution.probabilities.sum(axis=1), 1.0)
