"""rrnn.studies: the four seed studies compute what their docstrings say, with the seed's settings."""
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
    for outputs in (comparison.lstm, comparison.hybrid, comparison.hybrid_off):
        assert outputs.shape == (2, 10, 16)
    stats = comparison.stats()
    assert set(stats) == {"LSTM", "relational RNN", "relational RNN, memory off", "|LSTM - relational RNN|",
                          "|memory on - memory off|"}
    last = comparison.hybrid[:, -1]
    assert np.isclose(stats["relational RNN"].mean, last.mean()) and np.isclose(stats["relational RNN"].max, last.max())


def test_memory_off_is_the_same_network_reading_zeros(comparison):
    model = rrnn.RelationalRNN(32, 64, 16, num_slots=4, slot_size=64, num_heads=2)
    x = make_sequence("noise", 2, 10, 32, rng=42)
    assert np.allclose(comparison.hybrid, model.forward(x))
    assert np.allclose(comparison.hybrid_off, model.forward(x, use_memory=False))
    assert np.allclose(comparison.diff_memory, np.abs(comparison.hybrid - comparison.hybrid_off).mean(axis=(0, 2)))


def test_with_memory_off_the_slot_count_does_not_matter():
    a = studies.with_without_memory(num_slots=1)
    b = studies.with_without_memory(num_slots=7)
    assert np.allclose(a.hybrid_off, b.hybrid_off)
    assert not np.allclose(a.hybrid, b.hybrid)


def test_default_seeds_give_the_baseline_and_the_hybrid_the_same_lstm(comparison):
    assert comparison.shared_lstm_weights
    assert not np.allclose(comparison.lstm, comparison.hybrid_off)   # their read-outs differ


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
    with pytest.raises(ValueError, match="slot_size must be divisible by num_heads"):
        study(slot_size=30, num_heads=4)
    with pytest.raises(ValueError, match="pattern must be one of"):
        study(pattern="square")
