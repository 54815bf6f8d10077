"""Checks for the exercises of notebooks 04-07 (the seed demo's four studies).

Each ``check_...`` takes the learner's answer, recomputes the right one from ``rrnn.studies``
with the study's default (the seed demo's) settings, and returns a ``Check`` that shows as one line:
"✔ Correct: ...", "✘ Not yet: <a hint, never the answer>" or "… Not answered yet: ..." while
the answer is still ``None``. Nothing is printed, and a wrong answer never raises.

    from rrnn.exercises.seed_studies import check_plateau_prediction
    check_plateau_prediction(30.0)                  # notebook 04, exercise 1

``EXERCISES`` maps each notebook to its checks, in order (the solutions tool and the tests
use it).
"""
from __future__ import annotations

import functools

import numpy as np

from .. import pretrained, seed_models, studies
from ..patterns import make_sequence
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


# --- notebook 04: memory evolution ---------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _seed_hybrid_trace(pattern: str, seq_len: int, amplitude: float = 1.0, model: str = "hybrid", num_slots: int = 4):
    net = seed_models.memory_model(model, input_size=32, hidden_size=64, num_slots=num_slots, slot_size=64,
                                   num_heads=2)
    return seed_models.trace(net, make_sequence(pattern, 1, seq_len, 32, amplitude=amplitude, rng=42))


def check_plateau_prediction(answer) -> Check:
    """04, exercise 1: predict, from the fixed point after step 15, where the 8-slot hybrid (the seed demo
    demo's other settings, untrained) levels off on the seed demo's step-up input. Passes a prediction
    within 3% of ||M*_15|| (the computation asked for) or within 5% of the norm after 60 steps; the
    message says how far the prediction was from that measurement. A hint never gives a value."""
    if answer is None:
        return _missing("your prediction, ||M*_15|| of the 8-slot hybrid")
    value = _number(answer)
    if value is None or value <= 0:
        return Check(False, "give one positive number: a predicted norm.")
    short = _seed_hybrid_trace("step_up", 15, num_slots=8)
    i, f, attended = short.input_gate[-1, 0], short.forget_gate[-1, 0], short.attended[-1, 0]
    star = float(np.linalg.norm(i * np.tanh(attended) / (1 - f)))
    now = float(np.linalg.norm(short.memories[-1, 0]))
    measured = float(np.linalg.norm(_seed_hybrid_trace("step_up", 60, num_slots=8).memories[-1, 0]))
    if abs(value - star) <= 0.03 * star or abs(value - measured) <= 0.05 * measured:
        return Check(True, f"after 60 steps the norm is {measured:.1f}; your prediction {value:.1f} is "
                           f"{100 * abs(value - measured) / measured:.0f}% off, and ||M*_15|| = {star:.1f}, "
                           f"from step 15, where the memory was at {now:.1f}. The fixed point moves as the "
                           "memory changes (here it comes down a little), but it tells you the plateau long "
                           "before the memory gets there.")
    four = _seed_hybrid_trace("step_up", 15)
    star4 = float(np.linalg.norm(four.input_gate[-1, 0] * np.tanh(four.attended[-1, 0]) / (1 - four.forget_gate[-1, 0])))
    if abs(value - now) <= 0.03 * now:
        return Check(False, "that is the norm after step 15, where the memory is now, not where it settles: "
                            "compute M* = i * tanh(M_att) / (1 - f) from step 15's gates (seed_models.trace).")
    if abs(value - star4) <= 0.03 * star4 or abs(value - float(np.linalg.norm(four.memories[-1, 0]))) <= 0.03 * star4:
        return Check(False, "that is the seed demo's 4-slot memory: build the hybrid with num_slots=8 "
                            "(the other sizes as before) and trace it on the same input.")
    if abs(value - star) <= 0.15 * star:
        return Check(False, "close, but not the fixed point of step 15: use the last step's gates and M_att "
                            "(index -1 of the time axis, batch row 0), element by element, then one norm "
                            "over all slots and units.")
    return Check(False, "trace the 8-slot hybrid's 15 steps with seed_models.trace, take step 15's "
                        "input_gate, forget_gate and attended (batch row 0), and compute the norm of "
                        "i * tanh(M_att) / (1 - f) over all its entries.")


BLIND_STATISTICS_AT_MOST = 0.01    # a third of what the nine patterns move the untrained hybrid's statistics
BLIND_CONTENTS_ABOVE = 0.5         # about as far as the nine patterns move a trained memory's contents (0.6)


