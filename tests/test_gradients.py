"""Every backward pass agrees with centred finite differences (float64, relative error < 1e-6)."""
import numpy as np
import pytest

from rrnn import gradcheck
from rrnn.attention import multihead_attention_backward, multihead_attention_forward
from rrnn.hybrid import _memory_config, hybrid_backward, hybrid_forward
from rrnn.layers import (layer_norm_backward, layer_norm_forward, linear_backward, linear_forward, mlp_backward,
                         mlp_forward, softmax, softmax_backward)
from rrnn.lstm import init_lstm_params, lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from rrnn.models import HybridClassifier, LSTMClassifier, RMCClassifier
from rrnn.rmc import RMCConfig, init_rmc_params, rmc_backward, rmc_forward, rmc_step_backward, rmc_step_forward

TOL = 1e-6


def assert_close(errors):
    assert errors and max(errors.values()) < TOL, {k: v for k, v in errors.items() if v >= TOL}


def perturbed(params, rng):
    """Parameters with non-trivial biases and norm scales, so no gradient is trivially zero."""
    out = {}
    for key, value in params.items():
        noise = 0.1 * rng.standard_normal(value.shape)
        out[key] = value + noise if key.endswith((".b", "beta", "gamma", "b")) else value.copy()
    return out


def test_linear(rng):
    inputs = dict(x=rng.standard_normal((2, 3, 4)), W=rng.standard_normal((4, 5)), b=rng.standard_normal(5))
    assert_close(gradcheck.check_gradients(
        linear_forward, lambda d, c: dict(zip("xWb", linear_backward(d, c))), inputs, rng=rng))


def test_layer_norm(rng):
    inputs = dict(x=rng.standard_normal((3, 2, 6)), gamma=rng.standard_normal(6), beta=rng.standard_normal(6))
    assert_close(gradcheck.check_gradients(
        layer_norm_forward, lambda d, c: dict(zip(("x", "gamma", "beta"), layer_norm_backward(d, c))), inputs, rng=rng))


def test_softmax(rng):
    forward = lambda z: (softmax(z), softmax(z))
    assert_close(gradcheck.check_gradients(
        forward, lambda d, p: {"z": softmax_backward(d, p)}, dict(z=rng.standard_normal((2, 3, 5))), rng=rng))


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_mlp(layers, rng):
    sizes = [4, 6, 5, 3][:layers + 1]
    inputs = {"x": rng.standard_normal((2, 3, 4))}
    for l, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])):
        inputs[f"W{l}"], inputs[f"b{l}"] = rng.standard_normal((i, o)), rng.standard_normal(o)

    def forward(x, **p):
        return mlp_forward(x, [p[f"W{l}"] for l in range(layers)], [p[f"b{l}"] for l in range(layers)])

    def backward(d, cache):
        dx, dWs, dbs = mlp_backward(d, cache)
        return {"x": dx, **{f"W{l}": w for l, w in enumerate(dWs)}, **{f"b{l}": b for l, b in enumerate(dbs)}}

    assert_close(gradcheck.check_gradients(forward, backward, inputs, rng=rng))


@pytest.mark.parametrize("A, K, V, N", [(1, 3, 3, 2), (2, 2, 3, 4), (3, 4, 2, 1)])
def test_multihead_attention(A, K, V, N, rng):
    config = RMCConfig(input_size=1, num_slots=1, head_size=V, num_heads=A, key_size=K)
    params = perturbed({k[len("block0."):]: v for k, v in init_rmc_params(rng, config).items() if k.startswith("block0.qkv")}, rng)
    inputs = {"x": rng.standard_normal((2, N, A * V)), **params}

    def forward(x, **p):
        return multihead_attention_forward(x, p, A, K)

    def backward(d, cache):
        dx, grads = multihead_attention_backward(d, cache)
        return {"x": dx, **grads}

    assert_close(gradcheck.check_gradients(forward, backward, inputs, rng=rng))


def lstm_inputs(B, T, D, H, rng):
    p = init_lstm_params(rng, D, H, prefix="")
    return dict(xs=rng.standard_normal((B, T, D)), h0=rng.standard_normal((B, H)), c0=rng.standard_normal((B, H)), **p)


