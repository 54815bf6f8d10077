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
