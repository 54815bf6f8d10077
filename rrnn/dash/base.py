"""What every dashboard shares: figures that update in place, a message area, the Dashboard
widget, and the registry that the speed benchmark walks.

A dashboard is three things: a dict of controls (widgets with a ``value``), a figure class that
knows how to redraw itself from a result, and a pure ``compute`` function (usually from
``rrnn.studies``) that turns the control values into that result. ``Dashboard`` wires them:
when a control changes, it calls ``compute(**values)`` and passes the result to every figure's
``update``. It computes nothing itself.

Writing one (in ``rrnn/dash/<name>.py``)::

    import numpy as np
    from rrnn.dash import controls as C
    from rrnn.dash.base import Dashboard, InPlaceFigure, register_dashboard

    class WaveFigure(InPlaceFigure):
        figsize = (6, 3)
        def build(self):                        # once: make the axes and empty artists
            self.ax = self.fig.add_subplot()
            (self.line,) = self.ax.plot([], [])
            self.animate(self.line)             # changes with the data (see "Blitting" below)
        def draw(self, result):                 # every update: only set data on the artists
            self.line.set_data(np.arange(len(result)), result)
            self.ax.set_xlim(0, len(result) - 1)
            self.fit_ylim(self.ax, result)      # nice limits, kept while the data still fits

    def wave(amplitude, seq_len):
        return amplitude * np.sin(np.arange(seq_len))

    @register_dashboard("wave")
    def wave_dashboard(amplitude=1.0, seq_len=20, *, mode=None) -> Dashboard:
        controls = {"amplitude": C.amplitude_slider(amplitude), "seq_len": C.seq_len_slider(seq_len)}
        return Dashboard(controls, WaveFigure(mode=mode), wave, title="A wave")

In a notebook, after ``%matplotlib widget``::

    dash = wave_dashboard()
    dash                                         # shows the controls and the figure

In a test (or the benchmark), without a front end::

    dash = wave_dashboard(mode="static")
    dash.controls["amplitude"].value = 2.0       # recomputes and redraws, synchronously
    dash.result, dash.figure.line.get_ydata()    # what was computed, what is plotted
    dash.message.text                            # '' when fine, the reason when not
    dash.error                                   # None, or the exception a bad combination raised

Figure modes (``InPlaceFigure(mode=...)``; None picks one with ``detect_mode()``):

    "widget"  ipympl (``%matplotlib widget``): the figure is an ipympl canvas widget; an update
              sets artist data, draws (or blits) and sends the frame - nothing flickers.
    "inline"  a Jupyter kernel without ipympl: the figure is rendered to PNG and re-displayed
              inside an ``ipywidgets.Output`` with ``clear_output(wait=True)``.
    "static"  no front end (tests, the benchmark, scripts): an Agg canvas, drawn synchronously
              on every update, shown nowhere. ``figure.image()`` gives a PNG for a notebook.

Blitting: a full matplotlib redraw costs ~1 ms per piece of text (tick labels, titles), so a
figure with several axes takes 50-100 ms to draw. ``InPlaceFigure.update`` therefore redraws only
the artists registered with ``animate`` when nothing else changed (limits, ticks, titles, labels:
see ``layout_key``), which takes a few ms; ``fit_ylim`` / ``fit_clim`` keep limits stable while
the data still fits them, and numbers that change belong in animated texts, not in titles.
Every canvas draws its text through ``rrnn.dash.cached_text`` (string layouts and glyph bitmaps
are cached: the same pixels, about twice as fast; fenced, with a switch).

Threads: JupyterLab may run widget callbacks in a thread beside the one running a cell, and
matplotlib is not thread-safe. Each figure has one lock (``InPlaceFigure.lock``, also held by its
canvas's ``draw``), and each dashboard one more around compute and update, so a figure is never
drawn by two threads at once and a dashboard shows the result of its latest values.

Rules the registry relies on: a registered factory must build its dashboard when called with
no arguments but ``mode=``; ``discover()`` imports every module of ``rrnn.dash`` so that
``@register_dashboard`` has run for all of them.
"""
from __future__ import annotations

