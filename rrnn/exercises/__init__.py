"""Checks for the notebooks' exercises: ``check_...(answer)`` returns a one-line result.

One module per group of notebooks (``foundations`` for 01-03, ``seed_studies`` for 04-07).
A check never prints and never raises on a wrong answer: it returns a result whose repr is
"✔ Correct: ...", "✘ Not yet: <hint>" or "… Not answered yet: ..." (the answer is still None).
"""
