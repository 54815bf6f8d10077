"""Checks for the exercises of notebooks 04-07 (the seed's four studies).

Each ``check_...`` takes the learner's answer, recomputes the right one from ``rrnn.studies``
with the study's default (the seed's) settings, and returns a ``Check`` that shows as one line:
"✔ Correct: ...", "✘ Not yet: <a hint, never the answer>" or "… Not answered yet: ..." while
the answer is still ``None``. Nothing is printed, and a wrong answer never raises.

    from rrnn.exercises.seed_studies import check_window_means
    check_window_means([10.4, 18.5, 23.2])          # notebook 04, exercise 1

``EXERCISES`` maps each notebook to its checks, in order (the solutions tool and the tests
use it).
"""
from __future__ import annotations

import functools

import numpy as np

from .. import studies
from . import Check, as_number as _number, missing as _missing


def _numbers(answer, n: int):
    try:
        values = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return values if values.size == n and np.all(np.isfinite(values)) else None


def _close(value, expected, rel=0.01, abs_=1e-3) -> bool:
    return bool(np.all(np.isclose(value, expected, rtol=rel, atol=abs_)))


# the default runs, computed once
@functools.lru_cache(maxsize=None)
def _evolution(amplitude=1.0):
    return studies.memory_evolution(amplitude=amplitude)


@functools.lru_cache(maxsize=None)
def _comparison(num_slots=4):
    return studies.with_without_memory(num_slots=num_slots)


@functools.lru_cache(maxsize=None)
def _steps():
    return studies.step_by_step()


@functools.lru_cache(maxsize=None)
def _capacity():
    return studies.memory_capacity()


# --- notebook 04: memory evolution ---------------------------------------------------------------
def check_window_means(answer) -> Check:
    """04, exercise 1: the memory norm averaged over steps 1-5, 6-10 and 11-15 (three numbers)."""
    if answer is None:
        return _missing("the three window means [steps 1-5, steps 6-10, steps 11-15]")
    values = _numbers(answer, 3)
    if values is None:
        return Check(False, "give three numbers: the means of memory_norm over steps 1-5, 6-10 and 11-15.")
    expected = studies.window_means(_evolution().memory_norm)
    if _close(values, expected):
        return Check(True, f"the memory norm averages {values[0]:.2f}, {values[1]:.2f} and {values[2]:.2f} "
                           "over the three windows: it keeps growing, also after the step-up.")
    if _close(values, studies.window_means(_evolution().memory_norm[:-1])) or _close(np.sort(values)[::-1], expected):
        return Check(False, "close: check the slices. Step 1 is index 0, so steps 1-5 are memory_norm[0:5].")
    return Check(False, "average result.memory_norm over index ranges 0:5, 5:10 and 10:15.")


def check_norm_without_input(answer) -> Check:
    """04, exercise 2: final memory norm with the step-up input minus with no input (amplitude 0)."""
    if answer is None:
        return _missing("the final memory norm with the seed's input minus the one with amplitude=0")
    value = _number(answer)
    if value is None:
        return Check(False, "give one number: a difference of two final memory norms.")
    expected = _evolution().memory_norm[-1] - _evolution(0.0).memory_norm[-1]
    if _close(value, expected):
        return Check(True, f"a difference of {value:.2f} on a norm of about {_evolution().memory_norm[-1]:.0f}: "
                           "with no input at all the memory grows just as much (a little more, even). Its "
                           "growth comes from its own update (gates, attention, layer norm), not from the input.")
    if _close(-value, expected):
        return Check(False, "right size, wrong sign: take (with input) minus (amplitude=0).")
    return Check(False, "run studies.memory_evolution(amplitude=0.0) and compare memory_norm[-1] of both runs.")


def check_most_similar_pair(answer) -> Check:
    """04, exercise 3: the pair of distinct slots (i, j), i < j, most alike at the last step."""
    if answer is None:
        return _missing("a pair of slot indices (i, j) with i < j")
    try:
        i, j = (int(v) for v in answer)
    except (TypeError, ValueError):
        return Check(False, "give two slot indices, e.g. (0, 2).")
    similarity = _evolution().similarity
    S = similarity.shape[0]
    if not (0 <= i < S and 0 <= j < S) or i == j:
        return Check(False, f"the slots are numbered 0 to {S - 1}, and a pair needs two different slots.")
    masked = similarity - 2 * np.eye(S)
    best = np.unravel_index(np.argmax(masked), masked.shape)
    if {i, j} == {int(best[0]), int(best[1])}:
        return Check(True, f"slots {min(i, j)} and {max(i, j)}, with cosine similarity {similarity[i, j]:.2f}.")
    return Check(False, "look for the largest entry of result.similarity off the diagonal "
                        "(np.argmax on similarity - 2 * np.eye(S) is one way).")


