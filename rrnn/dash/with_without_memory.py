"""Seed study 2 as a figure and a dashboard: what does the memory change in the output?

    from rrnn.dash.with_without_memory import WithWithoutMemoryFigure, with_without_memory_dashboard
    dash = with_without_memory_dashboard()
    fig = WithWithoutMemoryFigure(mode="static").update(rrnn.studies.with_without_memory())

Three panels:
  mean |difference| per step: the seed's comparison (LSTM vs relational RNN, two networks)
      next to the memory's part alone (one relational RNN, memory path on vs off)
  the last step's outputs, one point per (batch row, output unit): relational RNN on the
      y axis against the LSTM (grey) and against itself with the memory off (colour);
      points on the diagonal did not change
  the seed's output statistics at the last step (mean, std, min, max) for the three networks
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import studies
from . import controls as C
from .base import Dashboard, InPlaceFigure, register_dashboard

NETWORKS = ("LSTM", "relational RNN", "relational RNN, memory off")
STATS = ("mean", "std", "min", "max")


class WithWithoutMemoryFigure(InPlaceFigure):
    """Three panels of a ``studies.WithWithoutMemory`` result; ``update(result)`` redraws in place."""

    figsize = (12.0, 4.0)
    dpi = 72

    def build(self):
        self.ax_diff, self.ax_scatter, self.ax_stats = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.2, 1, 1.2]})
        (self.models_line,) = self.ax_diff.plot([], [], "o-", ms=3, color="0.45",
                                                label="|LSTM − relational RNN|  (seed: two networks)")
        (self.memory_line,) = self.ax_diff.plot([], [], "o-", ms=3, color="C3",
                                                label="|memory on − memory off|  (one network)")
        self.ax_diff.legend(loc="upper left", frameon=False, fontsize=9)
        self.ax_diff.set_title("mean absolute difference of the outputs")
        self.ax_diff.set_xlabel("step t")
        self.ax_diff.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        self.ax_diff.yaxis.set_major_locator(MaxNLocator(4))

        (self.vs_lstm,) = self.ax_scatter.plot([], [], "o", ms=4, color="0.6", alpha=0.8, label="x = LSTM")
        (self.vs_off,) = self.ax_scatter.plot([], [], "o", ms=4, color="C3", alpha=0.8, label="x = memory off")
        (self.diagonal,) = self.ax_scatter.plot([-1, 1], [-1, 1], color="k", lw=0.8)
        self.ax_scatter.legend(loc="upper left", frameon=False, fontsize=9)
        self.ax_scatter.set_title("last-step outputs")
        self.ax_scatter.set_ylabel("relational RNN (memory on)")
        self.ax_scatter.set_xlabel("the other network")
        for axis in (self.ax_scatter.xaxis, self.ax_scatter.yaxis):
            axis.set_major_locator(MaxNLocator(4))

        x = np.arange(len(STATS))
        width = 0.26
        self.stat_bars = [self.ax_stats.bar(x + (k - 1) * width, np.zeros(len(STATS)), width, label=name,
                                            color=color)
                          for k, (name, color) in enumerate(zip(NETWORKS, ("0.6", "C0", "C1")))]
        self.ax_stats.axhline(0, color="k", lw=0.6)
        self.ax_stats.set_xticks(x, STATS)
        self.ax_stats.legend(loc="lower left", frameon=False, fontsize=8)
        self.ax_stats.set_title("output statistics, last step (seed)")
        self.ax_stats.yaxis.set_major_locator(MaxNLocator(4))
        self.shared_text = self.ax_diff.text(0.5, -0.17, "", transform=self.ax_diff.transAxes, ha="center", va="top",
                                             fontsize=9)
        self.animate(self.models_line, self.memory_line, self.vs_lstm, self.vs_off, self.diagonal, self.shared_text,
                     *[patch for bars in self.stat_bars for patch in bars])

    def draw(self, result: studies.WithWithoutMemory):
        T = result.lstm.shape[1]
        t = np.arange(1, T + 1)
        self.models_line.set_data(t, result.diff_models)
        self.memory_line.set_data(t, result.diff_memory)
        self.ax_diff.set_xlim(0.5, T + 0.5)
        self.fit_ylim(self.ax_diff, result.diff_models, result.diff_memory, floor=0.0)
        self.shared_text.set_text("the two LSTMs share their weights (same seed, same draw order)"
                                  if result.shared_lstm_weights else "the two LSTMs have different weights")

        on, lstm, off = result.hybrid[:, -1].ravel(), result.lstm[:, -1].ravel(), result.hybrid_off[:, -1].ravel()
        self.vs_lstm.set_data(lstm, on)
        self.vs_off.set_data(off, on)
        lo, hi = (float(np.min([on, lstm, off])), float(np.max([on, lstm, off])))
        pad = 0.06 * (hi - lo + 1e-9)
        self.diagonal.set_data([lo - pad, hi + pad], [lo - pad, hi + pad])
        self.fit_ylim(self.ax_scatter, on, lstm, off)
        self.ax_scatter.set_xlim(self.ax_scatter.get_ylim())

        stats = result.stats()
        values = np.array([[getattr(stats[name], stat) for stat in STATS] for name in NETWORKS])   # (3, 4)
        for bars, row in zip(self.stat_bars, values):
            for patch, value in zip(bars, row):
                patch.set_height(value)
        self.fit_ylim(self.ax_stats, values, floor=0.0)


def compute_with_without_memory(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed, model_seed):
    """The dashboard's compute: study 2 with the seed's sizes (batch 2, input 32, hidden 64, output 16)."""
    return studies.with_without_memory(num_slots=num_slots, slot_size=slot_size, num_heads=num_heads,
                                       seq_len=seq_len, pattern=pattern, amplitude=amplitude, seed=seed,
                                       model_seed=model_seed)


@register_dashboard("with_without_memory")
def with_without_memory_dashboard(*, num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 10,
                                  pattern: str = "noise", amplitude: float = 1.0, seed: int = 42, model_seed: int = 0,
                                  mode: str | None = None) -> Dashboard:
    """Study 2 with controls for the memory's shape, the input and the weights' seed.

    Returns the Dashboard: ``.controls``, ``.figure`` (a WithWithoutMemoryFigure), ``.result``
    (the last studies.WithWithoutMemory), ``.message``.
    """
    controls = C.memory_study_controls(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed)
    controls["model_seed"] = C.seed_slider(model_seed, description="weights seed", name="model_seed")
    return Dashboard(controls, WithWithoutMemoryFigure(mode=mode), compute_with_without_memory,
                     figures=[C.PatternPreview(mode=mode)], name="with_without_memory", note=C.identical_slots_note,
                     title="Study 2 · the output with and without the memory",
                     help="Untrained weights, batch 2, input 32, hidden 64, output 16. 'seed' draws the "
                          "input; 'weights seed' draws both networks' weights.")
