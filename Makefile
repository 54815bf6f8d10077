# Two commands a learner needs:  `make lab`  opens the course,  `make test`  runs every test.
# Both build a local virtual environment (.venv) from pyproject.toml the first time;
# afterwards they reuse it, and rebuild only when pyproject.toml changes.
# For a lecture hall:  `make present NB=04_memory_evolution`  serves one notebook as a Voila app
# (controls and figures, no code).
# To lecture:  `make slides NB=03_rmc_step_by_step`  serves one notebook as a reveal.js slide deck
# with a live kernel (sliders work on the projector; arrow keys or space move on, S opens the
# speaker notes). It needs no network: reveal.js's style sheet is served from tools/slide_template.
# Font context: the slide is 1280 x 720, scaled to the screen, with body text at 26 px (1/28 of its
# height; tools/slide_template/.../rrnn.css), and every figure drawn RRNN_FIGURE_SCALE = 1.25 times
# its notebook size in pixels, text and lines with it (SLIDES_FIGURE_SCALE=; rrnn/dash/figure.py).
# To read it anywhere:  `make site`  builds the course website in build/site/html (open its
# index.html): every notebook as a page from its committed outputs (nothing runs), with search;
# it needs no network to build or to view (site/README.md).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.rrnn-installed

.PHONY: lab test e2e present slides site venv clean

NB   ?= 04_memory_evolution
PORT ?= 8866
SLIDES_FIGURE_SCALE ?= 1.25

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

# Everything: the package tests, the notebooks under nbval, and the end-to-end browser tests in
# tests/e2e (they skip, saying how to enable them, where Chromium is missing). pytest-xdist spreads
# them over one worker per core and one more (the browser workers mostly wait); --dist loadscope
# keeps each notebook's cells in one worker and each front end's browser tests (a class) in one
# worker, with one JupyterLab or Voila server for all of them; those start first.
test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
	    --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider -rs -n auto --dist loadscope

# Only the end-to-end browser tests (JupyterLab and Voila in headless Chromium), one worker per
# front end.
e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e -p no:cacheprovider -rs -n 2 --dist loadscope

# Puts the notebook NB names (04_memory_evolution or 04_memory_evolution.ipynb) in the shell variable nb, or prints the list to
# choose from and exit 2 (used by present and slides).
CHOOSE_NOTEBOOK = nb=notebooks/$(basename $(notdir $(NB))).ipynb; \
	if [ ! -f "$$nb" ]; then \
	    echo "make $@: no $$nb; choose NB= one of:"; ls notebooks/*.ipynb | sed 's|notebooks/||; s|\.ipynb$$||; s|^|    |'; \
	    exit 2; \
	fi

# A study notebook as a Voila app on http://127.0.0.1:$(PORT): NB=04_memory_evolution (or 04_memory_evolution.ipynb).
present: $(STAMP)
	@$(CHOOSE_NOTEBOOK); \
	echo "Presenting $$nb at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"; \
	exec $(BIN)/voila "$$nb" --Voila.ip=127.0.0.1 --port=$(PORT)

# A notebook as live lecture slides on http://127.0.0.1:$(PORT): NB=03_rmc_step_by_step (or .ipynb).
# Which cells are slides is the notebook's slide metadata (tools/slides.py; View > Slide Type in Lab).
slides: $(STAMP)
	@$(CHOOSE_NOTEBOOK); \
	echo "Slides of $$nb at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"; \
	JUPYTER_PATH="$(CURDIR)/tools/slide_template$${JUPYTER_PATH:+:$$JUPYTER_PATH}" RRNN_FIGURE_SCALE=$(SLIDES_FIGURE_SCALE) \
	exec $(BIN)/voila "$$nb" --template=rrnn-slides --Voila.ip=127.0.0.1 --port=$(PORT)

# The course website (Sphinx + MyST-NB; site/conf.py) in build/site/html. Warnings are errors: a
# broken link or a missing page fails the build. tests/e2e/test_site.py builds it the same way.
site: $(STAMP)
	$(BIN)/python -m sphinx -b html -W --keep-going -q -d build/site/doctrees site build/site/html
	@echo "The course website is in build/site/html: open build/site/html/index.html in a browser."

venv: $(STAMP)

# jupyter/overrides.json: JupyterLab settings the course needs (jupyter/README.md)
$(STAMP): pyproject.toml jupyter/overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "rrnn needs Python 3.10 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,site]'
	install -D -m 644 jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

clean:
	rm -rf $(VENV)