def check_first_step_similarity_above(answer) -> Check:
    """04, exercise 4: the first step t (1-based) after which the mean similarity between slots exceeds 0.5."""
    if answer is None:
        return _missing("a step number t (1 to 15)")
    value = _number(answer)
    if value is None or value != int(value):
        return Check(False, "give a whole step number between 1 and 15.")
    memories = _evolution().memories
    means = [studies.mean_offdiagonal(studies.cosine_similarity(m[0])) for m in memories[1:]]
    expected = 1 + int(np.argmax(np.array(means) > 0.5))
    if int(value) == expected:
        return Check(True, f"after step {expected} the slots are already more alike than not "
                           f"(mean similarity {means[expected - 1]:.2f}); they started orthogonal.")
    if int(value) == expected - 1:
        return Check(False, "off by one: result.memories[0] is the memory before step 1.")
    return Check(False, "for each t, take result.memories[t][0] (S, M), compute cosine_similarity and "
                        "mean_offdiagonal, and find the first t where it exceeds 0.5.")


# --- notebook 05: with and without memory --------------------------------------------------------
def check_memory_difference(answer) -> Check:
    """05, exercise 1: mean |memory on - memory off| of the last step's outputs."""
    if answer is None:
        return _missing("the mean absolute difference at the last step")
    value = _number(answer)
    if value is None:
        return Check(False, "give one number.")
    c = _comparison()
    expected = np.abs(c.hybrid[:, -1] - c.hybrid_off[:, -1]).mean()
    if _close(value, expected):
        return Check(True, f"{value:.3f}: the memory moves each output by about half a unit at the last step.")
    if _close(value, np.abs(c.hybrid - c.hybrid_off).mean()):
        return Check(False, "that is the mean over all steps; take the last step only ([:, -1]).")
    if _close(value, np.abs(c.lstm[:, -1] - c.hybrid[:, -1]).mean()):
        return Check(False, "that is the seed's comparison (LSTM vs relational RNN); compare memory on and off.")
    return Check(False, "np.abs(result.hybrid[:, -1] - result.hybrid_off[:, -1]).mean().")


def check_which_spreads_more(answer) -> Check:
    """05, exercise 2: which last-step outputs have the larger std: "on" or "off" (the memory path)?"""
    if answer is None:
        return _missing('"on" or "off"')
    if not isinstance(answer, str) or answer.strip().lower() not in ("on", "off"):
        return Check(False, 'answer with the string "on" or "off".')
    c = _comparison()
    expected = "on" if c.hybrid[:, -1].std() > c.hybrid_off[:, -1].std() else "off"
    if answer.strip().lower() == expected:
        return Check(True, f"memory on: std {c.hybrid[:, -1].std():.2f} against {c.hybrid_off[:, -1].std():.2f} "
                           "with it off. The read-out of the memory is a large input to the output layer.")
    return Check(False, "compare result.hybrid[:, -1].std() with result.hybrid_off[:, -1].std().")


def check_slots_do_not_matter_when_off(answer) -> Check:
    """05, exercise 3: max |difference| between memory-off outputs with 1 and with 8 slots."""
    if answer is None:
        return _missing("the largest absolute difference between the two memory-off outputs")
    value = _number(answer)
    if value is None:
        return Check(False, "give one number.")
    expected = float(np.abs(_comparison(1).hybrid_off - _comparison(8).hybrid_off).max())
    if _close(value, expected, abs_=1e-9):
        return Check(True, "zero: with the memory path off the output never reads the slots, so their number "
                           "cannot matter - and no weight depends on it.")
    return Check(False, "run with_without_memory(num_slots=1) and (num_slots=8) and compare their hybrid_off.")


# --- notebook 06: step by step -------------------------------------------------------------------
def check_largest_memory_change_step(answer) -> Check:
    """06, exercise 1: the step (1-based) of the seed's three at which the memory changes most."""
    if answer is None:
        return _missing("a step number (1, 2 or 3)")
    value = _number(answer)
    if value is None or value != int(value):
        return Check(False, "give a whole step number.")
    run = _steps()
    expected = 1 + int(np.argmax(run.memory_change))
    if int(value) == expected:
        return Check(True, f"step {expected}: the first step moves the memory most; after it the decay "
                           "(f - 1) * M grows with the memory and cancels more of the write i * tanh(M~) each step.")
    if int(value) == expected - 1:
        return Check(False, "steps count from 1 here (index 0 is step 1).")
    return Check(False, "np.argmax(run.memory_change) gives the index; add 1 for the step.")


