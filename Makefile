# Two commands from a fresh clone: `make demo` and `make test`. Both install what they
# need once (a .venv with the pinned set, Delta's jars in .cache/jars, Airflow's SQLite
# metadata in .airflow) and reuse it afterwards.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
SCALE   ?= 1
SEED    ?= 2021
YEAR    ?= 2021

export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__LOGGING__LOGGING_LEVEL := WARNING
export SUIZHI_HOME := $(CURDIR)
export SUIZHI_JARS := $(CURDIR)/.cache/jars
export PYSPARK_PYTHON := $(CURDIR)/$(BIN)/python

.PHONY: setup system-packages demo lint test bench check clean postgresql mariadb

setup: $(VENV)/.installed .cache/jars/.fetched .airflow/.migrated

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

.cache/jars/.fetched: jars.txt
	mkdir -p .cache/jars
	grep -v '^#' jars.txt | while read -r artifact; do \
	  mvn --quiet --batch-mode -Dmaven.repo.local=$(CURDIR)/.cache/m2 \
	    dependency:copy -Dartifact=$$artifact -DoutputDirectory=$(CURDIR)/.cache/jars || exit 1; \
	done
	touch $@

.airflow/.migrated: $(VENV)/.installed
	mkdir -p .airflow
	$(BIN)/airflow db migrate > .airflow/migrate.log 2>&1 || (tail -20 .airflow/migrate.log; exit 1)
	touch $@

check: $(VENV)/.installed
	$(BIN)/suizhi catalog check

demo: setup
	$(BIN)/suizhi demo --year $(YEAR) --scale $(SCALE) --seed $(SEED)

# The JDBC tests run a throwaway PostgreSQL server of their own on loopback.
postgresql:
	sh scripts/ensure-postgresql.sh

# ... and a throwaway MariaDB server, read through the MySQL driver.
mariadb:
	sh scripts/ensure-mariadb.sh

# LibreOffice and Chromium: the evaluation tests open the workbook and render the HTML report.
system-packages:
	sh scripts/system-packages.sh

# Code health first: ruff's rules and import-linter's layers (pyproject.toml), with the tools
# of requirements-dev.txt.
$(VENV)/.dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests dags jobs
	$(BIN)/lint-imports

test: lint setup $(VENV)/.bench postgresql mariadb system-packages
	$(BIN)/pytest

# DuckDB is the bench's anchor only (requirements-bench.txt), never a pipeline dependency.
$(VENV)/.bench: requirements-bench.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

# `make bench DAY=1`: one full-scale day of the city (3M records) instead of the months.
bench: setup $(VENV)/.bench
	$(BIN)/suizhi bench --year $(YEAR) --scale $(SCALE) --seed $(SEED) $(if $(DAY),--day)

clean:
	rm -rf var lake reports