def check_blind_statistics(answer) -> Check:
    """04, exercise 2: a memory ``answer`` (S, P) built from the untrained hybrid's final memory
    M = ``studies.memory_evolution().memories[-1, 0]`` whose seed demo's statistics
    (``studies.seed_statistics``) differ from M's by less than 0.01 and whose contents differ by more
    than 0.5 (both ``seed_models.relative_difference``). Any such memory passes (a permutation of the
    units, the same in every slot, or M with its sign flipped, ...). A wrong memory is told which
    statistics moved or that the contents did not move enough, never a construction."""
    if answer is None:
        return _missing("a memory of the same shape as result.memories[-1, 0], built from it")
    original = _evolution().memories[-1, 0]
    try:
        memory = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Check(False, "give an array of numbers: a memory of S slots by P units.")
    if memory.ndim == 3 and memory.shape[0] == 1:
        memory = memory[0]                                      # a batch of one is the same memory
    if memory.shape != original.shape:
        return Check(False, f"give a memory of the shape of result.memories[-1, 0], {original.shape} "
                            f"(S slots by P units); got {memory.shape}.")
    if not np.all(np.isfinite(memory)):
        return Check(False, "your memory holds inf or nan: every entry must be a number.")
    mine, theirs = studies.seed_statistics(memory), studies.seed_statistics(original)
    stats = seed_models.relative_difference(mine, theirs)
    contents = seed_models.relative_difference(memory, original)
    if contents < 1e-6:
        return Check(False, "that is the memory itself: its statistics agree, but so do its contents. Build a "
                            "different memory that the statistics cannot tell from it.")
    if stats >= BLIND_STATISTICS_AT_MOST:
        S = len(original)
        parts = {"norm": [0], "mean": [1], "standard deviation": [2], "slot norms (in slot order)": range(3, 3 + S),
                 "slot similarity": [3 + S]}
        moved = [name for name, index in parts.items()
                 if not np.allclose(mine[list(index)], theirs[list(index)], rtol=1e-3, atol=1e-3)]
        return Check(False, f"the statistics see your change: its {', '.join(moved) or 'statistics'} moved. Ask "
                            "what each statistic looks at - the 256 numbers wherever they sit, each row's length, "
                            "the angles between rows - and find a change that none of them sees.")
    if contents <= BLIND_CONTENTS_ABOVE:
        return Check(False, f"the statistics do not see it, but your contents differ by only {contents:.2f}: the "
                            "blind spot is larger. A change that keeps every statistic can move the memory as far "
                            "as the patterns move a trained one (section 5), or further.")
    return Check(True, f"the seed demo's statistics differ by {stats:.3f}, the contents by {contents:.2f}. The "
                       "statistics see the numbers' sizes, the rows' lengths and the angles between rows; they do "
                       "not see which unit holds what - and the network's weights act on the units in their "
                       "places, so to the network yours is a different memory.")


def check_pattern_against_amplitude(prediction, measurement=None) -> Check:
    """04, exercise 3 (predict, then measure): for the trained RMC (4 slots), the relative difference
    between the final memories of the step-up and the noise inputs, divided by that between the step-up
    input at amplitude 1 and 2. ``prediction`` is the ratio expected before computing (above 1 if the
    pattern moves the memory more); the check tests ``measurement``, then says how far the prediction was."""
    numbers = _prediction_and_measurement(
        prediction, measurement, "a ratio of two relative differences", predict_range=(0, np.inf),
        measure_range=(0, np.inf),
        predicted="your prediction (one number, the ratio you expect, written before you compute)",
        measured="the measured ratio, (pattern's difference) / (amplitude's difference) (keep your prediction)")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    final = lambda pattern, amplitude: _seed_hybrid_trace(pattern, 15, amplitude, "trained-rmc").memories[-1, 0]
    by_pattern = seed_models.relative_difference(final("step_up", 1.0), final("noise", 1.0))
    by_amplitude = seed_models.relative_difference(final("step_up", 1.0), final("step_up", 2.0))
    expected = by_pattern / by_amplitude
    if _close(value, expected, rel=0.02):
        more = "the pattern" if expected > 1 else "the amplitude"
        side = "the same side of 1 as" if (guess > 1) == (expected > 1) else "the other side of 1 from"
        return Check(True, f"{by_pattern:.3f} against {by_amplitude:.3f}: {more} moves the trained memory more "
                           f"(ratio {expected:.2f}); {_prediction_report(guess, expected, '.2f')}, on {side} "
                           "the measurement. Trained to name the pattern whatever its loudness, it has "
                           "learnt to keep what tells the patterns apart and to let the loudness matter less.")
    if _close(value, 1 / expected, rel=0.02):
        return Check(False, "upside down: divide the pattern's difference by the amplitude's.")
    return Check(False, "trace the trained RMC (seed_models.memory_model('trained-rmc', ...)) on the three "
                        "sequences (rng=42, 15 steps), take the final memories of batch row 0 and compare them "
                        "with seed_models.relative_difference.")


