"""Seed study 1 as a figure and a dashboard: how the memory evolves over a sequence.

    from rrnn.dash.memory_evolution import MemoryEvolutionFigure, memory_evolution_dashboard
    dash = memory_evolution_dashboard()                 # sliders + pattern preview + the figure
    fig = MemoryEvolutionFigure(mode="static").update(rrnn.studies.memory_evolution())

The figure has five panels; the top ones are over steps t = 1 .. T (the memory after step t),
and a dashed line marks where the step-up pattern gets louder:
  memory norm ||M_t||                |  mean and std of M_t's entries
  slot norms (heatmap, S x T)  |  slot norms at the last step  |  cosine similarity of the final slots
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import studies
from . import controls as C
from .base import Dashboard, InPlaceFigure, register_dashboard


class MemoryEvolutionFigure(InPlaceFigure):
    """Five panels of a ``studies.MemoryEvolution`` result; ``update(result)`` redraws in place."""

    figsize = (11.0, 6.0)
    dpi = 72

    def build(self):
        grid = self.fig.add_gridspec(2, 6)
        self.ax_norm = self.fig.add_subplot(grid[0, :3])
        self.ax_stats = self.fig.add_subplot(grid[0, 3:])
        self.ax_heat = self.fig.add_subplot(grid[1, :2])
        self.ax_final = self.fig.add_subplot(grid[1, 2:4])
        self.ax_sim = self.fig.add_subplot(grid[1, 4:])
        (self.norm_line,) = self.ax_norm.plot([], [], "o-", ms=3, color="C0")
        self.ax_norm.set_title("memory norm ‖M_t‖")
        (self.mean_line,) = self.ax_stats.plot([], [], "o-", ms=3, color="C1", label="mean")
        (self.std_line,) = self.ax_stats.plot([], [], "o-", ms=3, color="C2", label="std")
        self.ax_stats.axhline(0, color="0.75", lw=0.6)
        self.ax_stats.legend(loc="upper left", frameon=False)
        self.ax_stats.set_title("mean and std of the memory's entries")
        self.heat = self.ax_heat.imshow(np.zeros((1, 1)), aspect="auto", cmap="viridis", interpolation="nearest")
        colorbar = self.fig.colorbar(self.heat, ax=self.ax_heat, fraction=0.06, pad=0.02)
        colorbar.locator = MaxNLocator(3)
        self.ax_heat.set_title("slot norms ‖M_t[s]‖")
        self.ax_heat.set_ylabel("slot s")
        self.bars = None
        self.ax_final.set_title("slot norms at the last step")
        self.sim = self.ax_sim.imshow(np.eye(2), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        self.fig.colorbar(self.sim, ax=self.ax_sim, fraction=0.06, pad=0.02, ticks=[-1, 0, 1])
        self.ax_sim.set_title("cosine similarity, final slots")
        self.boundaries = [ax.axvline(0, color="k", ls="--", lw=1, visible=False)
                           for ax in (self.ax_norm, self.ax_stats, self.ax_heat)]
        # numbers that change with the data sit where an x label would be (animated: no full redraw)
        self.variance_text = self.ax_final.text(0.5, -0.1, "", transform=self.ax_final.transAxes, ha="center",
                                                va="top")
        self.sim_text = self.ax_sim.text(0.5, -0.1, "", transform=self.ax_sim.transAxes, ha="center", va="top")
        for ax in (self.ax_norm, self.ax_stats, self.ax_heat):
            ax.set_xlabel("step t")
            ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        for ax in (self.ax_norm, self.ax_stats, self.ax_final):
            ax.yaxis.set_major_locator(MaxNLocator(4))
        self.animate(self.norm_line, self.mean_line, self.std_line, self.heat, self.sim, *self.boundaries,
                     self.variance_text, self.sim_text)

    def draw(self, result: studies.MemoryEvolution):
        T, S = result.slot_norms.shape
        t = np.arange(1, T + 1)
        self.norm_line.set_data(t, result.memory_norm)
        self.mean_line.set_data(t, result.memory_mean)
        self.std_line.set_data(t, result.memory_std)
        for ax in (self.ax_norm, self.ax_stats):
            ax.set_xlim(0.5, T + 0.5)
        self.fit_ylim(self.ax_norm, result.memory_norm, floor=0.0)
        self.fit_ylim(self.ax_stats, result.memory_mean, result.memory_std, floor=0.0)

        self.set_image(self.ax_heat, self.heat, result.slot_norms.T, x0=1)
        self.fit_clim(self.heat, result.slot_norms, floor=0.0)
        self.ax_heat.set_yticks(range(S))

        final = result.slot_norms[-1]
        self.bars = self.set_bars(self.ax_final, self.bars, final, color="C0")
        self.ax_final.set_xlim(-0.6, S - 0.4)
        self.ax_final.set_xticks(range(S))
        self.fit_ylim(self.ax_final, final, floor=0.0)
        self.variance_text.set_text(f"slot s   (variance over slots: {result.slot_variance:.3f})")

        self.set_image(self.ax_sim, self.sim, result.similarity)
        self.ax_sim.set_xticks(range(S))
        self.ax_sim.set_yticks(range(S))
        mean_sim = studies.mean_offdiagonal(result.similarity)
        self.sim_text.set_text("slot   (one slot only)" if np.isnan(mean_sim) else
                               f"slot   (mean between slots: {mean_sim:.2f})")

        for line in self.boundaries:
            line.set_visible(result.boundary is not None)
            if result.boundary is not None:
                line.set_xdata([result.boundary + 0.5] * 2)   # between the last quiet and the first loud step


def compute_memory_evolution(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed):
    """The dashboard's compute: study 1 with the seed's sizes (batch 1, input 32, hidden 64)."""
    return studies.memory_evolution(num_slots=num_slots, slot_size=slot_size, num_heads=num_heads, seq_len=seq_len,
                                    pattern=pattern, amplitude=amplitude, seed=seed)


@register_dashboard("memory_evolution")
def memory_evolution_dashboard(*, num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 15,
                               pattern: str = "step_up", amplitude: float = 1.0, seed: int = 42,
                               mode: str | None = None) -> Dashboard:
    """Study 1 with controls for slots, slot size, heads, steps, pattern, amplitude and seed.

    Returns the Dashboard (an ipywidgets VBox): ``.controls``, ``.figure`` (a
    MemoryEvolutionFigure), ``.result`` (the last studies.MemoryEvolution), ``.message``.
    """
    controls = C.memory_study_controls(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed)
    return Dashboard(controls, MemoryEvolutionFigure(mode=mode), compute_memory_evolution,
                     figures=[C.PatternPreview(mode=mode)], name="memory_evolution", note=C.identical_slots_note,
                     title="Study 1 · how the memory evolves",
                     help="Untrained weights, batch 1, input 32, hidden 64. The seed is the input "
                          "sequence's; the weights stay the same.")
