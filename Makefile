# openllm-warehouse: `make run` builds everything offline; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# Settings may live in .env (see .env.example); the environment wins over the file.
ifneq (,$(wildcard .env))
include .env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env)
endif

# `make run ENGINE=spark` = WAREHOUSE_ENGINE=spark (orchestration/settings.py).
ifdef ENGINE
export WAREHOUSE_ENGINE := $(ENGINE)
endif

# The venv's tools (dbt, dagster, duckdb) first on PATH, for Dagster's own dbt calls too.
export PATH := $(abspath $(BIN)):$(PATH)

# No telemetry from dbt, Dagster or Great Expectations: these machines reach no internet.
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False

.PHONY: help venv manifest browser run backfill test bench bench-run ui sql docs settings-docs versions rollback check clean

help:
	@echo "make run    build the environment and materialise every asset (offline default)"
	@echo "make run ENGINE=spark   the same on Spark (local[*]; Java 17): raw Parquet, dbt's spark target"
	@echo "make run SELECT='not group:figures'   only the assets a Dagster asset selection picks"
	@echo "make run ACCEPT_CHANGE=1   publish even if a source's rows or coverage fell beyond its tolerance (this run)"
	@echo "make run FULL_REFRESH=1   reload every file, rebuild every model and publish even if nothing changed"
	@echo "make test [TEST_WORKERS=2]   run the whole test suite on two workers (installs headless Chromium first: make browser)"
	@echo "make backfill [FROM=YYYY-MM-DD] [TO=YYYY-MM-DD] [FULL_REFRESH=1]   weekly v2 weeks, one run"
	@echo "make bench [SCALES=1,10,100] [HUB=1] [REPEAT=3] [BENCH_DIR=...]   benchmarks -> docs/benchmarks.md (not in make test)"
	@echo "make bench-run [BEFORE=rev] [REPEAT=3]   make run's fixed cost, before and after -> docs/benchmarks.md"
	@echo "make ui     open the Dagster UI on http://127.0.0.1:3000"
	@echo "make sql    the DuckDB shell on the published warehouse, read-only"
	@echo "make docs [DOCS_PORT=8080]   dbt's docs site (every table and column described), offline, on http://127.0.0.1:8080"
	@echo "make settings-docs   regenerate docs/settings.md and .env.example from orchestration/settings.py"
	@echo "make versions / make rollback [TO=vNNNNN]   published versions; go back to one"
	@echo "make check  dg check defs: the Dagster definitions load"
	@echo "make browser  install Debian's chromium and chromium-driver for the browser tests (apt-get)"
	@echo "make clean  remove the warehouse, figures, Dagster home and dbt target"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# DAGSTER_HOME with dagster.yaml, and the dbt manifest that the Dagster definitions load.
manifest: venv
	$(BIN)/python -m orchestration.cli prepare

# The paper's warehouse, then every week of the weekly v2 leaderboard (one backfill run), in one
# process. ENGINE=spark builds it on Spark (WAREHOUSE_ENGINE; needs Java 17): `make run ENGINE=spark`;
# SELECT= runs part of the paper's job (a Dagster asset selection).
run: manifest
	$(BIN)/python -m orchestration.cli run $(if $(SELECT),--select "$(SELECT)") $(if $(ACCEPT_CHANGE),--accept-volume-change) $(if $(FULL_REFRESH),--full-refresh)

# Weeks are Sundays (partition keys); by default every week with a file in the landing dir.
backfill: manifest
	$(BIN)/python -m orchestration.cli backfill $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(FULL_REFRESH),--full-refresh) $(if $(ACCEPT_CHANGE),--accept-volume-change)

# The browser tests drive Debian's Chromium through its ChromeDriver (tests/browser). Installed
# with apt-get when missing: as root directly, otherwise through sudo.
CHROMIUM     ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
browser:
	@if [ -x "$(CHROMIUM)" ] && [ -x "$(CHROMEDRIVER)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "make browser: need root or sudo to apt-get install chromium chromium-driver" >&2; exit 1; fi; \
	echo "installing chromium and chromium-driver (apt-get) for the browser tests"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

# Two pytest-xdist workers (the machines' two cores), a whole test file to each: a module's
# fixtures and its tests' order stay together. Three were measured and were not faster: the
# cores are already busy, and a third worker only adds contention (docs/testing.md).
TEST_WORKERS ?= 2
test: manifest browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Benchmarks (not part of `make test`): the paper snapshot at SCALES, the Hub-sized set times HUB
# (0 leaves it out), REPEAT repeats; inputs and runs under BENCH_DIR (default WAREHOUSE_BENCH_DIR,
# data/bench: ~10 GB at Hub size). Writes docs/benchmarks.md and docs/images/benchmark_scaling.png.
SCALES ?= 1,10,100
HUB    ?= 1
REPEAT ?= 3
bench: manifest
	$(BIN)/python -m benchmarks.hub_scale --scales $(SCALES) --hub $(HUB) --repeat $(REPEAT) $(if $(BENCH_DIR),--data-dir $(BENCH_DIR))

# make run's commands after the install, on the offline default, at BEFORE (a git worktree) and
# here, side by side (a few minutes per repeat). Writes benchmarks/run_cost.md and its section of
# docs/benchmarks.md.
bench-run: manifest
	$(BIN)/python -m benchmarks.run_cost --repeat $(REPEAT) $(if $(BEFORE),--before $(BEFORE))

ui: manifest
	$(BIN)/python -m orchestration.cli ui

# Read-only SQL on the published warehouse; safe while runs and backfills write.
sql: venv
	$(BIN)/python -m orchestration.cli sql

# dbt's documentation site (every model, column and test, the lineage graph), built offline from
# the last run's working database (a schema-only copy of it) and served on 127.0.0.1.
DOCS_PORT ?= 8080
docs: venv
	$(BIN)/python -m orchestration.cli docs --port $(DOCS_PORT)

# docs/settings.md and .env.example are generated from the settings registry (SETTINGS);
# a unit test fails while either is stale.
settings-docs: venv
	$(BIN)/python -m orchestration.cli settings-docs

versions: venv
	$(BIN)/python -m orchestration.cli versions

rollback: venv
	$(BIN)/python -m orchestration.cli rollback $(if $(TO),--to $(TO))

check: manifest
	$(BIN)/python -m orchestration.cli check

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs
