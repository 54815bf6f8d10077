"""Dashboards of notebooks 01-03, driven without a browser, and their exercise checks.

Each test sets ``control.value`` as a learner would and asserts on what the figure now draws
(the artists' data), on the message area, and on the pure computation behind it.
"""
import io
import json
import os
import subprocess
import sys

import ipywidgets as widgets
import numpy as np
import pytest

from rrnn import RelationalMemory, scaled_dot_product_attention
from rrnn.dash import DASHBOARDS, discover
from rrnn.dash.dashboard import Dashboard
from rrnn.dash.figure import InPlaceFigure
from rrnn.dash.attention_maps import AttentionMapsFigure, attention_dashboard, attention_maps
from rrnn.dash.figure import grid_positions
from rrnn.dash.lstm_gates import LSTMGatesFigure, carried_fraction, lstm_dashboard, lstm_gates, make_input
from rrnn.dash.rmc_step import RMCStepFigure, rmc_step, rmc_step_dashboard
from rrnn.exercises import foundations
from rrnn.exercises.foundations import EXERCISES


# --- notebook 01: attention maps --------------------------------------------------------------------
def test_attention_maps_rows_sum_to_one_and_copies_share_columns():
    result = attention_maps(num_items=7, num_heads=4, width=16, seed=3, duplicate_last=True)
    assert result.weights.shape == (4, 7, 7)
    assert np.allclose(result.weights.sum(axis=-1), 1.0)
    assert np.allclose(result.weights[:, :, 0], result.weights[:, :, -1])   # a copy gets the same key
    assert np.allclose(result.weights[:, 0], result.weights[:, -1])         # ... and the same query


def test_attention_maps_sharpness_multiplies_the_logits():
    flat = attention_maps(sharpness=0.25, seed=1).weights
    sharp = attention_maps(sharpness=8.0, seed=1).weights
    assert sharp.max(axis=-1).mean() > flat.max(axis=-1).mean()
    assert abs(flat - 1 / flat.shape[-1]).max() < abs(sharp - 1 / sharp.shape[-1]).max()


@pytest.mark.parametrize("width, heads", [(16, 3), (12, 5)])
def test_attention_maps_reject_heads_that_do_not_divide_the_width(width, heads):
    with pytest.raises(ValueError, match="do not divide"):
        attention_maps(width=width, num_heads=heads)


def test_attention_dashboard_redraws_one_map_per_head():
    dash = attention_dashboard(mode="static")
    assert dash.figure.visible_heads == 2 and dash.message.text == ""
    assert [ax.get_visible() for ax in dash.figure.axes].count(True) == 2
    dash.controls["num_heads"].value = 8
    assert dash.figure.visible_heads == 8
    assert [ax.get_visible() for ax in dash.figure.axes].count(True) == 8
    for a in range(8):
        assert np.allclose(dash.figure.images[a].get_array(), dash.result.weights[a])
    dash.controls["num_heads"].value = 2
    assert [image.get_visible() for image in dash.figure.images] == [True] * 2 + [False] * 6


@pytest.mark.parametrize("factory, control, value", [
    (attention_dashboard, "seed", 7), (lstm_dashboard, "seed", 7), (rmc_step_dashboard, "step", 4)])
def test_a_data_only_change_is_drawn_in_place(factory, control, value):
    dash = factory(mode="static")
    dash.controls[control].value = value
    dash.controls["seed"].value = 11                  # colour scales may widen once ...
    full, blits = dash.figure.full_draws, dash.figure.blits
    dash.controls["seed"].value = 12                  # ... after that, new data is blitted into place
    dash.controls["seed"].value = 11
    assert dash.figure.blits >= blits + 1 and dash.figure.full_draws <= full + 1


@pytest.mark.parametrize("name", sorted(discover()))
def test_every_move_shows_a_full_draws_pixels_and_going_back_blits(name):
    """What every registered dashboard gets: after each control moved away and back, the frame
    shown (blitted or drawn) is what a full redraw draws, nothing raised, and moving back to a
    layout shown before blits from its kept background."""
    dash = discover()[name](mode="static")
    moved = revisits = new_layouts = 0

    def check(control):
        assert dash.error is None or isinstance(dash.error, (ValueError, TypeError)), (name, dash.message.text)
        for fig in dash.figures:
            shown = np.asarray(fig.fig.canvas.buffer_rgba()).copy()
            fig.refresh()
            assert np.array_equal(shown, np.asarray(fig.fig.canvas.buffer_rgba())), f"{name}: {control}"

    for control, values in dash.benchmark_values().items():
        widget, start = dash.controls[control], dash.controls[control].value
        away = [v for v in values if v != start]
        if widget.disabled or not away:
            continue
        layouts = [fig.layout for fig in dash.figures]
        widget.value = away[0]
        check(control)
        changed = [fig.layout != layout for fig, layout in zip(dash.figures, layouts)]
        draws = [fig.full_draws for fig in dash.figures]
        widget.value = start                        # back
        moved, new_layouts = moved + 1, new_layouts + sum(changed)
        for fig, layout, full_draws, new_layout in zip(dash.figures, layouts, draws, changed):
            if fig.layout == layout:                # the layout it had (limits may stay widened)
                assert fig.full_draws == full_draws, f"{name}: moving {control} back drew the whole figure"
                revisits += new_layout
        check(control)
    assert moved >= 2 and (revisits or not new_layouts)    # (trained_rmc's controls never change its layout)


def test_a_cold_start_keeps_only_the_background_of_the_layout_shown_now():
    dash = rmc_step_dashboard(mode="static")
    fig = dash.figure
    dash.controls["num_slots"].value = 5
    dash.controls["num_slots"].value = 4            # back: blitted from the kept background
    full_draws, blits = fig.full_draws, fig.blits
    dash.clear_caches()                             # what the benchmark does before each change
    dash.controls["seed"].value = 3                 # the same layout: still a blit
    assert (fig.full_draws, fig.blits) == (full_draws, blits + 1)
    dash.controls["num_slots"].value = 5            # shown before, forgotten: drawn in full
    assert fig.full_draws == full_draws + 1


