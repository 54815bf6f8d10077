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
    head_logits(features)   -> (B, C) scores from the core's features (B, F): the head alone
    trace(X)                -> StepTrace: what the core computed at every step, batch-first
    spec                    JSON-able dict that rebuilds the architecture: build(spec)
X is (B, T, D) and y (B,) ints in [0, C).
"""
from __future__ import annotations

import inspect
from typing import NamedTuple

import numpy as np

from . import _checks, init
from .hybrid import HybridOptions, _memory_config, hybrid_backward, hybrid_forward, sub_params
from .layers import mlp_backward, mlp_forward, softmax_cross_entropy
from .lstm import init_lstm_params, lstm_backward, lstm_forward, lstm_parameter_count
from .rmc import RMCConfig, init_rmc_params, rmc_backward, rmc_forward, rmc_initial_state

DTYPES = _checks.DTYPES


def head_parameter_count(sizes: list) -> int:
    """Weights and biases of the MLP head through ``sizes`` = [features, *head_sizes, C]."""
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


class StepTrace(NamedTuple):
    """What a classifier computed at every step of X (B, T, D), batch-first, in the model's dtype.

    S slots of width P, A heads, G gate width. The memory fields are None for the LSTM (it has
    no slots); ``attention`` is None for an RMC without attention, the gates None without gating.
    """

    features: np.ndarray             # (B, T, F) the core's output after every step (the last is what the head reads)
    logits: np.ndarray               # (B, T, C) the head on every step's features
    memory: np.ndarray | None        # (B, T+1, S, P) the memory before step 1, then after every step
    attention: np.ndarray | None     # (B, T, A, S+1, S+1) the first block's weights; row/column S is the input row
    input_gate: np.ndarray | None    # (B, T, S, G) i: how much new content each step writes
    forget_gate: np.ndarray | None   # (B, T, S, G) f: how much of the old memory each step keeps
    attended: np.ndarray | None      # (B, T, S, P) M_att, the slots after attention and the MLP, before the gates

    @property
    def input_attention(self) -> np.ndarray:
        """(B, T, S): how much each slot reads from the input row, averaged over heads."""
        S = self.memory.shape[2]
        return self.attention[..., :S, S].mean(axis=2)


def _memory_steps(steps: list, last: np.ndarray) -> tuple:
    """StepTrace's memory fields from the cores' step caches (RMCStepCache) and the final memory."""
    def along_time(values):
        return None if values[0] is None else np.stack(values, axis=1)
    return (along_time([step.memory for step in steps] + [last]),
            along_time([step.attention[0] if step.attention else None for step in steps]),
            along_time([step.input_gate for step in steps]), along_time([step.forget_gate for step in steps]),
            along_time([step.memory_attended for step in steps]))


class SequenceClassifier:
    """Shared machinery: the head, the loss, input checks, dtype. Subclasses give the core.

    A subclass defines ``_core_sizes(spec) -> (spec entries, core parameter count, feature
    size)``, validating its own sizes without allocating; ``check_spec`` adds the head's and
    refuses models too large to build, so every constructor (and ``rrnn.load``, before it
    builds anything) checks a spec the same way.
    """

    name = ""

    @classmethod
    def check_spec(cls, spec: dict) -> tuple[dict, int]:
        """The validated spec (plain ints and floats, JSON-able) and its parameter count."""
        core, core_count, feature_size = cls._core_sizes(spec)
        num_classes = _checks.positive_int("num_classes", spec["num_classes"])
        head_sizes = _checks.int_list("head_sizes", spec["head_sizes"])
        count = core_count + head_parameter_count([feature_size, *head_sizes, num_classes])
        _checks.parameter_budget(count, **{k: v for k, v in core.items() if isinstance(v, int)},
                                 num_classes=num_classes, head_sizes=head_sizes)
        checked = {"model": cls.name, **core, "num_classes": num_classes, "head_sizes": head_sizes,
                   "dtype": _checks.dtype_name("dtype", spec["dtype"])}
        return checked, count

    def __init__(self, spec: dict, core_params: dict, feature_size: int, rng: np.random.Generator):
        self.spec = spec                                   # as check_spec returned it
        self.num_classes = spec["num_classes"]
        sizes = [feature_size, *spec["head_sizes"], self.num_classes]
        params = {"core." + key: value for key, value in core_params.items()}
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            params[f"head{layer}.W"] = init.linear_sonnet(rng, fan_in, fan_out)
            params[f"head{layer}.b"] = np.zeros(fan_out)
        self.dtype = DTYPES[spec["dtype"]]
        self.params = {key: value.astype(self.dtype) for key, value in params.items()}
        self.num_head_layers = len(sizes) - 1

    # --- the contract -------------------------------------------------------------------
    @_checks.refuse_overflow
    def logits(self, X) -> np.ndarray:
        """Class scores (B, C) for sequences X (B, T, D)."""
        features, _ = self._core_forward(self._check_X(X))
        return self._head_forward(features)[0]

    @_checks.refuse_overflow
    def inspect(self, X):
        """Logits (B, C) and the core's list of step caches (attention weights, gates, ...)."""
        features, (caches, _) = self._core_forward(self._check_X(X))
        return self._head_forward(features)[0], caches

    def trace(self, X, *, use_memory: bool = True) -> StepTrace:
        """Run over X (B, T, D) keeping what every step computed (a StepTrace, batch-first).

        use_memory=False (hybrid only): the output reads zeros instead of the memory.
        """
        X = self._check_X(X)
        if not isinstance(use_memory, (bool, np.bool_)):
            raise TypeError(f"use_memory must be True or False, got {use_memory!r} ({type(use_memory).__name__})")
        if not use_memory and self.name != "hybrid":
            raise ValueError(f"use_memory=False needs a hybrid classifier (whose output can skip its memory), "
                             f"got a {self.name!r} classifier")
        features, memory = self._core_trace(X, bool(use_memory))
        B, T, F = features.shape
        logits = self._head_forward(features.reshape(B * T, F))[0].reshape(B, T, -1)
        return StepTrace(features, logits, *memory)

    @_checks.refuse_overflow
    def head_logits(self, features) -> np.ndarray:
        """Class scores (B, C) from the core's features (B, F) through the MLP head alone (for an RMC
        the flattened last memory, S*P wide), e.g. to score an edited memory."""
        width = self.params["head0.W"].shape[0]
        features = _checks.cast("features", _checks.array("features", features, (None, width), "(B, F)"), self.dtype)
        return self._head_forward(features)[0]

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

    def check_batch(self, X, y):
        """(X, y) as the model uses them, or the ValueError / TypeError ``loss`` would raise."""
        X = self._check_X(X)
        return X, self._check_y(y, X.shape[0])

    # --- pieces -------------------------------------------------------------------------
    def _head_forward(self, features):
        W = [self.params[f"head{layer}.W"] for layer in range(self.num_head_layers)]
        b = [self.params[f"head{layer}.b"] for layer in range(self.num_head_layers)]
        return mlp_forward(features, W, b)

    def _check_X(self, X) -> np.ndarray:
        X = _checks.array("X", X, (None, None, self.spec["input_size"]), "(B, T, D)")
        return _checks.cast("X", X, self.dtype)

    def _check_y(self, y, batch_size: int) -> np.ndarray:
        if isinstance(y, np.ma.MaskedArray):
            raise TypeError("y must be a plain array of labels, got a masked array")
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
        spec, _ = self.check_spec(dict(input_size=input_size, hidden_size=hidden_size, num_classes=num_classes,
                                       head_sizes=head_sizes, dtype=dtype))
        super().__init__(spec, init_lstm_params(rng, spec["input_size"], spec["hidden_size"]), spec["hidden_size"], rng)

    @staticmethod
    def _core_sizes(spec):
        D = _checks.positive_int("input_size", spec["input_size"])
        H = _checks.positive_int("hidden_size", spec["hidden_size"])
        return dict(input_size=D, hidden_size=H), lstm_parameter_count(D, H), H

    def _core_forward(self, X):
        B, H = X.shape[0], self.spec["hidden_size"]
        h0 = np.zeros((B, H), self.dtype)
        p = self.params
        hs, (h, _), caches = lstm_forward(X, h0, h0, p["core.lstm.Wx"], p["core.lstm.Wh"], p["core.lstm.b"])
        return h, (caches, hs.shape)

    def _core_trace(self, X, use_memory):
        B, H = X.shape[0], self.spec["hidden_size"]
        h0 = np.zeros((B, H), self.dtype)
        p = self.params
        hs, _, _ = lstm_forward(X, h0, h0, p["core.lstm.Wx"], p["core.lstm.Wh"], p["core.lstm.b"])
        return hs, (None,) * 5

    def _core_backward(self, dh, cache):
        caches, shape = cache
        p = self.params
        _, _, _, grads = lstm_backward(np.zeros(shape, self.dtype), caches, p["core.lstm.Wx"], p["core.lstm.Wh"],
                                       dh_last=dh)
        return {"lstm." + key: value for key, value in grads.items()}


