"""The small per-notebook figures of rrnn.dash.lesson_figures draw what they are given."""
import numpy as np
import pytest

from rrnn.dash import static_figure
from rrnn.dash.lesson_figures import (NETWORK_COLOURS, forget_bias_traces, pattern_accuracy_bars, readout_by_step,
                                      shared_units_bars)
from rrnn.lessons import lstm_gates


def test_shared_units_bars_draws_three_bars_per_unit_with_the_given_heights():
    a, b, a_with_b = np.array([0.5, -0.2, 0.1]), np.array([0.0, 0.3, -0.4]), np.array([0.4, -0.1, 0.2])
    ax = shared_units_bars(a, b, a_with_b)
    heights = [[bar.get_height() for bar in container] for container in ax.containers]
    assert np.allclose(heights, [a, a_with_b, b])
    assert len(ax.get_legend().get_texts()) == 3


def test_pattern_accuracy_bars_label_every_network_with_its_parameter_count():
    accuracy = {"LSTM": 0.9, "RMC": 0.95}
    ax = pattern_accuracy_bars(accuracy, {"LSTM": 50_825, "RMC": 90_761})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["LSTM\n50,825 parameters", "RMC\n90,761 parameters"]
    assert [bar.get_width() for bar in ax.containers[0]] == [0.9, 0.95]
    assert ax.containers[0][0].get_facecolor()[:3] == pytest.approx((0.5, 0.5, 0.5))   # NETWORK_COLOURS["LSTM"]


def test_readout_by_step_shades_the_steps_training_never_asked_about():
    fig = static_figure()
    ax = fig.subplots()
    p = {"LSTM": np.linspace(0, 1, 15), "RMC": np.linspace(1, 0, 15)}
    readout_by_step(p, first_trained_step=10, label="P(motif)", title="t", ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["LSTM", "RMC"]
    assert np.allclose(ax.get_lines()[1].get_ydata(), p["RMC"])
    shade = ax.patches[0]
    corners = shade.get_patch_transform().transform(shade.get_path().vertices)     # data x, axes y
    assert np.isclose(corners[:, 0].min(), 0.5) and np.isclose(corners[:, 0].max(), 9.5)
    assert any("never trained" in t.get_text() for t in ax.texts)
    assert set(NETWORK_COLOURS) >= {"LSTM", "RMC"}


def test_forget_bias_traces_draw_the_cell_size_from_the_pulse_on():
    runs = {b: lstm_gates("pulse", seq_len=12, amplitude=1.5, hidden_size=4, seed=0, forget_bias=b) for b in (0.0, 2.0)}
    ax = forget_bias_traces(runs)
    solid = ax.get_lines()[0]
    start = runs[0.0].start
    assert solid.get_xdata()[0] == start
    assert np.allclose(solid.get_ydata(), np.linalg.norm(runs[0.0].c, axis=1)[start - 1:])
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 4


def test_largest_weight_by_key_size_draws_one_line_per_logit_and_the_flat_row():
    from rrnn.dash.lesson_figures import largest_weight_by_key_size
    largest = {"q·k": [0.4, 0.6, 0.8, 0.9], "q·k / √K": [0.4, 0.4, 0.41, 0.4]}
    ax = largest_weight_by_key_size([4, 16, 64, 256], largest, num_items=8)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["q·k", "q·k / √K", "flat row, 1/8"]
    assert np.allclose(lines[0].get_xdata(), [4, 16, 64, 256]) and np.allclose(lines[1].get_ydata(), largest["q·k / √K"])
    assert np.allclose(lines[2].get_ydata(), 1 / 8) and ax.get_xscale() == "log"