def test_lstm_step(rng):
    inputs = lstm_inputs(2, 1, 3, 4, rng)
    inputs["x"] = inputs.pop("xs")[:, 0]

    def forward(x, h0, c0, Wx, Wh, b):
        h, c, cache = lstm_step_forward(x, h0, c0, Wx, Wh, b)
        return np.concatenate([h, c], -1), (cache, Wx, Wh)

    def backward(d, cache):
        step_cache, Wx, Wh = cache
        H = Wh.shape[0]
        dx, dh0, dc0, grads = lstm_step_backward(d[:, :H], d[:, H:], step_cache, Wx, Wh)
        return dict(x=dx, h0=dh0, c0=dc0, **grads)

    assert_close(gradcheck.check_gradients(forward, backward, inputs, rng=rng))


@pytest.mark.parametrize("B, T", [(1, 1), (2, 4)])
def test_lstm_through_time(B, T, rng):
    def forward(xs, h0, c0, Wx, Wh, b):
        hs, _, caches = lstm_forward(xs, h0, c0, Wx, Wh, b)
        return hs, (caches, Wx, Wh)

    def backward(d, cache):
        caches, Wx, Wh = cache
        dxs, dh0, dc0, grads = lstm_backward(d, caches, Wx, Wh)
        return dict(xs=dxs, h0=dh0, c0=dc0, **grads)

    assert_close(gradcheck.check_gradients(forward, backward, lstm_inputs(B, T, 3, 4, rng), rng=rng))


RMC_CONFIGS = [
    dict(num_slots=3, head_size=2, num_heads=2),
    dict(num_slots=2, head_size=3, num_heads=2, num_blocks=2),
    dict(num_slots=3, head_size=2, num_heads=2, gate_style="memory"),
    dict(num_slots=2, head_size=2, num_heads=2, gate_style=None),
    dict(num_slots=2, head_size=3, num_heads=1, key_size=2),
    dict(num_slots=2, head_size=2, num_heads=2, attention_mlp_layers=3, forget_bias=0.2, input_bias=-0.4),
    dict(num_slots=1, head_size=3, num_heads=1),  # M = 3: a layer norm over 2 features is flat, too ill-conditioned to check
    dict(num_slots=3, head_size=2, num_heads=2, attention=False),               # the ablation without attention
    dict(num_slots=2, head_size=3, num_heads=1, num_blocks=2, gate_style="memory", attention=False),
]


def rmc_inputs(config, B, T, rng):
    params = perturbed(init_rmc_params(rng, config), rng)
    memory = np.eye(config.num_slots, config.slot_size) + 0.5 * rng.standard_normal((B, config.num_slots, config.slot_size))
    return dict(xs=rng.standard_normal((B, T, config.input_size)), memory=memory, **{"p:" + k: v for k, v in params.items()})


def split(inputs):
    return {k[2:]: v for k, v in inputs.items() if k.startswith("p:")}


@pytest.mark.parametrize("kwargs", RMC_CONFIGS)
@pytest.mark.parametrize("upstream_on", ["output", "next_memory"])
def test_rmc_step(kwargs, upstream_on, rng):
    config = RMCConfig(input_size=3, **kwargs)
    inputs = rmc_inputs(config, 2, 1, rng)
    inputs["x"] = inputs.pop("xs")[:, 0]

    def forward(x, memory, **p):
        out, next_memory, cache = rmc_step_forward(x, memory, split(p), config)
        return (out if upstream_on == "output" else next_memory), cache

    def backward(d, cache):
        args = (d, None) if upstream_on == "output" else (None, d)
        dx, dmemory, grads = rmc_step_backward(*args, cache, split(inputs), config)
        return dict(x=dx, memory=dmemory, **{"p:" + k: v for k, v in grads.items()})

    assert_close(gradcheck.check_gradients(forward, backward, inputs, rng=rng))


@pytest.mark.parametrize("kwargs", RMC_CONFIGS[:3])
@pytest.mark.parametrize("B, T", [(1, 1), (2, 3)])
def test_rmc_through_time(kwargs, B, T, rng):
    config = RMCConfig(input_size=3, **kwargs)
    inputs = rmc_inputs(config, B, T, rng)

    def forward(xs, memory, **p):
        outputs, _, caches = rmc_forward(xs, memory, split(p), config)
        return outputs, caches

    def backward(d, caches):
        dxs, dmemory, grads = rmc_backward(d, caches, split(inputs), config)
        return dict(xs=dxs, memory=dmemory, **{"p:" + k: v for k, v in grads.items()})

    assert_close(gradcheck.check_gradients(forward, backward, inputs, rng=rng))


