"""Seed study 3 as a figure and a dashboard: walk through a memory one step at a time.

    from rrnn.dash.stepper import StepperFigure, StepView, stepper_dashboard
    dash = stepper_dashboard()                 # Play / ◀ / ▶ / step slider + model + settings
    run = rrnn.studies.step_by_step(seq_len=5)
    fig = StepperFigure(mode="static").update(StepView(run, step=2))

The model is one of ``rrnn.seed_models.MODELS``: the seed demo's hybrid (its study) or the paper's RMC,
untrained, or either trained to name the pattern. A line above the panels names it (and, for a
trained one, the pattern it names after step t). Four panels for step t (1-based, as the seed demo's
"[Step 1]"):
  how much h, c and the memory changed at every step (the current step marked); the RMC has no
      LSTM and the trained hybrid's h, c are not recorded, so for them only the memory's change
      (the legend and the line under the panel say so)
  attention weights at step t, in the course's encoding (``rrnn.dash.attention_style``): row =
      the slot (or the input row) that reads, column = the row it reads from; the last row and
      column are the input row (the hybrid: the projected h; the RMC: the projected x), and the
      input row's own query, computed and then dropped, is hatched
  how much each slot changed at step t
  the memory's gates at step t, per slot (mean over the slot's units): input gate i (how
      much new content is written) and forget gate f (how much of the old slot is kept)

Moving the step only redraws (blitted); the run is recomputed only when a setting changes.
"""
from __future__ import annotations

import functools
import inspect
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .. import seed_models, studies, tasks
from . import controls as C
from .attention_style import (attention_colorbar, attention_image, dropped_row_patch, label_axes, row_labels,
                              set_dropped_row, set_row_ticks, text_color)
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure

MAX_SLOT_SIZE, MAX_SEQ_LEN = 64, 30   # the ranges of the dashboard's slot size and steps sliders
MAX_ANNOTATED_ROWS = 6      # write the attention weights into the cells up to this many rows
FIRST_ANSWER_STEP = inspect.signature(tasks.which_pattern).parameters["min_len"].default
"""The trained models answered after the last step of 10-25 steps: before step 10 training never
asked them for an answer, so what they name there is not a belief (notebooks 05 and 06)."""
SEED_SIZES = {"input_size": 8, "hidden_size": 16}         # the seed demo's study 3 (untrained models)
NO_LSTM_STATE = {"rmc": "the RMC has no LSTM, so no h or c", "trained-rmc": "the RMC has no LSTM, so no h or c",
                 "trained-hybrid": "the trained hybrid's h and c are not recorded"}
