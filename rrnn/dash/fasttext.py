"""Faster text for the dashboards' Agg canvases: the same pixels, without laying out and
rasterising the same glyphs again on every draw.

Matplotlib 3.11's Agg renderer lays every string out (``FT2Font._layout``) and rasterises each of
its glyphs (``FT2Font._render_glyph``) anew on every draw, in Python, glyph by glyph: about a
millisecond per tick label, which is most of a dashboard's redraw. Both steps are pure functions
of their inputs, so ``CachedTextRenderer`` remembers them:

- the layout of a string, per font, size, dpi, hinting, features and language;
- the bitmap of a glyph, per font file, size, dpi, glyph, rotation and the sub-pixel (1/64 px)
  phase of its position. FreeType renders a glyph moved by whole pixels into the same bitmap,
  moved, so the cache stores it relative to the whole-pixel part and moves it back;
- a font's full height (ascent, descent, line gap), which ``Text._get_layout`` asks of the
  renderer (``_get_font_height_metrics``) and otherwise reads from the font file's tables, font
  lookup included, for every text on every draw: an eighth of a dashboard's full redraw.

A font is keyed by what matplotlib builds it from (its files, kerning factor and last-resort
setting), not by the object: matplotlib gives every thread its own ``FT2Font`` objects, and
JupyterLab runs widget callbacks in a thread of their own (an ipykernel subshell), so keys by
object would miss there for every string the notebook's own cells had already drawn. A thread
never renders with another thread's font: a layout made elsewhere is made again with this
thread's font before a glyph it lacks is rendered.

The glyphs are then composited exactly as matplotlib does it (``draw_text_image``, one glyph at
a time, with the same colour and clip), so a figure looks the same pixel for pixel
(``tests/test_dash_foundations.py`` compares the buffers). Mathtext, usetex and anything this
module does not recognise go through matplotlib's own code.

    canvas = FigureCanvasAgg(fig); use_cached_text(canvas)     # what base.new_figure does
"""
from __future__ import annotations

import math
import types

import matplotlib as mpl
import numpy as np
from matplotlib import axis as maxis
from matplotlib import font_manager
from matplotlib.backends import backend_agg
from matplotlib.backends.backend_agg import RendererAgg

MAX_ENTRIES = 50_000        # per cache; emptied when full (a dashboard session uses a few thousand)

_layouts: dict = {}
_glyphs: dict = {}
_matrices: dict = {}
_font_keys: dict = {}        # id(FT2Font) -> (the font, its key); one entry per font and thread
_heights: dict = {}


def _supported() -> bool:
    """The private pieces of matplotlib's Agg text path this module mirrors are there."""
    from matplotlib import ft2font
    return (hasattr(RendererAgg, "_draw_text_glyphs_and_boxes") and hasattr(RendererAgg, "_prepare_font")
            and hasattr(backend_agg, "get_hinting_flag") and hasattr(backend_agg, "RenderMode")
            and hasattr(font_manager.fontManager, "_find_fonts_by_props")
            and all(hasattr(ft2font.FT2Font, name) for name in ("_layout", "_render_glyph", "_set_transform")))


SUPPORTED = _supported()


def clear() -> None:
    """Empty the layout and glyph caches."""
    _layouts.clear()
    _glyphs.clear()
    _font_keys.clear()
    _heights.clear()


def _matrix(angle: float):
    """FreeType's 16.16 rotation matrix for ``angle`` degrees, as matplotlib computes it."""
    matrix = _matrices.get(angle)
    if matrix is None:
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
        _matrices[angle] = matrix = (matrix, tuple(matrix.ravel().tolist()), cos, sin)
    return matrix


def _font_key(font, prop):
    """What the thread's ``font`` (``RendererAgg._prepare_font(prop)``) is built from: the same key
    in every thread, where ``id(font)`` differs (``font_manager.get_font`` keys by thread too)."""
    known = _font_keys.get(id(font))
    if known is None or known[0] is not font:
        paths = tuple(font_manager.fontManager._find_fonts_by_props(prop))
        known = _font_keys[id(font)] = (font, (paths, mpl.rcParams["text.kerning_factor"],
                                               mpl.rcParams["font.enable_last_resort"]))
    return known[1]