def check_first_step_similarity_above(answer) -> Check:
    """04, exercise 4: for the memory with 8 slots (``studies.memory_evolution(num_slots=8)``; the
    figures above show 4), the first step t (1-based) after which the mean cosine similarity between
    distinct slots exceeds 0.85."""
    if answer is None:
        return _missing("a step number t (1 to 15)")
    value = _number(answer)
    if value is None or value != int(value):
        return Check(False, "give a whole step number between 1 and 15.")
    memories = studies.memory_evolution(num_slots=8).memories
    means = [studies.mean_offdiagonal(studies.cosine_similarity(m[0])) for m in memories[1:]]
    expected = 1 + int(np.argmax(np.array(means) > 0.85))
    if int(value) == expected:
        return Check(True, f"after step {expected} the 8 slots point almost the same way (mean similarity "
                           f"{means[expected - 1]:.2f}); they started orthogonal.")
    if 1 <= value <= 15:                     # one hint for every wrong step: it must not point to the answer
        return Check(False, "with 8 slots, not the 4 of the figures above: for each t take result.memories[t][0] "
                            "(S, P), cosine_similarity, mean_offdiagonal, and the first t above 0.85. Count the "
                            "steps as the question does: index 0 of result.memories is the memory before step 1.")
    return Check(False, "the step is between 1 and 15: result.memories has the memory before step 1 and after each step.")


# --- notebook 05: with and without memory --------------------------------------------------------
def check_readout_difference(answer) -> Check:
    """05, exercise 1: mean |memory off - LSTM| of the last step's outputs - the read-out layers' term
    of the seed demo's difference, the one term notebook 05 does not print."""
    if answer is None:
        return _missing("the mean absolute difference at the last step")
    value = _number(answer)
    if value is None:
        return Check(False, "give one number.")
    c = _comparison()
    lstm, on, off = c.lstm[:, -1], c.memory[:, -1], c.memory_off[:, -1]
    expected = np.abs(off - lstm).mean()
    if _close(value, expected):
        memory, total = np.abs(on - off).mean(), np.abs(on - lstm).mean()
        return Check(True, f"{value:.2f}. With the memory's {memory:.2f} that makes {memory + value:.2f}, more than the "
                           f"whole difference ({total:.2f}): where the two terms have opposite signs they cancel, so "
                           "the sizes of mean absolute differences do not add. The memory's term is the larger, but "
                           "the read-out layers' term is not zero.")
    if _close(value, np.abs(on - off).mean()):
        return Check(False, "that is the memory's term (memory on against off), printed in section 2; the other term "
                            "compares the hybrid with its memory off against the LSTM.")
    if _close(value, np.abs(on - lstm).mean()):
        return Check(False, "that is the whole difference (the LSTM against the hybrid with its memory on); the "
                            "term asked for leaves the memory out of the hybrid.")
    if _close(value, np.abs(on - lstm).mean() - np.abs(on - off).mean()):
        return Check(False, "that subtracts the two printed sizes, which would be right only if mean absolute "
                            "differences added up. Compute the term itself from the outputs.")
    if _close(value, np.abs(c.memory_off - c.lstm).mean()):
        return Check(False, "that is the mean over all steps; the question is about the last step only.")
    if _close(value, (off - lstm).mean()) or _close(value, (lstm - off).mean()):
        return Check(False, "positive and negative differences cancel in a plain mean: take absolute values first.")
    return Check(False, "take the last step of each array, subtract, and average the absolute values over the "
                        "batch and the outputs.")


@functools.lru_cache(maxsize=None)
def _hybrid_answers(use_memory: bool):
    """The trained hybrid's answers after the last step on seed_models.evaluation_set(), its memory
    path on or off."""
    net = seed_models.trained_model("hybrid")
    return np.concatenate([seed_models.trace(net, X, use_memory=use_memory).logits[:, -1].argmax(axis=1)
                           for X, _ in seed_models.evaluation_set()])


def _top_share(answers: np.ndarray) -> float:
    """The share of the answers that are the most common one."""
    return float(np.bincount(answers).max() / answers.size)


def _prediction_and_measurement(prediction, measurement, what: str, *, predicted: str, measured: str,
                                 predict_range=None, measure_range=None):
    """The two numbers of a predict-then-measure exercise, or the Check saying which one is missing
    or not a number (in its range). ``what`` names the quantity ("a share of the sequences");
    ``predicted`` and ``measured`` are what the "not answered yet" messages ask for."""
    def one_number(verb, value, bounds):
        number = _number(value)
        if number is None or (bounds is not None and not bounds[0] <= number <= bounds[1]):
            between = "" if bounds is None else f" between {bounds[0]} and {bounds[1]}"
            return None, Check(False, f"{verb} one number{between}: {what}.")
        return number, None
    if prediction is None:
        return _missing(predicted)
    guess, problem = one_number("predict", prediction, predict_range)
    if problem is not None:                      # (a Check is falsy when it does not pass)
        return problem
    if measurement is None:
        return _missing(measured)
    value, problem = one_number("measure", measurement, measure_range)
    return (guess, value) if problem is None else problem