def test_attention_dashboard_items_change_the_map_size():
    dash = attention_dashboard(mode="static")
    dash.controls["num_items"].value = 11
    assert dash.figure.images[0].get_array().shape == (11, 11)
    assert [t.get_text() for t in dash.figure.axes[0].get_xticklabels()][-1] == "0'"
    dash.controls["duplicate_last"].value = False
    assert [t.get_text() for t in dash.figure.axes[0].get_xticklabels()][-1] == "10"
    assert not np.allclose(dash.figure.images[0].get_array()[:, 0], dash.figure.images[0].get_array()[:, -1])


def test_attention_dashboard_sharpness_and_seed_change_the_plot():
    dash = attention_dashboard(mode="static")
    before = dash.figure.images[0].get_array().copy()
    dash.controls["sharpness"].value = 8.0
    assert dash.figure.images[0].get_array().max() > before.max()
    sharp = dash.figure.images[0].get_array().copy()
    dash.controls["seed"].value = 5
    assert not np.allclose(dash.figure.images[0].get_array(), sharp)


def test_attention_dashboard_heads_follow_the_width():
    dash = attention_dashboard(num_heads=8, mode="static")
    dash.controls["width"].value = 12
    assert tuple(dash.controls["num_heads"].options) == (1, 2, 3, 4, 6)
    assert dash.controls["num_heads"].value == 6
    assert dash.figure.visible_heads == 6 and dash.message.text == ""
    assert dash.result.items.shape[1] == 12


def test_grid_positions_fill_rows_from_the_top():
    boxes = grid_positions(6, 4)
    assert len(boxes) == 6
    assert boxes[0][1] > boxes[4][1]                     # the second row is lower
    assert boxes[0][0] < boxes[1][0] < boxes[2][0]


# --- notebook 02: LSTM gates ---------------------------------------------------------------------------
def test_lstm_gates_rest_at_their_biases_without_input():
    result = lstm_gates("pulse", seq_len=12, amplitude=0.0, hidden_size=5)
    assert np.allclose(result.i, 0.5) and np.allclose(result.o, 0.5)
    assert np.allclose(result.f, 1 / (1 + np.exp(-1.0)))
    assert np.allclose(result.g, 0.0) and np.allclose(result.c, 0.0)


def test_lstm_gates_match_a_step_by_step_run():
    result = lstm_gates("sine", seq_len=6, hidden_size=3, seed=2)
    assert result.i.shape == result.c.shape == (6, 3)
    assert np.all((result.f > 0) & (result.f < 1)) and np.all(np.abs(result.g) < 1)
    assert np.allclose(result.h, result.o * np.tanh(result.c))


def test_pulse_sits_at_step_three():
    x = make_input("pulse", seq_len=8, amplitude=2.0, rng=0)
    assert x.shape == (1, 8, 4)
    assert np.flatnonzero(np.abs(x[0]).sum(axis=1)).tolist() == [2]       # row 2 is step 3


def test_carried_fraction_is_the_product_of_forget_gates():
    f = np.full((6, 2), 0.5)
    carry = carried_fraction(f, start=2)
    assert np.isnan(carry[0])
    assert np.allclose(carry[1:], [1.0, 0.5, 0.25, 0.125, 0.0625])


def test_lstm_dashboard_draws_every_gate_and_follows_the_controls():
    dash = lstm_dashboard(mode="static")
    assert dash.message.text == ""
    for name in "ifog":
        assert np.allclose(dash.figure.images[name].get_array(), getattr(dash.result, name).T)
    c = dash.result.c.T
    assert np.allclose(dash.figure.images["c"].get_array(), c / np.abs(c).max())   # c is drawn scaled to [-1, 1]
    assert dash.figure.images["c"].get_clim() == (-1.0, 1.0)
    dash.controls["hidden_size"].value = 12
    dash.controls["seq_len"].value = 25
    assert dash.figure.images["f"].get_array().shape == (12, 25)
    kept = dash.figure.carry_line.get_ydata()[-1]
    dash.controls["forget_bias"].value = 4.0
    assert dash.figure.carry_line.get_ydata()[-1] > kept
    dash.controls["pattern"].value = "constant"
    assert dash.result.pattern == "constant"
    assert not np.allclose(dash.figure.images["g"].get_array()[:, 0], 0.0)   # input from step 1 on


def test_lstm_dashboard_amplitude_zero_flattens_the_gates():
    dash = lstm_dashboard(mode="static")
    dash.controls["amplitude"].value = 0.0
    assert np.allclose(dash.figure.images["i"].get_array(), 0.5)
    assert np.allclose(dash.figure.images["c"].get_array(), 0.0)
    assert dash.message.text == ""


def test_lstm_dashboard_preview_shows_the_input():
    dash = lstm_dashboard(mode="static")
    preview = dash.figures[1]
    rms = preview.rms.get_ydata()
    assert np.flatnonzero(rms > 0).tolist() == [2]                          # the pulse, at step 3


# --- notebook 03: RMC step ------------------------------------------------------------------------------
def test_rmc_step_pieces_fit_together():
    result = rmc_step(num_slots=3, slot_size=12, num_heads=3, step=4, seq_len=6)
    assert result.attention.shape == (3, 4, 4)
    assert np.allclose(result.attention.sum(axis=-1), 1.0)
    assert result.concatenated.shape == (4, 12)
    assert np.allclose(result.concatenated[-1], result.x_proj)
    rebuilt = result.input_gate * np.tanh(result.memory_attended) + result.forget_gate * result.memory_before
    assert np.allclose(rebuilt, result.memory_after)


def test_rmc_step_memory_carries_from_step_to_step():
    first = rmc_step(step=1)
    second = rmc_step(step=2)
    assert np.allclose(second.memory_before, first.memory_after)
    assert np.allclose(first.memory_before, np.eye(4, 16))                  # the identity start


