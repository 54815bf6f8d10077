"""The checks of notebooks 04, 05 and 07: a right answer passes, typical wrong ones get their hint."""
import numpy as np
import pytest

from rrnn import pretrained, seed_models, studies
from rrnn.exercises import seed_studies as ex
from rrnn.patterns import make_sequence
from rrnn.tasks import PATTERN_NAMES


def seed_hybrid_trace(seq_len, num_slots=4):
    net = seed_models.memory_model("hybrid", input_size=32, hidden_size=64, num_slots=num_slots, slot_size=64,
                                   num_heads=2)
    return seed_models.trace(net, make_sequence("step_up", 1, seq_len, 32, rng=42))


def test_plateau_prediction_accepts_the_fixed_point_and_refuses_where_the_memory_is_now():
    short = seed_hybrid_trace(15, num_slots=8)
    i, f, attended = short.input_gate[-1, 0], short.forget_gate[-1, 0], short.attended[-1, 0]
    star = np.linalg.norm(i * np.tanh(attended) / (1 - f))
    assert ex.check_plateau_prediction(star).passed
    assert ex.check_plateau_prediction(np.float32(star)).passed                   # numeric equivalents
    now = ex.check_plateau_prediction(np.linalg.norm(short.memories[-1, 0]))
    assert now.passed is False and "where the memory is now" in now.message
    assert ex.check_plateau_prediction(None).passed is None
    assert ex.check_plateau_prediction("thirty").passed is False
    four = seed_hybrid_trace(15)                                                   # the 4-slot memory of section 4
    for printed in (29.6, 30.8, 31.6, 33.8, np.linalg.norm(four.memories[-1, 0])):  # values printed in notebook 04
        check = ex.check_plateau_prediction(printed)
        assert check.passed is False, (printed, check.message)


def test_plateau_hints_never_give_the_value():
    short = seed_hybrid_trace(15, num_slots=8)
    i, f, attended = short.input_gate[-1, 0], short.forget_gate[-1, 0], short.attended[-1, 0]
    star = np.linalg.norm(i * np.tanh(attended) / (1 - f))
    for wrong in (30.6, 36.1, 1.2 * star, 100.0):
        assert f"{star:.1f}" not in ex.check_plateau_prediction(wrong).message


def test_input_share_check_wants_slot_rows_input_column_over_uniform():
    run = studies.step_by_step(seq_len=10)
    S = run.attention.shape[-1] - 1
    right = run.attention[:, :, :S, S].mean() * (S + 1)
    assert ex.check_input_share_over_sequence(right).passed
    assert ex.check_input_share_over_sequence(np.float32(right)).passed
    short = studies.step_by_step().attention
    cases = {run.attention[:, :, :S, S].mean(): "the share itself",
             run.attention[:, :, :, S].mean() * (S + 1): "own query",
             short[:, :, :S, S].mean() * (S + 1): "3 steps"}
    for wrong, hint in cases.items():
        check = ex.check_input_share_over_sequence(wrong)
        assert check.passed is False and hint in check.message, (wrong, check.message)
        assert f"{right:.2f}" not in check.message


def test_retention_check_refuses_a_round_number_copied_from_02():
    assert ex.check_retention_prediction(0.05, 0.05).passed is False        # a round number is no measurement


def test_pattern_against_amplitude_wants_the_measured_ratio_the_right_way_up():
    net = seed_models.memory_model("trained-rmc", input_size=32, hidden_size=64, num_slots=4, slot_size=64,
                                   num_heads=2)
    final = lambda p, a: seed_models.trace(net, make_sequence(p, 1, 15, 32, amplitude=a, rng=42)).memories[-1, 0]
    ratio = (seed_models.relative_difference(final("step_up", 1.0), final("noise", 1.0))
             / seed_models.relative_difference(final("step_up", 1.0), final("step_up", 2.0)))
    assert ex.check_pattern_against_amplitude(1.0).passed is None           # a prediction alone: measure next
    right = ex.check_pattern_against_amplitude(1.0, ratio)
    assert right.passed and "your prediction 1.00 was" in right.message
    upside_down = ex.check_pattern_against_amplitude(1.0, 1 / ratio)
    assert upside_down.passed is False and "upside down" in upside_down.message
    assert ex.check_pattern_against_amplitude(-1.0, ratio).passed is False  # a ratio of sizes is positive


