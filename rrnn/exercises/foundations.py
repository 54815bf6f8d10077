"""Checks for the exercises of notebooks 01-03 (attention, the LSTM, one RMC step and its layer norm's
backward pass, checked against finite differences with ``rrnn.gradcheck``).

Every ``check_...`` takes the learner's answer (a number, a shape, a letter or a function) and
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
        return _wrong("16 is the variance of the scaled logit; the question asks for its standard deviation")
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
        problems.append("the output keeps (B, N) and concatenates the heads: A * V features per item")
    if weights != (2, 4, 5, 5):
        problems.append("the weights have one (N, N) map per head and per batch row: (B, A, N, N)")
    if problems:
        return _wrong("; ".join(problems))
    return _right("output (B, N, A*V) = (2, 5, 32); weights (B, A, N, N) = (2, 4, 5, 5).")


def check_permutation(answer) -> Check:
    """Exercise 01.4: shuffle the items; the output rows are shuffled the same way: (b)."""
    if answer is None:
        return _missing('"a", "b" or "c"')
    choice = str(answer).strip().lower().strip("()")
    if choice == "b":
        return _right("every item is treated by the same weights and attends to the set of all items, with "
                      "no notion of position: shuffle the items and the outputs are shuffled the same way "
                      "(self-attention is permutation-equivariant). The RMC's slots have no order either.")
    if choice == "a":
        return _wrong("row i of the output belongs to the item in row i: try it with x[:, order] and compare "
                      "the outputs")
    if choice == "c":
        return _wrong("each item still sees the same set of items, only listed in another order: does the "
                      "softmax-weighted sum depend on the order of its terms?")
    return _wrong(f'answer "a", "b" or "c", got {answer!r}')


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
        left = f ** value
        return _wrong(f"after {value:g} steps {100 * left:.2f}% is left, which is "
                      f"{'still at least' if left >= 0.01 else 'below'} 1%"
                      + ("" if left >= 0.01 else ": is it the first such step?"))
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


def check_lstm_param_count(fn) -> Check:
    """Exercise 02.3: ``fn(D, H)`` -> the number of parameters of an rrnn.LSTM without read-out."""
    if fn is None:
        return _missing("your function lstm_param_count")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    from ..lstm import LSTM
    for D, H in ((1, 1), (3, 5), (32, 64), (7, 2)):
        want = sum(p.size for p in LSTM(D, H, rng=0).params.values())
        got, error = _call(fn, D, H)
        if error is not None:
            return error
        if _number(got) != want:
            return _wrong(f"for D = {D}, H = {H}: expected {want}, got {got!r}. Count Wx (D, 4H), Wh (H, 4H) "
                          "and b (4H,)")
    return _right("4H (D + H + 1): four gates, each with input weights, recurrent weights and a bias.")


# --- notebook 03: one RMC step ---------------------------------------------------------------------------
def check_rmc_attention_shape(answer) -> Check:
    """Exercise 03.1: the shape of ``cache.attention[0]`` for B = 2, S = 4 slots, A = 2 heads: (2, 2, 5, 5)."""
    if answer is None:
        return _missing("a shape, e.g. (1, 2, 3)")
    shape = _shape(answer)
    if shape is None:
        return _wrong("write the shape as a tuple of ints")
    if shape == (2, 2, 5, 5):
        return _right("(B, A, S+1, S+1): every head has a map over the 4 slots and the input row.")
    if shape == (2, 2, 4, 4):
        return _wrong("the input row attends and is attended to as well: S + 1 rows")
    if shape == (2, 2, 4, 5):
        return _wrong("all S + 1 rows are queries (the input row's query is dropped only later)")
    return _wrong("one (rows x rows) map per batch row and per head: (B, A, ?, ?)")


def check_slot_param_change(answer) -> Check:
    """Exercise 03.2: how many parameters a core gains going from 4 to 8 slots: 0."""
    if answer is None:
        return _missing("a number")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    if value == 0:
        return _right("none: every weight acts row by row and is shared by all slots. Slots differ only in "
                      "what they hold, which is why the memory starts as the identity.")
    return _wrong("look at the parameter shapes in help(rrnn.RelationalMemory): does any of them contain S? "
                  "Check with sum(p.size for p in core.params.values()) for two cores.")


def rmc_param_count_reference(input_size: int, head_size: int, num_heads: int) -> int:
    """Parameters of ``rrnn.RelationalMemory(input_size, S, head_size, num_heads)`` with the defaults
    (1 block, 2 MLP layers, key size = head size, unit gates), for any S."""
    D, M = input_size, head_size * num_heads
    F = num_heads * 3 * head_size
    return (D * M + M) + (M * F + F) + 2 * F + 4 * M + 2 * (M * M + M) + 2 * (M * 2 * M + 2 * M)


def check_rmc_param_count(fn) -> Check:
    """Exercise 03.3: ``fn(input_size, head_size, num_heads)`` -> the parameter count of the default core."""
    if fn is None:
        return _missing("your function rmc_param_count")
    if not callable(fn):
        return _wrong(f"expected a function, got {type(fn).__name__}")
    from ..rmc import RelationalMemory
    for D, h, A in ((4, 8, 2), (1, 1, 1), (16, 4, 3), (40, 32, 8)):
        want = sum(p.size for p in RelationalMemory(D, 2, h, A, rng=0).params.values())
        got, error = _call(fn, D, h, A)
        if error is not None:
            return error
        if _number(got) != want:
            return _wrong(f"for input_size {D}, head_size {h}, num_heads {A}: expected {want}, got {got!r}. "
                          "List the shapes of core.params and add them up piece by piece")
    return _right("input projection, q/k/v projection and its layer norm, two layer norms, the MLP and the "
                  "gates, and no term in S.")


def check_weights_that_matter(answer) -> Check:
    """Exercise 03.4: with one block and S = 4 slots, how many of a head's (S+1)^2 = 25 attention
    weights can change the new memory: S (S + 1) = 20 (the input row's own query row is dropped)."""
    if answer is None:
        return _missing("a number")
    value = _number(answer)
    if value is None:
        return _wrong(f"expected a number, got {answer!r}")
    if value == 20:
        return _right("20 = S (S + 1): the 4 slot rows, each over all 5 columns. The input row's own row of "
                      "weights only shapes the input row, which is dropped after the MLP; the gates read "
                      "x_proj from before attention.")
    if value == 25:
        return _wrong("one row of the map is the query of a row that is dropped after the MLP: does it "
                      "reach M_t?")
    if value == 16:
        return _wrong("the slots' queries read the input row too: the last column counts")
    return _wrong("count the rows of the map whose output is kept, times the columns each of them reads")


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
                                  check_permutation],
    "02_lstm_baseline": [check_steps_to_one_percent, check_forget_bias, check_lstm_param_count],
    "03_rmc_step_by_step": [check_rmc_attention_shape, check_slot_param_change, check_rmc_param_count,
                            check_weights_that_matter, check_layer_norm_backward],
}
"""Notebook name -> its checks, in exercise order."""
