"""Pictures of the machine, drawn by code: the RMC step, the seed demo's hybrid, an Nth-farthest question.

    from rrnn.dash import as_image
    from rrnn.dash.diagrams import rmc_step_diagram, hybrid_diagram, machine_overview, nth_farthest_picture
    as_image(rmc_step_diagram().figure)          # a PNG in the notebook, whatever the backend
    as_image(machine_overview())                 # both machines side by side (notebook 00)

Each function takes ``ax=None`` (then it draws on a new ``static_figure``) and returns the axes.
Every block of a diagram is labelled twice: with the course's symbols (notebook 00's notation
table: M the memory, P the slot width) and, in monospace, with the names the code uses
(``RMCStepCache`` and ``BlockCache`` fields of ``rrnn.rmc``, ``HybridStepCache`` fields of
``rrnn.hybrid``, and the parameter keys), so that the picture and the code say the same thing;
``tests/test_diagrams.py`` reads those names from the code and fails when they drift apart.

The colours follow the course's colours of models (``rrnn.dash.live``): the RMC's blocks in blue
(C0), the LSTM's in orange (C1); the input is grey and the gates green.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from .. import tasks
from .figure import static_figure

# one colour per kind of block (light fills, so black text reads on a projector)
MEMORY = "#cfe2f3"      # the memory and what the RMC computes from it (the RMC's colour C0, light)
INPUT = "#e6e6e6"       # the step's input
BLOCK = "#eef4fb"       # attention, norms, MLP
GATES = "#d9ead3"       # gates and the gated update
LSTM_FILL = "#fde2c4"   # the LSTM (the course's colour C1, light)
EDGE = "#333333"
CODE = "#1f4e79"        # the code's names, in monospace
NOTE = "#555555"


def _box(ax, x, y, w, h, title, code="", fill=BLOCK, fontsize=10, code_size=8.5, dashed=False):
    """A rounded box centred at (x, y), the maths on top and the code's names below it."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=fill, edgecolor=EDGE, linewidth=1.1, linestyle="--" if dashed else "-",
                                zorder=2))
    if code:
        ax.text(x, y + h * 0.17, title, ha="center", va="center", fontsize=fontsize, zorder=3)
        ax.text(x, y - h * 0.24, code, ha="center", va="center", fontsize=code_size, family="monospace",
                color=CODE, zorder=3)
    else:
        ax.text(x, y, title, ha="center", va="center", fontsize=fontsize, zorder=3)


def _arrow(ax, points, label="", label_at=0.5, label_side="right", fontsize=8.5, color=EDGE):
    """A polyline through ``points`` with an arrow head at the end; an optional label beside one segment."""
    points = [tuple(p) for p in points]
    for a, b in zip(points[:-2], points[1:-1]):
        ax.plot([a[0], b[0]], [a[1], b[1]], color=color, linewidth=1.2, zorder=1, solid_capstyle="round")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=13, color=color,
                                 linewidth=1.2, zorder=1, shrinkA=0, shrinkB=0))
    if label:
        segment = max(range(len(points) - 1), key=lambda k: np.hypot(*np.subtract(points[k + 1], points[k])))
        (x0, y0), (x1, y1) = points[segment], points[segment + 1]
        x, y = x0 + (x1 - x0) * label_at, y0 + (y1 - y0) * label_at
        dx = {"right": 0.12, "left": -0.12}.get(label_side, 0.0)
        dy = 0.18 if label_side == "above" else 0.0
        ha = {"right": "left", "left": "right"}.get(label_side, "center")
        ax.text(x + dx, y + dy, label, ha=ha, va="center", fontsize=fontsize, color=NOTE, zorder=3,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5))


def _canvas(ax, figsize, xlim, ylim):
    if ax is None:
        ax = static_figure(figsize=figsize).subplots()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _fit_text(ax, figsize, xlim, ylim):
    """Scale every text of a diagram with the axes it was drawn on, so that labels stay inside their
    boxes on a smaller (or larger) axes than the diagram's own figure of ``figsize``."""
    def inches_per_unit(width, height, box):
        return min(box.width * width / (xlim[1] - xlim[0]), box.height * height / (ylim[1] - ylim[0]))
    from matplotlib.figure import Figure
    own = inches_per_unit(*figsize, Figure(figsize=figsize).add_subplot().get_position())
    scale = inches_per_unit(*ax.figure.get_size_inches(), ax.get_position()) / own
    scale = float(np.clip(scale, 0.4, 1.5))
    if abs(scale - 1) > 0.02:
        for text in ax.texts:
            text.set_fontsize(text.get_fontsize() * scale)


