"""rrnn agrees with an independent PyTorch implementation: forward values and gradients, float64.

The reference (tests/torch_reference.py) is written from docs/rmc.md with torch's own layer
norm, softmax and cross-entropy, and its gradients come from autograd, so agreement to 1e-8
checks rrnn's conventions and its hand-written backward passes at once. Every test perturbs
the initial weights first: at initialisation the biases are 0 and the layer norms are the
identity, which would hide a swapped gamma/beta or a bias added in the wrong place.
"""
import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the optional cross-checks need `pip install torch==2.13.0`")

import rrnn  # noqa: E402

from . import torch_reference as ref  # noqa: E402

RTOL, ATOL = 1e-8, 1e-10

# RMC settings that each exercise one branch: blocks, gate styles, K != V, a deeper MLP,
# non-default gate biases, one slot, and more slots than slot width (truncated identity).
RMC_CASES = {
    "1block-unit": dict(D=5, S=3, V=4, A=2),
    "2blocks-memory-gate": dict(D=5, S=3, V=4, A=2, num_blocks=2, gate_style="memory"),
    "no-gate-K3-V4": dict(D=5, S=3, V=4, A=2, key_size=3, gate_style=None),
    "mlp3-gate-biases": dict(D=4, S=2, V=3, A=3, attention_mlp_layers=3, forget_bias=0.5, input_bias=-0.3),
    "2blocks-K5-mlp3": dict(D=3, S=4, V=2, A=2, num_blocks=2, key_size=5, attention_mlp_layers=3),
    "one-slot-one-head": dict(D=2, S=1, V=3, A=1),
    "more-slots-than-slot-width": dict(D=3, S=5, V=3, A=1, gate_style="memory"),
}
SHAPES = [(2, 3), (1, 1)]  # (B, T)


def perturb(params: dict, rng, scale=0.1):
    """Add noise to every parameter in place, so the model object sees it too."""
    for value in params.values():
        value += scale * rng.standard_normal(value.shape)


def close(actual, desired, what=""):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(desired), rtol=RTOL, atol=ATOL, err_msg=what)


def rmc_kwargs(case):
    """rrnn.RelationalMemory keywords and the matching reference RMCSpec for one RMC_CASES entry."""
    case = dict(case)
    D, S, V, A = case.pop("D"), case.pop("S"), case.pop("V"), case.pop("A")
    spec = ref.RMCSpec(num_heads=A, key_size=case.get("key_size") or V,
                       **{k: v for k, v in case.items() if k != "key_size"})
    return (D, S, V, A), case, spec


def torch_in(array):
    return torch.as_tensor(array, dtype=torch.float64)


# =============================================================================== forward
@pytest.mark.parametrize("B, T", SHAPES)
@pytest.mark.parametrize("output_size", [None, 3])
def test_forward_lstm_matches_torch(B, T, output_size, rng):
    model = rrnn.LSTM(4, 5, output_size, rng=rng)
    perturb(model.params, rng)
    xs = rng.standard_normal((B, T, 4))
    out, (h, c) = model.forward(xs, return_state=True)

    p = ref.as_torch(model.params)
    hs, (h_ref, c_ref) = ref.lstm(torch_in(xs), ref.sub(p, "lstm."))
    out_ref = hs if output_size is None else hs @ p["out.W"] + p["out.b"]
    close(out, out_ref, "outputs")
    close(h, h_ref, "final h")
    close(c, c_ref, "final c")


@pytest.mark.parametrize("name", RMC_CASES)
@pytest.mark.parametrize("B", [1, 3])
def test_forward_rmc_step_matches_torch_from_a_random_memory(name, B, rng):
    (D, S, V, A), kwargs, spec = rmc_kwargs(RMC_CASES[name])
    core = rrnn.RelationalMemory(D, S, V, A, rng=rng, **kwargs)
    perturb(core.params, rng)
    x = rng.standard_normal((B, D))
    memory = rng.standard_normal((B, S, A * V))  # not the identity: exercises the gates' tanh(M) fully
    output, next_memory, cache = core.step(x, memory, return_cache=True)

    next_ref, seen = ref.rmc_step(torch_in(x), torch_in(memory), ref.as_torch(core.params), spec)
    close(next_memory, next_ref, "next memory")
    close(output, next_ref.flatten(1), "output = flattened memory")
    assert len(cache.attention) == spec.num_blocks
    for j, (weights, weights_ref) in enumerate(zip(cache.attention, seen["attention"])):
        close(weights, weights_ref, f"attention weights of block {j}")
    if spec.gate_style is None:
        assert cache.input_gate is None and cache.forget_gate is None
    else:
        close(cache.input_gate, seen["input_gate"], "input gate")
        close(cache.forget_gate, seen["forget_gate"], "forget gate")