def check_slot0_reads_most(answer) -> Check:
    """06, exercise 2: at step 2, the row slot 0 pays most attention to (0..S-1 a slot, S the input row)."""
    if answer is None:
        return _missing("a row index: 0, 1, 2 for a slot or 3 for the input row")
    value = _number(answer)
    if value is None or value != int(value):
        return Check(False, "give a whole row index.")
    weights = _steps().attention[1].mean(axis=0)[0]          # step 2, mean over heads, query = slot 0
    expected = int(np.argmax(weights))
    if int(value) == expected:
        where = "itself" if expected == 0 else ("the input row" if expected == len(weights) - 1 else f"slot {expected}")
        return Check(True, f"slot 0 reads mostly from {where} (weight {weights[expected]:.2f}).")
    return Check(False, "run.attention[1] is step 2 (A, S+1, S+1); take head mean, row 0, and its argmax.")


def check_mean_forget_gate(answer) -> Check:
    """06, exercise 3: the mean forget gate over all slots, units and steps of the seed's run."""
    if answer is None:
        return _missing("the mean of run.forget_gate")
    value = _number(answer)
    if value is None:
        return Check(False, "give one number between 0 and 1.")
    expected = float(_steps().forget_gate.mean())
    if _close(value, expected, abs_=5e-3):
        return Check(True, f"{value:.3f}, close to sigmoid(1) = 0.731: the forget bias of +1 dominates "
                           "untrained gates, so each step keeps about 73% of every slot.")
    if _close(value, float(_steps().input_gate.mean()), abs_=5e-3):
        return Check(False, "that is the input gate; take run.forget_gate.")
    return Check(False, "run.forget_gate.mean().")


# --- notebook 07: memory capacity ----------------------------------------------------------------
def check_memory_numbers(answer) -> Check:
    """07, exercise 1: how many more numbers the memory state holds (batch 1) with 8 slots than with 1."""
    if answer is None:
        return _missing("a whole number")
    value = _number(answer)
    if value is None:
        return Check(False, "give one whole number.")
    expected = (8 - 1) * 64
    if value == expected:
        return Check(True, f"{expected} more numbers (7 more rows of 64), and not one more weight: slots add "
                           "state, not parameters.")
    if value == 8 * 64 or value == 8 * 64 * 2:
        return Check(False, "that is the whole memory with 8 slots; subtract the one-slot memory.")
    return Check(False, "the memory is (B, S, M); with B = 1 and M = 64, compare S = 8 with S = 1.")


def check_largest_std_slots(answer) -> Check:
    """07, exercise 2: of the slot counts 1, 2, 4, 8, the one with the largest last-step output std."""
    if answer is None:
        return _missing("a slot count: 1, 2, 4 or 8")
    value = _number(answer)
    if value is None or int(value) not in (1, 2, 4, 8) or value != int(value):
        return Check(False, "answer with one of the slot counts 1, 2, 4 or 8.")
    c = _capacity()
    expected = int(c.slot_counts[np.argmax(c.output_std)])
    if int(value) == expected:
        return Check(True, f"S = {expected} (std {c.output_std.max():.3f}). The differences are small and not "
                           "monotonic: untrained, more slots do not mean larger or smaller outputs.")
    return Check(False, "result.slot_counts[np.argmax(result.output_std)].")


def check_input_read_above_uniform(answer) -> Check:
    """07, exercise 3: True if, for every slot count, slots pay the input row more than 1/(S+1)."""
    if answer is None:
        return _missing("True or False")
    if not isinstance(answer, (bool, np.bool_)):
        return Check(False, "answer True or False.")
    c = _capacity()
    expected = bool(np.all(c.input_attention > 1.0 / (c.slot_counts + 1)))
    if bool(answer) == expected:
        return Check(True, "yes: for every S the slots read the input row a little more than a uniform reader "
                           "would, and its share falls roughly like 1/(S+1) as slots are added."
                     if expected else "right: not for every slot count.")
    return Check(False, "compare result.input_attention with 1 / (result.slot_counts + 1), element by element.")


EXERCISES = {
    "04_memory_evolution": [check_window_means, check_norm_without_input, check_most_similar_pair,
                            check_first_step_similarity_above],
    "05_with_and_without_memory": [check_memory_difference, check_which_spreads_more,
                                   check_slots_do_not_matter_when_off],
    "06_step_by_step": [check_largest_memory_change_step, check_slot0_reads_most, check_mean_forget_gate],
    "07_memory_capacity": [check_memory_numbers, check_largest_std_slots, check_input_read_above_uniform],
}
"""Notebook name -> its checks, in exercise order."""
