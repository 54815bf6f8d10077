"""Cached text for the dashboards' Agg canvases - the one module of rrnn that uses private
names of matplotlib, fenced here until a matplotlib release carries upstream's own text speed-up
(matplotlib PR #32120), when it goes.

Matplotlib 3.11's Agg renderer lays every string out and rasterises each of its glyphs anew on
every draw, in Python, glyph by glyph: most of a dashboard's full redraw. Both are pure functions
of their inputs, so ``CachedTextRenderer`` remembers them - a string's layout per font, size,
dpi, hinting, features and language; a glyph's bitmap per font file, size, dpi, rotation and the
sub-pixel phase of its position; a font's full height - and composites the glyphs exactly as
matplotlib does, so a figure looks the same pixel for pixel. Mathtext and usetex go through
matplotlib's own code.

Fences:

- **Versions.** It mirrors matplotlib's private text path, so it runs only on the minor
  versions it is tested on (``TESTED``); on any other, canvases draw with matplotlib's own code.
- **A self-check.** On first use it draws a probe figure both ways; if one pixel differs, or a
  cached draw ever raises, it switches itself off for the process and warns once
  (``CachedTextWarning``), and matplotlib draws the text.
- **A switch.** ``RRNN_CACHED_TEXT=0`` in the environment, or ``set_enabled(False)``.
- **Threads.** Matplotlib gives every thread its own font objects and is not thread-safe, and
  JupyterLab may run widget callbacks in a thread of their own. Every cache here belongs to one
  thread (``threading.local``): nothing cached by one thread is ever used by another.

    canvas = CachedTextAgg(fig)       # an Agg canvas that draws text through the cache
"""
from __future__ import annotations

import math
import os
import threading
import warnings

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager
from matplotlib.backends import backend_agg
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

TESTED = ((3, 11),)
"""The matplotlib minor versions whose private Agg text path this module mirrors (tested)."""
MAX_ENTRIES = 50_000        # per cache and thread; emptied when full (a session uses a few thousand)
_FAMILY_LISTS = ("font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace")


class CachedTextWarning(UserWarning):
    """The cached text switched itself off; matplotlib draws the text (same pixels, slower)."""


def _minor(version: str) -> tuple:
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return ()


_lock = threading.Lock()
_state = {"enabled": os.environ.get("RRNN_CACHED_TEXT", "1").strip().lower() not in ("0", "false", "no", "off"),
          "checked": False}
if _minor(mpl.__version__) not in TESTED:
    _state["enabled"] = False
_local = threading.local()


def enabled() -> bool:
    """Whether canvases draw text through the cache (the version, the switch, the self-check)."""
    if _state["enabled"] and not _state["checked"]:
        _self_check()
    return _state["enabled"]


def set_enabled(on: bool) -> None:
    """Switch the cache on or off for this process (on only where the version is tested)."""
    if not isinstance(on, bool):
        raise TypeError(f"on must be True or False, got {on!r}")
    _state["enabled"] = on and _minor(mpl.__version__) in TESTED
    _state["checked"] = not on


def _disable(reason: str) -> None:
    with _lock:
        if _state["enabled"]:
            _state["enabled"] = False
            warnings.warn(f"rrnn's cached text is off ({reason}); matplotlib draws the text, the same "
                          "figures, more slowly", CachedTextWarning, stacklevel=3)


def _self_check() -> None:
    """Draw a probe figure with matplotlib's renderer and with the cache; keep the cache only if
    the pixels are the same."""
    with _lock:
        if _state["checked"]:
            return
        _state["checked"] = True
    from matplotlib.figure import Figure
    fig = Figure(figsize=(2.4, 1.2), dpi=80)
    ax = fig.add_axes((0.25, 0.3, 0.7, 0.55))
    ax.set_title("slot 0.25 \u2016\u0394M\u2016", fontsize=9)
    ax.set_xticks([0.1, 0.6], ["input", "7"], rotation=30)
    fig.text(0.013, 0.05, "g", fontsize=7, antialiased=False)
    buffers = []
    for renderer in (RendererAgg, CachedTextRenderer, CachedTextRenderer):   # cold, then from the cache
        width, height = fig.canvas.get_width_height(physical=True)
        r = renderer(width, height, fig.dpi)
        try:
            fig.draw(r)
        except Exception as err:      # a private name whose meaning changed
            _disable(f"its probe drawing raised {type(err).__name__}: {err}")
            return
        buffers.append(np.asarray(r.buffer_rgba()).copy())
    if not all(np.array_equal(buffers[0], b) for b in buffers[1:]):
        _disable("its probe drawing differs from matplotlib's")


def clear() -> None:
    """Empty this thread's caches."""
    _local.__dict__.clear()


