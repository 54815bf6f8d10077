"""The notebooks' slide metadata for `make slides` (a lecture, not one slide per cell).

    python tools/slides.py apply NB...     write the plan tools/slide_plans/<NB>.json into the notebook
    python tools/slides.py check [NB...]   is each notebook's slide metadata sane? (default: every
                                           notebook that has slide metadata)
    python tools/slides.py propose NB      print a first plan for a notebook (rules below), to edit
    python tools/slides.py show NB         the deck as a list: slide numbers, types, first lines

A plan is a JSON file ``{"notebook": ..., "cells": [{"id", "type", "why", "text"}, ...]}``: one entry
per cell, keyed by the cell's nbformat 4.5 ``id`` (stable when cells move or are edited), with a
reveal.js slide type - "slide", "subslide" (a slide below the last one), "fragment" (appears on the
next key press), "-" (continues the slide above), "skip" (not in the deck), "notes" (speaker notes,
S in the deck) - and a one-line reason. ``text`` is the cell's first line, for the reader only.

``apply`` changes only each cell's ``metadata.slideshow`` and writes the notebook with nbformat (the
same bytes Jupyter writes). It stops, changing nothing, when a planned id is not in the notebook or a
cell of the notebook is not in the plan (``--new-cells=default`` gives those: skip for code without
output, "-" otherwise).

The lecture: the question (the title cell), the pictures, the few key equations, the dashboards, the
take-away (Summary). Code is hidden by Voila anyway; a code cell without output, a check that prints
its claims, the exercises and the instructions for working alone are skipped; the prose that
explains a figure becomes the speaker's notes.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PLANS = Path(__file__).resolve().parent / "slide_plans"

TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
SHOWN = ("slide", "subslide", "fragment", "-")
STARTS = ("slide", "subslide")
MIN_SLIDES, MAX_SLIDES = 4, 30
WIDGET = "application/vnd.jupyter.widget-view+json"


# --- reading a notebook ----------------------------------------------------------------------------
def notebook_path(name: str) -> Path:
    path = Path(name)
    if path.suffix != ".ipynb":
        path = path.with_suffix(".ipynb")
    return path if path.exists() else NOTEBOOKS / path.name


def read(path: Path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def has_slide_metadata(nb) -> bool:
    return any(slide_type(cell) is not None for cell in nb.cells)


def source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def first_line(cell, limit: int = 80) -> str:
    lines = [line for line in source(cell).strip().splitlines() if line.strip()]
    return lines[0][:limit] if lines else ""


def output_kinds(cell) -> set:
    """'widget', 'image', 'text' (stream, or a plain result), 'error' for a code cell's outputs."""
    kinds = set()
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if out.get("output_type") == "error":
            kinds.add("error")
        elif WIDGET in data:
            kinds.add("widget")
        elif any(k.startswith("image/") for k in data):
            kinds.add("image")
        else:
            kinds.add("text")
    return kinds


def is_widget_cell(cell) -> bool:
    """A code cell that shows a widget: a dashboard, or a live figure (08's training run)."""
    return cell.cell_type == "code" and "widget" in output_kinds(cell)


