"""The stepper (study 3) steps any of the course's memories (rrnn.seed_models.MODELS), and notebook 06's
predict-then-measure checks accept the reasoning they ask for and name the typical mistakes."""
import numpy as np
import pytest

from rrnn import seed_models, studies, tasks
from rrnn.dash import attention_style as style
from rrnn.dash.stepper import StepperFigure, StepView, compute_step, plot_step_attention, stepper_dashboard
from rrnn.exercises import Check
from rrnn.exercises.seed_studies import (EXERCISES, check_decay_prediction, check_input_share_over_sequence,
                                         check_retention_prediction)

SIGMOID_1 = 1 / (1 + np.exp(-1))


@pytest.fixture(scope="module")
def dash():
    return stepper_dashboard(mode="static")


@pytest.fixture
def reset(dash):
    yield dash
    with dash.hold():
        dash.controls["model"].value = "hybrid"
        dash.controls["pattern"].value = "noise"
        dash.controls["step"].value = 1


def test_the_stepper_offers_every_model_and_its_help_says_which_are_trained(dash):
    options = [value for _, value in dash.controls["model"].options]
    assert options == list(seed_models.MODELS)
    assert dash.controls["model"].value == "hybrid"
    help_text = dash.children[1].value
    assert "Untrained" in help_text and "Trained to name the pattern" in help_text


@pytest.mark.parametrize("model, input_size", [("hybrid", 8), ("rmc", 8), ("trained-rmc", 32), ("trained-hybrid", 32)])
def test_compute_runs_untrained_models_at_the_seeds_sizes_and_trained_ones_as_trained(model, input_size):
    slots, size, heads = (3, 16, 1) if not seed_models.is_trained(model) else (4, 64, 2)
    view = compute_step(2, model, slots, size, heads, 6, "motif", 0.5, 42)
    assert view.run.model == model and view.step == 2
    assert view.run.sequence.shape == (1, 6, input_size)
    assert view.run.memory.shape == (7, slots, size)
    assert (view.run.probabilities is not None) == seed_models.is_trained(model)
    if model == "trained-hybrid":
        assert view.run.output.shape == (6, 64)                     # hidden 64, as it was trained


@pytest.mark.parametrize("model", ["rmc", "trained-rmc", "trained-hybrid"])
def test_without_h_and_c_only_the_memory_is_drawn_and_the_figure_says_why(reset, model):
    dash = reset
    dash.controls["model"].value = model
    fig, run = dash.figure, dash.result.run
    assert dash.error is None and run.h_change is None
    h_line, c_line, m_line = fig.change_lines
    assert not h_line.get_visible() and not c_line.get_visible() and m_line.get_visible()
    assert np.allclose(m_line.get_ydata(), run.memory_change)
    labels = [t.get_text() for t in fig.ax_change.get_legend().get_texts()]
    assert len(labels) == 1 and labels[0].startswith("‖ΔM‖")
    assert "no LSTM" in labels[0] or "not recorded" in labels[0]
    assert "memory only" in fig.readout.get_text() and "Δh" not in fig.readout.get_text()


def test_the_hybrid_shows_h_c_and_memory_again_after_an_rmc(reset):
    dash = reset
    dash.controls["model"].value = "rmc"
    dash.controls["model"].value = "hybrid"
    fig = dash.figure
    assert all(line.get_visible() for line in fig.change_lines)
    assert len(fig.ax_change.get_legend().get_texts()) == 3
    assert "‖Δh‖" in fig.readout.get_text()


def test_the_model_line_says_untrained_or_what_a_trained_model_names_after_the_step(reset):
    dash = reset
    fig = dash.figure
    text = fig.model_text.get_text()
    assert text.startswith(seed_models.MODELS["hybrid"]) and "random weights" in text
    with dash.hold():
        dash.controls["model"].value = "trained-rmc"
        dash.controls["pattern"].value = "motif"
    run = dash.result.run
    for step in (1, 6, 9, 10):
        dash.controls["step"].value = step
        belief = run.probabilities[step - 1]
        text = fig.model_text.get_text()
        answer = tasks.PATTERN_NAMES[int(belief.argmax())]
        assert f"(p = {belief.max():.2f})" in text
        if step < 10:            # trained to answer after 10-25 steps: before step 10 it is not a belief
            assert text.startswith("the paper's RMC (trained)")
            assert f"after step {step} it outputs '{answer}'" in text and "never trained to answer before step 10" in text
            assert "input 'motif'" in text
        else:
            assert text.startswith(seed_models.MODELS["trained-rmc"])
            assert f"after step {step} it names '{answer}'" in text and "the input is 'motif'" in text
    assert dash.result.run is run                                  # the step only redraws


