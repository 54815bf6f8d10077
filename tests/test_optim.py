"""Optimisers match hand-computed updates, minimise a quadratic, keep dtypes; clipping."""
import math

import numpy as np
import pytest

from rrnn.optim import SGD, Adam, clip_grad_norm, global_norm


def make_params(dtype=np.float64):
    return {"W": np.array([[1.0, -2.0], [0.5, 3.0]], dtype), "b": np.array([0.25, -0.75], dtype)}


G1 = {"W": np.array([[0.1, -0.2], [0.3, 0.0]]), "b": np.array([-1.0, 2.0])}
G2 = {"W": np.array([[-0.4, 0.5], [0.05, 1.0]]), "b": np.array([0.5, 0.5])}


def test_sgd_is_p_minus_lr_g():
    params = make_params()
    start = {k: v.copy() for k, v in params.items()}
    SGD(params, lr=0.1).step(G1)
    for k in params:
        np.testing.assert_array_equal(params[k], start[k] - 0.1 * G1[k])


def test_sgd_momentum_two_steps_by_hand():
    params = make_params()
    W0 = params["W"].copy()
    opt = SGD(params, lr=0.1, momentum=0.9)
    opt.step(G1)
    opt.step(G2)
    v1 = G1["W"]
    v2 = 0.9 * v1 + G2["W"]
    np.testing.assert_allclose(params["W"], W0 - 0.1 * v1 - 0.1 * v2, rtol=0, atol=1e-15)


def test_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.8, 0.9, 1e-3
    params = make_params()
    start = params["b"].copy()
    opt = Adam(params, lr=lr, betas=(b1, b2), eps=eps)
    opt.step(G1)
    opt.step(G2)
    for i in range(2):   # element by element, in plain Python floats
        p, m, v = float(start[i]), 0.0, 0.0
        for t, g in ((1, float(G1["b"][i])), (2, float(G2["b"][i]))):
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            p -= lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        assert params["b"][i] == pytest.approx(p, rel=0, abs=1e-14)


def test_adam_first_step_moves_each_weight_by_about_lr():
    """Bias correction makes step 1 exactly lr * g / (|g| + eps): about lr against the gradient."""
    params = make_params()
    start = {k: v.copy() for k, v in params.items()}
    Adam(params, lr=0.01).step(G2)
    moved = (start["b"] - params["b"]) / 0.01
    np.testing.assert_allclose(moved, np.sign(G2["b"]), rtol=1e-6)


@pytest.mark.parametrize("make_optimizer", [
    lambda p: SGD(p, lr=0.1), lambda p: SGD(p, lr=0.05, momentum=0.9), lambda p: Adam(p, lr=0.05)],
    ids=["sgd", "sgd-momentum", "adam"])
def test_optimisers_minimise_a_quadratic(make_optimizer):
    target = {"W": np.array([[3.0, -1.0], [0.0, 2.0]]), "b": np.array([-2.0, 1.0])}
    curvature = {"W": np.array([[1.0, 2.0], [0.5, 1.5]]), "b": np.array([1.0, 3.0])}
    params = make_params()
    opt = make_optimizer(params)
    for _ in range(2000):   # f = sum c/2 (p - target)^2, so grad = c (p - target)
        opt.step({k: curvature[k] * (params[k] - target[k]) for k in params})
    for k in params:
        np.testing.assert_allclose(params[k], target[k], atol=1e-3)


@pytest.mark.parametrize("make_optimizer", [lambda p: SGD(p, lr=0.1, momentum=0.5), lambda p: Adam(p)])
def test_updates_are_in_place_and_keep_float32(make_optimizer):
    params = make_params(np.float32)
    arrays = dict(params)               # the model's own array objects
    opt = make_optimizer(params)
    for _ in range(3):
        opt.step(G1)                    # float64 gradients must not upcast float32 weights
    for k in params:
        assert params[k] is arrays[k]
        assert params[k].dtype == np.float32
    state = [*opt.velocity.values()] if isinstance(opt, SGD) else [*opt.m.values(), *opt.v.values()]
    assert {s.dtype for s in state} == {np.dtype(np.float32)}
    assert not np.array_equal(params["W"], make_params(np.float32)["W"])


