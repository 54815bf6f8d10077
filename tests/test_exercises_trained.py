"""The checks of notebooks 08 and 09 accept every correct form of an answer and explain wrong ones."""
import numpy as np

from rrnn.exercises.trained import (check_farthest_query, check_one_slot_prediction, check_reference_head,
                                   one_slot_leaves_plateau, reference_reading)
from rrnn.exercises.training import check_answer_by_hand, check_lstm_reference_answers


def test_the_farthest_query_check_passes_the_identity_and_explains_the_sign_error():
    assert check_farthest_query(lambda a: np.r_[-2 * a, 1.0]).passed is True
    assert check_farthest_query(lambda a: [*(-4 * a), 2]).passed is True           # any positive scale, a list
    flipped = check_farthest_query(lambda a: np.r_[2 * a, -1.0])
    assert flipped.passed is False and "nearest" in flipped.message
    assert "5 numbers" in check_farthest_query(lambda a: -2 * a).message           # the |b|² entry forgotten
    assert "raised ZeroDivisionError" in check_farthest_query(lambda a: 1 / 0).message


def test_notebook_08_checks_refuse_the_label_instead_of_the_computation():
    # exercise 2 asks for a function of the rows: a single id (the old exercise's answer) is refused
    assert check_answer_by_hand(1).passed is False and "expected a function" in check_answer_by_hand(1).message
    assert check_lstm_reference_answers(0.0, 0.0).passed is True and check_lstm_reference_answers(0, 0).passed is True
    assert check_lstm_reference_answers(0.0, True).passed is False   # a boolean is not a number here


def test_the_reference_head_is_computed_and_a_wrong_computation_gets_a_hint_not_the_values():
    gap = reference_reading()
    assert check_reference_head(gap).passed is True and check_reference_head(list(gap)).passed is True
    for wrong, hint in ((-gap, "wrong sign"), (gap[::-1], "wrong order"), ([0.3, 0.3], "role 0")):
        result = check_reference_head(wrong)
        assert result.passed is False and hint in result.message
        assert f"{gap[0]:.2f}" not in result.message
    assert check_reference_head(0).passed is False                 # one number is not two


def test_the_one_slot_check_tests_the_measurement_and_only_reports_the_prediction():
    measured = one_slot_leaves_plateau()
    assert 1500 < measured < 3000                                  # every one-slot seed left the plateau in 3,000 steps
    for guess in (0, measured - 1000, measured + 5000):             # any prediction passes with the right measurement
        result = check_one_slot_prediction(guess, measured)
        assert result.passed is True and f"{abs(guess - measured):,.0f} steps" in result.message
    assert check_one_slot_prediction(measured, None).passed is None                 # the measurement not given yet
    for wrong, hint in ((1600, "two-slot"), (1800, "one random seed"), (measured + 400, "median")):
        result = check_one_slot_prediction(measured, wrong)
        assert result.passed is False and hint in result.message and f"{measured:,.0f}" not in result.message
    assert check_one_slot_prediction(-5, measured).passed is False