@pytest.mark.parametrize("kwargs, match", [
    (dict(slot_size=12, num_heads=5), "do not divide"),
    (dict(step=0), "step must be in 1 .. 10"),
    (dict(step=11, seq_len=10), "step must be in 1 .. 10"),
    (dict(pattern="zigzag"), "pattern must be one of"),
])
def test_rmc_step_explains_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rmc_step(**kwargs)


def test_rmc_dashboard_steps_and_slots():
    dash = rmc_step_dashboard(mode="static")
    assert dash.controls["step"].value == 1 and dash.message.text == ""
    before = dash.figure.att_images[0].get_array().copy()
    dash.stepper.go(+1)
    assert dash.controls["step"].value == 2 and dash.result.step == 2
    assert not np.allclose(before, dash.figure.att_images[0].get_array())
    dash.controls["num_slots"].value = 7
    assert dash.figure.att_images[0].get_array().shape == (8, 8)
    assert dash.figure.images["input_gate"].get_array().shape == (7, 16)
    x, y = dash.figure.dropped[0].get_xy()
    assert y == pytest.approx(6.5)                                          # hatched: the input row's query


def test_rmc_dashboard_heads_are_divisors_of_the_slot_size():
    dash = rmc_step_dashboard(mode="static")
    dash.controls["slot_size"].value = 20
    assert tuple(dash.controls["num_heads"].options) == (1, 2, 4, 5)
    dash.controls["num_heads"].value = 5
    assert dash.figure.visible_heads == 5
    assert [ax.get_visible() for ax in dash.figure.att_axes].count(True) == 5
    assert [image.get_visible() for image in dash.figure.att_images] == [True] * 5 + [False] * 3
    assert [patch.get_visible() for patch in dash.figure.dropped] == [True] * 5 + [False] * 3
    assert dash.message.text == ""


def test_rmc_dashboard_shows_a_message_for_an_impossible_split():
    dash = rmc_step_dashboard(mode="static")
    shown = dash.figure.att_images[0].get_array().copy()
    with dash.hold():                                    # force a state the dropdown would not offer
        dash.controls["num_heads"].set_trait("options", (1, 2, 3))
        dash.controls["num_heads"].value = 3
    assert "do not divide" in dash.message.text
    assert np.allclose(dash.figure.att_images[0].get_array(), shown)      # the last valid plot stays


def test_rmc_dashboard_sequence_length_limits_the_step():
    dash = rmc_step_dashboard(seq_len=10, step=9, mode="static")
    dash.controls["seq_len"].value = 5
    assert dash.controls["step"].value == 5 and dash.result.step == 5
    assert dash.message.text == ""


# --- the registry ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["attention_maps", "lstm_gates", "rmc_step"])
def test_dashboards_are_registered_and_build_with_defaults(name):
    registry = discover()
    assert name in registry and name in DASHBOARDS
    dash = registry[name](mode="static")
    assert dash.error is None and dash.updates == 1


@pytest.mark.parametrize("figure_class", [AttentionMapsFigure, LSTMGatesFigure, RMCStepFigure])
def test_static_figures_render_to_png(figure_class):
    compute = {AttentionMapsFigure: attention_maps, LSTMGatesFigure: lstm_gates, RMCStepFigure: rmc_step}[figure_class]
    image = figure_class(mode="static").update(compute()).image()
    assert image.data[:4] == b"\x89PNG"


# --- the exercise checks of notebooks 01-03 --------------------------------------------------------------
def _causal(q, k, v):
    N = q.shape[-2]
    logits = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    logits = np.where(np.tril(np.ones((N, N), dtype=bool)), logits, -np.inf)
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return w @ v, w


def _rmc_count(D, h, A):
    """The default core's parameters, written out: in (D, P) + (P,); q/k/v (P, 3P) + (3P,) and its norm 2 (3P,);
    two norms 4 (P,); the MLP 2 ((P, P) + (P,)); the gates 2 ((P, 2P) + (2P,))."""
    P = h * A
    return D * P + P + 3 * P * P + 3 * P + 6 * P + 4 * P + 2 * (P * P + P) + 2 * (2 * P * P + 2 * P)


def _builds_an_lstm(D, H):
    import rrnn
    return sum(p.size for p in rrnn.LSTM(D, H).params.values())


def _builds_a_core(D, h, A):
    import rrnn
    return sum(p.size for p in rrnn.RelationalMemory(D, 2, h, A).params.values())


def _layer_norm_backward(dy, x, gamma, eps=1e-5, *, mean_term=True, variance_term=True):
    """The backward pass of layer norm written out, with switches for the two usual slips."""
    x_hat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
    inv_std = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
    dx_hat = dy * gamma
    dx = dx_hat - (dx_hat.mean(-1, keepdims=True) if mean_term else 0)
    dx = inv_std * (dx - (x_hat * (dx_hat * x_hat).mean(-1, keepdims=True) if variance_term else 0))
    rows = tuple(range(x.ndim - 1))
    return dx, (dy * x_hat).sum(axis=rows), dy.sum(axis=rows)


def _layer_norm_backward_from_rrnn(dy, x, gamma):
    from rrnn.layers import layer_norm_backward, layer_norm_forward
    return layer_norm_backward(dy, layer_norm_forward(x, gamma, np.zeros_like(gamma))[1])


