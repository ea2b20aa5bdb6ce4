# Two commands for a newcomer: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Start the console on the embedded SQLite default with the simulated Skåne fleet. The first start also stores the
## demo's fictitious address register (500 000 generated addresses, about 10 s; later starts check it in 2 s); the
## console starts without it should that fail.
run: $(STAMP)
	-$(PY) main.py addresses demo --if-missing
	$(PY) main.py console --demo

## The whole suite, offscreen: lint, the layering contract, type checking (mypy), then pytest.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

## Benchmarks print figures; they are never part of `make test`.
bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) main.py screenshot docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
