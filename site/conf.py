"""Sphinx configuration of the course website (``make site``; site/README.md says how it works).

Sphinx + MyST-NB render the committed, executed notebooks as they are (``nb_execution_mode =
"off"``: nothing runs, so the site shows exactly the outputs that nbval checks). The landing page
includes the README's course table. Everything a page loads is in the build: the theme's assets,
the search index and MathJax (from the sphinx-mathjax-offline package), so the site works without a
network. Dashboards need a kernel: ``rrnn_site`` (beside this file) shows each as its picture with a
launch button and a download link.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# --- where the course lives: the ONE place to set it --------------------------------------------
# The Binder launch buttons and the repository link are built from these two.
REPOSITORY = "https://github.com/OWNER/rrnn"
BRANCH = "main"

project = "rrnn: relational recurrent neural networks"
author = "the rrnn authors"
copyright = "the rrnn authors"
html_title = "rrnn: see a relational memory think"

extensions = ["myst_nb", "rrnn_site"]
root_doc = "index"
# only the landing page and the numbered course notebooks (notebooks/ is a link to ../notebooks);
# nothing else of the repository - solutions/ least of all - is ever read
include_patterns = ["index.md", "notebooks/[0-9][0-9]_*.ipynb"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]

# --- notebooks: rendered from their committed outputs ------------------------------------------
nb_execution_mode = "off"
nb_ipywidgets_js = {}                    # no widget scripts from a CDN; rrnn_site shows widgets statically
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- MathJax, served from the build, not a CDN ----------------------------------------------------
mathjax_path = "mathjax/tex-chtml.js"    # rrnn_site copies MathJax from sphinx-mathjax-offline

# --- the theme ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["rrnn.css"]
html_favicon = "_static/favicon.svg"
html_sourcelink_suffix = ""              # the download button gives the .ipynb itself
html_last_updated_fmt = None
html_context = {"default_mode": "light"}   # (with no mode stored yet the theme logs an error)
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": BRANCH,
    "path_to_docs": "",                  # the pages are notebooks/NN_name: their paths in the repository
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "navbar_persistent": [],             # one search field (the sidebar's), not a second one in a top bar
}
