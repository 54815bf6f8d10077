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


def one_slot_leaves_plateau(folder=ablations.FOLDER) -> float:
    """The median step at which the one-slot RMC's held-out accuracy first reached LEFT_PLATEAU."""
    records = ablations.load_records(folder)
    steps = [first_step_above(records[f"rmc-1slot-s{s}"]["history"], ablations.LEFT_PLATEAU) for s in ablations.SEEDS]
    steps = [s for s in steps if s is not None]
    return float(np.median(steps)) if steps else float("inf")


def check_one_slot_prediction(prediction) -> Check:
    """Exercise 3 (predict first): the step at which the one-slot RMC leaves the plateau (reaches
    LEFT_PLATEAU), median over its 3 random seeds, written before reading the ablation table.
    The budget does not decide it: every random seed of every RMC with attention is measured there.
    Within 400 steps passes; the check says how far the prediction was."""
    if prediction is None:
        return _missing("your predicted step (a number of training steps), before you open section 7")
    value = _number(prediction)
    if value is None or value < 0:
        return Check(False, f"expected a number of training steps (0 or more), got {prediction!r}")
    measured = one_slot_leaves_plateau()
    off = value - measured
    if abs(off) <= 400:
        return Check(True, f"median over 3 random seeds: step {measured:,.0f}; your prediction was {abs(off):,.0f} "
                           f"steps {'late' if off > 0 else 'early'}. One slot leaves the plateau, but later than "
                           "two (a likely reason: one row must hold both the reference and the comparison with it).")
    if off < 0:
        return Check(False, "more than 400 steps too early. With one slot, the memory has one row to keep the "
                            "reference and the running comparison in, where two slots split them: would that be "
                            "quicker to learn than the two-slot RMC?")
    return Check(False, "more than 400 steps too late. A single slot can still attend to the input row, the "
                        "thing the LSTM and the attention-free RMC lack: every random seed of the one-slot RMC leaves "
                        "the plateau within 3,000 steps.")


EXERCISES = {"09_inside_the_trained_rmc": [check_farthest_query, check_reference_head, check_one_slot_prediction]}
