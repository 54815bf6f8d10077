"""The controls every dashboard shares: same names, ranges and labels in every notebook.

Each function returns one ipywidgets control; its name in a dashboard's ``controls`` dict is
the keyword of the study function it feeds (``num_slots``, ``slot_size``, ``num_heads``,
``seq_len``, ``amplitude``, ``seed``, ``pattern``, ``step``), so ``compute(**values)`` just works::

    from rrnn.dash import controls as C

    controls = {
        "num_slots": C.slots_slider(4),                       # IntSlider 1..8
        "slot_size": C.slot_size_slider(64),                  # IntSlider 4..128, step 4
        "num_heads": C.heads_dropdown(2, slot_size=64),       # Dropdown of the divisors of 64
        "seq_len":   C.seq_len_slider(15),                    # IntSlider 2..40
        "amplitude": C.amplitude_slider(1.0),                 # FloatSlider 0..5
        "seed":      C.seed_slider(42),                       # IntSlider 0..99 (the sequence's seed)
        "pattern":   C.pattern_dropdown("step_up"),           # the names of rrnn.patterns.PATTERNS
    }
    controls["num_heads"].follow(controls["slot_size"])      # offer only heads that divide M
    preview = C.PatternPreview(mode=mode)                     # small figure of the input sequence
    Dashboard(controls, MyFigure(mode=mode), compute, figures=[preview])

``PatternPreview.update(result)`` plots ``result.sequence`` (B, T, D) (or an array), so any
study result with a ``sequence`` field drives it. For stepping through time, ``TimeStepper``
bundles a Play button, back/forward buttons and a step slider over steps 1 .. T
(``stepper.slider`` is the control to put in the dict, as ``"step"``;
``stepper.follow(seq_len_slider)`` keeps its range). ``divisors(n)`` lists the valid head counts.

Sliders that trigger a recomputation use ``continuous_update=False`` (they update on release);
the step slider, which only redraws, updates continuously.

A control that must adjust its own value after another control changed (the heads dropdown
when the slot size changes, the step slider when the sequence gets shorter) sets
``settling = True`` meanwhile, so a Dashboard ignores its in-between values, and announces its
final value once when done.
"""
from __future__ import annotations

import contextlib
import numbers

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator
from traitlets import Bunch, TraitError

from .. import _checks, seed_models
from ..patterns import PATTERNS
from ..tasks import PATTERN_NAMES
from .figure import InPlaceFigure

DESCRIPTION_WIDTH = "92px"
CONTROL_WIDTH = "330px"


def control_style(**kwargs):
    """Keyword arguments that give a control the course's label and control widths."""
    return dict(style={"description_width": DESCRIPTION_WIDTH}, layout=widgets.Layout(width=CONTROL_WIDTH), **kwargs)


def divisors(n: int, limit: int | None = None) -> list:
    """The divisors of n in increasing order (at most ``limit``): the valid head counts for a
    slot size n, since every head gets n / heads features (``rrnn._checks.heads_divide``)."""
    return _checks.head_counts(n, limit)


# --- values set from code -------------------------------------------------------------------------
# A value set from code goes through the widget's own validation: a slider clamps a number outside
# its range (as dragging it would), a dropdown takes None as "nothing chosen" (the dashboard's compute
# then refuses it, and the dashboard shows the message); a value the widget type cannot hold at all
# (a list for a slider, an unknown option for a menu) is ipywidgets' TraitError. The course's controls
# re-raise that TraitError naming the control's argument, its label and what it accepts.
class NamedValue:
    """Mixin for an ipywidgets control: ``argument`` is the keyword it feeds; a value the widget
    refuses raises a TraitError naming the argument, the control and what it accepts."""

    argument = "value"

    def accepts(self) -> str:
        if hasattr(self, "options"):
            labels = [opt[1] if isinstance(opt, tuple) else opt for opt in self.options]
            return f"one of {labels} (or None: nothing chosen)"
        if hasattr(self, "min") and hasattr(self, "max"):
            kind = "an int" if isinstance(self.min, numbers.Integral) else "a number"
            return f"{kind} (clamped to [{self.min}, {self.max}])"
        return "True or False" if isinstance(self.value, bool) else f"a {type(self.value).__name__}"

    def __setattr__(self, key, value):
        if key != "value" or not hasattr(self, "value"):    # (the widget's own start-up too)
            return super().__setattr__(key, value)
        before = self.value
        try:
            super().__setattr__(key, value)
        except TraitError as err:
            if self.value is not before:    # accepted, and an observer failed: not a refused value
                raise
            label = getattr(self, "description", "") or type(self).__name__
            raise TraitError(f"{self.argument} (the {label!r} control) must be {self.accepts()}, got "
                             f"{value!r:.100} ({type(value).__name__})") from err