import contextlib
import functools
import html
import importlib
import inspect
import io
import pkgutil
import threading
import weakref
from typing import Any, Callable

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, FuncFormatter, MaxNLocator, NullFormatter, NullLocator

from .cached_text import CachedTextAgg, CachedTextCanvas

MODES = ("widget", "inline", "static")


# --- where are we running? -------------------------------------------------------------------
def in_kernel() -> bool:
    """True inside a Jupyter kernel (where widgets can be shown)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def ipympl_active() -> bool:
    """True when matplotlib's backend is ipympl (``%matplotlib widget`` / ``%matplotlib ipympl``)."""
    try:
        backend = matplotlib.get_backend(auto_select=False)   # matplotlib >= 3.10: no side effect
    except TypeError:  # pragma: no cover - older matplotlib
        backend = matplotlib.get_backend()
    backend = str(backend or "").lower()
    return "ipympl" in backend or backend == "widget"


def detect_mode() -> str:
    """'widget' under ipympl in a kernel, 'inline' in any other kernel, 'static' elsewhere."""
    if in_kernel():
        return "widget" if ipympl_active() else "inline"
    return "static"


def _check_mode(mode):
    if mode is None:
        return detect_mode()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)} or None, got {mode!r}")
    return mode


class LockedCanvas:
    """Mixin for a canvas class: ``draw`` (and, on the web canvas, encoding a frame) holds the
    canvas's ``lock``, so two threads never draw one figure at the same time."""

    def __init__(self, *args, **kwargs):
        self.lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def draw(self, *args, **kwargs):
        with self.lock:
            return super().draw(*args, **kwargs)


class StaticCanvas(LockedCanvas, CachedTextAgg):
    """The Agg canvas of 'static' and 'inline' figures."""


@functools.cache
def _widget_canvas_class():
    from ipympl.backend_nbagg import Canvas

    class WidgetCanvas(LockedCanvas, CachedTextCanvas, Canvas):
        """ipympl's canvas, locked, drawing its text through the cache."""

        def get_diff_image(self):
            with self.lock:
                return super().get_diff_image()

    return WidgetCanvas


def new_figure(mode: str = "static", figsize=(8, 4), dpi: int = 80) -> Figure:
    """A matplotlib Figure for ``mode``, outside pyplot (so nothing shows it behind our back).

    widget: an ipympl canvas with its header, footer and resize handle hidden, toolbar on hover.
    inline/static: an Agg canvas. Either way the canvas is locked and draws cached text
    (``LockedCanvas``, ``rrnn.dash.cached_text``).
    """
    mode = _check_mode(mode)
    fig = Figure(figsize=figsize, dpi=dpi)
    if mode == "widget":
        from ipympl.backend_nbagg import FigureManager
        canvas = _widget_canvas_class()(fig)
        # ipympl's figure manager carries draw requests to the front end; built by hand, not
        # through pyplot, so that no global registry keeps (or shows) the figure
        FigureManager(canvas, 0)
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.resizable = False
        canvas.toolbar_visible = "fade-in-fade-out"
        canvas.capture_scroll = False
    else:
        StaticCanvas(fig)
    return fig


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """The figure rendered as PNG bytes."""
    buffer = io.BytesIO()
    with getattr(fig.canvas, "lock", contextlib.nullcontext()):     # savefig draws, bypassing draw()
        fig.savefig(buffer, format="png", dpi=dpi or fig.dpi)
    return buffer.getvalue()


def as_image(fig: Figure, dpi: int | None = 100):
    """The figure as an ``IPython.display.Image``: a plain PNG in the notebook, which renders
    on GitHub whatever the matplotlib backend. End a cell with ``as_image(fig)``."""
    from IPython.display import Image
    return Image(data=figure_png(fig, dpi), format="png")


def static_figure(figsize=(8, 3.5), dpi: int = 100) -> Figure:
    """An ordinary figure for a static plot in a notebook that runs ``%matplotlib widget``:
    ``fig = static_figure(); ax = fig.subplots(); ...; as_image(fig)``."""
    return new_figure("static", figsize, dpi)