def rmc_step_diagram(ax=None):
    """One step of the Relational Memory Core (``rrnn.rmc.rmc_step_forward``) as a block diagram.

    Memory rows M_{t-1} and the projected input row x̂_t are stacked, go through num_blocks
    blocks (multi-head attention with q, k, v layer-normed, residual + layer norm, the shared
    MLP, residual + layer norm), lose the input row, and are gated into M_t like an LSTM cell
    per slot. Each block names its ``RMCStepCache`` / ``BlockCache`` field and its parameters.
    Returns the axes.
    """
    size, xlim, ylim = (8.4, 11.0), (-0.1, 11.9), (0.3, 16.4)
    ax = _canvas(ax, size, xlim, ylim)
    main, side, w_main, w_side, h = 4.7, 9.35, 5.9, 3.6, 0.95
    mem_x, rail_left, rail_right, top = 3.2, 0.3, 11.65, 15.45

    ax.text(5.8, 16.35, "One step of the Relational Memory Core (rrnn.rmc, as Sonnet v1)", ha="center",
            va="top", fontsize=11.5, weight="bold")
    # inputs of the step
    _box(ax, mem_x, 14.3, 3.0, h, r"$M_{t-1}$  $(S, P)$", "memory", fill=MEMORY)
    _box(ax, side, 14.3, w_side, h, r"$x_t$  $(D,)$", "x", fill=INPUT)
    _box(ax, side, 12.6, w_side, h * 1.15, r"$\hat{x}_t = x_t W_{in} + b_{in}$", "x_proj   input_proj\nin.W, in.b",
         fill=INPUT, code_size=8)
    _arrow(ax, [(side, 14.3 - h / 2), (side, 12.6 + h * 0.575)])
    # the rows
    _box(ax, main, 12.6, 4.4, h, r"$X = [M_{t-1};\ \hat{x}_t]$  $(S{+}1, P)$", "slots first, input row last",
         fill=MEMORY, code_size=8)
    _arrow(ax, [(mem_x, 14.3 - h / 2), (mem_x, 12.6 + h / 2)])
    _arrow(ax, [(side - w_side / 2, 12.6), (main + 2.2, 12.6)])

    # the blocks, repeated num_blocks times
    levels = [10.75, 9.45, 8.15, 6.85]
    blocks = [(r"multi-head attention ($q, k, v$ layer-normed)",
               "blocks[j].attention\nblock{j}.qkv, block{j}.qkv_ln"),
              (r"$X \leftarrow \mathrm{LN}(X + \mathrm{MHA}(X))$", "blocks[j].norm1   block{j}.ln1"),
              (r"MLP, row by row (shared by all blocks)", "blocks[j].mlp   mlp0, mlp1"),
              (r"$X \leftarrow \mathrm{LN}(X + \mathrm{MLP}(X))$", "blocks[j].norm2   block{j}.ln2")]
    frame_top = levels[0] + h * 0.625 + 0.75
    ax.add_patch(Rectangle((main - w_main / 2 - 0.2, levels[-1] - h / 2 - 0.25), w_main + 0.9,
                           frame_top - (levels[-1] - h / 2 - 0.25), facecolor="none", edgecolor=NOTE,
                           linestyle=(0, (4, 3)), linewidth=1.0, zorder=0))
    ax.text(main - w_main / 2 - 0.1, frame_top - 0.25, "block j = 0 .. num_blocks-1   (blocks)",
            ha="left", va="center", fontsize=8.5, color=NOTE, family="monospace")
    _arrow(ax, [(main, 12.6 - h / 2), (main, levels[0] + h * 0.625)])
    right = main + w_main / 2
    for k, (level, (title, code)) in enumerate(zip(levels, blocks)):
        _box(ax, main, level, w_main, h * (1.25 if k == 0 else 1), title, code, fontsize=9.5, code_size=7.8)
        if k == 0:
            ax.texts[-2].set_position((main, level + h * 0.3))
            ax.texts[-1].set_position((main, level - h * 0.22))
        if k:
            _arrow(ax, [(main, levels[k - 1] - h * (0.625 if k == 1 else 0.5)), (main, level + h / 2)])
        if k in (0, 2):    # the residual: the sub-layer's input skips it and is added after it
            y0 = level + h * (0.625 if k == 0 else 0.5) + (0.3 if k == 0 else 0.17)
            _arrow(ax, [(main, y0), (right + 0.45, y0), (right + 0.45, levels[k + 1]), (right, levels[k + 1])],
                   color=NOTE)
            # the sum, beside the arrowhead where the skip rejoins: clear of the lines and of the box
            ax.text(right + 0.24, levels[k + 1] + 0.3, "+", fontsize=12, color=NOTE, ha="center", va="center",
                    weight="bold")
    # drop the input row
    drop = 5.45
    _box(ax, main, drop, w_main, h, r"drop the input row: $M_{att} = X[{:}S]$  $(S, P)$", "memory_attended",
         fill=MEMORY)
    _arrow(ax, [(main, levels[-1] - h / 2), (main, drop + h / 2)])

    # gates, from x̂ and tanh(M_{t-1})
    gates, w_gates, h_gates = 3.95, 4.2, h * 1.95
    _box(ax, side, gates, w_gates, h_gates,
         r"$i, f = \sigma(\hat{x}_t W_{gx}$" + "\n" + r"$+ \tanh(M_{t-1}) W_{gm} + b + \mathrm{bias})$",
         "input_gate, forget_gate\ngates   gate_inputs\ngate_x, gate_m", fill=GATES, fontsize=9, code_size=7.8)
    ax.texts[-1].set_position((side, gates - h * 0.52))
    ax.texts[-2].set_position((side, gates + h * 0.58))
    ax.text(side, gates + h * 0.07, "biases: input 0, forget 1", ha="center", va="center",
            fontsize=8.5, color=NOTE, zorder=3)
    _arrow(ax, [(side, 12.6 - h * 0.575), (side, gates + h_gates / 2)], r"$\hat{x}_t$", label_at=0.6,
           label_side="left")
    _arrow(ax, [(mem_x, 14.3 + h / 2), (mem_x, top), (rail_right, top), (rail_right, gates),
                (side + w_gates / 2, gates)], r"$\tanh(M_{t-1})$", label_at=0.45, label_side="left")

    # the update
    update, w_update, h_update = 2.2, w_main, h * 1.35
    _box(ax, main, update, w_update, h_update,
         r"$M_t = i \odot \tanh(M_{att}) + f \odot M_{t-1}$",
         "input_gate * tanh_attended\n+ forget_gate * memory", fill=GATES, code_size=7.8)
    ax.texts[-2].set_position((main, update + h_update * 0.24))
    ax.texts[-1].set_position((main, update - h_update * 0.18))
    _arrow(ax, [(main, drop - h / 2), (main, update + h_update / 2)])
    _arrow(ax, [(side, gates - h_gates / 2), (side, update), (main + w_update / 2, update)], r"$i, f$",
           label_at=0.5, label_side="right")
    _arrow(ax, [(mem_x - 1.5, 14.3), (rail_left, 14.3), (rail_left, update), (main - w_update / 2, update)],
           r"$M_{t-1}$", label_at=0.5, label_side="right")
    # the result
    _box(ax, main, 0.85, 4.0, h, r"$M_t$  $(S, P)$: the new memory", "next memory; output = flatten", fill=MEMORY,
         code_size=8)
    _arrow(ax, [(main, update - h_update / 2), (main, 0.85 + h / 2)])
    ax.text(main + 2.2, 0.85, r"$\rightarrow M_{t-1}$ of the next step;" + "\n" + r"output $(S \cdot P,)$",
            ha="left", va="center", fontsize=8.5, color=NOTE)
    _fit_text(ax, size, xlim, ylim)
    return ax


