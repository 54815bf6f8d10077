"""Train a classifier on a synthetic task, from Python or from the command line.

From Python::

    model = rrnn.models.build({"model": "rmc", "input_size": 16, "num_classes": 4, ...})
    task = functools.partial(rrnn.tasks.nth_farthest, num_vectors=4, vector_dim=4)
    history = train(model, task, steps=2000, batch_size=1024, lr=1e-3, rng=0)

From the shell (writes DIR/weights.npz and DIR/history.json)::

    python -m rrnn.train --task nth-farthest --model rmc --steps 2000 --batch-size 1024 \\
        --lr 1e-3 --seed 0 --out runs/rmc --float32 --time-budget 300

Every batch is fresh. The held-out batch is drawn once, before training, from its own
random stream, so it is the same whatever the model, optimiser or number of steps.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import hashlib
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from . import _checks, _malloc, io, optim, tasks
from .layers import softmax_cross_entropy


def cross_entropy_and_accuracy(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean softmax cross-entropy (in float64) and accuracy of logits (B, C) for labels y (B,)."""
    return softmax_cross_entropy(logits.astype(np.float64), y)[0], float((logits.argmax(axis=1) == y).mean())


def _check_model(model) -> None:
    for attr in ("params", "loss", "logits"):
        if not hasattr(model, attr):
            raise TypeError(f"model must have .params, .loss(X, y) and .logits(X) "
                            f"(see rrnn.models), got {type(model).__name__} without .{attr}")


def _finite_or_none(value: float):
    """A float for the history, or None where it is NaN or inf (JSON has no NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _draw(task, batch_size: int, rng, model=None):
    """One batch from ``task``; with ``model``, checked against it (the held-out batch, drawn before
    training, so a task that does not fit fails before any step; ``model.loss`` checks the others)."""
    batch = task(batch_size, rng=rng)
    if not (isinstance(batch, tuple) and len(batch) == 2):
        raise TypeError(f"task must return a pair (X, y), got {type(batch).__name__}")
    check = getattr(model, "check_batch", None)
    if check is None:
        return batch
    try:
        return check(*batch)
    except (TypeError, ValueError) as err:
        raise type(err)(f"task returned a held-out batch that does not fit the model: {err}") from err


class _Interrupt:
    """While active (in the main thread), the first Ctrl-C only asks the loop to stop after the
    current step, so the model is never left half-updated; a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    @contextlib.contextmanager
    def active(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def _optional_positive(name: str, value):
    if value is None:
        return None
    value = _checks.finite_float(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be None or > 0, got {value}")
    return value


_STOPPED = {"steps": "all steps", "time_budget": "time budget", "accuracy": "target accuracy",
            "interrupted": "interrupted", "non_finite_loss": "diverged", "non_finite_update": "diverged"}


def _stopped(history: dict) -> str:
    """Why a run stopped, in a few words for the progress bar's final state ("target +400 steps": it
    reached the target accuracy, then trained 400 more steps)."""
    if history["stop_reason"] == "accuracy" and history.get("target_step") is not None \
            and len(history["loss"]) > history["target_step"]:
        return f"target +{len(history['loss']) - history['target_step']:,} steps"   # short: a saved widget's text is cut
    return _STOPPED[history["stop_reason"]]


def _widget_bar() -> bool:
    """Is ``tqdm.auto``'s bar the Jupyter widget (it chose it on import: a kernel with ipywidgets)?"""
    try:
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:
        return False
    return issubclass(tqdm, notebook_tqdm)


def _shorten(bar, total: int) -> None:
    """Make ``total`` the bar's end (its time left is then to the run's real end), keeping its count
    and clock; in Jupyter also the widget's bar (``tqdm.notebook`` keeps its maximum there)."""
    bar.total = total
    children = getattr(getattr(bar, "container", None), "children", ())
    if len(children) == 3 and hasattr(children[1], "max"):     # (text, bar, text), as tqdm.notebook builds it
        children[1].max = total


@contextlib.contextmanager
def _progress_bar(steps: int, enabled: bool, history: dict):
    """tqdm's bar over ``steps``: a widget in Jupyter, text on stderr elsewhere.

    A widget's text form (what a saved notebook shows where no widget can render, e.g. on GitHub)
    is taken when it is displayed, at 0 steps. So in Jupyter the bar is displayed with a display id
    and that display is updated once the run ends: the saved notebook shows the final state (steps
    done, time taken, why it stopped). A run that stops where it was asked to (the target accuracy,
    the time budget) ends green, not in tqdm's red for "fewer steps than the total"."""
    widget = enabled and _widget_bar()
    bar = tqdm(total=steps, disable=not enabled, unit="step",      # the widget's text form is not cut to a width
               **({"display": False} if widget else {"dynamic_ncols": True}))
    handle = None
    if widget:
        from IPython.display import display
        handle = display(bar.container, display_id=True)
    try:
        with bar:
            yield bar
            if enabled:   # the final state: no time left to estimate, and why the run stopped
                bar.bar_format = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}{postfix}]"
                bar.smoothing = 0     # the rate over the whole run, not the last moments
                last = (f"loss={history['loss'][-1]:.3f}, " if history["loss"] else "") + \
                    (f"test_acc={history['test_accuracy'][-1]:.2f}, " if history["test_accuracy"] else "")
                bar.set_postfix_str(f"{last}stopped: {_stopped(history)}", refresh=False)
    finally:
        if handle is not None:
            if history["stop_reason"] in ("steps", "time_budget", "accuracy"):
                bar.disp(bar_style="success", check_delay=False)
            handle.update(bar.container)


