# One entry point per task. Everything runs from the project's own .venv, built from
# pyproject.toml with requirements.lock pinning the whole dependency tree.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.local/dagster_home
export ETL_WAREHOUSE_PATH ?= $(CURDIR)/.local/warehouse.duckdb
DEV_S3_PORT ?= 9000
DAGSTER_PORT ?= 3000

.PHONY: dev dev-postgres test test-slow ingest bench audit clean venv chromium postgres data-dictionary

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

# The whole platform locally, no AWS account: local S3 (moto) on 127.0.0.1 seeded with the
# sample deliveries, then the Dagster webserver + daemon (sensors on). Ctrl-C stops it all.
dev: venv $(DAGSTER_HOME)/dagster.yaml
	bin/dev $(DEV_S3_PORT) $(DAGSTER_PORT)

# `make dev` with Dagster's storage and the warehouse in a local PostgreSQL 15 cluster
# (.local/postgres, 127.0.0.1:5433, databases warehouse and dagster; deploy/dagster.yaml).
dev-postgres: venv postgres
	bin/dev-postgres $(DEV_S3_PORT) $(DAGSTER_PORT)

# Debian's Chromium for the browser test (etl_assets_tests/ui, driven by Playwright): installed
# from apt only when missing (Playwright's own browser download is not used).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL 15 for the tests' throw-away clusters (etl_assets/devtools/local_postgres.py) and
# `make dev-postgres`: installed from apt only when missing, like Chromium.
PG_BIN := /usr/lib/postgresql/15/bin
postgres:
	@test -x $(PG_BIN)/initdb || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql-15 >/dev/null; }

# Two stages: `make test` (everything but the tests marked slow) and `make test-slow` (the whole
# platform run for real: dagster dev + daemon + Chromium, make dev stopped with Ctrl-C, make ingest
# killed mid-run, 100 deliveries at once, a 300 MB delivery). CI (.ci/run) runs both.
test: venv chromium postgres
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"

# Two groups of about equal length, one per worker (xdist_group marks): "platform" (dagster dev +
# Chromium, killed make ingest cycles) and "headless" (100 deliveries at once, make dev's Ctrl-C,
# the 300 MB delivery, make ingest's progress on a terminal, the PostgreSQL 200k-record cases).
# Measured on a fresh clone, 15 tests: 586 s and 734 s (two runs); make test 351 s and 398 s.
test-slow: venv chromium postgres
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m slow

# Headless cycle: new deliveries → warehouse → leads, with a summary. Uses AWS_ENDPOINT_URL /
# ETL_S3_BUCKET when set; otherwise starts a local S3 server seeded with the samples.
ingest: venv $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/etl-assets ingest

bench: venv postgres
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.run --only postgres
	$(BIN)/python -m benchmarks.run --only incremental --only job_path
	$(BIN)/python -m benchmarks.run --only first_refresh
	$(BIN)/python -m benchmarks.run --only weekly
	$(BIN)/python -m benchmarks.bench_backfill

# docs/data_dictionary.md from mappings/leads.yaml and etl_assets/warehouse/ (a test fails when it is stale)
data-dictionary: venv
	$(VENV)/bin/etl-assets data-dictionary

audit: venv
	$(BIN)/python -m pip install --quiet pip-audit==2.10.0
	$(BIN)/pip-audit -r requirements.lock --progress-spinner off

clean:
	rm -rf .local
