"""Bad input raises a clear error that names the argument, the expectation and what was given."""
import numpy as np
import pytest

import rrnn
import rrnn.lessons


@pytest.fixture
def cell():
    return rrnn.RelationalRNNCell(8, 16, num_slots=3, slot_size=16, num_heads=2)


def good_step_args(B=2):
    return np.zeros((B, 8)), np.zeros((B, 16)), np.zeros((B, 16)), rrnn.RelationalRNNCell(8, 16, 3, 16, 2).init_memory(B)


@pytest.mark.parametrize("position, bad, message", [
    (0, np.zeros((2, 7)), r"x_t must have shape \(B, D\) = \(any, 8\), got \(2, 7\)"),
    (0, np.zeros(8), r"x_t must have shape \(B, D\) = \(any, 8\), got \(8,\)"),
    (1, np.zeros((16, 2)), r"h must have shape \(B, H\) = \(2, 16\), got \(16, 2\)"),  # the seed demo's (H, B) layout
    (2, np.zeros((16, 2)), r"c must have shape \(B, H\) = \(2, 16\), got \(16, 2\)"),
    (1, np.zeros((3, 16)), r"h must have shape \(B, H\) = \(2, 16\), got \(3, 16\)"),
    (3, np.zeros((2, 16, 3)), r"memory must have shape \(B, S, slot_size\) = \(2, 3, 16\), got \(2, 16, 3\)"),
    (3, np.zeros((3, 16)), r"memory must have shape .* got \(3, 16\)"),
])
def test_cell_rejects_wrong_shapes(cell, position, bad, message):
    args = list(good_step_args())
    args[position] = bad
    with pytest.raises(ValueError, match=message):
        cell.forward(*args)


@pytest.mark.parametrize("position, name", [(0, "x_t"), (1, "h"), (2, "c"), (3, "memory")])
@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (np.inf, "inf")])
def test_cell_rejects_nan_and_inf(cell, position, name, value, word):
    args = list(good_step_args())
    args[position] = args[position].copy()
    args[position].flat[3] = value
    with pytest.raises(ValueError, match=f"{name} must be finite, but it contains {word}"):
        cell.forward(*args)


@pytest.mark.parametrize("model", [
    rrnn.LSTM(8, 16, 4), rrnn.RelationalRNN(8, 16, 4, 3, 16, 2), rrnn.RelationalMemory(8, 3, 4, 2)])
@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 8)), r"sequence must have shape \(B, T, D\) = \(any, any, 8\), got \(2, 8\)"),
    (np.zeros((2, 5, 3)), r"sequence must have shape \(B, T, D\) = \(any, any, 8\), got \(2, 5, 3\)"),
    (np.zeros((2, 0, 8)), r"sequence must not be empty .* got T = 0 in shape \(2, 0, 8\)"),
    (np.zeros((0, 3, 8)), r"sequence must not be empty .* got B = 0 in shape \(0, 3, 8\)"),
    (np.full((1, 2, 8), np.nan), r"sequence must be finite, but it contains NaN"),
    (np.array([[["a"] * 8]]), r"sequence must hold real numbers"),
])
def test_sequence_models_reject_bad_sequences(model, bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        model.forward(bad)


def test_rmc_rejects_bad_step_arguments():
    core = rrnn.RelationalMemory(5, 3, 4, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(B, D\) = \(any, 5\), got \(2, 4\)"):
        core.step(np.zeros((2, 4)), core.initial_state(2))
    with pytest.raises(ValueError, match=r"memory must have shape \(B, S, P\) = \(2, 3, 8\), got \(2, 8, 3\)"):
        core.step(np.zeros((2, 5)), np.zeros((2, 8, 3)))
    with pytest.raises(ValueError, match=r"memory must have shape \(B, S, P\) = \(1, 3, 8\), got \(2, 3, 8\)"):
        core.forward(np.zeros((1, 2, 5)), memory=core.initial_state(2))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(slot_size=64, num_heads=3), ValueError, r"num_heads must divide slot_size.*slot_size=64, num_heads=3"),
    (dict(num_slots=0), ValueError, r"num_slots must be a positive int \(>= 1\), got 0"),
    (dict(slot_size=-4), ValueError, r"slot_size must be a positive int \(>= 1\), got -4"),
    (dict(num_heads=0), ValueError, r"num_heads must be a positive int \(>= 1\), got 0"),
    (dict(num_slots=2.5), TypeError, r"num_slots must be a positive int, got 2.5 \(float\)"),
    (dict(hidden_size=0), ValueError, r"hidden_size must be a positive int \(>= 1\), got 0"),
    (dict(input_size=-1), ValueError, r"input_size must be a positive int \(>= 1\), got -1"),
    (dict(output_size=0), ValueError, r"output_size must be a positive int \(>= 1\), got 0"),
    (dict(rng="seven"), TypeError, r"rng must be None, a non-negative int seed or a numpy.random.Generator"),
])
def test_hybrid_rejects_bad_sizes(kwargs, error, message):
    args = dict(input_size=8, hidden_size=16, output_size=4, num_slots=4, slot_size=64, num_heads=2)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        rrnn.RelationalRNN(**args)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(gate_style="per-slot"), ValueError, r"gate_style must be one of 'unit', 'memory' or None, got 'per-slot'"),
    (dict(num_blocks=0), ValueError, r"num_blocks must be a positive int"),
    (dict(attention_mlp_layers=0), ValueError, r"attention_mlp_layers must be a positive int"),
    (dict(key_size=0), ValueError, r"key_size must be a positive int"),
    (dict(head_size=True), TypeError, r"head_size must be a positive int, got True"),
    (dict(forget_bias=float("nan")), ValueError, r"forget_bias must be finite, got nan"),
    (dict(input_bias="0"), TypeError, r"input_bias must be a real number"),
    (dict(attention="no"), TypeError, r"attention must be True or False, got 'no'"),
    (dict(attention=False, gate_style=None), ValueError,
     r"attention=False needs a gate_style \('unit' or 'memory'\).*got gate_style=None"),
])
def test_rmc_rejects_bad_configuration(kwargs, error, message):
    args = dict(input_size=3, num_slots=2, head_size=4, num_heads=2)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        rrnn.RelationalMemory(**args)