def hybrid_diagram(ax=None):
    """One step of the seed demo's LSTM + memory hybrid (``rrnn.hybrid.HybridCell``), as a block diagram.

    x_t goes through an LSTM step; its h_t is the memory's input row for an RMC step; the output
    is tanh([h_t, mean over slots of M_t] W + b). Each block names its ``HybridStepCache`` field
    and its parameters; a note beside it says how the hybrid differs from the RMC alone.
    Returns the axes.
    """
    size, xlim, ylim = (10.4, 8.4), (-0.3, 15.0), (0.6, 12.4)
    ax = _canvas(ax, size, xlim, ylim)
    main, w, h = 4.0, 5.8, 0.95
    right = main + w / 2
    ax.text(7.3, 12.35, "One step of the seed demo's LSTM + memory hybrid (rrnn.HybridCell)", ha="center",
            va="top", fontsize=11.5, weight="bold")

    _box(ax, main, 10.9, 2.6, h, r"$x_t$  $(D,)$", "x", fill=INPUT)
    _box(ax, main, 9.2, w, h * 1.1, r"LSTM step: $h_t, c_t = \mathrm{LSTM}(x_t, h_{t-1}, c_{t-1})$",
         "lstm   lstm.Wx, lstm.Wh, lstm.b", fill=LSTM_FILL, fontsize=9.5)
    _arrow(ax, [(main, 10.9 - h / 2), (main, 9.2 + h * 0.55)])
    _arrow(ax, [(right + 1.3, 9.2), (right, 9.2)], r"$h_{t-1}, c_{t-1}$", label_side="above")
    _box(ax, main, 7.5, w, h * 1.1, r"RMC step: $M_t = \mathrm{RMC}(h_t, M_{t-1})$  $(S, P)$",
         "rmc   rmc.*   (its input row is h_t)", fill=MEMORY, fontsize=9.5)
    _arrow(ax, [(main, 9.2 - h * 0.55), (main, 7.5 + h * 0.55)], r"$h_t$  $(H,)$", label_side="right")
    _arrow(ax, [(right + 1.3, 7.5), (right, 7.5)], r"$M_{t-1}$", label_side="above")
    _box(ax, main, 5.8, w, h, r"read-out: $r_t$ = mean over slots of $M_t$  $(P,)$", "readout", fill=MEMORY,
         fontsize=9.5)
    _arrow(ax, [(main, 7.5 - h * 0.55), (main, 5.8 + h / 2)], r"$M_t$")
    _box(ax, main, 4.2, w, h, r"$[h_t,\ r_t]$  $(H{+}P,)$", "combined", fill=BLOCK)
    _arrow(ax, [(main, 5.8 - h / 2), (main, 4.2 + h / 2)], r"$r_t$")
    skip = main - w / 2 - 0.4
    _arrow(ax, [(main - w / 2, 9.2 - 0.2), (skip, 9.2 - 0.2), (skip, 4.2), (main - w / 2, 4.2)], r"$h_t$",
           label_side="left")
    _box(ax, main, 2.6, w, h * 1.05, r"output $y_t = \tanh([h_t, r_t]\, W + b)$  $(H,)$",
         "output   combine: combine.W, combine.b", fill=LSTM_FILL, fontsize=9.5)
    _arrow(ax, [(main, 4.2 - h / 2), (main, 2.6 + h * 0.525)])
    ax.text(main, 1.45, r"carried to the next step: $h_t, c_t, M_t$", ha="center", va="center", fontsize=8.5,
            color=NOTE)

    note = ("How it differs from the RMC alone\n"
            "\u2022 The memory never reads $x_t$ directly: its\n"
            "   input row is the LSTM's $h_t$.\n"
            "\u2022 The output is not the memory: it is\n"
            "   $\\tanh([h_t, r_t] W + b)$, and $r_t$ is the mean\n"
            "   over the slots, blind to which slot\n"
            "   holds what.\n"
            "\u2022 Not the paper's model: the paper's RMC\n"
            "   replaces the LSTM, it does not sit\n"
            "   behind one.\n\n"
            "options (HybridOptions), for ablations:\n"
            "readout=\"flat\", memory_input=\"x\";\n"
            "use_memory=False makes the output\n"
            "read zeros instead of $r_t$.")
    ax.text(8.9, 7.0, note, ha="left", va="center", fontsize=9, linespacing=1.35,
            bbox=dict(boxstyle="round,pad=0.5", facecolor="#fafafa", edgecolor=NOTE))
    _fit_text(ax, size, xlim, ylim)
    return ax