class RMCClassifier(SequenceClassifier):
    """The paper's Relational Memory Core read at its last output, the flattened memory (B, S*P).
    attention=False gives the ablation without attention (see ``rrnn.rmc``).

    Parameters: "core.*" as RelationalMemory's params; head from S*P to num_classes.
    """

    name = "rmc"

    def __init__(self, input_size, num_classes, num_slots, head_size, num_heads=1, *, num_blocks=1,
                 attention_mlp_layers=2, key_size=None, gate_style="unit", forget_bias=1.0, input_bias=0.0,
                 attention=True, head_sizes=(128, 128), rng=None, dtype="float64"):
        rng = _checks.as_rng(rng)
        spec, _ = self.check_spec(dict(
            input_size=input_size, num_classes=num_classes, num_slots=num_slots, head_size=head_size,
            num_heads=num_heads, num_blocks=num_blocks, attention_mlp_layers=attention_mlp_layers, key_size=key_size,
            gate_style=gate_style, forget_bias=forget_bias, input_bias=input_bias, attention=attention,
            head_sizes=head_sizes, dtype=dtype))
        self.config = self._config(spec)
        super().__init__(spec, init_rmc_params(rng, self.config), self.config.num_slots * self.config.slot_size, rng)

    @staticmethod
    def _config(spec) -> RMCConfig:
        return RMCConfig(*(spec[k] for k in ("input_size", "num_slots", "head_size", "num_heads", "num_blocks",
                                             "attention_mlp_layers", "key_size", "gate_style", "forget_bias",
                                             "input_bias", "attention")))

    @classmethod
    def _core_sizes(cls, spec):
        c = cls._config(spec)   # validates every size and refuses a core too large to build
        core = dict(input_size=c.input_size, num_slots=c.num_slots, head_size=c.head_size, num_heads=c.num_heads,
                    num_blocks=c.num_blocks, attention_mlp_layers=c.attention_mlp_layers,
                    key_size=None if spec["key_size"] is None else c.key_size, gate_style=c.gate_style,
                    forget_bias=c.forget_bias, input_bias=c.input_bias, attention=c.attention)
        return core, c.parameter_count, c.num_slots * c.slot_size

    def _core_forward(self, X):
        memory = rmc_initial_state(self.config, X.shape[0], self.dtype)
        outputs, _, caches = rmc_forward(X, memory, self._core(), self.config)
        return outputs[:, -1], (caches, outputs.shape)

    def _core_trace(self, X, use_memory):
        memory = rmc_initial_state(self.config, X.shape[0], self.dtype)
        outputs, last, caches = rmc_forward(X, memory, self._core(), self.config)
        return outputs, _memory_steps(caches, last)

    def _core_backward(self, dfeatures, cache):
        caches, _ = cache
        # only the last step's output is read, and it is the flattened final memory
        _, _, grads = rmc_backward(None, caches, self._core(), self.config,
                                   dmemory_last=dfeatures.reshape(caches[-1].memory.shape))
        return grads