@pytest.mark.parametrize("kwargs, message", [
    (dict(readout="max"), r"readout must be one of \('mean', 'flat'\), got 'max'"),
    (dict(memory_input="c"), r"memory_input must be one of \('h', 'x'\), got 'c'"),
    (dict(readout=None), r"readout must be one of \('mean', 'flat'\), got None"),
])
def test_hybrid_classifier_rejects_unknown_ablation_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rrnn.models.HybridClassifier(4, 8, 3, 2, 4, 2, **kwargs)


def test_lstm_rejects_a_transposed_state():
    lstm = rrnn.LSTM(3, 5)
    with pytest.raises(ValueError, match=r"h must have shape \(B, H\) = \(2, 5\), got \(5, 2\)"):
        lstm.forward(np.zeros((2, 4, 3)), state=(np.zeros((5, 2)), np.zeros((2, 5))))


def test_a_rejected_call_changes_nothing(cell):
    before = {k: v.copy() for k, v in cell.params.items()}
    x, h, c, memory = good_step_args()
    memory_before = memory.copy()
    with pytest.raises(ValueError):
        cell.forward(x, h, c, memory[:, :2])
    with pytest.raises(ValueError):
        cell.forward(x, np.full_like(h, np.nan), c, memory)
    assert all(np.array_equal(before[k], cell.params[k]) for k in before)
    np.testing.assert_array_equal(memory, memory_before)


# ---------------------------------------------------------------- one mechanism, every entry point
def entry_points():
    lstm, rmc, hybrid = rrnn.LSTM(8, 4), rrnn.RelationalMemory(8, 2, 4, 2), rrnn.RelationalRNN(8, 4, 3, 2, 4, 2)
    clf = rrnn.LSTMClassifier(8, 4, 3, head_sizes=[4])
    return {"LSTM.forward": lstm.forward, "RelationalMemory.forward": rmc.forward,
            "RelationalRNN.forward": hybrid.forward, "LSTMClassifier.logits": clf.logits,
            "LSTMClassifier.loss": lambda X: clf.loss(X, np.zeros(len(X), int))}


@pytest.mark.parametrize("entry", sorted(entry_points()))
def test_a_batch_of_size_zero_gets_the_same_message_everywhere(entry):
    with pytest.raises(ValueError, match=r"must not be empty \(at least one entry along every axis\), "
                                         r"got B = 0 in shape \(0, 5, 8\)"):
        entry_points()[entry](np.zeros((0, 5, 8)))


