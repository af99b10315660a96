# The two commands a newcomer needs:
#   make lab    set up (first time only) and open the tutorials in JupyterLab
#   make test   set up (first time only) and run every test
#
# Elsewhere, choose another torch build: make test TORCH="torch==2.5.1"
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.pyprivate-installed

.PHONY: setup lab test test-browser clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Torch goes in first and pinned: a bare "torch" would pull a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[notebook,test,browser]"
	touch $@

setup: $(STAMP)

lab: setup
	$(BIN)/python tools/jupyterlab_settings.py $(VENV)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Unit tests and every tutorial, in every language, in one pytest run.
test: setup
	rm -rf build/notebooks
	$(BIN)/python tools/build_notebooks.py build/notebooks
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --durations=10 tests build/notebooks

# Every English tutorial in a real JupyterLab in headless Chromium: Debian's
# chromium (installed with apt when missing), driven by Playwright, which
# never downloads a browser. Screenshots go to build/screenshots/.
test-browser: setup
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/python -m pytest -p no:cacheprovider browser_tests

# Translators: after editing translations/<lang>/*.po, or when an English tutorial changed.
# Extracts the English prose, merges it into every catalog, rebuilds the translated
# notebooks and prints how complete each language is (see translations/README.md).
translations: setup
	$(BIN)/python -m pyprivate.i18n update

clean:
	rm -rf $(VENV) build .pytest_cache
