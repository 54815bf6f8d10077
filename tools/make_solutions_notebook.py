"""Build instructor copies of the notebooks with the exercise solutions filled in.

Learners' notebooks hold, for every exercise, a code cell tagged ``exercise-N`` with a stub
(``answer_N = None``) and, below it, a cell that checks the answer. The solutions live outside
the notebooks, one file per notebook: ``solutions/<notebook stem>.py``, split into sections
that start with ``# %% exercise-N``. This tool copies each notebook, replaces every
``exercise-N`` cell's source with its section, and writes the copy to ``--out`` (default
``build/solutions/``, outside ``notebooks/`` so the test run never picks it up). With
``--execute`` the copy is also run, so it opens with the checks saying "Correct".

    python tools/make_solutions_notebook.py                       # every notebook that has solutions
    python tools/make_solutions_notebook.py notebooks/04_memory_evolution.ipynb --execute

Every exercise cell must have a section and every section a cell; otherwise the tool stops
and names what is missing.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SECTION = re.compile(r"^# %% (exercise-\d+)\s*$", re.MULTILINE)
TAG = re.compile(r"^exercise-\d+$")


def parse_solutions(text: str) -> dict:
    """``# %% exercise-N`` sections of a solutions file -> {"exercise-N": code}. Text before the
    first section (the docstring) is ignored."""
    parts = SECTION.split(text)
    sections = {}
    for tag, code in zip(parts[1::2], parts[2::2]):
        if tag in sections:
            raise ValueError(f"section {tag} appears twice")
        sections[tag] = code.strip("\n") + "\n"
    return sections


def exercise_cells(nb) -> dict:
    """{"exercise-N": cell} for the notebook's code cells tagged exercise-N."""
    cells = {}
    for cell in nb.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            if TAG.match(tag):
                if cell.cell_type != "code":
                    raise ValueError(f"the cell tagged {tag} must be a code cell")
                if tag in cells:
                    raise ValueError(f"two cells are tagged {tag}")
                cells[tag] = cell
    return cells


def fill(nb, solutions: dict):
    """A copy of ``nb`` with each exercise cell's source replaced by its solution (outputs cleared)."""
    nb = copy.deepcopy(nb)
    cells = exercise_cells(nb)
    missing = sorted(set(cells) - set(solutions))
    extra = sorted(set(solutions) - set(cells))
    if missing or extra:
        raise ValueError("solutions and exercise cells do not match: "
                         + "; ".join(filter(None, [missing and f"no solution for {', '.join(missing)}",
                                                   extra and f"no cell tagged {', '.join(extra)}"])))
    for tag, cell in cells.items():
        cell.source = solutions[tag].rstrip("\n")
        cell.outputs, cell.execution_count = [], None
    nb.metadata.setdefault("rrnn", {})["solutions"] = True
    return nb


def solutions_path(notebook: Path) -> Path:
    return ROOT / "solutions" / f"{notebook.stem}.py"


def build(notebook: Path, out_dir: Path, execute: bool = False, timeout: int = 300) -> Path:
    """Write the solved copy of ``notebook`` into ``out_dir``; returns its path."""
    nb = nbformat.read(notebook, as_version=4)
    solved = fill(nb, parse_solutions(solutions_path(notebook).read_text(encoding="utf-8")))
    if execute:
        from nbclient import NotebookClient
        NotebookClient(solved, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(notebook.parent)}}).execute()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / notebook.name
    nbformat.write(solved, target)
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to solve (default: every notebooks/*.ipynb with a solutions file)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "solutions", help="output folder")
    parser.add_argument("--execute", action="store_true", help="run each solved notebook (needs a kernel)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if solutions_path(p).exists())
    for notebook in notebooks:
        if not solutions_path(notebook).exists():
            sys.exit(f"no solutions file {solutions_path(notebook).relative_to(ROOT)} for {notebook}")
        target = build(notebook, args.out, args.execute)
        print(f"{notebook.name} -> {target}")


if __name__ == "__main__":
    main()