RIGHT = {
    "check_causal_attention": [_causal],
    "check_scaled_logit_std": [4, 4.0, np.sqrt(16)],
    "check_multihead_shapes": [((2, 5, 32), (2, 4, 5, 5)), [[2, 5, 32], np.array([2, 4, 5, 5])]],
    "check_equivariance_gap": [lambda f, x, order: np.abs(f(x[:, order]) - f(x)[:, order]).max(),
                               lambda f, x, order: np.linalg.norm(f(x[:, order])[:, np.argsort(order)] - f(x)),
                               lambda f, x, order: np.float32(np.abs(f(x[:, order]) - f(x)[:, order]).mean())],
    "check_steps_to_one_percent": [15, 15.0, np.int64(15)],
    "check_forget_bias": [np.log(0.9 ** 0.1 / (1 - 0.9 ** 0.1)), 4.55],
    "check_lstm_param_count": [lambda D, H: 4 * H * (D + H + 1)],
    "check_attention_growth": [3.24, 81 / 25, np.float64(3.24), "3.24"],
    "check_gate_style_saving": [1020, 1020.0, -1020, np.int64(1020)],
    "check_rmc_param_count": [_rmc_count],
    "check_weights_that_matter": [45, 45.0],
    "check_layer_norm_backward": [_layer_norm_backward, _layer_norm_backward_from_rrnn,
                                  lambda dy, x, gamma: [g.tolist() for g in _layer_norm_backward(dy, x, gamma)]],
}
WRONG = {
    "check_causal_attention": [lambda q, k, v: scaled_dot_product_attention(q, k, v),   # no mask
                               lambda q, k, v: _causal(q, k, v)[0],                      # one result only
                               lambda q, k, v: 1 / 0,                                    # raises
                               lambda q, k, v: (_causal(q, k, v)[0], np.tril(np.ones(q.shape[:-1] + (q.shape[-2],)))),
                               "not a function"],
    "check_scaled_logit_std": [16, 1, 2, 8, "four", float("nan"), True],
    "check_multihead_shapes": [((2, 5, 8), (2, 4, 5, 5)), ((2, 5, 32), (2, 5, 5)), (2, 5, 32), "shape"],
    "check_equivariance_gap": [lambda f, x, order: np.abs(f(x[:, order]) - f(x)).max(),            # not unshuffled
                               lambda f, x, order: np.abs(f(x[:, order])[:, order] - f(x)).max(),  # the wrong way
                               lambda f, x, order: 0.0, lambda f, x, order: np.allclose(f(x[:, order]), f(x)[:, order]),
                               lambda f, x, order: f(x[:, order]) - f(x)[:, order],               # an array
                               lambda f, x, order: (f(x[:, order]) - f(x)[:, order]).sum() - 1,   # negative
                               lambda f, x, order: np.abs(f(x[order]) - f(x)[order]).max(),       # the batch axis
                               "b"],
    "check_steps_to_one_percent": [14, 16, 0.0436, 1e9, [15]],
    "check_forget_bias": [1.0, 3.0, 0.9, "big"],
    "check_lstm_param_count": [lambda D, H: 4 * H * (D + H), lambda D, H: None, lambda D: 1, 42,
                               _builds_an_lstm,                                          # a count, not a formula
                               lambda D, H: __import__("rrnn").lstm.lstm_parameter_count(D, H),
                               lambda D, H: H * (D + H + 1), lambda D, H: 4 * H * (D + H + 1) + 0.5],
    "check_attention_growth": [4, 2, 1.8, 25 / 81, 3, (2, 2, 9, 9), "x"],
    "check_gate_style_saving": [0, 4 * 1020, 510, 960, 1054, 1088, 4, -1, "none"],
    "check_rmc_param_count": [lambda D, h, A: _rmc_count(D, h, A) + 1, lambda D, h, A: "many", None.__class__,
                              _builds_a_core,                                            # a count, not a formula
                              lambda D, h, A: __import__("rrnn").RMCConfig(D, 2, h, A).parameter_count,
                              lambda D, h, A: _rmc_count(D, h, A) - 6 * h * A,           # no q/k/v layer norm
                              lambda D, h, A: _rmc_count(D, h, 1)],                      # head size for P
    "check_weights_that_matter": [40, 50, 20, 25, 90, 16, "forty-five"],
    "check_layer_norm_backward": [lambda dy, x, gamma: _layer_norm_backward(dy, x, gamma, mean_term=False),
                                  lambda dy, x, gamma: _layer_norm_backward(dy, x, gamma, variance_term=False),
                                  lambda dy, x, gamma: (None, None, None),                   # the stub, untouched
                                  lambda dy, x, gamma: _layer_norm_backward(dy, x, gamma)[:2],
                                  lambda dy, x, gamma: 1 / 0, "layer norm"],
}


def test_every_exercise_has_right_and_wrong_cases():
    names = {check.__name__ for checks in EXERCISES.values() for check in checks}
    assert names == set(RIGHT) == set(WRONG)
    assert list(EXERCISES) == ["01_attention_from_scratch", "02_lstm_baseline", "03_rmc_step_by_step"]
    assert all(2 <= len(checks) <= 5 for checks in EXERCISES.values())


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_checks_accept_right_answers(name):
    check = getattr(foundations, name)
    for answer in RIGHT[name]:
        result = check(answer)
        assert result.passed is True, (answer, result)
        assert repr(result).startswith("\u2714 Correct")


@pytest.mark.parametrize("name", sorted(WRONG))
def test_checks_reject_wrong_answers_without_raising(name):
    check = getattr(foundations, name)
    for answer in WRONG[name]:
        result = check(answer)
        assert result.passed is False, (answer, result)
        assert repr(result).startswith("\u2718 Not yet") and len(result.message) > 10


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_checks_say_not_answered_for_none(name):
    result = getattr(foundations, name)(None)
    assert result.passed is None and not result
    assert "replace the None" in result.message