@pytest.mark.parametrize("name", RMC_CASES)
@pytest.mark.parametrize("B, T", SHAPES)
def test_forward_rmc_sequence_matches_torch_from_the_identity_memory(name, B, T, rng):
    (D, S, V, A), kwargs, spec = rmc_kwargs(RMC_CASES[name])
    core = rrnn.RelationalMemory(D, S, V, A, rng=rng, **kwargs)
    perturb(core.params, rng)
    xs = rng.standard_normal((B, T, D))
    outputs, memory, caches = core.forward(xs, return_caches=True)

    outputs_ref, memory_ref, seen = ref.rmc(torch_in(xs), ref.as_torch(core.params), spec, S)
    close(core.initial_state(B), ref.initial_memory(B, S, A * V), "initial memory")
    close(outputs, outputs_ref, "outputs")
    close(memory, memory_ref, "final memory")
    for t, (cache, step) in enumerate(zip(caches, seen)):
        for j, (weights, weights_ref) in enumerate(zip(cache.attention, step["attention"])):
            close(weights, weights_ref, f"attention weights, step {t}, block {j}")


@pytest.mark.parametrize("B, T", SHAPES)
def test_forward_relational_rnn_matches_torch(B, T, rng):
    S, M, A = 3, 6, 2
    model = rrnn.RelationalRNN(4, 5, 3, num_slots=S, slot_size=M, num_heads=A, rng=rng)
    perturb(model.params, rng)
    xs = rng.standard_normal((B, T, 4))
    outputs = model.forward(xs)

    p = ref.as_torch(model.params)
    cell_out = ref.hybrid(torch_in(xs), p, ref.RMCSpec(num_heads=A, key_size=M // A), S)
    close(outputs, cell_out @ p["out.W"] + p["out.b"], "outputs")


# =============================================================================== gradients
def assert_grads_match(grads: dict, grads_ref: dict):
    """Every key present on both sides and equal to 1e-8; a failure lists each bad key."""
    assert set(grads) == set(grads_ref), (
        f"gradient keys differ: missing {sorted(set(grads_ref) - set(grads))}, "
        f"extra {sorted(set(grads) - set(grads_ref))}")
    bad = []
    for key, want in grads_ref.items():
        got = np.asarray(grads[key])
        if got.shape != want.shape:
            bad.append(f"{key}: shape {got.shape}, torch {want.shape}")
        elif not np.allclose(got, want, rtol=RTOL, atol=ATOL):
            err, scale = np.abs(got - want).max(), np.abs(want).max()
            bad.append(f"{key}: max |rrnn - torch| {err:.3e}, max |torch| {scale:.3e}")
    assert not bad, "gradients disagree with torch autograd:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("B, N, A, K, V", [(2, 4, 2, 3, 4), (1, 1, 1, 2, 2), (3, 5, 3, 4, 2)])
def test_gradient_multihead_attention_backward_matches_autograd(B, N, A, K, V, rng):
    from rrnn.attention import multihead_attention_backward, multihead_attention_forward

    M, F = 5, A * (2 * K + V)
    params = {"qkv.W": rng.standard_normal((M, F)) / np.sqrt(M), "qkv.b": 0.1 * rng.standard_normal(F),
              "qkv_ln.gamma": 1 + 0.2 * rng.standard_normal(F), "qkv_ln.beta": 0.1 * rng.standard_normal(F)}
    x, dout = rng.standard_normal((B, N, M)), rng.standard_normal((B, N, A * V))
    out, cache = multihead_attention_forward(x, params, A, K)
    dx, grads = multihead_attention_backward(dout, cache)

    p, x_t = ref.as_torch(params, requires_grad=True), torch_in(x).requires_grad_()
    out_ref, _ = ref.multihead_attention(x_t, p, A, K)
    close(out, out_ref.detach(), "forward")
    (out_ref * torch_in(dout)).sum().backward()  # a random upstream gradient, not just ones
    close(dx, x_t.grad, "dx")
    assert_grads_match(grads, {key: value.grad.numpy() for key, value in p.items()})


def check_classifier(model, logits_ref, X, y):
    """Loss and every gradient of model.loss against torch autograd on logits_ref(X, p)."""
    loss, grads = model.loss(X, y)
    loss_ref, grads_ref = ref.loss_and_grads(logits_ref, model.params, X, y)
    close(model.logits(X), logits_ref(torch_in(X), ref.as_torch(model.params)), "logits")
    close(loss, loss_ref, "loss")
    assert_grads_match(grads, grads_ref)


@pytest.mark.parametrize("B, T", SHAPES)
def test_gradient_lstm_classifier_matches_autograd(B, T, rng):
    from rrnn.models import LSTMClassifier

    model = LSTMClassifier(4, 5, 3, head_sizes=(6, 7), rng=rng)
    perturb(model.params, rng)
    X, y = rng.standard_normal((B, T, 4)), rng.integers(0, 3, B)
    check_classifier(model, ref.lstm_classifier_logits, X, y)


@pytest.mark.parametrize("name", RMC_CASES)
@pytest.mark.parametrize("B, T", SHAPES)
def test_gradient_rmc_classifier_matches_autograd(name, B, T, rng):
    from rrnn.models import RMCClassifier

    (D, S, V, A), kwargs, spec = rmc_kwargs(RMC_CASES[name])
    model = RMCClassifier(D, 3, S, V, A, head_sizes=(6,), rng=rng, **kwargs)
    perturb(model.params, rng)
    X, y = rng.standard_normal((B, T, D)), rng.integers(0, 3, B)
    check_classifier(model, lambda X_t, p: ref.rmc_classifier_logits(X_t, p, spec, S), X, y)


@pytest.mark.parametrize("B, T", SHAPES)
@pytest.mark.parametrize("head_sizes", [(7,), (6, 5)])
def test_gradient_hybrid_classifier_matches_autograd(B, T, head_sizes, rng):
    from rrnn.models import HybridClassifier

    S, M, A = 3, 6, 2
    model = HybridClassifier(4, 5, 3, num_slots=S, slot_size=M, num_heads=A, head_sizes=head_sizes, rng=rng)
    perturb(model.params, rng)
    X, y = rng.standard_normal((B, T, 4)), rng.integers(0, 3, B)
    spec = ref.RMCSpec(num_heads=A, key_size=M // A)
    check_classifier(model, lambda X_t, p: ref.hybrid_classifier_logits(X_t, p, spec, S), X, y)


@pytest.mark.parametrize("kind", ["lstm", "rmc", "hybrid"])
def test_float32_classifiers_compute_in_float32_near_the_float64_reference(kind, rng):
    from rrnn.models import HybridClassifier, LSTMClassifier, RMCClassifier

    spec = ref.RMCSpec(num_heads=2, key_size=3)
    builders = {  # (model, reference logits), both with 2 heads of 3 and 3 slots where there is memory
        "lstm": (lambda: LSTMClassifier(4, 5, 3, head_sizes=(6,), rng=rng, dtype=np.float32),
                 ref.lstm_classifier_logits),
        "rmc": (lambda: RMCClassifier(4, 3, 3, 3, 2, head_sizes=(6,), rng=rng, dtype=np.float32),
                lambda X_t, p: ref.rmc_classifier_logits(X_t, p, spec, 3)),
        "hybrid": (lambda: HybridClassifier(4, 5, 3, num_slots=3, slot_size=6, num_heads=2, head_sizes=(6,),
                                            rng=rng, dtype=np.float32),
                   lambda X_t, p: ref.hybrid_classifier_logits(X_t, p, spec, 3)),
    }
    build, logits_ref = builders[kind]
    model = build()
    perturb(model.params, rng)
    X, y = rng.standard_normal((3, 4, 4)).astype(np.float32), rng.integers(0, 3, 3)
    loss, grads = model.loss(X, y)
    assert model.logits(X).dtype == np.float32
    assert all(grads[key].dtype == np.float32 for key in grads), {k: g.dtype for k, g in grads.items()}

    loss_ref, grads_ref = ref.loss_and_grads(logits_ref, model.params, X, y)
    assert loss == pytest.approx(loss_ref, rel=1e-5)
    for key, want in grads_ref.items():  # float32 rounding: seen ~3e-7 of the largest gradient
        atol = 1e-5 * max(1.0, np.abs(want).max())
        np.testing.assert_allclose(grads[key], want, rtol=1e-4, atol=atol, err_msg=key)
