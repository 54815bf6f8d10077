"""Figures that redraw in place: the figure half of a dashboard (``rrnn.dash.dashboard`` is the
other half).

An ``InPlaceFigure`` builds its axes and artists once (``build``) and sets new data on them from
each result (``draw``). ``update(result)`` then puts the new frame on screen the cheapest way that
is correct: it *blits* - restores the saved background and redraws only the animated artists -
while the figure's static layout is one it has drawn before, and redraws the whole figure
otherwise (a full redraw draws every tick label and title: tens of milliseconds).

The contract - what ``draw`` may change, and how it says so (checked by update or by the
tests every registered dashboard gets, ``tests/test_dash_foundations.py``):

1. Artists that change with the data are registered once with ``animate(artist, ...)``; anything
   else ``draw`` touches is static layout. Removed animated artists are forgotten by themselves.
2. ``layout_inputs`` names the controls whose values change the static layout (the slots, the
   heads, the model, ...): the figure's layout is keyed by their values, and the backgrounds of
   the last ``backgrounds`` layouts are kept, so moving a control back blits.
3. Every axes' place, limits and visibility are part of the key by themselves; colour limits,
   bar counts and image shapes change through the helpers ``fit_clim``, ``set_bars`` and
   ``set_image`` (and ``fit_ylim`` for nice y limits), which add what they set to the key.
4. Any other static content that follows the data (a legend, ticks, a text that is not
   animated) says what it shows with ``in_layout(name, value)``, or calls ``relayout()``.
5. Axis labels left empty by the first draw stay empty (``fixed_empty_labels``); never
   ``ax.clear()``; for ``tight_layout`` after the first update, ``fit_layout(key)``.

Modes (``InPlaceFigure(mode=...)``; None picks one with ``detect_mode()``):

    "widget"  ipympl (``%matplotlib widget``): the figure is an ipympl canvas widget; an update
              sets artist data, draws (or blits) and sends the frame - nothing flickers.
    "inline"  a Jupyter kernel without ipympl: the figure is rendered to PNG and re-displayed
              inside an ``ipywidgets.Output`` with ``clear_output(wait=True)``.
    "static"  no front end (tests, the benchmark, scripts): an Agg canvas, drawn synchronously
              on every update, shown nowhere. ``figure.image()`` gives a PNG for a notebook.

Every canvas draws its text through ``rrnn.dash.cached_text`` (fenced; the same pixels, faster),
and holds a lock while it draws: JupyterLab may run widget callbacks in a thread beside the one
running a cell, and matplotlib is not thread-safe. ``InPlaceFigure.lock`` is that lock.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import threading
import weakref

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import _malloc
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


# --- the slides' figure scale ---------------------------------------------------------------------
SCALE_VARIABLE = "RRNN_FIGURE_SCALE"


def figure_scale() -> float:
    """How many times larger than in the notebook every figure is drawn, in pixels - its text, lines
    and markers with it, its layout unchanged: ``RRNN_FIGURE_SCALE`` from the environment
    (``make slides`` sets 1.25, for the back of a lecture room), 1 when unset. Clipped to
    [0.5, 3]; a value that is not a number is an error."""
    text = os.environ.get(SCALE_VARIABLE, "").strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{SCALE_VARIABLE} must be a number such as 1.25, got {text!r}") from None
    return float(np.clip(value, 0.5, 3.0)) if np.isfinite(value) else 1.0


def new_figure(mode: str = "static", figsize=(8, 4), dpi: int = 80) -> Figure:
    """A matplotlib Figure for ``mode``, outside pyplot (so nothing shows it behind our back).

    widget: an ipympl canvas with its header, footer and resize handle hidden, toolbar on hover.
    inline/static: an Agg canvas. Either way the canvas is locked and draws cached text
    (``LockedCanvas``, ``rrnn.dash.cached_text``).

    Under a figure scale s (``figure_scale()``; ``make slides``) the figure has s times the dpi:
    the same layout, s times as many pixels, every text and line s times larger on screen.
    ``figure_png`` renders such a figure at s times the dpi asked.
    """
    mode = _check_mode(mode)
    scale = figure_scale()
    fig = Figure(figsize=figsize, dpi=dpi * scale)
    fig.rrnn_figure_scale = scale
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
        fig.savefig(buffer, format="png", dpi=dpi * getattr(fig, "rrnn_figure_scale", 1.0) if dpi else fig.dpi)
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


def grid_positions(count: int, columns: int, box=(0.06, 0.08, 0.86, 0.80), wspace=0.35, hspace=0.45) -> list:
    """Axes rectangles [left, bottom, width, height] for ``count`` panels in rows of ``columns``
    inside ``box`` (figure fractions: left, bottom, width, height), filled row by row from the top.
    Plain arithmetic: the dashboards with one panel per head place them with it."""
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    left, bottom, width, height = box
    w = width / (columns + wspace * (columns - 1))
    h = height / (rows + hspace * (rows - 1))
    out = []
    for n in range(count):
        r, c = divmod(n, columns)
        out.append([left + c * w * (1 + wspace), bottom + height - h - r * h * (1 + hspace), w, h])
    return out


class InPlaceFigure:
    """Base class: build the axes and artists once, then update them from results, in place
    (the module docstring has the contract).

    Subclasses set ``figsize`` (inches) and ``layout_inputs``, and implement ``build()`` and
    ``draw(result)``. ``update(result, inputs)`` draws and shows the result; ``inputs`` are the
    dashboard's control values (``Dashboard`` passes them), of which ``layout_inputs`` key the
    layout. A full redraw is synchronous, and then sent: under ipympl as a frame straight to the
    front end (``draw_idle`` only until a front end has shown the canvas), inline as a PNG
    re-displayed in an ``Output``. The first update also runs ``tight_layout`` once.

    Attributes: ``fig`` (matplotlib Figure), ``mode``, ``widget`` (what a layout shows),
    ``lock``, ``updates``, ``full_draws`` and ``blits`` (how each update was shown).
    """

    figsize = (8.0, 4.0)
    dpi = 80
    layout_inputs: tuple = ()   # the controls whose values change the static layout
    tight = True        # run tight_layout once, on the first update ...
    tight_rect = None   # ... inside this (left, bottom, right, top) box of the figure, if given
    fixed_empty_labels = True   # axis labels empty after the first draw of their axes stay empty
    blit = True         # redraw only the animated artists when the layout is unchanged
    backgrounds = 8     # ... or when it is one of the last 8 shown (their backgrounds are kept)

    def __init__(self, *, mode: str | None = None, figsize=None, dpi: int | None = None):
        # every redraw allocates and frees image-sized temporaries: keep them mapped (rrnn/_malloc.py)
        _malloc.keep_freed_memory()
        self.mode = _check_mode(mode)
        self.fig = new_figure(self.mode, figsize or self.figsize, dpi or self.dpi)
        self.output = widgets.Output()
        self.updates = self.full_draws = self.blits = 0
        self.dynamic = []
        self._background = None          # the background of the layout shown now ...
        self._layout = None
        self._backgrounds = {}           # ... and of the last few shown: layout key -> background
        self._marks = {}                 # what the helpers set: limits, bar counts, image shapes
        self._relayout = False
        self._fitted = {}                # fit_layout: key -> every axes' position
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

    def update(self, result, inputs: dict | None = None) -> "InPlaceFigure":
        """Redraw from ``result`` (in place) and return self. ``inputs``: the control values, of
        which those named in ``layout_inputs`` key the layout (None: none of them changed it)."""
        with self.lock:
            self._relayout = False
            self.draw(result)
            self.dynamic = [a for a in self.dynamic if a.axes is not None or a.figure is not None]
            self._fix_placements()
            if self.updates == 0 and self.tight:
                self.fig.tight_layout(rect=self.tight_rect)
            self.updates += 1
            declared = tuple((name, inputs.get(name)) for name in self.layout_inputs) if inputs else ()
            axes = tuple((ax.get_position().bounds, ax.get_xlim(), ax.get_ylim()) if ax.get_visible() else None
                         for ax in self.fig.axes)      # (a hidden axes draws nothing, whatever it holds)
            layout = (declared, axes, tuple(self._marks.items()))
            if self._relayout:
                self._backgrounds.pop(layout, None)             # drawn anew
                self._layout, self._background = layout, None
            elif layout != self._layout:                        # a layout shown before blits from its background
                self._layout, self._background = layout, self._backgrounds.get(layout)
            if self.blit and self._background is not None:
                self._blit()
            else:
                self.refresh()
        return self

    @property
    def layout(self) -> tuple:
        """The key of the layout shown now: the declared inputs' values, every axes' place, limits
        and visibility, and what ``in_layout`` was told."""
        return self._layout

    def in_layout(self, name, value) -> None:
        """Say that static content ``name`` (a legend, ticks, a text that is not animated) now
        shows ``value``: part of the layout's key, so a new value draws in full and a value shown
        before blits from its kept background. The helpers below call it for what they set."""
        self._marks[name] = value

    def relayout(self) -> None:
        """Say that ``draw`` changed the static layout in a way ``layout_inputs`` and the helpers
        do not show (a rebuilt legend, ticks that follow the data): this update draws in full."""
        self._relayout = True

    def fit_layout(self, key) -> None:
        """``tight_layout`` once per ``key`` (for example a row count), then the same positions
        again: tight_layout starts from the current positions and lands a hair elsewhere each
        time, so refitting a layout shown before would not reproduce it."""
        fitted = self._fitted.get(key)
        if fitted is None:
            self.fig.tight_layout(rect=self.tight_rect)
            self._fitted[key] = [ax.get_position(original=True) for ax in self.fig.axes]
        else:
            for ax, position in zip(self.fig.axes, fitted):
                ax.set_position(position)
        self.in_layout("fit_layout", key)

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

    def png(self, dpi: int | None = None) -> bytes:
        """The current figure as PNG bytes (``figure_png``; dpi None: the figure's own). savefig
        re-renders the canvas, so the frame (and its kept background) is drawn again afterwards."""
        with self.lock:
            data = figure_png(self.fig, dpi)
            self.forget_backgrounds()
            if self.mode == "widget":
                self.fig.canvas.draw_idle()
            else:
                self.fig.canvas.draw()
        return data

    def image(self, dpi: int | None = 100):
        """The current figure as a static PNG (``IPython.display.Image``), e.g. for GitHub."""
        from IPython.display import Image
        return Image(data=self.png(dpi), format="png")

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
        if not (self.updates and a <= lo and hi <= b and (hi - lo) >= keep * (b - a)):
            pad = 0.04 * (hi - lo)
            ax.set_ylim(*nice_limits(lo - (pad if floor is None or lo < floor else 0), hi + pad, nbins))
        self.in_layout((id(ax), "ylim"), ax.get_ylim())

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
        if not (self.updates and a <= lo and hi <= b and (hi - lo) >= keep * (b - a)):
            lo, hi = nice_limits(lo, hi, 4)
            if symmetric:
                hi = max(abs(lo), abs(hi))
                lo = -hi
            image.set_clim(lo, hi)
        self.in_layout((id(image), "clim"), image.get_clim())

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
            bars.remove()                                  # (update forgets removed animated artists)
        bars = ax.bar(x0 + np.arange(len(heights)), heights, **bar_kwargs)
        self.animate(*bars.patches)
        self.in_layout((id(ax), "bars", x0), len(heights))
        return bars

    def set_image(self, ax, image, data, clim=None, x0: float = 0, y0: float = 0):
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
        self.in_layout((id(image), "image"), (rows, cols, x0, y0, image.get_clim()))

    def __repr__(self):
        return f"<{type(self).__name__} ({self.mode})>"
