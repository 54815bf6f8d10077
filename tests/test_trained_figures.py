"""The trained-model figures and the ablation table of notebooks 07 and 09 read the records alike."""
import matplotlib

matplotlib.use("Agg")

from rrnn import ablations, seed_models  # noqa: E402
from rrnn.dash import trained_figures as tf  # noqa: E402


def test_the_ablation_table_compares_every_run_at_one_step_and_uses_the_course_threshold():
    rows = {r["variant"]: r for r in ablations.table_rows(ablations.load_records())}
    assert len(rows) == len(ablations.VARIANTS) and all(r["seeds"] == 3 for r in rows.values())
    one, two = rows["rmc-1slot"], rows["rmc"]
    assert one["left_plateau"] == 3 and one["reached_stop"] == 0 and one["steps_to_stop"] is None
    assert one["steps_to_leave"][0] > two["steps_to_leave"][0]          # one slot leaves the plateau later
    assert all(0 <= r["at_step"][1] <= r["at_step"][2] <= 1 for r in rows.values())
    table = ablations.markdown_table(list(rows.values()))
    assert f"≥{ablations.LEFT_PLATEAU:.0%}" in table and "step 2,000" in table and "final" not in table


def test_the_figures_draw_every_run_and_say_they_are_trained():
    axes = tf.capacity_training_figure(seed_models.load_records())
    assert len(axes[0].lines) == 6 * 3 + 1 and "TRAINED" in axes[0].figure._suptitle.get_text()
    assert "123,529" in " ".join(t.get_text() for t in axes[1].get_xticklabels())
    axes = tf.ablation_curves(ablations.load_records())
    drawn = sum(len(v) for v in tf.ABLATION_PANELS.values()) * 3
    assert sum(len(ax.lines) - 2 for ax in axes) == drawn and "TRAINED" in axes[0].figure._suptitle.get_text()
    assert max(len(v) for v in tf.ABLATION_PANELS.values()) <= 5        # no 21-line panel


def test_the_probe_figure_draws_a_score_and_a_control_per_slot_in_each_panel():
    import numpy as np
    probes = {(name, slot): np.full((4, 2), 0.5) for name in ("n", "distance just read") for slot in (0, 1, "both")}
    axes = tf.probe_figure(probes)
    assert len(axes) == 2 and all(len(ax.lines) == 3 * 2 for ax in axes)
    assert [ax.get_ylabel() for ax in axes] == ["accuracy (held out)", "R² (held out)"]
    assert "TRAINED" in axes[0].figure._suptitle.get_text()