class IntSlider(NamedValue, widgets.IntSlider):
    """An ipywidgets IntSlider whose refusals name its argument (``NamedValue``)."""


class FloatSlider(NamedValue, widgets.FloatSlider):
    """An ipywidgets FloatSlider whose refusals name its argument (``NamedValue``)."""


class FloatLogSlider(NamedValue, widgets.FloatLogSlider):
    """An ipywidgets FloatLogSlider whose refusals name its argument (``NamedValue``)."""


class Dropdown(NamedValue, widgets.Dropdown):
    """An ipywidgets Dropdown whose refusals name its argument (``NamedValue``)."""


class Checkbox(NamedValue, widgets.Checkbox):
    """An ipywidgets Checkbox whose refusals name its argument (``NamedValue``)."""


class Play(NamedValue, widgets.Play):
    """An ipywidgets Play whose refusals name its argument (``NamedValue``)."""


def check_heads_cap(slot_size, num_heads, max_heads: int) -> None:
    """The heads rule (``rrnn._checks.check_heads_divide``), and at most ``max_heads``: the heads a
    figure has room for. An error names ``num_heads``, the valid counts and what was given."""
    _checks.check_heads_divide(slot_size, num_heads)
    if num_heads > max_heads:
        raise ValueError(f"num_heads must be at most {max_heads} (the heads the figure has room for), one of "
                         f"{divisors(slot_size, max_heads)}; got {num_heads}")


def named(control, argument: str):
    """``control`` with ``argument`` (the keyword it feeds) recorded for its messages; returns it."""
    control.argument = argument
    return control


# --- sliders -------------------------------------------------------------------------------------
# A dashboard factory's arguments become the controls' starting values. A widget would clamp an
# out-of-range value silently (or raise a TraitError for an unknown option), so each control checks
# its value first and names the factory's argument, the range and what was given.
def check_value(name: str, value, lo, hi, step=None, *, integer: bool = True):
    """``value`` if it is a number in [lo, hi] (on the step grid lo + k*step for ints), else an error."""
    kind = "an int" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if integer else numbers.Real):
        raise TypeError(f"{name} must be {kind} in [{lo}, {hi}], got {value!r} ({type(value).__name__})")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}] (the range of its control), got {value}")
    if integer and step and (value - lo) % step:
        raise ValueError(f"{name} must be one of {lo}, {lo + step}, ... {hi} (steps of {step}), got {value}")
    return value


def int_slider(name: str, value: int, min: int, max: int, step: int = 1, *, description: str,
               continuous_update: bool = False) -> widgets.IntSlider:
    """An IntSlider over [min, max] starting at ``value``, checked (``name`` is the argument it came from)."""
    return named(IntSlider(value=check_value(name, value, min, max, step), min=min, max=max, step=step,
                           description=description, continuous_update=continuous_update, **control_style()), name)


def float_slider(name: str, value: float, min: float, max: float, step: float, *, description: str,
                 readout_format: str = ".1f") -> widgets.FloatSlider:
    """A FloatSlider over [min, max] starting at ``value``, checked like int_slider."""
    return named(FloatSlider(value=check_value(name, value, min, max, integer=False), min=min, max=max, step=step,
                             description=description, readout_format=readout_format, continuous_update=False,
                             **control_style()), name)