def _caches() -> dict:
    caches = _local.__dict__
    if not caches:
        caches.update(layouts={}, glyphs={}, matrices={}, heights={}, font_keys={})
    return caches


def _put(cache: dict, key, value):
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


def _matrix(angle: float):
    """FreeType's 16.16 rotation matrix for ``angle`` degrees, as matplotlib computes it."""
    matrices = _caches()["matrices"]
    matrix = matrices.get(angle)
    if matrix is None:
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
        matrix = _put(matrices, angle, (matrix, tuple(matrix.ravel().tolist()), cos, sin))
    return matrix


def _font_key(font, prop):
    """What ``font`` is built from (files, kerning, last resort): this thread's fonts by content."""
    keys = _caches()["font_keys"]
    known = keys.get(id(font))
    if known is None or known[0] is not font:
        paths = tuple(font_manager.fontManager._find_fonts_by_props(prop))
        known = _put(keys, id(font), (font, (paths, mpl.rcParams["text.kerning_factor"],
                                             mpl.rcParams["font.enable_last_resort"])))
    return known[1]


class CachedTextRenderer(RendererAgg):
    """``RendererAgg`` whose ``draw_text`` reuses this thread's string layouts and glyph bitmaps,
    and whose fonts' heights are looked up once (see the module)."""

    def _get_font_height_metrics(self, prop):      # the hook Text._get_layout asks a renderer
        if not _state["enabled"]:
            return None, None, None                 # matplotlib reads the font's tables itself
        key = (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(),
               prop.get_stretch(), prop.get_size(), prop.get_file(), prop.get_math_fontfamily(), self.dpi,
               tuple(tuple(mpl.rcParams[name]) for name in _FAMILY_LISTS))
        heights = _caches()["heights"]
        found = heights.get(key)
        if found is None:
            found = _put(heights, key, _font_height_metrics(prop, self.dpi))
        return found

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not _state["enabled"]:
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        try:
            self._draw_cached_text(gc, x, y, s, prop, angle, mtext)
        except Exception as err:    # a private name whose meaning changed: matplotlib draws from now on
            _disable(f"drawing {s!r} raised {type(err).__name__}: {err}")
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    def _draw_cached_text(self, gc, x, y, s, prop, angle, mtext):
        caches = _caches()
        font = self._prepare_font(prop)                        # this thread's font object
        size = prop.get_size_in_points()
        flags = backend_agg.get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = (_font_key(font, prop), size, self.dpi, s, flags,
               tuple(features) if features is not None else None,
               language if language is None or isinstance(language, str) else tuple(language))
        glyphs = caches["layouts"].get(key)
        if glyphs is None:
            items = font._layout(s, flags=flags, features=features, language=language)
            glyphs = _put(caches["layouts"], key, tuple(
                ((item.ft_object.fname, item.ft_object.face_index), item.ft_object, item.glyph_index, item.x, item.y)
                for item in items))
        matrix, matrix_key, cos, sin = _matrix(float(angle))
        antialiased = bool(gc.get_antialiased())
        mode = backend_agg.RenderMode.NORMAL if antialiased else backend_agg.RenderMode.MONO
        height = self.height
        draw = self._renderer.draw_text_image
        for face, ft_object, glyph_index, dx, dy in glyphs:
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))
            gx, fx = divmod(px, 0x40)
            gy, fy = divmod(py, 0x40)
            gkey = (face, size, self.dpi, glyph_index, matrix_key, fx, fy, flags, antialiased)
            glyph = caches["glyphs"].get(gkey)
            if glyph is None:
                ft_object.set_size(size, self.dpi)
                ft_object._set_transform(matrix, [fx, fy])
                bitmap = ft_object._render_glyph(glyph_index, flags, mode)
                buffer = np.array(bitmap.buffer)          # a copy: the font reuses its bitmap
                if not antialiased:
                    buffer *= 0xff
                glyph = _put(caches["glyphs"], gkey, (buffer, bitmap.left, bitmap.top))
            buffer, left, top = glyph
            draw(buffer, left + gx, int(height) - (top + gy) + buffer.shape[0], 0, gc)


def _font_height_metrics(prop, dpi):
    """(ascent, descent, line gap) of the font's full vertical extent in pixels, as
    ``Text._get_layout`` computes it when the renderer offers none."""
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
    for table_name, linegap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


class CachedTextCanvas:
    """Mixin for an Agg canvas class (Agg, or ipympl's): its renderer draws text through the
    cache while ``enabled()``."""

    def get_renderer(self):
        renderer = super().get_renderer()
        if type(renderer) is RendererAgg and enabled():
            renderer = self.renderer = CachedTextRenderer(renderer.width, renderer.height, renderer.dpi)
        return renderer


class CachedTextAgg(CachedTextCanvas, FigureCanvasAgg):
    """``FigureCanvasAgg`` drawing its text through the cache."""
