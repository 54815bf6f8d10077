"""Seed study 2 as a figure and a dashboard: what does the memory change in the output?

    from rrnn.dash.with_without_memory import WithWithoutMemoryFigure, with_without_memory_dashboard
    dash = with_without_memory_dashboard()
    fig = WithWithoutMemoryFigure(mode="static").update(rrnn.studies.with_without_memory())

Three panels, for the model chosen (the seed demo's hybrid by default, or the RMC; untrained or trained):
  mean |difference| per step: the seed demo's comparison (LSTM vs the memory model, two networks)
      next to the memory's part alone (one hybrid, memory path on vs off; the RMC has no such path)
  the last step's outputs, one point per (batch row, output): the memory model on the y axis
      against the LSTM (grey) and against itself with the memory off (colour); points on the
      diagonal did not change. For the classifiers the outputs are beliefs in the 9 patterns.
  the seed demo's output statistics at the last step (mean, std, min, max) for the networks; for
      trained models, their accuracies at naming the pattern instead
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import seed_models, studies
from . import controls as C
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure

STATS = ("mean", "std", "min", "max")


class WithWithoutMemoryFigure(InPlaceFigure):
    """Three panels of a ``studies.WithWithoutMemory`` result; ``update(result)`` redraws in place."""

    figsize = (12.0, 4.4)
    dpi = 72
    tight_rect = (0, 0, 1, 0.94)   # room for the model line above the panels

    def build(self):
        self.ax_diff, self.ax_scatter, self.ax_stats = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.2, 1, 1.2]})
        (self.models_line,) = self.ax_diff.plot([], [], "o-", ms=3, color="0.45",
                                                label="|LSTM − memory model|  (two networks)")
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
        self.ax_scatter.set_ylabel("memory model")
        self.ax_scatter.set_xlabel("the other network")
        for axis in (self.ax_scatter.xaxis, self.ax_scatter.yaxis):
            axis.set_major_locator(MaxNLocator(4))

        x = np.arange(len(STATS))
        width = 0.26
        self.stat_bars = [self.ax_stats.bar(x + (k - 1) * width, np.zeros(len(STATS)), width, color=color)
                          for k, color in enumerate(("0.6", "C0", "C1"))]
        self.ax_stats.axhline(0, color="k", lw=0.6)
        self.ax_stats.set_xticks(x, STATS)
        self.chance_line = self.ax_stats.axhline(1 / seed_models.NUM_CLASSES, color="k", ls=":", lw=1, visible=False)
        self.ax_stats.yaxis.set_major_locator(MaxNLocator(4))
        self.model_text = self.fig.text(0.01, 0.99, "", ha="left", va="top", fontsize=11)
        self.shared_text = self.ax_diff.text(0.5, -0.17, "", transform=self.ax_diff.transAxes, ha="center", va="top",
                                             fontsize=9)
        self.animate(self.models_line, self.memory_line, self.vs_lstm, self.vs_off, self.diagonal, self.shared_text,
                     self.model_text, *[patch for bars in self.stat_bars for patch in bars])
        self._labels = None

    def draw(self, result: studies.WithWithoutMemory):
        T = result.lstm.shape[1]
        t = np.arange(1, T + 1)
        names = result.names
        # the labels follow the model (a full redraw): its networks' names, and whether it was
        # trained (accuracy instead of output statistics) - a trained and an untrained RMC share names
        labels = (names, bool(result.accuracy), result.memory_off is None)
        if labels != self._labels:
            self._label(result)
            self._labels = labels
        self.in_layout("labels", labels)
        self.models_line.set_data(t, result.diff_models)
        self.memory_line.set_data(t, result.diff_memory if result.diff_memory is not None else [np.nan] * T)
        self.ax_diff.set_xlim(0.5, T + 0.5)
        diffs = [d for d in (result.diff_models, result.diff_memory) if d is not None]
        self.fit_ylim(self.ax_diff, *diffs, floor=0.0)
        self.shared_text.set_text("the RMC has no LSTM inside: nothing to share" if not seed_models.is_hybrid(result.model)
                                  else "the two LSTMs share their weights (same weights seed, same draw order)"
                                  if result.shared_lstm_weights else "the two LSTMs have different weights")
        label = seed_models.MODELS[result.model]
        trained = " (trained to name the pattern)" if result.accuracy and "trained" not in label else ""
        self.model_text.set_text(f"LSTM against {label}{trained}; outputs: "
                                 + ("the seed demo's 16 linear outputs" if result.model == "hybrid" else
                                    "beliefs in the 9 patterns"))

        on, lstm = result.memory[:, -1].ravel(), result.lstm[:, -1].ravel()
        off = result.memory_off[:, -1].ravel() if result.memory_off is not None else np.array([])
        self.vs_lstm.set_data(lstm, on)
        self.vs_off.set_data(off, on[:off.size])
        everything = np.concatenate([on, lstm, off])
        lo, hi = float(everything.min()), float(everything.max())
        pad = 0.06 * (hi - lo + 1e-9)
        self.diagonal.set_data([lo - pad, hi + pad], [lo - pad, hi + pad])
        self.fit_ylim(self.ax_scatter, everything)
        self.ax_scatter.set_xlim(self.ax_scatter.get_ylim())

        if result.accuracy:                            # trained: how well each network names the pattern
            values = np.array([[value] + [np.nan] * (len(STATS) - 1) for value in result.accuracy.values()])
            self.fit_ylim(self.ax_stats, np.array([0.0, 1.0]))
        else:
            stats = result.stats()
            values = np.array([[getattr(stats[name], stat) for stat in STATS] for name in names])
            self.fit_ylim(self.ax_stats, values, floor=0.0)
        for k, bars in enumerate(self.stat_bars):
            for patch, value in zip(bars, values[k] if k < len(values) else [np.nan] * len(STATS)):
                patch.set_height(0.0 if np.isnan(value) else value)

    def _label(self, result) -> None:
        names = result.names
        label = names[1]
        self.models_line.set_label(f"|LSTM − {label}|  (two networks)")
        self.memory_line.set_label("|memory on − memory off|  (one network)" if result.memory_off is not None else
                                   "memory on − off: the RMC's output is its memory")
        self.ax_diff.legend(loc="upper left", frameon=False, fontsize=9)
        self.vs_off.set_label("x = memory off" if result.memory_off is not None else "(no memory-off network)")
        self.ax_scatter.legend(loc="upper left", frameon=False, fontsize=9)
        self.ax_scatter.set_ylabel(label + (" (memory on)" if result.memory_off is not None else ""))
        for bars, name in zip(self.stat_bars, names + ("",) * 3):
            bars.set_label(name)
        # a fixed place, clear of the bars (trained: accuracy bars at the left only); "best" would
        # move with the data on full redraws and stay put on blits
        self.ax_stats.legend(handles=self.stat_bars[:len(names)], loc="upper right" if result.accuracy else "upper left",
                             frameon=False, fontsize=8)
        if result.accuracy:
            self.ax_stats.set_xticks(range(len(STATS)), ["accuracy", "", "", ""])
            self.ax_stats.set_title("accuracy naming the pattern\n(dotted: chance 1/9)")
        else:
            self.ax_stats.set_xticks(range(len(STATS)), STATS)
            self.ax_stats.set_title("output statistics, last step\n(as the seed demo prints them)")
        self.chance_line.set_visible(bool(result.accuracy))


def compute_with_without_memory(model, num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed, model_seed):
    """The dashboard's compute: study 2 with the seed demo's sizes (batch 2, input 32, hidden 64, output 16)."""
    return studies.with_without_memory(model=model, num_slots=num_slots, slot_size=slot_size, num_heads=num_heads,
                                       seq_len=seq_len, pattern=pattern, amplitude=amplitude, seed=seed,
                                       model_seed=model_seed)


@register_dashboard("with_without_memory")
def with_without_memory_dashboard(*, model: str = "hybrid", num_slots: int = 4, slot_size: int = 64, num_heads: int = 2, seq_len: int = 10,
                                  pattern: str = "noise", amplitude: float = 1.0, seed: int = 42, model_seed: int = 0,
                                  mode: str | None = None) -> Dashboard:
    """Study 2 with controls for the model, the memory's shape, the input and the weights seed.

    Returns the Dashboard: ``.controls``, ``.figure`` (a WithWithoutMemoryFigure), ``.result``
    (the last studies.WithWithoutMemory), ``.message``.
    """
    C.check_model_choice(model, None)      # (memory_study_controls would drop the menu for None)
    controls = C.memory_study_controls(num_slots, slot_size, num_heads, seq_len, pattern, amplitude, seed, model=model)
    controls["model_seed"] = C.seed_slider(model_seed, description="weights seed", name="model_seed")
    return Dashboard(controls, WithWithoutMemoryFigure(mode=mode), compute_with_without_memory,
                     figures=[C.PatternPreview(mode=mode)], name="with_without_memory", note=C.identical_slots_note,
                     title="Study 2 · the output with and without the memory",
                     help="Batch 2, input 32, hidden 64. Untrained: 'weights seed' draws both networks' weights "
                          "(the seed demo's hybrid has 16 linear outputs). Trained: the shipped LSTM and the chosen "
                          "model, which learnt to name the pattern. 'input seed' draws the input.")
