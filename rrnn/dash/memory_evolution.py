"""Seed study 1 as a figure and a dashboard: how the memory evolves over a sequence.

    from rrnn.dash.memory_evolution import MemoryEvolutionFigure, memory_evolution_dashboard
    dash = memory_evolution_dashboard()                 # sliders + pattern preview + the figure
    fig = MemoryEvolutionFigure(mode="static").update(rrnn.studies.memory_evolution())

The figure has seven panels; the top ones are over steps t = 1 .. T (the memory after step t),
and a dashed line marks where the step-up pattern gets louder:
  memory norm ||M_t||  |  mean and std of M_t's entries  |  how much each slot reads the input row
  slot norms (S x T)  |  slot norms, last step  |  cosine similarity, final slots  |  slot trajectories (2-D)
The first five are the seed demo's lenses; the last two see what the input changes. A line above the
panels names the model (and, for a trained one, the pattern it names after the last step).
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import studies
from . import controls as C
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure, nice_limits


class MemoryEvolutionFigure(InPlaceFigure):
    """Five panels of a ``studies.MemoryEvolution`` result; ``update(result)`` redraws in place."""

    figsize = (12.0, 6.6)
    dpi = 72
    max_slots = 8       # line artists made once, for up to this many slots
    tight_rect = (0, 0, 1, 0.96)   # room for the model line above the panels
    layout_inputs = ("num_slots",)  # the slot ticks

    def build(self):
        grid = self.fig.add_gridspec(2, 12)
        self.ax_norm = self.fig.add_subplot(grid[0, :4])
        self.ax_stats = self.fig.add_subplot(grid[0, 4:8])
        self.ax_read = self.fig.add_subplot(grid[0, 8:])
        # the colour bars get columns of their own, with room for their tick labels before the next panel
        # (a colour bar taken from its panel's space is invisible to tight_layout and ran into its neighbour)
        bottom = grid[1, :].subgridspec(1, 4, wspace=0.42)
        heat, sim = (bottom[i].subgridspec(1, 2, width_ratios=(1, 0.06), wspace=0.06) for i in (0, 2))
        self.ax_heat, heat_bar = self.fig.add_subplot(heat[0]), self.fig.add_subplot(heat[1])
        self.ax_final = self.fig.add_subplot(bottom[1])
        self.ax_sim, sim_bar = self.fig.add_subplot(sim[0]), self.fig.add_subplot(sim[1])
        self.ax_path = self.fig.add_subplot(bottom[3])
        colours = [f"C{s % 10}" for s in range(self.max_slots)]
        self.read_lines = [self.ax_read.plot([], [], "o-", ms=2.5, lw=1.2, color=c, label=f"slot {s}")[0]
                           for s, c in enumerate(colours)]
        self.uniform_line = self.ax_read.axhline(0, color="0.6", ls=":", lw=1)
        self.ax_read.set_title("attention each slot pays to the input")
        self.ax_read.set_ylim(0, 1)
        self.path_lines = [self.ax_path.plot([], [], "-", lw=1.2, color=c)[0] for c in colours]
        self.path_ends = [self.ax_path.plot([], [], "o", ms=5, color=c)[0] for c in colours]
        (self.path_starts,) = self.ax_path.plot([], [], "x", ms=6, color="k")
        self.ax_path.set_title("slots in one 2-D view (PCA)")
        self.ax_path.set_xlabel("direction 1  (x start, o end)")
        self.ax_path.set_ylabel("direction 2")
        self.ax_path.set_xticks([]), self.ax_path.set_yticks([])
        self.model_text = self.fig.text(0.01, 0.985, "", ha="left", va="top", fontsize=11)
        (self.norm_line,) = self.ax_norm.plot([], [], "o-", ms=3, color="C0")
        self.ax_norm.set_title("memory norm ‖M_t‖")
        (self.mean_line,) = self.ax_stats.plot([], [], "o-", ms=3, color="C1", label="mean")
        (self.std_line,) = self.ax_stats.plot([], [], "o-", ms=3, color="C2", label="std")
        self.ax_stats.axhline(0, color="0.75", lw=0.6)
        self.ax_stats.legend(loc="upper left", frameon=False)
        self.ax_stats.set_title("mean and std of the memory's entries")
        self.heat = self.ax_heat.imshow(np.zeros((1, 1)), aspect="auto", cmap="viridis", interpolation="nearest")
        colorbar = self.fig.colorbar(self.heat, cax=heat_bar)
        colorbar.locator = MaxNLocator(3)
        self.ax_heat.set_title("slot norms ‖M_t[s]‖")
        self.ax_heat.set_ylabel("slot s")
        self.bars = None
        self.ax_final.set_title("slot norms at the last step")
        self.sim = self.ax_sim.imshow(np.eye(2), aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1,
                                      interpolation="nearest")
        self.fig.colorbar(self.sim, cax=sim_bar, ticks=[-1, 0, 1])
        self.ax_sim.set_title("cosine similarity, final slots")
        self.boundaries = [ax.axvline(0, color="k", ls="--", lw=1, visible=False)
                           for ax in (self.ax_norm, self.ax_stats, self.ax_heat)]
        # numbers that change with the data sit where an x label would be (animated: no full redraw)
        self.variance_text = self.ax_final.text(0.5, -0.1, "", transform=self.ax_final.transAxes, ha="center",
                                                va="top")
        self.sim_text = self.ax_sim.text(0.5, -0.1, "", transform=self.ax_sim.transAxes, ha="center", va="top")
        for ax in (self.ax_norm, self.ax_stats, self.ax_heat, self.ax_read):
            ax.set_xlabel("step t")
            ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        for ax in (self.ax_norm, self.ax_stats, self.ax_final):
            ax.yaxis.set_major_locator(MaxNLocator(4))
        self.animate(self.norm_line, self.mean_line, self.std_line, self.heat, self.sim, *self.boundaries,
                     self.variance_text, self.sim_text, *self.read_lines, self.uniform_line, *self.path_lines,
                     *self.path_ends, self.path_starts, self.model_text)

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

        self.ax_read.set_xlim(0.5, T + 0.5)
        if getattr(self, "_legend_slots", None) != S:          # the slots' colours, here and in the 2-D view
            self.ax_read.legend(handles=self.read_lines[:S], loc="upper right", fontsize=8, ncol=min(S, 4),
                                frameon=False, handlelength=1.2, columnspacing=0.8)
            self._legend_slots = S
        self.in_layout("legend", S)
        for s, line in enumerate(self.read_lines):
            line.set_data((t, result.input_attention[:, s]) if s < S else ([], []))
        self.uniform_line.set_ydata([1 / (S + 1)] * 2)       # what a reader attending uniformly would pay
        path = result.trajectory                              # (T+1, S, 2)
        for s, (line, end) in enumerate(zip(self.path_lines, self.path_ends)):
            line.set_data(*(path[:, s].T if s < S else ([], [])))
            end.set_data(*((path[-1:, s, 0], path[-1:, s, 1]) if s < S else ([], [])))
        self.path_starts.set_data(path[0, :, 0], path[0, :, 1])
        span = float(np.abs(path).max()) * 1.05 or 1.0
        current = self.ax_path.get_xlim()[1]
        if not (self.updates and 0.4 * current <= span <= current):   # keep limits that still fit: blit
            span = nice_limits(0.0, span)[1]
            self.ax_path.set_xlim(-span, span), self.ax_path.set_ylim(-span, span)
        self.model_text.set_text(C.model_line(result.model, result.probabilities, result.pattern))


def compute_memory_evolution(model, num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed):
    """The dashboard's compute: study 1 with the seed demo's sizes (batch 1, input 32, hidden 64)."""
    return studies.memory_evolution(model=model, num_slots=num_slots, slot_size=slot_size, num_heads=num_heads,
                                    seq_len=seq_len, pattern=pattern, amplitude=amplitude, seed=seed)


@register_dashboard("memory_evolution")
def memory_evolution_dashboard(*, model: str = "hybrid", num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 15,
                               pattern: str = "step_up", amplitude: float = 1.0, seed: int = 42,
                               mode: str | None = None) -> Dashboard:
    """Study 1 with controls for the model, slots, slot size, heads, steps, pattern, amplitude and seed.

    Returns the Dashboard (an ipywidgets VBox): ``.controls``, ``.figure`` (a
    MemoryEvolutionFigure), ``.result`` (the last studies.MemoryEvolution), ``.message``.
    """
    C.check_model_choice(model, None)      # (memory_study_controls would drop the menu for None)
    controls = C.memory_study_controls(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed, model=model)
    return Dashboard(controls, MemoryEvolutionFigure(mode=mode), compute_memory_evolution,
                     figures=[C.PatternPreview(mode=mode)], name="memory_evolution", note=C.identical_slots_note,
                     title="Study 1 · how the memory evolves",
                     help="Batch 1, input 32 (the hybrid: hidden 64). Untrained models keep one set of "
                          "random weights; the trained ones learnt to name the pattern (1, 2, 4 or 8 slots for the "
                          "RMC; slot size and heads are then fixed). The input seed draws the input sequence.")
