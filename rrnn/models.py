"""Sequence classifiers: a recurrent core read at the last step through a small MLP head.

This is the shape of the paper's Nth-farthest model: run the core over the sequence, take the
last step's output (the LSTM's h, the RMC's flattened memory, the hybrid's output), pass it
through an MLP of ReLU layers and a final linear layer to C logits, and train with softmax
cross-entropy.

Every classifier follows one contract, so the optimiser, the gradient checker, clipping and
saving are each a loop over a dict:
    params                  flat dict of arrays: "core.*" for the core, "head{l}.W/b" for the head
    loss(X, y)              -> (mean cross-entropy, grads keyed exactly like params);
                               loss(X, y, return_logits=True) adds the logits
    logits(X) / predict(X)  -> (B, C) scores / (B,) class ids
    spec                    JSON-able dict that rebuilds the architecture: build(spec)
X is (B, T, D) and y (B,) ints in [0, C).
"""
from __future__ import annotations

import numpy as np

from . import _checks, init
from .hybrid import _memory_config, hybrid_backward, hybrid_forward, sub_params
from .layers import mlp_backward, mlp_forward, softmax_cross_entropy
from .lstm import init_lstm_params, lstm_backward, lstm_forward
from .rmc import RMCConfig, init_rmc_params, rmc_backward, rmc_forward, rmc_initial_state

DTYPES = {"float64": np.float64, "float32": np.float32}