@pytest.mark.parametrize("state, error, message", [
    ((np.zeros((2, 4)),), ValueError, r"state must be a tuple \(h, c\) of 2 arrays, got 1"),
    ((np.zeros((2, 4)),) * 3, ValueError, r"state must be a tuple \(h, c\) of 2 arrays, got 3"),
    ({}, TypeError, r"state must be a tuple \(h, c\), got dict"),
    (np.zeros((2, 2, 4)), TypeError, r"state must be a tuple \(h, c\), got ndarray"),
])
def test_lstm_state_must_be_the_pair_h_c(state, error, message):
    with pytest.raises(error, match=message):
        rrnn.LSTM(8, 4).forward(np.zeros((2, 3, 8)), state=state)


def test_hybrid_state_must_be_the_triple_h_c_memory():
    model = rrnn.RelationalRNN(8, 4, 3, 2, 4, 2)
    h, c, memory = model.cell.init_state(2)
    with pytest.raises(ValueError, match=r"state must be a tuple \(h, c, memory\) of 3 arrays, got 2"):
        model.forward(np.zeros((2, 3, 8)), state=(h, c))
    with pytest.raises(TypeError, match=r"state must be a tuple \(h, c, memory\), got dict"):
        model.forward(np.zeros((2, 3, 8)), state={})


def test_float64_input_beyond_float32s_range_is_refused_by_a_float32_model():
    model = rrnn.LSTMClassifier(8, 4, 3, head_sizes=[4], dtype="float32")
    X = np.zeros((1, 2, 8))
    X[0, 1, 3] = 1e39
    with pytest.raises(ValueError, match=r"X holds values beyond float32's range \(largest \|value\| 1e\+39\)"):
        model.logits(X)


def test_a_computation_that_overflows_is_refused_not_returned_as_inf():
    model = rrnn.LSTMClassifier(8, 4, 3, head_sizes=[4])
    model.params["head0.b"][:] = 10.0                    # every ReLU on, so ...
    model.params["head1.W"][:] = 1e308                  # ... finite weights whose logits overflow
    with pytest.raises(ValueError, match=r"the result is not finite: the computation overflowed \(largest \|X\| is 1"):
        model.logits(np.ones((1, 2, 8)))


def test_huge_but_finite_inputs_saturate_to_finite_answers():
    out, memory = rrnn.RelationalMemory(8, 2, 4, 2).forward(np.full((1, 2, 8), 1e308))  # layer norms rescale
    assert np.isfinite(out).all() and np.isfinite(memory).all()


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_a_matrix_is_an_array_and_a_masked_array_is_refused():
    core = rrnn.RelationalMemory(5, 3, 4, 2)
    x = np.arange(10.0).reshape(2, 5) / 10
    out, _ = core.step(np.matrix(x), core.initial_state(2))
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, core.step(x, core.initial_state(2))[0])
    with pytest.raises(TypeError, match=r"x must be a plain array, got a masked array"):
        core.step(np.ma.masked_array(x, mask=x > 0.5), core.initial_state(2))


@pytest.mark.parametrize("build, error, message", [
    (lambda: rrnn.RelationalMemory(4, 2, 4, num_blocks=10**9), ValueError, r"num_blocks=1000000000, .* would make a model of 1e\+11"),
    (lambda: rrnn.LSTM(4, 10**9), ValueError, r"hidden_size=1000000000 would make a model of 4e\+18 parameters"),
    (lambda: rrnn.RelationalRNNCell(4, 8, slot_size=10**8, num_heads=1), ValueError, r"slot_size=100000000 would make"),
    (lambda: rrnn.LSTM(4, 8).initial_state(10**9), ValueError, r"batch_size=1000000000, hidden_size=8 would need an array"),
    (lambda: rrnn.tasks.nth_farthest(10**9, 4, 4, rng=0), ValueError, r"batch_size=1000000000, num_vectors=4, vector_dim=4 would need"),
    (lambda: rrnn.LSTMClassifier(4, 8, 3, head_sizes=5), TypeError, r"head_sizes must be a list of positive ints such as \[128, 128\], got 5"),
    (lambda: rrnn.LSTMClassifier(4, 8, 3, head_sizes=[4, 0]), ValueError, r"head_sizes\[1\] must be a positive int"),
    (lambda: rrnn.LSTMClassifier(4, 8, 3, dtype="bogus"), ValueError, r"dtype must be one of \['float32', 'float64'\], got 'bogus'"),
    (lambda: rrnn.LSTMClassifier(4, 8, 3, dtype=None), TypeError, r"dtype must be one of \['float32', 'float64'\], got None"),
])
def test_sizes_and_types_are_refused_up_front_naming_the_argument(build, error, message):
    with pytest.raises(error, match=message):
        build()


