"""Checks for the exercises of notebook 09 (inside the trained RMC).

    from rrnn.exercises.trained import check_farthest_query
    check_farthest_query(lambda a: ...)          # a query that makes attention pick the farthest vector
"""
from __future__ import annotations

import functools
import numpy as np

from .. import ablations, interpret, pretrained
from ..training import first_step_above
from . import Check, as_number as _number, missing as _missing
from .seed_studies import _prediction_and_measurement

QUESTION_SEED = 5                  # notebook 09 studies interpret.questions(8000, rng=5)


def farthest_keys(vectors: np.ndarray) -> np.ndarray:
    """Exercise 1's keys: each vector b (..., N, D) becomes [b, |b|²] (..., N, D + 1)."""
    return np.concatenate([vectors, (vectors ** 2).sum(-1, keepdims=True)], axis=-1)


def check_farthest_query(make_query, trials: int = 2000) -> Check:
    """Exercise 1: ``make_query(a)`` turns a reference a (4 numbers) into a query (5 numbers) whose dot
    products with the keys [b, |b|²] are largest for the vector b farthest from a."""
    if make_query is None:
        return _missing("a function of the reference a (4 numbers) that returns a query of 5 numbers")
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
        return Check(False, f"make_query(a) must return 5 numbers for a reference a of 4 numbers, got shape "
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
        return Check(False, "your query picks the nearest vector (the reference itself): it ranks the vectors by "
                            "distance, but the wrong way round. A larger distance must give a larger q·k.")
    return Check(False, f"your query picks the farthest vector in only {hit:.1%} of the questions; expand "
                        "|a - b|² = |a|² + |b|² - 2a·b and match each term to one entry of the key [b, |b|²].")


@functools.lru_cache(maxsize=1)
def _attention_by_role() -> np.ndarray:
    model, _ = pretrained.load("rmc")
    q = interpret.questions(8000, rng=QUESTION_SEED)
    return interpret.attention_to_input(interpret.trace(model, q.X), q, mask=q.nth > 0)   # (T, A, S, 3)


def reference_reading() -> np.ndarray:
    """(A,) per head: mean attention of the slots to the input row at steps 2-4 when that row is
    the reference, minus when it is another vector (questions with n > 0)."""
    by_role = _attention_by_role()
    return np.nanmean(by_role[1:, :, :, 0] - by_role[1:, :, :, 2], axis=(0, 2))


def check_reference_head(answer) -> Check:
    """Exercise 2 (computed): per head, how much more the slots read the input row at steps 2-4
    when it is the reference than when it is another vector, averaged over steps and slots: two
    numbers, head 0 first. A wrong answer gets a hint about the computation, never the values."""
    if answer is None:
        return _missing("two numbers, one per head (head 0 first)")
    try:
        values = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return Check(False, f"expected two numbers, one per head, got {type(answer).__name__}")
    if values.size != 2 or not np.all(np.isfinite(values)):
        return Check(False, f"expected two finite numbers, one per head (head 0 first), got {values.size}")
    gap = reference_reading()
    if np.allclose(values, gap, atol=0.01):
        best = int(gap.argmax())
        return Check(True, f"head {best} reads the input row far more when it is the reference "
                           f"(+{gap[best]:.2f}); the other head reads every row about alike "
                           f"({gap[1 - best]:+.2f}). A reference detector tells the memory when to store a vector.")
    if np.allclose(values, -gap, atol=0.01):
        return Check(False, "right size, wrong sign: take the reference's role minus the other vectors' role.")
    if np.allclose(values, gap[::-1], atol=0.01):
        return Check(False, "the two numbers are in the wrong order: head 0 first (axis 1 of by_role).")
    by_role = _attention_by_role()
    with_step_1 = np.nanmean(by_role[:, :, :, 0] - by_role[:, :, :, 2], axis=(0, 2))
    if np.allclose(values, with_step_1, atol=0.01):
        return Check(False, "leave out step 1: the reference compared with other vectors from step 2 on "
                            "(index 1 onwards on the first axis).")
    with_answer = np.nanmean(by_role[1:, :, :, 0] - by_role[1:, :, :, 1], axis=(0, 2))
    if np.allclose(values, with_answer, atol=0.01):
        return Check(False, "the last axis is the role (reference, answer, other): compare the reference with "
                            "'other', not with the answer.")
    return Check(False, "by_role is (step, head, slot, role) with roles (reference, answer, other): take role 0 "
                        "minus role 2 at steps 2-4, then average over steps and slots, keeping the heads apart.")


def one_slot_plateau_steps(folder=ablations.FOLDER, variant: str = "rmc-1slot") -> list:
    """Per random seed, the step at which a variant's held-out accuracy first reached LEFT_PLATEAU
    (None: never)."""
    records = ablations.load_records(folder)
    return [first_step_above(records[f"{variant}-s{s}"]["history"], ablations.LEFT_PLATEAU) for s in ablations.SEEDS]


def one_slot_leaves_plateau(folder=ablations.FOLDER) -> float:
    """The median step at which the one-slot RMC's held-out accuracy first reached LEFT_PLATEAU."""
    steps = [s for s in one_slot_plateau_steps(folder) if s is not None]
    return float(np.median(steps)) if steps else float("inf")


def _steps_report(prediction: float, measured: float) -> str:
    """How far a predicted step landed from the measured one, told only once the measurement is right."""
    off = prediction - measured
    if off == 0:
        return f"your prediction, step {prediction:,.0f}, was on it"
    return f"your prediction, step {prediction:,.0f}, was {abs(off):,.0f} steps {'late' if off > 0 else 'early'}"


def check_one_slot_prediction(prediction, measurement=None) -> Check:
    """Exercise 3 (predict, then measure): the step at which the one-slot RMC leaves the plateau
    (first reaches LEFT_PLATEAU), median over its 3 random seeds. ``prediction`` is written before
    section 7, ungraded; ``measurement`` is read from ``ablations.load_records()``. The check tests
    the measurement, then says how far the prediction was. A hint never gives the value."""
    numbers = _prediction_and_measurement(
        prediction, measurement, "a training step", predict_range=(0, 100_000), measure_range=(0, 100_000),
        predicted="your prediction (a training step, written before you open section 7)",
        measured="the measured step, median over rmc-1slot-s0, s1, s2 (keep your prediction)")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    measured = one_slot_leaves_plateau()
    if abs(value - measured) < 0.5:
        return Check(True, f"measured step {measured:,.0f}; {_steps_report(guess, measured)}. One slot leaves "
                           "the plateau, but later than two (a likely reason: one row must hold both the reference "
                           "and the comparison with it), and its random seeds spread more widely.")
    per_seed = [s for s in one_slot_plateau_steps() if s is not None]
    two_slots = [s for s in one_slot_plateau_steps(variant="rmc") if s is not None]
    if two_slots and abs(value - float(np.median(two_slots))) < 0.5:
        return Check(False, "that is the two-slot RMC (rmc-s0, s1, s2): read the one-slot variant's records.")
    if any(abs(value - s) < 0.5 for s in per_seed):
        return Check(False, "that is one random seed's step: take the median over the three random seeds.")
    return Check(False, "for each random seed s, take first_step_above(records[f\"rmc-1slot-s{s}\"][\"history\"], "
                        "ablations.LEFT_PLATEAU) with records = ablations.load_records(), then the median of the three.")


EXERCISES = {"09_inside_the_trained_rmc": [check_farthest_query, check_reference_head, check_one_slot_prediction]}
