"""Every attention map of the course is drawn one way: one colour encoding, one labelling, stated on
the figure (rrnn.dash.attention_style), in the four dashboards and in the notebooks' static cells."""
import json
from pathlib import Path

import numpy as np
import pytest

from rrnn.dash import attention_style as style
from rrnn.dash.attention_maps import attention_dashboard, plot_attention_map
from rrnn.dash import static_figure
from rrnn.dash.rmc_step import rmc_step_dashboard
from rrnn.dash.stepper import stepper_dashboard
from rrnn.dash.trained_rmc import trained_rmc_dashboard

ROOT = Path(__file__).resolve().parents[1]


def attention_panels(dash):
    """(axes, image) of every attention map the dashboard shows now."""
    fig = dash.figure
    if dash.name == "attention_maps":
        return [(ax, image) for ax, image in zip(fig.axes, fig.images) if image.get_visible()]
    if dash.name == "rmc_step":
        return [(ax, image) for ax, image in zip(fig.att_axes, fig.att_images) if image.get_visible()]
    if dash.name == "stepper":
        return [(fig.ax_attn, fig.attn)]
    return list(zip(fig.ax_heads, fig.images))


def dropped_patches(dash):
    """The hatches over the input row's own query (the RMC-based maps only)."""
    fig = dash.figure
    if dash.name == "rmc_step":
        return fig.dropped[:fig.visible_heads]
    return [fig.dropped] if dash.name == "stepper" else fig.dropped


FACTORIES = {"attention_maps": attention_dashboard, "rmc_step": rmc_step_dashboard, "stepper": stepper_dashboard,
             "trained_rmc": trained_rmc_dashboard}


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def dash(request):
    return FACTORIES[request.param](mode="static")


def test_every_attention_image_uses_the_one_encoding(dash):
    panels = attention_panels(dash)
    assert panels
    for ax, image in panels:
        assert style.uses_attention_style(image), (dash.name, image.get_cmap().name, image.norm)
        assert image.norm(0.25) == pytest.approx(0.5)                   # colour ∝ √weight, 0 .. 1


def test_every_dashboard_states_the_encoding_on_one_colour_bar(dash):
    axes = dash.figure.fig.axes
    bars = [ax for ax in axes + [child for ax in axes for child in ax.child_axes]
            if ax.get_ylabel() == style.COLORBAR_LABEL]
    assert len(bars) == 1, dash.name
    assert "\u221a" in style.COLORBAR_LABEL and "attention weight" in style.COLORBAR_LABEL


def test_maps_name_rows_as_readers_and_columns_as_read_from(dash):
    panels = attention_panels(dash)
    texts = {t.get_text() for t in dash.figure.fig.texts}         # a grid of maps is labelled once
    ylabels = ({ax.get_ylabel() for ax, _ in panels} | {t for t in texts if t.endswith("(query)")}) - {""}
    xlabels = ({ax.get_xlabel() for ax, _ in panels} | {t for t in texts if t.endswith("(key)")}) - {""}
    what = "item" if dash.name == "attention_maps" else "row"
    assert ylabels == {f"{what} that reads (query)"} and xlabels == {f"{what} read from (key)"}
    titled = [ax.get_title() for ax, _ in panels if ax.get_title().startswith("head")]
    assert titled == [style.head_title(a) for a in range(len(titled))]            # head 0, head 1, ...


@pytest.mark.parametrize("name", ["rmc_step", "stepper", "trained_rmc"])
def test_rmc_maps_label_slots_from_zero_and_the_input_row_input(name):
    dash = FACTORIES[name](mode="static")
    ax, image = attention_panels(dash)[0]
    rows = image.get_array().shape[0]
    want = style.row_labels(rows - 1)
    assert want[0] == "slot 0" and want[-1] == "input"
    assert [t.get_text() for t in ax.get_yticklabels()] == want
    assert [t.get_text() for t in ax.get_xticklabels()] == want


