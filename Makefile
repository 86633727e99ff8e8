# Two commands do everything on a fresh machine (Python 3.11, Node 20, gcc):
#   make demo   create .venv, install, build the web app, migrate, load demo data, serve on :8000
#   make test   install, then lint, type-check and run the suite on SQLite and PostgreSQL, the
#               web app's checks and unit tests, and its end-to-end tests in Debian's Chromium

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo demo-parts serve test checks long-runs install install-parts kernels ahead bench lint format typecheck test-sqlite test-postgres sqlite-pass sqlite-long postgres-pass postgres-long benches-short long-rest test-web test-e2e fuzz chromium web openapi lock clean wheels

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, Python never
# caches it, and every process (each CLI call, each test server) would compile its imports
# again: importing the app takes ~7 s that way and ~2.6 s compiled.
$(STAMP): requirements/lock.txt pyproject.toml sdk/python/pyproject.toml brokers/python/pyproject.toml agent/pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements/lock.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e sdk/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e brokers/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e agent
	$(BIN)/python -m compileall -q src sdk/python/src brokers/python/src agent/src > /dev/null
	touch $(STAMP)

# The backtest and indicator kernels, compiled into numba's disk cache (`__pycache__` beside
# their modules) so that no server start, backtest or test process compiles them: two
# processes side by side, each with about half of the work (numba compiles in one thread),
# a few minutes of CPU in all the first time (seconds when the cache is already filled), and
# again only when the code that builds or calls them changes (`tradertape warm-up`).
KERNELS := $(VENV)/.kernels
KERNEL_SOURCES := src/tradertape/jit.py $(wildcard src/tradertape/backtest/*.py src/tradertape/indicators/*.py src/tradertape/strategies/*.py)

$(KERNELS): $(STAMP) $(KERNEL_SOURCES)
	$(BIN)/tradertape warm-up --jobs 2
	touch $(KERNELS)

kernels: $(KERNELS)

# The same builds compiled ahead of time into one extension module (`tradertape.ahead`),
# which a fresh `tradertape backtest` runs without importing numba: about a second of its
# start spared. Not part of the demo's first run (a few minutes of CPU): a CLI run without it
# (or with a stale one) loads numba's cache as before.
AHEAD := src/tradertape/_kernels_ahead.json

# (its stamp covers the options kernel's folder too: `tradertape.ahead.KERNEL_FOLDERS`)
$(AHEAD): $(KERNELS) src/tradertape/ahead.py $(wildcard src/tradertape/backtest/options/*.py)
	$(BIN)/python -m tradertape.ahead

ahead: $(AHEAD)

# The web app: npm's lock pins every package; the bundle goes into the Python package
# (src/tradertape/web_dist), which `tradertape serve` serves at / and the wheel carries.
WEB_MODULES := web/node_modules/.package-lock.json
WEB_DIST := src/tradertape/web_dist/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/public web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)

$(WEB_MODULES): web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_MODULES)

$(WEB_DIST): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run --silent build -- --logLevel warn

web: $(WEB_DIST)

# The agent's local UI (agent/web) uses the web app's locked toolchain: its node_modules is a
# link to web/node_modules (one package-lock.json); the bundle goes into the agent's package
# (tradertape_agent/ui/static), which the agent's wheel carries.
AGENT_UI := agent/src/tradertape_agent/ui/static/index.html
AGENT_UI_SOURCES := $(shell find agent/web/src agent/web/index.html agent/web/public agent/web/vite.config.ts agent/web/tsconfig.json web/src/format -type f 2>/dev/null)

agent/web/node_modules: | $(WEB_MODULES)
	ln -sfn ../../web/node_modules agent/web/node_modules

$(AGENT_UI): $(WEB_MODULES) $(AGENT_UI_SOURCES) | agent/web/node_modules
	cd agent/web && npm run --silent build -- --logLevel warn

web-agent: $(AGENT_UI)

# The Python side (dependencies, then the kernels) and the web side (npm, then the two
# bundles) need nothing of each other: built side by side, a fresh machine's set-up takes
# the longer of the two, not their sum.
install:
	@$(MAKE) --no-print-directory -q install-parts || $(MAKE) --no-print-directory -j2 install-parts

install-parts: $(STAMP) $(KERNELS) $(AHEAD) $(WEB_DIST) $(AGENT_UI)

# What the demo serves: the Python side with the kernels, and the web app (not the agent's
# UI), built side by side.
demo-parts: $(STAMP) $(KERNELS) $(WEB_DIST)

demo:
	@$(MAKE) --no-print-directory -q demo-parts || $(MAKE) --no-print-directory -j2 demo-parts
	$(BIN)/tradertape demo --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/tradertape serve --host $(HOST) --port $(PORT)

# The checks side by side (mypy and tsc take one CPU each); the two passes (every CPU each);
# then the browser suites beside the long runs: a Playwright worker, its Chromium and the demo
# server leave part of the second CPU idle, which the long runs (one CPU, one after another)
# take, instead of waiting for them first. The long runs go at the lowest priority: the
# browser suite waits on its pages (its own CPU is bursts), so it went 16 min alone and
# 24-28 min beside them at equal priority; niced, 15.7-17.4 min beside them, the stage 19-22 min.
test: install
	$(MAKE) --no-print-directory -j2 --output-sync=target checks
	$(MAKE) --no-print-directory sqlite-pass
	$(MAKE) --no-print-directory postgres-pass
	$(MAKE) --no-print-directory -j2 --output-sync=target test-e2e long-runs

checks: lint typecheck test-web

long-runs: install
	nice -n 19 $(MAKE) --no-print-directory sqlite-long
	nice -n 19 $(MAKE) --no-print-directory long-rest

lint: install
	$(BIN)/ruff check src tests scripts bench sdk brokers agent hatch_build.py
	$(BIN)/ruff format --check src tests scripts bench sdk brokers agent hatch_build.py

format: install
	$(BIN)/ruff format src tests scripts bench sdk brokers agent hatch_build.py
	$(BIN)/ruff check --fix src tests scripts bench sdk brokers agent hatch_build.py

typecheck: install
	$(BIN)/mypy

# The UI's API types must match docs/openapi.json; TypeScript strict; Vitest.
test-web: install
	cd web && npm run --silent check:api && npm run --silent typecheck && npx vitest run
	cd agent/web && npm run --silent typecheck

# Debian's Chromium drives the end-to-end tests (Playwright's own download needs the internet).
chromium:
	@command -v chromium >/dev/null || { apt-get install -y -q chromium >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }

# A real `tradertape demo` on a free port with a throwaway data folder, then the agent's local
# UI at 390 x 844 against a fake cloud and a fake Kite; screenshots land in docs/screenshots/.
# The web app's specs run one after another against one demo server: two shards side by side
# (each its own server) measured no faster on two cores, the servers' own background work
# (the simulated feed, the jobs) taking the second core.
test-e2e: install chromium
	cd web && npx playwright test
	cd agent/web && npx playwright test

# The tests of minutes (marked `long`: the fuzzer) run after the rest, on their own: inside the
# pass one took 6-7 minutes of a CPU (its server and client threads waiting on each other while
# the other CPU was busy), alone about two. Coverage is measured and gated on the SQLite pass
# (92 % without the long runs, the worker SDK 100 %): under the tracer the fuzzer took 7 min
# 12 s against 2 min 57 s without, for a tenth of a point. Each target runs its pass, then its long
# run (in that order under -j too); `make test` runs both passes, then the two long runs side
# by side.
test-sqlite: install
	$(MAKE) --no-print-directory sqlite-pass
	$(MAKE) --no-print-directory sqlite-long

# One xdist worker more than the CPUs, and an idle worker takes tests queued for another
# (worksteal): with one worker a CPU, the pass left 29 % of its CPU time idle, its tests
# waiting on fake brokers, servers and subprocesses. Measured 2026-12-02, the SQLite pass
# without coverage on 2 CPUs: -n auto 11 min 31 s (16 min of CPU), -n 3 --dist worksteal
# 9 min 6 s (16.7 min of CPU).
CPUS := $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 1)
XDIST := -n $(shell expr $(CPUS) + 1) --dist worksteal

sqlite-pass: install
	$(BIN)/python -m pytest $(XDIST) --db-url sqlite -m "not long and not bench" --durations=20 \
		--cov --cov-report=term:skip-covered --cov-fail-under=90
	$(BIN)/python -m coverage report --include='*/tradertape_worker/*' --fail-under=100 --skip-covered

sqlite-long: install
	$(BIN)/python -m pytest --db-url sqlite -m long -p no:cacheprovider

# The PostgreSQL pass re-runs every test that touches the database; when no server
# answers it is skipped, and says so.
test-postgres: install
	$(MAKE) --no-print-directory postgres-pass
	$(MAKE) --no-print-directory postgres-long

PG_OR_SKIP = if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then $(1); \
	else echo "SKIPPED: PostgreSQL tests (no server answered at $(PG_TEST_URL))"; fi

postgres-pass: install
	@$(call PG_OR_SKIP,$(BIN)/python -m pytest $(XDIST) --db-url "$(PG_TEST_URL)" -m "db and not long" -p no:cacheprovider --durations=20)

postgres-long: install
	@$(call PG_OR_SKIP,$(BIN)/python -m pytest --db-url "$(PG_TEST_URL)" -m "db and long" -p no:cacheprovider)

# Every script of bench/ in its short mode (a bench that crashes fails CI), each in its own
# process; `make test` runs them after the PostgreSQL long run, beside the SQLite one (the
# longer: the fuzzer under coverage).
benches-short: install
	$(BIN)/python -m pytest -m bench -p no:cacheprovider -q --durations=10

long-rest: install
	$(MAKE) --no-print-directory postgres-long
	$(MAKE) --no-print-directory benches-short

# The fuzzer's full budget: every operation of docs/openapi.json against a real server, two
# users (test-sqlite runs it with a fixed budget of 12 per operation; docs/api-conventions.md).
FUZZ_EXAMPLES ?= 100
fuzz: install
	TRADERTAPE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/api/test_fuzz.py \
		-p no:cacheprovider -s

openapi: install
	$(BIN)/python scripts/export_openapi.py docs/openapi.json

# The four distributions' wheels in dist/: server (with the web app's build), worker SDK,
# broker adapters and local agent. Their sibling requirement is pinned by version: install
# both wheels by their paths (agent/README.md), never by name (no index publishes them).
wheels: $(BIN)/python $(WEB_DIST) $(AGENT_UI)
	rm -f dist/tradertape*.whl
	TRADERTAPE_RELEASE_WHEELS=1 $(BIN)/python -m pip wheel --quiet --disable-pip-version-check \
		--no-deps --wheel-dir dist . ./sdk/python ./brokers/python ./agent

# Every bench/ script with small settings, one after another (about ten minutes on two
# cores); one table of their headline figures in bench/results.md, each script's output in
# bench/results/. A script that fails is a row saying so. BENCH_ARGS=--full: their own sizes.
bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

lock: $(BIN)/python
	$(BIN)/uv pip compile requirements/lock.in --python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
