"""Figures and tables of *trained* models that notebooks 07 and 09 draw from training records.

Every helper reads records (``{run name: {"history": ..., "parameters": ...}}``) and draws on axes
it is given (``ax=None``/``axes=None``: a new static figure), says "trained" on the figure, and
returns what it drew on. (The ablation table is ``rrnn.ablations.markdown_table``.)

    fig = capacity_training_figure(seed_models.load_records())          # notebook 07, section 3
    probe_figure(interpret.slot_probes(tr, q))                          # notebook 09, section 4
    ablation_curves(ablations.load_records())                           # notebook 09, section 7
"""
from __future__ import annotations

from .. import ablations
from .figure import static_figure


# --- notebook 07: the which-pattern capacity runs -------------------------------------------------
def capacity_training_figure(records: dict, names=("rmc-1slot", "rmc-2slots", "rmc-4slots", "rmc-8slots"),
                             baselines=("lstm", "hybrid"), seeds=(0, 1, 2), *, chance: float = 1 / 9, axes=None):
    """07: learning curves of every run (left) and held-out accuracy after the last step per model
    (right, one dot per random seed, the x labels giving each model's parameters)."""
    own = axes is None
    if own:
        axes = static_figure((11, 3.8)).subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    ax_curve, ax_final = axes
    models = list(names) + list(baselines)
    colours = {name: f"C{k}" for k, name in enumerate(names)} | {"lstm": "0.35", "hybrid": "C5"}
    labels = {}
    for x, name in enumerate(models):
        label = {"lstm": "LSTM 64", "hybrid": "hybrid"}.get(name, name.replace("rmc-", "RMC ").replace("slots", " slots")
                                                             .replace("slot", " slot").replace("  ", " "))
        labels[name] = label
        finals = []
        for seed in seeds:
            history = records[f"{name}-s{seed}"]["history"]
            ax_curve.plot(history["eval_step"], history["test_accuracy"], color=colours[name], lw=1,
                          alpha=0.85, ls="--" if name in baselines else "-", label=label if seed == seeds[0] else None)
            finals.append(history["test_accuracy"][-1])
        ax_final.plot([x] * len(finals), finals, "o" if name not in baselines else "s", color=colours[name], alpha=0.8)
    parameters = [records[f"{name}-s{seeds[0]}"]["parameters"] for name in models]
    ax_final.set_xticks(range(len(models)), [f"{labels[n]}\n{p:,}" for n, p in zip(models, parameters)],
                        fontsize=8, rotation=35, ha="right", rotation_mode="anchor")
    ax_final.set_xlim(-0.6, len(models) - 0.4)
    ax_final.set_ylim(0, 1.02)
    ax_final.axhline(chance, color="0.5", ls=":", lw=1)
    ax_final.set_ylabel("held-out accuracy, last step")
    ax_final.set_title(f"after the last step, {len(seeds)} random seeds\n(x: model and its parameters)", fontsize=10)
    ax_curve.axhline(chance, color="0.5", ls=":", lw=1)
    ax_curve.text(0, chance + 0.02, "chance 1/9", fontsize=8, color="0.4")
    ax_curve.set(xlabel="training step", ylabel="held-out accuracy", ylim=(0, 1.02))
    ax_curve.set_title(f"learning curves, {len(seeds)} random seeds each", fontsize=10)
    ax_curve.legend(loc="lower right", frameon=False, fontsize=8, ncol=2)
    fig = ax_curve.figure
    fig.suptitle("TRAINED to name the pattern: RMCs with 1, 2, 4 and 8 slots of 64, an LSTM and the hybrid",
                 fontsize=11)
    if own:
        fig.tight_layout()
    return axes


# --- notebook 09: the Nth-farthest ablation grid -----------------------------------------------
ABLATION_PANELS = {
    "slots": ["rmc-1slot", "rmc", "rmc-4slots"],
    "gates": ["rmc", "rmc-gate-memory", "rmc-no-gate"],
    "heads and blocks": ["rmc-1head", "rmc", "rmc-4heads", "rmc-2blocks"],
    "no attention, LSTM": ["rmc", "rmc-no-attention", "lstm96"],
    "the hybrid": ["rmc", "hybrid", "hybrid-flat", "hybrid-x", "hybrid-flat-x"],
}


def ablation_curves(records: dict, panels: dict = ABLATION_PANELS, *, axes=None):
    """09: held-out accuracy of every run of the grid, one panel per question, the reference RMC
    in black in each; dashed: the plateau threshold (LEFT_PLATEAU), dotted: the early stop."""
    own = axes is None
    if own:
        axes = static_figure((13, 3.6)).subplots(1, len(panels), sharey=True)
    for ax, (title, variants) in zip(axes, panels.items()):
        for k, variant in enumerate(variants):
            colour = "k" if variant == "rmc" else f"C{k}"
            parameters = records[f"{variant}-s{ablations.SEEDS[0]}"]["parameters"]
            for seed in ablations.SEEDS:
                h = records[f"{variant}-s{seed}"]["history"]
                ax.plot(h["eval_step"], h["test_accuracy"], color=colour, lw=1.1, alpha=0.8,
                        label=f"{variant} ({parameters / 1000:.0f}k)" if seed == ablations.SEEDS[0] else None)
        ax.axhline(ablations.LEFT_PLATEAU, color="gray", ls="--", lw=1)
        ax.axhline(ablations.STOP_AT, color="gray", ls=":", lw=1)
        ax.set(title=title, xlabel="training step", ylim=(0.45, 0.9), xlim=(0, ablations.STEPS))
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    axes[0].set_ylabel("held-out accuracy")
    fig = axes[0].figure
    fig.suptitle(f"TRAINED from scratch on Nth farthest, {len(ablations.SEEDS)} random seeds per variant (one line "
                 f"each; k = thousand parameters); dashed: left the plateau ({ablations.LEFT_PLATEAU:.0%}), "
                 f"dotted: the early stop ({ablations.STOP_AT:.0%})", fontsize=9)
    if own:
        fig.tight_layout()
    return axes


def probe_figure(probes: dict, targets=None, *, axes=None):
    """09: one panel per probe target, the held-out score after each step (solid) and its
    shuffled-label control (dotted), for slot 0, slot 1 and both slots (``interpret.slot_probes``)."""
    from ..interpret import PROBE_TARGETS
    targets = list(dict.fromkeys(name for name, _ in probes)) if targets is None else list(targets)
    own = axes is None
    if own:
        axes = static_figure((12, 3.2)).subplots(1, len(targets))
    slots = list(dict.fromkeys(slot for _, slot in probes))
    colours = {0: "C0", 1: "C3", "both": "k"}
    for ax, name in zip(axes, targets):
        for slot in slots:
            scores = probes[name, slot]
            steps = range(1, len(scores) + 1)
            colour = colours.get(slot, f"C{slot}" if isinstance(slot, int) else "0.5")
            ax.plot(steps, scores[:, 0], "o-", color=colour, lw=1.5,
                    label="both slots" if slot == "both" else f"slot {slot}")
            ax.plot(steps, scores[:, 1], ":", color=colour, lw=1)
        ax.set(title=name, xticks=list(steps), xlabel="step", ylim=(-0.1, 1.02))
        ax.set_ylabel("accuracy (held out)" if PROBE_TARGETS.get(name) else "R² (held out)")
    axes[0].legend(fontsize=7, loc="lower right")
    fig = axes[0].figure
    fig.suptitle("TRAINED RMC: linear probes from each slot after each step (solid) and their shuffled-label "
                 "controls (dotted)", fontsize=10)
    if own:
        fig.tight_layout()
    return axes
