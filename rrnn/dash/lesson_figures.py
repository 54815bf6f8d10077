"""Small static figures that single notebooks draw (02's shared cell, 05's trained comparison).

Each helper takes ``ax=None`` (then it draws on a new static figure) and returns the axes, as
every plotting helper in ``rrnn`` does; a notebook lays several out with ``static_figure`` and
ends its cell with ``as_image(fig)``:

    fig = static_figure((10, 3.4))
    left, right = fig.subplots(1, 2)
    pattern_accuracy_bars(accuracy, parameters, ax=left)
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .figure import static_figure

#: 05's colours, one per network (grey LSTM, blue RMC, orange hybrid, red hybrid with its memory off)
NETWORK_COLOURS = {"LSTM": "0.5", "RMC": "C0", "seed demo's hybrid": "C1", "seed demo's hybrid, memory off": "C3"}


def _axes(ax, figsize):
    return static_figure(figsize).subplots() if ax is None else ax


def _done(ax, own: bool):
    """Lay out a figure the helper made itself (a caller's figure is the caller's to lay out)."""
    if own:
        ax.figure.tight_layout()
    return ax


def shared_units_bars(trace_a, trace_b, trace_a_with_b, *, title: str | None = None, ax=None):
    """02: one LSTM cell vector holding two items. Bars per unit of c at one step: A's trace alone,
    A's trace when B also came, and B's trace alone. Each trace: (H,). The title is set before the
    figure is laid out, so it is never clipped."""
    own = ax is None
    ax = _axes(ax, (6.0, 3.2))
    trace_a, trace_b, trace_a_with_b = (np.asarray(t, dtype=float) for t in (trace_a, trace_b, trace_a_with_b))
    units = np.arange(len(trace_a))
    width = 0.27
    ax.bar(units - width, trace_a, width, color="tab:blue", label="A's trace, A alone")
    ax.bar(units, trace_a_with_b, width, color="tab:blue", alpha=0.45, hatch="//", edgecolor="tab:blue",
           label="A's trace, when B also came")
    ax.bar(units + width, trace_b, width, color="tab:orange", label="B's trace, B alone")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(units)
    ax.set(xlabel="unit of the cell c", ylabel="value in the cell")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="best")
    return _done(ax, own)


def pattern_accuracy_bars(accuracy: Mapping[str, float], parameters: Mapping[str, int], *, chance: float = 1 / 9,
                          title: str = "trained: accuracy on 1,600 fresh sequences", ax=None):
    """05: a horizontal bar per trained network (name -> accuracy), labelled with its parameter count
    (name -> count; the same network with its memory off has the same count)."""
    own = ax is None
    ax = _axes(ax, (7.0, 3.2))
    names = list(accuracy)
    ax.barh(range(len(names)), [accuracy[n] for n in names],
            color=[NETWORK_COLOURS.get(n, "0.3") for n in names])
    ax.set_yticks(range(len(names)), [f"{n}\n{parameters[n]:,} parameters" for n in names], fontsize=9)
    ax.invert_yaxis()
    for k, n in enumerate(names):
        ax.text(min(accuracy[n], 0.8) + 0.02, k, f"{accuracy[n]:.2f}", va="center", fontsize=9)
    ax.axvline(chance, color="0.5", ls=":", lw=1)
    ax.set_xlim(0, 1)
    ax.set(xlabel="accuracy (dotted: chance)", title=title)
    return _done(ax, own)


def readout_by_step(probabilities: Mapping[str, np.ndarray], *, first_trained_step: int, label: str, title: str,
                    ax=None):
    """05: a trained classifier's output read after every step (name -> (T,) probabilities of one
    class), with the steps before ``first_trained_step`` shaded: training never asked for an answer
    there, so what the network outputs there is not evidence of anything."""
    own = ax is None
    ax = _axes(ax, (5.0, 3.2))
    T = len(next(iter(probabilities.values())))
    steps = np.arange(1, T + 1)
    ax.axvspan(0.5, first_trained_step - 0.5, color="0.88", lw=0)
    ax.text(1, 0.5, "never trained\nto answer here", fontsize=9, color="0.25", va="center",
            bbox=dict(facecolor="white", alpha=0.7, edgecolor="none"), zorder=1.5)   # under the lines
    for name, p in probabilities.items():
        ax.plot(steps, p, "o-", ms=3, color=NETWORK_COLOURS.get(name, "0.3"), label=name)
    ax.set_xlim(0.5, T + 0.5)
    ax.set_ylim(0, 1.02)
    ax.set(xlabel="step t", ylabel=label, title=title)
    return _done(ax, own)


def forget_bias_traces(runs: Mapping[float, object], *, ax=None):
    """02: the size of the cell after a pulse, one run of ``rrnn.lessons.lstm_gates`` per forget-gate
    bias (bias -> LSTMGates), on a log scale: solid, the whole cell; dashed, the share the forget gates
    alone carry from the pulse's step on (the mean product of f times the cell's size there)."""
    own = ax is None
    ax = _axes(ax, (6.0, 3.2))
    for (bias, run), color in zip(runs.items(), ("tab:red", "tab:blue", "tab:green", "tab:purple")):
        size = np.linalg.norm(run.c, axis=1)                      # |c_t|, row t-1 is step t
        steps = np.arange(1, len(size) + 1)
        at = run.start - 1                                        # the pulse's row
        ax.plot(steps[at:], size[at:], color=color, lw=2, label=f"forget bias {bias:g}: |c_t|")
        ax.plot(steps[at:], run.carry[at:] * size[at], color=color, ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xticks(range(run.start, len(size) + 1, 2))
    ax.set(xlabel=f"step t (pulse at t = {run.start})", ylabel="size of the pulse's trace", ylim=(1e-3, 10),
           title="untrained LSTM; dashed: what the forget gates alone keep")
    ax.title.set_fontsize(10)
    ax.legend(frameon=False, fontsize=8)
    return _done(ax, own)


def largest_weight_by_key_size(key_sizes, largest: Mapping[str, np.ndarray], *, num_items: int, ax=None):
    """01: how peaked softmax rows are as the key size K grows. ``largest`` maps a name (e.g. "q·k",
    "q·k / √K") to the mean largest weight in a row of ``num_items``, one value per key size; the
    dashed line is a perfectly flat row, 1 / num_items."""
    own = ax is None
    ax = _axes(ax, (5.2, 3.0))
    key_sizes = [int(K) for K in key_sizes]
    for (name, values), marker in zip(largest.items(), ("o", "s", "^", "D")):
        ax.plot(key_sizes, np.asarray(values, dtype=float), marker=marker, label=name)
    ax.axhline(1 / num_items, color="0.6", ls="--", lw=1, label=f"flat row, 1/{num_items}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(key_sizes, [str(K) for K in key_sizes])
    ax.set(xlabel="key size K", ylabel="mean largest weight in a row", ylim=(0, 1.05),
           title=f"random q and k, {num_items} items")
    ax.legend(frameon=False, fontsize=8)
    return _done(ax, own)
