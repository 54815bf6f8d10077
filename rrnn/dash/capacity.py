"""Seed study 4 as a figure and a dashboard: what changes as memory slots are added?

    from rrnn.dash.capacity import CapacityFigure, CapacityView, capacity_dashboard
    dash = capacity_dashboard()                                  # slot counts 1 .. 8
    fig = CapacityFigure(mode="static").update(CapacityView(rrnn.studies.memory_capacity(), 4))

Four panels against the number of slots S (the selected S is ringed):
  the last step's output mean and std (the seed's numbers)
  the memory's part of the output: mean |memory on - memory off|
  the attention a slot pays to the input row, next to 1/(S+1), what a uniform reader would pay
  how alike the final slots are: mean cosine similarity between distinct slots
and a line saying how many weights each network has (the same for every S).

The slots slider only moves the ring; other settings rerun all slot counts (cached).
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import studies
from . import controls as C
from .base import Dashboard, InPlaceFigure, register_dashboard

SLOT_COUNTS = tuple(range(1, 9))


class CapacityView(NamedTuple):
    """A study-4 result and the slot count to highlight."""

    study: studies.MemoryCapacity
    num_slots: int

    @property
    def sequence(self):
        return self.study.sequence

    @property
    def pattern(self):
        return self.study.pattern


class CapacityFigure(InPlaceFigure):
    """Four panels of a ``studies.MemoryCapacity`` result; ``update(CapacityView)`` redraws."""

    figsize = (11.0, 6.4)
    dpi = 72
    tight_rect = (0, 0.04, 1, 1)       # room for the line about the weights at the bottom

    def build(self):
        axes = self.fig.subplots(2, 2)
        self.ax_out, self.ax_effect, self.ax_attn, self.ax_sim = axes.ravel()
        (self.mean_line,) = self.ax_out.plot([], [], "o-", color="C0", label="mean")
        (self.std_line,) = self.ax_out.plot([], [], "s-", color="C1", label="std")
        self.ax_out.axhline(0, color="0.75", lw=0.6)
        self.ax_out.legend(loc="best", frameon=False)
        self.ax_out.set_title("last-step outputs (the seed's numbers)")
        (self.effect_line,) = self.ax_effect.plot([], [], "o-", color="C3")
        self.ax_effect.set_title("the memory's part: mean |memory on − off|")
        (self.attn_line,) = self.ax_attn.plot([], [], "o-", color="C2", label="measured")
        (self.uniform_line,) = self.ax_attn.plot([], [], "--", color="0.5", label="uniform: 1/(S+1)")
        self.ax_attn.legend(loc="upper right", frameon=False)
        self.ax_attn.set_title("attention a slot pays to the input row")
        (self.sim_line,) = self.ax_sim.plot([], [], "o-", color="C4")
        self.ax_sim.set_title("mean cosine similarity between final slots")
        self.rings = []
        for ax in (self.ax_out, self.ax_effect, self.ax_attn, self.ax_sim):
            ax.set_xlabel("slots S")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(4))
            self.rings.append(ax.axvline(0, color="k", lw=6, alpha=0.12))
        self.param_text = self.fig.text(0.5, 0.005, "", ha="center", va="bottom", fontsize=10)
        self.animate(self.mean_line, self.std_line, self.effect_line, self.attn_line, self.uniform_line,
                     self.sim_line, *self.rings, self.param_text)

    def draw(self, view: CapacityView):
        study, selected = view
        S = study.slot_counts
        for line, values in ((self.mean_line, study.output_mean), (self.std_line, study.output_std),
                             (self.effect_line, study.memory_effect), (self.attn_line, study.input_attention),
                             (self.uniform_line, 1.0 / (S + 1)), (self.sim_line, study.slot_similarity)):
            line.set_data(S, values)
        for ax in (self.ax_out, self.ax_effect, self.ax_attn, self.ax_sim):
            ax.set_xlim(S.min() - 0.5, S.max() + 0.5)
        self.fit_ylim(self.ax_out, study.output_mean, study.output_std, floor=0.0)
        self.fit_ylim(self.ax_effect, study.memory_effect, floor=0.0)
        self.fit_ylim(self.ax_attn, study.input_attention, 1.0 / (S + 1), floor=0.0)
        self.fit_ylim(self.ax_sim, study.slot_similarity[np.isfinite(study.slot_similarity)], floor=0.0)
        for ring in self.rings:
            ring.set_xdata([selected, selected])
            ring.set_visible(selected in S)
        same = "the same" if study.same_weights else "different"
        counts = np.unique(study.parameter_count)
        self.param_text.set_text(
            f"weights per network: {', '.join(f'{c:,}' for c in counts)} for every S  ·  {same} weights for every S  ·  "
            f"grey band: S = {selected}")


@functools.lru_cache(maxsize=8)
def _study(slot_size, num_heads, seq_len, pattern, amplitude, seed):
    return studies.memory_capacity(slot_counts=SLOT_COUNTS, slot_size=slot_size, num_heads=num_heads, seq_len=seq_len,
                                   pattern=pattern, amplitude=amplitude, seed=seed)


def compute_capacity(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed) -> CapacityView:
    """The dashboard's compute: study 4 for S = 1 .. 8 with the seed's sizes (batch 2, input 32,
    hidden 64, output 16), cached, and the slot count to highlight."""
    return CapacityView(_study(slot_size, num_heads, seq_len, pattern, float(amplitude), seed), num_slots)


@register_dashboard("capacity")
def capacity_dashboard(*, num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 10,
                       pattern: str = "noise", amplitude: float = 1.0, seed: int = 42,
                       mode: str | None = None) -> Dashboard:
    """Study 4 over S = 1 .. 8, with controls for the slot size, heads and the input; the slots
    slider picks the S to highlight.

    Returns the Dashboard: ``.controls``, ``.figure`` (a CapacityFigure), ``.result`` (the last
    CapacityView), ``.message``.
    """
    controls = C.memory_study_controls(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed,
                                       slots_description="highlight S")
    return Dashboard(controls, CapacityFigure(mode=mode), compute_capacity, figures=[C.PatternPreview(mode=mode)],
                     name="capacity", caches=[_study], note=C.identical_slots_note,
                     title="Study 4 · adding memory slots",
                     help="Untrained weights, batch 2, input 32, hidden 64, output 16; every slot count "
                          "from 1 to 8 runs on the same input.")
