"""Checks for the exercises of notebooks 01-03 (attention, the LSTM, one RMC step and its layer norm's
backward pass, checked against finite differences with ``rrnn.gradcheck``).

Every ``check_...`` takes the learner's answer (a number, a shape or a function) and
returns a ``Check`` (the course's result type, from ``rrnn.exercises``) that shows
as one line: "✔ Correct: ...", "✘ Not yet: <a hint>" or "… Not answered yet: ..." while the
answer is still ``None``. Nothing is printed, and a wrong answer (or a learner's function that
fails) never raises. Functions are tested on a few fixed cases against ``rrnn``.

    from rrnn.exercises.foundations import check_scaled_logit_std
    check_scaled_logit_std(4)          # notebook 01, exercise 2

``EXERCISES`` maps each notebook to its checks, in exercise order.
"""
from __future__ import annotations

import math

import numpy as np

from ..gradcheck import check_gradients, relative_error
from ..layers import layer_norm_forward
from . import Check, as_number as _number, missing as _missing


def _right(message: str) -> Check:
    return Check(True, message)


def _wrong(message: str) -> Check:
    return Check(False, message)


def _shape(answer):
    """``answer`` as a tuple of ints, or None."""
    try:
        shape = tuple(int(n) for n in answer)
    except (TypeError, ValueError):
        return None
    return shape if all(n >= 0 for n in shape) else None


def _call(fn, *args):
    """(value, None) or (None, a Check describing the exception)."""
    try:
        return fn(*args), None
    except Exception as err:  # the learner's code may fail in any way: report it, never raise
        return None, _wrong(f"your function raised {type(err).__name__}: {err}")


class _AskedRrnn(BaseException):
    """Raised inside a parameter-count check when the learner's function builds a model or asks rrnn
    for a count (a BaseException, so that a learner's ``except Exception`` does not swallow it)."""


_COUNTERS = (("_checks", "parameter_budget"), ("lstm", "lstm_parameter_count"), ("models", "lstm_parameter_count"),
             ("models", "parameter_count"), ("rmc", "rmc_parameter_count"), ("hybrid", "rmc_parameter_count"))
"""Where rrnn counts parameters: every model's constructor calls ``_checks.parameter_budget`` before
it allocates anything, and the count helpers answer without a model."""

BUILT_A_MODEL = ("your function builds a model (or asks rrnn for its count) to get the number; the exercise "
                 "asks for a formula. Build a model outside the function to test your formula on, if you like, "
                 "but inside it write the count from the shapes of the arrays")


def _call_without_models(fn, *args):
    """Like ``_call``, with rrnn's parameter counting switched off: a function that builds an rrnn model
    or calls a count helper gets (None, a Check saying so)."""
    import importlib

    def refuse(*_args, **_kwargs):
        raise _AskedRrnn

    patched = []
    try:
        for module_name, name in _COUNTERS:
            module = importlib.import_module(f"rrnn.{module_name}")
            patched.append((module, name, getattr(module, name)))
            setattr(module, name, refuse)
        return _call(fn, *args)
    except _AskedRrnn:
        return None, _wrong(BUILT_A_MODEL)
    finally:
        for module, name, original in reversed(patched):
            setattr(module, name, original)


_TERM_NAMES = {"D*H": "DH", "H*H": "H²", "D*D": "D²", "H": "H", "D": "D", "1": "", "D*P": "DP", "P*P": "P²", "P": "P"}


def _polynomial(terms: dict) -> str:
    """{"H": 4, "H*H": -1} -> "4H - H²", the terms in the order given."""
    text = ""
    for term, coefficient in terms.items():
        if coefficient == 0:
            continue
        name = _TERM_NAMES[term]
        size = abs(coefficient)
        body = (f"{size:g}" if not name else (name if size == 1 else f"{size:g}{name}"))
        text += (" - " if coefficient < 0 else " + ") if text else ("-" if coefficient < 0 else "")
        text += body
    return text


def _fit_difference(cases, differences, features):
    """Integer coefficients c with differences == sum_j c_j feature_j(case), or None when none fit."""
    X = np.array([[feature(*case) for feature in features.values()] for case in cases], dtype=float)
    y = np.array(differences, dtype=float)
    coefficients = np.round(np.linalg.lstsq(X, y, rcond=None)[0])
    if not np.allclose(X @ coefficients, y, rtol=0, atol=0.5):
        return None
    return dict(zip(features, (int(c) for c in coefficients)))


