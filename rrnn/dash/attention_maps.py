"""Notebook 01: attention maps per head, for a handful of items, updated in place.

    from rrnn.lessons import attention_maps
    from rrnn.dash.attention_maps import attention_dashboard
    result = attention_maps(num_items=6, num_heads=2)     # pure: settings in, arrays out
    dash = attention_dashboard()                           # after %matplotlib widget; show with `dash`

``rrnn.lessons.attention_maps`` (also importable from here) builds N random items (rows of width
M), a random q/k/v projection and runs ``rrnn.multihead_attention_forward`` on them: every item is a query, a key and a value. The
figure draws one (N, N) map per head: row i is query item i (the item that reads), column j is key
item j (the item read from), and the colour is how much item i reads from item j (each row sums
to 1), in the course's one encoding for attention weights (``rrnn.dash.attention_style``). The weights are untrained,
so the maps show the mechanics, not a learned relation. Two exact facts do show, untrained:

- with ``duplicate_last`` the last item is a copy of item 0, so it gets the same key, and every
  query gives the two the same weight: their columns are equal in every head;
- ``sharpness`` s multiplies every logit q.k / sqrt(K) by s, so rows get peakier as s grows
  (it sets the q and k part of the layer norm's gain to sqrt(s)).
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

# the computation and the panel layout live in rrnn.lessons; notebook 01 and the tests import
# them from here too
from ..lessons import AttentionMaps, attention_maps, random_attention_params  # noqa: F401
from . import controls as C
from .attention_style import (attention_colorbar, attention_image, grid_labels, head_title, label_axes,
                              place_grid_labels, text_color)
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure, grid_positions

MAX_HEADS = 8           # the figure has room for this many maps
MAX_ITEMS = 12


def item_labels(num_items: int, duplicate_last: bool = False) -> list:
    """Tick labels for the items: '0', '1', ...; a duplicated last item reads "0'" (a copy of 0)."""
    labels = [str(j) for j in range(num_items)]
    if duplicate_last and num_items > 1:
        labels[-1] = "0'"
    return labels


def plot_attention_map(weights, ax=None, *, labels=None, title=None, what="item", annotate: bool = False,
                       colorbar: bool = True):
    """One attention map (Nq, Nk) as a heatmap on ``ax`` (a new figure's axes if None); returns ax.

    Rows are queries (the {what}s that read), columns keys (what they read from), in the course's
    encoding (``attention_style``), with its colour bar unless ``colorbar`` is False.
    ``annotate`` writes every weight in its cell (two decimals).
    """
    weights = np.asarray(weights, dtype=float)
    if ax is None:
        from .figure import static_figure
        ax = static_figure((4.0, 3.0)).subplots()
    image = attention_image(ax, weights)
    if colorbar:
        attention_colorbar(ax.figure, image, ax=ax, fraction=0.05, pad=0.04)
    if annotate:
        for (i, j), value in np.ndenumerate(weights):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8, color=text_color(value))
    if labels is not None:
        ax.set_xticks(range(weights.shape[1]), labels[:weights.shape[1]], fontsize=8)
        ax.set_yticks(range(weights.shape[0]), labels[:weights.shape[0]], fontsize=8)
    label_axes(ax, what, fontsize=9)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


# --- the figure ------------------------------------------------------------------------------------
class AttentionMapsFigure(InPlaceFigure):
    """One attention map per head (up to ``MAX_HEADS``), redrawn in place.

    ``update(result)`` takes an ``AttentionMaps``. Attributes for tests: ``images`` (one
    AxesImage per head slot; ``images[a].get_array()`` is head a's map), ``axes``,
    ``visible_heads`` (how many maps are shown), ``title``.
    """

    figsize = (9.0, 4.4)
    layout_inputs = ("num_items", "num_heads", "duplicate_last")
    tight = False       # the panels are placed by hand: their number changes with the heads

    def build(self):
        self.axes, self.images = [], []
        for a in range(MAX_HEADS):
            ax = self.fig.add_axes([0, 0, 0.1, 0.1])
            image = attention_image(ax)
            ax.set_title(head_title(a), fontsize=10)
            self.axes.append(ax)
            self.images.append(self.animate(image))
        self.colorbar_ax = self.fig.add_axes([0.915, 0.12, 0.015, 0.7])
        attention_colorbar(self.fig, self.images[0], cax=self.colorbar_ax)
        self.title = self.animate(self.fig.suptitle("", fontsize=10))     # its numbers change with the data
        self.grid_labels = grid_labels(self.fig, "item", fontsize=9)
        self.layout_grid = self.grid_place = None
        self.visible_heads = 0

    def draw(self, result: AttentionMaps):
        A, N = result.weights.shape[0], result.weights.shape[1]
        labels = item_labels(N, result.duplicate_last)
        columns = A if A <= 4 else 4
        for a, (ax, rect) in enumerate(zip(self.axes, grid_positions(A, columns, box=(0.07, 0.09, 0.81, 0.72)))):
            ax.set_position(rect)
        for a, (ax, image) in enumerate(zip(self.axes, self.images)):
            ax.set_visible(a < A)
            image.set_visible(a < A)        # animated artists are drawn on their own: hide them too
            if a >= A:
                continue
            self.set_image(ax, image, result.weights[a])
            ax.set_xticks(range(N), labels, fontsize=7 if N > 8 else 8)
            ax.set_yticks(range(N), labels, fontsize=7 if N > 8 else 8)
        if self.layout_grid != (A, tuple(labels)):         # placed once per grid: measuring the maps costs
            self.grid_place = place_grid_labels(self.grid_labels, self.axes, labels, 7 if N > 8 else 8)
            self.layout_grid = (A, tuple(labels))
        self.in_layout("grid labels", self.grid_place)
        self.visible_heads = A
        copy = ", item 0' is a copy of item 0" if result.duplicate_last else ""
        self.title.set_text(f"{A} head{'s' if A > 1 else ''}, {N} items, head size K = "
                            f"{result.items.shape[1] // A}, sharpness {result.sharpness:g}{copy}\n"
                            "untrained (random projection): row i, how much item i reads from each item j "
                            "(rows sum to 1)")


# --- the dashboard ---------------------------------------------------------------------------------
@register_dashboard("attention_maps")
def attention_dashboard(num_items: int = 6, num_heads: int = 2, width: int = 16, sharpness: float = 1.0,
                        duplicate_last: bool = True, seed: int = 0, *, mode=None) -> Dashboard:
    """Sliders for items, width, heads (divisors of the width), sharpness and seed; a checkbox
    for the duplicated item; the maps per head update in place. Returns the Dashboard widget:
    ``dash.controls[...]`` are the controls, ``dash.figure`` the AttentionMapsFigure."""
    controls = {
        "num_items": C.int_slider("num_items", num_items, 2, MAX_ITEMS, description="items N"),
        "width": C.slot_size_slider(width, min=4, max=32, step=4, description="width P", name="width"),
        "num_heads": C.heads_dropdown(num_heads, slot_size=width, max_heads=MAX_HEADS),
        "sharpness": widgets.FloatLogSlider(value=C.check_value("sharpness", sharpness, 2.0**-2, 2.0**3, integer=False),
                                            base=2, min=-2, max=3, step=0.5,
                                            description="sharpness s", readout_format=".2g",
                                            continuous_update=False, **C.control_style()),
        "seed": C.seed_slider(seed, max=20, description="random seed"),   # draws the items, then the projection
        "duplicate_last": C.checkbox("duplicate_last", duplicate_last, description="last item = copy of item 0"),
    }
    controls["num_heads"].follow(controls["width"])
    return Dashboard(controls, AttentionMapsFigure(mode=mode), attention_maps, name="attention_maps",
                     title="Attention maps, one per head",
                     help="Each map is softmax(q k<sup>T</sup> / &radic;K) for one head: row i shows how much "
                          "item i reads from every item j. The weights are random (untrained): look at the "
                          "mechanics: rows sum to 1, copies get equal columns, sharpness peaks the rows.")