def test_layer_norm_backward_check_names_the_wrong_gradient_and_the_missing_term():
    check = foundations.check_layer_norm_backward
    right = check(_layer_norm_backward)
    assert right.passed is True and "rrnn.gradcheck" in right.message
    no_mean = check(lambda dy, x, gamma: _layer_norm_backward(dy, x, gamma, mean_term=False))
    assert no_mean.passed is False and "misses the path through the mean" in no_mean.message
    no_variance = check(lambda dy, x, gamma: _layer_norm_backward(dy, x, gamma, variance_term=False))
    assert "misses the path through the variance" in no_variance.message
    constants = check(lambda dy, x, gamma: _layer_norm_backward(dy, x, gamma, mean_term=False, variance_term=False))
    assert "as constants" in constants.message
    no_gamma = check(lambda dy, x, gamma: _layer_norm_backward(dy, x, np.ones_like(gamma))[:1]
                     + _layer_norm_backward(dy, x, gamma)[1:])
    assert "forgets gamma" in no_gamma.message
    dbeta_scaled = check(lambda dy, x, gamma: (*_layer_norm_backward(dy, x, gamma)[:2],
                                               2 * dy.reshape(-1, dy.shape[-1]).sum(axis=0)))
    assert dbeta_scaled.passed is False and "dbeta is off" in dbeta_scaled.message
    assert "too" not in dbeta_scaled.message                                 # dx and dgamma are right
    dgamma_of_x = check(lambda dy, x, gamma: (_layer_norm_backward(dy, x, gamma)[0],
                                              (dy * x).reshape(-1, x.shape[-1]).sum(axis=0),
                                              _layer_norm_backward(dy, x, gamma)[2]))
    assert "dgamma is off" in dgamma_of_x.message
    kept_dims = check(lambda dy, x, gamma: (lambda dx, dg, db: (dx, dg[None], db))(
        *_layer_norm_backward(dy, x, gamma)))                               # dgamma (1, F): keepdims=True
    assert "dgamma must have the shape of gamma" in kept_dims.message
    first_axis_only = check(lambda dy, x, gamma: (_layer_norm_backward(dy, x, gamma)[0],
                                                  (dy * (x - x.mean(-1, keepdims=True))
                                                   / np.sqrt(x.var(-1, keepdims=True) + 1e-5)).sum(axis=0),
                                                  _layer_norm_backward(dy, x, gamma)[2]))
    assert "(2, 3, 5)" in first_axis_only.message and "sum over every axis but the last" in first_axis_only.message
    assert "dx is still None" in check(lambda dy, x, gamma: (None, None, None)).message
    assert "raised ZeroDivisionError" in check(lambda dy, x, gamma: 1 / 0).message


def test_a_function_that_raises_is_told_so():
    assert "raised ZeroDivisionError" in foundations.check_causal_attention(lambda q, k, v: 1 / 0).message
    assert "raised ZeroDivisionError" in foundations.check_lstm_param_count(lambda D, H: 1 / 0).message


def test_rmc_param_count_reference_matches_the_core():
    for D, S, h, A in [(4, 4, 8, 2), (1, 1, 1, 1), (40, 8, 32, 8)]:
        core = RelationalMemory(D, S, h, A)
        assert foundations.rmc_param_count_reference(D, h, A) == sum(p.size for p in core.params.values())


def test_lstm_param_count_reference_matches_the_lstm():
    from rrnn import LSTM
    for D, H in foundations.LSTM_COUNT_CASES[:-1]:
        assert foundations.lstm_param_count_reference(D, H) == sum(p.size for p in LSTM(D, H).params.values())


def test_param_count_checks_include_sizes_rrnn_refuses_to_build():
    from rrnn import LSTM
    from rrnn._checks import MAX_PARAMETERS
    assert foundations.lstm_param_count_reference(*foundations.LSTM_COUNT_CASES[-1]) > MAX_PARAMETERS
    assert foundations.rmc_param_count_reference(*foundations.RMC_COUNT_CASES[-1]) > MAX_PARAMETERS
    with pytest.raises(ValueError, match="more than rrnn builds"):
        LSTM(*foundations.LSTM_COUNT_CASES[-1])


@pytest.mark.parametrize("check, builder", [("check_lstm_param_count", _builds_an_lstm),
                                            ("check_rmc_param_count", _builds_a_core)])
def test_param_count_checks_reject_a_function_that_builds_a_model_and_restore_rrnn(check, builder):
    import rrnn
    result = getattr(foundations, check)(builder)
    assert result.passed is False and "formula" in result.message and "builds a model" in result.message
    assert sum(p.size for p in rrnn.LSTM(3, 5).params.values()) == 180          # counting works again afterwards
    assert rrnn.RMCConfig(4, 4, 8, 2).parameter_count == _rmc_count(4, 8, 2)


def test_param_count_hints_name_the_missing_term_not_the_value():
    lstm = foundations.check_lstm_param_count
    assert "4H short" in lstm(lambda D, H: 4 * H * (D + H)).message              # no bias
    assert "4H² short" in lstm(lambda D, H: 4 * H * (D + 1)).message             # no recurrent weights
    assert "one gate" in lstm(lambda D, H: H * (D + H + 1)).message
    rmc = foundations.check_rmc_param_count
    assert "6P short" in rmc(lambda D, h, A: _rmc_count(D, h, A) - 6 * h * A).message
    assert "split into other heads" in rmc(lambda D, h, A: _rmc_count(D, h, 1)).message
    for answer in WRONG["check_lstm_param_count"] + WRONG["check_rmc_param_count"]:
        for check, cases, reference in ((lstm, foundations.LSTM_COUNT_CASES, foundations.lstm_param_count_reference),
                                        (rmc, foundations.RMC_COUNT_CASES, foundations.rmc_param_count_reference)):
            message = check(answer).message
            assert "expected" not in message.replace("expected a function", ""), (answer, message)
            assert not any(str(reference(*case)) in message for case in cases), (answer, message)
    assert "9P" not in rmc(lambda D, h, A: 0).message and "4H(" not in lstm(lambda D, H: 0).message


def test_gate_style_saving_is_what_two_cores_count():
    core = foundations.GATE_STYLE_CORE
    count = lambda **kw: sum(p.size for p in RelationalMemory(**core, **kw).params.values())
    assert count(gate_style="unit") - count(gate_style="memory") == foundations.gate_style_saving(
        core["input_size"], core["head_size"], core["num_heads"]) == 1020
    wider = dict(core, num_slots=8)                                          # the slots do not enter
    assert (sum(p.size for p in RelationalMemory(**wider).params.values())
            - sum(p.size for p in RelationalMemory(**wider, gate_style="memory").params.values())) == 1020


