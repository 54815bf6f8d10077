"""The seed studies' model choice: the right networks, traced faithfully, and what the input moves."""
import numpy as np
import pytest

from rrnn import models, seed_models as sm
from rrnn import tasks
from rrnn.hybrid import RelationalRNNCell, sub_params
from rrnn.patterns import make_sequence
from rrnn.rmc import rmc_initial_state, rmc_step_forward

SIZES = dict(input_size=32, hidden_size=64, num_slots=4, slot_size=64, num_heads=2)


def test_the_untrained_hybrid_is_the_seed_studies_cell():
    model = sm.memory_model("hybrid", **SIZES, model_seed=3)
    cell = RelationalRNNCell(32, 64, 4, 64, 2, rng=3)
    assert all(np.array_equal(model.params["core." + k], v) for k, v in cell.params.items())
    X = make_sequence("noise", 2, 6, 32, rng=0)
    tr = sm.trace(model, X)
    h, c, memory = cell.init_state(2)
    for t in range(6):
        _, h, c, memory = cell.forward(X[:, t], h, c, memory)
        np.testing.assert_allclose(tr.memories[t + 1], memory, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tr.logits[:, -1], model.logits(X), atol=1e-12)


def test_the_rmc_trace_is_stepping_the_core_by_hand():
    model = sm.memory_model("rmc", **dict(SIZES, num_slots=3, slot_size=16, num_heads=4), model_seed=1)
    X = make_sequence("sine", 2, 5, 32, rng=1)
    tr = sm.trace(model, X)
    memory = rmc_initial_state(model.config, 2)
    np.testing.assert_array_equal(tr.memories[0], memory)
    for t in range(5):
        _, memory, cache = rmc_step_forward(X[:, t], memory, sub_params(model.params, "core."), model.config)
        np.testing.assert_allclose(tr.memories[t + 1], memory, atol=1e-12)
        np.testing.assert_allclose(tr.attention[t], cache.attention[0], atol=1e-12)
    np.testing.assert_allclose(tr.logits[:, -1], model.logits(X), atol=1e-12)
    assert tr.input_attention.shape == (5, 2, 3)
    np.testing.assert_allclose(tr.input_attention, tr.attention[:, :, :, :3, 3].mean(axis=2))
    with pytest.raises(ValueError, match="use_memory=False needs a hybrid"):
        sm.trace(model, X, use_memory=False)