def test_rmc_backward_without_output_gradients_is_the_gradient_on_the_final_memory(rng):
    # rmc_backward(None, ..., dmemory_last=d) is the classifier's path: the same as d on the last output
    config = RMCConfig(input_size=3, num_slots=2, head_size=2, num_heads=2)
    params = init_rmc_params(rng, config)
    xs = rng.standard_normal((2, 4, 3))
    memory = rng.standard_normal((2, 2, 4))
    outputs, _, caches = rmc_forward(xs, memory, params, config)
    d = rng.standard_normal(outputs[:, -1].shape)
    doutputs = np.zeros_like(outputs)
    doutputs[:, -1] = d
    want = rmc_backward(doutputs, caches, params, config)
    got = rmc_backward(None, caches, params, config, dmemory_last=d.reshape(memory.shape))
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-14)
    assert list(got[2]) == list(params)
    for key in params:
        np.testing.assert_allclose(got[2][key], want[2][key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_hybrid_backward_with_the_last_output_gradient_only_is_that_gradient_on_the_last_output(rng):
    # hybrid_backward(None, ..., doutput_last=d) is the classifier's path: the same as d on the last output
    config = _memory_config(4, 3, 4, 2)
    cell = HybridClassifier(3, 4, 2, num_slots=3, slot_size=4, num_heads=2, rng=rng)
    params = perturbed({k[5:]: v for k, v in cell.params.items() if k.startswith("core.")}, rng)
    xs, h0, memory = rng.standard_normal((2, 4, 3)), np.zeros((2, 4)), np.eye(3, 4) + np.zeros((2, 3, 4))
    outputs, _, caches = hybrid_forward(xs, h0, h0, memory, params, config)
    d = rng.standard_normal(outputs[:, -1].shape)
    doutputs = np.zeros_like(outputs)
    doutputs[:, -1] = d
    want = hybrid_backward(doutputs, caches, params, config)
    got = hybrid_backward(None, caches, params, config, doutput_last=d)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-14)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert list(got[2]) == list(want[2])
    for key in want[2]:
        np.testing.assert_allclose(got[2][key], want[2][key], rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("B, T", [(1, 1), (2, 3)])
def test_hybrid_through_time(B, T, rng):
    config = _memory_config(4, 3, 4, 2)
    cell = HybridClassifier(3, 4, 2, num_slots=3, slot_size=4, num_heads=2, rng=rng)
    params = perturbed({k[5:]: v for k, v in cell.params.items() if k.startswith("core.")}, rng)
    inputs = dict(xs=rng.standard_normal((B, T, 3)), h0=rng.standard_normal((B, 4)), c0=rng.standard_normal((B, 4)),
                  memory=np.eye(3, 4) + 0.5 * rng.standard_normal((B, 3, 4)), **{"p:" + k: v for k, v in params.items()})

    def forward(xs, h0, c0, memory, **p):
        outputs, _, caches = hybrid_forward(xs, h0, c0, memory, split(p), config)
        return outputs, caches

    def backward(d, caches):
        dxs, (dh0, dc0, dmemory), grads = hybrid_backward(d, caches, split(inputs), config)
        return dict(xs=dxs, h0=dh0, c0=dc0, memory=dmemory, **{"p:" + k: v for k, v in grads.items()})

    assert_close(gradcheck.check_gradients(forward, backward, inputs, rng=rng))


MODELS = {
    "lstm": lambda: LSTMClassifier(4, 5, 3, head_sizes=(6,), rng=0),
    "lstm-no-hidden-head": lambda: LSTMClassifier(4, 5, 3, head_sizes=(), rng=0),
    "rmc": lambda: RMCClassifier(4, 3, num_slots=3, head_size=2, num_heads=2, head_sizes=(6, 5), rng=0),
    "rmc-2-blocks": lambda: RMCClassifier(4, 3, 2, 3, 2, num_blocks=2, head_sizes=(6,), rng=0),
    "rmc-memory-gate": lambda: RMCClassifier(4, 3, 3, 2, 2, gate_style="memory", head_sizes=(6,), rng=0),
    "rmc-no-gate": lambda: RMCClassifier(4, 3, 3, 2, 2, gate_style=None, head_sizes=(6,), rng=0),
    "rmc-key-size": lambda: RMCClassifier(4, 3, 2, 3, 2, key_size=2, head_sizes=(6,), rng=0),
    "rmc-3-mlp-layers": lambda: RMCClassifier(4, 3, 2, 2, 2, attention_mlp_layers=3, head_sizes=(6,), rng=0),
    "hybrid": lambda: HybridClassifier(4, 5, 3, num_slots=3, slot_size=4, num_heads=2, head_sizes=(6,), rng=0),
    "rmc-no-attention": lambda: RMCClassifier(4, 3, 3, 2, 2, attention=False, head_sizes=(6,), rng=0),
    "hybrid-flat-readout": lambda: HybridClassifier(4, 5, 3, 3, 4, 2, head_sizes=(6,), readout="flat", rng=0),
    "hybrid-memory-reads-x": lambda: HybridClassifier(4, 5, 3, 3, 4, 2, head_sizes=(6,), memory_input="x", rng=0),
    "hybrid-flat-and-x": lambda: HybridClassifier(4, 5, 3, 2, 4, 2, head_sizes=(6,), readout="flat", memory_input="x",
                                                  rng=0),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("B, T", [(1, 1), (3, 4)])
def test_whole_model_gradients(name, B, T, rng):
    model = MODELS[name]()
    model.params = perturbed(model.params, rng)
    X, y = rng.standard_normal((B, T, 4)), rng.integers(0, 3, size=B)
    assert_close(gradcheck.check_model(model, X, y, max_entries=None, rng=rng))


def test_sparse_sampling_checks_large_tensors(rng):
    model = RMCClassifier(4, 3, num_slots=2, head_size=8, num_heads=2, rng=0)  # 128-unit head: sampled
    X, y = rng.standard_normal((2, 3, 4)), rng.integers(0, 3, size=2)
    assert_close(gradcheck.check_model(model, X, y, max_entries=12, rng=rng))


def test_the_checker_catches_a_wrong_backward(rng):
    inputs = dict(x=rng.standard_normal((3, 6)), gamma=rng.standard_normal(6), beta=rng.standard_normal(6))

    def forgets_the_mean_term(d, cache):  # a classic layer-norm mistake
        dx = d * cache.gamma * cache.inv_std
        return {"x": dx, "gamma": (d * cache.x_hat).sum(0), "beta": d.sum(0)}

    errors = gradcheck.check_gradients(layer_norm_forward, forgets_the_mean_term, inputs, rng=rng)
    assert errors["x"] > 1e-2 and errors["gamma"] < TOL and errors["beta"] < TOL


def test_the_checker_catches_a_wrong_model_gradient(rng):
    model = MODELS["rmc"]()
    X, y = rng.standard_normal((2, 3, 4)), rng.integers(0, 3, size=2)
    honest_loss = model.loss

    def off_by_a_factor(X, y):
        loss, grads = honest_loss(X, y)
        grads["core.gate_m.W"] = 1.01 * grads["core.gate_m.W"]
        return loss, grads

    model.loss = off_by_a_factor
    errors = gradcheck.check_model(model, X, y, max_entries=None, rng=rng)
    assert errors["core.gate_m.W"] > 5e-3
    assert max(v for k, v in errors.items() if k != "core.gate_m.W") < TOL


def test_hybrid_gradients_with_the_memory_path_off(rng):
    config = _memory_config(4, 2, 4, 2)
    cell = HybridClassifier(3, 4, 2, num_slots=2, slot_size=4, num_heads=2, rng=rng)
    params = perturbed({k[5:]: v for k, v in cell.params.items() if k.startswith("core.")}, rng)
    inputs = dict(xs=rng.standard_normal((2, 3, 3)), **{"p:" + k: v for k, v in params.items()})
    h0, memory = np.zeros((2, 4)), np.eye(2, 4) + np.zeros((2, 2, 4))

    def forward(xs, **p):
        outputs, _, caches = hybrid_forward(xs, h0, h0, memory, split(p), config, use_memory=False)
        return outputs, caches

    def backward(d, caches):
        dxs, _, grads = hybrid_backward(d, caches, split(inputs), config)
        return dict(xs=dxs, **{"p:" + k: v for k, v in grads.items()})

    errors = gradcheck.check_gradients(forward, backward, inputs, rng=rng)
    assert_close(errors)