def test_solutions_files_have_one_section_per_exercise():
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    for notebook, checks in EXERCISES.items():
        text = (root / "solutions" / f"{notebook}.py").read_text(encoding="utf-8")
        sections = re.findall(r"^# %% (exercise-\d+)\s*$", text, flags=re.MULTILINE)
        assert sections == [f"exercise-{n}" for n in range(1, len(checks) + 1)], notebook


# --- drawing machinery: cached text, the layout key, fixed placements, errors ----------------------
def _text_figure(fig):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 3])
    ax.set_title("a title, slot 0 \u2016\u0394M\u2016", fontsize=9)
    ax.set_xticks([0.13, 0.5, 0.77], ["slot 0", "slot 1", "input"], rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_ylabel("row that reads (query)")
    for k in range(5):                                  # the same string at sub-pixel offsets
        ax.text(0.1 + k * 0.0137, 0.2 + k * 0.151, "0.25", transform=ax.transAxes, fontsize=7 + k)
    ax.text(0.5, 0.5, "two\nlines, serif", family="serif", fontsize=13)
    ax.text(0.2, 0.7, "mono 0.25", family="monospace", weight="bold", rotation=30)
    fig.text(0.5, 0.98, "two lines\nof a suptitle", ha="center", va="top", fontsize=10, antialiased=False)


def _pixels(make, cached: bool, dpi: int = 80) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from rrnn.dash.cached_text import CachedTextAgg
    fig = Figure(figsize=(4, 3), dpi=dpi)
    make(fig)
    canvas = CachedTextAgg(fig) if cached else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.fixture
def cached_text():
    """rrnn.dash.cached_text switched on and checked afresh, and switched on again afterwards."""
    from rrnn.dash import cached_text
    if not cached_text.enabled():
        pytest.skip("the cached text is off here (another matplotlib, or RRNN_CACHED_TEXT=0)")
    yield cached_text
    cached_text.set_enabled(True)


@pytest.mark.parametrize("dpi", [72, 100])
def test_cached_text_draws_the_same_pixels_as_matplotlib(cached_text, dpi):
    import matplotlib as mpl
    cached_text.clear()
    plain = _pixels(_text_figure, cached=False, dpi=dpi)
    assert np.array_equal(plain, _pixels(_text_figure, cached=True, dpi=dpi))      # laid out and rendered
    assert np.array_equal(plain, _pixels(_text_figure, cached=True, dpi=dpi))      # from the caches
    with mpl.rc_context({"font.sans-serif": ["DejaVu Serif"]}):                    # what a family name means
        assert np.array_equal(_pixels(_text_figure, cached=False, dpi=dpi),
                              _pixels(_text_figure, cached=True, dpi=dpi))


def test_every_thread_draws_from_caches_of_its_own(cached_text):
    """Matplotlib hands each thread its own font objects and is not thread-safe: what one thread
    cached is never used by another, and each draws matplotlib's pixels."""
    import threading
    plain = _pixels(_text_figure, cached=False)
    assert np.array_equal(_pixels(_text_figure, cached=True), plain)
    main = cached_text._caches()
    seen = {}

    def other():
        seen["pixels"] = _pixels(_text_figure, cached=True)
        seen["caches"] = cached_text._caches()
    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert np.array_equal(seen["pixels"], plain)
    assert seen["caches"] is not main
    main_fonts = {id(entry[1]) for layout in main["layouts"].values() for entry in layout}
    thread_fonts = {id(entry[1]) for layout in seen["caches"]["layouts"].values() for entry in layout}
    assert main_fonts and not main_fonts & thread_fonts


def test_cached_text_whose_probe_differs_switches_itself_off_and_warns_once(cached_text, monkeypatch):
    monkeypatch.setattr(cached_text.CachedTextRenderer, "_draw_cached_text", lambda *args: None)   # draws nothing
    cached_text.set_enabled(True)                            # checked again on next use
    with pytest.warns(cached_text.CachedTextWarning, match="differs"):
        assert not cached_text.enabled()
    assert np.array_equal(_pixels(_text_figure, cached=True), _pixels(_text_figure, cached=False))


def test_a_cached_draw_that_raises_falls_back_to_matplotlib(cached_text, monkeypatch):
    def broken(*args):
        raise TypeError("a private name changed")
    assert cached_text.enabled()                             # the probe passed before the change
    monkeypatch.setattr(cached_text.CachedTextRenderer, "_draw_cached_text", broken)
    with pytest.warns(cached_text.CachedTextWarning, match="a private name changed") as warned:
        assert np.array_equal(_pixels(_text_figure, cached=True), _pixels(_text_figure, cached=False))
    assert len(warned) == 1 and not cached_text.enabled()


def test_cached_text_runs_only_on_tested_matplotlib_versions_and_has_a_switch(cached_text, monkeypatch):
    monkeypatch.setattr(cached_text.mpl, "__version__", "3.12.0")
    cached_text.set_enabled(True)
    assert not cached_text.enabled()
    monkeypatch.undo()
    code = ("from rrnn.dash import cached_text as c; from matplotlib.figure import Figure; "
            "canvas = c.CachedTextAgg(Figure()); canvas.draw(); "
            "print(c.enabled(), type(canvas.get_renderer()).__name__)")
    for setting, expected in (("0", "False RendererAgg"), ("1", "True CachedTextRenderer")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "RRNN_CACHED_TEXT": setting}).stdout
        assert out.split() == expected.split(), (setting, out)