"""Why a model's run has no h, c (said in the legend and under the panel)."""


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

    figsize = (11.0, 6.8)
    dpi = 72
    tight = False                  # draw fits the layout itself, once per row count
    tight_rect = (0, 0, 1, 0.95)   # room for the model line above the panels
    layout_inputs = ("model", "num_slots")   # the change panel's legend; the slot ticks

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
        self._legend_key = None
        self.ax_change.set_title("how much each state changed at each step")
        self.ax_change.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        self.ax_change.yaxis.set_major_locator(MaxNLocator(4))
        self.readout = self.ax_change.text(0.5, -0.12, "", transform=self.ax_change.transAxes, ha="center", va="top",
                                           fontsize=11)
        self.model_text = self.fig.text(0.01, 0.99, "", ha="left", va="top", fontsize=11)

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
        gates = [Patch(color="C4", label="input gate i"), Patch(color="C5", label="forget gate f")]
        self.ax_gates.legend(handles=gates, loc="upper left", frameon=False, ncols=2)

        self.animate(*self.change_lines, *self.change_marks, self.now, self.readout, self.model_text, self.attn,
                     self.dropped)

    def draw(self, view: StepView):
        run, step = view
        T, S = run.slot_change.shape
        if not 1 <= step <= T:
            raise ValueError(f"step must be between 1 and {T}, got {step}")
        k = step - 1                                                     # 0-based index of the step
        t = np.arange(1, T + 1)
        has_lstm = run.h_change is not None
        changes = (run.h_change, run.c_change, run.memory_change)
        for line, mark, values in zip(self.change_lines, self.change_marks, changes):
            line.set_visible(values is not None)
            mark.set_visible(values is not None)
            line.set_data((t, values) if values is not None else ([], []))
            mark.set_data(([step], [values[k]]) if values is not None else ([], []))
        self._legend(run.model, has_lstm)
        self.now.set_xdata([step, step])
        self.ax_change.set_xlim(0.5, T + 0.5)
        shown = [values for values in changes if values is not None]
        self.fit_ylim(self.ax_change, *shown, floor=0.0)
        if has_lstm:
            self.readout.set_text(f"step {step}:  ‖Δh‖ = {run.h_change[k]:.3f}   ‖Δc‖ = {run.c_change[k]:.3f}"
                                  f"   ‖ΔM‖ = {run.memory_change[k]:.3f}")
        else:
            self.readout.set_text(f"step {step}:  ‖ΔM‖ = {run.memory_change[k]:.3f}   "
                                  f"(memory only: {NO_LSTM_STATE.get(run.model, 'no h or c')})")
        self.model_text.set_text(model_line(run, step))

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

        self.fit_layout(S + 1)      # slanted column labels and the slots need more room (or less)

    def _legend(self, model: str, has_lstm: bool) -> None:
        """The change panel's legend: h, c and M for the seed demo's hybrid; M alone (and why) otherwise."""
        key = "lstm" if has_lstm else NO_LSTM_STATE.get(model, "no h or c")
        if key == self._legend_key:
            return
        self._legend_key = key
        self.in_layout("legend", key)     # standalone updates too (a Dashboard also keys by the model)
        memory = self.change_lines[2]
        memory.set_label("‖ΔM‖  memory" if has_lstm else f"‖ΔM‖  memory  ({key})")
        handles = self.change_lines if has_lstm else [memory]
        self.ax_change.legend(handles=handles, loc="upper right", frameon=False)

    def _annotate(self, weights):
        rows = weights.shape[0]
        if rows > MAX_ANNOTATED_ROWS:
            for text in self.attn_texts:
                text.set_visible(False)
            return
        if len(self.attn_texts) != rows * rows:
            for text in self.attn_texts:
                text.remove()                      # (update forgets removed animated artists)
            self.attn_texts = [self.ax_attn.text(j, i, "", ha="center", va="center", fontsize=9)
                               for i in range(rows) for j in range(rows)]
            self.animate(*self.attn_texts)
        for text, value in zip(self.attn_texts, weights.ravel()):
            text.set_text(f"{value:.2f}")
            text.set_color(text_color(value))
            text.set_visible(True)


def plot_step_attention(run: studies.StepByStep, step: int, ax=None, *, annotate: bool = True, fontsize: int = 10):
    """The attention map of ``run`` at ``step`` (1-based, mean over heads) on ``ax``, as the stepper
    draws it: the course's encoding, rows and columns named, the dropped input query hatched, and
    (``annotate``) the weights written in the cells. Add the colour bar with
    ``attention_style.attention_colorbar(fig, ax.images[0], ax=...)``. Returns ax."""
    if ax is None:
        from .figure import static_figure
        ax = static_figure((4.6, 3.8)).subplots()
    T, S = run.slot_change.shape
    if not 1 <= step <= T:
        raise ValueError(f"step must be between 1 and {T}, got {step}")
    weights = run.attention[step - 1].mean(axis=0)                       # (S+1, S+1)
    attention_image(ax, weights)
    dropped_row_patch(ax, S + 1)
    set_row_ticks(ax, row_labels(S), fontsize=fontsize)
    label_axes(ax, fontsize=fontsize)
    if annotate:
        for (i, j), value in np.ndenumerate(weights):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=fontsize - 1, color=text_color(value))
    return ax


def study_sizes(model: str) -> dict:
    """Input (and LSTM) sizes of the stepper's run: the seed demo's study 3 (input 8, hidden 16) for the
    untrained models, what they were trained with (``seed_models.trained_sizes``) for the trained
    ones (the trained RMC has no LSTM: its hidden size is not used)."""
    return {key: seed_models.trained_sizes(model).get(key, value) for key, value in SEED_SIZES.items()}


@functools.lru_cache(maxsize=8)
def _run(model, num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed):
    return studies.step_by_step(model=model, num_slots=num_slots, slot_size=slot_size, num_heads=num_heads,
                                seq_len=seq_len, pattern=pattern, amplitude=amplitude, seed=seed,
                                **study_sizes(model))