class SequenceClassifier:
    """Shared machinery: the head, the loss, input checks, dtype. Subclasses give the core."""

    name = ""

    def __init__(self, spec: dict, core_params: dict, feature_size: int, rng: np.random.Generator):
        dtype = spec["dtype"]
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        self.spec = {"model": self.name, **spec}
        self.num_classes = _checks.positive_int("num_classes", spec["num_classes"])
        sizes = [feature_size] + [_checks.positive_int("head_sizes[]", s) for s in spec["head_sizes"]] + [self.num_classes]
        params = {"core." + key: value for key, value in core_params.items()}
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            params[f"head{layer}.W"] = init.linear_sonnet(rng, fan_in, fan_out)
            params[f"head{layer}.b"] = np.zeros(fan_out)
        self.dtype = DTYPES[dtype]
        self.params = {key: value.astype(self.dtype) for key, value in params.items()}
        self.num_head_layers = len(sizes) - 1

    # --- the contract -------------------------------------------------------------------
    def logits(self, X) -> np.ndarray:
        """Class scores (B, C) for sequences X (B, T, D)."""
        features, _ = self._core_forward(self._check_X(X))
        return self._head_forward(features)[0]

    def inspect(self, X):
        """Logits (B, C) and the core's list of step caches (attention weights, gates, ...)."""
        features, (caches, _) = self._core_forward(self._check_X(X))
        return self._head_forward(features)[0], caches

    def predict(self, X) -> np.ndarray:
        """The most likely class (B,) for each sequence."""
        return self.logits(X).argmax(axis=1)

    def loss(self, X, y, return_logits: bool = False):
        """Mean softmax cross-entropy of labels y (B,) and its gradient for every parameter.

        Returns (loss, grads), and the logits (B, C) as a third item if return_logits (so a
        training loop can score the batch without a second forward pass).
        """
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        features, core_cache = self._core_forward(X)
        logits, head_cache = self._head_forward(features)
        loss, dlogits = softmax_cross_entropy(logits, y)
        dfeatures, dWs, dbs = mlp_backward(dlogits.astype(self.dtype), head_cache)
        grads = {"core." + key: value for key, value in self._core_backward(dfeatures, core_cache).items()}
        for layer in range(self.num_head_layers):
            grads[f"head{layer}.W"], grads[f"head{layer}.b"] = dWs[layer], dbs[layer]
        return (loss, grads, logits) if return_logits else (loss, grads)

    def evaluate(self, X, y):
        """(mean loss, accuracy) without computing gradients."""
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        logits = self.logits(X)
        return softmax_cross_entropy(logits, y)[0], float((logits.argmax(axis=1) == y).mean())

    # --- pieces -------------------------------------------------------------------------
    def _head_forward(self, features):
        W = [self.params[f"head{layer}.W"] for layer in range(self.num_head_layers)]
        b = [self.params[f"head{layer}.b"] for layer in range(self.num_head_layers)]
        return mlp_forward(features, W, b)

    def _check_X(self, X) -> np.ndarray:
        X = _checks.array("X", X, (None, None, self.spec["input_size"]), "(B, T, D)")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must hold at least one sequence of at least one step, got shape {X.shape}")
        return X.astype(self.dtype, copy=False)

    def _check_y(self, y, batch_size: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (batch_size,) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must be integer labels of shape (B,) = ({batch_size},), got {y.dtype} {y.shape}")
        if y.min() < 0 or y.max() >= self.num_classes:
            raise ValueError(f"y must hold labels in [0, {self.num_classes}), got values in [{y.min()}, {y.max()}]")
        return y

    def _core(self) -> dict:
        return sub_params(self.params, "core.")

    def __repr__(self):
        size = sum(p.size for p in self.params.values())
        return f"{type(self).__name__}({self.spec}) with {size:,} parameters"


class LSTMClassifier(SequenceClassifier):
    """An LSTM read at its last hidden state h_T (B, H).

    Parameters: "core.lstm.Wx" (D, 4H), "core.lstm.Wh" (H, 4H), "core.lstm.b" (4H,);
    head "head{l}.W", "head{l}.b" from H through head_sizes to num_classes.
    """

    name = "lstm"

    def __init__(self, input_size, hidden_size, num_classes, head_sizes=(128, 128), *, rng=None, dtype="float64"):
        rng = _checks.as_rng(rng)
        spec = dict(input_size=_checks.positive_int("input_size", input_size),
                    hidden_size=_checks.positive_int("hidden_size", hidden_size),
                    num_classes=num_classes, head_sizes=list(head_sizes), dtype=np.dtype(dtype).name)
        super().__init__(spec, init_lstm_params(rng, input_size, hidden_size), hidden_size, rng)

    def _core_forward(self, X):
        B, H = X.shape[0], self.spec["hidden_size"]
        h0 = np.zeros((B, H), self.dtype)
        p = self.params
        hs, (h, _), caches = lstm_forward(X, h0, h0, p["core.lstm.Wx"], p["core.lstm.Wh"], p["core.lstm.b"])
        return h, (caches, hs.shape)

    def _core_backward(self, dh, cache):
        caches, shape = cache
        p = self.params
        _, _, _, grads = lstm_backward(np.zeros(shape, self.dtype), caches, p["core.lstm.Wx"], p["core.lstm.Wh"],
                                       dh_last=dh)
        return {"lstm." + key: value for key, value in grads.items()}


class RMCClassifier(SequenceClassifier):
    """The paper's Relational Memory Core read at its last output, the flattened memory (B, S*M).

    Parameters: "core.*" as RelationalMemory's params; head from S*M to num_classes.
    """

    name = "rmc"

    def __init__(self, input_size, num_classes, num_slots, head_size, num_heads=1, *, num_blocks=1,
                 attention_mlp_layers=2, key_size=None, gate_style="unit", forget_bias=1.0, input_bias=0.0,
                 head_sizes=(128, 128), rng=None, dtype="float64"):
        rng = _checks.as_rng(rng)
        self.config = RMCConfig(input_size, num_slots, head_size, num_heads, num_blocks, attention_mlp_layers,
                                key_size, gate_style, forget_bias, input_bias)
        spec = dict(input_size=input_size, num_classes=num_classes, num_slots=num_slots, head_size=head_size,
                    num_heads=num_heads, num_blocks=num_blocks, attention_mlp_layers=attention_mlp_layers,
                    key_size=key_size, gate_style=gate_style, forget_bias=float(forget_bias),
                    input_bias=float(input_bias), head_sizes=list(head_sizes), dtype=np.dtype(dtype).name)
        super().__init__(spec, init_rmc_params(rng, self.config), num_slots * self.config.slot_size, rng)

    def _core_forward(self, X):
        memory = rmc_initial_state(self.config, X.shape[0], self.dtype)
        outputs, _, caches = rmc_forward(X, memory, self._core(), self.config)
        return outputs[:, -1], (caches, outputs.shape)

    def _core_backward(self, dfeatures, cache):
        caches, shape = cache
        doutputs = np.zeros(shape, self.dtype)
        doutputs[:, -1] = dfeatures            # only the last step is read
        _, _, grads = rmc_backward(doutputs, caches, self._core(), self.config)
        return grads


class HybridClassifier(SequenceClassifier):
    """The seed's LSTM + relational-memory hybrid read at its last output (B, H).

    Parameters: "core.lstm.*", "core.rmc.*", "core.combine.*" as RelationalRNNCell's params;
    head from H to num_classes.
    """

    name = "hybrid"

    def __init__(self, input_size, hidden_size, num_classes, num_slots=4, slot_size=64, num_heads=2,
                 head_sizes=(128, 128), *, rng=None, dtype="float64"):
        rng = _checks.as_rng(rng)
        input_size = _checks.positive_int("input_size", input_size)
        hidden_size = _checks.positive_int("hidden_size", hidden_size)
        self.config = _memory_config(hidden_size, num_slots, slot_size, num_heads)
        core = init_lstm_params(rng, input_size, hidden_size)
        core.update({"rmc." + key: value for key, value in init_rmc_params(rng, self.config).items()})
        core["combine.W"] = init.xavier_uniform(rng, hidden_size + slot_size, hidden_size)
        core["combine.b"] = np.zeros(hidden_size)
        spec = dict(input_size=input_size, hidden_size=hidden_size, num_classes=num_classes, num_slots=num_slots,
                    slot_size=slot_size, num_heads=num_heads, head_sizes=list(head_sizes), dtype=np.dtype(dtype).name)
        super().__init__(spec, core, hidden_size, rng)

    def _core_forward(self, X):
        B, H = X.shape[0], self.spec["hidden_size"]
        h0 = np.zeros((B, H), self.dtype)
        memory = rmc_initial_state(self.config, B, self.dtype)
        outputs, _, caches = hybrid_forward(X, h0, h0, memory, self._core(), self.config)
        return outputs[:, -1], (caches, outputs.shape)

    def _core_backward(self, dfeatures, cache):
        caches, shape = cache
        doutputs = np.zeros(shape, self.dtype)
        doutputs[:, -1] = dfeatures
        _, _, grads = hybrid_backward(doutputs, caches, self._core(), self.config)
        return grads


CLASSIFIERS = {cls.name: cls for cls in (LSTMClassifier, RMCClassifier, HybridClassifier)}


def build(spec: dict, *, rng=None) -> SequenceClassifier:
    """Rebuild a classifier from its ``spec`` (as ``model.spec`` gives it)."""
    if not isinstance(spec, dict) or spec.get("model") not in CLASSIFIERS:
        raise ValueError(f"spec must be a dict whose 'model' is one of {sorted(CLASSIFIERS)}, got {spec!r}")
    kwargs = {key: value for key, value in spec.items() if key != "model"}
    try:
        return CLASSIFIERS[spec["model"]](**kwargs, rng=rng)
    except TypeError as err:
        raise ValueError(f"spec does not fit a {spec['model']!r} classifier: {err}") from err