def train(model, task, *, steps: int, batch_size: int, optimizer: str = "adam", lr: float = 1e-3,
          clip: float | None = None, eval_every: int = 100, eval_batch_size: int = 1000, rng=None,
          progress: bool = True, time_budget: float | None = None, stop_at_accuracy: float | None = None,
          then_steps: int = 0, callback=None) -> dict:
    """Train ``model`` in place on fresh batches from ``task``; return the history.

    Args:
      model: a classifier with ``params``, ``loss(X, y, return_logits) -> (loss, grads[,
        logits])`` and ``logits(X)`` (see rrnn.models).
      task: callable ``task(batch_size, rng=Generator) -> (X (B, T, D), y (B,))``, e.g.
        ``functools.partial(rrnn.tasks.nth_farthest, num_vectors=4, vector_dim=4)``.
      steps: number of optimiser steps (fewer if ``time_budget`` runs out first).
      batch_size: B for training batches.
      optimizer: "adam" or "sgd" (see rrnn.optim.OPTIMIZERS), built on ``model.params``.
      lr: learning rate.
      clip: if given, clip the global gradient norm to this value before each step.
      eval_every: evaluate on the held-out batch every this many steps (and at step 0 and
        at the last step).
      eval_batch_size: size of the held-out batch.
      rng: int seed or np.random.Generator; split into one stream for the held-out batch
        and one for training batches.
      progress: show a tqdm progress bar with loss and accuracy (on stderr; in Jupyter a widget
        whose saved form shows the run's final state).
      time_budget: seconds; stop after the first step that ends past this.
      stop_at_accuracy: if given, in (0, 1]: stop at the first evaluation (after a step) whose
        held-out accuracy reaches it, e.g. 0.8 for an ablation's budget.
      then_steps: with ``stop_at_accuracy``: once the held-out accuracy first reaches it, train this
        many more steps, then stop (0, the default: stop at once). ``steps`` stays the cap: a run
        that reaches the target too late to train them all stops at ``steps``, with stop_reason
        "steps". Notebook 08's live run uses it to show the climb after the plateau.
      callback: if given, called as ``callback(history)`` after every evaluation (also the
        first, before any step), e.g. to redraw a live curve (``rrnn.dash.live``).

    Returns:
      dict of lists (JSON-able):
        "loss", "train_accuracy", "grad_norm" (before clipping), "seconds" (wall time since
        the start, after each step): one entry per step taken;
        "eval_step", "test_loss", "test_accuracy": one entry per evaluation;
      "target_step": the step of the first evaluation at or above ``stop_at_accuracy`` (None if it
        was never reached or not given);
      and "stop_reason": "steps", "time_budget", "accuracy" (stop_at_accuracy reached, and then_steps
        more steps trained), "interrupted" (Ctrl-C, or interrupting the
      kernel: training stops after the current step and returns what it has),
      "non_finite_loss" (stopped at the first NaN or inf loss rather than feeding it to the
      optimiser) or "non_finite_update" (the optimiser refused a step that would make a weight
      NaN or inf: the learning rate is far too large). A value that is not finite (a held-out
      loss after the weights blew up) is recorded as None.

    Raises ValueError / TypeError naming the argument for bad arguments, and before any step
    if the task's batches do not fit the model (wrong width, labels outside [0, C)).
    """
    _check_model(model)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be None or callable as callback(history), got {type(callback).__name__}")
    if not callable(task):
        raise TypeError(f"task must be callable as task(batch_size, rng=...), got {type(task).__name__}")
    steps = _checks.positive_int("steps", steps)
    batch_size = _checks.positive_int("batch_size", batch_size)
    eval_every = _checks.positive_int("eval_every", eval_every)
    eval_batch_size = _checks.positive_int("eval_batch_size", eval_batch_size)
    if not isinstance(optimizer, str) or optimizer not in optim.OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(optim.OPTIMIZERS)}, got {optimizer!r}")
    opt = optim.OPTIMIZERS[optimizer](model.params, lr=lr)   # validates lr
    clip = _optional_positive("clip", clip)
    time_budget = _optional_positive("time_budget", time_budget)
    stop_at_accuracy = _optional_positive("stop_at_accuracy", stop_at_accuracy)
    if stop_at_accuracy is not None and stop_at_accuracy > 1:
        raise ValueError(f"stop_at_accuracy must be None or in (0, 1], got {stop_at_accuracy}")
    if isinstance(then_steps, (bool, np.bool_)) or not isinstance(then_steps, (int, np.integer)) or then_steps < 0:
        raise ValueError(f"then_steps must be a whole number of steps >= 0, got {then_steps!r}")
    then_steps = int(then_steps)
    if then_steps and stop_at_accuracy is None:
        raise ValueError(f"then_steps={then_steps} needs stop_at_accuracy: it counts the steps trained after the "
                         f"held-out accuracy first reaches it")

    _malloc.keep_freed_memory()   # each step reuses the last one's freed memory (see rrnn/_malloc.py)

    # Two independent streams from one seed: the held-out batch never depends on how
    # many training batches were drawn.
    eval_seed, train_seed = _checks.as_rng(rng).integers(0, 2**63, size=2)
    X_test, y_test = _draw(task, eval_batch_size, np.random.default_rng(eval_seed), model)
    train_rng = np.random.default_rng(train_seed)

    history = {"loss": [], "train_accuracy": [], "grad_norm": [], "seconds": [],
               "eval_step": [], "test_loss": [], "test_accuracy": [], "target_step": None, "stop_reason": "steps"}

    # A diverging run's held-out logits may overflow: record that (as a None loss, and the next
    # step stops on its non-finite loss) rather than let logits() refuse it.
    raw_logits = getattr(type(model).logits, "__wrapped__", type(model).logits)

    def evaluate(step):
        with np.errstate(over="ignore", invalid="ignore"):
            test_loss, test_acc = cross_entropy_and_accuracy(raw_logits(model, X_test), y_test)
        history["eval_step"].append(step)
        history["test_loss"].append(_finite_or_none(test_loss))
        history["test_accuracy"].append(test_acc)
        if callback is not None:
            callback(history)

    evaluate(0)
    end = None           # the last step once the target is reached: target_step + then_steps
    start = time.perf_counter()
    with _Interrupt().active() as interrupt, _progress_bar(steps, progress, history) as bar:
        for step in range(1, steps + 1):
            X, y = _draw(task, batch_size, train_rng)
            loss, grads, logits = model.loss(X, y, return_logits=True)
            if not math.isfinite(loss):
                history["stop_reason"] = "non_finite_loss"
                break
            train_acc = float((logits.argmax(axis=1) == y).mean())  # the weights that made this loss
            with np.errstate(over="ignore"):   # an overflowing norm is refused by opt.step below
                norm = optim.clip_grad_norm(grads, clip) if clip else optim.global_norm(grads)
            try:
                opt.step(grads)
            except optim.NonFiniteUpdate:
                history["stop_reason"] = "non_finite_update"
                break

            history["loss"].append(float(loss))
            history["train_accuracy"].append(train_acc)
            history["grad_norm"].append(_finite_or_none(norm))
            history["seconds"].append(time.perf_counter() - start)
            out_of_time = time_budget is not None and history["seconds"][-1] > time_budget
            evaluated = step % eval_every == 0 or step == steps or step == end or out_of_time
            if evaluated:
                evaluate(step)
            climbing = {} if end is None or step >= end else \
                {"target": f"step {history['target_step']:,}, {end - step:,} more steps"}
            bar.set_postfix(loss=f"{loss:.3f}", acc=f"{train_acc:.2f}",
                            test_acc=f"{history['test_accuracy'][-1]:.2f}", **climbing, refresh=False)
            bar.update(1)
            if out_of_time:
                history["stop_reason"] = "time_budget"
                break
            if evaluated and end is None and stop_at_accuracy is not None \
                    and history["test_accuracy"][-1] >= stop_at_accuracy:
                history["target_step"], end = step, step + then_steps
                if then_steps and end < steps:         # the bar's time left is now to the real end
                    _shorten(bar, end)
            if end is not None and step >= end:
                history["stop_reason"] = "accuracy"
                break
            if interrupt.requested:
                if step % eval_every and step != steps:
                    evaluate(step)
                history["stop_reason"] = "interrupted"
                break
    return history


