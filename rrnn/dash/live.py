"""A training curve that redraws in place while ``rrnn.train`` runs (the widget side; the run it
shows, ``LIVE_NTH_FARTHEST`` and ``run_from_command``, is in ``rrnn.training``).

    curve = LiveTrainingCurve(steps=4000, chance=0.25, plateau=0.5, target=0.55)
    curve.widget                                  # display it (end the cell with it) ...
    history = rrnn.train(model, task, ..., steps=4000, stop_at_accuracy=0.55, then_steps=400,
                         callback=curve.follow("RMC"))                       # ... then train

Held-out accuracy is plotted against training steps (``steps=``, the run's step cap) or wall-clock
seconds (``time_budget=``), one line per run, with chance, the shortcut plateau and the target marked
(for Nth farthest, 55%: "left the plateau"), a ring where each run first reached the target, and a
live label saying where each run is. The x axis is fixed to the step cap or
the time budget, so every update after the first only redraws the lines (a blit).

It draws as PNG images into an ``ipywidgets.Output`` (mode "inline") by default: a running cell
can update an Output widget, whereas an ipympl canvas created in the same cell only redraws when
the cell has finished. ``curve.image()`` gives a static copy for the saved notebook.
"""
from __future__ import annotations

import numpy as np

from ..training import accuracy_curve
from .figure import InPlaceFigure

COLORS = {"RMC": "C0", "LSTM": "C1", "hybrid": "C2"}


class LiveTrainingCurve(InPlaceFigure):
    """Held-out accuracy against training steps (or seconds) for one or more runs, redrawn as they train.

    Args: exactly one of ``steps`` (the step cap: the x axis is the training step) and
    ``time_budget`` (seconds: the x axis is wall-clock time); chance and plateau (accuracies marked by
    dashed lines, e.g. 1/N and 2/N on Nth farthest); target (an accuracy marked by a solid line and
    named by ``target_label``, e.g. ``rrnn.ablations.LEFT_PLATEAU``, "left the plateau"; the run's first
    evaluation at or above it gets a ring and its step); mode ("inline" by default, see the module).
    ``follow(name)`` returns the ``callback`` for ``rrnn.train``; ``runs`` holds the histories.
    """

    figsize = (7.0, 3.0)
    dpi = 80

    def __init__(self, time_budget: float | None = None, *, steps: int | None = None,
                 chance: float | None = None, plateau: float | None = None, target: float | None = None,
                 target_label: str = "left the plateau", mode: str | None = "inline"):
        if (time_budget is None) == (steps is None):
            raise ValueError("give exactly one of steps (the x axis in training steps) and time_budget (in seconds)")
        if time_budget is not None and not time_budget > 0:
            raise ValueError(f"time_budget must be > 0 seconds, got {time_budget!r}")
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1):
            raise ValueError(f"steps must be a positive whole number of steps, got {steps!r}")
        self.by_step = steps is not None
        self.x_max = float(steps if self.by_step else time_budget)
        self.time_budget = None if self.by_step else float(time_budget)
        self.steps = int(steps) if self.by_step else None
        self.chance, self.plateau, self.target, self.target_label = chance, plateau, target, target_label
        self.runs: dict[str, dict] = {}
        super().__init__(mode=mode)

    def build(self):
        ax = self.ax = self.fig.add_subplot()
        ax.set_xlim(0, self.x_max)
        ax.set_ylim(0, 1)
        ax.set_xlabel("training step (untrained at step 0)" if self.by_step else "seconds of training")
        ax.set_ylabel("held-out accuracy")
        for level, label, style, below in ((self.chance, "chance", "--", False),
                                           (self.plateau, "shortcut plateau", "--", self.target is not None),
                                           (self.target, self.target_label, "-", False)):
            if level is not None:     # the plateau's label goes under its line when the target is just above
                ax.axhline(level, color="0.55", lw=0.9, ls=style)
                ax.text(self.x_max * 0.99, level + (-0.015 if below else 0.015), label, ha="right",
                        va="top" if below else "baseline", fontsize=8, color="0.4")
        self.lines, self.labels = {}, {}
        self._new_legend = False
        self.status = self.animate(ax.text(0.01, 0.97, "", transform=ax.transAxes, va="top", fontsize=9))
        # where each run first reached the target: a ring on its curve, and the step beside the ring
        self.reached = self.animate(ax.plot([], [], ls="none", marker="o", ms=11, mfc="none", mec="k", mew=1.4)[0])
        self.reached_labels = self.animate(*(ax.text(0, 0, "", fontsize=8, ha="right", va="bottom")
                                             for _ in range(len(COLORS) + 1)))

    def follow(self, name: str):
        """The callback that records ``name``'s history and redraws: ``train(..., callback=...)``."""
        if name not in self.lines:
            color = COLORS.get(name, f"C{len(self.lines) + 3}")
            self.lines[name] = self.animate(self.ax.plot([], [], color=color, lw=1.8, marker=".", ms=3,
                                                         label=name)[0])
            self.ax.legend(loc="lower right", fontsize=8)
            self._new_legend = True      # the next update draws in full

        def callback(history):
            self.runs[name] = history
            self.update(self.runs)
        return callback

    def draw(self, runs: dict):
        if self._new_legend:
            self.relayout()
            self._new_legend = False
        parts, rings = [], []
        for name, history in runs.items():
            seconds, accuracy = accuracy_curve(history)
            self.lines[name].set_data(history["eval_step"] if self.by_step else seconds, accuracy)
            parts.append(f"{name}: step {history['eval_step'][-1]}, {seconds[-1]:.0f} s, "
                         f"held-out {accuracy[-1]:.0%}")
            i = self.first_reached(history)
            if i is not None:
                rings.append((history["eval_step"][i] if self.by_step else seconds[i], accuracy[i],
                              history["eval_step"][i]))
        self.status.set_text("\n".join(parts))
        self.reached.set_data([r[0] for r in rings], [r[1] for r in rings])
        for k, label in enumerate(self.reached_labels):
            if k < len(rings):
                x, y, step = rings[k]
                label.set_position((x - 0.012 * self.x_max, y + 0.03))
                label.set_text(f"{self.target_label}: step {step:,}")
            else:
                label.set_text("")

    def first_reached(self, history: dict):
        """The index of ``history``'s first evaluation after step 0 at or above the target (None: none)."""
        if self.target is None:
            return None
        return next((i for i, (step, accuracy) in enumerate(zip(history["eval_step"], history["test_accuracy"]))
                     if step > 0 and accuracy >= self.target), None)