def _layout(font, s, flags, features, language):
    """``font``'s layout of ``s``: the font it was made with, then per glyph the font file's key,
    the glyph's font object, its index and its position."""
    items = font._layout(s, flags=flags, features=features, language=language)
    return (font, tuple(((item.ft_object.fname, item.ft_object.face_index), item.ft_object,
                         item.glyph_index, item.x, item.y) for item in items))


_FAMILY_LISTS = ("font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace")


class CachedTextRenderer(RendererAgg):
    """``RendererAgg`` whose ``draw_text`` reuses string layouts and glyph bitmaps, and whose
    fonts' heights are looked up once (see the module)."""

    def _get_font_height_metrics(self, prop):
        # what FontProperties hashes, and the family lists a generic family ("sans-serif") names
        key = (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(),
               prop.get_stretch(), prop.get_size(), prop.get_file(), prop.get_math_fontfamily(), self.dpi,
               tuple(tuple(mpl.rcParams[name]) for name in _FAMILY_LISTS))
        found = _heights.get(key)
        if found is None:
            if len(_heights) >= MAX_ENTRIES:
                _heights.clear()
            found = _heights[key] = _font_height_metrics(prop, self.dpi)
        return found

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not SUPPORTED:
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        font = self._prepare_font(prop)
        size = prop.get_size_in_points()
        flags = backend_agg.get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = (_font_key(font, prop), size, self.dpi, s, flags,
               tuple(features) if features is not None else None,
               language if language is None or isinstance(language, str) else tuple(language))
        entry = _layouts.get(key)
        if entry is None:
            entry = _layout(font, s, flags, features, language)
            if len(_layouts) >= MAX_ENTRIES:
                _layouts.clear()
            _layouts[key] = entry
        matrix, matrix_key, cos, sin = _matrix(float(angle))
        antialiased = bool(gc.get_antialiased())
        mode = backend_agg.RenderMode.NORMAL if antialiased else backend_agg.RenderMode.MONO
        height = self.height
        draw = self._renderer.draw_text_image
        for i, (face, ft_object, glyph_index, dx, dy) in enumerate(entry[1]):
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))
            gx, fx = divmod(px, 0x40)
            gy, fy = divmod(py, 0x40)
            gkey = (face, size, self.dpi, glyph_index, matrix_key, fx, fy, flags, antialiased)
            glyph = _glyphs.get(gkey)
            if glyph is None:
                if entry[0] is not font:                  # laid out by another thread's font
                    entry = _layouts[key] = _layout(font, s, flags, features, language)
                    ft_object = entry[1][i][1]
                ft_object.set_size(size, self.dpi)
                ft_object._set_transform(matrix, [fx, fy])
                bitmap = ft_object._render_glyph(glyph_index, flags, mode)
                buffer = np.array(bitmap.buffer)          # a copy: the font reuses its bitmap
                if not antialiased:
                    buffer *= 0xff
                glyph = (buffer, bitmap.left, bitmap.top)
                if len(_glyphs) >= MAX_ENTRIES:
                    _glyphs.clear()
                _glyphs[gkey] = glyph
            buffer, left, top = glyph
            draw(buffer, left + gx, int(height) - (top + gy) + buffer.shape[0], 0, gc)


def _font_height_metrics(prop, dpi):
    """(ascent, descent, line gap) of the font's full vertical extent in pixels, computed as
    ``Text._get_layout`` does when the renderer offers none (matplotlib 3.11, text.py)."""
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
    for table_name, linegap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


def _get_renderer(canvas):
    """``FigureCanvasAgg.get_renderer``, making a ``CachedTextRenderer``."""
    w, h = canvas.get_width_height(physical=True)
    key = w, h, canvas.figure.dpi
    renderer = getattr(canvas, "renderer", None)
    if canvas._lastKey != key or not isinstance(renderer, CachedTextRenderer):
        canvas.renderer = CachedTextRenderer(w, h, canvas.figure.dpi)
        canvas._lastKey = key
    return canvas.renderer


def use_cached_text(canvas):
    """Make the Agg canvas ``canvas`` (Agg, or ipympl's, which is an Agg canvas) draw its text
    with a ``CachedTextRenderer``. Returns the canvas."""
    if SUPPORTED and isinstance(canvas, backend_agg.FigureCanvasAgg):
        canvas.get_renderer = types.MethodType(_get_renderer, canvas)
    return canvas


