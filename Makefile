# Two commands do everything on a fresh machine (Python 3.11, Node 20, gcc):
#   make demo   create .venv, install, migrate, load demo data, serve on http://127.0.0.1:8000
#   make test   install, then lint, type-check and run the suite on SQLite and PostgreSQL

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test install lint format typecheck test-sqlite test-postgres openapi lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, Python never
# caches it, and every process (each CLI call, each test server) would compile its imports
# again: importing the app takes ~7 s that way and ~2.6 s compiled.
$(STAMP): requirements/lock.txt pyproject.toml sdk/python/pyproject.toml brokers/python/pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements/lock.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e sdk/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e brokers/python
	$(BIN)/python -m compileall -q src sdk/python/src brokers/python/src > /dev/null
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/tradertape demo --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/tradertape serve --host $(HOST) --port $(PORT)

test: install lint typecheck test-sqlite test-postgres

lint: install
	$(BIN)/ruff check src tests scripts bench sdk brokers
	$(BIN)/ruff format --check src tests scripts bench sdk brokers

format: install
	$(BIN)/ruff format src tests scripts bench sdk brokers
	$(BIN)/ruff check --fix src tests scripts bench sdk brokers

typecheck: install
	$(BIN)/mypy

test-sqlite: install
	$(BIN)/python -m pytest --db-url sqlite --cov --cov-report=term:skip-covered --cov-fail-under=90
	$(BIN)/python -m coverage report --include='*/tradertape_worker/*' --fail-under=100 --skip-covered

# The PostgreSQL pass re-runs every test that touches the database; when no server
# answers it is skipped, and says so.
test-postgres: install
	@if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then \
		$(BIN)/python -m pytest --db-url "$(PG_TEST_URL)" -m db -p no:cacheprovider; \
	else \
		echo "SKIPPED: PostgreSQL tests (no server answered at $(PG_TEST_URL))"; \
	fi

openapi: install
	$(BIN)/python scripts/export_openapi.py docs/openapi.json

lock: $(BIN)/python
	$(BIN)/uv pip compile requirements/lock.in --python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