def check_memory_off_share(prediction, measurement=None) -> Check:
    """05, exercise 2 (predict, then measure): the share of the 1,600 evaluation sequences to which the
    trained hybrid, memory path off, gives its most common answer. ``prediction`` is written before
    measuring (1/9 if its answers spread evenly, near 1 if it names one pattern for everything); the
    check tests ``measurement``, then says how far the prediction was. A hint never gives a value."""
    from ..tasks import PATTERN_NAMES
    numbers = _prediction_and_measurement(
        prediction, measurement, "a share of the sequences", predict_range=(0, 1),
        predicted="your prediction (a share between 0 and 1, written before you measure)",
        measured="the measured share of its most common answer (keep your prediction)")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    answers = _hybrid_answers(use_memory=False)
    expected = _top_share(answers)
    if abs(value - expected) < 0.002:
        top = int(np.bincount(answers).argmax())
        accuracy = float(np.mean(answers == np.concatenate([y for _, y in seed_models.evaluation_set()])))
        return Check(True, f"measured {expected:.2f}: it names {PATTERN_NAMES[top]} for about two sequences in three; "
                           f"{_prediction_report(guess, expected, '.2f')}. The head learnt to read the memory, and "
                           "with zeros in its place most sequences look alike to it and land on one answer. That "
                           f"answer is right only for the sequences that are {PATTERN_NAMES[top]} (about one in nine), "
                           f"about half of its {accuracy:.0%}: the LSTM inside still tells a few patterns apart.")
    if 1 < value <= answers.size and float(value).is_integer():
        return Check(False, "that looks like a count; give a share: divide by the number of sequences.")
    if not 0 <= value <= 1:
        return Check(False, "a share of the sequences is between 0 and 1.")
    labels = np.concatenate([y for _, y in seed_models.evaluation_set()])
    if abs(value - float(np.mean(answers == labels))) < 0.002:
        return Check(False, "that is the share it gets right; the question is the share that get its most common "
                            "answer, right or wrong. Compare the answers with each other, not with the labels.")
    if abs(value - 1 / len(PATTERN_NAMES)) < 0.002:
        return Check(False, "that is what answers spread evenly over the nine patterns would give: a prediction. "
                            "Measure it.")
    if abs(value - _top_share(_hybrid_answers(use_memory=True))) < 0.002:
        return Check(False, "that is with the memory on; switch it off (use_memory=False).")
    first = len(seed_models.evaluation_set()[0][1])
    if abs(value - _top_share(answers[:first])) < 0.002:
        return Check(False, "that is one batch; count the answers over every batch of the evaluation set.")
    return Check(False, "take the argmax of the last step's logits (memory off) for every sequence of every batch, "
                        "count how often each pattern is named, and divide the largest count by the number of "
                        "sequences.")