# ---------------------------------------------------------------- reading a history
def accuracy_curve(history: dict) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, held-out accuracy) at each evaluation of a ``train`` history; step 0 is at 0 s."""
    seconds = np.concatenate([[0.0], history["seconds"]])
    steps = np.asarray(history["eval_step"], dtype=int)
    return seconds[steps], np.asarray(history["test_accuracy"], dtype=float)


def _first_evaluation_above(history: dict, level: float) -> int | None:
    reached = np.flatnonzero(np.asarray(history["test_accuracy"]) >= level)
    return int(reached[0]) if reached.size else None


def first_time_above(history: dict, level: float) -> float | None:
    """Seconds at the first evaluation whose held-out accuracy reached ``level`` (None: never)."""
    i = _first_evaluation_above(history, level)
    return None if i is None else float(accuracy_curve(history)[0][i])


def first_step_above(history: dict, level: float) -> int | None:
    """The step of that evaluation (None: never)."""
    i = _first_evaluation_above(history, level)
    return None if i is None else int(history["eval_step"][i])



PER_STEP = ("loss", "train_accuracy", "grad_norm", "seconds")


def thin_history(history: dict, every: int = 10, exact_first: int = 0) -> dict:
    """A copy of a ``train`` history small enough to ship: the per-step series (PER_STEP) kept at
    every ``every``-th step rounded to 5 decimals, and unrounded at the first ``exact_first`` steps
    (so a test can compare a re-run bit for bit); "step" lists the steps kept. Evaluations stay whole."""
    steps = len(history["loss"])
    kept = sorted(set(range(1, min(steps, exact_first) + 1)) | set(range(every, steps + 1, every)))
    thin = dict(history, step=kept)
    for key in PER_STEP:
        thin[key] = [history[key][s - 1] if s <= exact_first else round(history[key][s - 1], 5) for s in kept]
    return thin

# ---------------------------------------------------------------- command line
def make_task(args) -> tuple:
    """The task callable for ``args.task``, with its input width D and class count C."""
    if args.task == "nth-farthest":
        task = functools.partial(tasks.nth_farthest, num_vectors=args.num_vectors, vector_dim=args.vector_dim)
        return task, args.vector_dim + 3 * args.num_vectors, args.num_vectors
    if args.task == "which-pattern":
        task = functools.partial(tasks.which_pattern, input_size=args.input_size, min_len=args.min_len,
                                 max_len=args.max_len)
        return task, args.input_size, len(tasks.PATTERN_NAMES)
    task = functools.partial(tasks.associative_recall, num_pairs=args.num_pairs, num_keys=args.num_keys,
                             num_values=args.num_values)
    return task, args.num_keys + args.num_values + 1, args.num_values


def make_spec(args, input_size: int, num_classes: int) -> dict:
    """The ``rrnn.models.build`` spec for ``args.model`` with the size flags that apply to it."""
    spec = {"model": args.model, "input_size": input_size, "num_classes": num_classes,
            "head_sizes": list(args.head_sizes), "dtype": "float32" if args.float32 else "float64"}
    if args.model == "lstm":
        spec.update(hidden_size=args.hidden_size)
    elif args.model == "rmc":
        spec.update(num_slots=args.num_slots, head_size=args.head_size, num_heads=args.num_heads,
                    num_blocks=args.num_blocks, gate_style=None if args.gate_style == "none" else args.gate_style,
                    attention=not args.no_attention)
    else:
        spec.update(hidden_size=args.hidden_size, num_slots=args.num_slots, slot_size=args.slot_size,
                    num_heads=args.num_heads, readout=args.readout, memory_input=args.memory_input)
    return spec


def _int_list(text: str) -> list:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints like 128,128, got {text!r}")
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return sizes


def _positive(kind, *, zero: bool = False):
    """An argparse type: ``kind`` (int or float) that must be > 0 (>= 0 with ``zero``), and finite."""
    word = "non-negative" if zero else "positive"

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {word} {kind.__name__}, got {text!r}")
        if not (value >= 0 if zero else value > 0) or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a {word} {kind.__name__}, got {text!r}")
        return value
    convert.__name__ = f"{word} {kind.__name__}"
    return convert


def parser() -> argparse.ArgumentParser:
    from . import models
    p = argparse.ArgumentParser(prog="python -m rrnn.train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--task", choices=sorted(tasks.TASKS), default="nth-farthest", help="see rrnn.tasks")
    p.add_argument("--model", choices=sorted(models.CLASSIFIERS), default="rmc", help="see rrnn.models")
    p.add_argument("--steps", type=_positive(int), required=True, help="optimiser steps, one fresh batch each")
    p.add_argument("--batch-size", type=_positive(int), default=1024, help="training batch size")
    p.add_argument("--optimizer", choices=sorted(optim.OPTIMIZERS), default="adam", help="see rrnn.optim")
    p.add_argument("--lr", type=_positive(float), default=1e-3, help="learning rate")
    p.add_argument("--clip", type=_positive(float), default=None, help="max global gradient norm")
    p.add_argument("--seed", type=_positive(int, zero=True), default=0, help="one seed for the weights, the data and the held-out batch")
    p.add_argument("--out", required=True, help="directory for weights.npz and history.json (made if needed)")
    p.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    p.add_argument("--float32", action="store_true", help="train in float32 (faster and half the memory; the default float64 is what gradient checks use)")
    p.add_argument("--time-budget", type=_positive(float), default=None, help="stop after this many seconds")
    p.add_argument("--stop-at-accuracy", type=_positive(float), default=None,
                   help="stop at the first held-out evaluation at or above this accuracy, in (0, 1]")
    p.add_argument("--then-steps", type=_positive(int, zero=True), default=0,
                   help="after the held-out accuracy first reaches --stop-at-accuracy, train this many more steps, "
                        "then stop (--steps stays the cap)")
    p.add_argument("--eval-every", type=_positive(int), default=100, help="steps between held-out evaluations")
    p.add_argument("--eval-batch-size", type=_positive(int), default=1000, help="size of the fixed held-out batch")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    t = p.add_argument_group("task sizes")
    t.add_argument("--num-vectors", type=_positive(int), default=4, help="nth-farthest: vectors per sequence")
    t.add_argument("--vector-dim", type=_positive(int), default=4, help="nth-farthest: size of each vector")
    t.add_argument("--num-pairs", type=_positive(int), default=3, help="associative-recall: pairs before the query")
    t.add_argument("--num-keys", type=_positive(int), default=8, help="associative-recall: key alphabet")
    t.add_argument("--num-values", type=_positive(int), default=8, help="associative-recall: value alphabet (classes)")
    t.add_argument("--input-size", type=_positive(int), default=32, help="which-pattern: features per step")
    t.add_argument("--min-len", type=_positive(int), default=10, help="which-pattern: shortest sequence")
    t.add_argument("--max-len", type=_positive(int), default=25, help="which-pattern: longest sequence")
    m = p.add_argument_group("model sizes")
    m.add_argument("--hidden-size", type=_positive(int), default=128, help="lstm, hybrid: LSTM units H")
    m.add_argument("--num-slots", type=_positive(int), default=2, help="rmc, hybrid: memory slots S")
    m.add_argument("--head-size", type=_positive(int), default=32, help="rmc: head size K")
    m.add_argument("--num-heads", type=_positive(int), default=2, help="rmc, hybrid: attention heads A")
    m.add_argument("--num-blocks", type=_positive(int), default=1, help="rmc: attention blocks per step")
    m.add_argument("--gate-style", choices=["unit", "memory", "none"], default="unit",
                   help="rmc: gate per unit, per slot, or none (the next memory is M_att)")
    m.add_argument("--no-attention", action="store_true",
                   help="rmc: the ablation without attention (slots updated by the MLP and gates alone)")
    m.add_argument("--slot-size", type=_positive(int), default=64, help="hybrid: slot width P")
    m.add_argument("--readout", choices=["mean", "flat"], default="mean",
                   help="hybrid: read the memory as its slot mean (the seed demo's) or flattened")
    m.add_argument("--memory-input", choices=["h", "x"], default="h",
                   help="hybrid: the memory's input row is the LSTM's h (the seed demo's) or the input x")
    m.add_argument("--head-sizes", type=_int_list, default=[128, 128], help="MLP head widths, e.g. 128,128")
    return p


RUN_FILES = ("weights.npz", "history.json")


def check_out(out: str, overwrite: bool) -> str:
    """Make the directory ``out`` if needed, before training: the reason it cannot hold the run,
    as a ValueError, rather than a traceback after the run is done."""
    if not out:
        raise ValueError("--out must name a directory, got an empty string")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out {out!r} is a file; it must be a directory (or not exist yet)")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out {out!r} cannot be made ({err.strerror or err})") from err
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out!r} is not writable")
    held = [name for name in RUN_FILES if os.path.exists(os.path.join(out, name))]
    if held and not overwrite:
        raise ValueError(f"--out {out!r} already holds a run ({', '.join(held)}); pass --overwrite to "
                         f"replace it, or choose another --out")
    return out


def write_run(model, history: dict, args, argv, out=None) -> str:
    """Replace the run in ``out`` (default ``args.out``) as a whole: weights.npz and history.json together.

    Both files are first written in full beside their targets, so a full disk, an error or an
    interruption up to then leaves the previous run as it was (and no temporaries). They are then
    renamed into place with SIGINT and SIGTERM held until both are (the held signals are delivered
    right after), and the old weights are put back if the second rename fails. history.json
    records the SHA-256 of weights.npz, so :func:`read_run` can tell a pair that was not written
    together (a power cut between the two renames). Returns ``out``; an OSError names the target.
    """
    out = os.fspath(args.out if out is None else out)
    weights, record_path = (os.path.join(out, name) for name in RUN_FILES)
    staged = {}
    try:
        staged[weights] = io.stage(weights, lambda f: io.save_to(model, f))
        record = {"history": history, "args": vars(args), "argv": argv, "seed": args.seed, "spec": model.spec,
                  "weights_sha256": _sha256(staged[weights])}
        text = json.dumps(record, indent=1, allow_nan=False).encode()
        staged[record_path] = io.stage(record_path, lambda f: f.write(text))
        with _signals_held():
            _replace_together(staged)
    finally:
        for tmp in staged.values():
            io.discard(tmp)
    return out


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _replace_together(staged: dict) -> None:
    """Rename each staged temporary onto its target, in order; if one fails, put back the targets
    already replaced (from hard links of the old files), so all are replaced or none."""
    for target in staged:   # the one failure a rename is likely to meet, found before any rename
        if os.path.isdir(target):
            raise IsADirectoryError(errno.EISDIR, "a directory is in the way of the run's file", target)
    backups, done = {}, []
    try:
        for target, tmp in staged.items():
            existed = os.path.lexists(target)
            if existed:
                with contextlib.suppress(OSError):   # a file system without hard links: no way back
                    os.link(target, f"{tmp}.previous")
                    backups[target] = f"{tmp}.previous"
            io.commit(tmp, target)
            done.append((target, existed))
    except BaseException:
        for target, existed in reversed(done):
            if target in backups:
                os.replace(backups.pop(target), target)
            elif not existed:
                os.unlink(target)
        raise
    finally:
        for backup in backups.values():
            io.discard(backup)


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait until the block ends (in the main thread; elsewhere Python delivers
    no signals), then reach the handlers that were in place, in the order they came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in received:
            signal.raise_signal(signum)


class _HeldAfterTraining:
    """Signals the command holds from the moment training returns until the run is written: the
    run is written whole, then the command says it was interrupted. Before that, SIGINT raises
    KeyboardInterrupt and SIGTERM ends the process, as they would without this handler."""

    def __init__(self):
        self.holding = False
        self.received = []

    def _handle(self, signum, frame):
        if self.holding:
            self.received.append(signal.Signals(signum).name)
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    @contextlib.contextmanager
    def active(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self._handle) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def read_run(folder) -> dict:
    """The record (history.json) of the run in ``folder``, checked to belong with its weights.npz.

    Raises FileNotFoundError if the folder holds no run, and a ValueError naming the folder if it
    holds only one of the two files, or a weights.npz other than the one its history.json was
    written with (a mixed run). Runs written before history.json recorded ``weights_sha256`` are
    not checked. Whether the run was interrupted is ``record["history"]["stop_reason"]``.
    """
    folder = os.fspath(folder)
    weights, record_path = (os.path.join(folder, name) for name in RUN_FILES)
    present = [name for name in RUN_FILES if os.path.exists(os.path.join(folder, name))]
    if not present:
        raise FileNotFoundError(f"no run in {folder!r} (neither {' nor '.join(RUN_FILES)})")
    if len(present) == 1:
        missing = next(name for name in RUN_FILES if name not in present)
        raise ValueError(f"{folder!r} holds a partial run: {present[0]} without {missing}")
    record = io.read_json(record_path, "training record")
    expected = record.get("weights_sha256")
    if expected is not None and (not os.path.isfile(weights) or _sha256(weights) != expected):
        raise ValueError(f"{folder!r} holds a mixed run: its weights.npz is not the one its history.json was "
                         f"written with (SHA-256 {expected[:12]}...)")
    return record


def load_run(folder) -> tuple:
    """``(model, record)`` of the run in ``folder``, after :func:`read_run`'s checks."""
    record = read_run(folder)
    return io.load(os.path.join(os.fspath(folder), RUN_FILES[0])), record