def optimiser_state(opt) -> dict:
    """Everything a step may change: parameters, moments or velocity, and Adam's counter."""
    arrays = {"velocity": opt.velocity} if isinstance(opt, SGD) else {"m": opt.m, "v": opt.v}
    state = {f"{kind}.{k}": v.copy() for kind, d in arrays.items() for k, v in d.items()}
    state.update({f"param.{k}": v.copy() for k, v in opt.params.items()})
    state["t"] = getattr(opt, "t", None)
    return state


def assert_same_state(before: dict, after: dict):
    assert before.keys() == after.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


OPTIMISERS = [lambda p: SGD(p, lr=0.1), lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p)]


@pytest.mark.parametrize("make_optimizer", OPTIMISERS)
@pytest.mark.parametrize("grads, error, message", [
    ({"W": G1["W"]}, ValueError, r"grads must have the same keys as params; missing \['b'\], extra \[\]"),
    ({**G1, "c": G1["b"]}, ValueError, r"missing \[\], extra \['c'\]"),
    ({"W": G1["W"], "bias": G1["b"]}, ValueError, r"missing \['b'\], extra \['bias'\]"),
    ({**G1, "b": np.zeros(3)}, ValueError, r"grads\['b'\] must have the shape of params\['b'\] = \(2,\), got \(3,\)"),
    # "b" comes after "W": a step that updated W before looking at b would be half-done
    ({**G1, "b": np.array(["1", "2"])}, TypeError, r"grads\['b'\] must hold real numbers .* got dtype <U1"),
    ({**G1, "b": np.array([None, 1.0], dtype=object)}, TypeError, r"grads\['b'\] must hold real numbers .* object"),
    ({**G1, "b": np.array([1 + 2j, 0])}, TypeError, r"grads\['b'\] must hold real numbers .* complex128"),
    ({**G1, "b": np.array([True, False])}, TypeError, r"grads\['b'\] must hold real numbers .* bool"),
    ({**G1, "b": np.ma.masked_array([1.0, 2.0], mask=[0, 1])}, TypeError, r"grads\['b'\] must be a plain array"),
    ({**G1, "b": np.array([np.nan, 1.0])}, ValueError, r"grads\['b'\] must be finite, but it contains NaN"),
    ({**G1, "b": np.array([1.0, -np.inf])}, ValueError, r"grads\['b'\] must be finite, but it contains inf"),
    ({**G1, "b": [[1.0], [2.0, 3.0]]}, TypeError, r"grads\['b'\] must be an array of real numbers, got list"),
    ([G1["W"], G1["b"]], TypeError, r"grads must be a dict keyed like params, got list"),
])
def test_bad_grads_raise_and_change_nothing(make_optimizer, grads, error, message):
    params = make_params()
    opt = make_optimizer(params)
    opt.step(G2)                         # so the state is not all zeros
    before = optimiser_state(opt)
    with pytest.raises(error, match=message):
        opt.step(grads)
    assert_same_state(before, optimiser_state(opt))


@pytest.mark.parametrize("make_optimizer", OPTIMISERS)
def test_a_gradient_beyond_float32_is_refused_by_a_float32_model(make_optimizer):
    params = make_params(np.float32)
    opt = make_optimizer(params)
    before = optimiser_state(opt)
    with pytest.raises(ValueError, match=r"grads\['b'\] must be finite, but it contains values beyond float32's range"):
        opt.step({**G1, "b": np.array([1e39, 0.0])})
    assert_same_state(before, optimiser_state(opt))


@pytest.mark.parametrize("make_optimizer", [lambda p: SGD(p, lr=1e300), lambda p: SGD(p, lr=1e300, momentum=0.5)])
def test_an_update_that_overflows_is_refused_whole(make_optimizer):
    params = make_params()
    opt = make_optimizer(params)
    before = optimiser_state(opt)
    with pytest.raises(ValueError, match=r"would make params\['W'\] or its optimiser state non-finite"):
        opt.step({"W": np.full((2, 2), 1e10), "b": G1["b"]})
    assert_same_state(before, optimiser_state(opt))


def test_adam_refuses_a_second_moment_that_overflows_and_keeps_its_counter():
    params = make_params(np.float32)
    opt = Adam(params)
    with pytest.raises(ValueError, match="non-finite"):
        opt.step({"W": np.full((2, 2), 1e30, np.float32), "b": np.zeros(2, np.float32)})  # g*g = 1e60 > float32 max
    assert opt.t == 0 and not opt.v["W"].any()