def check_what_more_slots_change(answer) -> Check:
    """05, exercise 3: the largest |difference|, over the last step's outputs of the LSTM, the hybrid
    (memory on) and the hybrid with its memory off, between the hybrid with 1 slot and with 8 slots.
    Only the memory-on output can move (the slots reach y_t only through r_t), so the answer is that
    output's largest change; it needs both runs. Hints name the slip, never the value."""
    if answer is None:
        return _missing("the largest absolute difference between the two runs' last-step outputs")
    value = _number(answer)
    if value is None:
        return Check(False, "give one number.")
    one, eight, four = _comparison(1), _comparison(8), _comparison(4)
    last = lambda a: a[:, -1]
    expected = float(np.abs(last(one.memory) - last(eight.memory)).max())
    if _close(value, expected):
        unmoved = max(float(np.abs(a - b).max()) for a, b in ((one.lstm, eight.lstm), (one.memory_off, eight.memory_off)))
        return Check(True, f"{expected:.2f}, and all of it in the memory-on output: the LSTM's and the memory-off "
                           f"outputs differ by {unmoved:.0f} between the runs, since no weight depends on the number "
                           "of slots and the memory-off output never reads the memory. The slots reach the output "
                           "only through r_t, the mean of the slots, which with 8 slots averages 8 rows that each "
                           "read differently.")
    if value < 0:
        return Check(False, "a largest absolute difference cannot be negative.")
    if value == 0:
        return Check(False, "zero is what an output that never reads the slots gives. Through which term "
                            "could the number of slots reach the output? Compare every output the two runs give, "
                            "not only some of them.")
    hint = _nearest_mistake(value, [
        (float(np.abs(last(one.memory) - last(eight.memory)).mean()),
         "that looks like a mean; the question asks for the largest absolute difference."),
        (float(np.abs(one.memory - eight.memory).max()),
         "that is over every step; the question asks about the last step's outputs only."),
        (float(np.abs(last(one.memory) - last(four.memory)).max()),
         "that compares one of the runs with the default 4 slots; compare 1 slot with 8."),
        (float(np.abs(last(four.memory) - last(eight.memory)).max()),
         "that compares one of the runs with the default 4 slots; compare 1 slot with 8."),
        (float(np.abs(last(eight.memory) - last(eight.memory_off)).max()),
         "that compares memory on with memory off inside one run; compare each output between the two runs."),
        (float(np.abs(last(one.memory) - last(one.memory_off)).max()),
         "that compares memory on with memory off inside one run; compare each output between the two runs."),
        (float(one.diff_memory[-1]), "that is one run's memory term (on against off, a mean); compare each output "
                                     "between the 1-slot and the 8-slot runs."),
        (float(eight.diff_memory[-1]), "that is one run's memory term (on against off, a mean); compare each output "
                                       "between the 1-slot and the 8-slot runs."),
    ], rel=0.01)
    return Check(False, hint or "run the study with num_slots=1 and with num_slots=8, take the last step of each "
                                "output array, subtract run from run, and take the largest absolute value.")


# --- notebook 06: step by step -------------------------------------------------------------------
def _sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))


@functools.lru_cache(maxsize=None)
def _study3(num_slots: int = 3, seq_len: int = 3):
    """Study 3 at the seed demo's settings, with another slot count or length."""
    return studies.step_by_step(num_slots=num_slots, seq_len=seq_len)


def _nearest_mistake(value, mistakes, rel=0.05):
    """The hint of the typical wrong answer (value, hint) closest to ``value``, if within ``rel``."""
    close = [(abs(value - wrong) / abs(wrong), hint) for wrong, hint in mistakes
             if abs(value - wrong) <= rel * abs(wrong)]
    return min(close)[1] if close else None


def check_decay_prediction(prediction, measurement=None) -> Check:
    """06, exercise 1 (predict, then measure): ||(f - 1) * M_0||, the decay at step 1, with 8 slots
    (slot size 16, the seed demo's other settings). ``prediction`` is reasoned before measuring, from
    the forget bias and the identity start; the check tests ``measurement`` (within 2%), then says how
    far the prediction was. A hint names the slip in the measurement, never the value."""
    numbers = _prediction_and_measurement(
        prediction, measurement, "the norm of the decay (f - 1) * M_0 at step 1",
        predicted="your prediction of the decay's size ||(f - 1) * M_0|| at step 1 with 8 slots "
                  "(reasoned before you measure)",
        measured="the measured decay at step 1 (keep your prediction)")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    run = _study3(num_slots=8)
    f, start = run.forget_gate[0], run.memory[0]                          # step 1's forget gate, M_0: (S, P)
    measured = float(np.linalg.norm((f - 1) * start))
    write = float(np.linalg.norm(run.memory[1] - f * start))             # M_1 = write + f * M_0
    keep, S = _sigmoid(1.0), start.shape[0]
    reasoned = (1 - keep) * np.sqrt(S)
    if abs(value - measured) <= 0.02 * measured:
        return Check(True, f"measured {measured:.2f}; {_prediction_report(guess, measured, '.2f')}. The reasoning: "
                           f"f sits near sigmoid(1) = {keep:.2f}, so each slot loses 1 - f = {1 - keep:.2f} of "
                           f"itself, and M_0 is {S} orthonormal rows, of norm sqrt({S}): (1 - sigmoid(1)) * "
                           f"sqrt({S}) = {reasoned:.2f}. The write at step 1 is {write:.2f}, {write / measured:.0f} "
                           "times larger: a fresh memory's first change is mostly new content.")
    if value < 0:
        if abs(abs(value) - measured) <= 0.02 * measured:
            return Check(False, "right size, but a norm is never negative: the decay vector points against "
                                "M_0, its size ||(f - 1) * M_0|| is positive.")
        return Check(False, "a norm is never negative: measure the size of the decay, ||(f - 1) * M_0||.")
    if value == 0:
        return Check(False, "the memory does not start at zero: M_0 is the identity start (notebook 00), slot "
                            "s = the unit vector e_s, so (f - 1) * M_0 is not zero.")
    seed_decay = float(np.linalg.norm((_study3().forget_gate[0] - 1) * _study3().memory[0]))     # 3 slots
    hint = _nearest_mistake(value, [
        (float(np.linalg.norm(f * start)), "that is what step 1 keeps, f * M_0; the decay is what it removes, "
                                           "(f - 1) * M_0."),
        (keep * np.sqrt(S), "that is what step 1 keeps, f * M_0; the decay is what it removes, (f - 1) * M_0."),
        (reasoned, "that is the estimate from the bias alone; measure the decay from the run's own gates."),
        (float(np.linalg.norm(start)), "that is the norm of M_0 itself; the decay is the part the forget gate "
                                       "removes, 1 - f of it."),
        (seed_decay, "that is the decay with the seed demo's 3 slots (section 2); the run asked for has 8."),
        (write, "that is the write, i * tanh(M_att), what enters; the decay is (f - 1) * M_0."),
        (float(np.linalg.norm((run.forget_gate[1] - 1) * run.memory[1])), "that is step 2's decay; step 1's "
                                                                           "uses forget_gate[0] and memory[0]."),
    ], rel=0.02)
    return Check(False, hint or "the decay is (f - 1) * M_0 at step 1: forget_gate[0] and memory[0] of the 8-slot "
                                "run, multiplied unit by unit, then the norm of the whole (S, P) array.")


