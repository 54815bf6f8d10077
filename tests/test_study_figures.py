"""The static figures of notebooks 04 and 06 draw what they are given."""
import numpy as np

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


def test_fixed_point_and_sensitivity_grid_draw_their_inputs():
    ax = sf.fixed_point(np.arange(1.0, 21), np.full(20, 25.0), stop=15)
    assert len(ax.get_lines()) == 3 and np.allclose(ax.get_lines()[1].get_ydata(), 25)
    s = seed_models.input_sensitivity("hybrid")
    fig = sf.input_sensitivity_grid({"hybrid": s}, {"hybrid": "the hybrid, untrained"})
    assert np.allclose(fig.axes[0].get_lines()[0].get_ydata(), s.norms[0])
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[3])


def test_trained_rmc_steps_names_untrained_and_trained_panels():
    run = studies.step_by_step(model="rmc", seq_len=4)
    shares = {"untrained": [np.ones(4)], "other": [np.ones(4)], "trained": [np.full(4, 3.0)]}
    fig = sf.trained_rmc_steps(run, run, 2, shares, {"untrained": np.full((4, 6), 0.7)}, "motif")
    titles = [ax.get_title() for ax in fig.axes]
    assert any("UNTRAINED" in t for t in titles) and any("TRAINED RMC" in t and "'motif'" in t for t in titles)
