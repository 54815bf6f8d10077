"""Notebook 02: an LSTM's gates and its one cell vector over a sequence, updated in place.

    from rrnn.lessons import lstm_gates
    from rrnn.dash.lstm_gates import lstm_dashboard
    result = lstm_gates("pulse", seq_len=20)     # pure: settings in, arrays out
    dash = lstm_dashboard()                       # after %matplotlib widget; show with `dash`

``rrnn.lessons.lstm_gates`` (also importable from here) runs an untrained ``rrnn.LSTM`` (weights
from ``model_seed``) over one sequence and keeps every gate: i (input), f (forget), o (output) in (0, 1), the candidate g in (-1, 1),
and the cell c and hidden h, each (T, H). Steps count from 1, as everywhere in the course: row
t - 1 of every array is step t. ``carry[t - 1]`` is the product of the forget gates after the
step ``start`` (the pulse, or step 1) up to step t, averaged over units: the fraction of what c
held at ``start`` that is still carried, untouched, at step t. What c holds besides that was
written later, into the same H numbers.

The default input is ``rrnn.patterns``' ``"pulse"``: one random vector at step ``PULSE_STEP``
and silence everywhere else.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

# the computation lives in rrnn.lessons; notebook 02 and the tests import it from here too
from ..lessons import LSTMGates, carried_fraction, lstm_gates, make_input, run_lstm  # noqa: F401
from . import controls as C
from .dashboard import Dashboard, register_dashboard
from .figure import InPlaceFigure


# --- the figure ------------------------------------------------------------------------------------
GATE_PANELS = (("i", "input gate i", "viridis", (0.0, 1.0)),
               ("f", "forget gate f", "viridis", (0.0, 1.0)),
               ("o", "output gate o", "viridis", (0.0, 1.0)),
               ("g", "candidate g", "RdBu_r", (-1.0, 1.0)))


class LSTMGatesFigure(InPlaceFigure):
    """Heatmaps (unit x step) of the gates i, f, o (left column, one colour scale), of the
    candidate g and the cell c, and a line panel with the carried fraction and |c_t| (right).
    ``update(result)`` takes an ``LSTMGates``.

    Attributes for tests: ``images`` (name -> AxesImage, names i, f, o, g, c; ``get_array()``
    is (H, T)), ``carry_line``, ``norm_line`` (Line2D), ``axes`` (name -> Axes).
    """

    figsize = (9.0, 6.6)
    tight = False       # fixed margins: tight_layout does not handle the colorbars

    def build(self):
        grid = self.fig.add_gridspec(3, 2, left=0.07, right=0.96, bottom=0.08, top=0.88, hspace=0.42, wspace=0.32)
        where = {"i": (0, 0), "f": (1, 0), "o": (2, 0), "g": (0, 1), "c": (1, 1), "lines": (2, 1)}
        self.axes = {name: self.fig.add_subplot(grid[r, c]) for name, (r, c) in where.items()}
        self.images = {}
        # c is unbounded: it is drawn divided by max|c| (given in the title), so its colour scale
        # never changes and a new c redraws in place instead of re-laying out the figure
        for name, title, cmap, (lo, hi) in GATE_PANELS + (("c", "cell c / max|c|: the one memory vector", "RdBu_r",
                                                            (-1.0, 1.0)),):
            ax = self.axes[name]
            self.images[name] = self.animate(ax.imshow(np.zeros((2, 2)), vmin=lo, vmax=hi, cmap=cmap,
                                                       aspect="auto", interpolation="nearest"))
            ax.set_title(title, fontsize=10)
            ax.set_ylabel("unit", fontsize=9)
            ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
            if name != "o":
                ax.tick_params(labelbottom=False)           # one step axis per column, at the bottom
        # fewer colour bars, less text to draw: one for the three gates in (0, 1)
        self.fig.colorbar(self.images["i"], ax=[self.axes[n] for n in "ifo"], fraction=0.03, pad=0.02, aspect=60,
                          label="i, f, o")
        self.fig.colorbar(self.images["g"], ax=self.axes["g"], fraction=0.04, pad=0.02, ticks=[-1, 0, 1])
        self.fig.colorbar(self.images["c"], ax=self.axes["c"], fraction=0.04, pad=0.02, ticks=[-1, 0, 1])
        self.axes["o"].set_xlabel("step t", fontsize=9)
        ax = self.axes["lines"]
        (self.carry_line,) = ax.plot([], [], lw=2, color="tab:green", label="carried: mean of \u220f f")
        (self.norm_line,) = ax.plot([], [], lw=1.5, color="tab:purple", label="|c_t| / max |c|")
        self.start_line = ax.axvline(0, color="0.5", lw=0.8, ls="--")
        self.animate(self.carry_line, self.norm_line, self.start_line)
        ax.set_ylim(-0.03, 1.05)
        ax.set_yticks([0, 0.5, 1])
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.set_xlabel("step t", fontsize=9)
        ax.set_title("what c keeps", fontsize=10)
        ax.legend(fontsize=8, frameon=False, loc="upper right")
        self.title = self.animate(self.fig.suptitle("", fontsize=10))     # its numbers change with the data

    def draw(self, result: LSTMGates):
        T, H = result.c.shape
        c_max = max(float(np.abs(result.c).max()), 1e-12)
        for name in ("i", "f", "o", "g", "c"):
            values = getattr(result, name).T / (c_max if name == "c" else 1.0)
            self.set_image(self.axes[name], self.images[name], values, x0=1)  # (H, T), steps 1..T
        t = np.arange(1, T + 1)
        self.carry_line.set_data(t, result.carry)
        norms = np.linalg.norm(result.c, axis=1)
        self.norm_line.set_data(t, norms / max(norms.max(), 1e-12))
        self.start_line.set_xdata([result.start, result.start])
        self.axes["lines"].set_xlim(0.5, T + 0.5)
        mean_f = float(result.f.mean())
        self.title.set_text(f"untrained LSTM, H = {H} units, {T} steps, pattern {result.pattern!r}; "
                            f"forget bias {result.forget_bias:g}, mean f = {mean_f:.2f}, max|c| = {c_max:.2g}")


# --- the dashboard ---------------------------------------------------------------------------------
@register_dashboard("lstm_gates")
def lstm_dashboard(pattern: str = "pulse", seq_len: int = 20, amplitude: float = 1.0, hidden_size: int = 8,
                   seed: int = 0, forget_bias: float = 1.0, *, mode=None) -> Dashboard:
    """Controls: pattern (with a preview), length, amplitude, hidden size, seed, forget bias.
    Returns the Dashboard widget (``dash.controls``, ``dash.figure`` an LSTMGatesFigure,
    ``dash.figures[1]`` the pattern preview)."""
    controls = {
        "pattern": C.pattern_dropdown(pattern),
        "seq_len": C.seq_len_slider(seq_len),
        "amplitude": C.amplitude_slider(amplitude),
        "hidden_size": C.int_slider("hidden_size", hidden_size, 1, 32, description="hidden H"),
        "seed": C.seed_slider(seed),
        "forget_bias": C.float_slider("forget_bias", forget_bias, -3.0, 6.0, 0.5, description="forget bias"),
    }
    return Dashboard(controls, LSTMGatesFigure(mode=mode), lstm_gates, figures=[C.PatternPreview(mode=mode)],
                     name="lstm_gates", title="An LSTM's gates over a sequence",
                     help="Every row of a heatmap is one unit of the single hidden vector; every column one "
                          "step. The weights are random (untrained). Raise the forget bias and watch the "
                          "green line: c keeps more, and everything written later piles into the same units.")
