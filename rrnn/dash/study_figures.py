"""Static figures of the seed demo's studies (notebooks 04 and 06) that are not dashboards.

Each helper takes arrays the notebook has already computed and draws them; it computes no model.
Single-panel helpers take ``ax=None`` and return the axes; multi-panel ones return the figure.

    from rrnn.dash.study_figures import slot_lenses, fixed_point
    slot_lenses(result.memories[:, 0])             # cosine similarity and distance between slots, per step
"""
from __future__ import annotations

import numpy as np

from .attention_style import attention_colorbar
from .figure import static_figure


def _ax(ax, figsize):
    return static_figure(figsize=figsize).subplots() if ax is None else ax


def slot_distances(memories: np.ndarray):
    """Mean cosine similarity and mean Euclidean distance between distinct slots, and the mean slot norm,
    for each memory in ``memories`` (T+1, S, P). Returns three (T+1,) arrays."""
    memories = np.asarray(memories, dtype=float)
    S = memories.shape[1]
    pairs = np.triu_indices(S, 1)
    norms = np.linalg.norm(memories, axis=-1)                                   # (T+1, S)
    unit = memories / norms[..., None]
    cosine = np.einsum("tsp,tqp->tsq", unit, unit)[:, pairs[0], pairs[1]].mean(axis=1)
    gaps = memories[:, :, None] - memories[:, None]                             # (T+1, S, S, P)
    distance = np.linalg.norm(gaps, axis=-1)[:, pairs[0], pairs[1]].mean(axis=1)
    return cosine, distance, norms.mean(axis=1)


def slot_lenses(memories: np.ndarray, ax=None, *, title: str = "the seed demo's hybrid, untrained"):
    """Two lenses on the same slots, step by step: their mean cosine similarity (left axis: do they point
    the same way?) and their mean Euclidean distance beside their mean norm (right axis: how far apart
    are they?). ``memories``: (T+1, S, P), index 0 the initial memory. Returns ax."""
    ax = _ax(ax, (8.5, 3.8))
    cosine, distance, norm = slot_distances(memories)
    steps = np.arange(len(cosine))
    ax.plot(steps, cosine, "o-", ms=3, color="C0", label="cosine similarity between slots")
    ax.set(xlabel="step t", ylim=(-0.05, 1.05))
    ax.set_ylabel("cosine similarity", color="C0")
    right = ax.twinx()
    right.plot(steps, distance, "s--", ms=3, color="C3", label="distance between slots ‖M[s] − M[s']‖")
    right.plot(steps, norm, ":", color="0.4", label="slot norm ‖M[s]‖")
    right.set_ylabel("Euclidean length", color="C3")
    right.set_ylim(0, None)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper center", bbox_to_anchor=(0.5, -0.2),
              ncol=3, frameon=False, fontsize=9)
    ax.set_title(f"{title}: the slots turn alike while they grow apart\n(means over the pairs of slots)",
                 fontsize=10)
    ax.figure.tight_layout()
    return ax


def fixed_point(norm: np.ndarray, norm_star: np.ndarray, ax=None, *, stop: int = 15,
                title: str = "the seed demo's hybrid, untrained, over 60 steps of noise"):
    """The memory's norm ‖M_t‖ and the norm of each step's fixed point ‖M*_t‖ (both (T,)), with a line
    after step ``stop`` (where the seed demo stops). Returns ax."""
    ax = _ax(ax, (7.5, 3.2))
    steps = np.arange(1, len(norm) + 1)
    ax.plot(steps, norm, "o-", ms=3, label="memory ‖M_t‖")
    ax.plot(steps, norm_star, "--", color="C3", label="fixed point of step t  ‖M*_t‖ = ‖i⊙tanh(M_att) / (1−f)‖")
    ax.axvline(stop + 0.5, color="0.6", lw=1)
    ax.text(stop + 0.8, 3, "the seed demo stops here", color="0.4", fontsize=9)
    ax.set(xlabel="step t", ylabel="norm", ylim=(0, None))
    ax.set_title(title, fontsize=10)
    ax.legend(loc="center right", frameon=False, fontsize=9)
    ax.figure.tight_layout()
    return ax


