"""tools/make_solutions_notebook.py: solutions fill the exercise cells, and then every check passes.

The solved notebooks are run in this process (code cells only, IPython magics skipped, figures in
"static" mode), so no kernel is needed. The unsolved notebooks are not run again here: their
committed outputs show every check "not answered yet", and nbval re-runs them and compares.
"""
import ast
import importlib.util
import inspect
from pathlib import Path

import nbformat
import pytest

from rrnn.exercises import Check, foundations, seed_studies, trained, training

EXERCISES = {**foundations.EXERCISES, **seed_studies.EXERCISES, **training.EXERCISES, **trained.EXERCISES}

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_solutions_notebook", ROOT / "tools" / "make_solutions_notebook.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def run_in_process(nb) -> list:
    """Execute the notebook's code cells here; return the values of the cells' last expressions."""
    namespace, values = {"__name__": "__notebook__"}, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), namespace)
        if last is not None:
            values.append(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace))
    return values


def test_parse_solutions_splits_sections_and_rejects_duplicates():
    text = '"""doc"""\n# %% exercise-1\nanswer_1 = 1\n\n# %% exercise-2\nanswer_2 = 2\n'
    assert tool.parse_solutions(text) == {"exercise-1": "answer_1 = 1\n", "exercise-2": "answer_2 = 2\n"}
    with pytest.raises(ValueError, match="section exercise-1 appears twice"):
        tool.parse_solutions("# %% exercise-1\na = 1\n# %% exercise-1\na = 2\n")


def test_fill_replaces_only_tagged_cells_and_names_mismatches():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer_1 = None"),
                                         nbformat.v4.new_code_cell("check(answer_1)")])
    nb.cells[0].metadata["tags"] = ["exercise-1"]
    solved = tool.fill(nb, {"exercise-1": "answer_1 = 42\n"})
    assert solved.cells[0].source == "answer_1 = 42" and solved.cells[1].source == "check(answer_1)"
    assert nb.cells[0].source == "answer_1 = None"                       # the original is untouched
    with pytest.raises(ValueError, match="no solution for exercise-1"):
        tool.fill(nb, {})
    with pytest.raises(ValueError, match="no cell tagged exercise-2"):
        tool.fill(nb, {"exercise-1": "a = 1\n", "exercise-2": "b = 2\n"})


def is_check(value) -> bool:
    return isinstance(value, Check)


CHECK_MARKS = tuple(   # "✔ Correct", "✘ Not yet", "… Not answered yet"
    repr(Check(passed, "")).rstrip(": ") for passed in (True, False, None))


def committed_check_results(nb) -> list:
    """The check results a notebook's committed outputs show (the text of each Check's repr)."""
    texts = ("".join(output.get("data", {}).get("text/plain", ""))
             for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", ()))
    return [text for text in texts if text.startswith(CHECK_MARKS)]


NOTEBOOKS_WITH_SOLUTIONS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb") if tool.solutions_path(p).exists())


def test_every_notebook_with_checks_has_solutions():
    assert set(EXERCISES) <= set(NOTEBOOKS_WITH_SOLUTIONS)


@pytest.mark.parametrize("stem", NOTEBOOKS_WITH_SOLUTIONS)
def test_every_exercise_has_a_solution_and_solved_notebooks_pass_every_check(stem, monkeypatch):
    monkeypatch.setenv("RRNN_QUICK", "1")   # the notebooks' short versions, as under nbval (notebooks/conftest.py)
    notebook = ROOT / "notebooks" / f"{stem}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    solutions = tool.parse_solutions(tool.solutions_path(notebook).read_text(encoding="utf-8"))
    tags = sorted(tool.exercise_cells(nb), key=lambda tag: int(tag.split("-")[1]))
    assert sorted(solutions) == sorted(tags) and tags == [f"exercise-{n + 1}" for n in range(len(tags))]
    if stem in EXERCISES:
        assert len(tags) == len(EXERCISES[stem])

    learner = committed_check_results(nb)          # nbval checks that a fresh run shows the same
    not_answered = CHECK_MARKS[2]
    assert len(learner) >= len(tags) and all(text.startswith(not_answered) for text in learner), learner

    solved = [v for v in run_in_process(tool.fill(nb, solutions)) if is_check(v)]
    assert len(solved) == len(learner) and all(check.passed for check in solved), solved


def test_build_writes_a_solved_copy(tmp_path):
    notebook = ROOT / "notebooks" / "06_step_by_step.ipynb"
    target = tool.build(notebook, tmp_path)
    solved = nbformat.read(target, as_version=4)
    assert solved.metadata["rrnn"]["solutions"] is True
    assert "answer_1 = None" not in "".join(c.source for c in solved.cells)


@pytest.mark.parametrize("check", [c for checks in EXERCISES.values() for c in checks])
@pytest.mark.parametrize("answer", [None, "nonsense", float("nan"), (1, 2, 3, 4, 5), -1])
def test_checks_never_raise_and_never_pass_nonsense(check, answer):
    # a predict-then-measure check takes the prediction and the measurement: give both the same value
    answers = len([p for p in inspect.signature(check).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD])
    result = check(*[answer] * answers)
    assert isinstance(result, Check) and result.passed is not True
    assert (result.passed is None) == (answer is None)
