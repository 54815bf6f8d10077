"""Checks for the exercises of notebook 09 (inside the trained RMC).

    from rrnn.exercises.trained import check_farthest_query
    check_farthest_query(lambda a: ...)          # a query that makes attention pick the farthest vector
"""
from __future__ import annotations

import functools
import numpy as np

from .. import ablations, interpret, pretrained
from . import Check, as_number as _number, missing as _missing

QUESTION_SEED = 5                  # notebook 09 studies interpret.questions(8000, rng=5)


def farthest_keys(vectors: np.ndarray) -> np.ndarray:
    """Exercise 1's keys: each vector b (..., N, F) becomes [b, |b|²] (..., N, F + 1)."""
    return np.concatenate([vectors, (vectors ** 2).sum(-1, keepdims=True)], axis=-1)


def check_farthest_query(make_query, trials: int = 2000) -> Check:
    """Exercise 1: ``make_query(a)`` turns a reference a (F,) into a query (F + 1,) whose dot
    products with the keys [b, |b|²] are largest for the vector b farthest from a."""
    if make_query is None:
        return _missing("a function a -> query of length F + 1")
    if not callable(make_query):
        return Check(False, f"expected a function of the reference vector a, got {type(make_query).__name__}")
    rng = np.random.default_rng(1)
    vectors = rng.uniform(-1, 1, size=(trials, 4, 4))
    reference = rng.integers(0, 4, size=trials)
    a = vectors[np.arange(trials), reference]
    try:
        queries = np.array([np.asarray(make_query(row.copy()), float) for row in a])
    except Exception as err:   # the learner's code: show what went wrong rather than a traceback
        return Check(False, f"make_query(a) raised {type(err).__name__}: {err}")
    if queries.shape != (trials, 5):
        return Check(False, f"make_query(a) must return F + 1 = 5 numbers for a of length 4, got shape "
                            f"{queries.shape[1:]}")
    logits = np.einsum("bnk,bk->bn", farthest_keys(vectors), queries)
    distances = np.linalg.norm(vectors - a[:, None], axis=-1)
    picked = logits.argmax(axis=1)
    farthest, nearest = distances.argmax(axis=1), distances.argmin(axis=1)
    hit = float((picked == farthest).mean())
    if hit > 0.999:
        return Check(True, f"your query picks the farthest vector in {hit:.1%} of {trials} questions: "
                           "q·k = |b|² - 2a·b = |a - b|² - |a|², and |a|² is the same for every key.")
    if (picked == nearest).mean() > 0.99:
        return Check(False, "your query picks the nearest vector (the reference itself): flip its sign.")
    return Check(False, f"your query picks the farthest vector in only {hit:.1%} of the questions; expand "
                        "|a - b|² = |a|² + |b|² - 2a·b and match each term to one entry of the key [b, |b|²].")


@functools.lru_cache(maxsize=1)
def reference_reading() -> np.ndarray:
    """(A,) per head: mean attention of the slots to the input row at steps 2-4 when that row is
    the reference, minus when it is another vector (questions with n > 0)."""
    model, _ = pretrained.load("rmc")
    q = interpret.questions(8000, rng=QUESTION_SEED)
    by_role = interpret.attention_to_input(interpret.trace(model, q.X), q, mask=q.nth > 0)   # (T, A, S, 3)
    return np.nanmean(by_role[1:, :, :, 0] - by_role[1:, :, :, 2], axis=(0, 2))


def check_reference_head(prediction) -> Check:
    """Exercise 2 (predict first): which head (0 or 1; heads are counted from 0, as on the figures)
    reads the input row mostly when it is the reference? The check measures it and says how the
    prediction fared."""
    if prediction is None:
        return _missing("your prediction, 0 or 1, before you run section 3")
    value = _number(prediction)
    if value not in (0.0, 1.0):
        hint = " (heads are counted from 0: head 0 and head 1)" if value == 2.0 else ""
        return Check(False, f"expected a head number, 0 or 1, got {prediction!r}{hint}")
    gap = reference_reading()
    best = int(gap.argmax())
    measured = ", ".join(f"head {a}: {g:+.2f}" for a, g in enumerate(gap))
    if int(value) == best:
        return Check(True, f"head {best}. How much more the slots read the input row when it is the reference "
                           f"(steps 2-4): {measured}. The other head reads every row about alike.")
    return Check(False, f"measured ({measured}) it is head {best}; look again at the figure of section 3: which "
                        "head's reference line stands above its other lines?")


def one_slot_final_accuracy(folder=ablations.FOLDER) -> tuple:
    """(median, min, max) final held-out accuracy of the one-slot RMC over its seeds."""
    rows = {row["variant"]: row for row in ablations.summary(ablations.load_records(folder))}
    return rows["rmc-1slot"]["final"]


def check_one_slot_prediction(prediction) -> Check:
    """Exercise 3 (predict first): the final held-out accuracy of the RMC with one slot, as a number
    in [0, 1], written before reading the ablation table. Within 0.1 of the measured median passes."""
    if prediction is None:
        return _missing("your predicted accuracy, a number between 0 and 1, before you open section 8")
    value = _number(prediction)
    if value is None or not 0 <= value <= 1:
        return Check(False, f"expected an accuracy between 0 and 1, got {prediction!r}")
    median, low, high = one_slot_final_accuracy()
    told = f"measured: median {median:.1%} over 3 seeds (range {low:.1%}-{high:.1%}); you said {value:.1%}"
    if abs(value - median) <= 0.1:
        return Check(True, told + ".")
    return Check(False, told + f", {abs(value - median):.1%} away. What does a single slot still have that the "
                               "LSTM lacks? (It can attend to the input row.)")


EXERCISES = {"09_inside_the_trained_rmc": [check_farthest_query, check_reference_head, check_one_slot_prediction]}