def build_run(args) -> tuple:
    """(model, task, train keywords) for parsed command-line ``args``: exactly what the command
    runs, so ``train(model, task, **keywords)`` in a notebook repeats a recorded command.

    Raises ValueError for sizes that do not fit together (e.g. num_keys < num_pairs) or that
    cannot be allocated.
    """
    from . import models
    if getattr(args, "then_steps", 0) and args.stop_at_accuracy is None:
        raise ValueError(f"--then-steps {args.then_steps} needs --stop-at-accuracy: it counts the steps trained "
                         f"after the held-out accuracy first reaches it")
    task, input_size, num_classes = make_task(args)
    X, _ = task(1, rng=0)
    for flag, size in (("--batch-size", args.batch_size), ("--eval-batch-size", args.eval_batch_size)):
        _checks.allocation((size,) + X.shape[1:], **{flag.strip("-").replace("-", "_"): size})
    # Independent streams for the initial weights and for training, both from --seed.
    model_seed, train_seed = np.random.SeedSequence(args.seed).generate_state(2, dtype=np.uint64)
    model = models.build(make_spec(args, input_size, num_classes), rng=int(model_seed))
    keywords = dict(steps=args.steps, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
                    clip=args.clip, eval_every=args.eval_every, eval_batch_size=args.eval_batch_size,
                    rng=int(train_seed), progress=not args.no_progress, time_budget=args.time_budget,
                    stop_at_accuracy=args.stop_at_accuracy, then_steps=getattr(args, "then_steps", 0))
    return model, task, keywords