# --- one rule for "the heads split the slot", wherever it is checked ------------------------------
def _heads_entries():
    from rrnn import lessons, seed_models
    from rrnn.dash import controls
    sizes = dict(input_size=8, hidden_size=16, num_slots=2)
    return {
        "RelationalRNNCell": (lambda M, A: rrnn.RelationalRNNCell(8, 16, 2, M, A), "slot_size"),
        "HybridClassifier": (lambda M, A: rrnn.HybridClassifier(8, 16, 3, 2, M, A), "slot_size"),
        "memory_model rmc": (lambda M, A: seed_models.memory_model("rmc", **sizes, slot_size=M, num_heads=A),
                             "slot_size"),
        "rmc_step": (lambda M, A: lessons.rmc_step(slot_size=M, num_heads=A), "slot_size"),
        "attention_maps": (lambda M, A: lessons.attention_maps(width=M, num_heads=A), "width"),
        "random_attention_params": (lambda M, A: lessons.random_attention_params(M, A), "width"),
        "heads_dropdown": (lambda M, A: controls.heads_dropdown(A, slot_size=M), "slot_size"),
    }


@pytest.mark.parametrize("entry", list(_heads_entries()))
def test_heads_that_do_not_split_the_slot_get_one_message_naming_both_arguments(entry):
    build, size_name = _heads_entries()[entry]
    with pytest.raises(ValueError, match=rf"num_heads must divide {size_name} .*\[1, 2, 3, 4, 6, 12\].*"
                                         rf"{size_name}=12, num_heads=5"):
        build(12, 5)
    build(12, 4)                                                            # a divisor is accepted


def test_the_heads_rule_and_its_boolean_twin_agree():
    from rrnn import _checks
    for M in range(1, 25):
        for A in range(1, 25):
            assert _checks.heads_divide(M, A) == (A in _checks.head_counts(M))
    assert _checks.check_heads_divide(12, 4) == (12, 4)
    with pytest.raises(TypeError, match="num_heads must be a positive int"):
        _checks.check_heads_divide(12, 2.0)


# --- specs, lesson settings: the entry named, never "unhashable type" --------------------------------
LSTM_SPEC = dict(model="lstm", input_size=3, hidden_size=2, num_classes=2)


@pytest.mark.parametrize("spec, error, named, word", [
    ({"model": ["lstm"]}, TypeError, "spec['model']", "one of"),
    ({"model": None}, TypeError, "spec['model']", "one of"),
    ({"model": "gru"}, ValueError, "spec['model']", "one of"),
    ({"input_size": 3}, ValueError, "'model'", "entry"),
    (["lstm"], TypeError, "spec", "dict"),
    ({**LSTM_SPEC, "rng": 3}, ValueError, "'rng'", "rng="),
])
def test_build_names_the_spec_entry_it_refuses(spec, error, named, word):
    with pytest.raises(error) as info:
        rrnn.models.build(spec)
    assert named in str(info.value) and word in str(info.value) and "unhashable" not in str(info.value)


@pytest.mark.parametrize("call, error, named", [
    (lambda: rrnn.lessons.lstm_gates(forget_bias=float("nan")), ValueError, "forget_bias"),
    (lambda: rrnn.lessons.lstm_gates(seq_len=None), TypeError, "seq_len"),
    (lambda: rrnn.lessons.rmc_step(seq_len=float("inf")), TypeError, "seq_len"),
    (lambda: rrnn.lessons.rmc_step(step=[3]), TypeError, "step"),
    (lambda: rrnn.lessons.attention_maps(sharpness=float("nan")), ValueError, "sharpness"),
    (lambda: rrnn.lessons.attention_maps(num_items=None), TypeError, "num_items"),
    (lambda: rrnn.lessons.trained_example(example=None), TypeError, "example"),
])
def test_lesson_computations_name_the_setting_they_refuse(call, error, named):
    with pytest.raises(error, match=rf"^{named} must"):
        call()
