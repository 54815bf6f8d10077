"""The static figures of notebooks 04 and 06 draw what they are given."""
import numpy as np
import pytest

from rrnn import seed_models, studies
from rrnn.dash import study_figures as sf


def test_slot_distances_see_directions_and_lengths_apart():
    memories = np.array([np.eye(2, 3), [[2.0, 0.2, 0], [0.2, 2.0, 0]]])    # orthogonal unit slots, then longer, closer in angle
    cosine, distance, norm = sf.slot_distances(memories)
    assert np.isclose(cosine[0], 0) and cosine[1] > 0.15
    assert np.isclose(distance[0], np.sqrt(2)) and distance[1] > distance[0]
    assert np.allclose(norm, [1, np.hypot(2, 0.2)])


def test_slot_lenses_draws_both_lenses_on_one_figure():
    result = studies.memory_evolution(seq_len=5)
    ax = sf.slot_lenses(result.memories[:, 0])
    cosine, distance, _ = sf.slot_distances(result.memories[:, 0])
    assert np.allclose(ax.get_lines()[0].get_ydata(), cosine)
    right = [other for other in ax.figure.axes if other is not ax][0]
    assert np.allclose(right.get_lines()[0].get_ydata(), distance)


def test_fixed_point_draws_its_inputs():
    ax = sf.fixed_point(np.arange(1.0, 21), np.full(20, 25.0), stop=15)
    assert len(ax.get_lines()) == 3 and np.allclose(ax.get_lines()[1].get_ydata(), 25)


LABELS = {"hybrid": "the hybrid, untrained", "rmc": "the paper's RMC, untrained",
          "trained-rmc": "the paper's RMC, trained to name the pattern",
          "trained-hybrid": "the hybrid, trained to name the pattern"}


@pytest.fixture(scope="module")
def sensitivity_figure():
    sensitivity = {model: seed_models.input_sensitivity(model) for model in LABELS}
    fig = sf.input_sensitivity_grid(sensitivity, LABELS)
    fig.canvas.draw()
    return sensitivity, fig


def test_sensitivity_grid_draws_every_curve_on_one_scale_and_both_lenses(sensitivity_figure):
    sensitivity, fig = sensitivity_figure
    panels = [ax for ax in fig.axes if ax.get_lines()]
    assert len(panels) == 4
    assert np.allclose(panels[0].get_lines()[0].get_ydata(), sensitivity["hybrid"].norms[0])
    assert all(panels[0].get_shared_y_axes().joined(panels[0], ax) for ax in panels)      # "on one scale"
    for ax in panels:                                     # no curve leaves its axes
        low, high = ax.get_ylim()
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=float)
            assert low <= y.min() and y.max() <= high, (ax.get_title(), line.get_label(), y.max(), high)
    bars = [ax for ax in fig.axes if ax.containers][0]
    heights = [[patch.get_height() for patch in container] for container in bars.containers]
    assert np.allclose(heights[0], [sensitivity[m].stats_difference for m in LABELS])
    assert np.allclose(heights[1], [sensitivity[m].content_difference for m in LABELS])
    assert bars.get_ylim() == (0, 1)
    titles = " ".join(ax.get_title() for ax in panels)
    assert titles.count("untrained") == 2 and titles.count("trained to name") == 2


def test_sensitivity_grid_keeps_every_text_inside_the_figure(sensitivity_figure):
    _, fig = sensitivity_figure
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox.padded(1)
    texts = [fig._suptitle] + [ax.title for ax in fig.axes] + [t for ax in fig.axes for t in ax.get_xticklabels()]
    texts += [legend.get_title() for ax in fig.axes if (legend := ax.get_legend())]
    for text in texts:
        if text.get_text():
            box = text.get_window_extent(renderer)
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), text.get_text()
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    for k, a in enumerate(titles):                        # and no two titles overlap
        assert not any(a.overlaps(b) for b in titles[k + 1:])


def test_trained_rmc_steps_names_untrained_and_trained_panels():
    run = studies.step_by_step(model="rmc", seq_len=4)
    shares = {"untrained": [np.ones(4)], "other": [np.ones(4)], "trained": [np.full(4, 3.0)]}
    fig = sf.trained_rmc_steps(run, run, 2, shares, {"untrained": np.full((4, 6), 0.7)}, "motif")
    titles = [ax.get_title() for ax in fig.axes]
    assert any("UNTRAINED" in t for t in titles) and any("TRAINED RMC" in t and "'motif'" in t for t in titles)
