"""The checks of notebook 08's exercises: right answers pass in every form, typical wrong ones fail
with a hint that fits them, and no hint gives the value or the right option away."""
import math

import numpy as np
import pytest

from rrnn import tasks
from rrnn.exercises.training import (SLIP_HINTS, _ranked_answers, check_answer_by_hand, check_lstm_reference_answers,
                                     check_reversed_accuracy, check_shortcut_loss, lstm_reference_answers,
                                     reversed_accuracy, shortcut_loss)


def test_the_shortcut_loss_at_4_vectors_is_the_plateau_the_notebook_quotes():
    assert round(shortcut_loss(4), 2) == 0.82 and round(shortcut_loss(8), 2) == 1.70


@pytest.mark.parametrize("form", [7 / 8 * math.log(7), 1.70, np.float32(1.7027), "1.7"])
def test_exercise_1_accepts_the_shortcut_loss_at_the_papers_size(form):
    assert check_shortcut_loss(form).passed is True


@pytest.mark.parametrize("wrong, hint", [
    (0.25, "that is an accuracy"), (shortcut_loss(4), "our 4 vectors"), (7 / 8 * math.log2(7), "natural log"),
    (-math.log(0.25), "not minus the log of the accuracy"), (math.log(8), "all the ids on every question"),
    (math.log(7), "not every question costs the same"), (7 / 8 * math.log(8), "can the answer be the reference"),
    (1.0, "split the questions by n"), (3.0, "split the questions by n")])
def test_exercise_1_a_wrong_loss_gets_a_hint_about_its_reasoning_and_never_the_value(wrong, hint):
    result = check_shortcut_loss(wrong)
    assert result.passed is False and hint in result.message
    assert "1.70" not in result.message and "1.7" not in result.message and "7/8" not in result.message


def answer_by_hand(X):
    """The learner's function, as the solution writes it (squared distances rank the same)."""
    p = tasks.nth_farthest_parts(X, 4, 4)
    by_id = np.take_along_axis(p["vectors"], np.argsort(p["ids"], axis=1)[..., None], axis=1)
    reference = by_id[np.arange(len(X)), p["reference"]][:, None]
    order = np.argsort(((by_id - reference) ** 2).sum(-1), axis=1)
    return order[np.arange(len(X)), p["nth"]]


def test_exercise_2_passes_a_function_that_answers_every_question_from_its_rows():
    assert check_answer_by_hand(answer_by_hand).passed is True
    assert check_answer_by_hand(lambda X: list(answer_by_hand(X))).passed is True                 # a list
    assert check_answer_by_hand(lambda X: answer_by_hand(X).astype(float)).passed is True         # float ids


@pytest.mark.parametrize("slip", sorted(SLIP_HINTS))
def test_exercise_2_each_typical_slip_gets_its_own_hint(slip):
    result = check_answer_by_hand(lambda X: _ranked_answers(X)[slip])
    assert result.passed is False and SLIP_HINTS[slip] in result.message


def test_exercise_2_refuses_what_is_not_one_id_per_question():
    assert "raised ZeroDivisionError" in check_answer_by_hand(lambda X: 1 / 0).message
    assert "one id per question" in check_answer_by_hand(lambda X: answer_by_hand(X)[:10]).message
    assert "expected a function" in check_answer_by_hand(3).message
    assert check_answer_by_hand(None).passed is None and check_answer_by_hand(lambda X: None).passed is None
    assert check_answer_by_hand(lambda X: np.zeros(len(X), int)).passed is False                 # a constant


def test_the_lstm_rules_out_the_reference_when_n_is_not_0():
    reference, accuracy, over_all = lstm_reference_answers()
    assert reference < 0.02 and 0.28 < accuracy < 0.38 and 0.2 < over_all < 0.3


@pytest.mark.parametrize("form", [0, 0.0, np.float32(0.0), np.int64(0), "0"])
def test_exercise_3_passes_the_right_measurement_in_any_numeric_form_and_reports_the_prediction(form):
    result = check_lstm_reference_answers(0.25, form)
    assert result.passed is True and "1 time in 3" in result.message and "25.0 points above" in result.message


def test_exercise_3_needs_a_prediction_first_then_a_measurement():
    assert check_lstm_reference_answers(None, 0.0).passed is None and "prediction" in check_lstm_reference_answers(None).message
    waiting = check_lstm_reference_answers(0.3)
    assert waiting.passed is None and "measurement" in waiting.message


@pytest.mark.parametrize("measurement, hint", [
    ("accuracy", "how often the LSTM is right"), ("over_all", "keep only the questions with n > 0"),
    (0.5, "compare each of the LSTM's answers"), (0.25, "compare each of the LSTM's answers")])
def test_exercise_3_a_wrong_measurement_fails_with_a_hint_that_fits_and_no_value(measurement, hint):
    reference, accuracy, over_all = lstm_reference_answers()
    value = {"accuracy": accuracy, "over_all": over_all}.get(measurement, measurement)
    result = check_lstm_reference_answers(0.3, value)
    assert result.passed is False and hint in result.message
    assert "%" not in result.message and f"{reference:.2f}" not in result.message


@pytest.mark.parametrize("answer", [True, 1.5, -0.1, "a quarter"])
def test_exercise_3_refuses_what_is_not_a_fraction(answer):
    assert check_lstm_reference_answers(answer, 0.0).passed is False
    assert check_lstm_reference_answers(0.0, answer).passed is False


def test_reversing_the_rows_keeps_the_rmc_accuracy_but_changes_single_answers():
    reverse, original, changed = reversed_accuracy()
    assert original > 0.85 and abs(reverse - original) < 0.02 and 0.05 < changed < 0.3


def test_exercise_4_passes_the_measurement_and_says_how_far_the_prediction_was():
    reverse, _, _ = reversed_accuracy()
    for form in (reverse, np.float32(reverse), str(reverse)):
        result = check_reversed_accuracy(0.25, form)
        assert result.passed is True and "of the single answers change" in result.message
        assert "points below it" in result.message


@pytest.mark.parametrize("which, hint", [("original", "on the questions as they are"), ("chance", "about chance"),
                                         ("other", "for the batch the exercise names")])
def test_exercise_4_a_wrong_measurement_fails_without_the_value(which, hint):
    reverse, original, _ = reversed_accuracy()
    value = {"original": original, "chance": 0.25, "other": 0.6}[which]
    result = check_reversed_accuracy(0.5, value)
    assert result.passed is False and hint in result.message and "%" not in result.message
    assert check_reversed_accuracy(None, reverse).passed is None and check_reversed_accuracy(0.5).passed is None