def is_exercise(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return any(t.startswith("exercise") for t in tags) or bool(re.match(r"\*\*Exercise\b", source(cell).strip()))


# --- checking ------------------------------------------------------------------------------------
def problems(nb) -> list:
    """What is wrong with a notebook's slide metadata (empty when it is sane)."""
    found = []
    cells = nb.cells
    untyped = [i for i, c in enumerate(cells) if slide_type(c) is None]
    if untyped:
        found.append(f"cells without a slide type: {untyped}")
    bad = [(i, slide_type(c)) for i, c in enumerate(cells) if slide_type(c) not in TYPES + (None,)]
    if bad:
        found.append(f"unknown slide types (cell, type): {bad}")
    if cells and slide_type(cells[0]) != "slide":
        found.append(f"the first cell must open the deck as a 'slide', not {slide_type(cells[0])!r}")
    slides = sum(slide_type(c) in STARTS for c in cells)
    if not MIN_SLIDES <= slides <= MAX_SLIDES:
        found.append(f"{slides} slides: a lecture deck has {MIN_SLIDES} to {MAX_SLIDES}")
    for i, c in enumerate(cells):
        kind = slide_type(c)
        if c.cell_type == "code" and not c.get("outputs") and kind in SHOWN:
            found.append(f"cell {i} is code without output but is shown ({kind!r}); make it 'skip'")
        if is_widget_cell(c) and kind not in SHOWN:
            found.append(f"cell {i} shows a widget (a dashboard or live figure) but is {kind!r}")
        if kind == "notes" and c.cell_type != "markdown":
            found.append(f"cell {i}: speaker notes must be a markdown cell, not {c.cell_type}")
        if "error" in output_kinds(c) and kind in SHOWN:
            found.append(f"cell {i} shows an error output")
    # a dashboard opens a slide of its own, or sits on one opened right above it (its heading)
    for i, c in enumerate(cells):
        if is_widget_cell(c) and slide_type(c) in SHOWN and slide_type(c) not in STARTS:
            above = [j for j in range(i) if slide_type(cells[j]) in STARTS]
            shown_between = [j for j in range(above[-1] + 1, i) if slide_type(cells[j]) in SHOWN] if above else []
            if not above or shown_between:
                found.append(f"cell {i} shows a widget in the middle of a slide: give it a slide "
                             f"(or subslide) of its own, or put it right below its heading")
    return found


def deck(nb) -> list:
    """[(slide number, type, cell index, first line)] for the cells in the deck."""
    rows, number = [], 0
    for i, c in enumerate(nb.cells):
        kind = slide_type(c) or "-"
        if kind in STARTS or number == 0:
            number += 1
        if kind in SHOWN + ("notes",):
            rows.append((number, kind, i, c.cell_type, first_line(c, 70)))
    return rows


# --- proposing a plan (a first draft, to read and edit) -----------------------------------------------
def propose(nb) -> list:
    plan = []
    for i, c in enumerate(nb.cells):
        text = source(c).strip()
        kinds = output_kinds(c) if c.cell_type == "code" else set()
        if i == 0:
            kind, why = "slide", "the title: the question of the notebook"
        elif c.cell_type == "markdown" and is_exercise(c):
            kind, why = "skip", "an exercise: for working alone"
        elif c.cell_type == "markdown" and re.match(r"##\s+Summary", text):
            kind, why = "slide", "the take-away"
        elif c.cell_type == "markdown" and re.match(r"##\s", text):
            kind, why = "slide", "a section: its question" + (" and key equation" if "$$" in text else "")
        elif c.cell_type == "markdown" and "$$" in text:
            kind, why = "subslide", "a key equation"
        elif c.cell_type == "markdown":
            kind, why = "notes", "prose that explains the slide: the speaker's notes"
        elif not c.get("outputs"):
            kind, why = "skip", "code without output"
        elif "widget" in kinds:
            kind, why = "subslide", "the dashboard (live), on a slide of its own"
        elif "image" in kinds:
            kind, why = "subslide", "the picture"
        else:
            kind, why = "skip", "a check that prints its claims, not lecture material"
        plan.append({"id": c.get("id"), "type": kind, "why": why, "text": first_line(c, 70)})
    return plan


# --- applying a plan ----------------------------------------------------------------------------------
def plan_path(path: Path) -> Path:
    return PLANS / f"{path.stem}.json"


def load_plan(path: Path) -> list:
    plan = json.loads(plan_path(path).read_text())
    if plan.get("notebook") not in (None, path.name):
        raise SystemExit(f"{plan_path(path)} is the plan of {plan['notebook']}, not {path.name}")
    return plan["cells"]


def planned(nb, plan: list, new_cells: str = "error") -> list:
    """The slide type of every cell of ``nb`` under ``plan``; raises SystemExit naming every id the
    plan and the notebook disagree on (nothing is written then)."""
    by_id = {}
    for entry in plan:
        if entry["type"] not in TYPES:
            raise SystemExit(f"plan entry {entry['id']}: unknown slide type {entry['type']!r} (one of {TYPES})")
        by_id[entry["id"]] = entry["type"]
    ids = [c.get("id") for c in nb.cells]
    if None in ids:
        raise SystemExit("the notebook has cells without ids (nbformat < 4.5): open and save it in Jupyter first")
    missing = [i for i in by_id if i not in ids]
    unplanned = [(k, i) for k, i in enumerate(ids) if i not in by_id]
    message = []
    if missing:
        message.append(f"planned cells that are not in the notebook (removed, or their id changed): {missing}")
    if unplanned and new_cells == "error":
        message.append("cells of the notebook that the plan does not mention (index, id): "
                       f"{unplanned}; add them to the plan, or pass --new-cells=default")
    if message:
        raise SystemExit("\n".join(message))
    types = []
    for c in nb.cells:
        kind = by_id.get(c.get("id"))
        if kind is None:
            kind = "skip" if c.cell_type == "code" and not c.get("outputs") else "-"
        types.append(kind)
    return types


def apply(path: Path, plan: list, new_cells: str = "error", write: bool = True):
    nb = read(path)
    for cell, kind in zip(nb.cells, planned(nb, plan, new_cells)):
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}
    if write:
        nbformat.write(nb, path)
    return nb


# --- command line -------------------------------------------------------------------------------------
def _notebooks(names) -> list:
    if names:
        return [notebook_path(n) for n in names]
    return [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if has_slide_metadata(read(p))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("apply", help="write each notebook's plan into its slide metadata")
    a.add_argument("notebooks", nargs="+")
    a.add_argument("--new-cells", choices=("error", "default"), default="error")
    a.add_argument("--dry-run", action="store_true", help="check the result, write nothing")
    c = sub.add_parser("check", help="is the slide metadata sane?")
    c.add_argument("notebooks", nargs="*")
    p = sub.add_parser("propose", help="print a first plan (JSON) for a notebook")
    p.add_argument("notebook")
    s = sub.add_parser("show", help="the deck of a notebook, slide by slide")
    s.add_argument("notebook")
    args = parser.parse_args(argv)

    if args.command == "propose":
        path = notebook_path(args.notebook)
        print(json.dumps({"notebook": path.name, "cells": propose(read(path))}, indent=1, ensure_ascii=False))
        return 0
    if args.command == "show":
        for row in deck(read(notebook_path(args.notebook))):
            print("%3d  %-8s cell %2d %-8s %s" % row)
        return 0
    status = 0
    if args.command == "apply":
        for path in map(notebook_path, args.notebooks):
            nb = apply(path, load_plan(path), args.new_cells, write=not args.dry_run)
            found = problems(nb)
            slides = sum(slide_type(c) in STARTS for c in nb.cells)
            print(f"{path.name}: {'would write' if args.dry_run else 'wrote'} {slides} slides"
                  + ("".join(f"\n  problem: {p}" for p in found)))
            status |= bool(found)
        return status
    paths = _notebooks(args.notebooks)
    if not paths:
        print("no notebook has slide metadata yet")
    for path in paths:
        found = problems(read(path))
        print(f"{path.name}: {'ok' if not found else 'PROBLEMS'}" + "".join(f"\n  {p}" for p in found))
        status |= bool(found)
    return status


if __name__ == "__main__":
    sys.exit(main())