def input_sensitivity_grid(sensitivity: dict, labels: dict):
    """Two lenses on how much the input moves each memory. Top row, one panel per memory on one shared
    y-scale that holds every curve: the memory norm at every step for the nine patterns and silence.
    Bottom: for each memory, how much the final memories differ between patterns through the seed demo's
    statistics and through the contents (mean relative difference over the pairs of patterns, 0 to 1).
    ``sensitivity``: model -> ``seed_models.input_sensitivity(model)``; ``labels``: model -> panel title
    (a model whose name starts with "trained" is drawn as trained). Returns the figure."""
    models = list(sensitivity)
    two_lines = {m: labels[m].replace(", ", ",\n", 1) for m in models}
    fig = static_figure(figsize=(12.5, 7.8))
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(2, len(models) + 1, height_ratios=(1.15, 1), width_ratios=(1,) * len(models) + (0.55,))
    axes = [fig.add_subplot(grid[0, 0])]
    axes += [fig.add_subplot(grid[0, k], sharey=axes[0]) for k in range(1, len(models))]
    top = max(max(s.norms.max(), s.silent_norms.max()) for s in sensitivity.values())
    for k, (ax, model) in enumerate(zip(axes, models)):
        s = sensitivity[model]
        steps = np.arange(1, s.norms.shape[1] + 1)
        for j, pattern in enumerate(s.patterns):
            ax.plot(steps, s.norms[j], lw=1.3, color=f"C{j}", label=pattern)
        ax.plot(steps, s.silent_norms, "k--", lw=1.5, label="no input")
        ax.set_title(two_lines[model], fontsize=10)
        ax.set_xlabel("step t")
        if k:
            ax.tick_params(labelleft=False)
    axes[0].set_ylim(0, 1.08 * top)                       # shared: one scale for every curve of every panel
    axes[0].set_ylabel("memory norm ‖M_t‖")
    key = fig.add_subplot(grid[0, -1])
    key.axis("off")
    key.legend(*axes[0].get_legend_handles_labels(), loc="center left", frameon=False, fontsize=9,
               title="input (amplitude 1)", title_fontsize=9)

    bars = fig.add_subplot(grid[1, :-1])
    x = np.arange(len(models))
    stats = [sensitivity[m].stats_difference for m in models]
    contents = [sensitivity[m].content_difference for m in models]
    drawn = (bars.bar(x - 0.19, stats, 0.36, color="0.65", label="the seed demo's statistics (norm, mean, std, "
                      "slot norms, slot similarity)"),
             bars.bar(x + 0.19, contents, 0.36, color="C0", label="the memory's contents (all S × P numbers)"))
    for group in drawn:
        bars.bar_label(group, fmt="%.2f", fontsize=9, padding=2)
    bars.set_xticks(x, [two_lines[m] for m in models], fontsize=9)
    bars.set(ylim=(0, 1), ylabel="difference between patterns\n(0 equal, 1 opposite)")
    bars.set_title("how much the final memory differs from pattern to pattern, through each lens "
                   "(mean over the 36 pairs of patterns)", fontsize=10)
    bars.legend(loc="upper left", frameon=False, fontsize=9)
    fig.suptitle("The same nine inputs and silence through four memories: two untrained (random weights), "
                 "two trained to name the pattern", fontsize=11)
    return fig


def trained_rmc_steps(untrained_run, trained_run, step: int, shares: dict, forget_gates: dict, answer: str):
    """Notebook 06's figure of the paper's RMC on the repeated motif. Top: the attention map at ``step``
    of one sequence, untrained (``untrained_run``) and trained (``trained_run``), both
    ``studies.StepByStep``. Bottom left: ``shares`` label -> list of (T,) arrays, the attention the slots
    give the input row as a multiple of the uniform share (several random weights seeds per label);
    bottom right: ``forget_gates`` label -> (T, N) forget gates of every unit. ``answer``: what the
    trained RMC names at ``step``. Returns the figure."""
    from .stepper import plot_step_attention

    fig = static_figure((11.5, 8.0))
    fig.set_layout_engine("constrained")
    (ax_u, ax_t), (ax_read, ax_gate) = fig.subplots(2, 2)
    plot_step_attention(untrained_run, step, ax_u).set_title(
        f"UNTRAINED RMC (random weights), step {step}\none motif sequence, mean over heads", fontsize=11)
    plot_step_attention(trained_run, step, ax_t).set_title(
        f"TRAINED RMC, step {step}: it names '{answer}'\none motif sequence, mean over heads", fontsize=11)
    attention_colorbar(fig, ax_t.images[0], ax=[ax_u, ax_t], fraction=0.04, pad=0.02, fontsize=10)

    styles = [dict(marker="o", ls="-", ms=3, lw=1, color="C0"), dict(marker="s", ls="--", ms=3, lw=1, color="0.5"),
              dict(marker="o", ls="-", ms=4, lw=2.4, color="C3")]
    for (label, curves), style in zip(shares.items(), styles):
        for k, curve in enumerate(curves):
            ax_read.plot(np.arange(1, len(curve) + 1), curve, label=label if k == 0 else None, **style)
    ax_read.axhline(1, color="k", ls=":", lw=1)
    ax_read.text(len(curve), 0.6, "dotted: a uniform reader", ha="right", va="top", fontsize=9)
    ax_read.set(xlabel="step t", ylabel="× the uniform share 1/(S+1)", ylim=(0, 4.6))
    ax_read.set_title("attention the slots give the input row\n(mean over 200 motif sequences)", fontsize=11)
    ax_read.legend(loc="upper left", frameon=False, fontsize=9)

    for (label, f), color in zip(forget_gates.items(), ("0.5", "C3")):   # grey: the untrained twin, as at left
        t = np.arange(1, len(f) + 1)
        ax_gate.fill_between(t, np.percentile(f, 10, axis=1), np.percentile(f, 90, axis=1), color=color, alpha=0.2)
        ax_gate.plot(t, f.mean(axis=1), "o-", ms=3, color=color, label=f"{label}: mean (band: 10-90% of units)")
    ax_gate.set(xlabel="step t", ylim=(0, 1))
    ax_gate.set_title("forget gate f of every unit\n(200 motif sequences)", fontsize=11)
    ax_gate.legend(loc="lower left", frameon=False, fontsize=9)
    fig.suptitle("The paper's RMC on the repeated motif: untrained (random weights) vs trained to name the pattern",
                 fontsize=12)
    return fig
