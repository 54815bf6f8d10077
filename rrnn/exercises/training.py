"""Checks for the exercises of notebook 08 (training on the Nth-farthest task).

Each ``check_...`` recomputes the right answer (from ``rrnn.tasks`` and the shipped models in
``rrnn.pretrained``) and returns a ``Check`` that shows as one line: "✔ Correct: ...",
"✘ Not yet: <a hint>" or "… Not answered yet: ..." while the answer is still None.

    from rrnn.exercises.training import check_shortcut_accuracy
    check_shortcut_accuracy(0.25)
"""
from __future__ import annotations

import functools

from .. import pretrained, tasks
from . import Check, as_number as _number, missing as _missing

LABEL_QUESTION_SEED = 7          # exercise 2 asks about tasks.nth_farthest(1, 4, 4, rng=7)


def check_shortcut_accuracy(answer) -> Check:
    """Exercise 1: the accuracy of the shortcut (n = 0 answered, otherwise a guess) for N = 8."""
    value = _number(answer)
    if answer is None:
        return _missing("a number between 0 and 1")
    if value is None:
        return Check(False, f"expected a number between 0 and 1, got {answer!r}")
    if abs(value - 2 / 8) < 1e-3:
        return Check(True, "1/8 of the questions are answered for sure, the other 7/8 by a 1-in-7 guess: 2/8. "
                           "At the paper's size this is the 25% plateau, the same 2/N shortcut as our 50% for N = 4; "
                           "the paper reports its LSTM and DNC near 30%, barely above it.")
    return Check(False, "add the questions with n = 0 (always right) to the others times the chance of a guess "
                        "among the ids that are not the reference.")


def check_label_by_hand(answer) -> Check:
    """Exercise 2: the label of ``tasks.nth_farthest(1, 4, 4, rng=7)``, worked out from its rows."""
    if answer is None:
        return _missing("an id between 0 and 3")
    _, y = tasks.nth_farthest(1, 4, 4, rng=LABEL_QUESTION_SEED)
    if _number(answer) == int(y[0]):                       # 1, 1.0 and np.int64(1) are all id 1
        return Check(True, f"id {int(y[0])}: sort the distances from the reference, nearest first, and take place n.")
    return Check(False, "sort the vectors by their distance from the reference (the reference itself comes first, "
                        "at distance 0) and take the one at position n; answer its id, not its row.")


FRESH_QUESTIONS = 4000           # exercises 3 and 4 measure on this many fresh questions
LSTM_QUESTION_SEED = 31          # exercise 3's batch (section 4 of the notebook used rng=11)
REVERSED_QUESTION_SEED = 41      # exercise 4's batch
PREDICTION_TOLERANCE = 0.05      # a prediction this close to the measurement passes


def _prediction(answer, what: str):
    """(value, None) for a fraction in [0, 1], else (None, the Check to return)."""
    if answer is None:
        return None, _missing(f"your prediction, {what}, before the check measures it")
    value = _number(answer)
    if value is None or not 0 <= value <= 1:
        return None, Check(False, f"expected {what}, got {answer!r}")
    return value, None


@functools.lru_cache(maxsize=1)
def lstm_reference_answers(batch: int = FRESH_QUESTIONS, seed: int = LSTM_QUESTION_SEED) -> tuple:
    """(fraction of the shipped LSTM's answers that are the reference id, its accuracy), both on
    the questions with n > 0 of a fresh batch."""
    model, _ = pretrained.load("lstm")
    X, y = tasks.nth_farthest(batch, 4, 4, rng=seed)
    parts = tasks.nth_farthest_parts(X, 4, 4)
    later = parts["nth"] > 0
    answers = model.predict(X)[later]
    return float((answers == parts["reference"][later]).mean()), float((answers == y[later]).mean())


def check_lstm_reference_answers(prediction) -> Check:
    """Exercise 3 (predict first): on questions with n > 0, the fraction of the shipped LSTM's answers
    that are the reference's own id. The check measures it and says how far the prediction was."""
    value, refused = _prediction(prediction, "a fraction between 0 and 1")
    if refused is not None:
        return refused
    measured, accuracy = lstm_reference_answers()
    told = (f"measured on {FRESH_QUESTIONS:,} fresh questions, n > 0: {measured:.1%} of its answers are the "
            f"reference (it is right on {accuracy:.0%}); you said {value:.1%}")
    if abs(value - measured) <= PREDICTION_TOLERANCE:
        return Check(True, told + ". When n > 0 the answer is never the reference, and the LSTM has learned that "
                                  "much: it rules the reference out and guesses among the other 3 ids, so it is "
                                  "right 1 time in 3, not 1 in 4. It reads n and the reference, not the distances.")
    if abs(value - accuracy) <= PREDICTION_TOLERANCE and accuracy - measured > PREDICTION_TOLERANCE:
        return Check(False, told + ": that is about how often it is right, not how often it answers the reference. "
                                   "Which id does every row of the question name, and when can it never be the answer?")
    if value > measured:
        return Check(False, told + f", {value - measured:.0%} too high. A blind guess among all 4 ids would be "
                                   "right 1 time in 4 when n > 0, yet section 4 shows 1 in 3: which id does every "
                                   "row of the question name, and when can it never be the answer?")
    return Check(False, told + f", {measured - value:.0%} too low.")


@functools.lru_cache(maxsize=1)
def reversed_accuracy(batch: int = FRESH_QUESTIONS, seed: int = REVERSED_QUESTION_SEED) -> tuple:
    """(accuracy on the reversed questions, accuracy in the original order, fraction of answers
    that the reversal changes) of the shipped RMC on a fresh batch."""
    model, _ = pretrained.load("rmc")
    X, y = tasks.nth_farthest(batch, 4, 4, rng=seed)
    original, reverse = model.predict(X), model.predict(X[:, ::-1])
    return float((reverse == y).mean()), float((original == y).mean()), float((reverse != original).mean())


def check_reversed_accuracy(prediction) -> Check:
    """Exercise 4 (predict first): the shipped RMC's accuracy on fresh questions whose steps are
    reversed, X[:, ::-1] (same rows, same labels). The check measures it and says how far the
    prediction was."""
    value, refused = _prediction(prediction, "an accuracy between 0 and 1")
    if refused is not None:
        return refused
    reverse, original, changed = reversed_accuracy()
    told = (f"measured on {FRESH_QUESTIONS:,} fresh questions: {reverse:.1%} reversed, {original:.1%} in their "
            f"own order; you said {value:.1%}")
    if abs(value - reverse) <= PREDICTION_TOLERANCE:
        return Check(True, told + f". The rows come in random order anyway and each carries its id, so a reversed "
                                  f"question is just another question of the kind the RMC was trained on. Yet "
                                  f"{changed:.0%} of the single answers change: the network does not ignore the "
                                  "order; the task's questions are as likely in either order.")
    return Check(False, told + f", {abs(value - reverse):.0%} away. Does the label depend on the order of the rows "
                               "(how is it defined: by position, or by id)? And in what order did the training "
                               "questions come?")


EXERCISES = {"08_training_nth_farthest": [check_shortcut_accuracy, check_label_by_hand, check_lstm_reference_answers,
                                          check_reversed_accuracy]}
