"""The diagrams of rrnn.dash.diagrams draw, are not blank, and name what the code names.

The names are read from the code (the caches' fields, the parameter keys), so renaming a field
or a parameter without redrawing its block fails here.
"""
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from rrnn import HybridCell, RMCConfig, tasks
from rrnn.dash.diagrams import (hybrid_diagram, machine_overview, nth_farthest_picture, nth_farthest_question,
                                rmc_step_diagram)
from rrnn.hybrid import HybridStepCache
from rrnn.rmc import BlockCache, RMCStepCache, init_rmc_params


def text_of(ax) -> str:
    """Every string drawn on the axes (texts, title, axis labels, legend), joined."""
    strings = [t.get_text() for t in ax.texts]
    strings += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    if ax.get_legend() is not None:
        strings += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(strings)


def ink_fraction(ax) -> float:
    """The share of the figure's pixels that are not white, after drawing it to a PNG."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=40)
    buffer.seek(0)
    pixels = plt.imread(buffer)[..., :3]
    return float((pixels.min(axis=-1) < 0.95).mean())


def param_prefixes(params: dict) -> set:
    """'block0.qkv.W' -> 'block{j}.qkv', 'in.W' -> 'in', 'gate_x.b' -> 'gate_x': how the diagram writes them."""
    return {key.rsplit(".", 1)[0].replace("block0.", "block{j}.") for key in params}


@pytest.mark.parametrize("draw", [rmc_step_diagram, hybrid_diagram, nth_farthest_picture])
def test_each_diagram_draws_on_its_own_figure_and_is_not_blank(draw):
    ax = draw()
    assert isinstance(ax.figure, Figure)
    assert ink_fraction(ax) > 0.02, f"{draw.__name__} drew (almost) nothing"
    assert len(ax.texts) + len(ax.get_title()) > 3
    plt.close(ax.figure)


@pytest.mark.parametrize("draw", [rmc_step_diagram, hybrid_diagram, nth_farthest_picture])
def test_each_diagram_draws_on_the_axes_it_is_given(draw):
    fig = Figure(figsize=(12, 8))
    left, right = fig.subplots(1, 2)
    assert draw(ax=right) is right
    assert not left.texts and not left.patches, "drew outside the axes it was given"
    assert right.texts or right.collections


def test_overview_holds_both_machines_with_their_text_scaled_to_fit():
    fig = machine_overview()
    rmc, hybrid = fig.axes
    assert "Relational Memory Core" in text_of(rmc) and "HybridCell" in text_of(hybrid)
    own = max(t.get_fontsize() for t in rmc_step_diagram().texts)
    assert max(t.get_fontsize() for t in rmc.texts) != own      # drawn on other axes, the text follows them
    small = Figure(figsize=(4, 5)).add_subplot()
    rmc_step_diagram(ax=small)
    assert max(t.get_fontsize() for t in small.texts) < own


def test_rmc_diagram_names_every_field_of_the_step_cache():
    text = text_of(rmc_step_diagram())
    missing = [name for name in RMCStepCache._fields if name not in text]
    assert not missing, f"RMCStepCache fields not on the diagram: {missing}"
    missing = [f"blocks[j].{name}" for name in BlockCache._fields if f"blocks[j].{name}" not in text]
    assert not missing, f"BlockCache fields not on the diagram: {missing}"


def test_rmc_diagram_names_every_parameter_of_the_core():
    config = RMCConfig(input_size=3, num_slots=2, head_size=4, num_heads=2)
    text = text_of(rmc_step_diagram())
    missing = sorted(p for p in param_prefixes(init_rmc_params(np.random.default_rng(0), config)) if p not in text)
    assert not missing, f"parameters of the core not on the diagram: {missing}"


def test_rmc_diagram_shows_the_steps_in_order():
    """Attention, its norm, the MLP, its norm, the dropped row, the gates, the update: top to bottom."""
    ax = rmc_step_diagram()
    height = {}
    for t in ax.texts:
        for name in ("blocks[j].attention", "blocks[j].norm1", "blocks[j].mlp", "blocks[j].norm2",
                     "memory_attended", "input_gate * tanh_attended"):
            if name in t.get_text() and name not in height:
                height[name] = t.get_position()[1]
    assert list(height.values()) == sorted(height.values(), reverse=True), height


def test_hybrid_diagram_names_every_field_of_its_step_cache_and_its_parameters():
    text = text_of(hybrid_diagram())
    missing = [name for name in HybridStepCache._fields if name not in text]
    assert not missing, f"HybridStepCache fields not on the diagram: {missing}"
    cell = HybridCell(input_size=3, hidden_size=4, num_slots=2, slot_size=4, num_heads=2, rng=0)
    prefixes = {key.split(".")[0] + ".*" if key.startswith("rmc.") else key for key in cell.params}
    missing = sorted(p for p in prefixes if p not in text)
    assert not missing, f"parameters of the hybrid not on the diagram: {missing}"


def test_hybrid_diagram_says_how_it_differs_from_the_rmc():
    text = " ".join(text_of(hybrid_diagram()).split())
    assert "differs from the RMC" in text
    assert "mean over the slots" in text and "Not the paper's model" in text


@pytest.mark.parametrize("num_vectors, rng", [(4, 0), (4, 7), (8, 3)])
def test_nth_farthest_question_is_the_task_own_question(num_vectors, rng):
    """The picture's answer is the label rrnn.tasks.nth_farthest gives the same draw."""
    X, y = tasks.nth_farthest(1, num_vectors, 2, rng=rng)
    parts = tasks.nth_farthest_parts(X, num_vectors, 2)
    q = nth_farthest_question(num_vectors, rng=rng)
    assert q["answer"] == int(y[0])
    assert q["reference"] == int(parts["reference"][0]) and q["nth"] == int(parts["nth"][0])
    ref_row = int(np.flatnonzero(q["ids"] == q["reference"])[0])
    assert q["rank"][ref_row] == 0 and q["distances"][ref_row] == 0
    assert sorted(q["rank"]) == list(range(num_vectors))


