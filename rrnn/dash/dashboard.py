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
"""
from __future__ import annotations

import contextlib
import html
import importlib
import inspect
import pkgutil
import threading
from typing import Any, Callable

import ipywidgets as widgets

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