def checkbox(name: str, value: bool, *, description: str) -> widgets.Checkbox:
    """A Checkbox starting at ``value``, which must be a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return named(Checkbox(value=bool(value), description=description, indent=False,
                          layout=widgets.Layout(width=CONTROL_WIDTH)), name)


SLOTS_RANGE = (1, 8)              # the slots slider
SLOT_SIZE_RANGE = (4, 128, 4)     # the slot size slider: min, max, step
SEQ_LEN_RANGE = (2, 40)           # the steps slider


def slots_slider(value: int = 4, *, min: int = SLOTS_RANGE[0], max: int = SLOTS_RANGE[1], description: str = "slots S",
                 name: str = "num_slots") -> widgets.IntSlider:
    """Number of memory slots S."""
    return int_slider(name, value, min, max, description=description)


def slot_size_slider(value: int = 64, *, min: int = SLOT_SIZE_RANGE[0], max: int = SLOT_SIZE_RANGE[1],
                     step: int = SLOT_SIZE_RANGE[2],
                     description: str = "slot size P", name: str = "slot_size") -> widgets.IntSlider:
    """Slot width P (= heads x head size)."""
    return int_slider(name, value, min, max, step, description=description)


def seq_len_slider(value: int = 15, *, min: int = SEQ_LEN_RANGE[0], max: int = SEQ_LEN_RANGE[1], description: str = "steps T",
                   name: str = "seq_len") -> widgets.IntSlider:
    """Sequence length T."""
    return int_slider(name, value, min, max, description=description)


def amplitude_slider(value: float = 1.0, *, min: float = 0.0, max: float = 5.0, step: float = 0.1,
                     description: str = "amplitude", name: str = "amplitude") -> widgets.FloatSlider:
    """A scale applied to the whole input sequence."""
    return float_slider(name, value, min, max, step, description=description)


def seed_slider(value: int = 42, *, min: int = 0, max: int = 99, description: str = "input seed",
                name: str = "seed") -> widgets.IntSlider:
    """The input seed: the random seed of the input sequence (``np.random.default_rng(seed)``)."""
    return int_slider(name, value, min, max, description=description)


def pattern_dropdown(value: str = "step_up", *, patterns=None, description: str = "pattern",
                     name: str = "pattern") -> widgets.Dropdown:
    """The input pattern: options are (description, name) for the names in ``rrnn.patterns.PATTERNS``."""
    names = list(PATTERNS) if patterns is None else list(patterns)
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown pattern(s) {unknown}; choose from {', '.join(PATTERNS)}")
    if not isinstance(value, str) or value not in names:
        raise ValueError(f"{name} must be one of {', '.join(names)}; got {value!r}")
    return named(Dropdown(options=[(PATTERNS[n], n) for n in names], value=value, description=description,
                          **control_style()), name)


# --- controls that settle -------------------------------------------------------------------------
class _Settling:
    """Mixin: ``with self._settling():`` hides in-between values from Dashboards, then
    announces the final value once (observers compare it with what they last showed)."""

    settling = False

    @contextlib.contextmanager
    def _settling(self):
        before = self.value
        self.settling = True
        try:
            yield
        finally:
            self.settling = False
        # one notification with the final value, whatever happened in between
        self.notify_change(Bunch(name="value", old=before, new=self.value, owner=self, type="change"))


class HeadsDropdown(_Settling, NamedValue, widgets.Dropdown):
    """Number of attention heads A, offering only the divisors of the slot size.

    ``set_slot_size(M)`` replaces the options, keeping the current value when it still divides
    M, else taking the largest divisor below it. ``follow(slider)`` does that whenever the
    slider changes. ``max_heads`` caps the options. Set to None from code (nothing chosen), it keeps
    None when the slot size changes, and the dashboard's compute says that num_heads is missing.
    """

    argument = "num_heads"

    def __init__(self, value: int = 2, *, slot_size: int = 64, max_heads: int = 16, description: str = "heads A"):
        self.max_heads = max_heads
        options = divisors(slot_size, max_heads)
        check_heads_cap(slot_size, value, max_heads)
        super().__init__(options=options, value=value, description=description, **control_style())
        self.slot_size = slot_size

    def set_slot_size(self, slot_size: int) -> None:
        options = divisors(slot_size, self.max_heads)
        self.slot_size = slot_size
        if list(self.options) == options:
            return
        value = self.value
        keep = value if value is None or value in options else max(d for d in options if d <= value)
        with self._settling():
            self.options = options       # (ipywidgets resets the value here)
            self.value = keep

    def follow(self, slot_size_control) -> "HeadsDropdown":
        """Keep the options valid for ``slot_size_control.value``; returns self."""
        slot_size_control.observe(lambda change: self.set_slot_size(change["new"]), names="value")
        self.set_slot_size(slot_size_control.value)
        return self


def heads_dropdown(value: int = 2, *, slot_size: int = 64, max_heads: int = 16) -> HeadsDropdown:
    """A HeadsDropdown (see there); call ``.follow(slot_size_slider)`` to keep it valid."""
    return HeadsDropdown(value, slot_size=slot_size, max_heads=max_heads)


def model_choices(models=None) -> list:
    """The model names a menu offers: ``models`` (checked against ``rrnn.seed_models.MODELS``), or all."""
    names = list(seed_models.MODELS) if models is None else list(models)
    for name in names:
        seed_models.check_model(name)
    return names


def check_model_choice(value, models=None) -> str:
    """``value`` if it is one of ``model_choices(models)``, else an error naming ``model``, the choices
    and what was given (a dashboard factory checks it before it builds any widget)."""
    names = model_choices(models)
    if not isinstance(value, str) or value not in names:
        raise (ValueError if value is None or isinstance(value, str) else TypeError)(
            f"model must be one of {', '.join(names)}; got {value!r:.100} ({type(value).__name__})")
    return value


class ModelDropdown(_Settling, NamedValue, widgets.Dropdown):
    """Which memory a study runs (``rrnn.seed_models.MODELS``), labelled as the figures label it.

    ``govern(controls)`` ties the size controls to the choice: a trained model has the sizes it
    was trained with (``seed_models.trained_sizes``), so choosing one sets and locks slot size and
    heads - and slots for the trained hybrid - and choosing an untrained model again unlocks them at the values
    they had before. The change reaches a Dashboard once, with the final values.

    Set to None from code (nothing chosen), it locks nothing, and the dashboard's compute refuses the
    missing model with its message; an unknown name is ipywidgets' TraitError, naming ``model`` and
    the choices (``NamedValue``).
    """

    argument = "model"

    def __init__(self, value: str = "hybrid", *, models=None, description: str = "model"):
        names = model_choices(models)
        check_model_choice(value, names)
        super().__init__(options=[(seed_models.MODELS[n], n) for n in names], value=value, description=description,
                         **control_style())
        self.governed, self.saved = {}, {}

    def locked_sizes(self) -> dict:
        """Control name -> the value the current choice fixes (empty for an untrained model, or none)."""
        if self.value is None:
            return {}
        trained = seed_models.trained_sizes(self.value)
        return {name: trained[name] for name in ("num_slots", "slot_size", "num_heads") if name in trained}

    def govern(self, controls: dict) -> "ModelDropdown":
        """Lock and unlock ``controls``' size entries with the choice; returns self."""
        self.governed = {k: v for k, v in controls.items() if k in ("num_slots", "slot_size", "num_heads")}
        self.observe(self._apply, names="value")
        self._apply()
        return self

    def _apply(self, change=None) -> None:
        if getattr(change, "owner", None) is self and getattr(change, "old", None) == getattr(change, "new", None):
            return          # our own final announcement (see _Settling), not a new choice
        locked = self.locked_sizes()
        with self._settling():
            # slot size before heads: the heads dropdown offers only divisors of the slot size
            for name in sorted(self.governed, key=lambda n: n != "slot_size"):
                control = self.governed[name]
                if name in locked:
                    self.saved.setdefault(name, control.value)
                    control.value, control.disabled = locked[name], True
                elif name in self.saved:
                    control.value, control.disabled = self.saved.pop(name), False