# --- placements matplotlib measures on every draw, where the answer is already known -------------
MEASURE_ONCE = all(hasattr(maxis.Axis, name)
                   for name in ("_get_ticklabel_bboxes", "_get_tick_boxes_siblings", "_get_axis_name"))
"""The private pieces of matplotlib's Axis that ``_measure_tick_labels_once`` relies on are there."""


def _title_placement_is_fixed(ax) -> bool:
    """Axes._update_title_position would leave the titles at y = 1: no tick labels or axis label
    on top, no child or twinned axes, no y offset text ("1e3") that could reach the title."""
    return (ax.xaxis.get_ticks_position() not in ("top", "unknown") and ax.xaxis.get_label_position() != "top"
            and not ax.child_axes and len(ax._twinned_axes.get_siblings(ax)) == 1
            and not (ax.yaxis.offsetText.get_visible() and ax.yaxis.offsetText.get_text()))


def _measure_tick_labels_once(axis) -> None:
    """Make ``axis`` (an instance, nothing else) measure its tick labels once per draw.

    ``Axis.draw`` measures them (``_get_ticklabel_bboxes``), draws the ticks, then places the axis
    label clear of them (``_update_label_position``), which updates the ticks and measures every
    label again (``_get_tick_boxes_siblings``): a tenth of a full redraw, for boxes it already has.
    During the axis's own draw the second measurement reuses the first, when it would measure
    only this axis (no ``fig.align_labels`` group); everywhere else matplotlib measures.
    """
    if "_get_tick_boxes_siblings" in vars(axis):
        return
    cls = type(axis)

    def draw(renderer):
        axis._rrnn_drawing = True
        try:
            return cls.draw(axis, renderer)
        finally:
            axis._rrnn_drawing = False
            vars(axis).pop("_rrnn_tick_boxes", None)

    def get_ticklabel_bboxes(ticks, renderer):
        boxes = cls._get_ticklabel_bboxes(axis, ticks, renderer)
        if axis._rrnn_drawing:
            axis._rrnn_tick_boxes = boxes
        return boxes

    def get_tick_boxes_siblings(renderer):
        boxes = vars(axis).pop("_rrnn_tick_boxes", None)
        groups = axis.get_figure(root=False)._align_label_groups
        name = axis._get_axis_name()
        if boxes is not None and name in groups and groups[name].get_siblings(axis.axes) == [axis.axes]:
            return list(boxes[0]), list(boxes[1])
        return cls._get_tick_boxes_siblings(axis, renderer)

    axis._rrnn_drawing = False
    axis.draw, axis._get_ticklabel_bboxes, axis._get_tick_boxes_siblings = (
        draw, get_ticklabel_bboxes, get_tick_boxes_siblings)


def skip_known_placements(fig, placed: set) -> None:
    """Before a full draw: stop matplotlib from measuring every tick label to place an axis label
    that is empty, or a title that stays where it is (``_title_placement_is_fixed``) - about a
    quarter of a dashboard's full redraw, for the same pixels (tests/test_dash_foundations.py);
    and make every axis measure its tick labels once per draw (``_measure_tick_labels_once``).

    ``placed`` holds the ids of the axes and axis objects switched off here, so that they are
    switched back on when that stops being true (a label gets text, ticks move to the top); the
    placements a figure fixed itself (``set_label_coords``, ``set_title(y=...)``) are left alone.
    """
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if MEASURE_ONCE:
                _measure_tick_labels_once(axis)
            empty = not axis.label.get_text()
            if empty and axis._autolabelpos:
                axis._autolabelpos = False
                placed.add(id(axis))
            elif not empty and id(axis) in placed:
                axis._autolabelpos = True
                placed.discard(id(axis))
        fixed = _title_placement_is_fixed(ax)
        if fixed and ax._autotitlepos:
            ax._autotitlepos = False
            for title in (ax.title, ax._left_title, ax._right_title):      # where the measurement starts
                title.set_y(1.0)
            placed.add(id(ax))
        elif not fixed and id(ax) in placed:
            ax._autotitlepos = True
            placed.discard(id(ax))