# --- a figure that redraws in place --------------------------------------------------------------
def nice_limits(lo: float, hi: float, nbins: int = 4) -> tuple:
    """Round (lo, hi) outwards to tick values of a MaxNLocator(nbins): stable, readable limits."""
    if not hi - lo > 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    ticks = MaxNLocator(nbins).tick_values(lo, hi)
    below, above = ticks[ticks <= lo + 1e-12], ticks[ticks >= hi - 1e-12]
    return (float(below.max()) if below.size else lo), (float(above.min()) if above.size else hi)


def _formatter_key(formatter):
    """What tick labels ``formatter`` writes, without formatting any: the labels of
    ``set_ticks(ticks, labels)`` (a FuncFormatter over a dict of them) or of a FixedFormatter,
    "none" for a NullFormatter, else the formatter's identity (its labels follow the ticks)."""
    if isinstance(formatter, FixedFormatter):
        return tuple(formatter.seq)
    if isinstance(formatter, NullFormatter):
        return "none"
    func = getattr(formatter, "func", None)
    if isinstance(formatter, FuncFormatter) and isinstance(func, functools.partial) and len(func.args) == 1 \
            and isinstance(func.args[0], dict) and not func.keywords:
        return (getattr(func.func, "__name__", None), tuple(func.args[0].items()))
    return id(formatter)


def _legend_key(legend) -> tuple:
    """What a legend draws: place, texts and each entry's look. By content, not by identity:
    a dashboard that rebuilds its legend with the same entries has the same layout."""
    def look(handle):
        return tuple(str(getter()) for getter in (getattr(handle, name, None) for name in (
            "get_color", "get_facecolor", "get_edgecolor", "get_linestyle", "get_linewidth", "get_marker",
            "get_alpha")) if getter is not None)
    return (legend.get_visible(), legend.get_bbox_to_anchor().bounds, legend.get_frame_on(),
            tuple(t.get_text() for t in legend.get_texts()),
            tuple((type(h).__name__, look(h)) for h in legend.legend_handles))


