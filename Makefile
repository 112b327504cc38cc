# The one way to run things. `make demo` and `make test` set up .venv/ first (idempotent).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core for the accessibility audit (tests/web/test_accessibility.py), pinned in tools/axe.
AXE := tools/axe/node_modules/axe-core/axe.min.js

.PHONY: demo test test-tor browser lint setup clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(AXE): tools/axe/package.json tools/axe/package-lock.json
	npm ci --prefix tools/axe --no-audit --no-fund --loglevel=error
	touch $(AXE)

setup: $(STAMP) $(AXE)

demo: $(STAMP)
	$(VENV)/bin/helpseek demo --out demo/

test: $(STAMP) $(AXE)
	$(PY) -m pytest -q

test-tor: $(STAMP)
	$(PY) -m pytest -q -m tor tests/tor

# Every goal of issue 16 in one table (figure, same-run baseline, ratio, machine load); see
# docs/performance.md. Takes a while: run it on a machine as quiet as you can find.
bench: $(STAMP)
	cd benchmarks && ../$(PY) bench.py

browser: $(STAMP) $(AXE)
	$(PY) -m pytest -q -m browser

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) demo/ .pytest_cache tools/axe/node_modules
