"""Every dashboard factory refuses a starting value its controls cannot show, naming the argument,
instead of letting the widget clamp it silently (or fail with a TraitError)."""
import inspect

import pytest

from rrnn import dash
from rrnn.dash import DASHBOARDS

dash.discover()


def numeric_arguments():
    for name, factory in sorted(DASHBOARDS.items()):
        for arg, parameter in inspect.signature(factory).parameters.items():
            default = parameter.default
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                yield pytest.param(factory, arg, id=f"{name}-{arg}")


@pytest.mark.parametrize("factory, arg", list(numeric_arguments()))
@pytest.mark.parametrize("value", [10**6, -10**6])
def test_an_out_of_range_start_is_refused_naming_the_argument(factory, arg, value):
    with pytest.raises(ValueError, match=rf"^{arg} must (be|divide)"):
        factory(**{arg: value})


@pytest.mark.parametrize("name", [n for n, f in sorted(DASHBOARDS.items())
                                  if "pattern" in inspect.signature(f).parameters])
def test_an_unknown_pattern_is_a_value_error_naming_the_choices(name):
    with pytest.raises(ValueError, match=r"^pattern must be one of step_up, noise, .*; got 'bogus'"):
        DASHBOARDS[name](pattern="bogus")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(slot_size=30), ValueError, r"slot_size must be one of 4, 8, \.\.\. 128 \(steps of 4\), got 30"),
    (dict(num_heads=3), ValueError, r"num_heads must divide slot_size.*\[1, 2, 4, 8, 16, 32, 64\].*num_heads=3"),
    (dict(num_heads=2.0), TypeError, r"num_heads must be a positive int"),
    (dict(num_slots="4"), TypeError, r"num_slots must be an int in \[1, 8\], got '4' \(str\)"),
])
def test_values_between_the_ticks_or_of_the_wrong_type_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        DASHBOARDS["memory_evolution"](**kwargs)


def test_a_non_bool_checkbox_start_is_refused():
    with pytest.raises(TypeError, match=r"duplicate_last must be True or False, got 'yes'"):
        DASHBOARDS["attention_maps"](duplicate_last="yes")


# --- odd starting values: named, and refused before any widget is built ----------------------------
@pytest.fixture
def widgets_opened(monkeypatch):
    """A list that grows by one for every widget opened (ipywidgets' Widget.open) during the test."""
    import ipywidgets
    opened, real_open = [], ipywidgets.Widget.open

    def counting_open(self):
        opened.append(type(self).__name__)
        return real_open(self)
    monkeypatch.setattr(ipywidgets.Widget, "open", counting_open)
    return opened


@pytest.mark.parametrize("name", ["rmc_step", "stepper", "memory_evolution", "capacity", "with_without_memory"])
@pytest.mark.parametrize("arg", ["seq_len", "num_slots", "slot_size", "num_heads"])
@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), [10]], ids=["None", "nan", "inf", "list"])
def test_an_odd_size_is_a_type_error_naming_it_before_any_widget(name, arg, value, widgets_opened):
    with pytest.raises(TypeError, match=rf"^{arg} must be"):
        DASHBOARDS[name](**{arg: value})
    assert widgets_opened == []


@pytest.mark.parametrize("name", ["stepper", "memory_evolution", "capacity", "with_without_memory"])
@pytest.mark.parametrize("value, error", [(None, ValueError), (["hybrid"], TypeError), ("lstm", ValueError)])
def test_a_missing_or_unknown_model_is_named_with_the_choices(name, value, error, widgets_opened):
    with pytest.raises(error, match=r"^model must be one of hybrid, rmc"):
        DASHBOARDS[name](model=value)
    assert widgets_opened == []


# --- controls set from code -------------------------------------------------------------------------
def test_a_model_menu_set_to_none_shows_the_message_and_recovers():
    for name in ("stepper", "memory_evolution"):
        board = DASHBOARDS[name](model="trained-rmc", mode="static")
        board.controls["model"].value = None                           # does not raise out of the setter
        assert isinstance(board.error, ValueError) and "model" in board.message.text
        assert not board.controls["slot_size"].disabled                # nothing chosen locks nothing
        board.controls["model"].value = "trained-rmc"
        assert board.error is None and board.message.level != "error"
        assert board.controls["slot_size"].disabled


def test_a_nan_forget_bias_shows_the_message_and_draws_nothing():
    board = DASHBOARDS["lstm_gates"](mode="static")
    updates, result = board.updates, board.result
    board.controls["forget_bias"].value = float("nan")
    assert isinstance(board.error, ValueError) and "forget_bias" in board.message.text
    assert board.updates == updates and board.result is result       # the figures keep the last good result
    board.controls["forget_bias"].value = 2.0
    assert board.error is None and board.message.text == "" and board.result.forget_bias == 2.0


@pytest.mark.parametrize("control, value, named, word", [
    ("pattern", "bogus", "pattern", "step_up"),
    ("num_heads", 3, "num_heads", "one of"),
    ("seq_len", None, "seq_len", "int"),
    ("model", [3], "model", "hybrid"),
])
def test_a_value_the_widget_cannot_hold_is_a_trait_error_naming_the_control(control, value, named, word):
    from traitlets import TraitError
    board = DASHBOARDS["stepper"](mode="static")
    with pytest.raises(TraitError, match=rf"^{named} \(the '.*' control\) must be") as info:
        board.controls[control].value = value
    assert word in str(info.value) and board.error is None
