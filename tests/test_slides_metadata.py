"""The notebooks' slide metadata (``make slides``; tools/slides.py) and the slides' figure scale.

A notebook with slide metadata must make a sane lecture deck (``slides.problems``: the title opens
it, 4 to 30 slides, every dashboard on a slide, no code cell without output shown, ...). A notebook
without it yet must have a plan in tools/slide_plans that would make one: the test reads which
notebooks have metadata, so applying a plan (``python tools/slides.py apply NB``) moves that
notebook from the second kind of test to the first, with nothing here to edit.
"""
from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("slides_tool", ROOT / "tools" / "slides.py")
slides = importlib.util.module_from_spec(spec)
spec.loader.exec_module(slides)

NOTEBOOKS = sorted(slides.NOTEBOOKS.glob("*.ipynb"))
WITH_METADATA = [p for p in NOTEBOOKS if slides.has_slide_metadata(slides.read(p))]
PENDING = [p for p in NOTEBOOKS if p not in WITH_METADATA]
TEMPLATE = ROOT / "tools" / "slide_template" / "voila" / "templates" / "rrnn-slides"


def _ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", WITH_METADATA, ids=_ids(WITH_METADATA))
def test_a_notebook_with_slide_metadata_makes_a_sane_lecture_deck(path):
    nb = slides.read(path)
    assert not slides.problems(nb), f"{path.name}:\n" + "\n".join(slides.problems(nb))


@pytest.mark.parametrize("path", WITH_METADATA, ids=_ids(WITH_METADATA))
def test_a_notebook_with_slide_metadata_is_what_its_plan_says(path):
    """The plan is the record of why each cell is what it is: it and the notebook agree."""
    plan = slides.load_plan(path)
    nb = slides.read(path)
    assert [slides.slide_type(c) for c in nb.cells] == slides.planned(nb, plan), (
        f"{path.name} and tools/slide_plans/{path.stem}.json disagree: edit the plan and apply it")


@pytest.mark.parametrize("path", PENDING, ids=_ids(PENDING))
def test_a_notebook_without_slide_metadata_has_a_plan_that_would_make_a_sane_deck(path):
    assert slides.plan_path(path).exists(), f"no slide plan for {path.name}: python tools/slides.py propose {path.stem}"
    nb = slides.read(path)
    try:
        types = slides.planned(nb, slides.load_plan(path))
    except SystemExit as stale:      # the notebook changed since the plan was written
        pytest.xfail(f"tools/slide_plans/{path.stem}.json is out of date with {path.name}: {stale}")
    for cell, kind in zip(nb.cells, types):
        cell.metadata["slideshow"] = {"slide_type": kind}
    assert not slides.problems(nb), f"{path.name} under its plan:\n" + "\n".join(slides.problems(nb))


def test_every_plan_names_a_notebook_and_only_known_slide_types():
    for plan_file in sorted(slides.PLANS.glob("*.json")):
        plan = json.loads(plan_file.read_text())
        assert (slides.NOTEBOOKS / plan["notebook"]).exists() and plan_file.stem == Path(plan["notebook"]).stem
        for entry in plan["cells"]:
            assert entry["type"] in slides.TYPES and entry["id"] and entry["why"], (plan_file.name, entry)


# --- the tool -----------------------------------------------------------------------------------------
@pytest.fixture
def notebook_copy(tmp_path):
    """02 (which has metadata and a plan) copied, with its plan, into a temporary place."""
    source = slides.NOTEBOOKS / "02_lstm_baseline.ipynb"
    if source not in WITH_METADATA:
        pytest.skip("02_lstm_baseline has no slide metadata yet")
    path = tmp_path / source.name
    shutil.copy(source, path)
    return path, slides.load_plan(source)


def test_apply_changes_only_the_slide_metadata_and_writes_what_jupyter_writes(notebook_copy):
    path, plan = notebook_copy
    original = path.read_bytes()
    slides.apply(path, plan)
    assert path.read_bytes() == original          # applying the plan it already has changes no byte

    bare = slides.read(path)
    for cell in bare.cells:
        cell.metadata.pop("slideshow", None)
    nbformat.write(bare, path)
    slides.apply(path, plan)
    assert path.read_bytes() == original          # ... and from no metadata at all gives the same file


