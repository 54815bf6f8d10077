"""Seed study 4 as a figure and a dashboard: what changes as memory slots are added?

    from rrnn.dash.capacity import CapacityFigure, CapacityView, capacity_dashboard
    dash = capacity_dashboard()                                  # slot counts 1 .. 8
    fig = CapacityFigure(mode="static").update(CapacityView(rrnn.studies.memory_capacity(), 4))

Five panels against the number of slots S (the selected S is ringed), for the model chosen (the
seed demo's hybrid, the untrained RMC, or the RMCs trained with 1, 2, 4 and 8 slots):
  the last step's output mean and std (the seed demo's numbers)
  the memory's part of the output: mean |memory on - memory off| (the hybrid only)
  accuracy at naming the pattern (the trained RMCs: the capacity curve), against chance 1/9
  the attention a slot pays to the input row, next to 1/(S+1), what a uniform reader would pay
  how alike the final slots are: mean cosine similarity between distinct slots
and a line saying which model it is and how many weights each network has.

The slots slider only moves the ring; other settings rerun all slot counts (cached).
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import seed_models, studies
from . import controls as C
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure

SLOT_COUNTS = tuple(range(1, 9))
MODELS = ("hybrid", "rmc", "trained-rmc")   # the trained hybrid has 4 slots only


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

    figsize = (12.0, 6.4)
    dpi = 72
    tight_rect = (0, 0.04, 1, 1)       # room for the line about the weights at the bottom

    def build(self):
        axes = self.fig.subplots(2, 3)
        self.ax_out, self.ax_effect, self.ax_acc, self.ax_attn, self.ax_sim, self.ax_note = axes.ravel()
        self.ax_note.set_axis_off()
        (self.acc_line,) = self.ax_acc.plot([], [], "o-", color="C5", label="trained, random seed 0")
        chance = 1 / seed_models.NUM_CLASSES
        self.ax_acc.axhline(chance, color="0.5", ls=":")
        self.ax_acc.text(0.02, chance + 0.02, "chance 1/9", transform=self.ax_acc.get_yaxis_transform(),
                         fontsize=9, color="0.4", va="bottom")      # named on its line, not in the legend
        self.ax_acc.set_ylim(0, 1.05)
        # between the chance line (0.11) and the trained curves (above 0.9); shown for trained models only
        self.acc_legend = self.ax_acc.legend(loc="center right", frameon=False)
        self.ax_acc.set_title("accuracy naming the pattern")
        self.acc_text = self.ax_acc.text(0.5, 0.5, "", transform=self.ax_acc.transAxes, ha="center", va="center",
                                         fontsize=10, color="0.3")
        self.effect_text = self.ax_effect.text(0.5, 0.5, "", transform=self.ax_effect.transAxes, ha="center",
                                               va="center", fontsize=10, color="0.3")
        self.note_text = self.ax_note.text(0.0, 1.0, "", transform=self.ax_note.transAxes, ha="left", va="top",
                                           fontsize=10, wrap=True)
        (self.mean_line,) = self.ax_out.plot([], [], "o-", color="C0", label="mean")
        (self.std_line,) = self.ax_out.plot([], [], "s-", color="C1", label="std")
        self.ax_out.axhline(0, color="0.75", lw=0.6)
        self.ax_out.legend(loc="center right", frameon=False)     # a fixed place: "best" moves with the data, the legend does not
        self.ax_out.set_title("outputs at the last step")
        (self.effect_line,) = self.ax_effect.plot([], [], "o-", color="C3")
        self.ax_effect.set_title("the memory's part: mean |memory on − off|")
        (self.attn_line,) = self.ax_attn.plot([], [], "o-", color="C2", label="measured")
        (self.uniform_line,) = self.ax_attn.plot([], [], "--", color="0.5", label="uniform: 1/(S+1)")
        self.ax_attn.legend(loc="upper right", frameon=False)
        self.ax_attn.set_title("attention a slot pays to the input row")
        (self.sim_line,) = self.ax_sim.plot([], [], "o-", color="C4")
        self.ax_sim.set_title("mean cosine similarity between final slots")
        self.rings = []
        for ax in (self.ax_out, self.ax_effect, self.ax_acc, self.ax_attn, self.ax_sim):
            ax.set_xlabel("slots S")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(4))
            self.rings.append(ax.axvline(0, color="k", lw=6, alpha=0.12))
        self.param_text = self.fig.text(0.5, 0.005, "", ha="center", va="bottom", fontsize=10)
        self.animate(self.mean_line, self.std_line, self.effect_line, self.attn_line, self.uniform_line,
                     self.sim_line, *self.rings, self.param_text, self.acc_line, self.acc_text, self.effect_text)

    def draw(self, view: CapacityView):
        study, selected = view
        S = study.slot_counts
        for line, values in ((self.mean_line, study.output_mean), (self.std_line, study.output_std),
                             (self.effect_line, study.memory_effect), (self.attn_line, study.input_attention),
                             (self.uniform_line, 1.0 / (S + 1)), (self.sim_line, study.slot_similarity)):
            line.set_data(S, values)
        for ax in (self.ax_out, self.ax_effect, self.ax_acc, self.ax_attn, self.ax_sim):
            ax.set_xlim(S.min() - 0.5, S.max() + 0.5)
        self.fit_ylim(self.ax_out, study.output_mean, study.output_std, floor=0.0)
        effect = study.memory_effect[np.isfinite(study.memory_effect)]
        self.fit_ylim(self.ax_effect, effect if effect.size else np.zeros(1), floor=0.0)
        self.acc_line.set_data(*((S, study.accuracy) if study.accuracy is not None else ([], [])))
        trained = study.accuracy is not None
        self.acc_text.set_text("" if trained else "accuracy is shown for trained models:\n"
                                                  "an untrained one has not learnt the task\n(choose the trained RMC)")
        self.acc_legend.set_visible(trained)
        self.in_layout("accuracy legend", trained)
        self.effect_text.set_text("" if effect.size else "the hybrid only: the RMC's\noutput is its memory")
        self.note_text.set_text(model_note(study))
        self.in_layout("note", self.note_text.get_text())
        self.fit_ylim(self.ax_attn, study.input_attention, 1.0 / (S + 1), floor=0.0)
        self.fit_ylim(self.ax_sim, study.slot_similarity[np.isfinite(study.slot_similarity)], floor=0.0)
        for ring in self.rings:
            ring.set_xdata([selected, selected])
            ring.set_visible(selected in S)
        counts = np.unique(study.parameter_count)
        every = " for every S" if len(counts) == 1 else ""
        memory = "memory " if study.model != "hybrid" else ""
        same = f"the same {memory}weights for every S" if study.same_weights else "different weights for each S"
        self.param_text.set_text(f"weights per network: {', '.join(f'{c:,}' for c in counts)}{every}  ·  {same}  ·  "
                                 f"grey band: S = {selected}")


def model_note(study: studies.MemoryCapacity) -> str:
    """What the panel beside the curves says about the model."""
    lines = [seed_models.MODELS[study.model] + "."]
    if study.model == "hybrid":
        lines.append("Outputs: the seed demo's 16 linear outputs.")
    else:
        lines.append("Outputs: beliefs in the 9 patterns\n(their mean is always 1/9).")
        lines.append("The memory's weights do not depend on S;\nonly the head, which reads all S slots, grows.")
    if study.model == "trained-rmc":
        lines.append("Each S is its own trained network\n(1, 2, 4, 8 slots; 3,000 steps each).")
    return "\n".join(lines)


@functools.lru_cache(maxsize=8)
def _study(model, slot_size, num_heads, seq_len, pattern, amplitude, seed):
    counts = seed_models.trained_slot_counts(model) or SLOT_COUNTS
    return studies.memory_capacity(model=model, slot_counts=counts, slot_size=slot_size, num_heads=num_heads,
                                   seq_len=seq_len, pattern=pattern, amplitude=amplitude, seed=seed)


def compute_capacity(model, num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed) -> CapacityView:
    """The dashboard's compute: study 4 for S = 1 .. 8 (trained: 1, 2, 4, 8) with the seed demo's sizes
    (batch 2, input 32, hidden 64, output 16), cached, and the slot count to highlight."""
    return CapacityView(_study(model, slot_size, num_heads, seq_len, pattern, float(amplitude), seed), num_slots)


@register_dashboard("capacity")
def capacity_dashboard(*, model: str = "hybrid", num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 10,
                       pattern: str = "noise", amplitude: float = 1.0, seed: int = 42,
                       mode: str | None = None) -> Dashboard:
    """Study 4 over S = 1 .. 8, with controls for the slot size, heads and the input; the slots
    slider picks the S to highlight.

    Returns the Dashboard: ``.controls``, ``.figure`` (a CapacityFigure), ``.result`` (the last
    CapacityView), ``.message``.
    """
    C.check_model_choice(model, MODELS)      # (memory_study_controls would drop the menu for None)
    controls = C.memory_study_controls(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed,
                                       model=model, models=MODELS, slots_description="highlight S")
    return Dashboard(controls, CapacityFigure(mode=mode), compute_capacity, figures=[C.PatternPreview(mode=mode)],
                     name="capacity", caches=[_study], note=C.identical_slots_note,
                     title="Study 4 · adding memory slots",
                     help="Batch 2, input 32 (the hybrid: hidden 64, output 16); every slot count from 1 to 8 "
                          "runs on the same input (trained: the RMCs trained with 1, 2, 4 and 8 slots).")
