# AfterCare — `make run` to serve the demo, `make test` to run the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint schema messages bench bench-load bench-tasks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)
	$(BIN)/python manage.py compile_translations

run: install
	DEMO_MODE=$${DEMO_MODE:-1} $(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

# Two xdist workers, one test database each; whole files per worker (--dist loadfile) so that a
# module's expensive fixtures (the seeded demo) are built once. `make test PYTEST_ARGS="-n 0"` runs serially.
PYTEST_ARGS ?= -n 2 --dist loadfile
test: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerate the committed OpenAPI schema after an API change.
schema: install
	$(BIN)/python manage.py spectacular --lang en --validate --file docs/openapi.yaml

# Extract new message ids into the zh_Hans catalogue (then translate them).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var

# Benchmarks (docs/PERFORMANCE.md): every operation as a ratio to its floor.
# `make bench SCALE=group`, `DATABASE_URL=postgres://... make bench`; the dataset is
# built once per scale, seed and code version under var/bench/ (or as a PG database).
SCALE ?= store
SEED ?= 2026
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m aftercare.bench run --scale $(SCALE) --seed $(SEED) $(BENCH_ARGS)

# Load test: waitress on 127.0.0.1 with the store-scale data, USERS advisors for LOAD_SECONDS.
USERS ?= 8
LOAD_SECONDS ?= 60
bench-load: install
	$(BIN)/python -m aftercare.bench load --scale $(SCALE) --seed $(SEED) --users $(USERS) --seconds $(LOAD_SECONDS)

# Background work: throughput and latency of TASKS trivial tasks with 1 and 3 workers, recovery time of
# a killed task (docs/PERFORMANCE.md). Minutes, so not part of `make bench`.
TASKS ?= 10000
bench-tasks: install
	$(BIN)/python -m aftercare.bench.background --tasks $(TASKS)

clean:
	rm -rf $(VENV) var/static
