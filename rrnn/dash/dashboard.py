"""Dashboards: controls, figures and a compute function wired together, a message area instead
of tracebacks, and the registry that the tests and the speed benchmark walk.

A dashboard is three things: a dict of controls (widgets with a ``value``), figures
(``rrnn.dash.figure.InPlaceFigure``: only drawing) and a pure ``compute`` function (outside
``rrnn/dash``: ``rrnn.studies``, ``rrnn.lessons``) that turns the control values into a result.
When a control changes, ``Dashboard`` calls ``compute(**values)`` and passes the result to every
figure's ``update``. A complete one (in ``rrnn/dash/<name>.py``)::

    import numpy as np
    from rrnn.dash import controls as C
    from rrnn.dash.dashboard import Dashboard, register_dashboard
    from rrnn.dash.figure import InPlaceFigure

    def wave(amplitude, seq_len):                  # compute: pure, from the control values
        return amplitude * np.sin(np.arange(seq_len))

    class WaveFigure(InPlaceFigure):
        figsize = (6, 3)
        layout_inputs = ("seq_len",)            # the controls that change the static layout
        def build(self):                        # once: the axes and empty artists
            self.ax = self.fig.add_subplot()
            (self.line,) = self.ax.plot([], [])
            self.animate(self.line)             # changes with the data
        def draw(self, result):                 # every update: new data on the artists
            self.line.set_data(np.arange(len(result)), result)
            self.ax.set_xlim(0, len(result) - 1)    # follows seq_len, a layout input
            self.fit_ylim(self.ax, result)      # nice limits, kept while the data fits them

    @register_dashboard("wave")
    def wave_dashboard(amplitude=1.0, seq_len=20, *, mode=None) -> Dashboard:
        controls = {"amplitude": C.amplitude_slider(amplitude), "seq_len": C.seq_len_slider(seq_len)}
        return Dashboard(controls, WaveFigure(mode=mode), wave, title="A wave")

In a notebook, after ``%matplotlib widget``, ``wave_dashboard()`` shows it. In a test, without a
front end::

    dash = wave_dashboard(mode="static")
    dash.controls["amplitude"].value = 2.0       # recomputes and redraws, synchronously
    dash.result, dash.figure.line.get_ydata()    # what was computed, what is plotted
    dash.message.text                            # '' when fine, the reason when not

Every registered dashboard gets tests for free (``tests/test_dash_foundations.py``): after every
control is moved, the frame shown equals a full redraw and nothing raises; moving a control back
blits. Rules the registry relies on: a registered factory builds its dashboard when called with
no arguments but ``mode=``; ``discover()`` imports every module of ``rrnn.dash``.

Threads: each dashboard holds a lock around compute and update, and each figure one around its
drawing, so a dashboard moved from two threads shows the result of its latest values.

A static picture: displayed, a dashboard's output carries, beside the live widget, an ``image/png``
of what it shows (``snapshot()``: a strip of its controls' labels and values above its figure).
Jupyter front ends show the widget; a page that has no kernel - the course website (``make site``),
GitHub - shows the picture.
"""
from __future__ import annotations

import base64
import contextlib
import html
import importlib
import inspect
import io
import pkgutil
import threading
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np

from .figure import InPlaceFigure

# --- messages instead of tracebacks --------------------------------------------------------------
class MessageArea(widgets.HTML):
    """A line of text under the controls for invalid combinations ('' hides it).

    ``show(text, level)`` with level 'error', 'warning' or 'info'; ``clear()``;
    ``text`` is the plain message (for tests).
    """

    COLORS = {"error": ("#8a1c1c", "#fdecea"), "warning": ("#7a4f01", "#fff4e5"), "info": ("#0b4f6c", "#e8f4fa")}

    def __init__(self, **kwargs):
        super().__init__(value="", **kwargs)
        self.text = ""
        self.level = None

    def show(self, text: str, level: str = "error") -> None:
        fg, bg = self.COLORS[level]
        self.text, self.level = text, level
        self.value = (f'<div style="color:{fg};background:{bg};padding:4px 8px;border-radius:4px;'
                      f'font-size:0.95em">{html.escape(text)}</div>')

    def clear(self) -> None:
        self.text, self.level, self.value = "", None, ""