def _count_answers(fn, cases):
    """The learner's counts for ``cases`` as ints, or (None, a Check) when it fails or is not a whole number."""
    counts = []
    for case in cases:
        got, error = _call_without_models(fn, *case)
        if error is not None:
            return None, error
        value = _number(got)
        if value is None:
            return None, _wrong(f"return a whole number (the count), got {type(got).__name__}")
        if value != int(value):
            return None, _wrong("your function returns a number that is not whole: a count of parameters is whole")
        counts.append(int(value))
    return counts, None


# --- notebook 01: attention ------------------------------------------------------------------------------
def causal_attention_reference(q, k, v):
    """softmax(q k^T / sqrt(K) with keys after the query masked out) v, for Nq = Nk = N.

    q, k: (..., N, K); v: (..., N, V). Returns out (..., N, V) and weights (..., N, N), lower
    triangular, rows summing to 1.
    """
    N = q.shape[-2]
    logits = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    logits = np.where(np.tril(np.ones((N, N), dtype=bool)), logits, -np.inf)   # query i sees keys j <= i
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return weights @ v, weights


def check_causal_attention(fn) -> Check:
    """Exercise 01.1: ``fn(q, k, v) -> (out, weights)`` where query i may only read keys j <= i."""
    if fn is None:
        return _missing("your function causal_attention")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    rng = np.random.default_rng(2018)
    for shape in ((5, 4, 3), (2, 6, 8, 2)):
        *batch, N, K, V = shape
        q, k = rng.standard_normal((*batch, N, K)), rng.standard_normal((*batch, N, K))
        v = rng.standard_normal((*batch, N, V))
        got, error = _call(fn, q, k, v)
        if error is not None:
            return error
        if not (isinstance(got, tuple) and len(got) == 2):
            return _wrong("return two things, like attention: (out, weights)")
        out, weights = (np.asarray(a, dtype=float) for a in got)
        want_out, want_weights = causal_attention_reference(q, k, v)
        if weights.shape != want_weights.shape or out.shape != want_out.shape:
            return _wrong(f"for q, k {q.shape} and v {v.shape} expected out {want_out.shape} and weights "
                          f"{want_weights.shape}, got {out.shape} and {weights.shape}")
        if not np.allclose(np.triu(weights, 1), 0.0):
            return _wrong("query i still reads keys j > i: set those logits to -inf before the softmax "
                          "(np.triu / np.tril help build the mask)")
        if not np.allclose(weights.sum(-1), 1.0):
            return _wrong("each row of the weights should still sum to 1 over the keys it may read")
        if not (np.allclose(weights, want_weights) and np.allclose(out, want_out)):
            return _wrong("the mask is right but the numbers differ: keep the 1/sqrt(K) scale and a softmax "
                          "over the last axis")
    return _right("query i reads only items 0..i; the first item can only read itself (weight 1).")


def check_scaled_logit_std(answer) -> Check:
    """Exercise 01.2: q, k entries independent with variance 4, K = 16: the std of q.k / sqrt(K) is 4."""
    if answer is None:
        return _missing("a number")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    if abs(value - 4.0) < 0.15:
        return _right("each product q_m k_m has variance 4 * 4 = 16; 16 of them give 256, and dividing by "
                      "sqrt(16) = 4 leaves variance 16, standard deviation 4. The 1/sqrt(K) scale undoes the "
                      "width, not the size of the entries: that is one reason Sonnet layer-normalises q and k.")
    if abs(value - 16.0) < 0.5:
        return _wrong("is your number a variance or a standard deviation? The question asks for the standard "
                      "deviation")
    if abs(value - 1.0) < 0.1 or abs(value - 2.0) < 0.1:
        return _wrong("the product of two independent zero-mean terms has variance var(q) * var(k), "
                      "here 4 * 4")
    return _wrong("variances of independent terms add: find the variance of one product q_m k_m, of the sum "
                  "of K of them, then divide by K (dividing by sqrt(K) divides the variance by K)")


def check_multihead_shapes(answer) -> Check:
    """Exercise 01.3: B = 2 sets of N = 5 items, A = 4 heads of value size V = 8: the pair
    (output shape, weights shape) = ((2, 5, 32), (2, 4, 5, 5))."""
    if answer is None:
        return _missing("a pair of shapes (output shape, weights shape), e.g. ((2, 3), (4, 5, 6))")
    try:
        output_shape, weights_shape = answer
    except (TypeError, ValueError):
        return _wrong("give two shapes: (output shape, weights shape)")
    out, weights = _shape(output_shape), _shape(weights_shape)
    if out is None or weights is None:
        return _wrong("write each shape as a tuple of ints")
    problems = []
    if out != (2, 5, 32):
        problems.append("output: which axes of the input does attention keep, and on which axis are the heads' "
                        "outputs put side by side (so how long does that axis get)?" if len(out) != 3 else
                        "output: each head gives V numbers per item; the heads' outputs are concatenated on one "
                        "axis: which one, and how long does it get with all A heads?")
    if weights != (2, 4, 5, 5):
        problems.append("weights: one weight for every pair of a query item and a key item, in each head "
                        "separately and in each set separately: which axes does that take?")
    if problems:
        return _wrong("; ".join(problems))
    return _right("output (B, N, A*V) = (2, 5, 32); weights (B, A, N, N) = (2, 4, 5, 5).")