def model_line(model: str, probabilities, pattern: str, step: int | None = None) -> str:
    """The line above a study figure: which model, and what a trained one names after ``step``
    (1-based; None: the last step) with its belief, from ``probabilities`` (T, 9) or None."""
    label = seed_models.MODELS[model]
    if probabilities is None:
        return f"{label}: random weights (mechanics, not learnt behaviour)"
    belief = probabilities[-1 if step is None else step - 1]
    answer = PATTERN_NAMES[int(belief.argmax())]
    when = "the last step" if step is None else f"step {step}"
    return f"{label}: after {when} it names '{answer}' (p = {belief.max():.2f}); the input is '{pattern}'"


def model_dropdown(value: str = "hybrid", *, models=None) -> ModelDropdown:
    """A ModelDropdown (see there); call ``.govern(controls)`` to lock the sizes of trained models."""
    return ModelDropdown(value, models=models)


def identical_slots_note(*, num_slots: int, slot_size: int, **_) -> str | None:
    """A dashboard note: with two or more slots beyond the slot width (S >= P + 2) the identity start
    is truncated, so those slots start as the same zero row and, with no weight tied to a slot,
    stay identical for ever (notebook 00). None otherwise."""
    if num_slots - slot_size < 2:
        return None
    return (f"S = {num_slots} slots but only P = {slot_size} features: the identity start covers slots 0-{slot_size - 1}; "
            f"slots {slot_size}-{num_slots - 1} start as the same zero row and stay identical for ever, whatever the "
            f"input (notebook 00). Use P >= S for distinct slots.")