class HybridClassifier(SequenceClassifier):
    """The seed demo's LSTM + relational-memory hybrid read at its last output (B, H).

    Parameters: "core.lstm.*", "core.rmc.*", "core.combine.*" as RelationalRNNCell's params;
    head from H to num_classes. readout ("mean" or "flat") and memory_input ("h" or "x") are the
    ablations of ``rrnn.hybrid``; with "flat", combine.W is (H + S*P, H); with "x", the memory's
    input projection reads D features.
    """

    name = "hybrid"

    def __init__(self, input_size, hidden_size, num_classes, num_slots=4, slot_size=64, num_heads=2,
                 head_sizes=(128, 128), *, readout="mean", memory_input="h", rng=None, dtype="float64"):
        rng = _checks.as_rng(rng)
        spec, _ = self.check_spec(dict(input_size=input_size, hidden_size=hidden_size, num_classes=num_classes,
                                       num_slots=num_slots, slot_size=slot_size, num_heads=num_heads,
                                       readout=readout, memory_input=memory_input, head_sizes=head_sizes, dtype=dtype))
        D, H, P = spec["input_size"], spec["hidden_size"], spec["slot_size"]
        self.options = HybridOptions(spec["readout"], spec["memory_input"])
        self.config = self._memory(spec, self.options)
        core = init_lstm_params(rng, D, H)
        core.update({"rmc." + key: value for key, value in init_rmc_params(rng, self.config).items()})
        core["combine.W"] = init.xavier_uniform(rng, H + self.options.readout_size(spec["num_slots"], P), H)
        core["combine.b"] = np.zeros(H)
        super().__init__(spec, core, H, rng)

    @staticmethod
    def _memory(spec, options: HybridOptions):
        """The memory's RMCConfig: its input row is h (H wide) or, with memory_input "x", x (D wide)."""
        width = spec["input_size"] if options.memory_input == "x" else spec["hidden_size"]
        return _memory_config(width, spec["num_slots"], spec["slot_size"], spec["num_heads"])

    @classmethod
    def _core_sizes(cls, spec):
        D = _checks.positive_int("input_size", spec["input_size"])
        H = _checks.positive_int("hidden_size", spec["hidden_size"])
        options = HybridOptions(spec["readout"], spec["memory_input"]).check()
        c = cls._memory(dict(spec, input_size=D, hidden_size=H), options)
        P, R = c.slot_size, options.readout_size(c.num_slots, c.slot_size)
        core = dict(input_size=D, hidden_size=H, num_slots=c.num_slots, slot_size=P, num_heads=c.num_heads,
                    readout=options.readout, memory_input=options.memory_input)
        return core, lstm_parameter_count(D, H) + c.parameter_count + (H + R) * H + H, H

    def _core_forward(self, X):
        B, H = X.shape[0], self.spec["hidden_size"]
        h0 = np.zeros((B, H), self.dtype)
        memory = rmc_initial_state(self.config, B, self.dtype)
        outputs, _, caches = hybrid_forward(X, h0, h0, memory, self._core(), self.config, options=self.options)
        return outputs[:, -1], (caches, outputs.shape)

    def _core_trace(self, X, use_memory):
        B, H = X.shape[0], self.spec["hidden_size"]
        h0 = np.zeros((B, H), self.dtype)
        memory = rmc_initial_state(self.config, B, self.dtype)
        outputs, (_, _, last), caches = hybrid_forward(X, h0, h0, memory, self._core(), self.config, use_memory,
                                                       self.options)
        return outputs, _memory_steps([cache.rmc for cache in caches], last)

    def _core_backward(self, dfeatures, cache):
        caches, _ = cache
        # only the last step's output is read
        _, _, grads = hybrid_backward(None, caches, self._core(), self.config, doutput_last=dfeatures)
        return grads