def check_input_share_over_sequence(answer) -> Check:
    """06, exercise 2: over the 10 steps of ``studies.step_by_step(seq_len=10)`` (the seed demo's hybrid,
    untrained), the mean attention the slots give the input row, as a multiple of the uniform share
    1/(S+1). Passes within 3% of the measured multiple; hints name the typical slip, never the value."""
    if answer is None:
        return _missing("one number: the slots' mean attention to the input row over 10 steps, / (1/(S+1))")
    value = _number(answer)
    if value is None or value < 0:
        return Check(False, "give one non-negative number: a share of attention divided by the uniform share.")
    run = _study3(seq_len=10)
    S = run.attention.shape[-1] - 1
    slots = run.attention[:, :, :S, S]                                    # (T, heads, S): slot rows, input column
    measured = float(slots.mean() * (S + 1))
    if _close(value, measured, rel=0.03):
        first = float(run.attention[0, :, :S, S].mean() * (S + 1))
        return Check(True, f"{measured:.2f} times the uniform share (step 1: {first:.2f}). The untrained hybrid "
                           "hands h_t to its slots less and less as its memory grows: the slots read each other "
                           "more and the one fresh row less than a uniform reader would. Compare the trained "
                           "RMC of section 3, whose slots learnt to read the input row.")
    short = _study3().attention
    slips = [
        (float(slots.mean()), "that is the share itself; divide it by the uniform share 1/(S+1), with S = 3."),
        (float(run.attention[:, :, :, S].mean() * (S + 1)), "that counts the input row's own query (the last "
                                                            "row), which is dropped; average over the slot rows only."),
        (float(short[:, :, :S, S].mean() * (S + 1)), "that is the seed demo's 3 steps; the question asks about 10."),
        (float(run.attention[:, :, S, :S].mean() * (S + 1)), "that is what the input row reads from the slots "
                                                             "(the last row); take the last column of the slot rows."),
        (float(run.attention[:, :, :S, :S].mean() * (S + 1)), "that is what the slots read from the slots; take "
                                                              "the last column, the input row."),
        (float(slots.mean() * S), "the uniform share is 1/(S+1): S slots and the input row."),
    ]
    hint = _nearest_mistake(value, slips, rel=0.03)
    return Check(False, hint or "run.attention is (T, heads, S+1, S+1), rows reading, columns read: take the slot "
                                "rows and the input row's column, average, and divide by 1/(S+1).")