def check_memory_study(num_slots, slot_size, num_heads, seq_len, *, max_slot_size: int = 128,
                       max_seq_len: int = 40, max_heads: int = 16) -> None:
    """Check a memory study's sizes as ``memory_study_controls`` would, without building a widget:
    a TypeError / ValueError naming the argument, its control's range and what was given. A dashboard
    factory calls it first, so that a bad argument leaves no half-built controls behind."""
    check_value("num_slots", num_slots, *SLOTS_RANGE)
    check_value("slot_size", slot_size, SLOT_SIZE_RANGE[0], max_slot_size, SLOT_SIZE_RANGE[2])
    check_heads_cap(slot_size, num_heads, max_heads)
    check_value("seq_len", seq_len, SEQ_LEN_RANGE[0], max_seq_len)


def memory_study_controls(num_slots: int, slot_size: int, num_heads: int, seq_len: int, pattern: str,
                          amplitude: float, seed: int, *, model: str | None = None, models=None,
                          slots_description: str = "slots S",
                          max_slot_size: int = 128, max_seq_len: int = 40) -> dict:
    """The controls of a memory study, keyed by the study's keywords: the model (if ``model`` is
    given; it locks the sizes of trained models), slots, slot size, heads (offering only divisors
    of the slot size, and following it), steps, pattern, amplitude, seed. ``models`` limits the
    model choices (default: all of ``rrnn.seed_models.MODELS``). The sizes are checked
    (``check_memory_study``) and the model (``check_model_choice``) before any widget is built."""
    check_memory_study(num_slots, slot_size, num_heads, seq_len, max_slot_size=max_slot_size, max_seq_len=max_seq_len)
    if model is not None:
        check_model_choice(model, models)
    controls = {} if model is None else {"model": model_dropdown(model, models=models)}
    controls |= {
        "num_slots": slots_slider(num_slots, description=slots_description),
        "slot_size": slot_size_slider(slot_size, max=max_slot_size),
        "num_heads": heads_dropdown(num_heads, slot_size=slot_size),
        "seq_len": seq_len_slider(seq_len, max=max_seq_len),
        "pattern": pattern_dropdown(pattern),
        "amplitude": amplitude_slider(amplitude),
        "seed": seed_slider(seed),
    }
    controls["num_heads"].follow(controls["slot_size"])
    if model is not None:
        controls["model"].govern(controls)
    return controls


class StepSlider(_Settling, NamedValue, widgets.IntSlider):
    """The time-step slider of a TimeStepper (continuous: moving it only redraws)."""

    argument = "step"