def friendly_error(err: BaseException) -> str:
    """The message a dashboard shows for an exception from ``compute``."""
    if isinstance(err, (ValueError, TypeError)):
        return f"This combination cannot run: {err}. Change a control to continue."
    return f"Something went wrong ({type(err).__name__}: {err}). The plots show the last valid settings."


# --- the dashboard ---------------------------------------------------------------------------------
class Dashboard(widgets.VBox):
    """Controls + figures + a compute function, wired together (it is an ipywidgets VBox).

    Args:
      controls: name -> widget with a ``value`` trait. Controls whose names are parameters of
        ``compute`` are passed to it (all of them if compute takes ``**kwargs``); the others
        (a Play button, say) are shown and exposed but not passed.
      figure: the main InPlaceFigure, shown under the controls; ``figures`` adds more (e.g. a
        PatternPreview), shown beside the controls. Every figure's ``update(result)`` runs
        after each successful compute.
      compute: ``compute(**values) -> result``; a ValueError/TypeError (or any other
        exception) is caught and shown in ``message``, and the figures keep the last result.
      title, help: optional heading and one or two sentences for a learner on their own.
      panel: a widget to show instead of the automatic grid of controls.
      side: other widgets shown beside the controls, before the extra figures.
      columns: how many columns the automatic grid of controls has.
      name: the dashboard's name (in its repr). caches: functools.lru_cache'd functions that
        compute uses, so ``clear_caches()`` can empty them (the benchmark times cold updates).
      note: ``note(**values) -> str or None``: a warning to show beside a good result (for
        settings that run but mislead, e.g. ``controls.identical_slots_note``).

    Attributes: ``controls``, ``figure``, ``figures``, ``message``, ``result`` (last good
    result), ``error`` (None or the last exception), ``updates`` (successful updates).
    ``refresh(force=False)`` recomputes; ``hold()`` batches several control changes into one
    update. A control that is adjusting itself (``control.settling`` true) triggers nothing.
    """

    def __init__(self, controls: dict, figure: InPlaceFigure, compute: Callable[..., Any], *, figures=(),
                 title: str | None = None, help: str | None = None, panel=None, side=(), columns: int = 2,
                 name: str | None = None, caches=(), note: Callable[..., str | None] | None = None):
        self.controls = dict(controls)
        self.note = note
        self.figure = figure
        self.figures = (figure, *figures)
        self.compute = compute
        self.message = MessageArea()
        self.result = None
        self.error = None
        self.updates = 0
        self.name = name or getattr(compute, "__name__", "dashboard")
        self._title = title
        self.caches = tuple(caches)
        self._inputs = self._input_names(compute, self.controls)
        self._last = None
        self._hold = 0
        self._lock = threading.RLock()    # one compute-and-update at a time, whichever thread asks

        if panel is None:
            panel = widgets.GridBox(list(self.controls.values()), layout=widgets.Layout(
                grid_template_columns=f"repeat({columns}, minmax(260px, 1fr))", grid_gap="2px 16px"))
        top = widgets.HBox([panel, *side, *[f.widget for f in figures]],
                           layout=widgets.Layout(align_items="flex-start", grid_gap="16px"))
        header = []
        if title:
            header.append(widgets.HTML(f"<b style='font-size:1.1em'>{html.escape(title)}</b>"))
        if help:
            header.append(widgets.HTML(f"<span style='color:#444'>{help}</span>"))
        super().__init__([*header, top, self.message, figure.widget])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh(force=True)

    @staticmethod
    def _input_names(compute, controls) -> tuple:
        try:
            parameters = inspect.signature(compute).parameters.values()
        except (TypeError, ValueError):
            return tuple(controls)
        if any(p.kind is p.VAR_KEYWORD for p in parameters):
            return tuple(controls)
        names = {p.name for p in parameters}
        return tuple(name for name in controls if name in names)

    def values(self) -> dict:
        """The current values of the controls passed to compute."""
        return {name: self.controls[name].value for name in self._inputs}

    def _on_change(self, change) -> None:
        if self._hold or any(getattr(c, "settling", False) for c in self.controls.values()):
            return
        self.refresh()

    @contextlib.contextmanager
    def hold(self):
        """Change several controls, update once: ``with dash.hold(): ...``."""
        self._hold += 1
        try:
            yield self
        finally:
            self._hold -= 1
            if not self._hold:
                self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Compute from the current values and update every figure (skipped when the values
        are the ones last shown, unless force). Never raises: what goes wrong is the message."""
        with self._lock:
            values = self.values()
            if not force and values == self._last:
                return
            self._last = values
            try:
                result = self.compute(**values)
                warning = self.note(**values) if self.note is not None else None
            except Exception as err:  # a bad combination shows a message, never a traceback
                self.error = err
                self.message.show(friendly_error(err), "error")
                return
            self.error = None
            self.result = result
            try:
                inputs = {name: control.value for name, control in self.controls.items()}
                for fig in self.figures:
                    fig.update(result, inputs)
            except Exception as err:  # a drawing error, too, is a message under the controls
                self.error = err
                self.message.show(f"The figure could not be drawn ({type(err).__name__}: {err}). "
                                  "Change a control to try again.", "error")
                self._last = None     # the same values, set again, try again
                return
            if warning:
                self.message.show(warning, "warning")
            else:
                self.message.clear()
            self.updates += 1

    def clear_caches(self) -> None:
        """Empty the caches compute uses (see ``caches``) and the backgrounds the figures kept
        of layouts not shown now, so that the next update costs what a first visit to its
        settings costs (a change that keeps the layout still blits)."""
        for cache in self.caches:
            cache.cache_clear()
        for fig in self.figures:
            fig.forget_backgrounds(keep_current=True)

    def benchmark_values(self) -> dict:
        """Control name -> a few valid values the speed benchmark cycles through (the current
        value first). Sliders step by one step each way, dropdowns use their options, checkboxes
        toggle. A dashboard may override this."""
        out = {}
        for name in self._inputs:
            control = self.controls[name]
            out[name] = alternative_values(control)
        return {name: vals for name, vals in out.items() if len(vals) > 1}

    def __repr__(self):
        return f"<Dashboard {self.name!r}: controls {', '.join(self.controls)}>"

    # --- a static picture, for pages without a kernel ----------------------------------------
    def snapshot(self) -> bytes:
        """What the dashboard shows now, as PNG bytes: a strip with the title, every control's
        label and value (a slider's track and knob, a menu's choice, a checkbox) and the message,
        the extra figures (a pattern preview) to its right, and the main figure below."""
        with self._lock:
            pixels = [_figure_pixels(fig) for fig in self.figures]
            controls = [_control_state(name, control) for name, control in self.controls.items()]
            title, message, level = self._title, self.message.text, self.message.level
        main, side = pixels[0], pixels[1:]
        strip = _controls_strip(controls, title, message, level, width=main.shape[1], side=side,
                                dpi=self.figure.fig.dpi)
        width = max(strip.shape[1], main.shape[1])
        picture = np.concatenate([_pad_width(strip, width), _pad_width(main, width)], axis=0)
        from matplotlib.image import imsave
        buffer = io.BytesIO()
        imsave(buffer, picture, format="png")
        return buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        """The widget's own bundle (the live dashboard in Jupyter) with ``image/png`` beside it:
        front ends with a kernel render the widget, static pages the picture (``snapshot``)."""
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, dict) and "application/vnd.jupyter.widget-view+json" in data:
            try:
                data["image/png"] = base64.b64encode(self.snapshot()).decode("ascii")
            except Exception:      # the picture is an extra: never let it stop the live dashboard
                pass
        return data


# --- drawing the picture -----------------------------------------------------------------------------
def _figure_pixels(figure: InPlaceFigure) -> np.ndarray:
    """The figure at its own dpi as an RGBA uint8 array (``InPlaceFigure.png``)."""
    from matplotlib.image import imread
    rgba = imread(io.BytesIO(figure.png()))               # floats in 0..1
    if rgba.shape[-1] == 3:
        rgba = np.concatenate([rgba, np.ones(rgba.shape[:2] + (1,), rgba.dtype)], axis=-1)
    return (rgba * 255).round().astype(np.uint8)


def _control_state(name: str, control) -> dict:
    """What a control shows: its label, its value as text, and what to draw ("slider" with the
    knob's place in 0..1, "menu", "check" or "text")."""
    label = getattr(control, "description", "") or name
    value = getattr(control, "value", None)
    disabled = bool(getattr(control, "disabled", False))
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return dict(label=label, text="on" if value else "off", kind="check", on=bool(value), disabled=disabled)
    if hasattr(control, "options") and hasattr(control, "label"):
        return dict(label=label, text=str(control.label if control.label is not None else value), kind="menu",
                    disabled=disabled)
    if isinstance(control, widgets.Play):
        return dict(label=label or "play", text=f"step {value}", kind="text", disabled=disabled)
    low, high = getattr(control, "min", None), getattr(control, "max", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and low is not None and high is not None:
        try:
            text = format(value, getattr(control, "readout_format", "") or "")
        except (TypeError, ValueError):
            text = str(value)
        where = (value - low) / (high - low) if high > low else 0.0
        return dict(label=label, text=text, kind="slider", where=float(min(1.0, max(0.0, where))), disabled=disabled)
    return dict(label=label, text=str(value), kind="text", disabled=disabled)


_STRIP_COLORS = {"error": "#8a1c1c", "warning": "#7a4f01", "info": "#0b4f6c"}


def _controls_strip(controls: list, title, message: str, level, *, width: int, side: list, dpi: float) -> np.ndarray:
    """The strip above the figure: title, controls in a grid, message; side figures to the right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyBboxPatch

    pad, row, line = 8, 26, 22
    points = 72 / dpi                                    # font sizes in pixels
    measure = Figure(dpi=dpi)
    renderer = FigureCanvasAgg(measure).get_renderer()

    def text_width(text, size=12, **style):
        return measure.text(0, 0, text, fontsize=size * points, **style).get_window_extent(renderer).width

    # each label gets the widest label's room, each slider its widest value's: nothing overprints a neighbour
    label_width = min(220.0, max((text_width(c["label"]) for c in controls), default=0.0))
    value_width = max([30.0] + [text_width(c["text"]) for c in controls if c["kind"] in ("slider", "text")])
    label_right = label_width + 4
    cell = int(np.ceil(label_right + 8 + max(126.0, 80 + 10 + value_width) + 16))
    side_width = sum(s.shape[1] + pad for s in side)
    columns = max(1, min(len(controls), (width - side_width - pad) // cell)) if controls else 1
    rows = -(-len(controls) // columns)
    total = max(width, columns * cell + side_width + 2 * pad)
    title_lines = _wrap(title, total - 2 * pad, lambda t: text_width(t, 15, fontweight="bold")) if title else []
    top = pad + line * len(title_lines) + (4 if title_lines else 0)
    controls_height = top + rows * row + (24 if message else 0) + pad
    height = max(controls_height, *(top + s.shape[0] + pad for s in side)) if side else controls_height

    fig = Figure(figsize=(total / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, total)
    ax.set_ylim(height, 0)                               # pixels, from the top left
    ax.set_axis_off()
    for k, text in enumerate(title_lines):               # a long title wraps rather than being cut
        ax.text(pad, pad + 10 + k * line, text, fontsize=15 * points, fontweight="bold", va="center")
    for n, state in enumerate(controls):
        r, c = divmod(n, columns)
        x, y = pad + c * cell, top + r * row + row / 2
        color = "#999999" if state["disabled"] else "#222222"
        label = state["label"]
        while len(label) > 1 and text_width(label) > label_width + 0.5:   # only a label wider than 220 px is cut
            label = label[:-2].rstrip() + "\u2026"
        ax.text(x + label_right, y, label, fontsize=12 * points, ha="right",
                va="center", color=color)
        left, right = x + label_right + 8, x + cell - 16
        if state["kind"] == "slider":
            end = right - value_width - 10
            ax.plot([left, end], [y, y], color="#bbbbbb", lw=3 * points, solid_capstyle="round")
            knob = left + state["where"] * (end - left)
            ax.plot([left, knob], [y, y], color="#2f6fb0" if not state["disabled"] else "#bbbbbb", lw=3 * points,
                    solid_capstyle="round")
            ax.add_patch(Circle((knob, y), 6, color="#ffffff", ec="#2f6fb0" if not state["disabled"] else "#999999",
                                lw=1.5 * points, zorder=3))
            ax.text(end + 10, y, state["text"], fontsize=12 * points, va="center", color=color)
        elif state["kind"] == "menu":
            ax.add_patch(FancyBboxPatch((left, y - 10), right - left, 20, boxstyle="round,pad=0,rounding_size=3",
                                        fc="#ffffff", ec="#999999", lw=points))
            ax.text(left + 6, y, _fit(state["text"], right - left - 24), fontsize=12 * points, va="center",
                    color=color)
            ax.text(right - 6, y, "\u25be", fontsize=12 * points, va="center", ha="right", color="#555555")
        elif state["kind"] == "check":
            ax.add_patch(FancyBboxPatch((left, y - 7), 14, 14, boxstyle="round,pad=0,rounding_size=2",
                                        fc="#2f6fb0" if state["on"] else "#ffffff", ec="#777777", lw=points))
            ax.text(left + 22, y, state["text"], fontsize=12 * points, va="center", color=color)
        else:
            ax.text(left, y, state["text"], fontsize=12 * points, va="center", color=color)
    if message:
        ax.text(pad, top + rows * row + 12, message, fontsize=12 * points, va="center",
                color=_STRIP_COLORS.get(level, "#222222"))
    fig.canvas.draw()
    strip = np.asarray(fig.canvas.buffer_rgba()).copy()
    x = columns * cell + 2 * pad
    for picture in side:                                 # the extra figures, beside the controls
        h, w = picture.shape[:2]
        strip[top:top + h, x:x + w] = picture[:strip.shape[0] - top, :strip.shape[1] - x]
        x += w + pad
    return strip


def _wrap(text: str, pixels: float, width_of) -> list:
    """``text`` broken at spaces into lines no wider than ``pixels`` (``width_of`` measures a line)."""
    lines = []
    for word in text.split():
        if lines and width_of(lines[-1] + " " + word) <= pixels:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _fit(text: str, pixels: float, char: float = 6.8) -> str:
    """``text`` cut, with an ellipsis, to about ``pixels`` wide at 12 px (a menu's box)."""
    most = max(1, int(pixels // char))
    return text if len(text) <= most else text[:most - 1].rstrip() + "\u2026"


def _pad_width(picture: np.ndarray, width: int) -> np.ndarray:
    """``picture`` widened to ``width`` pixels with white on the right."""
    missing = width - picture.shape[1]
    if missing <= 0:
        return picture
    white = np.full((picture.shape[0], missing, 4), 255, np.uint8)
    return np.concatenate([picture, white], axis=1)


def alternative_values(control) -> list:
    """A few values for ``control``: its current value first, then neighbours/options."""
    value = control.value
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [value, not value]
    if hasattr(control, "options") and hasattr(control, "index"):
        options = [opt[1] if isinstance(opt, tuple) else opt for opt in control.options]
        return [value] + [o for o in options if o != value][:3]
    if hasattr(control, "step") and hasattr(control, "max") and hasattr(control, "min"):
        step = control.step or 1
        up = value + step if value + step <= control.max else value - step
        if isinstance(control.step, int):
            return [value, up] if up != value else [value]
        return [value, round(up, 10)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [value, value + 1]
    return [value]


# --- the registry ----------------------------------------------------------------------------------
DASHBOARDS: dict[str, Callable[..., Dashboard]] = {}
"""Dashboard name -> factory. Filled by ``@register_dashboard``; see ``discover()``."""


def register_dashboard(name: str):
    """Decorator: record a dashboard factory under ``name`` (for the speed benchmark).

    The factory must build its default dashboard when called as ``factory(mode=...)``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"a dashboard name must be a non-empty string, got {name!r}")

    def decorate(factory):
        if name in DASHBOARDS and DASHBOARDS[name] is not factory and \
                DASHBOARDS[name].__qualname__ != factory.__qualname__:
            raise ValueError(f"two dashboards are registered as {name!r}")
        DASHBOARDS[name] = factory
        factory.dashboard_name = name
        return factory

    return decorate


def discover() -> dict:
    """Import every module of ``rrnn.dash`` (and ``rrnn.dash.*`` sub-packages) and return the
    registry: name -> factory, sorted by name."""
    package = importlib.import_module("rrnn.dash")
    for info in pkgutil.walk_packages(package.__path__, prefix="rrnn.dash."):
        importlib.import_module(info.name)
    return dict(sorted(DASHBOARDS.items()))