class InPlaceFigure:
    """Base class: build the axes and artists once, then update them from results, in place.

    Subclasses set ``figsize`` (inches) and implement

      ``build()``        make ``self.fig``'s axes and empty artists; register the artists that
                         change with the data via ``self.animate(artist, ...)``;
      ``draw(result)``   set data on those artists (``set_data``, ``set_array``, ...), and the
                         limits, titles, labels and ticks if they change; never ``ax.clear()``.

    ``update(result)`` calls ``draw`` and then puts the new frame on screen, the cheapest way
    that is correct: when the layout (every axes' limits, ticks, labels and non-animated titles
    and texts - see ``layout_key``) is unchanged it *blits*: it restores the saved background
    and redraws only the animated artists; otherwise it redraws the whole figure. So text that
    changes with the data (a number in a title, say) is best animated too. The backgrounds of
    the last ``backgrounds`` layouts are kept, so going back to one (a slots slider moved back
    and forth) blits too. A full redraw is synchronous, and then sent: under ipympl as a frame
    straight to the front end (one message, not a draw request and the front end's reply;
    ``draw_idle`` only until a front end has shown the canvas), inline as a PNG re-displayed in
    an ``Output`` (``clear_output(wait=True)``). The first update also runs ``tight_layout``
    once. Anything ``draw`` changes must be animated or part of the layout key.

    Attributes: ``fig`` (matplotlib Figure), ``mode``, ``widget`` (what a layout shows),
    ``updates``, ``full_draws`` and ``blits`` (how each update was shown).
    """

    figsize = (8.0, 4.0)
    dpi = 80
    tight = True        # run tight_layout once, on the first update ...
    tight_rect = None   # ... inside this (left, bottom, right, top) box of the figure, if given
    fixed_empty_labels = True   # axis labels empty after the first draw of their axes stay empty
    blit = True         # redraw only the animated artists when the layout is unchanged
    backgrounds = 8     # ... or when it is one of the last 8 shown (their backgrounds are kept)

    def __init__(self, *, mode: str | None = None, figsize=None, dpi: int | None = None):
        self.mode = _check_mode(mode)
        self.fig = new_figure(self.mode, figsize or self.figsize, dpi or self.dpi)
        self.output = widgets.Output()
        self.updates = self.full_draws = self.blits = 0
        self.dynamic = []
        self._background = None          # the background of the layout shown now ...
        self._layout = None
        self._backgrounds = {}           # ... and of the last few shown: layout key -> background
        self._placed = weakref.WeakSet()     # axes whose title and empty labels _fix_placements fixed
        self._fixed_labels = weakref.WeakSet()
        self.lock = self.fig.canvas.lock     # held by every update and by every draw of the canvas
        self.build()
        self.fig.canvas.mpl_connect("draw_event", self._on_draw)

    # subclasses fill these two
    def build(self) -> None:
        raise NotImplementedError

    def draw(self, result) -> None:
        raise NotImplementedError

    def animate(self, *artists):
        """Mark artists as changing with the data (drawn on every update, also when blitting).
        Returns the artist (or the tuple of them)."""
        for artist in artists:
            artist.set_animated(True)
            self.dynamic.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def update(self, result) -> "InPlaceFigure":
        """Redraw from ``result`` (in place) and return self."""
        with self.lock:
            self.draw(result)
            self.dynamic = [a for a in self.dynamic if a.axes is not None or a.figure is not None]
            self._fix_placements()
            if self.updates == 0 and self.tight:
                self.fig.tight_layout(rect=self.tight_rect)
            self.updates += 1
            layout = self.layout_key()
            if layout != self._layout:      # back to a layout shown before: its background still fits
                self._layout, self._background = layout, self._backgrounds.get(layout)
            if self.blit and self._background is not None:
                self._blit()
            else:
                self.refresh()
        return self

    def _fix_placements(self) -> None:
        """Fix titles and empty axis labels in place, through matplotlib's public setters: left
        automatic, every full draw measures every tick label again to place them, and finds the
        place it had. A title sits at y = 1 when nothing is drawn above its axes (no child axes,
        no ticks or label on top); an axis label still empty after its axes' first draw is fixed
        too (``fixed_empty_labels``), and must stay empty: a figure that labels an axis later
        sets ``fixed_empty_labels = False`` (``update`` raises otherwise)."""
        for axis in self._fixed_labels:
            if axis.label.get_text():
                raise RuntimeError(f"{type(self).__name__}.draw gave the axis label {axis.label.get_text()!r} "
                                   "text after its first draw left it empty: set fixed_empty_labels = False "
                                   "on the figure class, or label it in build()")
        for ax in self.fig.axes:
            if ax in self._placed:
                continue
            self._placed.add(ax)
            if not ax.child_axes and ax.xaxis.get_ticks_position() in ("bottom", "default") \
                    and ax.xaxis.get_label_position() == "bottom":
                title = ax.title
                ax.set_title(title.get_text(), y=1.0, fontsize=title.get_fontsize(),
                             fontweight=title.get_fontweight(), color=title.get_color())
            if self.fixed_empty_labels:
                for axis, coords in ((ax.xaxis, (0.5, 0.0)), (ax.yaxis, (0.0, 0.5))):
                    if not axis.label.get_text():
                        axis.set_label_coords(*coords)
                        self._fixed_labels.add(axis)

    def layout_key(self) -> tuple:
        """Everything static that ``draw`` may change; blitting is safe while it stays equal.

        ``(figure, children)``: the figure's size, dpi and children, then one key per child that
        is drawn into the background (an axes: ``axes_key``; a text: its string, place and
        visibility). A subclass may append more to the tuple."""
        children = self._static_children()
        figure = (tuple(self.fig.get_size_inches()), self.fig.dpi, tuple(id(a) for a in children))
        return figure, tuple(self._child_key(a) for a in children)

    def _static_children(self) -> list:
        """The figure's children drawn into the background (not animated), but its patch."""
        return [a for a in self.fig.get_children() if a is not self.fig.patch and not a.get_animated()]

    @classmethod
    def _child_key(cls, artist) -> tuple:
        from matplotlib.axes import Axes
        from matplotlib.text import Text
        if isinstance(artist, Axes):
            return cls.axes_key(artist)
        if isinstance(artist, Text):
            return (artist.get_visible(), artist.get_text(), artist.get_position(), artist.get_color(),
                    artist.get_fontsize())
        return (artist.get_visible(),)

    @staticmethod
    def axes_key(ax) -> tuple:
        """An axes' static layout: visibility, place, limits, titles, axis labels, ticks and their
        labels, non-animated texts and the legend. Cheap: tick labels are not formatted; a tick
        locator other than fixed ticks counts by identity (its ticks follow the limits and size,
        which are in the key). A hidden axes draws nothing, whatever it holds: its key is its
        visibility alone."""
        if not ax.get_visible():
            return (False,)
        titles = (None if ax.title.get_animated() else ax.get_title("center"), ax.get_title("left"),
                  ax.get_title("right"))
        axes = []
        for axis in (ax.xaxis, ax.yaxis):
            locator, formatter = axis.get_major_locator(), axis.get_major_formatter()
            first = axis.majorTicks[0].label1 if axis.majorTicks else None
            axes.append((axis.get_visible(), axis.label.get_text(),
                         tuple(locator.locs) if isinstance(locator, FixedLocator) else
                         "none" if isinstance(locator, NullLocator) else id(locator),
                         _formatter_key(formatter),
                         None if first is None else (first.get_rotation(), first.get_fontsize(), first.get_visible())))
        legend = ax.get_legend()
        return (ax.get_visible(), ax.get_position().bounds, tuple(ax.viewLim.intervalx), tuple(ax.viewLim.intervaly),
                titles, tuple(axes),
                tuple((t.get_text(), t.get_visible()) for t in ax.texts if not t.get_animated()),
                None if legend is None else _legend_key(legend))

    def refresh(self) -> None:
        """Redraw the whole figure and put it on screen (see the class docstring)."""
        with self.lock:
            self.full_draws += 1
            canvas = self.fig.canvas
            if self.mode == "widget" and getattr(canvas, "syncing_data_url", True):
                # no front end has shown the canvas yet (ipympl clears this flag when one has): a
                # frame sent now would be lost, and later diff frames drawn over nothing, so ask
                # for a draw, which the front end requests once it is there
                self._background = None          # until that draw has captured a new one
                canvas.draw_idle()
            else:
                canvas.draw()                    # the draw_event saves the background, adds the animated artists
                if self.mode == "inline":
                    self._show_buffer()

    def _on_draw(self, event) -> None:
        if event is not None and event.canvas is not self.fig.canvas:
            return
        if self.fig.canvas.is_saving():
            # savefig: the axes have drawn their animated artists themselves (matplotlib does that
            # when saving); only figure-level ones are left, and no background is kept
            self._draw_dynamic(axes_artists=False)
            return
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        if self.blit and self._layout is not None:
            self._backgrounds.pop(self._layout, None)           # the newest last
            self._backgrounds[self._layout] = self._background
            while len(self._backgrounds) > self.backgrounds:
                del self._backgrounds[next(iter(self._backgrounds))]
        self._draw_dynamic()

    def _draw_dynamic(self, axes_artists: bool = True) -> None:
        for artist in sorted(self.dynamic, key=lambda a: a.get_zorder()):
            if artist.axes is not None:
                if axes_artists:
                    artist.axes.draw_artist(artist)
            elif artist.figure is not None:
                self.fig.draw_artist(artist)

    def _blit(self) -> None:
        self.blits += 1
        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        self._draw_dynamic()
        if self.mode == "widget":
            canvas.blit(self.fig.bbox)
        elif self.mode == "inline":
            self._show_buffer()

    def _show_buffer(self) -> None:
        from IPython.display import Image, clear_output, display
        from matplotlib.image import imsave
        buffer = io.BytesIO()
        imsave(buffer, np.asarray(self.fig.canvas.buffer_rgba()), format="png", dpi=self.fig.dpi)
        with self.output:
            clear_output(wait=True)          # wait: the old image stays until the new one arrives
            display(Image(data=buffer.getvalue(), format="png"))

    def forget_backgrounds(self, keep_current: bool = False) -> None:
        """Drop the kept backgrounds, so that going back to a layout draws the whole figure
        again; with ``keep_current``, all but the one of the layout shown now."""
        with self.lock:
            if keep_current and self._background is not None:
                self._backgrounds = {self._layout: self._background}
            else:
                self._background, self._layout, self._backgrounds = None, None, {}

    @property
    def widget(self):
        """The widget to place in a layout: the ipympl canvas, or the Output holding the PNG."""
        return self.fig.canvas if self.mode == "widget" else self.output

    def image(self, dpi: int | None = 100):
        """The current figure as a static PNG (``IPython.display.Image``), e.g. for GitHub."""
        with self.lock:
            picture = as_image(self.fig, dpi)
            self.forget_backgrounds()                       # savefig re-rendered the canvas
            if self.mode == "widget":
                self.fig.canvas.draw_idle()
        return picture

    # helpers for draw()
    @staticmethod
    def rescale(ax, x=True, y=True) -> None:
        """Fit the axes limits to their current data (artists changed with set_data)."""
        ax.relim(visible_only=True)
        ax.autoscale_view(scalex=x, scaley=y)

    def fit_ylim(self, ax, *arrays, floor: float | None = None, nbins: int = 4, keep: float = 0.4) -> None:
        """Set ax's y limits to nice values around ``arrays`` (and ``floor``, e.g. 0). Limits
        that already hold the data and are not much wider (the data spans at least ``keep`` of
        them) are kept, so small changes do not move the axes - and the figure can blit."""
        values = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays]) if arrays else np.zeros(0)
        values = values[np.isfinite(values)]
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        if floor is not None:
            lo, hi = min(lo, floor), max(hi, floor)
        a, b = ax.get_ylim()
        if self.updates and a <= lo and hi <= b and (hi - lo) >= keep * (b - a):
            return
        pad = 0.04 * (hi - lo)
        lo2, hi2 = nice_limits(lo - (pad if floor is None or lo < floor else 0), hi + pad, nbins)
        ax.set_ylim(lo2, hi2)

    def fit_clim(self, image, data, floor: float | None = None, keep: float = 0.4, symmetric: bool = False) -> None:
        """Like fit_ylim, for an image's colour limits (``symmetric``: -c .. c around 0)."""
        data = np.asarray(data, dtype=float)
        lo, hi = float(np.nanmin(data)), float(np.nanmax(data))
        if symmetric:
            hi = max(abs(lo), abs(hi), 1e-9)
            lo = -hi
        if floor is not None:
            lo = min(lo, floor)
        a, b = image.get_clim()
        if self.updates and a <= lo and hi <= b and (hi - lo) >= keep * (b - a):
            return
        lo, hi = nice_limits(lo, hi, 4)
        if symmetric:
            hi = max(abs(lo), abs(hi))
            lo = -hi
        image.set_clim(lo, hi)

    def set_bars(self, ax, bars, heights, x0: float = 0, **bar_kwargs):
        """Bars at x0 .. x0+n-1 with ``heights``: heights are set in place when the count is
        unchanged, else the old bars are removed and new (animated) ones made. Returns the
        (possibly new) BarContainer."""
        heights = np.asarray(heights, dtype=float)
        if bars is not None and len(bars) == len(heights):
            for patch, value in zip(bars, heights):
                patch.set_height(value)
            return bars
        if bars is not None:
            self.dynamic = [a for a in self.dynamic if a not in bars.patches]
            bars.remove()
        bars = ax.bar(x0 + np.arange(len(heights)), heights, **bar_kwargs)
        self.animate(*bars.patches)
        return bars

    @staticmethod
    def set_image(ax, image, data, clim=None, x0: float = 0, y0: float = 0):
        """Show ``data`` (rows, cols) in an AxesImage made by ``ax.imshow``: new data, extent and
        limits in place (the shape may change). Cell (i, j) is centred at (x0 + j, y0 + i);
        ``clim`` None keeps the current colour limits."""
        data = np.asarray(data, dtype=float)
        rows, cols = data.shape
        image.set_data(data)
        image.set_extent((x0 - 0.5, x0 + cols - 0.5, y0 + rows - 0.5, y0 - 0.5))
        ax.set_xlim(x0 - 0.5, x0 + cols - 0.5)
        ax.set_ylim(y0 + rows - 0.5, y0 - 0.5)
        if clim is not None:
            image.set_clim(*clim)

    def __repr__(self):
        return f"<{type(self).__name__} ({self.mode})>"


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
                for fig in self.figures:
                    fig.update(result)
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