@pytest.mark.parametrize("make_optimizer", OPTIMISERS)
def test_a_read_only_parameter_is_refused_before_anything_changes(make_optimizer):
    params = make_params()
    opt = make_optimizer(params)
    params["b"].flags.writeable = False
    before = optimiser_state(opt)
    with pytest.raises(ValueError, match=r"params\['b'\] is read-only"):
        opt.step(G1)
    assert_same_state(before, optimiser_state(opt))


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("make_optimizer", OPTIMISERS)
def test_integer_and_matrix_gradients_are_numbers_like_any_other(make_optimizer):
    a, b = make_params(), make_params()
    make_optimizer(a).step({"W": np.matrix([[1, -2], [3, 0]]), "b": [1, 2]})
    make_optimizer(b).step({"W": np.array([[1.0, -2.0], [3.0, 0.0]]), "b": np.array([1.0, 2.0])})
    for k in a:
        assert type(a[k]) is np.ndarray
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("build, error, message", [
    (lambda: SGD(make_params(), lr=0), ValueError, r"lr must be > 0, got 0.0"),
    (lambda: SGD(make_params(), lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\), got 1.0"),
    (lambda: Adam(make_params(), lr=-1e-3), ValueError, r"lr must be > 0, got -0.001"),
    (lambda: Adam(make_params(), lr=float("nan")), ValueError, r"lr must be finite, got nan"),
    (lambda: Adam(make_params(), betas=(0.9,)), ValueError, r"betas must be a pair \(beta1, beta2\), got \(0.9,\)"),
    (lambda: Adam(make_params(), betas=(0.9, 1.5)), ValueError, r"betas\[1\] must be in \[0, 1\), got 1.5"),
    (lambda: Adam(make_params(), eps=0), ValueError, r"eps must be > 0, got 0.0"),
    (lambda: Adam({}), TypeError, r"params must be a non-empty dict .* got dict \(empty\)"),
    (lambda: Adam({"W": np.zeros(2, int)}), TypeError, r"params\['W'\] must be a floating-point numpy array .* got int64"),
    (lambda: SGD({"W": [1.0, 2.0]}, lr=0.1), TypeError, r"params\['W'\] must be a floating-point numpy array .* got list"),
])
def test_bad_constructor_arguments(build, error, message):
    with pytest.raises(error, match=message):
        build()


# ---------------------------------------------------------------- clipping
def test_global_norm_is_the_norm_of_everything_concatenated():
    flat = np.concatenate([g.ravel() for g in G1.values()])
    assert global_norm(G1) == pytest.approx(np.linalg.norm(flat), rel=1e-15)


def test_clip_scales_everything_to_max_norm_and_returns_the_norm_before():
    grads = {k: v.copy() for k, v in G1.items()}
    before = global_norm(grads)
    assert before > 1.0
    returned = clip_grad_norm(grads, 1.0)
    assert returned == before
    assert global_norm(grads) == pytest.approx(1.0, rel=1e-12)
    for k in grads:   # same direction: every array shrunk by the same factor
        np.testing.assert_allclose(grads[k], G1[k] / before, rtol=1e-12)


def test_clip_leaves_small_gradients_alone_and_keeps_float32():
    grads = {k: v.astype(np.float32) for k, v in G1.items()}
    original = {k: v.copy() for k, v in grads.items()}
    clip_grad_norm(grads, 100.0)
    for k in grads:
        np.testing.assert_array_equal(grads[k], original[k])
    clip_grad_norm(grads, 0.5)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    assert global_norm(grads) == pytest.approx(0.5, rel=1e-6)


@pytest.mark.parametrize("grads, max_norm, error, message", [
    (G1, 0.0, ValueError, r"max_norm must be > 0, got 0.0"),
    (G1, "1", TypeError, r"max_norm must be a real number, got '1'"),
    ({"W": [1.0]}, 1.0, TypeError, r"grads\['W'\] must be a floating-point numpy array .* got list"),
    ([1.0], 1.0, TypeError, r"grads must be a dict"),
])
def test_clip_rejects_bad_arguments(grads, max_norm, error, message):
    with pytest.raises(error, match=message):
        clip_grad_norm(grads, max_norm)