def test_moving_the_step_of_a_trained_rmc_blits_and_matches_a_full_redraw(reset):
    dash = reset
    dash.controls["model"].value = "trained-rmc"
    fig = dash.figure
    dash.controls["step"].value = 2                                # a full draw saves the background
    full, blits = fig.full_draws, fig.blits
    for step in (3, 4, 5):
        dash.controls["step"].value = step
        assert np.allclose(fig.attn.get_array(), dash.result.run.attention[step - 1].mean(axis=0))
    assert fig.full_draws == full and fig.blits == blits + 3
    blitted = np.asarray(fig.fig.canvas.buffer_rgba()).copy()
    fig.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(fig.fig.canvas.buffer_rgba()))


def test_a_new_legend_forces_a_full_redraw():
    run = studies.step_by_step(seq_len=6)
    fig = StepperFigure(mode="static").update(StepView(run, 2)).update(StepView(run, 3))
    full, blits = fig.full_draws, fig.blits
    fig.update(StepView(run, 4))
    assert (fig.full_draws, fig.blits) == (full, blits + 1)            # the step alone: blitted
    limits = fig.ax_change.get_ylim()
    no_lstm = run._replace(h_change=None, c_change=None, model="rmc")    # only the legend's entries differ
    fig.update(StepView(no_lstm, 4))
    assert fig.ax_change.get_ylim() == limits and (fig.full_draws, fig.blits) == (full + 1, blits + 1)
    fig.update(StepView(no_lstm, 5))
    assert fig.blits == blits + 2


def test_trained_maps_keep_the_course_encoding(reset):
    dash = reset
    dash.controls["model"].value = "trained-rmc"
    fig = dash.figure
    assert style.uses_attention_style(fig.attn) and fig.attn.get_array().shape == (5, 5)
    assert [t.get_text() for t in fig.ax_attn.get_yticklabels()] == style.row_labels(4)
    assert fig.dropped.get_xy()[1] == pytest.approx(3.5) and fig.dropped.get_width() == 5


def test_the_trained_rmc_moves_the_seeds_three_slots_to_four_and_back(reset):
    dash = reset
    c = dash.controls
    assert c["num_slots"].value == 3
    updates = dash.updates
    c["model"].value = "trained-rmc"
    assert (c["num_slots"].value, c["slot_size"].value, c["num_heads"].value) == (4, 64, 2)
    assert c["slot_size"].disabled and c["num_heads"].disabled and dash.error is None
    assert dash.updates == updates + 1                             # one recomputation, with the final sizes
    c["model"].value = "trained-hybrid"
    assert c["num_slots"].value == 4 and c["num_slots"].disabled
    c["model"].value = "rmc"
    assert (c["num_slots"].value, c["slot_size"].value, c["num_heads"].value) == (3, 16, 1)
    assert not c["slot_size"].disabled and not c["num_slots"].disabled


def test_a_slot_count_chosen_for_the_trained_rmc_is_kept_afterwards(reset):
    dash = reset
    c = dash.controls
    c["model"].value = "trained-rmc"
    c["num_slots"].value = 8
    assert dash.error is None and dash.result.run.memory.shape[1] == 8
    c["num_slots"].value = 3                                       # no trained RMC has 3 slots: said, not raised
    assert dash.error is not None and "num_slots must be one of" in dash.message.text
    c["num_slots"].value = 2
    c["model"].value = "hybrid"
    assert c["num_slots"].value == 2 and dash.error is None
    c["num_slots"].value = 3


def test_the_stepper_can_start_on_a_trained_model():
    dash = stepper_dashboard(model="trained-rmc", pattern="motif", mode="static")
    assert dash.error is None and dash.controls["num_slots"].value == 4
    assert dash.result.run.probabilities.shape == (10, 9)


