# The two commands a newcomer needs:
#   make lab    set up (first time only) and open the tutorials in JupyterLab
#   make test   set up (first time only) and run every test
#
# Elsewhere, choose another torch build (2.6 or newer): make test TORCH="torch==2.6.0"
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.pyprivate-installed

.PHONY: setup lab test test-wire browser test-browser clean translations slides classroom otter test-otter book test-book

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Torch goes in first and pinned: a bare "torch" would pull a multi-GB CUDA build. It stays
# pinned while the rest goes in, so that nothing (Opacus needs torch >= 2.6) replaces it.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[notebook,test,browser]" "$(TORCH)"
	touch $@

setup: $(STAMP)

lab: setup
	$(BIN)/python tools/jupyterlab_settings.py $(VENV)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Unit tests and every tutorial, in every language, in one pytest run on two cores:
# both classroom editions of each lesson. The teacher edition is the lab notebook
# (notebooks/<lang>/*.md) with its solutions shown and one last cell that fails unless
# every check passed; tests/test_classroom.py checks that nothing else differs.
# Every process on one torch thread, as the teacher's guide advises for a shared server: two
# kernels with two threads each on two cores made lesson 7's training cell take 45 s instead
# of 3, and lesson 5's plaintext timing slower than its encrypted one.
test: setup
	rm -rf build/classroom/student build/classroom/teacher
	$(BIN)/python tools/build_classroom.py build/classroom
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env --durations=10 -m "not otter" \
		tests build/classroom/student build/classroom/teacher

# The student and teacher editions of every lesson in every language (tools/classroom.py):
# build/classroom/student/<lang>/NN-slug.ipynb and build/classroom/teacher/<lang>/NN-slug.ipynb.
classroom: setup
	$(BIN)/python tools/build_classroom.py build/classroom

# Debian's chromium and the Noto fonts (Devanagari, Bengali), installed with apt when missing.
browser:
	command -v chromium >/dev/null && dpkg -s fonts-noto-core >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-core)

# Every English tutorial in a real JupyterLab in headless Chromium: Debian's
# chromium (installed with apt when missing), driven by Playwright, which
# never downloads a browser. Screenshots go to build/screenshots/.
test-browser: setup slides browser
	$(BIN)/python -m pytest -p no:cacheprovider browser_tests

# An optional extra (slides, otter, book), installed once on top of the set-up.
$(VENV)/.pyprivate-%-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	touch $@

# Every lesson in every language as a RISE slideshow (headings start slides, code cells
# are fragments; see tools/build_slides.py) in build/classroom/slides/<lang>/. Present
# one with `make lab`, open it, then press Alt+R (jupyterlab-rise, the "slides" extra).
slides: $(VENV)/.pyprivate-slides-installed
	rm -rf build/classroom/slides
	$(BIN)/python tools/build_slides.py build/classroom/slides

# Every lesson in every language as an otter-grader master notebook (see tools/build_otter.py)
# in build/classroom/otter/<lang>/. `otter assign` makes a lesson's autograder and student
# notebook from it, `otter run` grades a submission locally (otter-grader, the "otter" extra).
otter: $(VENV)/.pyprivate-otter-installed
	rm -rf build/classroom/otter
	$(BIN)/python tools/build_otter.py build/classroom/otter

# The otter export, then otter assign and otter run on lesson 3 (tests/test_otter_export.py).
# The library's tests again, with every in-process message encoded to bytes and decoded, as between
# processes (sy.settings.wire_bytes; by default they are handed over as copied objects).
test-wire: setup
	OMP_NUM_THREADS=1 PYPRIVATE_WIRE_BYTES=1 $(BIN)/python -m pytest -n 2 --dist loadfile -m "not otter" tests

test-otter: otter
	$(BIN)/python -m pytest --durations=5 tests/test_otter_export.py

# Every lesson in every language, run, as a static site (Sphinx, myst-nb, sphinx-book-theme; the
# "book" extra): open build/book/site/index.html. One build per language from book/conf.py (see
# tools/build_book.py), two languages at a time; any Sphinx warning or failed cell fails it.
# Devanagari and Bengali need Debian's fonts-noto-core, in the pages and in the figures.
book: $(VENV)/.pyprivate-book-installed
	dpkg -s fonts-noto-core >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-noto-core)
	$(BIN)/python tools/build_book.py build/book

# The book in Debian's chromium from file://, with every outside request blocked
# (browser_tests/test_book.py); screenshots go to build/screenshots/book/.
test-book: book browser
	$(BIN)/python -m pytest -p no:cacheprovider browser_tests/test_book.py

# Translators: after editing translations/<lang>/*.po, or when an English tutorial changed.
# Extracts the English prose, merges it into every catalog, rebuilds the translated
# notebooks and prints how complete each language is (see translations/README.md).
translations: setup
	$(BIN)/python -m pyprivate.i18n update

clean:
	rm -rf $(VENV) build .pytest_cache