CLASSIFIERS = {cls.name: cls for cls in (LSTMClassifier, RMCClassifier, HybridClassifier)}


def _classifier(spec):
    """The class and constructor keywords a spec names, or a TypeError / ValueError naming the entry."""
    if not isinstance(spec, dict):
        raise TypeError(f"spec must be a dict whose 'model' is one of {sorted(CLASSIFIERS)} (as model.spec "
                        f"gives it), got {spec!r:.200} ({type(spec).__name__})")
    if "model" not in spec:
        raise ValueError(f"spec must have a 'model' entry, one of {sorted(CLASSIFIERS)}; got the keys "
                         f"{sorted(map(str, spec))[:20]}")
    model = spec["model"]
    if not isinstance(model, str):      # a list would reach the dict look-up as "unhashable type"
        raise TypeError(f"spec['model'] must be one of {sorted(CLASSIFIERS)}, got {model!r:.200} ({type(model).__name__})")
    if model not in CLASSIFIERS:
        raise ValueError(f"spec['model'] must be one of {sorted(CLASSIFIERS)}, got {model!r:.200}")
    if "rng" in spec:       # the constructor takes rng, but a spec describes the architecture, not a draw
        raise ValueError(f"spec must not hold 'rng' (a spec describes the architecture; pass rng= to build), "
                         f"got rng={spec['rng']!r:.100}")
    cls = CLASSIFIERS[model]
    kwargs = {key: value for key, value in spec.items() if key != "model"}
    try:
        bound = inspect.signature(cls).bind(**kwargs)
    except TypeError as err:
        raise ValueError(f"spec does not fit a {model!r} classifier: {err}") from err
    bound.apply_defaults()
    return cls, {k: v for k, v in bound.arguments.items() if k != "rng"}


def parameter_count(spec: dict) -> int:
    """How many parameters ``build(spec)`` would make, after checking the spec, without building.

    Raises ValueError or TypeError naming the entry for a spec that does not describe a
    buildable classifier (unknown model or keys, bad sizes, too large to build).
    """
    cls, kwargs = _classifier(spec)
    return cls.check_spec(kwargs)[1]


def build(spec: dict, *, rng=None) -> SequenceClassifier:
    """Rebuild a classifier from its ``spec`` (as ``model.spec`` gives it).

    A spec that is not a dict, or whose ``'model'`` is not one of ``CLASSIFIERS``' names, is a
    TypeError / ValueError naming ``spec`` or ``spec['model']``, the valid names and what was given;
    bad sizes are the constructor's errors, naming the size."""
    cls, kwargs = _classifier(spec)
    return cls(**kwargs, rng=rng)