def test_memory_off_share_checks_the_measurement_and_reports_the_prediction():
    net = seed_models.trained_model("hybrid")
    batches = seed_models.evaluation_set()
    answers = np.concatenate([seed_models.trace(net, X, use_memory=False).logits[:, -1].argmax(axis=1)
                              for X, _ in batches])
    labels = np.concatenate([y for _, y in batches])
    counts = np.bincount(answers, minlength=9)
    share = counts.max() / counts.sum()
    right = ex.check_memory_off_share(0.2, share)
    assert right.passed and "0.20" in right.message and PATTERN_NAMES[int(counts.argmax())] in right.message
    assert ex.check_memory_off_share(0.2, np.float32(share)).passed                # numeric equivalents
    assert ex.check_memory_off_share(0.2).passed is None                           # measured not given yet
    assert ex.check_memory_off_share(None, share).passed is None                   # no prediction: nothing told
    assert ex.check_memory_off_share(1.5, share).passed is False                   # a prediction is a share too
    on = np.concatenate([seed_models.trace(net, X).logits[:, -1].argmax(axis=1) for X, _ in batches])
    cases = {float(np.mean(answers == labels)): "share it gets right", 1 / 9: "spread evenly",
             float(counts.max()): "count", float(np.bincount(on).max() / on.size): "memory on",
             float(np.bincount(answers[:len(batches[0][1])]).max() / len(batches[0][1])): "one batch",
             0.5: "divide the largest count", -0.1: "between 0 and 1"}
    for wrong, hint in cases.items():
        check = ex.check_memory_off_share(0.2, wrong)
        assert check.passed is False and hint in check.message, (wrong, check.message)
        assert f"{share:.2f}" not in check.message and "%" not in check.message   # a hint never gives the value
        assert not any(name in check.message for name in PATTERN_NAMES)           # ... nor the pattern


def test_readout_difference_wants_the_other_term_and_names_each_wrong_one():
    c = studies.with_without_memory()
    lstm, on, off = c.lstm[:, -1], c.memory[:, -1], c.memory_off[:, -1]
    right = np.abs(off - lstm).mean()
    assert ex.check_readout_difference(right).passed
    assert ex.check_readout_difference(np.float32(right)).passed                   # numeric equivalents
    memory, total = np.abs(on - off).mean(), np.abs(on - lstm).mean()
    cases = {memory: "memory's term", total: "whole difference", total - memory: "would be right only if",
             np.abs(c.memory_off - c.lstm).mean(): "all steps", (off - lstm).mean(): "absolute values first"}
    for wrong, hint in cases.items():
        check = ex.check_readout_difference(wrong)
        assert check.passed is False and hint in check.message, (wrong, check.message)
    for wrong in (memory, total, total - memory, 1.0):
        assert f"{right:.2f}" not in ex.check_readout_difference(wrong).message   # the hint never gives the value
    assert ex.check_readout_difference("big").passed is False


def test_slots_check_wants_the_memory_on_change_between_1_and_8_slots():
    one, eight, four = (studies.with_without_memory(num_slots=S) for S in (1, 8, 4))
    right = np.abs(one.memory[:, -1] - eight.memory[:, -1]).max()
    assert right > 0.1                                                             # it needs the runs: not 0
    assert np.abs(one.memory_off - eight.memory_off).max() == 0 and np.abs(one.lstm - eight.lstm).max() == 0
    check = ex.check_what_more_slots_change
    assert check(right).passed and check(np.float32(right)).passed
    cases = {0.0: "never reads the slots",
             np.abs(one.memory[:, -1] - eight.memory[:, -1]).mean(): "a mean",
             np.abs(one.memory - eight.memory).max(): "every step",
             np.abs(one.memory[:, -1] - four.memory[:, -1]).max(): "default 4 slots",
             np.abs(eight.memory[:, -1] - eight.memory_off[:, -1]).max(): "inside one run",
             -1.0: "cannot be negative"}
    for wrong, hint in cases.items():
        result = check(wrong)
        assert result.passed is False and hint in result.message, (wrong, result.message)
        assert f"{right:.2f}" not in result.message                               # never the value ...
        assert "memory on)" not in result.message and "memory-on" not in result.message   # ... nor the output
    assert check(1.0).passed is False and check("big").passed is False


def test_capacity_checks_measure_what_they_ask_and_report_the_prediction():
    measured = float(studies.memory_capacity(slot_counts=(16,)).input_attention[0])   # section 2's model
    assert ex.check_input_attention_16_slots(0.05, measured).passed
    assert ex.check_input_attention_16_slots(0.05, round(measured, 3)).passed      # read off to 3 decimals
    right = ex.check_input_attention_16_slots(0.05, measured).message
    assert "0.05" in right                                                         # how far the prediction was
    assert f"{measured * 17:.2f} times the uniform" in right                       # the ratio is measured, not assumed
    assert ex.check_input_attention_16_slots(0.05).passed is None                  # measured not given yet
    assert ex.check_input_attention_16_slots(None, measured).passed is None        # no prediction: nothing told
    prediction = ex.check_input_attention_16_slots(0.05, 1 / 17)
    assert prediction.passed is False and "measure it" in prediction.message
    rmc = float(studies.memory_capacity(model="rmc", slot_counts=(16,)).input_attention[0])
    other_model = ex.check_input_attention_16_slots(0.05, rmc)
    assert other_model.passed is False and "paper's RMC" in other_model.message
    for wrong in (1 / 17, rmc, 0.2):
        assert f"{measured:.3f}" not in ex.check_input_attention_16_slots(0.05, wrong).message   # never the value
    X, y = seed_models.evaluation_set()[-1]
    score = lambda S: float((seed_models.trained_model(pretrained.rmc_name(S)).predict(X) == y).mean())
    difference = score(8) - score(1)
    assert ex.check_more_slots_on_long_sequences(0.1, difference).passed
    assert ex.check_more_slots_on_long_sequences(None, difference).passed is None
    if abs(difference) > 0.005:
        assert "wrong sign" in ex.check_more_slots_on_long_sequences(0.1, -difference).message


