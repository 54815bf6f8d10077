"""The predict-then-measure checks of notebook 08 (exercises 3 and 4): right predictions pass in
every numeric form, typical wrong ones fail with a hint that fits them."""
import numpy as np
import pytest

from rrnn.exercises.training import (PREDICTION_TOLERANCE, check_lstm_reference_answers, check_reversed_accuracy,
                                     check_shortcut_accuracy, lstm_reference_answers, reversed_accuracy)


@pytest.mark.parametrize("form", [0.25, 2 / 8, np.float64(0.25), "0.25"])
def test_exercise_1_the_shortcut_at_the_papers_size_is_its_25_percent_plateau(form):
    result = check_shortcut_accuracy(form)
    assert result.passed is True and "25% plateau" in result.message and "same 2/N shortcut" in result.message


@pytest.mark.parametrize("wrong", [0.125, 0.5, 0.3])           # chance, the N = 4 plateau, the paper's LSTM
def test_exercise_1_a_wrong_answer_gets_the_reasoning_not_the_value(wrong):
    result = check_shortcut_accuracy(wrong)
    assert result.passed is False and "25" not in result.message and "2/8" not in result.message


def test_the_lstm_rules_out_the_reference_when_n_is_not_0():
    reference, accuracy = lstm_reference_answers()
    assert reference < 0.02 and 0.28 < accuracy < 0.38          # never the reference; right 1 time in 3


@pytest.mark.parametrize("form", [0, 0.0, np.float32(0.0), np.int64(0), "0"])
def test_exercise_3_accepts_the_right_prediction_in_any_numeric_form(form):
    result = check_lstm_reference_answers(form)
    assert result.passed is True and "1 time in 3" in result.message


def test_exercise_3_a_blind_guess_fails_and_points_to_the_reference():
    result = check_lstm_reference_answers(0.25)                  # "it guesses among all 4 ids"
    assert result.passed is False
    assert "too high" in result.message and "1 time in 4" in result.message and "you said 25.0%" in result.message


def test_exercise_3_the_accuracy_given_for_the_fraction_is_named_as_such():
    result = check_lstm_reference_answers(1 / 3)                 # how often it is right, not the reference share
    assert result.passed is False and "how often it is right" in result.message


@pytest.mark.parametrize("answer", [True, 1.5, -0.1, "a quarter"])
def test_exercise_3_refuses_what_is_not_a_fraction(answer):
    result = check_lstm_reference_answers(answer)
    assert result.passed is False and "expected a fraction between 0 and 1" in result.message


def test_reversing_the_rows_keeps_the_rmc_accuracy_but_changes_single_answers():
    reverse, original, changed = reversed_accuracy()
    assert original > 0.85 and abs(reverse - original) < 0.02 and 0.05 < changed < 0.3


def test_exercise_4_accepts_the_accuracy_in_the_original_order():
    reverse, original, _ = reversed_accuracy()
    for form in (original, float(round(original, 2)), np.float32(original), 0.9, 1 - 0.1):
        result = check_reversed_accuracy(form)
        assert result.passed is True, (form, result)
        assert "of the single answers change" in result.message


@pytest.mark.parametrize("guess", [0.25, 0.5])                 # "it learned the order": chance, or the shortcut
def test_exercise_4_order_matters_predictions_fail_with_a_hint_about_the_order(guess):
    result = check_reversed_accuracy(guess)
    assert result.passed is False
    assert "by position, or by id" in result.message and "you said" in result.message


def test_exercise_4_tolerance_is_symmetric_and_named():
    reverse, _, _ = reversed_accuracy()
    assert check_reversed_accuracy(min(1.0, reverse + PREDICTION_TOLERANCE - 0.005)).passed is True
    assert check_reversed_accuracy(reverse - PREDICTION_TOLERANCE - 0.01).passed is False
    assert check_reversed_accuracy(None).passed is None