EQUIVARIANCE_ORDER = (2, 0, 4, 1, 5, 3)   # not its own inverse: it tells x[:, order] from the inverse shuffle


def _equivariance_cases():
    """(name, f, equivariant?) for exercise 01.4: functions from items (B, N, P) to outputs (B, N, .)."""
    from ..attention import multihead_attention_forward
    rng = np.random.default_rng(2018)
    P, A, K = 8, 2, 4
    F = A * 3 * K
    params = {"qkv.W": rng.standard_normal((P, F)) / np.sqrt(P), "qkv.b": np.zeros(F),
              "qkv_ln.gamma": np.ones(F), "qkv_ln.beta": np.zeros(F)}
    W = rng.standard_normal((P, P)) / np.sqrt(P)
    positions = rng.standard_normal((len(EQUIVARIANCE_ORDER), P))

    def attend(x):
        return multihead_attention_forward(x, params, num_heads=A, key_size=K)[0]

    def causal(x):
        q = k = v = np.tanh(x @ W)
        return causal_attention_reference(q, k, v)[0]

    return [("multi-head self-attention", attend, True),
            ("a row-wise layer plus the mean of all items", lambda x: np.tanh(x @ W) + x.mean(1, keepdims=True), True),
            ("causal attention (exercise 1)", causal, False),
            ("self-attention after adding each position's vector", lambda x: attend(x + positions), False)]


def check_equivariance_gap(fn) -> Check:
    """Exercise 01.4: ``fn(f, x, order)`` -> one number, how far ``f`` is from permutation equivariance
    for this shuffle: the size of f(x[:, order]) - f(x)[:, order] (any norm, max or mean of it). The
    check runs it on equivariant functions (gap 0 expected) and on functions that depend on position
    (gap clearly above 0), with a shuffle that is not its own inverse."""
    if fn is None:
        return _missing("your function equivariance_gap")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    x = np.random.default_rng(1806).standard_normal((2, len(EQUIVARIANCE_ORDER), 8))
    order = np.array(EQUIVARIANCE_ORDER)
    for name, f, equivariant in _equivariance_cases():
        got, error = _call(fn, f, x.copy(), order.copy())
        if error is not None:
            return _wrong(error.message + ". The items are axis 1 of x, which is (B, N, P)")
        if isinstance(got, (bool, np.bool_)):
            return _wrong("return the size of the difference (a number), not a verdict: 0 for an equivariant "
                          "function, clearly above 0 for one that is not")
        try:
            size = np.size(got)
        except Exception:                  # a ragged list, say: not one number either
            size = 0
        gap = _number(np.asarray(got).item()) if size == 1 else None
        if gap is None:
            return _wrong("return one number, the size of the difference: reduce the array of differences to its "
                          "largest absolute entry, or a norm" if size > 1 else
                          f"return one number, the size of the difference, got {type(got).__name__}")
        if gap < 0:
            return _wrong("a size is never negative: take absolute values (or a norm) of the difference")
        scale = float(np.abs(f(x)).max())
        if equivariant and gap > 1e-8 * max(scale, 1.0):
            return _wrong(f"for {name}, which treats every item alike and so is equivariant, your gap is not 0. "
                          "Compare each output row with the output row of the same item: after the shuffle, row i "
                          "holds item order[i]. (This shuffle is not its own inverse, so shuffling one side the "
                          "opposite way shows up.)")
        if not equivariant and gap < 1e-6 * max(scale, 1.0):
            return _wrong(f"your gap is 0 also for {name}, whose output depends on where an item sits: make your "
                          "function run f on the shuffled items and compare with f's output on the unshuffled ones")
    return _right("your gap is 0 for self-attention and a row-wise layer, and clearly not for causal attention or "
                  "for attention after adding positions: shuffle the items and self-attention's outputs are "
                  "shuffled the same way (it is permutation-equivariant), because every item meets the same "
                  "weights and a softmax-weighted sum does not care about the order of its terms. The RMC's "
                  "slots have no order either; a causal mask or position vectors are what give items one.")


