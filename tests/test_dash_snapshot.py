"""A dashboard's static picture: displayed, every dashboard carries an ``image/png`` of its
controls and figure beside the live widget (``Dashboard.snapshot``), for pages without a kernel
(the course website, ``make site``; GitHub). The live widget stays what Jupyter shows."""
import base64
import io

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.image import imread

from rrnn.dash import discover
from rrnn.dash.dashboard import _control_state, _fit
from rrnn.dash.figure import figure_png

WIDGET = "application/vnd.jupyter.widget-view+json"


def decode(png: bytes) -> np.ndarray:
    return imread(io.BytesIO(png))


@pytest.mark.parametrize("name", sorted(discover()))
def test_every_dashboard_displays_the_widget_and_a_picture_of_it(name):
    dash = discover()[name](mode="static")
    bundle = dash._repr_mimebundle_()
    assert bundle[WIDGET]["model_id"] == dash.model_id          # the live dashboard, unchanged
    assert bundle["text/plain"].startswith("<Dashboard")
    picture = decode(base64.b64decode(bundle["image/png"]))
    figure = decode(figure_png(dash.figure.fig))
    # the figure, whole, at the bottom of the picture, under a strip of the controls
    assert picture.shape[0] > figure.shape[0] + 40 and picture.shape[1] >= figure.shape[1]
    bottom = picture[-figure.shape[0]:, :figure.shape[1], :3]
    assert np.abs(bottom - figure[..., :3]).max() < 1 / 255 + 1e-6


@pytest.mark.parametrize("name", ["memory_evolution", "attention_maps"])
def test_the_picture_follows_the_controls_and_leaves_the_dashboard_working(name):
    dash = discover()[name](mode="static")
    before = dash.snapshot()
    control = next(n for n, c in dash.controls.items() if isinstance(c, widgets.IntSlider) and n in dash.values())
    dash.controls[control].value = dash.controls[control].value + dash.controls[control].step
    assert dash.message.text == "" and dash.error is None
    after = dash.snapshot()
    assert after != before
    # after a picture, a move still shows what a full redraw shows
    dash.controls[control].value = dash.controls[control].value - dash.controls[control].step
    for fig in dash.figures:                 # (as tests/test_dash_foundations.py checks it)
        shown = np.asarray(fig.fig.canvas.buffer_rgba()).copy()
        fig.refresh()
        assert np.array_equal(shown, np.asarray(fig.fig.canvas.buffer_rgba()))
    assert dash.snapshot() == before


def test_a_picture_that_fails_leaves_the_live_widget(monkeypatch):
    dash = discover()["attention_maps"](mode="static")

    def broken():
        raise RuntimeError("no picture")

    monkeypatch.setattr(dash, "snapshot", broken)
    bundle = dash._repr_mimebundle_()
    assert WIDGET in bundle and "image/png" not in bundle


def test_what_each_kind_of_control_shows():
    slider = widgets.IntSlider(value=3, min=1, max=5, description="slots S")
    assert _control_state("num_slots", slider) == dict(label="slots S", text="3", kind="slider", where=0.5,
                                                       disabled=False)
    floats = widgets.FloatSlider(value=0.25, min=0, max=1, readout_format=".2f")
    assert _control_state("amplitude", floats)["text"] == "0.25" and _control_state("amplitude", floats)["label"] \
        == "amplitude"
    menu = widgets.Dropdown(options=[("step-up", "step_up"), ("noise", "noise")], value="noise", description="pattern",
                            disabled=True)
    assert _control_state("pattern", menu) == dict(label="pattern", text="noise", kind="menu", disabled=True)
    box = widgets.Checkbox(value=True, description="trained")
    assert _control_state("trained", box)["kind"] == "check" and _control_state("trained", box)["text"] == "on"
    assert _control_state("play", widgets.Play(value=4, min=1, max=9))["text"] == "step 4"
    assert _fit("the seed demo's hybrid (an LSTM with a relational memory)", 100) == "the seed demo\u2026"
    assert _fit("noise", 100) == "noise"


def test_a_long_label_and_a_long_title_fit_the_strip():
    """A label's column is as wide as the widest label (a value never overprints the next label), and
    a title longer than the strip wraps onto a second line instead of being cut."""
    from rrnn.dash.dashboard import _controls_strip
    slider = dict(label="random seed", text="0", kind="slider", where=0.0, disabled=False)
    check = dict(label="last item = copy of item 0", text="on", kind="check", on=True, disabled=False)

    def ink_columns(strip):                          # x of every column with dark pixels in the controls row
        return np.flatnonzero((strip[..., :3] < 120).all(-1).any(0))

    short = _controls_strip([slider, dict(check, label="copy")], "", "", None, width=700, side=[], dpi=100)
    long = _controls_strip([slider, check], "", "", None, width=700, side=[], dpi=100)
    assert long.shape[0] == short.shape[0]
    gaps = np.diff(ink_columns(long))
    assert gaps.max() >= 20                          # the first cell's value and the second cell's label stay apart
    one_line = _controls_strip([slider], "A title", "", None, width=300, side=[], dpi=100)
    two_lines = _controls_strip([slider], "An LSTM's gates over a sequence, and a good deal more", "", None,
                                width=300, side=[], dpi=100)
    assert two_lines.shape[0] > one_line.shape[0] and two_lines.shape[1] == one_line.shape[1]
