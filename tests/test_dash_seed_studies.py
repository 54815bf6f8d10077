"""The dashboards of notebooks 04-07, driven like a learner would: set a control, check the plot.

All run in "static" mode (Agg, no front end): every update computes and draws synchronously.
"""
import numpy as np
import pytest

from rrnn.dash import controls as C, detect_mode, discover
from rrnn.dash import Dashboard, InPlaceFigure
from rrnn.dash.capacity import capacity_dashboard
from rrnn.dash.memory_evolution import memory_evolution_dashboard
from rrnn.dash.stepper import stepper_dashboard
from rrnn.dash.with_without_memory import with_without_memory_dashboard

SEED_STUDY_DASHBOARDS = {"memory_evolution": memory_evolution_dashboard,
                         "with_without_memory": with_without_memory_dashboard,
                         "stepper": stepper_dashboard, "capacity": capacity_dashboard}


@pytest.fixture(scope="module")
def evolution():
    return memory_evolution_dashboard(mode="static")


def test_the_four_dashboards_are_registered():
    registry = discover()
    for name, factory in SEED_STUDY_DASHBOARDS.items():
        assert registry[name] is factory


def test_detect_mode_outside_a_kernel_is_static():
    assert detect_mode() == "static"
    with pytest.raises(ValueError, match="mode must be one of widget, inline, static"):
        memory_evolution_dashboard(mode="svg")


@pytest.mark.parametrize("name", list(SEED_STUDY_DASHBOARDS))
def test_dashboard_exposes_controls_figure_and_a_first_result(name):
    dash = SEED_STUDY_DASHBOARDS[name](mode="static")
    assert dash.result is not None and dash.error is None and dash.message.text == ""
    assert isinstance(dash.figure, InPlaceFigure) and dash.figure.updates == 1
    assert {"num_slots", "slot_size", "num_heads", "seq_len", "pattern", "amplitude", "seed"} <= set(dash.controls)
    assert dash.figure.image().data[:8] == b"\x89PNG\r\n\x1a\n"
    assert name in repr(dash)


@pytest.mark.parametrize("name", list(SEED_STUDY_DASHBOARDS))
def test_every_benchmark_value_of_every_control_runs(name):
    dash = SEED_STUDY_DASHBOARDS[name](mode="static")
    for control, values in dash.benchmark_values().items():
        for value in values[1:] + values[:1]:
            dash.controls[control].value = value
            assert dash.error is None, (control, value, dash.error)


def test_memory_evolution_follows_the_slot_count(evolution):
    fig = evolution.figure
    evolution.controls["num_slots"].value = 6
    assert fig.heat.get_array().shape == (6, 15)
    assert len(fig.bars) == 6 and fig.sim.get_array().shape == (6, 6)
    assert evolution.result.slot_norms.shape == (15, 6)
    evolution.controls["num_slots"].value = 4
    assert fig.heat.get_array().shape == (4, 15)


def test_memory_evolution_follows_length_seed_and_pattern(evolution):
    fig = evolution.figure
    before = fig.norm_line.get_ydata().copy()
    evolution.controls["seed"].value = 7
    assert not np.allclose(fig.norm_line.get_ydata(), before)
    evolution.controls["seq_len"].value = 20
    assert len(fig.norm_line.get_xdata()) == 20 and fig.boundaries[0].get_xdata()[0] == 10.5
    evolution.controls["pattern"].value = "constant"
    assert not any(line.get_visible() for line in fig.boundaries)
    evolution.controls["pattern"].value = "step_up"
    assert all(line.get_visible() for line in fig.boundaries)
    evolution.controls["seq_len"].value = 15
    evolution.controls["seed"].value = 42


def test_heads_offer_only_divisors_of_the_slot_size_and_one_update_per_change(evolution):
    heads, size = evolution.controls["num_heads"], evolution.controls["slot_size"]
    heads.value = 8
    updates = evolution.updates
    size.value = 20
    assert list(heads.options) == [1, 2, 4, 5, 10] and heads.value == 5      # the largest divisor below 8
    assert evolution.updates == updates + 1 and evolution.error is None
    assert evolution.result.memories.shape[-1] == 20
    size.value = 48
    assert 3 in heads.options and heads.value == 5 or heads.value in heads.options
    size.value = 64
    heads.value = 2


