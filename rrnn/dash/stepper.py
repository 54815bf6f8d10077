"""Seed study 3 as a figure and a dashboard: walk through the hybrid cell one step at a time.

    from rrnn.dash.stepper import StepperFigure, StepView, stepper_dashboard
    dash = stepper_dashboard()                 # Play / ◀ / ▶ / step slider + settings
    run = rrnn.studies.step_by_step(seq_len=5)
    fig = StepperFigure(mode="static").update(StepView(run, step=2))

Four panels for step t (1-based, as the seed's "[Step 1]"):
  how much h, c and the memory changed at every step (the current step marked)
  attention weights at step t, in the course's encoding (``rrnn.dash.attention_style``): row =
      the slot (or the input row) that reads, column = the row it reads from; the last row and
      column are the input row (the projected h), and the input row's own query, computed and
      then dropped, is hatched
  how much each slot changed at step t
  the memory's gates at step t, per slot (mean over the slot's units): input gate i (how
      much new content is written) and forget gate f (how much of the old slot is kept)

Moving the step only redraws; the run is recomputed only when a setting changes.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .. import studies
from . import controls as C
from .attention_style import (attention_colorbar, attention_image, dropped_row_patch, label_axes, row_labels,
                              set_dropped_row, set_row_ticks, text_color)
from .base import Dashboard, InPlaceFigure, register_dashboard

MAX_ANNOTATED_ROWS = 6      # write the attention weights into the cells up to this many rows


class StepView(NamedTuple):
    """A run of study 3 and the step (1 .. T) to show."""

    run: studies.StepByStep
    step: int

    @property
    def sequence(self):
        return self.run.sequence

    @property
    def pattern(self):
        return self.run.pattern


class StepperFigure(InPlaceFigure):
    """Four panels of one step of a ``studies.StepByStep`` run; ``update(StepView)`` redraws."""

    figsize = (11.0, 6.4)
    dpi = 72

    def build(self):
        grid = self.fig.add_gridspec(2, 2, width_ratios=[1.6, 1])
        self.ax_change = self.fig.add_subplot(grid[0, 0])
        self.ax_attn = self.fig.add_subplot(grid[0, 1])
        self.ax_slots = self.fig.add_subplot(grid[1, 0])
        self.ax_gates = self.fig.add_subplot(grid[1, 1])

        self.change_lines = [self.ax_change.plot([], [], "o-", ms=3, color=color, label=label)[0]
                             for color, label in (("C0", "‖Δh‖  LSTM hidden"), ("C1", "‖Δc‖  LSTM cell"),
                                                  ("C2", "‖ΔM‖  memory"))]
        self.change_marks = [self.ax_change.plot([], [], "o", ms=9, mfc="none", mec="k", mew=1.5)[0]
                             for _ in self.change_lines]
        self.now = self.ax_change.axvline(1, color="k", lw=1, ls="--")
        self.ax_change.legend(loc="upper right", frameon=False)
        self.ax_change.set_title("how much each state changed at each step")
        self.ax_change.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        self.ax_change.yaxis.set_major_locator(MaxNLocator(4))
        self.readout = self.ax_change.text(0.5, -0.12, "", transform=self.ax_change.transAxes, ha="center", va="top",
                                           fontsize=11)

        self.attn = attention_image(self.ax_attn, np.eye(2))
        attention_colorbar(self.fig, self.attn, ax=self.ax_attn, fraction=0.05, pad=0.03, fontsize=9)
        self.dropped = dropped_row_patch(self.ax_attn)
        self.ax_attn.tick_params(labelsize=9)
        label_axes(self.ax_attn, fontsize=10)
        self.attn_texts = []
        self.ax_attn.set_title("attention at step t (mean over heads)")

        self.slot_bars = None
        self.ax_slots.set_title("‖ΔM[s]‖: change of each slot at step t")
        self.ax_slots.yaxis.set_major_locator(MaxNLocator(3))

        self.i_bars = self.f_bars = None
        self.ax_gates.set_ylim(0, 1)
        self.ax_gates.set_yticks([0, 0.5, 1])
        self.ax_gates.axhline(0.5, color="0.8", lw=0.6)
        self.ax_gates.set_title("memory gates at step t (mean per slot)")
        self.ax_gates.legend(handles=[Patch(color="C4", label="input gate i"), Patch(color="C5", label="forget gate f")],
                             loc="upper left", frameon=False, ncols=2)

        self.animate(*self.change_lines, *self.change_marks, self.now, self.readout, self.attn, self.dropped)

    def draw(self, view: StepView):
        run, step = view
        T, S = run.slot_change.shape
        if not 1 <= step <= T:
            raise ValueError(f"step must be between 1 and {T}, got {step}")
        k = step - 1                                                     # 0-based index of the step
        t = np.arange(1, T + 1)
        changes = (run.h_change, run.c_change, run.memory_change)
        for line, mark, values in zip(self.change_lines, self.change_marks, changes):
            line.set_data(t, values)
            mark.set_data([step], [values[k]])
        self.now.set_xdata([step, step])
        self.ax_change.set_xlim(0.5, T + 0.5)
        self.fit_ylim(self.ax_change, *changes, floor=0.0)
        self.readout.set_text(f"step {step}:  ‖Δh‖ = {run.h_change[k]:.3f}   ‖Δc‖ = {run.c_change[k]:.3f}"
                              f"   ‖ΔM‖ = {run.memory_change[k]:.3f}")

        # attention: mean over heads, (S+1, S+1)
        weights = run.attention[k].mean(axis=0)
        self.set_image(self.ax_attn, self.attn, weights)
        set_dropped_row(self.dropped, S + 1)
        labels = row_labels(S)
        set_row_ticks(self.ax_attn, labels, fontsize=9)
        self._annotate(weights)

        self.slot_bars = self.set_bars(self.ax_slots, self.slot_bars, run.slot_change[k], color="C2")
        self.ax_slots.set_xlim(-0.6, S - 0.4)
        self.ax_slots.set_xticks(range(S), row_labels(S, input_row=False))
        self.fit_ylim(self.ax_slots, run.slot_change, floor=0.0)       # one scale for all steps

        self.i_bars = self.set_bars(self.ax_gates, self.i_bars, run.input_gate[k].mean(axis=-1), x0=-0.2, width=0.4,
                                    color="C4")
        self.f_bars = self.set_bars(self.ax_gates, self.f_bars, run.forget_gate[k].mean(axis=-1), x0=0.2, width=0.4,
                                    color="C5")
        self.ax_gates.set_xlim(-0.6, S - 0.4)
        self.ax_gates.set_xticks(range(S), row_labels(S, input_row=False))

    def _annotate(self, weights):
        rows = weights.shape[0]
        if rows > MAX_ANNOTATED_ROWS:
            for text in self.attn_texts:
                text.set_visible(False)
            return
        if len(self.attn_texts) != rows * rows:
            for text in self.attn_texts:
                text.remove()
            self.dynamic = [a for a in self.dynamic if a not in self.attn_texts]
            self.attn_texts = [self.ax_attn.text(j, i, "", ha="center", va="center", fontsize=9)
                               for i in range(rows) for j in range(rows)]
            self.animate(*self.attn_texts)
        for text, value in zip(self.attn_texts, weights.ravel()):
            text.set_text(f"{value:.2f}")
            text.set_color(text_color(value))
            text.set_visible(True)


@functools.lru_cache(maxsize=8)
def _run(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed):
    return studies.step_by_step(num_slots=num_slots, slot_size=slot_size, num_heads=num_heads, seq_len=seq_len,
                                pattern=pattern, amplitude=amplitude, seed=seed)


def compute_step(step, num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed) -> StepView:
    """The dashboard's compute: study 3 with the seed's sizes (batch 1, input 8, hidden 16); the
    run is cached, so moving the step costs only a redraw."""
    run = _run(num_slots, slot_size, num_heads, seq_len, pattern, float(amplitude), seed)
    return StepView(run, int(np.clip(step, 1, seq_len)))


@register_dashboard("stepper")
def stepper_dashboard(*, step: int = 1, num_slots: int = 3, slot_size: int = 16, num_heads: int = 1, seq_len: int = 10,
                      pattern: str = "noise", amplitude: float = 0.5, seed: int = 42,
                      mode: str | None = None) -> Dashboard:
    """Study 3: a stepper (Play, ◀, ▶, step slider) over a run of the hybrid cell, with its settings.

    Returns the Dashboard: ``.controls`` (``"step"`` is the step slider, ``"play"`` the Play
    widget linked to it), ``.figure`` (a StepperFigure), ``.result`` (the last StepView).
    """
    stepper = C.TimeStepper(seq_len, step)
    controls = {"step": stepper.slider, **C.memory_study_controls(
        num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed, max_slot_size=64, max_seq_len=30)}
    stepper.follow(controls["seq_len"])
    settings = [controls[name] for name in controls if name != "step"]
    panel = widgets.VBox([stepper, widgets.GridBox(settings, layout=widgets.Layout(
        grid_template_columns="repeat(2, minmax(260px, 1fr))", grid_gap="2px 16px"))])
    dash = Dashboard({**controls, "play": stepper.play}, StepperFigure(mode=mode), compute_step,
                     figures=[C.PatternPreview(mode=mode)], panel=panel, name="stepper", caches=[_run],
                     note=C.identical_slots_note,
                     title="Study 3 · one step at a time",
                     help="Untrained weights, batch 1, input 8, hidden 16. Press ▶ or Play to walk "
                          "through the steps; the settings below rerun the sequence.")
    dash.stepper = stepper
    return dash
