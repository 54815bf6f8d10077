"""Notebook 09: what the trained RMC does with a fresh Nth-farthest question, step by step.

    from rrnn.lessons import trained_example
    from rrnn.dash.trained_rmc import trained_rmc_dashboard
    result = trained_example(example=0, step=4)     # pure: the shipped RMC on one fresh question
    dash = trained_rmc_dashboard()                  # after %matplotlib widget

The shipped RMC (``rrnn.pretrained.load("rmc")``) answers a batch of fresh questions drawn with
``batch_seed``; ``example`` picks one. The figure shows the question (each vector's distance
from the reference, the reference and the right answer marked), the model's probabilities over
the ids, and at step ``step`` the attention of every head over the rows [slot 0, slot 1, input]
in the course's encoding (``rrnn.dash.attention_style``): row r is what row r reads, column j is
read from row j, and the input row's own query (computed, then dropped) is hatched.
"""
from __future__ import annotations

import numpy as np

# the computation lives in rrnn.lessons; notebook 09 imports it from here too
from ..lessons import BATCH, NUM_VECTORS, TrainedExample, trained_batch, trained_example
from . import controls as C
from .attention_style import (DROPPED_NOTE, attention_colorbar, attention_image, dropped_row_patch, head_title,
                              label_axes, row_labels, set_dropped_row, set_row_ticks)
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure


class TrainedRMCFigure(InPlaceFigure):
    """Left: distances from the reference (the reference, at distance 0, marked by an orange
    triangle; the answer green). Middle: the model's probabilities. Right: one attention map per
    head at the chosen step, with the colour bar; the input row's dropped query hatched.

    Attributes for tests: ``dist_bars``, ``prob_bars``, ``reference_marker`` (a Line2D at the
    reference's id), ``images`` (one AxesImage per head), ``dropped`` (the hatched patches)."""

    figsize = (11.0, 3.5)

    def build(self):
        grid = self.fig.add_gridspec(1, 4, width_ratios=[1.2, 1.0, 1.0, 1.0])
        self.ax_dist = self.fig.add_subplot(grid[0])
        self.ax_prob = self.fig.add_subplot(grid[1])
        self.ax_heads = [self.fig.add_subplot(grid[2]), self.fig.add_subplot(grid[3])]
        ids = np.arange(NUM_VECTORS)
        self.dist_bars = self.ax_dist.bar(ids, np.zeros(NUM_VECTORS), color="0.7")
        self.prob_bars = self.ax_prob.bar(ids, np.zeros(NUM_VECTORS), color="C0")
        # the reference is at distance 0 from itself: its bar has no height, so a marker shows it
        (self.reference_marker,) = self.ax_dist.plot([0], [0], marker="^", ms=11, color="C1", ls="none",
                                                     clip_on=False, zorder=4)
        self.reference_text = self.ax_dist.text(0, 0.25, "reference", ha="center", va="bottom", fontsize=9,
                                                color="C1", rotation=90)
        self.animate(*self.dist_bars.patches, *self.prob_bars.patches, self.reference_marker, self.reference_text)
        self.ax_dist.set(xticks=ids, xlabel="vector id", ylabel="distance from reference", ylim=(0, 4.2))
        self.ax_prob.set(xticks=ids, xlabel="vector id", ylabel="model probability", ylim=(0, 1.05))
        self.question = self.animate(self.ax_dist.set_title(" ", fontsize=9))   # text changes: animated
        self.verdict = self.animate(self.ax_prob.set_title(" ", fontsize=9))
        self.images, self.dropped = [], []
        for a, ax in enumerate(self.ax_heads):
            self.images.append(self.animate(attention_image(ax)))
            self.dropped.append(self.animate(dropped_row_patch(ax)))
            ax.set_title(head_title(a), fontsize=9)
            label_axes(ax, y=a == 0)
        attention_colorbar(self.fig, self.images[0], cax=self.ax_heads[-1].inset_axes([1.08, 0.0, 0.06, 1.0]))
        self.step_text = self.animate(self.fig.text(0.99, 0.01, "", ha="right", fontsize=8))

    def draw(self, r: TrainedExample):
        for i, (bar, d) in enumerate(zip(self.dist_bars, r.distances)):
            bar.set_height(d)
            bar.set_color("C2" if i == r.label else "C1" if i == r.reference else "0.7")
        self.reference_marker.set_data([r.reference], [0.0])
        self.reference_text.set_x(r.reference)
        for i, (bar, p) in enumerate(zip(self.prob_bars, r.probabilities)):
            bar.set_height(p)
            bar.set_color("C2" if i == r.label else "C0")
        self.question.set_text(f"reference: id {r.reference}, n = {r.nth} -> answer id {r.label}")
        right = "right" if r.predicted == r.label else "wrong"
        self.verdict.set_text(f"model says id {r.predicted} ({right})")
        rows = r.attention.shape[-1]                                   # S + 1: the slots, then the input row
        labels = row_labels(rows - 1)
        for a, (ax, image, patch) in enumerate(zip(self.ax_heads, self.images, self.dropped)):
            self.set_image(ax, image, r.attention[r.step - 1, a])
            set_dropped_row(patch, rows)
            set_row_ticks(ax, labels, y=a == 0)
        self.step_text.set_text(f"trained RMC, attention at step {r.step} (the step that reads id "
                                f"{r.ids[r.step - 1]}); {DROPPED_NOTE}")


@register_dashboard("trained_rmc")
def trained_rmc_dashboard(example: int = 0, step: int = NUM_VECTORS, *, mode=None) -> Dashboard:
    """Pick a fresh question and a step; see the trained RMC's answer and attention."""
    controls = {
        "example": C.int_slider("example", example, 0, BATCH - 1, description="question"),
        "step": C.int_slider("step", step, 1, NUM_VECTORS, description="step t", continuous_update=True),
    }
    return Dashboard(controls, TrainedRMCFigure(mode=mode), trained_example, name="trained_rmc",
                     title="The trained RMC on a fresh question",
                     help="Each question is new to the model. The orange triangle marks the reference, green the "
                          "right answer; the maps show, per head, how much each memory slot and the input row read "
                          "from each row at the chosen step.",
                     caches=(trained_batch,))