def test_a_figure_blits_until_a_declared_input_a_helper_or_relayout_changes_its_layout():
    class Two(InPlaceFigure):
        layout_inputs = ("labels",)

        def build(self):
            self.ax = self.fig.add_subplot()
            (self.line,) = self.ax.plot([0, 1], [0, 1])
            self.animate(self.line)

        def draw(self, result):
            labels, legend, y = result
            self.ax.set_xticks([0, 1], labels)
            self.line.set_ydata([0, y])
            self.fit_ylim(self.ax, [0, y])
            if legend:
                self.ax.legend([self.line], [legend])
                self.relayout()

    figure = Two(mode="static")
    shows = []
    for result in [(("a", "b"), None, 1.0), (("a", "b"), None, 0.9), (("a", "c"), None, 0.9),
                   (("a", "b"), None, 0.9), (("a", "b"), None, 5.0), (("a", "b"), "line", 5.0)]:
        full = figure.full_draws
        figure.update(result, {"labels": result[0]})
        shows.append("full" if figure.full_draws > full else "blit")
        shown = np.asarray(figure.fig.canvas.buffer_rgba()).copy()
        figure.refresh()
        assert np.array_equal(shown, np.asarray(figure.fig.canvas.buffer_rgba())), result
    # first; data only; a declared input; back to a layout shown before; limits moved; a legend
    assert shows == ["full", "blit", "full", "blit", "full", "full"]


def _every_control_moved(dash):
    changes = {control: values[1] for control, values in dash.benchmark_values().items()}
    with dash.hold():
        for control, value in changes.items():
            if not dash.controls[control].disabled:
                dash.controls[control].value = value
    return changes


@pytest.mark.parametrize("name", sorted(discover()))
def test_fixed_placements_give_the_pixels_of_automatic_ones(name, monkeypatch):
    """Titles and empty labels are fixed in place (public setters) so that a full draw does not
    measure every tick label to place them: the same figure as matplotlib's automatic placement,
    at the start and after every control moved."""
    fixed = discover()[name](mode="static")
    monkeypatch.setattr(InPlaceFigure, "_fix_placements", lambda self: None)
    automatic = discover()[name](mode="static")
    for moved in (False, True):
        if moved:
            assert _every_control_moved(fixed) == _every_control_moved(automatic)
        for dash in (fixed, automatic):
            assert dash.error is None, (name, dash.message.text)
            dash.figure.refresh()
        shown = [np.asarray(d.figure.fig.canvas.buffer_rgba()) for d in (fixed, automatic)]
        assert np.array_equal(*shown), (name, moved)


class _Labelled(InPlaceFigure):
    def build(self):
        self.ax = self.fig.add_subplot()
        self.ax.set_title("title")

    def draw(self, result):
        if result == "broken":
            raise KeyError("no such panel")
        self.ax.set_xlabel(result)


def test_a_label_given_text_after_it_was_fixed_empty_is_the_dashboards_message():
    dash = Dashboard({"label": widgets.Text("")}, _Labelled(mode="static"), lambda label: label)
    assert dash.error is None and dash.figure.full_draws == 1
    dash.controls["label"].value = "feature"
    assert isinstance(dash.error, RuntimeError) and "fixed_empty_labels = False" in dash.message.text


def test_a_drawing_error_is_the_dashboards_message_never_a_traceback():
    class Relabelled(_Labelled):
        fixed_empty_labels = False
    dash = Dashboard({"label": widgets.Text("")}, Relabelled(mode="static"), lambda label: label)
    dash.controls["label"].value = "broken"
    assert isinstance(dash.error, KeyError) and "could not be drawn" in dash.message.text
    dash.controls["label"].value = "feature"                 # the next good value draws again
    assert dash.error is None and dash.message.text == ""
    assert dash.figure.ax.get_xlabel() == "feature"


# --- ipympl: a frame sent at once, once a front end shows the canvas -------------------------------
def _widget_dashboard_and_its_messages(monkeypatch):
    """rmc_step's dashboard on an ipympl canvas, and the list its messages go to:
    ("json", type) or ("frame", decoded RGBA pixels)."""
    pytest.importorskip("ipympl")
    from PIL import Image
    dash = rmc_step_dashboard(mode="widget")
    canvas = dash.figure.fig.canvas
    sent = []

    def send(content, buffers=None):
        if buffers:
            sent.append(("frame", np.asarray(Image.open(io.BytesIO(bytes(buffers[0]))).convert("RGBA"))))
        else:
            sent.append(("json", json.loads(content["data"])["type"]))
    monkeypatch.setattr(canvas, "send", send)
    return dash, canvas, sent


def test_an_ipympl_figure_asks_for_a_draw_until_shown_then_sends_each_frame_at_once(monkeypatch):
    dash, canvas, sent = _widget_dashboard_and_its_messages(monkeypatch)
    dash.controls["num_slots"].value = 5                    # a full redraw, nothing shows the canvas yet
    assert ("json", "draw") in sent and not [m for m in sent if m[0] == "frame"]
    canvas.syncing_data_url = False                          # a front end shows it ...
    canvas.handle_event({"type": "draw"})                    # ... and asks for the draw
    assert sent[-1][0] == "frame"
    first = len(sent) - 1
    full_draws, blits = dash.figure.full_draws, dash.figure.blits
    dash.controls["num_slots"].value = 6                    # a full redraw: the frame, no draw request
    assert [m[0] for m in sent[first + 1:]] == ["frame"] and dash.figure.full_draws == full_draws + 1
    dash.controls["seed"].value = 7                         # data only: a blit, one more frame
    assert [m[0] for m in sent[first + 1:]] == ["frame", "frame"] and dash.figure.blits == blits + 1
    frames = [m[1] for m in sent[first:]]
    assert (frames[0][..., 3] == 255).all() and (frames[-1][..., 3] == 0).any()    # full, then diff frames
    painted = frames[0]
    for diff in frames[1:]:                                 # painted over the last, as a browser does
        painted = np.where(diff[..., 3:] > 0, diff, painted)
    assert np.array_equal(painted, np.asarray(canvas.buffer_rgba()))


