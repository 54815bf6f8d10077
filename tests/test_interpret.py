"""rrnn.interpret: the questions' parts, the trace of a trained RMC, attention by role, probes."""
import numpy as np
import pytest

from rrnn import interpret, models, pretrained


@pytest.fixture(scope="module")
def q():
    return interpret.questions(600, rng=3)


def test_questions_parts_agree_with_the_labels(q):
    rows = np.arange(len(q.y))
    assert np.all(q.distances[rows, q.reference] == 0)
    ranked = np.argsort(q.distances, axis=1, kind="stable")
    assert np.array_equal(ranked[rows, q.nth], q.y)                         # the label is the n-th nearest
    assert np.array_equal(q.ids[rows, q.reference_step], q.reference)
    assert np.array_equal(q.ids[rows, q.answer_step], q.y)
    assert np.allclose(q.X[rows, q.reference_step, :4], q.vectors[rows, q.reference])


def test_each_question_has_one_reference_row_and_one_answer_row_when_n_is_positive(q):
    roles = q.roles
    assert np.all((roles == 0).sum(axis=1) == 1)
    assert np.all((roles[q.nth > 0] == 1).sum(axis=1) == 1)
    assert np.all((roles[q.nth == 0] == 1).sum(axis=1) == 0)                # the answer is the reference


def test_trace_keeps_the_memory_the_classifier_reads(q):
    model, _ = pretrained.load("rmc")
    tr = interpret.trace(model, q.X)
    B = len(q.y)
    np.testing.assert_allclose(model.logits(q.X), tr.logits, rtol=1e-6, atol=1e-6)   # the model's own scores
    np.testing.assert_allclose(model.head_logits(tr.memory[:, -1].reshape(B, -1)), tr.logits, rtol=1e-6, atol=1e-6)
    _, caches = model.inspect(q.X)
    c = caches[-1]                                                           # M_T = i * tanh(M_att) + f * M_{T-1}
    np.testing.assert_allclose(tr.memory[:, -1], c.input_gate * np.tanh(c.memory_attended) + c.forget_gate * c.memory,
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(tr.memory[:, 1], caches[2].memory)        # after step 2 = before step 3
    assert tr.attention.shape == (B, 4, 2, 3, 3) and np.allclose(tr.attention.sum(-1), 1)


def test_head_logits_names_the_width_it_expects():
    model, _ = pretrained.load("rmc")
    with pytest.raises(ValueError, match=r"features must have shape \(B, F\) = \(any, 128\), got \(2, 64\)"):
        model.head_logits(np.zeros((2, 64)))


def test_trace_refuses_a_model_without_attention():
    lstm = models.LSTMClassifier(16, 8, 4, rng=0)
    with pytest.raises(ValueError, match="model must be an RMC classifier with attention"):
        interpret.trace(lstm, np.zeros((1, 4, 16)))


def test_attention_to_input_averages_by_role(q):
    B = len(q.y)
    attention = np.zeros((B, 4, 1, 3, 3))
    attention[..., :2, 2] = np.where(q.roles == 0, 0.9, np.where(q.roles == 1, 0.5, 0.1))[:, :, None, None]
    by_role = interpret.attention_to_input(interpret.Trace(np.zeros((B, 4)), attention, None), q, mask=q.nth > 0)
    np.testing.assert_allclose(by_role[..., 0], 0.9)
    np.testing.assert_allclose(by_role[..., 1], 0.5)
    np.testing.assert_allclose(by_role[..., 2], 0.1)


def test_probe_finds_a_linear_quantity_and_its_control_does_not():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((2000, 10))
    value = features @ rng.standard_normal(10)
    fitted, control = interpret.probe(features, value, rng=1)
    assert fitted > 0.99 and abs(control) < 0.05
    classes = (features[:, 0] > 0).astype(int) + 2 * (features[:, 1] > 0)
    fitted, control = interpret.probe(features, classes, classes=4, rng=1)
    assert fitted > 0.9 and control < 0.35
    fitted, _ = interpret.probe(rng.standard_normal((2000, 10)), value, rng=1)   # features that hold nothing
    assert fitted < 0.05


def test_the_ridge_read_out_matches_least_squares_when_the_penalty_vanishes():
    rng = np.random.default_rng(1)
    features, target = rng.standard_normal((300, 5)), rng.standard_normal((300, 2))
    predict = interpret.fit_linear(features, target, l2=1e-12)
    design = np.hstack([features, np.ones((300, 1))])
    W, *_ = np.linalg.lstsq(design, target, rcond=None)
    np.testing.assert_allclose(predict(features), design @ W, atol=1e-8)


def test_probe_refuses_mismatched_rows():
    with pytest.raises(ValueError, match=r"target must have one row per feature row \(5\), got 4"):
        interpret.probe(np.zeros((5, 2)), np.zeros(4), rng=0)


def test_rank_gaps_by_hand():
    X = np.zeros((1, 4, 16))
    q = interpret.Questions(X, np.array([2]), np.array([[0, 1, 2, 3]]), np.array([0]), np.array([2]), None,
                            np.array([[0.0, 1.0, 1.3, 2.0]]), np.array([0]), np.array([2]))
    assert interpret.rank_gaps(q)[0] == pytest.approx(0.3)
    q = q._replace(nth=np.array([0]), y=np.array([0]))
    assert interpret.rank_gaps(q)[0] == np.inf


def test_accuracy_by_level():
    assert interpret.accuracy_by([0, 0, 1, 1], [1, 0, 1, 1], range(2)).tolist() == [0.5, 1.0]


def test_probe_targets_read_the_question_at_each_step(q):
    rows = np.arange(len(q.y))
    for t in range(4):
        distance, counted = interpret.probe_target("distance just read", q, t)
        np.testing.assert_allclose(distance, q.distances[rows, q.ids[:, t]])
        assert np.array_equal(counted, q.reference_step < t)           # defined once the reference was read
        vector, counted = interpret.probe_target("reference vector", q, t)
        assert vector.shape == (len(q.y), 4) and np.array_equal(counted, q.reference_step <= t)
    with pytest.raises(ValueError, match="unknown probe target"):
        interpret.probe_target("the answer's colour", q, 0)


def test_slot_probes_give_a_score_and_a_control_per_slot_and_step(q):
    model, _ = pretrained.load("rmc")
    probes = interpret.slot_probes(interpret.trace(model, q.X), q, targets=("reference id", "distance just read"),
                                   min_questions=100)
    assert set(probes) == {(name, slot) for name in ("reference id", "distance just read") for slot in (0, 1, "both")}
    assert all(v.shape == (4, 2) for v in probes.values())
    assert np.all(np.isnan(probes["distance just read", 0][0]))        # no reference read before step 1
    fitted, control = probes["reference id", "both"].T
    assert np.all(fitted > 0.9) and np.all(control < 0.4)              # the header is in the memory; shuffled is not