# The run notebook 08 trains live (beside rrnn.dash.live's curve) and experiments/live_training repeats,
# as the command line that repeats it: until the held-out accuracy leaves the 50% plateau (the first
# evaluation at or above rrnn.ablations.LEFT_PLATEAU, 55%), then LIVE_CLIMB_STEPS more steps so the
# climb is seen, or LIVE_STEP_CAP steps, whichever is first:
#     python -m rrnn.train <LIVE_NTH_FARTHEST> --seed 0 --steps 4000 --stop-at-accuracy 0.55 \
#         --then-steps 400 --out DIR
# (the paper's Nth-farthest setting at CPU scale, as experiments/nth_farthest/run.py trains the RMC,
# evaluated every 50 steps on 1,000 held-out questions so the curve moves often). A run is bounded by
# steps, not seconds: leaving the plateau takes about 1,500 steps on any machine, in however many seconds.
LIVE_NTH_FARTHEST = ["--task", "nth-farthest", "--num-vectors", "4", "--vector-dim", "4", "--model", "rmc",
                     "--num-slots", "2", "--num-heads", "2", "--head-size", "32", "--batch-size", "1024",
                     "--lr", "1e-3", "--float32", "--eval-every", "50", "--eval-batch-size", "1000"]
LIVE_STEP_CAP = 4000     # about twice the most steps a recorded seed took to leave the plateau
# Steps trained after the first evaluation at 55%: one point above the plateau's noise (1,000 held-out
# questions, about +-1.6 points) is a blip on the curve, the climb is what shows the escape. In the
# shipped records (rrnn/records/ablations/rmc-s*.json and rmc-4slots-s*.json, six runs) the RMC went from
# 55% to 65% in 100-400 steps and to 70% in 200-600: after 400 steps a run is typically at 65-70%.
LIVE_CLIMB_STEPS = 400
# How long the live run takes, per random seed (experiments/live_training/run.py writes it; a checkout of
# the repository has it, an installed package does not)
LIVE_RECORD = Path(__file__).resolve().parents[1] / "experiments" / "live_training" / "record.json"