@pytest.mark.parametrize("name", ["rmc_step", "stepper", "trained_rmc"])
def test_the_dropped_input_query_is_hatched_on_the_last_row(name):
    dash = FACTORIES[name](mode="static")
    patches = dropped_patches(dash)
    assert patches and all(patch is not None for patch in patches)
    rows = attention_panels(dash)[0][1].get_array().shape[0]
    for patch in patches:
        assert patch.get_hatch() == style.DROPPED_HATCH and patch.get_visible() and patch.get_animated()
        assert patch.get_xy()[1] == pytest.approx(rows - 1.5) and patch.get_height() == 1
        assert patch.get_width() == rows


def test_stepper_hatch_follows_the_number_of_slots():
    dash = stepper_dashboard(mode="static")
    dash.controls["num_slots"].value = 5
    assert dash.figure.dropped.get_xy()[1] == pytest.approx(4.5) and dash.figure.dropped.get_width() == 6


def test_trained_rmc_marks_the_reference_where_its_bar_has_no_height():
    dash = trained_rmc_dashboard(mode="static")
    fig, result = dash.figure, dash.result
    assert fig.dist_bars[result.reference].get_height() == 0            # distance 0 from itself: no bar ...
    marker = fig.reference_marker
    assert list(marker.get_xdata()) == [result.reference]               # ... so a marker shows it
    assert marker.get_visible() and marker.get_marker() == "^" and marker.get_markersize() >= 8
    assert not marker.get_clip_on()                                     # drawn in full on the axis line
    assert fig.reference_text.get_text() == "reference" and fig.reference_text.get_position()[0] == result.reference
    for example in range(1, 12):
        dash.controls["example"].value = example
        assert list(marker.get_xdata()) == [dash.result.reference]
        assert fig.reference_text.get_position()[0] == dash.result.reference


def test_trained_rmc_moves_in_place_without_new_colour_bars():
    dash = trained_rmc_dashboard(mode="static")
    fig = dash.figure
    axes = len(fig.fig.axes)
    dash.controls["example"].value = 3
    full = fig.full_draws
    for step in (1, 2, 3):
        dash.controls["step"].value = step
        assert np.allclose(fig.images[1].get_array(), dash.result.attention[step - 1, 1])
    assert fig.full_draws == full and fig.blits >= 3                    # a new step is blitted into place
    assert len(fig.fig.axes) == axes
    blitted = np.asarray(fig.fig.canvas.buffer_rgba()).copy()
    fig.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(fig.fig.canvas.buffer_rgba()))


@pytest.mark.parametrize("name, control, values", [("attention_maps", "seed", (3, 4)), ("rmc_step", "step", (2, 3)),
                                                   ("stepper", "step", (2, 3))])
def test_updates_add_no_colour_bars(name, control, values):
    dash = FACTORIES[name](mode="static")
    axes = len(dash.figure.fig.axes)
    for value in values:
        dash.controls[control].value = value
    assert len(dash.figure.fig.axes) == axes


def test_plot_attention_map_draws_the_encoding_and_its_colour_bar():
    fig = static_figure((4, 3))
    ax = plot_attention_map(np.full((3, 3), 1 / 3), fig.subplots(), labels=["0", "1", "2"], annotate=True)
    assert style.uses_attention_style(ax.images[0])
    assert [a.get_ylabel() for a in fig.axes].count(style.COLORBAR_LABEL) == 1
    assert ax.get_ylabel() == "item that reads (query)" and ax.get_xlabel() == "item read from (key)"


def test_text_colour_is_readable_on_both_ends_of_the_scale():
    assert style.text_color(0.01) == "white" and style.text_color(0.97) == "black"


@pytest.mark.parametrize("notebook", ["01_attention_from_scratch", "03_rmc_step_by_step", "06_step_by_step",
                                      "09_inside_the_trained_rmc"])
def test_notebook_cells_draw_attention_only_through_the_shared_style(notebook):
    nb = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    code = ["".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code"]
    for source in code:
        assert "imshow(" not in source and "cmap=" not in source and "colorbar(" not in source.replace(
            "attention_colorbar(", ""), source
    # slots and heads are numbered from 0 everywhere, as in the code (no hand-made "slot 2" or "head {a + 1}")
    assert not any('"slot 2"' in source or "head {a + 1}" in source for source in code)