BLIND_SPOT_WORDS = ("permut", "revers", "shuffl", "sign", "negat", "flip", "::-1", "rotat", "column", "minus")


def test_blind_statistics_accepts_every_memory_the_statistics_cannot_see():
    M = studies.memory_evolution().memories[-1, 0]
    rotation = np.linalg.qr(np.random.default_rng(1).standard_normal((64, 64)))[0]
    for blind in (M[:, ::-1], M[:, np.random.default_rng(0).permutation(64)], -M, M @ rotation, M[None, :, ::-1]):
        check = ex.check_blind_statistics(blind)
        assert check.passed, check.message
        assert studies.seed_statistics(M).shape == (4 + 4,)


def test_blind_statistics_refuses_what_the_statistics_see_or_too_small_a_change_and_never_says_how():
    M = studies.memory_evolution().memories[-1, 0]
    noise = np.random.default_rng(0).standard_normal(M.shape)
    cases = {"slot norms": M[::-1], "the memory itself": M, "only": 1.01 * M, "norm": M + 0.5 * noise,
             "shape": M[:2], "array of numbers": "memory"}
    for hint, wrong in cases.items():
        check = ex.check_blind_statistics(wrong)
        assert check.passed is False and hint in check.message, (hint, check.message)
        assert not any(word in check.message.lower() for word in BLIND_SPOT_WORDS), check.message


def test_seed_statistics_is_the_vector_input_sensitivity_compares():
    M = studies.memory_evolution().memories[-1, 0]
    assert np.allclose(studies.seed_statistics(M), seed_models._seed_statistics(M))
    assert studies.seed_statistics(M[:1])[-1] == 1.0


def test_attention_count_wants_the_formula_and_names_the_missing_part_never_the_count():
    assert ex.check_attention_count(lambda S, A: A * (S + 1) ** 2).passed
    assert ex.check_attention_count(lambda S, A: np.int64(A) * (S + 1) * (S + 1)).passed   # any correct form
    net = seed_models.memory_model("rmc", input_size=32, hidden_size=64, num_slots=3, slot_size=64, num_heads=2)
    measured = seed_models.trace(net, make_sequence("noise", 1, 2, 32, rng=0)).attention[0, 0].size
    assert measured == ex.attention_count_reference(3, 2)                   # the formula is what rrnn computes
    cases = {"dropped only after attention": lambda S, A: A * S ** 2, "asking its own query": lambda S, A: A * S * (S + 1),
             "each head": lambda S, A: (S + 1) ** 2, "every row reads every row": lambda S, A: A * (S + 1),
             "count for one head first": lambda S, A: S, "give a function": 162, "raised": lambda S, A: 1 / 0,
             "one number": lambda S, A: "many"}
    for hint, wrong in cases.items():
        check = ex.check_attention_count(wrong)
        assert check.passed is False and hint in check.message, (hint, check.message)
        assert not any(text in check.message for text in ("162", "20 times", "(S + 1)^2", "(S+1)^2", "(S + 1)**2"))


@pytest.mark.parametrize("notebook", ["04_memory_evolution", "05_with_and_without_memory", "06_step_by_step",
                                      "07_memory_capacity"])
def test_every_check_says_not_answered_for_none(notebook):
    for check in ex.EXERCISES[notebook]:
        assert check(None).passed is None


def test_04_exercise_4_asks_about_8_slots_not_the_4_the_figures_show():
    from rrnn import studies
    from rrnn.exercises.seed_studies import check_first_step_similarity_above

    def first_above(num_slots, level=0.85):
        memories = studies.memory_evolution(num_slots=num_slots).memories
        means = [studies.mean_offdiagonal(studies.cosine_similarity(m[0])) for m in memories[1:]]
        return 1 + int(np.argmax(np.array(means) > level))

    assert check_first_step_similarity_above(first_above(8)).passed is True
    old_answer = first_above(4, level=0.5)          # the question before: readable off 04's two-lens figure
    assert old_answer != first_above(8)
    copied = check_first_step_similarity_above(old_answer)
    assert copied.passed is False and f"step {first_above(8)}" not in copied.message
    # every wrong step gets the same hint: one step short must not be told it is one step short
    hints = {check_first_step_similarity_above(t).message for t in range(1, 16) if t != first_above(8)}
    assert len(hints) == 1