def machine_overview(figsize=(16, 9.5)):
    """Notebook 00's overview: the RMC step (left) beside the seed demo's hybrid (right), on one
    figure with no margins. Returns the figure."""
    fig = static_figure(figsize=figsize)
    rmc_step_diagram(ax=fig.add_axes((0.02, 0.0, 0.42, 0.98)))
    hybrid_diagram(ax=fig.add_axes((0.45, 0.0, 0.54, 0.98)))
    return fig


def nth_farthest_question(num_vectors: int = 4, *, rng=0, nth=None, reference=None) -> dict:
    """One Nth-farthest question with 2-D vectors, as ``rrnn.tasks.nth_farthest`` builds it.

    ``nth`` and ``reference`` override the drawn question (the answer is then recomputed the
    task's way: position ``nth`` of the reference's ids sorted nearest first, the reference
    itself at position 0). Returns vectors (N, 2) and ids (N,) in row order, reference, nth,
    the distances from the reference (N,) by row, the rank of each row (0 = the reference
    itself, N-1 = the farthest) and the answer id.
    """
    X, _ = tasks.nth_farthest(1, num_vectors, 2, rng=rng)
    parts = tasks.nth_farthest_parts(X, num_vectors, 2)
    vectors, ids = parts["vectors"][0], parts["ids"][0]
    ref = int(parts["reference"][0]) if reference is None else int(reference)
    n = int(parts["nth"][0]) if nth is None else int(nth)
    if not (0 <= ref < num_vectors and 0 <= n < num_vectors):
        raise ValueError(f"reference and nth must be ids in 0..{num_vectors - 1}, got reference={ref}, nth={n}")
    ref_row = int(np.flatnonzero(ids == ref)[0])
    distances = np.linalg.norm(vectors - vectors[ref_row], axis=-1)             # (N,) by row
    order = np.argsort(distances, kind="stable")                                # rows, nearest first
    rank = np.empty(num_vectors, dtype=int)
    rank[order] = np.arange(num_vectors)
    answer = int(ids[order[n]])
    return {"vectors": vectors, "ids": ids, "reference": ref, "nth": n, "distances": distances, "rank": rank,
            "answer": answer}