def test_apply_stops_and_writes_nothing_when_the_plan_and_the_notebook_disagree(notebook_copy):
    path, plan = notebook_copy
    original = path.read_bytes()
    with pytest.raises(SystemExit, match="not in the notebook.*no-such-cell"):
        slides.apply(path, plan + [{"id": "no-such-cell", "type": "slide", "why": "gone"}])
    with pytest.raises(SystemExit, match="does not mention"):
        slides.apply(path, plan[1:])
    assert path.read_bytes() == original
    nb = slides.apply(path, plan[1:], new_cells="default", write=False)
    assert slides.slide_type(nb.cells[0]) == "-"


def test_the_checks_catch_a_shown_empty_code_cell_and_a_hidden_dashboard(notebook_copy):
    path, _ = notebook_copy
    nb = slides.read(path)
    empty = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.outputs)
    dashboard = next(i for i, c in enumerate(nb.cells) if slides.is_widget_cell(c))
    nb.cells[empty].metadata["slideshow"] = {"slide_type": "-"}
    nb.cells[dashboard].metadata["slideshow"] = {"slide_type": "skip"}
    nb.cells[0].metadata["slideshow"] = {"slide_type": "-"}
    found = "\n".join(slides.problems(nb))
    assert f"cell {empty} is code without output" in found
    assert f"cell {dashboard} shows a widget" in found
    assert "first cell" in found


# --- the slides' figure scale and the deck's size -----------------------------------------------------
def test_the_figure_scale_draws_the_same_figure_larger(monkeypatch):
    from PIL import Image

    from rrnn.dash.figure import figure_png, figure_scale, new_figure

    monkeypatch.delenv("RRNN_FIGURE_SCALE", raising=False)
    assert figure_scale() == 1.0
    plain = new_figure("static", (4, 2), 80)
    monkeypatch.setenv("RRNN_FIGURE_SCALE", "1.5")
    big = new_figure("static", (4, 2), 80)
    assert tuple(big.get_size_inches()) == tuple(plain.get_size_inches()) == (4, 2)     # the same layout
    assert big.canvas.get_width_height() == (480, 240) and plain.canvas.get_width_height() == (320, 160)
    assert Image.open(io.BytesIO(figure_png(big, 100))).size == (600, 300)
    assert Image.open(io.BytesIO(figure_png(plain, 100))).size == (400, 200)
    monkeypatch.setenv("RRNN_FIGURE_SCALE", "large")
    with pytest.raises(ValueError, match="RRNN_FIGURE_SCALE"):
        figure_scale()


def test_make_slides_and_the_browser_test_use_the_same_template_scale_and_size():
    makefile = (ROOT / "Makefile").read_text()
    scale = re.search(r"^SLIDES_FIGURE_SCALE \?= (\S+)$", makefile, re.M).group(1)
    from tests.e2e import servers
    from tests.e2e.test_slides import SLIDE

    assert scale == servers.SLIDES_FIGURE_SCALE
    assert "--template=rrnn-slides" in makefile and "RRNN_FIGURE_SCALE=$(SLIDES_FIGURE_SCALE)" in makefile
    reveal = json.loads((TEMPLATE / "conf.json").read_text())["traitlet_configuration"]["resources"]["reveal"]
    assert {"width": reveal["width"], "height": reveal["height"]} == SLIDE


def test_the_slide_template_asks_nothing_of_the_network():
    """Every URL the course's template and theme name is on this machine (the browser test checks
    the rendered deck; this catches a CDN link before a browser is needed)."""
    for path in TEMPLATE.rglob("*"):
        if path.suffix in (".j2", ".css", ".json"):
            text = path.read_text()
            if path.name == "index.html.j2":      # the CDN links it removes from Voila's template
                text = re.sub(r"replace\('[^']*'", "", text)
            assert not re.search(r"(src|href)=[\"']https?://|url\(\s*[\"']?https?://|@import", text), path