def test_nth_farthest_question_override_follows_the_task_rule():
    q = nth_farthest_question(4, rng=0, nth=3, reference=1)
    ref_row = int(np.flatnonzero(q["ids"] == 1)[0])
    assert q["answer"] == int(q["ids"][np.argmax(q["distances"])])      # n = N-1: the farthest
    assert nth_farthest_question(4, rng=0, nth=0, reference=1)["answer"] == 1   # n = 0: the reference itself
    assert q["distances"][ref_row] == 0
    with pytest.raises(ValueError, match="reference and nth"):
        nth_farthest_question(4, rng=0, nth=4)


def test_nth_farthest_picture_marks_the_reference_and_the_answer():
    q = nth_farthest_question(4, rng=5)
    text = text_of(nth_farthest_picture(4, rng=5))
    assert f"answer: id {q['answer']}" in text
    assert f"reference m = id {q['reference']}" in text
    for dist in q["distances"][q["distances"] > 0]:
        assert f"{dist:.2f}" in text


def test_rmc_diagram_says_the_gate_biases_in_words_and_keeps_the_sums_off_the_lines():
    ax = rmc_step_diagram()
    text = text_of(ax)
    assert "biases: input 0, forget 1" in text and "(0, 1)" not in text
    lines = [line for line in ax.lines if len(set(line.get_xdata())) == 1]          # the vertical segments
    for plus in (t for t in ax.texts if t.get_text() == "+"):
        x, y = plus.get_position()
        assert all(abs(x - line.get_xdata()[0]) > 0.15 for line in lines
                   if min(line.get_ydata()) - 0.2 < y < max(line.get_ydata()) + 0.2), (x, y)