def check_retention_prediction(prediction, measurement=None) -> Check:
    """06, exercise 3 (predict, then measure): the share of the start M_0 left after 10 steps of the
    seed demo's hybrid, the mean over slots and units of prod_t f_t. ``prediction`` is reasoned from
    the forget bias before measuring; the check tests ``measurement`` (within 2%), then says how far
    the prediction was. A hint names the slip in the measurement, never the value."""
    numbers = _prediction_and_measurement(
        prediction, measurement, "the part of M_0 that is still there", predict_range=(0, 1),
        predicted="your prediction of the share of M_0 left after 10 steps (the mean of prod_t f_t), "
                  "reasoned before you measure",
        measured="the measured share (keep your prediction)")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    if not 0 <= value <= 1:
        return Check(False, "a share is a number between 0 and 1: the part of M_0 that is still there.")
    gates = _study3(seq_len=10).forget_gate                              # (T, S, P)
    measured = float(np.prod(gates, axis=0).mean())
    keep = _sigmoid(1.0)
    reasoned = keep ** 10
    of_means = float(np.prod(gates.mean(axis=(1, 2))))
    if abs(value - measured) <= 0.02 * measured:
        why = (f" The measured share is a little larger than the bias alone gives because the units differ: "
               f"the mean of their products beats the product of the mean gates ({of_means:.3f}), since a unit "
               "that keeps more counts for more (one at f = 0.85 keeps 0.85^10 = 20%)."
               if measured > max(reasoned, of_means) else "")
        return Check(True, f"measured {measured:.3f}; {_prediction_report(guess, measured, '.3f')}. Each step keeps "
                           f"f ~ sigmoid(1) = {keep:.2f} of what is left, so after 10 steps about {keep:.2f}^10 = "
                           f"{reasoned:.3f}: the untrained memory forgets its start within a few steps (half of it "
                           f"after {np.log(0.5) / np.log(keep):.1f} steps), and a write k steps back counts about "
                           f"{keep:.2f}^k, so the memory holds mostly its last few writes." + why)
    if value == 0:
        return Check(False, "not quite nothing: every f is above zero, so their product is too. Multiply the "
                            "run's gates over the 10 steps, then average.")
    hint = _nearest_mistake(value, [
        (float(gates.mean()), "that is the mean gate of one step; multiply the 10 steps' gates, unit by unit."),
        (of_means, "that multiplies the mean gates; the question is the mean, over slots and units, of each "
                   "unit's own product over the steps."),
        (reasoned, "that is the estimate from the bias alone; measure it from the run's own gates."),
        (1 - measured, "that is the share that is gone; the question asks what is left."),
        (float(np.prod(1 - gates, axis=0).mean()), "1 - f is what a step removes; what it keeps is f."),
        (float(np.prod(_study3().forget_gate, axis=0).mean()), "that is after the seed demo's 3 steps; the question "
                                                               "asks about 10."),
    ], rel=0.02)
    return Check(False, hint or "each step multiplies what is left of M_0 by f (per unit): take the product of "
                                "run10.forget_gate over its first axis (the steps), then the mean.")


# --- notebook 07: memory capacity ----------------------------------------------------------------
ATTENTION_COUNT_CASES = ((1, 1), (1, 2), (8, 2), (3, 4), (16, 1), (100, 8))   # (num_slots, num_heads)


def attention_count_reference(num_slots: int, num_heads: int) -> int:
    """The attention weights one step of the memory computes for one example: every head weighs every
    pair (a row that reads, a row that is read) of the S slots and the input row."""
    return num_heads * (num_slots + 1) ** 2


def check_attention_count(fn) -> Check:
    """07, exercise 1: ``fn(num_slots, num_heads)`` -> the number of attention weights one step computes
    for one example, A (S + 1)^2. Checked on ``ATTENTION_COUNT_CASES``; a wrong formula is told which
    part of the count it misses (the input row reading, being read, the heads, pairs), never the count."""
    if fn is None:
        return _missing("your function attention_count(num_slots, num_heads)")
    if not callable(fn):
        return Check(False, f"give a function of (num_slots, num_heads), got {type(fn).__name__}: the check "
                            "tries it on slot and head counts no notebook builds.")
    got = []
    for S, A in ATTENTION_COUNT_CASES:
        try:
            value = _number(fn(S, A))
        except Exception as error:              # the learner's function failed: say how, never raise
            return Check(False, f"your function raised {type(error).__name__} for num_slots={S}, num_heads={A}: "
                                f"{error}")
        if value is None:
            return Check(False, f"your function should return one number; for num_slots={S}, num_heads={A} "
                                "it did not.")
        got.append(value)
    got = np.array(got)
    S, A = (np.array(v, dtype=float) for v in zip(*ATTENTION_COUNT_CASES))
    if np.array_equal(got, A * (S + 1) ** 2):
        return Check(True, "A (S + 1)^2: every head weighs every pair of the S + 1 rows. With 2 heads, 8 slots "
                           "compute 162 weights a step against 8 with one slot: 20 times the work for 8 times "
                           "the state, and not one more weight. Slots cost compute, quadratically.")
    mistakes = {"the input row takes part in attention as a reader and as a row that is read; it is dropped "
                "only after attention": (A * S ** 2,),
                "the input row is read, and it reads too: attention runs over all S + 1 rows, each of them "
                "asking its own query": (A * S * (S + 1),),
                "each head computes its own weights": ((S + 1) ** 2, S ** 2, S * (S + 1)),
                "every row reads every row (itself included), not one row": (A * (S + 1), A * S, S + 1),
                "count weights, one for each (reading row, read row) pair and head - not the numbers the "
                "values carry": (A * (S + 1) ** 2 * 64 / A, A * (S + 1) ** 2 * 64, (S + 1) ** 2 * 64)}
    for hint, forms in mistakes.items():
        if any(np.array_equal(got, form) for form in forms):
            return Check(False, hint + ".")
    return Check(False, "count for one head first: how many rows take part in attention, how many rows each "
                        "of them reads; then the heads. Section 1's formulas say which rows take part.")