# --- notebook 02: the LSTM ---------------------------------------------------------------------------------
def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def check_steps_to_one_percent(answer) -> Check:
    """Exercise 02.1: with f = sigmoid(1) in every unit and nothing written, the first number of steps
    after which less than 1% of c is left: 15 (0.731^14 = 1.2%, 0.731^15 = 0.9%)."""
    if answer is None:
        return _missing("a whole number of steps")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    f = _sigmoid(1.0)
    want = math.ceil(math.log(0.01) / math.log(f))
    if value == want:
        return _right(f"{want} steps: {f:.3f}^{want - 1} = {f ** (want - 1):.4f} is still above 1%, "
                      f"{f:.3f}^{want} = {f ** want:.4f} is below. Solve f^n < 0.01: n > log(0.01) / log(f).")
    if value == int(value) and value > 0:
        return _wrong("solve f^n < 0.01 for n rather than trying numbers: take logarithms (log f is negative, so "
                      "the inequality turns round), then take the first whole step that satisfies it")
    return _wrong("c is multiplied by f once per step, so n steps leave f^n of it; find the smallest whole n "
                  "with f^n < 0.01")


def check_forget_bias(answer) -> Check:
    """Exercise 02.2: the forget bias b with sigmoid(b) ** 10 = 0.9 (nothing else moving f): about 4.55."""
    if answer is None:
        return _missing("a number")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    want = math.log(0.9 ** 0.1 / (1 - 0.9 ** 0.1))
    kept = _sigmoid(value) ** 10
    if abs(kept - 0.9) < 0.005:
        return _right(f"b = {want:.2f}: f = sigmoid(b) = {_sigmoid(want):.4f}, and f^10 = 0.90. Try it on the "
                      "dashboard's forget-bias slider.")
    return _wrong(f"with b = {value:g}, f = {_sigmoid(value):.4f} and f^10 = {kept:.3f}, not 0.90. Solve "
                  "f^10 = 0.9 for f first, then invert the sigmoid: b = log(f / (1 - f))")


LSTM_COUNT_CASES = ((1, 1), (3, 5), (32, 64), (7, 2), (2, 9), (10, 3), (4000, 3000))
"""(D, H) for exercise 02.3; the last is far beyond what rrnn builds (MAX_PARAMETERS)."""

_LSTM_TERMS = {"D*H": lambda D, H: D * H, "H*H": lambda D, H: H * H, "H": lambda D, H: H,
               "D*D": lambda D, H: D * D, "D": lambda D, H: D, "1": lambda D, H: 1}
_LSTM_QUESTIONS = {
    "D*H": "Which array connects the D input features to the gates, and how many gates read the input?",
    "H*H": "Which array connects h_{t-1} to the gates, and how many gates read it?",
    "H": "Which array has one entry per gate unit?",
    "D*D": "No array of the LSTM is D by D: the recurrent weights act on h_{t-1}, which has H entries.",
    "D": "No array of the LSTM has a size in D alone: every one is as wide as the gates.",
    "1": "No array of the LSTM has a fixed size: every one grows with H.",
}


def lstm_param_count_reference(D: int, H: int) -> int:
    """Wx (D, 4H) + Wh (H, 4H) + b (4H,): the parameters of ``rrnn.LSTM(D, H)`` without read-out."""
    return 4 * H * (D + H + 1)


def _count_hint(cases, counts, reference, terms, questions, unknown: str, names: str,
                quarter: str | None = None) -> Check:
    """A hint for a wrong count: how far off it is, as a polynomial in the sizes, with a question per
    term (``quarter``: the hint for a count that is exactly a quarter of the right one)."""
    differences = [reference(*case) - got for case, got in zip(cases, counts)]
    if quarter and all(got * 4 == reference(*case) for case, got in zip(cases, counts)):
        return _wrong(quarter)
    fitted = _fit_difference(cases, differences, terms)
    if fitted is None:
        return _wrong(unknown)
    off = {term: c for term, c in fitted.items() if c}
    if len(off) > 1:                                   # several terms: say which kinds, not by how much
        kinds = [_TERM_NAMES[term] or "constant" for term in off]
        kinds = ", ".join(kinds[:-1]) + " and " + kinds[-1]
        said = f"your count is off in its {kinds} terms ({names})."
    elif all(c > 0 for c in off.values()):
        said = f"your count is {_polynomial(off)} short ({names})."
    else:
        said = f"your count is {_polynomial({t: -c for t, c in off.items()})} too large ({names})."
    return _wrong(" ".join([said] + [questions[term] for term in off]))