class TimeStepper(widgets.HBox):
    """Play, ◀, ▶ and a step slider, for walking through time steps 1 .. num_steps.

    ``slider`` (a StepSlider) holds the step: put it in the controls as ``"step"``; ``play``
    is linked to it (kernel-side, so setting either moves both). ``set_num_steps(T)`` or
    ``follow(seq_len_slider)`` keeps the range right. Steps count from 1, as the seed demo's
    "[Step 1]" does.
    """

    def __init__(self, num_steps: int = 10, value: int = 1, *, interval_ms: int = 900, description: str = "step t"):
        last = _checks.positive_int("num_steps", num_steps)
        value = check_value("step", value, 1, last)
        self.slider = StepSlider(value=value, min=1, max=last, description=description,
                                 continuous_update=True, style={"description_width": DESCRIPTION_WIDTH},
                                 layout=widgets.Layout(width="360px"))
        self.play = named(Play(value=value, min=1, max=last, step=1, interval=interval_ms,
                               description="play", layout=widgets.Layout(width="auto")), "play")
        self.back = widgets.Button(description="◀", tooltip="previous step", layout=widgets.Layout(width="42px"))
        self.forward = widgets.Button(description="▶", tooltip="next step", layout=widgets.Layout(width="42px"))
        widgets.link((self.play, "value"), (self.slider, "value"))
        self.back.on_click(lambda _: self.go(-1))
        self.forward.on_click(lambda _: self.go(+1))
        super().__init__([self.slider, self.back, self.forward, self.play],
                         layout=widgets.Layout(align_items="center"))

    def go(self, delta: int) -> None:
        """Move by ``delta`` steps, staying in range."""
        self.slider.value = int(np.clip(self.slider.value + delta, self.slider.min, self.slider.max))

    def set_num_steps(self, num_steps: int) -> None:
        last = max(int(num_steps), 1)
        if last == self.slider.max:
            return
        with self.slider._settling():
            if last > self.slider.max:
                self.slider.max = self.play.max = last
            else:
                self.slider.max = last        # (clips the value if needed)
                self.play.max = last

    def follow(self, seq_len_control) -> "TimeStepper":
        seq_len_control.observe(lambda change: self.set_num_steps(change["new"]), names="value")
        self.set_num_steps(seq_len_control.value)
        return self


# --- the pattern preview -------------------------------------------------------------------------
class PatternPreview(InPlaceFigure):
    """A small figure of the input sequence (batch row 0): three feature traces (thin) and
    the root-mean-square over features per step (thick black), so a step-up, a ramp or spikes
    show. It redraws only when the sequence changes.

    ``update(result)`` takes a study result with ``.sequence`` (B, T, D) (and, if present,
    ``.pattern`` for the title) or the (B, T, D) array itself.
    """

    figsize = (3.7, 2.0)
    dpi = 72
    traces = 3

    def build(self):
        self.ax = self.fig.add_subplot()
        self.lines = [self.ax.plot([], [], lw=0.8, alpha=0.55)[0] for _ in range(self.traces)]
        (self.rms,) = self.ax.plot([], [], lw=2.2, color="black")
        self.ax.axhline(0, color="0.7", lw=0.6)
        self.ax.set_xlabel("step t", fontsize=8)
        self.ax.tick_params(labelsize=7)
        self.ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        self.ax.yaxis.set_major_locator(MaxNLocator(3))
        self.title = self.ax.set_title("input", fontsize=9)
        self.animate(*self.lines, self.rms)

    def update(self, result, inputs: dict | None = None) -> "PatternPreview":
        """Redraw for ``result``'s sequence - skipped when the sequence (and pattern) did not change."""
        key = (getattr(result, "pattern", None), np.asarray(getattr(result, "sequence", result))[0])
        if self.updates and key[0] == self._key[0] and np.array_equal(key[1], self._key[1]):
            return self
        self._key = key
        return super().update(result, inputs)

    def draw(self, result):
        sequence = np.asarray(getattr(result, "sequence", result), dtype=float)
        x = sequence[0]                                             # (T, D)
        t = np.arange(1, x.shape[0] + 1)                            # steps count from 1, as in the figures
        for j, line in enumerate(self.lines):
            line.set_data(t, x[:, j] if j < x.shape[1] else np.full(len(t), np.nan))
        rms = np.sqrt((x ** 2).mean(axis=1))
        self.rms.set_data(t, rms)
        self.ax.set_xlim(0.7, max(len(t), 2) + 0.3)
        self.fit_ylim(self.ax, x[:, :self.traces], rms, floor=0.0)
        pattern = getattr(result, "pattern", None)
        self.title.set_text((pattern or "input") + ": 3 features, RMS (black)")
        self.in_layout("title", pattern)
