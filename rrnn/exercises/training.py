"""Checks for the exercises of notebook 08 (training on the Nth-farthest task).

Each ``check_...`` recomputes the right answer (from ``rrnn.tasks`` and the shipped models in
``rrnn.pretrained``) and returns a ``Check`` that shows as one line: "✔ Correct: ...",
"✘ Not yet: <a hint>" or "… Not answered yet: ..." while the answer is still None.

    from rrnn.exercises.training import check_shortcut_accuracy
    check_shortcut_accuracy(0.25)
"""
from __future__ import annotations

import functools

import numpy as np

from .. import pretrained, tasks
from . import Check, as_number as _number, missing as _missing

LABEL_QUESTION_SEED = 7          # exercise 2 asks about tasks.nth_farthest(1, 4, 4, rng=7)
ESCAPE_ACCURACY = 0.6            # "left the plateau": held-out accuracy at or above this


def check_shortcut_accuracy(answer) -> Check:
    """Exercise 1: the accuracy of the shortcut (n = 0 answered, otherwise a guess) for N = 8."""
    value = _number(answer)
    if answer is None:
        return _missing("a number between 0 and 1")
    if value is None:
        return Check(False, f"expected a number between 0 and 1, got {answer!r}")
    if abs(value - 2 / 8) < 1e-3:
        return Check(True, "1/8 of the questions are answered for sure, the other 7/8 by a 1-in-7 guess: 2/8.")
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


@functools.lru_cache(maxsize=1)
def _lstm_accuracy_by_nth(batch: int = 4000, seed: int = 11) -> np.ndarray:
    model, _ = pretrained.load("lstm")
    X, y = tasks.nth_farthest(batch, 4, 4, rng=seed)
    nth = tasks.nth_farthest_parts(X, 4, 4)["nth"]
    right = model.predict(X) == y
    return np.array([right[nth == n].mean() for n in range(4)])


def check_lstm_best_n(answer) -> Check:
    """Exercise 3: the n for which the shipped LSTM is most often right."""
    if answer is None:
        return _missing("an n between 0 and 3")
    accuracy = _lstm_accuracy_by_nth()
    best = int(accuracy.argmax())
    if _number(answer) == best:
        return Check(True, f"n = {best}: the answer is the reference itself, which the question names outright.")
    return Check(False, "measure the LSTM's accuracy separately for each n on a fresh batch.")


def check_escape_step(answer) -> Check:
    """Exercise 4: the first evaluation step at which the shipped RMC's held-out accuracy
    reached 60% (its record's ``eval_step`` and ``test_accuracy``)."""
    if answer is None:
        return _missing("a step number")
    history = pretrained.load("rmc")[1]["history"]
    steps, acc = np.array(history["eval_step"]), np.array(history["test_accuracy"])
    expected = int(steps[np.argmax(acc >= ESCAPE_ACCURACY)])
    value = _number(answer)
    if value is not None and int(value) == expected:
        return Check(True, f"step {expected}: before it the model sat on the 50% shortcut.")
    return Check(False, "find the first entry of record['history']['test_accuracy'] that is at least 0.6 and "
                        "read the step at the same position in record['history']['eval_step'].")


EXERCISES = {"08_training_nth_farthest": [check_shortcut_accuracy, check_label_by_hand, check_lstm_best_n,
                                          check_escape_step]}