def _prediction_report(prediction: float, measured: float, scale: str) -> str:
    """How far a prediction landed from the measurement, told only once both are in."""
    off = prediction - measured
    return f"your prediction {prediction:{scale}} was {abs(off):{scale.lstrip('+')}} {'above' if off > 0 else 'below'} it"


def check_input_attention_16_slots(prediction, measurement=None) -> Check:
    """07, exercise 2 (predict, then measure): the attention a slot of the seed demo's hybrid (untrained,
    section 2's model) pays to the input row with 16 slots. ``prediction`` is written before measuring,
    from section 2's table; the check tests ``measurement``, then says how far the prediction was and
    how the measurement compares with the uniform 1/(S+1). A hint never gives the value."""
    numbers = _prediction_and_measurement(
        prediction, measurement, "an attention weight", predict_range=(0, 1), measure_range=(0, 1),
        predicted="your prediction (one number, written before you measure)",
        measured="the measured attention to the input row with 16 slots (keep your prediction)")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    expected = float(studies.memory_capacity(slot_counts=(16,)).input_attention[0])
    uniform = 1 / 17
    if abs(value - expected) < 0.0006:
        ratio = expected / uniform
        if ratio < 1.05:
            reading = ("at 16 slots a slot reads the input row about as much as any one other row: its share "
                       "is close to the uniform 1/(S+1)")
        else:
            reading = (f"a slot still reads the input row {ratio:.2f} times as much as a uniform reader would, "
                       "but its share shrinks as rows are added")
        return Check(True, f"measured {expected:.3f}, {ratio:.2f} times the uniform 1/17 = {uniform:.3f}; "
                           f"{_prediction_report(guess, expected, '.3f')}. Untrained, {reading}.")
    if abs(value - uniform) < 0.0003:
        return Check(False, "that is 1/(S+1), a prediction; measure it with studies.memory_capacity.")
    if abs(value - float(studies.memory_capacity(model="rmc", slot_counts=(16,)).input_attention[0])) < 0.0006:
        return Check(False, "that is the paper's RMC; your prediction came from section 2, the seed demo's hybrid "
                            "(the study's default model): measure that one.")
    return Check(False, "run studies.memory_capacity with 16 slots and section 2's model, and read its "
                        "input_attention.")


def check_more_slots_on_long_sequences(prediction, measurement=None) -> Check:
    """07, exercise 3 (predict, then measure): accuracy of the trained 8-slot RMC minus the 1-slot
    RMC's on the 25-step sequences; the check tests ``measurement``, then reports the prediction."""
    numbers = _prediction_and_measurement(
        prediction, measurement, "a difference of two accuracies", predict_range=(-1, 1), measure_range=(-1, 1),
        predicted="your prediction (8 slots minus 1 slot, one number, written before you measure)",
        measured="the measured accuracy with 8 slots minus that with 1 slot, on 25 steps")
    if isinstance(numbers, Check):
        return numbers
    guess, value = numbers
    X, y = seed_models.evaluation_set()[-1]
    score = lambda S: float((seed_models.trained_model(pretrained.rmc_name(S)).predict(X) == y).mean())
    eight, one = score(8), score(1)
    expected = eight - one
    if abs(value - expected) < 0.005:
        verdict = "no better" if expected <= 0 else "a little better"
        return Check(True, f"measured {expected:+.2f}: with 8 slots the RMC is {verdict} on the longest sequences "
                           f"({eight:.2f} against {one:.2f}); {_prediction_report(guess, expected, '+.2f')}. "
                           "Naming one of nine patterns does not fill one slot of 64 numbers.")
    if abs(value + expected) < 0.005:
        return Check(False, "right size, wrong sign: take 8 slots minus 1 slot.")
    return Check(False, "score both trained models on seed_models.evaluation_set()[-1] and subtract.")


EXERCISES = {
    "04_memory_evolution": [check_plateau_prediction, check_blind_statistics, check_pattern_against_amplitude,
                            check_first_step_similarity_above],
    "05_with_and_without_memory": [check_readout_difference, check_memory_off_share,
                                   check_what_more_slots_change],
    "06_step_by_step": [check_decay_prediction, check_input_share_over_sequence, check_retention_prediction],
    "07_memory_capacity": [check_attention_count, check_input_attention_16_slots, check_more_slots_on_long_sequences],
}
"""Notebook name -> its checks, in exercise order."""