def model_line(run, step: int) -> str:
    """The line above the panels: the model and, for a trained one, what it outputs after ``step``;
    before ``FIRST_ANSWER_STEP`` that output is one training never asked for, and the line says so."""
    if run.probabilities is None or step >= FIRST_ANSWER_STEP:
        return C.model_line(run.model, run.probabilities, run.pattern, step)
    belief = run.probabilities[step - 1]
    label = seed_models.MODELS[run.model].replace(", trained to name the pattern", " (trained)")   # room for the warning
    return (f"{label}, input '{run.pattern}': after step {step} it outputs "
            f"'{tasks.PATTERN_NAMES[int(belief.argmax())]}' (p = {belief.max():.2f}), never trained to answer "
            f"before step {FIRST_ANSWER_STEP}")


def compute_step(step, model, num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed) -> StepView:
    """The dashboard's compute: study 3 for ``model`` (batch 1; sizes: ``study_sizes``); the run is
    cached, so moving the step costs only a redraw."""
    run = _run(model, num_slots, slot_size, num_heads, seq_len, pattern, float(amplitude), seed)
    return StepView(run, int(np.clip(step, 1, seq_len)))


def follow_trained_slot_counts(model_control, slots_control) -> None:
    """A trained model that exists with several slot counts (the RMC: 1, 2, 4 or 8) moves the slots
    slider from another count to the nearest trained one (3 -> 4), and choosing an untrained model
    again puts back the count it had (if the slider was not moved meanwhile). A single trained
    count (the hybrid's) is locked by ``ModelDropdown.govern`` instead."""
    saved = {}

    def apply(change=None):
        model, slots = model_control.value, slots_control.value
        if model is None:       # nothing chosen (set from code): the compute's message says so
            return
        counts = seed_models.trained_slot_counts(model)
        if len(counts) > 1 and slots not in counts:
            target = min(counts, key=lambda s: (abs(s - slots), -s))
            saved.update(value=slots, snapped=target)
            slots_control.value = target
        elif not counts and saved:
            if slots_control.value == saved["snapped"]:
                slots_control.value = saved["value"]
            saved.clear()

    model_control.observe(apply, names="value")
    apply()


@register_dashboard("stepper")
def stepper_dashboard(*, step: int = 1, model: str = "hybrid", num_slots: int = 3, slot_size: int = 16,
                      num_heads: int = 1, seq_len: int = 10, pattern: str = "noise", amplitude: float = 0.5,
                      seed: int = 42, mode: str | None = None) -> Dashboard:
    """Study 3: a stepper (Play, ◀, ▶, step slider) over a run of the chosen memory, with its settings.

    Returns the Dashboard: ``.controls`` (``"step"`` is the step slider, ``"play"`` the Play
    widget linked to it, ``"model"`` the model choice), ``.figure`` (a StepperFigure),
    ``.result`` (the last StepView). A bad starting value is a TypeError / ValueError naming its
    argument (``model`` with the choices), raised before any widget is built.
    """
    C.check_model_choice(model)
    C.check_value("seq_len", seq_len, 2, MAX_SEQ_LEN)
    C.check_value("step", step, 1, seq_len)
    C.check_memory_study(num_slots, slot_size, num_heads, seq_len, max_slot_size=MAX_SLOT_SIZE, max_seq_len=MAX_SEQ_LEN)
    stepper = C.TimeStepper(seq_len, step)
    controls = {"step": stepper.slider, **C.memory_study_controls(
        num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed, model=model,
        max_slot_size=MAX_SLOT_SIZE, max_seq_len=MAX_SEQ_LEN)}
    follow_trained_slot_counts(controls["model"], controls["num_slots"])
    stepper.follow(controls["seq_len"])
    settings = [controls[name] for name in controls if name != "step"]
    panel = widgets.VBox([stepper, widgets.GridBox(settings, layout=widgets.Layout(
        grid_template_columns="repeat(2, minmax(260px, 1fr))", grid_gap="2px 16px"))])
    dash = Dashboard({**controls, "play": stepper.play}, StepperFigure(mode=mode), compute_step,
                     figures=[C.PatternPreview(mode=mode)], panel=panel, name="stepper", caches=[_run],
                     note=C.identical_slots_note,
                     title="Study 3 · one step at a time",
                     help="Batch 1. Untrained (random weights: mechanics, not behaviour): the seed demo's hybrid and "
                          "the paper's RMC, at the seed demo's sizes (input 8; the hybrid's LSTM 16). Trained to name the pattern: "
                          "the RMC (input 32, 1, 2, 4 or 8 slots) and the hybrid (input 32, hidden 64, 4 slots); "
                          "their slot size (64) and heads (2) are fixed. Press ▶ or Play to walk through the "
                          "steps; the settings below rerun the sequence.")
    dash.stepper = stepper
    return dash