def test_plot_step_attention_draws_the_stepper_map():
    run = studies.step_by_step(model="rmc", seq_len=4)
    ax = plot_step_attention(run, 3)
    image = ax.images[0]
    assert style.uses_attention_style(image)
    assert np.allclose(image.get_array(), run.attention[2].mean(axis=0))
    assert [t.get_text() for t in ax.get_yticklabels()] == style.row_labels(3)
    assert ax.get_ylabel() == "row that reads (query)" and len(ax.texts) == 16
    assert any(getattr(p, "get_hatch", lambda: None)() == style.DROPPED_HATCH for p in ax.patches)
    with pytest.raises(ValueError, match="step must be between 1 and 4"):
        plot_step_attention(run, 5)


def test_a_static_stepper_figure_draws_an_rmc_run():
    run = studies.step_by_step(model="rmc", seq_len=5)
    fig = StepperFigure(mode="static").update(StepView(run, step=3))
    assert fig.image().data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "random weights" in fig.model_text.get_text()


# --- notebook 06's exercises ------------------------------------------------------------------------
def test_notebook_06_has_the_new_checks_in_order():
    assert EXERCISES["06_step_by_step"] == [check_decay_prediction, check_input_share_over_sequence,
                                            check_retention_prediction]


def measured_decay():
    run = studies.step_by_step(num_slots=8)
    return float(np.linalg.norm((run.forget_gate[0] - 1) * run.memory[0]))


@pytest.mark.parametrize("prediction", [(1 - SIGMOID_1) * np.sqrt(8), 0.27 * np.sqrt(8), np.float32(0.76), 2.0])
def test_decay_check_tests_the_measurement_and_reports_the_prediction(prediction):
    measured = measured_decay()
    result = check_decay_prediction(prediction, measured)
    assert isinstance(result, Check) and result.passed is True, result
    assert "measured 0.72" in result.message and "sqrt(8)" in result.message
    assert f"your prediction {float(prediction):.2f} was {abs(float(prediction) - measured):.2f}" in result.message
    assert check_decay_prediction(prediction, np.float32(measured)).passed
    assert check_decay_prediction(prediction).passed is None                    # not measured yet
    assert check_decay_prediction(None, measured).passed is None                # no prediction: nothing told


@pytest.mark.parametrize("measurement, hint", [
    (SIGMOID_1 * np.sqrt(8), "what step 1 keeps"),
    ((1 - SIGMOID_1) * np.sqrt(8), "estimate from the bias alone"),
    (np.sqrt(8), "the norm of M_0 itself"),
    (0.435, "the seed demo's 3 slots"),
    (0, "identity start"),
    (-0.72, "a norm is never negative"),
    (3.56, "that is the write"),
    (1.5, "forget_gate[0] and memory[0]"),
])
def test_decay_check_names_the_slip_in_the_measurement_never_the_value(measurement, hint):
    result = check_decay_prediction(0.7, measurement)
    assert result.passed is False and hint in result.message, result
    assert "0.72" not in result.message


def measured_retention():
    return float(np.prod(studies.step_by_step(seq_len=10).forget_gate, axis=0).mean())


@pytest.mark.parametrize("prediction", [SIGMOID_1 ** 10, 0.73 ** 10, 0.5])
def test_retention_check_tests_the_measurement_and_reports_the_prediction(prediction):
    measured = measured_retention()
    result = check_retention_prediction(prediction, measured)
    assert result.passed is True, result
    assert f"measured {measured:.3f}" in result.message
    assert f"your prediction {prediction:.3f} was {abs(prediction - measured):.3f}" in result.message
    assert check_retention_prediction(prediction).passed is None
    assert check_retention_prediction(1.5, measured).passed is False           # a share is between 0 and 1


@pytest.mark.parametrize("measurement, hint", [
    ("mean gate", "mean gate of one step"),
    ("product of means", "multiplies the mean gates"),
    (SIGMOID_1 ** 10, "estimate from the bias alone"),
    ("gone", "the share that is gone"),
    (0, "not quite nothing"),
    (1.5, "between 0 and 1"),
    (0.2, "product of"),
])
def test_retention_check_names_the_slip_in_the_measurement_never_the_value(measurement, hint):
    gates = studies.step_by_step(seq_len=10).forget_gate
    value = {"mean gate": gates.mean(), "product of means": np.prod(gates.mean(axis=(1, 2))),
             "gone": 1 - measured_retention()}.get(measurement, measurement)
    result = check_retention_prediction(0.05, value)
    assert result.passed is False and hint in result.message, result
    assert f"{measured_retention():.3f}" not in result.message