def test_every_slot_size_on_the_slider_runs_with_its_head_options(evolution):
    size = evolution.controls["slot_size"]
    for value in range(size.min, size.max + 1, size.step * 5):
        size.value = value
        assert evolution.error is None and evolution.controls["num_heads"].value in C.divisors(value)
    size.value = 64


def test_a_failing_compute_shows_a_message_and_keeps_the_last_plot():
    class Line(InPlaceFigure):
        figsize = (2, 2)

        def build(self):
            (self.line,) = self.fig.add_subplot().plot([], [])
            self.animate(self.line)

        def draw(self, result):
            self.line.set_data(np.arange(len(result)), result)

    def compute(amplitude):
        if amplitude > 2:
            raise ValueError("amplitude above 2 is not allowed here")
        return np.full(3, amplitude)

    dash = Dashboard({"amplitude": C.amplitude_slider(1.0)}, Line(mode="static"), compute)
    dash.controls["amplitude"].value = 3.0                        # no exception escapes
    assert "amplitude above 2 is not allowed here" in dash.message.text
    assert isinstance(dash.error, ValueError) and np.allclose(dash.figure.line.get_ydata(), 1.0)
    dash.controls["amplitude"].value = 1.5
    assert dash.message.text == "" and dash.error is None and np.allclose(dash.figure.line.get_ydata(), 1.5)


def test_hold_batches_changes_into_one_update(evolution):
    updates = evolution.updates
    with evolution.hold():
        evolution.controls["seed"].value = 3
        evolution.controls["amplitude"].value = 2.0
    assert evolution.updates == updates + 1
    with evolution.hold():
        evolution.controls["seed"].value = 42
        evolution.controls["amplitude"].value = 1.0


def test_blitting_draws_exactly_what_a_full_redraw_draws():
    dash = memory_evolution_dashboard(mode="static")
    fig = dash.figure
    for seed in (1, 2, 3):
        dash.controls["seed"].value = seed
    assert fig.blits > 0
    blitted = np.asarray(fig.fig.canvas.buffer_rgba()).copy()
    fig.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(fig.fig.canvas.buffer_rgba()))


def test_pattern_preview_redraws_only_when_the_sequence_changes(evolution):
    preview = evolution.figures[1]
    shown = preview.full_draws + preview.blits
    evolution.controls["num_slots"].value = 5                     # same input
    assert preview.full_draws + preview.blits == shown
    evolution.controls["amplitude"].value = 2.0                   # new input
    assert preview.full_draws + preview.blits == shown + 1
    assert np.allclose(preview.rms.get_ydata(), np.sqrt((evolution.result.sequence[0] ** 2).mean(axis=1)))
    evolution.controls["amplitude"].value = 1.0
    evolution.controls["num_slots"].value = 4


def test_with_without_memory_slots_change_the_hybrid_not_the_lstm():
    dash = with_without_memory_dashboard(mode="static")
    fig = dash.figure
    lstm_x, hybrid_y = fig.vs_lstm.get_xdata().copy(), fig.vs_lstm.get_ydata().copy()
    off_x = fig.vs_off.get_xdata().copy()
    dash.controls["num_slots"].value = 2
    assert np.allclose(fig.vs_lstm.get_xdata(), lstm_x)            # the LSTM has no memory
    assert np.allclose(fig.vs_off.get_xdata(), off_x)              # nor has the hybrid with its memory off
    assert not np.allclose(fig.vs_lstm.get_ydata(), hybrid_y)
    memory_before = fig.memory_line.get_ydata().copy()
    dash.controls["model_seed"].value = 5
    assert not np.allclose(fig.memory_line.get_ydata(), memory_before)
    assert [patch.get_height() for patch in fig.stat_bars[1]][0] == pytest.approx(dash.result.memory[:, -1].mean())


