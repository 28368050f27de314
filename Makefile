# TechFlow: `make demo` runs the demo, `make test` runs the tests.
PYTHON ?= python3.12
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo serve-with-worker worker test install install-dev vendor migrate serve lint format browser bench clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt .ci/requirements-dev.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r .ci/requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed vendor
install-dev: $(VENV)/.installed-dev vendor

vendor:
	@bash .ci/vendor-static.sh

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input

## Runs the demo on http://$(HOST):$(PORT) (SQLite unless DATABASE_URL is set), with the
## background worker beside the web server; Ctrl-C stops both.
## The demo's logins sign in with their password alone (TECHFLOW_2FA_REQUIRED=none); set
## TECHFLOW_2FA_REQUIRED=superusers to try the two-factor step (admin enrols on first sign-in).
demo: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py setup_demo
	@$(MAKE) --no-print-directory serve-with-worker

## The web server and the background worker (README "Background worker"); Ctrl-C stops both.
serve-with-worker:
	@DEBUG=$${DEBUG:-true} bash -c '$(PY) manage.py schedule_periodic; \
	  $(PY) manage.py db_worker --no-reload --interval 0.5 & worker=$$!; \
	  trap "kill $$worker 2>/dev/null; wait $$worker 2>/dev/null" EXIT; \
	  TECHFLOW_2FA_REQUIRED=$${TECHFLOW_2FA_REQUIRED:-none} $(PY) manage.py runserver $(HOST):$(PORT)'

## The background worker alone (runs queued tasks until stopped).
worker: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py schedule_periodic
	DEBUG=$${DEBUG:-true} $(PY) manage.py db_worker

serve: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

## Runs the whole suite (SQLite unless DATABASE_URL points at PostgreSQL) on the tests' pinned clock;
## TECHFLOW_TEST_NOW=2026-12-05T21:00 make test runs it at another local time. The tests are spread
## over one process per core (pytest-xdist, each with its own test database); PYTEST_WORKERS=0 runs
## them in this process (for a debugger), PYTEST_WORKERS=4 in four.
PYTEST_WORKERS ?= auto
test: install-dev
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Every page at scale (PostgreSQL: BENCH_DATABASE_URL); see bench/README.md.
bench: install
	$(PY) bench/run.py

## Debian's Chromium, for the browser tests (Playwright's own download is not used).
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) staticfiles static/vendor .pytest_cache .ruff_cache