def live_runs_summary(runs: list) -> dict:
    """What a set of live runs (``experiments/live_training/record.json``: one dict per random seed)
    says about how long the live run takes: "seeds" and "left_plateau" (how many reached the target),
    and for "step_to_left", "seconds_to_left", "step_to_end", "seconds_to_end" and "ms_per_step" a dict
    of "median", "min" and "max" (over the runs that left the plateau; None if none did; ms per step
    over every run)."""
    left = [r for r in runs if r["step_to_left"] is not None]
    out = {"seeds": len(runs), "left_plateau": len(left)}
    for key in ("step_to_left", "seconds_to_left", "step_to_end", "seconds_to_end", "ms_per_step"):
        values = [r[key] for r in (runs if key == "ms_per_step" else left)]
        out[key] = {"median": float(np.median(values)), "min": min(values), "max": max(values)} if values else None
    return out


def run_from_command(argv: list) -> tuple:
    """(model, task, train keywords) of ``python -m rrnn.train <argv>``, built exactly as the command
    builds them (``--out`` is not needed: nothing is written)."""
    if "--out" not in argv:
        argv = [*argv, "--out", "-"]
    return build_run(parser().parse_args(argv))


def main(argv=None) -> int:
    """The command line. Exit status: 0 done (all steps or the time budget), 1 diverged, 2 usage
    error (nothing trained), 3 the run could not be written to --out (it was kept elsewhere, as the
    last line says), 130 interrupted (what was trained so far is kept; a Ctrl-C or SIGTERM while the
    run is written waits for the write to end)."""
    cli = parser()
    args = cli.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    try:  # sizes that do not fit together, or a --out that cannot hold the run, are usage errors
        model, task, keywords = build_run(args)
        check_out(args.out, args.overwrite)
    except (TypeError, ValueError) as err:
        cli.error(str(err))
    held = _HeldAfterTraining()
    with held.active():
        try:
            history = train(model, task, **keywords)
        except KeyboardInterrupt:   # a second Ctrl-C: the first one asks train() to stop after its step
            print(f"interrupted; nothing written to {args.out}", file=sys.stderr)
            return 130
        except MemoryError:
            print(f"out of memory at --batch-size {args.batch_size}; choose a smaller one", file=sys.stderr)
            return 1
        held.holding = True
        kept, failure = _write_or_keep(model, history, args, argv)
    steps, reason = len(history["loss"]), history["stop_reason"]
    if failure is not None:
        where = f"kept it in {kept} instead" if kept else "and nowhere else either: the trained model is lost"
        print(f"could not write the run to {args.out} ({failure}); {where}", file=sys.stderr)
        return 3
    accuracy = history["test_accuracy"][-1]
    wrote = f"wrote {args.out}/weights.npz and history.json"
    if held.received:
        print(f"{' and '.join(held.received)} while the run was written; {wrote} in full first "
              f"({steps} steps, {reason})", file=sys.stderr)
        return 130
    if reason in ("non_finite_loss", "non_finite_update"):
        what = "the loss was not finite" if reason == "non_finite_loss" else \
            "the next update would have made a weight NaN or inf"
        print(f"diverged after {steps} steps ({what}; try a smaller --lr or --clip); {wrote} as they were "
              f"when it stopped", file=sys.stderr)
        return 1
    if reason == "interrupted":
        print(f"interrupted after {steps} steps; kept what was trained so far: {wrote}, held-out accuracy "
              f"{accuracy:.3f}", file=sys.stderr)
        return 130
    print(f"{steps} steps ({reason}), final test accuracy {accuracy:.3f}; {wrote}")
    return 0


def _write_or_keep(model, history: dict, args, argv) -> tuple:
    """Write the run to --out; if that fails, to a new folder beside it, else in the system's temporary
    folder. Returns ``(where it was kept, or None, the first error as text, or None)``."""
    try:
        write_run(model, history, args, argv)
        return args.out, None
    except OSError as err:
        failure = f"{type(err).__name__}: {err.strerror or err}" + (f": {err.filename!r}" if err.filename else "")
    parent = os.path.dirname(os.path.abspath(args.out))
    name = os.path.basename(os.path.abspath(args.out)) or "run"
    for folder in (parent, None):
        try:
            kept = tempfile.mkdtemp(prefix=f"{name}.kept-", dir=folder)
        except OSError:
            continue
        try:
            return write_run(model, history, args, argv, out=kept), failure
        except OSError:
            shutil.rmtree(kept, ignore_errors=True)
    return None, failure
