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
# share of landing rows to spoil (0..1), plus 8 bad files; e.g. `make demo FAULTS=0.01`
# FORCE=1 rebuilds even when nothing new has landed since the published snapshot
FAULTS ?= 0
# CAMPAIGNS=0 generates no service campaigns (a contract v1 landing zone)
CAMPAIGNS ?= 1

.PHONY: system-packages setup demo test dev bench backfill nightly rebuild lint clean clean-all gx-docs lock

# Installs exactly the versions of requirements.lock, each checked against its hashes (CI too,
# through `make test`), then GridSeg itself without dependencies, built with the lock's
# setuptools. Runs again when the lock or pyproject.toml changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Compiles requirements.lock from pyproject.toml (runtime + dev) for Linux and Python 3.11,
# with hashes. Pins already in the lock stay unless pyproject.toml no longer admits them:
# `make lock UPGRADE=1` moves every pin to the newest version admitted. Extras stay on their
# lines (sqlglot[rs]==...): the pip of a new Python 3.11 venv (23.2) resolves an extra of a
# stripped pin (dagster-dbt's sqlglot[rs]) as a new, unpinned requirement and refuses it.
lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-strip-extras --extra dev \
		--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade,) \
		--output-file requirements.lock pyproject.toml

dbt_project/target/manifest.json: $(VENV)/.installed $(shell find dbt_project/models dbt_project/macros -type f) dbt_project/dbt_project.yml
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet --profiles-dir .
	touch $@

# Debian packages beside Python (headless Chromium for the report's browser test)
system-packages:
	@bash scripts/system_packages.sh

setup: system-packages $(VENV)/.installed dbt_project/target/manifest.json

demo: setup
	$(PY) -m orchestration.demo --customers $(CUSTOMERS) --months $(MONTHS) --seed $(SEED) --faults $(FAULTS) $(if $(FORCE),--force,) $(if $(filter 0,$(CAMPAIGNS)),--no-campaigns,)

test: setup
	$(PY) -m pytest -q

dev: setup
	$(VENV)/bin/dagster dev -w workspace.yaml

bench: setup
	$(PY) bench/run_benchmark.py --customers $(CUSTOMERS) --months $(MONTHS)

# Recompute a range of months from the landing data in place: make backfill FROM=2023-01 TO=2025-12
backfill: setup
	$(PY) -m orchestration.backfill --from $(FROM) --to $(TO) $(if $(RETRAIN),--retrain,)

# The nightly path the schedule runs: load new landing files, then recompute the months they
# touched (from the earliest corrected month, at least the latest 3 with bills), score, publish
nightly: setup
	$(PY) -m orchestration.nightly

# A lost warehouse rebuilt from data/landing and the saved models in data/models (not retrained)
rebuild: setup
	$(PY) -m orchestration.rebuild

# Great Expectations Data Docs from the last validation results (data/quality/data_docs/)
gx-docs: setup
	$(PY) -m orchestration.defs.quality.data_docs

# Python (ruff) and the dbt models' SQL (sqlfluff, configured in dbt_project/.sqlfluff)
lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	cd dbt_project && ../$(VENV)/bin/sqlfluff lint models macros --disable-progress-bar

# Removes what the pipeline built; keeps data/landing (your extracts) and data/truth
clean:
	rm -rf data/warehouse.duckdb data/warehouse.duckdb.wal data/published data/models data/logs data/quality dbt_project/target dagster_home/storage dagster_home/history dagster_home/schedules dagster_home/logs

# ... and the generated sample data too
clean-all: clean
	rm -rf data
