# Two commands on a fresh machine: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SANDBOX_PORT ?= 8001

.DEFAULT_GOAL := help
.PHONY: help run test lint install

help:
	@echo "make run   - install, migrate, seed the demo and start the portal at http://127.0.0.1:$(PORT)"
	@echo "             with the local DingTalk sandbox at http://127.0.0.1:$(SANDBOX_PORT)/_sandbox/"
	@echo "make test  - install and run the whole test suite"
	@echo "make lint  - ruff check and ruff format --check, as CI runs them"
	@echo "make bench - the benchmarks on SQLite and PostgreSQL (docs/developing.md, Performance); make load - the load test on both"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# A development .env with fresh random keys, written once and never committed.
.env: | $(VENV)/.installed
	$(PY) scripts/write_dev_env.py .env

# Migrates, starts the DingTalk sandbox (its state in var/), seeds the demo, starts the portal; Ctrl-C stops both.
run: $(VENV)/.installed .env
	$(PY) manage.py rundemo --port $(PORT) --sandbox-port $(SANDBOX_PORT)

test: $(VENV)/.installed
	$(PY) -m pytest

# What CI checks before the tests: ruff's lint rules and its formatting (`ruff format .` fixes the latter).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Benchmarks and the load test (benchmarks/, docs/developing.md "Performance"): traffic to 127.0.0.1 only, bounded.
.PHONY: bench load
$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m benchmarks --database sqlite --database postgres

# PostgreSQL at 127.0.0.1:5432 (user postgres); the run creates and drops its own database, load_test.
load: $(VENV)/.installed
	$(PY) -m benchmarks.load --database sqlite
	$(PY) -m benchmarks.load --database postgres
