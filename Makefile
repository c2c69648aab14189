# GridSeg: `make demo` sets everything up and runs the whole pipeline on generated data;
# `make test` runs the test suite. Both build the virtual environment on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/dagster_home
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

CUSTOMERS ?= 30000
MONTHS ?= 36
SEED ?= 42

.PHONY: setup demo test dev bench lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

dbt_project/target/manifest.json: $(VENV)/.installed $(shell find dbt_project/models dbt_project/macros -type f) dbt_project/dbt_project.yml
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet --profiles-dir .
	touch $@

setup: $(VENV)/.installed dbt_project/target/manifest.json

demo: setup
	$(PY) -m orchestration.demo --customers $(CUSTOMERS) --months $(MONTHS) --seed $(SEED)

test: setup
	$(PY) -m pytest -q

dev: setup
	$(VENV)/bin/dagster dev -w workspace.yaml

bench: setup
	$(PY) bench/run_benchmark.py --customers $(CUSTOMERS) --months $(MONTHS)

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf data dbt_project/target dagster_home/storage dagster_home/history dagster_home/schedules dagster_home/logs
