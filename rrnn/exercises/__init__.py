"""Checks for the notebooks' exercises: ``check_...(answer)`` returns a one-line result.

One module per group of notebooks (``foundations`` for 01-03, ``seed_studies`` for 04-07,
``training`` for 08), each with an ``EXERCISES`` dict: notebook -> its checks, in order.
A check never prints and never raises on a wrong answer: it returns a ``Check`` whose repr is
"✔ Correct: ...", "✘ Not yet: <hint>" or "… Not answered yet: ..." (the answer is still None).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class Check(NamedTuple):
    """What a check found: ``passed`` is True, False, or None (not answered yet)."""

    passed: bool | None
    message: str

    def __repr__(self):
        mark = {True: "\u2714 Correct", False: "\u2718 Not yet", None: "\u2026 Not answered yet"}[self.passed]
        return f"{mark}: {self.message}"

    def __bool__(self):
        return bool(self.passed)


def missing(what: str) -> Check:
    """The result for an answer that is still None."""
    return Check(None, f"replace the None with {what}, then run the cell again.")


def as_number(answer):
    """``answer`` as a finite float, or None when it is not one (booleans are not numbers here)."""
    if isinstance(answer, (bool, np.bool_)):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
