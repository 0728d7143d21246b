# The two commands a reader needs: `make serve` and `make test`.
# Both create .venv and install the pinned requirements, and are
# safe to run again: each step is skipped when its inputs have not changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
export NO_MKDOCS_2_WARNING := 1

.DEFAULT_GOAL := help
.PHONY: help setup serve test test-once build lint clean diagrams

help:
	@echo "make serve   set up and serve the site at http://127.0.0.1:8000 with live reload"
	@echo "make test    set up and run the whole test suite (the command CI runs)"
	@echo "make test-once  one quick pass of the suite while you work"
	@echo "make build   build the site into site/ with mkdocs build --strict"
	@echo "make lint    ruff over cicd_check/, snippets/ and tests/"
	@echo "make diagrams  redraw the diagrams whose source (docs/diagrams/*.mmd) changed"
	@echo "make clean   remove .venv, node_modules and build output"

$(BIN)/.requirements-installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	# cicd-check itself, editable, so `cicd-check` runs the working tree (deps are pinned above).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# npm packages (mermaid, Lighthouse) are development tools only, pinned in package-lock.json:
# the site, its build and its tests need none of them. `make diagrams` and `make bench` do.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts

setup: $(BIN)/.requirements-installed

# Diagrams are committed SVGs drawn from docs/diagrams/*.mmd by the pinned mermaid in
# Chromium; only the ones whose source changed are redrawn. A test fails on a stale one.
diagrams: $(BIN)/.requirements-installed node_modules/.package-lock.json
	$(BIN)/python scripts/diagrams.py

serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

build: setup
	$(BIN)/mkdocs build --strict --site-dir site

lint: setup
	$(BIN)/ruff check cicd_check snippets tests conftest.py scripts

# The whole suite, three times in a row, as CI runs it, each pass on two workers
# (--dist loadgroup keeps the tests of the built site on one worker: one build, one visit
# of every page; see conftest.py):
#   1. everything: in process, in random order, with coverage (floor in pyproject.toml)
#      and the browser checks;
#   2. through moto's HTTP server on 127.0.0.1 (the wire API alone): only the tests and
#      fences that use the aws fixture (--aws-examples-only), the only ones
#      HANDBOOK_AWS_MODE changes; the rest would repeat pass 3's work exactly;
#      (passes 2 and 3 leave out the CDK synthesis, which calls no AWS API: pass 1 runs it)
#   3. in process again, everything but the browser, a new random order: nothing may leak
#      between runs.
# pytest exits 5 when it collected no test: that is a failure here, never a pass.
test: setup
	@set -e; \
	run() { rc=0; "$$@" || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing."; fi; return $$rc; }; \
	echo "== 1/3 in process, with coverage and browser checks"; \
	run $(BIN)/python -m pytest -n 2 --dist loadgroup --cov --cov-report=term $(PYTEST_ARGS); \
	echo "== 2/3 the AWS examples through moto's server on loopback, in parallel"; \
	HANDBOOK_AWS_MODE=server run $(BIN)/python -m pytest -n 2 --dist loadgroup \
	  --aws-examples-only -m "not browser and not synth" $(PYTEST_ARGS); \
	echo "== 3/3 in process again, in parallel, new order"; \
	run $(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser and not synth" $(PYTEST_ARGS)

# One pass, in process: what to run while you work.
test-once: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules site .artifacts .coverage

# Speed figures: build time against stock Material, test-suite time, page weight and
# Lighthouse scores for every page (several minutes). See scripts/bench.py.
.PHONY: bench
bench: setup node_modules/.package-lock.json
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)
