"""How every attention map of the course is drawn: one colour encoding, one labelling.

    from rrnn.dash.attention_style import attention_image, attention_colorbar, row_labels, label_axes
    image = attention_image(ax, weights)            # magma, square-root scale, 0 .. 1
    attention_colorbar(fig, image, ax=ax)           # says so on the figure
    ax.set_yticks(range(S + 1), row_labels(S)); label_axes(ax)

Notebooks 01, 03, 06 and 09 and their dashboards draw attention weights only through this module:

- **colour**: the "magma" colour map on a square-root scale from 0 to 1 (``weight_norm``): dark is
  little weight, bright much; the square root spreads out the small weights of a long row, and
  every map of the course shares the one scale. Every figure carries ``attention_colorbar``, whose
  label (``COLORBAR_LABEL``) states the encoding.
- **layout**: row r is who reads (a query), column j what it reads from (a key), so every row sums
  to 1; ``label_axes`` names the two axes (``grid_labels`` once for a grid of maps).
- **names**: memory rows are "slot 0", "slot 1", ... (zero-based, as the code indexes them) and the
  RMC's extra row is "input" (the projected input, x̂ in notebook 03's equations): ``row_labels``;
  heads are "head 0", "head 1", ...: ``head_title``.
- **the dropped query**: the RMC computes the input row's own query and then drops that row, so its
  row of the map changes nothing; ``dropped_row_patch`` hatches it, the same way in every figure.

Dashboards build the image, the colour bar and the hatch once and then only ``set_data`` /
``set_bounds`` (no per-update cost beyond the new data).
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.patches import Rectangle
from matplotlib.transforms import offset_copy

CMAP = "magma"
GAMMA = 0.5                     # the colour is proportional to weight ** GAMMA: a square root
COLORBAR_LABEL = "attention weight (colour \u221d \u221aweight)"
COLORBAR_TICKS = (0.0, 0.1, 0.25, 0.5, 1.0)
INPUT_LABEL = "input"
DROPPED_HATCH = "///"
DROPPED_NOTE = "hatched row: the input row's own query, computed and then dropped"


def weight_norm() -> PowerNorm:
    """The colour scale of every attention map: 0 .. 1 on a square-root scale, so that the small
    weights of a long row still show while the colours stay comparable between maps."""
    return PowerNorm(gamma=GAMMA, vmin=0.0, vmax=1.0)


def attention_image(ax, weights=None, **imshow_kwargs):
    """``ax.imshow`` of an (rows, columns) map of attention weights in the course's encoding.

    ``weights`` None draws a 2 x 2 placeholder for a dashboard to ``set_data`` later. Returns the
    AxesImage."""
    weights = np.zeros((2, 2)) if weights is None else np.asarray(weights, dtype=float)
    return ax.imshow(weights, cmap=CMAP, norm=weight_norm(), interpolation="nearest", **imshow_kwargs)


def attention_colorbar(fig, image, *, cax=None, ax=None, fontsize: int = 8, **colorbar_kwargs):
    """The colour bar of ``image`` (from ``attention_image``), labelled with the encoding.

    Pass ``cax`` (an axes for the bar) or ``ax`` (axes to take the room from). Returns the Colorbar."""
    bar = fig.colorbar(image, cax=cax, ax=ax, ticks=COLORBAR_TICKS, **colorbar_kwargs)
    bar.set_ticklabels([f"{t:g}" for t in COLORBAR_TICKS])
    bar.set_label(COLORBAR_LABEL, fontsize=fontsize)
    bar.ax.tick_params(labelsize=fontsize - 1)
    return bar


def row_labels(num_slots: int, input_row: bool = True) -> list:
    """'slot 0' .. 'slot {S-1}', then 'input' for the input row (unless ``input_row`` is False)."""
    return [f"slot {s}" for s in range(num_slots)] + ([INPUT_LABEL] if input_row else [])


def head_title(head: int) -> str:
    """'head 0', 'head 1', ...: heads are counted from 0, as the code indexes them."""
    return f"head {head}"


def slanted(ax, labels, fontsize: int = 8) -> bool:
    """Whether ``set_row_ticks`` slants the column labels of ``ax``: when its columns are too
    narrow for ``labels`` at ``fontsize``."""
    column = ax.get_position().width * ax.figure.get_figwidth() / max(len(labels), 1)   # inches per column
    return column < max(len(label) for label in labels) * 0.6 * fontsize / 72 + 0.06


def set_row_ticks(ax, labels, *, x: bool = True, y: bool = True, fontsize: int = 8) -> None:
    """Tick both axes of a square map with ``labels`` (``row_labels``); ``x`` / ``y`` False leave
    the columns / rows unlabelled (inner panels of a grid). The column labels slant when the
    columns are too narrow for them (``slanted``)."""
    n = len(labels)
    slant = slanted(ax, labels, fontsize)
    ax.set_xticks(range(n), labels if x else [], fontsize=fontsize, rotation=45 if slant else 0,
                  ha="right" if slant else "center", rotation_mode="anchor" if slant else "default")
    ax.set_yticks(range(n), labels if y else [], fontsize=fontsize)


TICK_SPACE_PT = 3.5 + 3.5 + 2     # matplotlib's tick length and pad, and a little air


def grid_labels(fig, what: str = "row", fontsize: int = 8) -> tuple:
    """Two figure texts that name the axes of a grid of maps once, for the whole grid (a grid of
    per-head maps would otherwise repeat them under every column and beside every row). Place
    them with ``place_grid_labels``. Returns (column label, row label)."""
    return (fig.text(0, 0, f"{what} read from (key)", ha="center", va="top", fontsize=fontsize),
            fig.text(0, 0, f"{what} that reads (query)", ha="right", va="center", rotation=90, fontsize=fontsize))


def place_grid_labels(labels: tuple, axes, tick_labels, tick_fontsize: int = 8) -> tuple:
    """Put ``grid_labels`` under and left of the visible maps among ``axes``, clear of their tick
    labels (``tick_labels`` at ``tick_fontsize``, slanted as ``set_row_ticks`` slants them).
    Returns where they went, in figure fractions and points (a key for the figure's layout)."""
    visible = [ax for ax in axes if ax.get_visible()]
    boxes = [ax.get_position() for ax in visible]                 # as drawn: after the maps' aspect
    left, bottom = min(b.x0 for b in boxes), min(b.y0 for b in boxes)
    right, top = max(b.x1 for b in boxes), max(b.y1 for b in boxes)
    longest = max(len(label) for label in tick_labels) * 0.6 * tick_fontsize      # points
    below = TICK_SPACE_PT + (longest * 0.71 + tick_fontsize * 0.71 if slanted(visible[0], tick_labels, tick_fontsize)
                             else tick_fontsize * 1.15)
    beside = TICK_SPACE_PT + longest
    column, row = labels
    fig = column.get_figure()
    column.set_position(((left + right) / 2, bottom))
    column.set_transform(offset_copy(fig.transFigure, fig=fig, y=-below, units="points"))
    row.set_position((left, (bottom + top) / 2))
    row.set_transform(offset_copy(fig.transFigure, fig=fig, x=-beside, units="points"))
    return round(left, 6), round(bottom, 6), round(right, 6), round(top, 6), below, beside


def label_axes(ax, what: str = "row", *, x: bool = True, y: bool = True, fontsize: int = 8) -> None:
    """Name the axes of a map: rows are the {what}s that read (queries), columns what they read
    from (keys). ``x`` / ``y`` False leave that axis unlabelled (inner panels of a grid)."""
    ax.set_ylabel(f"{what} that reads (query)" if y else "", fontsize=fontsize)
    ax.set_xlabel(f"{what} read from (key)" if x else "", fontsize=fontsize)


def text_color(weight: float) -> str:
    """A colour for a number written on a cell of weight ``weight``: black on bright cells, white
    on dark ones."""
    return "black" if weight ** GAMMA > 0.6 else "white"


def dropped_row_patch(ax, num_rows: int = 2):
    """Hatch the last row of an (num_rows, num_rows) map on ``ax``: the input row's own query,
    which the RMC computes and then drops. Returns the Rectangle; move it with
    ``set_dropped_row(patch, num_rows)`` when the map's size changes."""
    patch = ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, hatch=DROPPED_HATCH, edgecolor="0.75", lw=0))
    set_dropped_row(patch, num_rows)
    return patch


def set_dropped_row(patch, num_rows: int) -> None:
    """Put ``patch`` over the last row of an (num_rows, num_rows) map drawn with ``set_image``."""
    patch.set_bounds(-0.5, num_rows - 1.5, num_rows, 1)


def uses_attention_style(image) -> bool:
    """True when the AxesImage ``image`` is drawn in the course's encoding (for tests)."""
    norm = image.norm
    return (image.get_cmap().name == CMAP and isinstance(norm, PowerNorm) and norm.gamma == GAMMA
            and (norm.vmin, norm.vmax) == (0.0, 1.0))