def check_lstm_param_count(fn) -> Check:
    """Exercise 02.3: ``fn(D, H)`` -> the number of parameters of an rrnn.LSTM without read-out, as a
    formula: 4H(D + H + 1). The check runs ``fn`` with rrnn's parameter counting switched off (a function
    that builds an LSTM, or asks a count helper, is told to write a formula) and on sizes too large to
    build. A wrong formula is told how far off it is, as terms in D and H, and which array to look at."""
    if fn is None:
        return _missing("your function lstm_param_count")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    counts, problem = _count_answers(fn, LSTM_COUNT_CASES)
    if problem is not None:
        return problem
    if all(got == lstm_param_count_reference(*case) for case, got in zip(LSTM_COUNT_CASES, counts)):
        return _right("4H (D + H + 1): four gates, each with input weights, recurrent weights and a bias. "
                      "It holds for any size, also for an LSTM far too large to build.")
    return _count_hint(LSTM_COUNT_CASES, counts, lstm_param_count_reference, _LSTM_TERMS, _LSTM_QUESTIONS,
                       "your count does not grow with D and H the way the arrays' sizes do: each is a product of "
                       "the sizes; add up the sizes of Wx, Wh and b, whose shapes section 1 gives",
                       "D input features, H units",
                       quarter="your count is a quarter of the whole: you counted the arrays of one gate. How many "
                               "gates does the LSTM have, and does each have its own weights and bias?")


# --- notebook 03: one RMC step ---------------------------------------------------------------------------
def attention_weights_per_step(batch_size: int, num_slots: int, num_heads: int, num_blocks: int = 1) -> int:
    """How many attention weights one ``RelationalMemory.step`` computes: B A (S+1)^2 per block."""
    return num_blocks * batch_size * num_heads * (num_slots + 1) ** 2


def check_attention_growth(answer) -> Check:
    """Exercise 03.1: going from S = 4 to S = 8 slots (same B, A, one block), by what factor does the
    number of attention weights one step computes grow: (9 / 5)^2 = 3.24."""
    if answer is None:
        return _missing("a number (the factor)")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    want = attention_weights_per_step(1, 8, 1) / attention_weights_per_step(1, 4, 1)
    if abs(value - want) < 0.01:
        return _right(f"(9 / 5)^2 = {want:.2f}: every one of the S + 1 rows attends to every row, the input row "
                      "included, so the work of a step grows like (S + 1)^2, in every head and batch row alike. "
                      "More slots cost time, but no weights: every weight acts on every row alike.")
    if abs(value - 4.0) < 0.01:
        return _wrong("that counts the slots alone: which rows attend, and which rows are attended to, at a step?")
    if abs(value - 2.0) < 0.01 or abs(value - 1.8) < 0.01:
        return _wrong("that is how the number of rows grows; but every row attends to every row: what does that "
                      "make the number of weights per map?")
    if abs(value * want - 1.0) < 0.01:
        return _wrong("that is the ratio the other way round: the weights with 8 slots over those with 4")
    return _wrong("write the number of weights one step computes as a product of B, A and the map's size, for "
                  "S = 4 and for S = 8; B and A are the same in both, so they cancel in the ratio")


GATE_STYLE_CORE = dict(input_size=4, num_slots=4, head_size=8, num_heads=2)
"""Section 1's core in notebook 03 (D = 4, S = 4, A = 2, K = 8, so P = 16), for exercise 03.2."""


def gate_style_saving(input_size: int, head_size: int, num_heads: int) -> int:
    """Parameters a core saves with gate_style="memory" (one input and one forget gate per slot) instead of
    "unit" (one of each per feature): the gates' two linear maps shrink from P -> 2P to P -> 2, so
    2 (2P^2 + 2P) - 2 (2P + 2) = 4P^2 - 4, whatever the number of slots."""
    from ..rmc import rmc_parameter_count
    P = head_size * num_heads
    return rmc_parameter_count(input_size, P, 3 * P, P) - rmc_parameter_count(input_size, P, 3 * P, 1)


