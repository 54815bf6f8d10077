"""The checks of notebooks 08 and 09 accept every correct form of an answer and explain wrong ones."""
import numpy as np
import pytest

from rrnn import tasks
from rrnn.exercises.trained import check_farthest_query, check_reference_head, reference_reading
from rrnn.exercises.training import check_label_by_hand, check_lstm_reference_answers


def test_the_farthest_query_check_passes_the_identity_and_explains_the_sign_error():
    assert check_farthest_query(lambda a: np.r_[-2 * a, 1.0]).passed is True
    assert check_farthest_query(lambda a: [*(-4 * a), 2]).passed is True           # any positive scale, a list
    flipped = check_farthest_query(lambda a: np.r_[2 * a, -1.0])
    assert flipped.passed is False and "nearest" in flipped.message
    assert "5 numbers" in check_farthest_query(lambda a: -2 * a).message           # the |b|² entry forgotten
    assert "raised ZeroDivisionError" in check_farthest_query(lambda a: 1 / 0).message


def test_the_reference_head_is_measured_and_accepts_numeric_forms():
    gap = reference_reading()
    best = int(gap.argmax())                                     # heads are counted from 0, as on the figures
    assert gap.max() > 0.5 and gap.min() < 0.2                   # one head reads the reference, one does not
    for form in (best, float(best), np.int64(best)):
        assert check_reference_head(form).passed is True
    assert check_reference_head(1 - best).passed is False
    assert check_reference_head(3).passed is False
    counted_from_one = check_reference_head(2)
    assert counted_from_one.passed is False and "counted from 0" in counted_from_one.message


def test_notebook_08_checks_accept_an_id_given_as_a_float():
    _, y = tasks.nth_farthest(1, 4, 4, rng=7)
    assert check_label_by_hand(float(y[0])).passed is True and check_label_by_hand(np.int64(y[0])).passed is True
    assert check_label_by_hand(float(y[0]) + 0.5).passed is False
    assert check_lstm_reference_answers(0.0).passed is True and check_lstm_reference_answers(0).passed is True
    assert check_lstm_reference_answers(True).passed is False   # a boolean is not a number here