@pytest.mark.parametrize("model", ["rmc", "hybrid"])
def test_a_long_batch_is_traced_in_chunks_with_the_same_numbers(model, monkeypatch):
    net = sm.memory_model(model, **SIZES)           # untrained, float64
    X = np.random.default_rng(3).standard_normal((11, 6, 32))
    whole = sm.trace(net, X)
    sizes, trace_part = [], net.trace
    monkeypatch.setattr(net, "trace", lambda X, **kw: sizes.append(len(X)) or trace_part(X, **kw))
    monkeypatch.setattr(sm, "TRACE_CHUNK", 4)
    chunked = sm.trace(net, X)
    assert sizes == [4, 4, 3]
    for name in sm.MemoryTrace._fields:
        assert getattr(chunked, name).shape == getattr(whole, name).shape, name
        np.testing.assert_allclose(getattr(chunked, name), getattr(whole, name), rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("model", ["rmc", "hybrid", "trained-rmc", "trained-hybrid"])
def test_the_seed_trace_is_the_classifiers_trace_with_time_first(model):
    net = sm.memory_model(model, **SIZES)
    X = make_sequence("step_up", 3, 7, 32, rng=5)
    seed, steps = sm.trace(net, X), net.trace(X)
    np.testing.assert_array_equal(seed.memories, steps.memory.transpose(1, 0, 2, 3))
    for name in ("attention", "input_gate", "forget_gate", "attended"):
        np.testing.assert_array_equal(getattr(seed, name), np.swapaxes(getattr(steps, name), 0, 1), err_msg=name)
    np.testing.assert_array_equal(seed.features, steps.features)
    np.testing.assert_array_equal(seed.logits, steps.logits)
    # averaged in float64 here, in the model's dtype (float32 when trained) there
    np.testing.assert_allclose(seed.input_attention, steps.input_attention.swapaxes(0, 1), rtol=1e-6)
    assert all(getattr(seed, name).dtype == np.float64 for name in sm.MemoryTrace._fields)


def test_only_rmc_and_hybrid_classifiers_are_traced_here():
    with pytest.raises(ValueError, match="model must be an RMC or hybrid classifier"):
        sm.trace(models.LSTMClassifier(32, 8, 9, rng=0), np.zeros((1, 3, 32)))
    with pytest.raises(ValueError, match=r"X must have shape \(B, T, D\)"):
        sm.trace(sm.memory_model("rmc", **SIZES), np.zeros((1, 3, 8)))


def test_memory_off_changes_the_hybrids_output_not_its_memory():
    model = sm.memory_model("hybrid", **SIZES)
    X = make_sequence("ramp", 1, 4, 32, rng=2)
    on, off = sm.trace(model, X), sm.trace(model, X, use_memory=False)
    np.testing.assert_array_equal(on.memories, off.memories)
    assert not np.allclose(on.features, off.features)


@pytest.mark.parametrize("model, change, message", [
    ("trained-rmc", dict(slot_size=32), "slot_size must be 64 for model='trained-rmc'"),
    ("trained-rmc", dict(num_heads=4), "num_heads must be 2"),
    ("trained-rmc", dict(num_slots=3), r"num_slots must be one of \(1, 2, 4, 8\)"),
    ("trained-rmc", dict(input_size=8), "input_size must be 32"),
    ("trained-hybrid", dict(num_slots=2), "num_slots must be 4 for model='trained-hybrid'"),
    ("trained-hybrid", dict(hidden_size=16), "hidden_size must be 64"),
    ("lstm", {}, "model must be one of hybrid, rmc, trained-rmc, trained-hybrid"),
    ("rmc", dict(slot_size=30, num_heads=4), "num_heads must divide slot_size"),
])
def test_a_model_that_cannot_be_built_at_these_sizes_is_refused_by_name(model, change, message):
    with pytest.raises(ValueError, match=message):
        sm.memory_model(model, **dict(SIZES, **change))


def test_relative_difference():
    a = np.array([3.0, 4.0])
    assert sm.relative_difference(a, a) == 0 and sm.relative_difference(a, -a) == 1
    assert sm.relative_difference(np.zeros(2), np.zeros(2)) == 0
    assert sm.relative_difference(a, np.zeros(2)) == 1


def test_input_sensitivity_of_the_seeds_hybrid_is_what_the_issue_measured():
    s = sm.input_sensitivity("hybrid")
    names = list(s.patterns)
    assert s.norms.shape == (9, 15) and s.silent_norms.shape == (15,)
    assert s.norms[names.index("step_up"), -1] == pytest.approx(24.5, abs=0.05)
    assert s.silent_norms[-1] == pytest.approx(26.7, abs=0.05)
    assert 24.4 < s.norms[:, -1].min() and s.norms[:, -1].max() < 28.1
    # the seed demo's statistics barely move, the contents do
    assert s.stats_difference < 0.05 < 0.3 < s.content_difference


def test_trained_models_fit_their_sizes_and_know_the_patterns():
    X, y = tasks.which_pattern(900, rng=11)
    for model, slots in (("trained-rmc", 1), ("trained-rmc", 4), ("trained-hybrid", 4)):
        net = sm.memory_model(model, **dict(SIZES, num_slots=slots))
        assert net.spec["num_slots"] == slots and net.dtype == np.float32
        assert (net.predict(X) == y).mean() > 0.5          # chance is 1/9
    assert sm.memory_model("trained-rmc", **SIZES) is sm.memory_model("trained-rmc", **SIZES)   # loaded once


# ---------------------------------------------------------------- the model control
def test_choosing_a_trained_model_locks_its_sizes_and_an_untrained_one_restores_them():
    from rrnn.dash.memory_evolution import memory_evolution_dashboard
    dash = memory_evolution_dashboard(mode="static", slot_size=32, num_heads=4)
    c = dash.controls
    updates = dash.updates
    c["model"].value = "trained-hybrid"
    assert (c["slot_size"].value, c["num_heads"].value, c["num_slots"].value) == (64, 2, 4)
    assert c["slot_size"].disabled and c["num_heads"].disabled and c["num_slots"].disabled
    assert dash.updates == updates + 1 and dash.error is None          # one update, with the final sizes
    assert dash.result.model == "trained-hybrid" and dash.result.probabilities.shape == (15, 9)
    c["model"].value = "trained-rmc"
    assert not c["num_slots"].disabled and c["slot_size"].disabled
    c["model"].value = "rmc"
    assert (c["slot_size"].value, c["num_heads"].value) == (32, 4) and not c["slot_size"].disabled
    assert dash.result.model == "rmc" and dash.result.probabilities is None


def test_a_slot_count_that_was_not_trained_says_so_and_keeps_the_last_figure():
    from rrnn.dash.memory_evolution import memory_evolution_dashboard
    dash = memory_evolution_dashboard(mode="static", model="trained-rmc")
    shown = dash.result
    dash.controls["num_slots"].value = 3
    assert "num_slots must be one of (1, 2, 4, 8)" in dash.message.value and dash.result is shown


@pytest.mark.parametrize("factory, models", [
    ("rrnn.dash.memory_evolution:memory_evolution_dashboard", tuple(sm.MODELS)),
    ("rrnn.dash.with_without_memory:with_without_memory_dashboard", tuple(sm.MODELS)),
    ("rrnn.dash.capacity:capacity_dashboard", ("hybrid", "rmc", "trained-rmc")),
])
def test_every_study_dashboard_runs_every_model_it_offers(factory, models):
    import importlib
    module, name = factory.split(":")
    dash = getattr(importlib.import_module(module), name)(mode="static")
    assert [value for _, value in dash.controls["model"].options] == list(models)
    for model in models:
        dash.controls["model"].value = model
        assert dash.error is None and dash.result is not None, (model, dash.message.value)


@pytest.mark.parametrize("model", ["trained-rmc", "trained-hybrid"])
def test_trained_sizes_are_those_of_the_shipped_models(model):
    sizes = sm.trained_sizes(model)
    for S in sm.trained_slot_counts(model):
        net = sm.trained_model(sm.trained_name(model, S))
        assert net.spec["input_size"] == sizes["input_size"]
        assert net.config.num_heads == sizes["num_heads"] and net.config.slot_size == sizes["slot_size"]
        assert net.config.num_slots == S
    if model == "trained-hybrid":
        assert sizes["hidden_size"] == net.spec["hidden_size"] and sizes["num_slots"] == 4
    assert "num_slots" not in sizes or sm.trained_slot_counts(model) == (sizes["num_slots"],)


def test_untrained_models_have_no_trained_sizes():
    assert sm.trained_sizes("rmc") == {} and sm.trained_slot_counts("hybrid") == ()
    with pytest.raises(ValueError, match="model must be one of"):
        sm.trained_sizes("lstm")


def test_the_dashboards_lock_and_use_the_trained_sizes():
    from rrnn.dash import controls as C
    from rrnn.dash.stepper import study_sizes
    for model in ("trained-rmc", "trained-hybrid"):
        sizes = sm.trained_sizes(model)
        locked = C.model_dropdown(model).locked_sizes()
        assert locked == {k: v for k, v in sizes.items() if k in ("num_slots", "slot_size", "num_heads")}
        assert study_sizes(model)["input_size"] == sizes["input_size"]
    assert C.model_dropdown("rmc").locked_sizes() == {}


def test_ablated_readout_zero_is_use_memory_false_and_mean_ablation_is_no_kinder():
    zero = sm.ablated_readout_accuracy("zero")
    assert zero == sm.trained_accuracy("hybrid", use_memory=False)
    mean = sm.ablated_readout_accuracy("mean")
    assert mean < 0.25                                 # notebook 05: a typical read-out does not rescue it
    with pytest.raises(ValueError, match="zero' or 'mean"):
        sm.ablated_readout_accuracy("shuffle")
