"""The course website's own Sphinx extension (site/conf.py loads it).

- Widgets on a static page. A notebook's widget outputs need a kernel, and the site loads no widget
  scripts (they would come from a CDN). Each widget output is replaced, in what MyST-NB renders
  (the notebook files are not touched), by what can be shown without a kernel:
    * a dashboard (``rrnn.dash.dashboard.Dashboard``: its output carries an ``image/png`` picture of
      its controls and figure beside the widget) - the picture, then one line saying that it is live
      in Jupyter, a Binder launch button and a download link for the notebook;
    * a progress bar (tqdm's HBox of text, bar, text) - the bar as it ended, from the widget state
      saved with the notebook;
    * an Output widget - the outputs it held when the notebook was saved;
    * anything else - one line saying that it is live in Jupyter.
- A code cell collapsed in Jupyter (``source_hidden``) is collapsed on its page, one click opens it.
- The landing page includes the README's course table; its notebook names become links.
- MathJax is copied into the build from the sphinx-mathjax-offline package (no CDN).
"""
from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# --- where a notebook can run ------------------------------------------------------------------
def binder_url(repository: str, branch: str, notebook: str) -> str:
    """The Binder address that opens ``notebook`` (a path in the repository) in JupyterLab."""
    parts = repository.rstrip("/").removesuffix(".git").split("/")
    return f"https://mybinder.org/v2/gh/{parts[-2]}/{parts[-1]}/{branch}?urlpath=lab/tree/{quote(notebook)}"


def live_note(kind: str, binder: str, download: str, name: str) -> dict:
    """The output shown under a widget's static stand-in: it is live in Jupyter, launch, download."""
    what = {"dashboard": "This dashboard is a picture here: its controls move and its figures redraw live in "
                         "Jupyter.",
            "widget": "This output is live in Jupyter; a static page cannot run it."}[kind]
    text = (f'<p class="rrnn-live"><span>{html.escape(what)}</span> '
            f'<a class="rrnn-button" href="{html.escape(binder)}">Launch on Binder</a> '
            f'<a class="rrnn-button" href="{html.escape(download)}" download="{html.escape(name)}">'
            f'Download the notebook</a></p>')
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": text}}


# --- widgets on a static page ------------------------------------------------------------------
def _model(state: dict, ref) -> dict | None:
    if not isinstance(ref, str):
        return None
    return state.get(ref.removeprefix("IPY_MODEL_"))


def progress_bar(state: dict, model: dict) -> str | None:
    """tqdm's notebook bar (HBox: HTML, progress, HTML) as it ended, in HTML; None if it is not one."""
    if model.get("model_name") != "HBoxModel":
        return None
    children = [_model(state, ref) for ref in model.get("state", {}).get("children", [])]
    if len(children) != 3 or any(child is None for child in children):
        return None
    left, bar, right = children
    if not bar.get("model_name", "").endswith("ProgressModel") or \
            left.get("model_name") != "HTMLModel" or right.get("model_name") != "HTMLModel":
        return None
    value, top = float(bar["state"].get("value") or 0), float(bar["state"].get("max") or 100)
    share = 100 * min(1.0, max(0.0, value / top)) if top > 0 else 0.0
    style = bar["state"].get("bar_style") or ""
    # the HTML models hold tqdm's text, already escaped
    return (f'<div class="rrnn-progress"><span>{left["state"].get("value", "")}</span>'
            f'<span class="rrnn-bar {html.escape(style)}" role="progressbar" aria-valuenow="{value:g}" '
            f'aria-valuemax="{top:g}"><span style="width: {share:.1f}%"></span></span>'
            f'<span>{right["state"].get("value", "")}</span></div>')


def static_outputs(output: dict, state: dict, note) -> list:
    """What stands in for one output on a static page (a list of outputs)."""
    data = output.get("data", {})
    if WIDGET_VIEW not in data:
        return [output]
    if "image/png" in data:                                   # a dashboard: its picture
        picture = {key: value for key, value in output.items() if key != "execution_count"}
        picture["output_type"] = "display_data"
        picture["data"] = {"image/png": data["image/png"], "text/plain": data.get("text/plain", "")}
        return [picture, note("dashboard")]
    model = state.get(data[WIDGET_VIEW].get("model_id", ""))
    if model is not None:
        bar = progress_bar(state, model)
        if bar is not None:
            return [{"output_type": "display_data", "metadata": {}, "data": {"text/html": bar}}]
        if model.get("model_name") == "OutputModel":
            held = [o for o in model.get("state", {}).get("outputs", []) if WIDGET_VIEW not in o.get("data", {})]
            if held:
                return held
    return [note("widget")]


def static_notebook(notebook: dict, note) -> dict:
    """The notebook with every widget output replaced by its static stand-in (``static_outputs``)."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = [new for old in cell.get("outputs", []) for new in static_outputs(old, state, note)]
            # a cell collapsed in Jupyter is collapsed on the page too (MyST-NB's hide tags)
            jupyter = cell.get("metadata", {}).get("jupyter", {})
            hide = [tag for key, tag in (("source_hidden", "hide-input"), ("outputs_hidden", "hide-output"))
                    if jupyter.get(key)]
            if hide:
                tags = cell["metadata"].setdefault("tags", [])
                tags += [tag for tag in hide if tag not in tags]
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def on_source_read(app, docname: str, source: list) -> None:
    if not app.env.doc2path(docname).name.endswith(".ipynb"):
        return
    theme = app.config.html_theme_options
    path = f"{docname}.ipynb"                                 # notebooks/NN_name.ipynb, as in the repository
    name = Path(path).name
    binder = binder_url(theme["repository_url"], theme.get("repository_branch", "main"), path)
    depth = "../" * docname.count("/")
    download = f"{depth}_sources/{path}{app.config.html_sourcelink_suffix}"
    notebook = static_notebook(json.loads(source[0]), lambda kind: live_note(kind, binder, download, name))
    source[0] = json.dumps(notebook)


# --- the landing page: the README's course table, its notebook names as links ----------------------
_COURSE_ROW = re.compile(r"^\| `(\d\d_[A-Za-z0-9_]+)` \|", re.M)


def link_course_table(text: str) -> str:
    # a doc role: the included text is read as if it sat in the README's folder, so a path link would miss
    return _COURSE_ROW.sub(lambda m: f"| {{doc}}`{m[1]} </notebooks/{m[1]}>` |", text)


def on_include_read(app, relative_path, parent_docname: str, content: list) -> None:
    if Path(relative_path).name == "README.md" and parent_docname == app.config.root_doc:
        content[0] = link_course_table(content[0])


# --- MathJax from an installed package --------------------------------------------------------------
MATHJAX_PACKAGE = "sphinx-mathjax-offline"
# what tex-chtml.js loads: its fonts, the TeX extensions it loads on demand, the menu and the
# accessibility parts (not the speech rule engine or the SVG output: megabytes no page uses)
MATHJAX_PARTS = ["tex-chtml.js", "output/chtml", "input/tex", "ui", "a11y", "adaptors"]


def mathjax_source() -> Path:
    spec = importlib.util.find_spec(MATHJAX_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the site needs MathJax from the package {MATHJAX_PACKAGE}: "
                           "pip install -e '.[site]' (make site does)")
    return Path(spec.origin).parent / "static" / "mathjax"


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def setup(app):
    mathjax_source()                                          # fail early, with the fix, if it is missing
    app.connect("source-read", on_source_read)
    app.connect("include-read", on_include_read)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