# --- the allocator: a figure keeps its redraws' freed memory -----------------------------------------
_REDRAW_FAULTS = """
import resource, sys
from rrnn import _malloc
if sys.argv[1] == "plain":                          # glibc's own settings
    _malloc.keep_freed_memory = lambda *args: False
from rrnn.dash.attention_maps import attention_dashboard
dash = attention_dashboard(mode="static")
for i in range(6):
    dash.controls["width"].value = [16, 20][i % 2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(20):
    dash.controls["width"].value = [16, 20][i % 2]
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc settings: Linux only")
def test_a_figure_keeps_its_redraws_freed_memory():
    """Each blit resamples the maps into fresh image-sized arrays; with glibc's defaults they are
    faulted in again on every redraw. A figure sets M_TOP_PAD (rrnn/_malloc.py), as training does."""
    def faults(mode):
        return float(subprocess.run([sys.executable, "-c", _REDRAW_FAULTS, mode], capture_output=True, text=True,
                                    check=True).stdout)
    assert faults("plain") > 200 > faults("figure") * 10


def test_the_dashboard_in_the_module_docstring_runs_as_written(monkeypatch):
    """rrnn/dash/dashboard.py shows a complete small dashboard: it must run, and follow the contract."""
    import re

    from rrnn.dash import dashboard
    monkeypatch.setattr(dashboard, "DASHBOARDS", {})            # registered here only
    example = re.search(r"figure's ``update``\. A complete one .*?::\n\n(.*?)\n\nIn a notebook", dashboard.__doc__,
                        re.S).group(1)
    namespace = {}
    exec(compile("\n".join(line[4:] for line in example.splitlines()), "dashboard-docstring", "exec"), namespace)
    dash = namespace["wave_dashboard"](mode="static")
    dash.controls["amplitude"].value = 0.5                      # limits kept: a blit
    assert dash.figure.blits == 1 and np.allclose(dash.figure.line.get_ydata(), 0.5 * np.sin(np.arange(20)))
    dash.controls["seq_len"].value = 12                          # a declared layout input: drawn in full
    shown = np.asarray(dash.figure.fig.canvas.buffer_rgba()).copy()
    dash.figure.refresh()
    assert np.array_equal(shown, np.asarray(dash.figure.fig.canvas.buffer_rgba()))
    assert dash.message.text == "" and list(dashboard.DASHBOARDS) == ["wave"]


def test_hints_never_name_the_answer():
    """A wrong answer gets a hint about the reasoning, never the value the exercise asks for."""
    for answer in WRONG["check_attention_growth"]:
        message = foundations.check_attention_growth(answer).message
        assert "3.24" not in message and "81" not in message, (answer, message)
    for answer in WRONG["check_weights_that_matter"]:
        assert "45" not in foundations.check_weights_that_matter(answer).message, answer
    for answer in WRONG["check_gate_style_saving"]:
        assert "1020" not in foundations.check_gate_style_saving(answer).message, answer
    for answer in WRONG["check_scaled_logit_std"]:
        message = foundations.check_scaled_logit_std(answer).message
        assert "4" not in message.replace("4 * 4", "") and "16" not in message, (answer, message)
    for answer in WRONG["check_equivariance_gap"]:
        message = foundations.check_equivariance_gap(answer).message
        assert "f(x)[:, order]" not in message and "argsort" not in message, (answer, message)
    for answer in WRONG["check_multihead_shapes"]:     # no general shape to fill the numbers into
        message = foundations.check_multihead_shapes(answer).message
        assert "A*V" not in message and "(B, A, N, N)" not in message and "32" not in message, (answer, message)
    for answer in (1, 7, 14, 16, 40, 0.0436):            # no percentage left after the guessed step
        message = foundations.check_steps_to_one_percent(answer).message
        assert "%" not in message and "15" not in message, (answer, message)


def test_equivariance_cases_are_what_the_check_says_they_are():
    x = np.random.default_rng(0).standard_normal((2, len(foundations.EQUIVARIANCE_ORDER), 8))
    order = np.array(foundations.EQUIVARIANCE_ORDER)
    assert not np.array_equal(np.argsort(order), order)                       # not its own inverse
    for name, f, equivariant in foundations._equivariance_cases():
        gap = np.abs(f(x[:, order]) - f(x)[:, order]).max()
        assert (gap < 1e-12) == equivariant and (equivariant or gap > 1e-3), (name, gap)


@pytest.mark.parametrize("num_blocks", [1, 2, 3])
def test_weights_that_matter_counts_the_rows_of_the_maps_that_reach_the_new_memory(num_blocks, monkeypatch):
    """Nudge one row of one block's attention output (all a row of weights can change) and see
    whether M_t moves; the rows that move it, times S + 1 columns, are weights_that_matter."""
    import rrnn.rmc as rmc
    S = 3
    core = RelationalMemory(4, S, 4, 2, num_blocks=num_blocks, rng=0)
    x = np.random.default_rng(1).standard_normal((1, 4))
    memory = core.initial_state(1)
    plain = core.step(x, memory)[1]
    forward = rmc.multihead_attention_forward
    count = 0
    for block in range(num_blocks):
        for row in range(S + 1):
            calls = []

            def nudged(X, params, *args, block=block, row=row, **kwargs):
                attended, cache = forward(X, params, *args, **kwargs)
                if len(calls) == block:
                    attended = attended.copy()
                    attended[:, row] += 1e-3 * np.arange(attended.shape[-1])    # not a constant: LN removes those
                calls.append(1)
                return attended, cache

            monkeypatch.setattr(rmc, "multihead_attention_forward", nudged)
            count += (S + 1) * (not np.allclose(core.step(x, memory)[1], plain, rtol=0, atol=1e-9))
    monkeypatch.setattr(rmc, "multihead_attention_forward", forward)
    assert count == foundations.weights_that_matter(S, num_blocks)


def test_attention_weights_per_step_counts_what_the_core_computes():
    for B, S, A, blocks in [(2, 4, 2, 1), (1, 8, 4, 2), (3, 1, 1, 3)]:
        core = RelationalMemory(4, S, 4, A, num_blocks=blocks, rng=0)
        cache = core.step(np.zeros((B, 4)), core.initial_state(B), return_cache=True)[2]
        assert sum(a.size for a in cache.attention) == foundations.attention_weights_per_step(B, S, A, blocks)