def nth_farthest_picture(num_vectors: int = 4, *, rng=0, nth=None, reference=None, ax=None):
    """The Nth-farthest question as a picture: N vectors in 2-D (the task's vectors are 4-D in
    the course and 16-D in the paper; 2-D is for the eye), the reference m, its distance to every
    other vector with each vector's rank (0 = the reference itself, N-1 the farthest), and the
    answer, the vector of rank n, marked. The question is ``nth_farthest_question``'s.
    Returns the axes.
    """
    q = nth_farthest_question(num_vectors, rng=rng, nth=nth, reference=reference)
    ax = _canvas(ax, (6.4, 6.0), (-1.35, 1.35), (-1.4, 1.3))
    ax.axis("on")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.add_patch(Rectangle((-1, -1), 2, 2, facecolor="none", edgecolor="#bbbbbb", linestyle=":", zorder=0))
    vectors, ids, rank = q["vectors"], q["ids"], q["rank"]
    ref_row = int(np.flatnonzero(ids == q["reference"])[0])
    answer_row = int(np.flatnonzero(ids == q["answer"])[0])
    for row, (point, dist) in enumerate(zip(vectors, q["distances"])):
        if row == ref_row:
            continue
        ax.plot(*zip(vectors[ref_row], point), color="#999999", linestyle="--", linewidth=1.0, zorder=1)
        middle = vectors[ref_row] + 0.42 * (point - vectors[ref_row])   # nearer m than the point's own label
        ax.text(*middle, f"{dist:.2f}", fontsize=8.5, color=NOTE, ha="center", va="center",
                bbox=dict(facecolor="white", edgecolor="none", pad=0.4), zorder=2)
    ax.scatter(vectors[:, 0], vectors[:, 1], s=70, color="C0", zorder=3)
    ax.scatter(*vectors[ref_row], s=170, marker="*", color="C3", zorder=4, label=f"reference m = id {q['reference']}")
    ax.scatter(*vectors[answer_row], s=420, facecolors="none", edgecolors="C2", linewidths=2.2, zorder=4,
               label=f"answer: id {q['answer']} (rank n = {q['nth']})")
    for row, point in enumerate(vectors):
        ax.annotate(f"id {ids[row]}\nrank {rank[row]}", point, xytext=(9, 7), textcoords="offset points",
                    fontsize=9, zorder=5)
    ax.set_title(f"Which vector is the n-th farthest from vector m?   m = id {q['reference']}, n = {q['nth']}\n"
                 f"rank = place by distance from m (0 = m itself, {num_vectors - 1} = the farthest)", fontsize=10)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8.5, frameon=True)
    ax.set_xlabel("feature 0 (2-D for the picture: the course uses 4-D, the paper 16-D)", fontsize=8.5)
    ax.set_ylabel("feature 1", fontsize=8.5)
    return ax