def test_with_without_memory_labels_follow_training_not_only_the_names():
    dash = with_without_memory_dashboard(mode="static")
    fig = dash.figure
    dash.controls["model"].value = "trained-rmc"
    assert fig.ax_stats.get_title().startswith("accuracy") and fig.chance_line.get_visible()
    dash.controls["model"].value = "rmc"                # the same two names, untrained: statistics again
    assert fig.ax_stats.get_title().startswith("output statistics") and not fig.chance_line.get_visible()
    assert [t.get_text() for t in fig.ax_stats.get_xticklabels()] == ["mean", "std", "min", "max"]


def test_stepper_moves_through_steps_without_recomputing():
    dash = stepper_dashboard(mode="static")
    fig, run = dash.figure, dash.result.run
    dash.controls["step"].value = 4
    assert dash.result.run is run and dash.result.step == 4
    assert fig.now.get_xdata()[0] == 4
    assert fig.change_marks[2].get_ydata()[0] == pytest.approx(run.memory_change[3])
    assert np.allclose(fig.attn.get_array(), run.attention[3].mean(axis=0))
    assert [p.get_height() for p in fig.slot_bars] == pytest.approx(list(run.slot_change[3]))
    dash.stepper.go(+1)
    assert dash.result.step == 5 and dash.controls["play"].value == 5
    dash.controls["play"].value = 2                               # the Play widget drives the slider
    assert dash.controls["step"].value == 2 and dash.result.step == 2
    dash.stepper.go(-5)
    assert dash.result.step == 1


def test_stepper_step_stays_in_range_when_the_sequence_gets_shorter():
    dash = stepper_dashboard(mode="static")
    dash.controls["step"].value = 9
    dash.controls["seq_len"].value = 4
    assert dash.controls["step"].max == 4 and dash.result.step == 4 and dash.error is None
    assert dash.result.run.h_change.shape == (4,)
    dash.controls["num_slots"].value = 5
    assert dash.figure.attn.get_array().shape == (6, 6) and len(dash.figure.i_bars) == 5


def test_capacity_highlight_moves_without_recomputing():
    dash = capacity_dashboard(mode="static")
    fig, study = dash.figure, dash.result.study
    assert list(study.slot_counts) == list(range(1, 9))
    dash.controls["num_slots"].value = 7
    assert dash.result.study is study and fig.rings[0].get_xdata()[0] == 7
    dash.controls["seq_len"].value = 6
    assert dash.result.study is not study and dash.result.study.outputs.shape[2] == 6
    assert np.allclose(fig.attn_line.get_ydata(), dash.result.study.input_attention)


def test_inline_mode_renders_png_into_its_output(capsys):
    dash = memory_evolution_dashboard(mode="inline")
    dash.controls["seed"].value = 5
    assert dash.figure.widget is dash.figure.output and dash.error is None


@pytest.mark.parametrize("name", [*SEED_STUDY_DASHBOARDS, "rmc_step"])
def test_more_slots_than_features_is_said_beside_the_figure_and_cleared_after(name):
    dash = (SEED_STUDY_DASHBOARDS.get(name) or discover()[name])(mode="static")
    with dash.hold():
        dash.controls["slot_size"].value = 4
        dash.controls["num_slots"].value = 8
    assert dash.error is None and dash.result is not None                 # it runs: a warning, not an error
    assert "slots 4-7 start as the same zero row and stay identical for ever" in dash.message.text
    dash.controls["num_slots"].value = 5                                  # one zero row differs from every other
    assert dash.message.text == ""
    dash.controls["num_slots"].value = 6
    dash.controls["slot_size"].value = 64
    assert dash.message.text == "" and dash.error is None


@pytest.mark.parametrize("model", ["hybrid", "trained-hybrid"])
def test_with_without_memory_figure_never_says_seed_alone(model):
    import re

    from rrnn import studies
    from rrnn.dash.with_without_memory import WithWithoutMemoryFigure
    figure = WithWithoutMemoryFigure(mode="static").update(studies.with_without_memory(model=model))
    texts = [t.get_text() for t in figure.fig.findobj(lambda a: hasattr(a, "get_text"))]
    for text in texts:
        for match in re.finditer(r"\bseed\b", text):
            before, after = text[:match.start()], text[match.end():]
            assert before.endswith(("weights ", "input ", "random ")) or after.startswith(" demo"), text
    words = " ".join(texts)
    assert "(trained to name the pattern) (trained" not in words and "pattern (trained to name the pattern)" not in words