def check_gate_style_saving(answer) -> Check:
    """Exercise 03.2: how many parameters section 1's core (D = 4, S = 4, A = 2, K = 8) saves when its gates
    go from one per unit (gate_style="unit") to one per slot (gate_style="memory"): 4P^2 - 4 = 1020. A
    change of -1020 is accepted too."""
    if answer is None:
        return _missing("a number")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    D, S, K, A = (GATE_STYLE_CORE[k] for k in ("input_size", "num_slots", "head_size", "num_heads"))
    P = A * K
    want = gate_style_saving(D, K, A)
    size = abs(value)
    if size == want:
        return _right(f"{want} = 4P² - 4 for P = {P}: each of the two gate maps (from x̂_t and from tanh(M_(t-1))) "
                      "shrinks from P -> 2P weights plus 2P biases to P -> 2 weights plus 2 biases. The number of "
                      "slots never enters: one gate per slot is still one set of weights, applied to every row.")
    unit_gates = 2 * (P * 2 * P + 2 * P)                              # every parameter of the unit gates
    if size == 0:
        return _wrong("the number of slots stays the same, but something else changes: how wide is the output of "
                      "each gate map in the two styles?")
    if size > want and size % S == 0 and (size // S) in (want, unit_gates, want // 2, unit_gates - 2 * (P + 1)):
        return _wrong("a gate's weights are shared by all slots, like every weight of the core: the number of "
                      "slots enters no parameter's shape")
    if size == want // 2:
        return _wrong("the gates read two things, the projected input and tanh(M_(t-1)), each through its own "
                      "weights and bias: count both maps")
    if size == 2 * (P * 2 * P - P * 2):
        return _wrong("count the biases too: each gate map has one bias per output")
    if size == unit_gates - 2 * (P + 1):
        return _wrong("one gate per slot is still two gates per slot, an input gate and a forget gate")
    if size == unit_gates:
        return _wrong('gate_style="memory" keeps the gates: each slot still has an input gate and a forget gate, '
                      "one number each, so the gate maps still have weights")
    return _wrong("for each style write the shapes of the two gate maps (gate_x and gate_m: weights and bias); a "
                  "map's output has two numbers, input and forget gate, per unit or per slot. The rest of the core "
                  "is the same in both styles")


def rmc_param_count_reference(input_size: int, head_size: int, num_heads: int) -> int:
    """Parameters of ``rrnn.RelationalMemory(input_size, S, head_size, num_heads)`` with the defaults
    (1 block, 2 MLP layers, key size = head size, unit gates), for any S."""
    D, M = input_size, head_size * num_heads
    F = num_heads * 3 * head_size
    return (D * M + M) + (M * F + F) + 2 * F + 4 * M + 2 * (M * M + M) + 2 * (M * 2 * M + 2 * M)


RMC_COUNT_CASES = ((4, 8, 2), (4, 16, 1), (4, 4, 4), (1, 1, 1), (16, 4, 3), (40, 32, 8), (3, 2, 5), (7, 6, 1),
                   (10, 1000, 3))
"""(input_size, head_size, num_heads) for exercise 03.3; the first three share D and P, the last is far
beyond what rrnn builds (MAX_PARAMETERS)."""

_RMC_TERMS = {"D*P": lambda D, h, A: D * h * A, "P*P": lambda D, h, A: (h * A) ** 2, "P": lambda D, h, A: h * A,
              "D": lambda D, h, A: D, "1": lambda D, h, A: 1}
_RMC_QUESTIONS = {
    "D*P": "Which array turns the D input features into a row of width P?",
    "P*P": "Which weight matrices map a row of width P to a multiple of P? The q/k/v projection, the MLP and the "
           "gates each have some.",
    "P": "Which arrays have one entry per output feature? Every linear map has a bias, and every layer norm a gamma "
         "and a beta as wide as what it normalises.",
    "D": "No array of the core has a size in D alone: the input projection is D by P.",
    "1": "No array of the core has a fixed size: every one grows with P.",
}


def check_rmc_param_count(fn) -> Check:
    """Exercise 03.3: ``fn(input_size, head_size, num_heads)`` -> the parameter count of the default core,
    DP + 9P^2 + 20P with P = head_size * num_heads, as a formula: the check runs ``fn`` with rrnn's
    parameter counting switched off and on a core too large to build, and tells a wrong formula how far
    off it is, as terms in D and P, and which arrays to look at."""
    if fn is None:
        return _missing("your function rmc_param_count")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    counts, problem = _count_answers(fn, RMC_COUNT_CASES)
    if problem is not None:
        return problem
    if all(got == rmc_param_count_reference(*case) for case, got in zip(RMC_COUNT_CASES, counts)):
        return _right("input projection, q/k/v projection and its layer norm, two layer norms, the MLP and the "
                      "gates, and no term in S. Only P = head_size * num_heads matters, not how it is split into "
                      "heads, and the count holds for cores far too large to build.")
    if len(set(counts[:3])) > 1:                      # the first three cases share D and P
        return _wrong("your count changes when the same slot width P is split into other heads (8 x 2, 16 x 1, "
                      "4 x 4): every array's shape is made of D, P = head_size * num_heads and multiples of P, "
                      "never of the head size alone")
    return _count_hint(RMC_COUNT_CASES, counts, rmc_param_count_reference, _RMC_TERMS, _RMC_QUESTIONS,
                       "your count does not grow with D and P the way the arrays' sizes do: list the shapes of "
                       "core.params for one core and write each as a product of D and P",
                       "D input features, P = head_size * num_heads")


def weights_that_matter(num_slots: int, num_blocks: int) -> int:
    """Of one head's num_blocks (S+1)^2 attention weights in a step, how many can change M_t: every
    block but the last keeps all S + 1 rows (the input row is read by the next block); the last
    block's input-row query row only shapes the row that is then dropped."""
    S = num_slots
    return (num_blocks - 1) * (S + 1) ** 2 + S * (S + 1)


def check_weights_that_matter(answer) -> Check:
    """Exercise 03.4: a core with S = 4 slots and **two** blocks draws per head two maps, 50 weights;
    how many can change the new memory M_t: 25 + 20 = 45."""
    if answer is None:
        return _missing("a number")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    if value == weights_that_matter(4, 2):
        return _right("45 = 25 + 20. After the first block the input row is still a row: the second block's "
                      "slots read it, so all 25 weights of the first map count, the input row's own query row "
                      "included. Only after the last block is the input row dropped, so there the 5 weights of its "
                      "query row shape nothing that is kept.")
    if value == 2 * weights_that_matter(4, 1):
        return _wrong("the input row is dropped only after the last block: after the first block, is the input "
                      "row's output read again?")
    if value == 50:
        return _wrong("after the last block one row of its map is the query of a row that is then dropped: does "
                      "it reach M_t?")
    if value in (20, 25):
        return _wrong("the question is about both blocks: each draws its own map, 2 x 25 weights per head")
    if value in (90, 100, 2 * 45):
        return _wrong("count per head: one map per block")
    return _wrong("go block by block: which rows of each map are kept, and what reads them afterwards?")


LN_TOLERANCE = 1e-6     # centred differences agree with a right backward to ~1e-9 here; a slip is >1e-3


def _layer_norm_pieces(dy, x, gamma, eps=1e-5):
    """dx_hat = dy * gamma, x_hat, inv_std and the two row means of the backward pass."""
    _, (x_hat, inv_std, _) = layer_norm_forward(x, gamma, np.zeros_like(gamma), eps)
    dx_hat = dy * gamma
    return dx_hat, x_hat, inv_std, dx_hat.mean(-1, keepdims=True), (dx_hat * x_hat).mean(-1, keepdims=True)


def _typical_dx_slips(dy, x, gamma) -> list:
    """(dx a typical slip gives, the hint for it), for the slips a learner is likely to make."""
    dx_hat, x_hat, inv_std, mean, projection = _layer_norm_pieces(dy, x, gamma)
    F = x.shape[-1]
    _, _, _, mean_dy, projection_dy = _layer_norm_pieces(dy, x, np.ones_like(gamma))
    return [
        (inv_std * dx_hat,
         "dx treats the mean and the variance as constants, but both depend on every x in the row: besides "
         "the direct path x -> x_hat there is a path through the mean and one through the variance"),
        (inv_std * (dx_hat - x_hat * projection),
         "dx misses the path through the mean: the mean of a row depends on every x in it, so subtract the "
         "row mean of dx_hat (dx_hat = dy * gamma)"),
        (inv_std * (dx_hat - mean),
         "dx misses the path through the variance: var depends on x too, and its path gives a term "
         "-x_hat * mean(dx_hat * x_hat) over the row"),
        (inv_std * (dy - mean_dy - x_hat * projection_dy),
         "dx forgets gamma: the gradient reaches x_hat through y = gamma * x_hat + beta, so start from "
         "dx_hat = dy * gamma"),
        (dx_hat - mean - x_hat * projection,
         "dx is missing the factor inv_std = 1 / sqrt(var + eps): x_hat = (x - mean) * inv_std, so every "
         "path to x is multiplied by it"),
        (inv_std * (dx_hat - F * mean - x_hat * F * projection),
         "dx uses sums where the forward used means: the mean and the variance average over the F features "
         "of a row, so their terms carry 1 / F"),
    ]


def _finite_difference_errors(fn, x, gamma, beta, dy):
    """({"dx": relative error, ...} from rrnn.gradcheck, the learner's dx, None), or (None, None, a Check)
    when the answer cannot be checked (it raised, or returned the wrong number or shape of arrays)."""
    got, error = _call(fn, dy.copy(), x.copy(), gamma.copy())
    if error is not None:
        return None, None, error
    if not (isinstance(got, (tuple, list)) and len(got) == 3):
        return None, None, _wrong("return three things, in this order: dx, dgamma, dbeta")
    grads = {}
    for name, value, shape, of in (("dx", got[0], x.shape, "x"), ("dgamma", got[1], gamma.shape, "gamma"),
                                   ("dbeta", got[2], gamma.shape, "beta")):
        if value is None:
            return None, None, _wrong(f"{name} is still None: fill it in")
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None, None, _wrong(f"{name} should be an array, got {type(value).__name__}")
        if array.shape != shape:
            hint = (": sum over every axis but the last, so that it has one entry per feature"
                    if name != "dx" else "")
            return None, None, _wrong(f"for x of shape {x.shape}, {name} must have the shape of {of}, {shape}, "
                                      f"got {array.shape}{hint}")
        if not np.isfinite(array).all():
            return None, None, _wrong(f"{name} has NaN or infinite entries")
        grads[of] = array

    def forward(x, gamma, beta):
        return layer_norm_forward(x, gamma, beta)[0], None

    errors = check_gradients(forward, lambda dout, cache: grads, {"x": x.copy(), "gamma": gamma.copy(),
                                                                  "beta": beta.copy()}, upstream=dy)
    return {f"d{name}": error for name, error in errors.items()}, grads["x"], None


def check_layer_norm_backward(fn) -> Check:
    """Exercise 03.5: ``fn(dy, x, gamma) -> (dx, dgamma, dbeta)``, the backward pass of
    y = gamma * (x - mean) / sqrt(var + 1e-5) + beta over the last axis, compared with centred
    finite differences of the forward by ``rrnn.gradcheck.check_gradients``. A wrong answer is
    told which of dx, dgamma, dbeta is off and, for the usual slips, which term is missing."""
    if fn is None:
        return _missing("your function layer_norm_backward")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    rng = np.random.default_rng(2018)
    worst = {"dx": 0.0, "dgamma": 0.0, "dbeta": 0.0}
    for shape in ((4, 6), (2, 3, 5)):
        F = shape[-1]
        x = 2.0 * rng.standard_normal(shape) + 0.5
        gamma, beta = 1.0 + 0.5 * rng.standard_normal(F), rng.standard_normal(F)
        dy = rng.standard_normal(shape)
        errors, dx, problem = _finite_difference_errors(fn, x, gamma, beta, dy)
        if problem is not None:
            return problem
        wrong = [name for name in ("dbeta", "dgamma", "dx") if errors[name] > LN_TOLERANCE]
        measured = ", ".join(f"{name} {errors[name]:.0e}" for name in ("dx", "dgamma", "dbeta"))
        if wrong:
            told = f"for x of shape {shape}, relative errors against finite differences: {measured}. "
            also = f" ({' and '.join(wrong[1:])} off too: fix this one first)" if len(wrong) > 1 else ""
            if wrong[0] == "dbeta":
                return _wrong(told + "dbeta is off: beta is added to every row, so dbeta is dy summed over every "
                                     "axis but the last" + also)
            if wrong[0] == "dgamma":
                return _wrong(told + "dgamma is off: gamma multiplies x_hat in every row, so dgamma is dy * x_hat "
                                     "summed over every axis but the last" + also)
            for slip, hint in _typical_dx_slips(dy, x, gamma):
                if relative_error(dx, slip) < LN_TOLERANCE:
                    return _wrong(told + hint)
            return _wrong(told + "dx is off (dgamma and dbeta are right). Three paths reach x: directly through "
                                 "x_hat, through the mean and through the variance; write dx_hat = dy * gamma, "
                                 "then the derivative of each path, and add them")
        worst = {name: max(worst[name], errors[name]) for name in worst}
    return _right(f"dx, dgamma and dbeta all match centred finite differences (rrnn.gradcheck; worst relative "
                  f"errors dx {worst['dx']:.0e}, dgamma {worst['dgamma']:.0e}, dbeta {worst['dbeta']:.0e}). "
                  "With dx_hat = dy * gamma: dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) "
                  "over each row; the two mean terms are the paths through the mean and the variance. "
                  "rrnn.layers.layer_norm_backward is the same computation.")


EXERCISES = {
    "01_attention_from_scratch": [check_causal_attention, check_scaled_logit_std, check_multihead_shapes,
                                  check_equivariance_gap],
    "02_lstm_baseline": [check_steps_to_one_percent, check_forget_bias, check_lstm_param_count],
    "03_rmc_step_by_step": [check_attention_growth, check_gate_style_saving, check_rmc_param_count,
                            check_weights_that_matter, check_layer_norm_backward],
}
"""Notebook name -> its checks, in exercise order."""
