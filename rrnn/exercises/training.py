"""Checks for the exercises of notebook 08 (training on the Nth-farthest task).

Each ``check_...`` recomputes the right answer (from ``rrnn.tasks`` and the shipped models in
``rrnn.pretrained``) and returns a ``Check`` that shows as one line: "✔ Correct: ...",
"✘ Not yet: <a hint>" or "… Not answered yet: ..." while the answer is still None. A hint is about
the reasoning: it never gives the value or the right option.

    from rrnn.exercises.training import check_shortcut_loss
    check_shortcut_loss(1.0)
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import pretrained, tasks
from . import Check, as_number as _number, missing as _missing

PAPER_N = 8                      # exercise 1: the paper's number of vectors


def shortcut_loss(num_vectors: int) -> float:
    """The mean cross-entropy (nats) of the best shortcut model: sure of the reference when n = 0,
    spread evenly over the N - 1 other ids otherwise: (N - 1)/N * ln(N - 1)."""
    N = num_vectors
    return (N - 1) / N * math.log(N - 1)


def check_shortcut_loss(answer) -> Check:
    """Exercise 1: the cross-entropy loss (natural log) of the best shortcut model at N = 8."""
    if answer is None:
        return _missing("a number: a loss in nats")
    value = _number(answer)
    if value is None or value < 0:
        return Check(False, f"expected a loss, a number >= 0 (in nats), got {answer!r}")
    N = PAPER_N
    expected = shortcut_loss(N)
    if abs(value - expected) < 0.01:
        return Check(True, f"{expected:.2f} nats: (N-1)/N of the questions cost ln(N-1) each, the rest cost 0. "
                           "At N = 4 the same formula gives the 0.82 where the loss curves flatten; at the "
                           "paper's size an LSTM that found only the shortcut would sit near this loss.")
    mistakes = [   # (what the wrong answer computed, a hint about the reasoning)
        (2 / N, "that is an accuracy; the question asks for the loss, the mean of -ln p(label)."),
        (shortcut_loss(4), "that is the value for our 4 vectors; redo the reasoning with 8."),
        ((N - 1) / N * math.log2(N - 1), "the loss here is in nats: use the natural log."),
        (math.log2(N - 1), "the loss here is in nats (natural log); and not every question costs the same."),
        (-math.log(2 / N), "the loss is not minus the log of the accuracy: average -ln p(label) over the "
                           "questions, one kind of question at a time."),
        (math.log(N), "that is a model that spreads its probability over all the ids on every question; the "
                      "shortcut knows more than that, twice over: which questions can it answer for sure, and "
                      "which id can never be the answer on the others?"),
        (math.log(N - 1), "not every question costs the same: on which questions is the shortcut sure, and "
                          "what fraction of the questions are they?"),
        ((N - 1) / N * math.log(N), "on the questions with n > 0, can the answer be the reference? A model that "
                                    "knows this spreads its probability over fewer ids."),
    ]
    for wrong, hint in mistakes:
        if abs(value - wrong) < 0.01:
            return Check(False, hint)
    return Check(False, "split the questions by n. When n = 0 the shortcut puts all its probability on the "
                        "reference: what does such a question cost? When n > 0 it spreads its probability evenly "
                        "over the ids that can be the answer: how many are they, and what does a question cost? "
                        "Then weight each cost by how often its kind of question comes.")


BY_HAND_QUESTIONS = 1000         # exercise 2 checks answer_by_hand on this many questions
BY_HAND_SEED = 7                 # ... drawn with this input seed


def _ranked_answers(X: np.ndarray) -> dict:
    """The right answers of a batch of Nth-farthest questions (B, 4, 16), and the answers of the
    typical slips, each (B,): computed from the rows, as exercise 2 asks the learner to."""
    p = tasks.nth_farthest_parts(X, 4, 4)
    B = len(X)
    rows = np.arange(B)
    position = np.argsort(p["ids"], axis=1)                       # position[b, i]: the row holding id i
    by_id = np.take_along_axis(p["vectors"], position[..., None], axis=1)   # (B, 4, F), row i is id i
    ref, nth = p["reference"], p["nth"]
    d = np.linalg.norm(by_id - by_id[rows, ref][:, None], axis=-1)           # (B, 4) distances by id
    order = np.argsort(d, axis=1)                                 # ids, nearest first (the reference at 0)
    right = order[rows, nth]
    others = order[:, 1:]                                         # the ranking without the reference
    first_row = np.linalg.norm(by_id - p["vectors"][:, :1], axis=-1)
    ref_as_row = np.linalg.norm(by_id - p["vectors"][rows, ref][:, None], axis=-1)
    return {
        "right": right,
        "row": position[rows, right],                             # the row the answer sits in, not its id
        "farthest first": np.argsort(-d, axis=1)[rows, nth],      # n counted from the farthest
        "reference left out": others[rows, np.minimum(nth, 2)],   # place n among the others
        "n from 1": order[rows, nth - 1],                         # place n - 1 (n = 0: index -1, the last)
        "first row": np.argsort(first_row, axis=1)[rows, nth],    # distances from the first row's vector
        "reference as a row": np.argsort(ref_as_row, axis=1)[rows, nth],   # the row at position m, not id m
    }


SLIP_HINTS = {
    "row": "your answers are positions in the sequence; the rows come shuffled, and the answer is the id "
           "written in the row you found.",
    "farthest first": "you count n from the far end. Look again at which place n = 0 stands for: what is at "
                      "distance 0 from the reference?",
    "reference left out": "your ranking leaves something out: is the reference itself one of the vectors "
                          "ranked by their distance from it?",
    "n from 1": "n counts places from 0, as Python does: which vector is at place 0?",
    "first row": "measure the distances from the reference: the vector whose id every row names in its "
                 "reference part, which need not be the first row.",
    "reference as a row": "the reference is named by its id, not by a position: the rows are shuffled, so find "
                          "the row whose id it is.",
}


def check_answer_by_hand(answer_by_hand) -> Check:
    """Exercise 2: ``answer_by_hand(X)`` answers every question of a batch X (B, 4, 16) from its rows
    (an array of B ids). Checked against the labels of 1,000 fresh questions; a wrong function gets
    a hint that fits its slip (ids vs rows, the direction or the start of the count, the vector the
    distances are measured from)."""
    if answer_by_hand is None:
        return _missing("a function answer_by_hand(X) that returns the answer's id for every question")
    if not callable(answer_by_hand):
        return Check(False, f"expected a function of the batch X, got {type(answer_by_hand).__name__}")
    X, y = tasks.nth_farthest(BY_HAND_QUESTIONS, 4, 4, rng=BY_HAND_SEED)
    try:
        given = answer_by_hand(X.copy())
    except Exception as err:   # the learner's code: show what went wrong rather than a traceback
        return Check(False, f"answer_by_hand(X) raised {type(err).__name__}: {err}")
    if given is None:
        return _missing("answer_by_hand's `return None` with the ids it computes")
    given = np.asarray(given)
    if given.shape != y.shape:
        return Check(False, f"answer_by_hand(X) must return one id per question, shape ({len(y)},) for "
                            f"{len(y):,} questions, got shape {given.shape}")
    if not np.issubdtype(given.dtype, np.number) or given.dtype == np.bool_:
        return Check(False, f"answer_by_hand(X) must return ids (whole numbers), got {given.dtype}")
    right = float((given == y).mean())
    if right == 1.0:
        return Check(True, f"all {len(y):,} questions answered from their rows alone: order the vectors by id, "
                           "measure every distance from the reference, sort, and read place n. A network "
                           "must learn all of that from the labels alone.")
    slips = _ranked_answers(X)
    for slip, hint in SLIP_HINTS.items():
        if float((given == slips[slip]).mean()) >= 0.95:
            return Check(False, f"right on {right:.0%} of the questions: {hint}")
    return Check(False, f"right on {right:.0%} of the questions. Work one question through by hand as section 1 "
                        "does, then compare: the ids of the rows, the reference's vector, the distances from it, "
                        "nearest first, place n.")


FRESH_QUESTIONS = 4000           # exercises 3 and 4 measure on this many fresh questions
LSTM_QUESTION_SEED = 31          # exercise 3's batch: tasks.nth_farthest(4000, 4, 4, rng=31)
REVERSED_QUESTION_SEED = 41      # exercise 4's batch: tasks.nth_farthest(4000, 4, 4, rng=41)


def _fraction(answer, what: str):
    """(value, None) for a fraction in [0, 1], else (None, the Check to return)."""
    value = _number(answer)
    if value is None or not 0 <= value <= 1:
        return None, Check(False, f"expected {what}, a number between 0 and 1, got {answer!r}")
    return value, None


def _prediction_report(prediction: float, measured: float) -> str:
    """How far a prediction landed from the measurement, told only once the measurement is right."""
    off = prediction - measured
    if abs(off) < 0.005:
        return f"your prediction, {prediction:.1%}, was on it"
    return f"your prediction, {prediction:.1%}, was {100 * abs(off):.1f} points {'above' if off > 0 else 'below'} it"


def _prediction_then_measurement(prediction, measurement, what: str):
    """(prediction, measurement, None) when both are fractions, else (.., .., the Check to return)."""
    if prediction is None:
        return None, None, _missing(f"your prediction ({what}, written before you measure)")
    guess, refused = _fraction(prediction, f"a prediction: {what}")
    if refused is not None:
        return None, None, refused
    if measurement is None:
        return guess, None, _missing(f"your measurement ({what}); keep your prediction as it is")
    value, refused = _fraction(measurement, f"a measurement: {what}")
    return guess, value, refused


@functools.lru_cache(maxsize=1)
def lstm_reference_answers(batch: int = FRESH_QUESTIONS, seed: int = LSTM_QUESTION_SEED) -> tuple:
    """(fraction of the shipped LSTM's answers that are the reference id, its accuracy), both on
    the questions with n > 0 of a fresh batch; and the reference fraction over every question."""
    model, _ = pretrained.load("lstm")
    X, y = tasks.nth_farthest(batch, 4, 4, rng=seed)
    parts = tasks.nth_farthest_parts(X, 4, 4)
    later = parts["nth"] > 0
    answers = model.predict(X)
    is_reference = answers == parts["reference"]
    return (float(is_reference[later].mean()), float((answers == y)[later].mean()), float(is_reference.mean()))


def check_lstm_reference_answers(prediction, measurement=None) -> Check:
    """Exercise 3 (predict, then measure): on the questions with n > 0 of
    ``tasks.nth_farthest(4000, 4, 4, rng=31)``, the fraction of the shipped LSTM's answers that are
    the reference's own id. The check tests the measurement, then says how far the prediction was."""
    guess, value, refused = _prediction_then_measurement(prediction, measurement, "a fraction of the answers")
    if refused is not None:
        return refused
    measured, accuracy, over_all = lstm_reference_answers()
    if abs(value - measured) <= 0.005:
        return Check(True, f"measured {measured:.1%}; {_prediction_report(guess, measured)}. When n > 0 the answer "
                           "is never the reference, and the LSTM has learned that much: it rules the reference "
                           "out and guesses among the other 3 ids, so it is right 1 time in 3, not 1 in 4. It "
                           "reads n and the reference, not the distances.")
    if abs(value - accuracy) <= 0.01:
        return Check(False, "that is how often the LSTM is right on those questions; the question is how often "
                            "its answer is the reference's id, whether right or wrong.")
    if abs(value - over_all) <= 0.01:
        return Check(False, "keep only the questions with n > 0: on the others the reference is the right answer, "
                            "and counting them answers another question.")
    return Check(False, "on the questions with n > 0 only, compare each of the LSTM's answers "
                        "(shipped[\"lstm\"][0].predict(X)) with the reference's id (tasks.nth_farthest_parts) "
                        "and take the fraction that are equal.")


@functools.lru_cache(maxsize=1)
def reversed_accuracy(batch: int = FRESH_QUESTIONS, seed: int = REVERSED_QUESTION_SEED) -> tuple:
    """(accuracy on the reversed questions, accuracy in the original order, fraction of answers
    that the reversal changes) of the shipped RMC on a fresh batch."""
    model, _ = pretrained.load("rmc")
    X, y = tasks.nth_farthest(batch, 4, 4, rng=seed)
    original, reverse = model.predict(X), model.predict(X[:, ::-1])
    return float((reverse == y).mean()), float((original == y).mean()), float((reverse != original).mean())


def check_reversed_accuracy(prediction, measurement=None) -> Check:
    """Exercise 4 (predict, then measure): the shipped RMC's accuracy on
    ``tasks.nth_farthest(4000, 4, 4, rng=41)`` with the steps of every question reversed, X[:, ::-1]
    (same rows, same labels). The check tests the measurement, then says how far the prediction was."""
    guess, value, refused = _prediction_then_measurement(prediction, measurement, "an accuracy")
    if refused is not None:
        return refused
    reverse, original, changed = reversed_accuracy()
    if abs(value - reverse) <= 0.002:
        return Check(True, f"measured {reverse:.1%}; {_prediction_report(guess, reverse)}. The rows come in random "
                           "order anyway and each carries its id, so a reversed question is just another question "
                           f"of the kind the RMC was trained on. Yet {changed:.0%} of the single answers change: "
                           "the network does not ignore the order; the task's questions are as likely in either order.")
    if abs(value - original) <= 0.002:
        return Check(False, "that is its accuracy on the questions as they are: reverse the steps of every "
                            "question, X[:, ::-1], before predicting.")
    if value < 0.35:
        return Check(False, "that is about chance: the labels no longer match their questions. Reverse the steps "
                            "(axis 1) of every question, keeping the questions (axis 0) and each row's features "
                            "(axis 2) in place, and compare with the same labels y.")
    return Check(False, "predict with shipped[\"rmc\"][0].predict on X[:, ::-1] for the batch the exercise names, "
                        "and compare with its labels y.")


EXERCISES = {"08_training_nth_farthest": [check_shortcut_loss, check_answer_by_hand, check_lstm_reference_answers,
                                          check_reversed_accuracy]}
