"""Notebook 03: one step of the Relational Memory Core, piece by piece, updated in place.

    from rrnn.lessons import rmc_step
    from rrnn.dash.rmc_step import rmc_step_dashboard
    result = rmc_step(num_slots=4, slot_size=16, num_heads=2, step=3)   # pure: settings in, arrays out
    dash = rmc_step_dashboard()                                         # after %matplotlib widget

``rrnn.lessons.rmc_step`` (also importable from here) runs an untrained ``rrnn.RelationalMemory``
(weights from ``model_seed``) over a sequence (from ``seed``) and returns what happened at step ``step`` (counting from 1, as the
course's time steppers do: step t reads x_t, row t - 1 of the sequence): the attention weights of
every head over the S + 1 rows [M; x̂] (the memory slots, then the projected input row last),
the memory before, after attention + MLP, the input and forget gates, and the memory after.

The figure draws one (S+1, S+1) map per head, in the course's encoding for attention
(``rrnn.dash.attention_style``): row r is the query of row r (who reads), column j the key of
row j (what is read from); the rows are "slot 0" .. "slot S-1" and "input" (x̂). The last row (the
input row's own query) is computed and then dropped with the input row; it is hatched. The last
column is how much each slot reads from the input.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

# the computation lives in rrnn.lessons; notebook 03 and the tests import rmc_step from here too
from ..lessons import RMCStep, rmc_run, rmc_step
from . import controls as C
from .attention_style import (DROPPED_NOTE, attention_colorbar, attention_image, dropped_row_patch, head_title,
                              grid_labels, place_grid_labels, row_labels, set_dropped_row,
                              set_row_ticks)
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure, grid_positions

MAX_HEADS = 8
MAX_SLOT_SIZE, MAX_SEQ_LEN = 64, 30   # the ranges of the dashboard's slot size and steps sliders


# --- the figure ------------------------------------------------------------------------------------
MEMORY_PANELS = (("concatenated", "[M\u209c\u208b\u2081; x\u0302\u209c]  (the rows)"),
                 ("memory_attended", "M_att (attention + MLP)"),
                 ("input_gate", "input gate i"),
                 ("forget_gate", "forget gate f"),
                 ("memory_after", "M\u209c = i\u00b7tanh(M_att) + f\u00b7M\u209c\u208b\u2081"))


class RMCStepFigure(InPlaceFigure):
    """Attention maps per head (top) and the memory, gates and update (bottom), in place.

    ``update(result)`` takes an ``RMCStep``. Attributes for tests: ``att_images`` (one
    AxesImage per head slot), ``att_axes``, ``visible_heads``, ``images`` (name -> AxesImage for
    concatenated, memory_attended, input_gate, forget_gate, memory_after; arrays are
    rows x features), ``dropped`` (the hatched patches over the input row's query), ``title``.
    """

    figsize = (10.0, 7.2)
    layout_inputs = ("num_slots", "num_heads")   # tick labels, axis labels, panels
    tight = False       # panels are placed by hand: their number changes with the heads

    def build(self):
        self.att_axes, self.att_images, self.dropped, self.input_column = [], [], [], []
        for a in range(MAX_HEADS):
            ax = self.fig.add_axes([0, 0, 0.1, 0.1])
            image = attention_image(ax)
            ax.set_title(head_title(a), fontsize=9)
            patch = dropped_row_patch(ax)
            column = ax.add_patch(Rectangle((0.5, -0.5), 1, 2, fill=False, edgecolor="tab:cyan", lw=1.6))
            self.animate(image, patch, column)
            self.att_axes.append(ax)
            self.att_images.append(image)
            self.dropped.append(patch)
            self.input_column.append(column)
        colorbar_ax = self.fig.add_axes([0.925, 0.50, 0.012, 0.37])
        attention_colorbar(self.fig, self.att_images[0], cax=colorbar_ax)

        self.images, self.axes = {}, {}
        boxes = grid_positions(len(MEMORY_PANELS), len(MEMORY_PANELS), box=(0.065, 0.07, 0.845, 0.29), wspace=0.42)
        for (name, title), rect in zip(MEMORY_PANELS, boxes):
            ax = self.fig.add_axes(rect)
            gate = "gate" in name
            self.images[name] = self.animate(ax.imshow(np.zeros((2, 2)), cmap="viridis" if gate else "RdBu_r",
                                                       aspect="auto", vmin=0.0 if gate else -1.0, vmax=1.0,
                                                       interpolation="nearest"))
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("feature", fontsize=8)
            ax.tick_params(labelsize=7)
            self.axes[name] = ax
        gate_bar = self.fig.add_axes([0.945, 0.07, 0.012, 0.13])
        self.fig.colorbar(self.images["input_gate"], cax=gate_bar)
        gate_bar.set_ylabel("gate", fontsize=7)
        gate_bar.tick_params(labelsize=6)
        memory_bar = self.fig.add_axes([0.945, 0.23, 0.012, 0.12])
        self.memory_colorbar = self.fig.colorbar(self.images["memory_after"], cax=memory_bar)
        memory_bar.set_ylabel("value", fontsize=7)
        memory_bar.tick_params(labelsize=6)
        self.title = self.animate(self.fig.suptitle("", fontsize=10))     # its numbers change with the data
        self.fig.text(0.06, 0.405, f"{DROPPED_NOTE}.  Cyan column: how much each row reads from the input row.",
                      fontsize=8, color="0.3")
        self.grid_labels = grid_labels(self.fig)
        self.layout_grid = self.grid_place = None
        self.visible_heads = 0

    def draw(self, result: RMCStep):
        A, S = result.num_heads, result.num_slots
        N = S + 1
        labels = row_labels(S)
        columns = A if A <= 4 else 4
        for ax, rect in zip(self.att_axes, grid_positions(A, columns, box=(0.06, 0.50, 0.86, 0.37), wspace=0.5,
                                                          hspace=0.5)):
            ax.set_position(rect)
        small = 7 if N > 7 else 8
        for a, ax in enumerate(self.att_axes):
            ax.set_visible(a < A)
            for artist in (self.att_images[a], self.dropped[a], self.input_column[a]):
                artist.set_visible(a < A)   # animated artists are drawn on their own: hide them too
            if a >= A:
                continue
            self.set_image(ax, self.att_images[a], result.attention[a])
            set_row_ticks(ax, labels, x=a >= A - columns, fontsize=small)
            set_dropped_row(self.dropped[a], N)
            self.input_column[a].set_bounds(S - 0.5, -0.5, 1, N)
        if self.layout_grid != (A, S):                     # placed once per grid: measuring the maps costs
            self.grid_place = place_grid_labels(self.grid_labels, self.att_axes, labels, small)
            self.layout_grid = (A, S)
        self.in_layout("grid labels", self.grid_place)
        self.visible_heads = A

        P = result.memory_before.shape[1]
        for name, _ in MEMORY_PANELS:
            data = getattr(result, name)
            ax = self.axes[name]
            self.set_image(ax, self.images[name], data)
            rows = labels if name == "concatenated" else labels[:-1]
            ax.set_yticks(range(len(rows)), rows, fontsize=small)
        memory = np.vstack([result.concatenated, result.memory_attended, result.memory_after])
        self.fit_clim(self.images["memory_after"], memory, symmetric=True)   # one colour scale for all three
        for name in ("concatenated", "memory_attended"):
            self.images[name].set_clim(*self.images["memory_after"].get_clim())
        T = result.sequence.shape[1]
        reads = result.reads_from_input.mean(axis=0)
        self.title.set_text(f"RMC step t = {result.step} of {T}, pattern {result.pattern!r}:  "
                            f"S = {S} slots, P = {P}, A = {A} head{'s' if A > 1 else ''} of size {P // A}  "
                            f"(untrained)\nslot reading most from the input, averaged over heads: "
                            f"slot {int(reads.argmax())} ({reads.max():.2f})")


# --- the dashboard ---------------------------------------------------------------------------------
@register_dashboard("rmc_step")
def rmc_step_dashboard(num_slots: int = 4, slot_size: int = 16, num_heads: int = 2, pattern: str = "noise",
                       seq_len: int = 10, step: int = 1, seed: int = 0, *, mode=None) -> Dashboard:
    """Controls: slots (1-8), slot size, heads (only divisors of the slot size), pattern (with a
    preview), steps, seed, and a time stepper (play, back, forward, step slider).

    Returns the Dashboard widget: ``dash.controls`` (``"step"`` is the stepper's slider),
    ``dash.figure`` the RMCStepFigure, ``dash.stepper`` the TimeStepper. A bad starting value is a
    TypeError / ValueError naming its argument, raised before any widget is built."""
    C.check_value("seq_len", seq_len, 2, MAX_SEQ_LEN)
    C.check_value("step", step, 1, seq_len)
    C.check_memory_study(num_slots, slot_size, num_heads, seq_len, max_slot_size=MAX_SLOT_SIZE,
                         max_seq_len=MAX_SEQ_LEN, max_heads=MAX_HEADS)
    stepper = C.TimeStepper(seq_len, step)
    controls = {
        "num_slots": C.slots_slider(num_slots),
        "slot_size": C.slot_size_slider(slot_size, max=MAX_SLOT_SIZE),
        "num_heads": C.heads_dropdown(num_heads, slot_size=slot_size, max_heads=MAX_HEADS),
        "pattern": C.pattern_dropdown(pattern),
        "seq_len": C.seq_len_slider(seq_len, max=MAX_SEQ_LEN),
        "seed": C.seed_slider(seed),
        "step": stepper.slider,
    }
    controls["num_heads"].follow(controls["slot_size"])
    stepper.follow(controls["seq_len"])
    grid = widgets.GridBox([c for name, c in controls.items() if name != "step"], layout=widgets.Layout(
        grid_template_columns="repeat(2, minmax(260px, 1fr))", grid_gap="2px 16px"))
    dash = Dashboard(controls, RMCStepFigure(mode=mode), rmc_step, figures=[C.PatternPreview(mode=mode)],
                     panel=widgets.VBox([grid, stepper]), name="rmc_step", caches=(rmc_run,), note=C.identical_slots_note,
                     title="One step of the Relational Memory Core",
                     help="Top: one attention map per head over the rows [M; x&#770;]: the slots (slot 0, slot 1, "
                          "...) and, last, the input row (input). Bottom: the rows, the slots after attention + MLP, "
                          "the two gates and the new memory. Untrained weights: this shows how a step works, not "
                          "what a trained core reads.")
    dash.stepper = stepper
    return dash
