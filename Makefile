# Two commands for a new user: `make run` and `make test`. Only Python 3.11 is needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format setup migrate demo bench bench-rules bench-import bench-upload messages clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty

run: demo
	@echo "Mở http://127.0.0.1:8000/ trong trình duyệt (Ctrl+C để dừng)."
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup  ## ruff's checks and its formatting, as CI runs them
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-rules bench-import

# Benchmarks write to their own databases (names containing "bench"), never to db.sqlite3.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
bench-rules: setup  ## every member's and unit's figures over 1M cases vs the bare-SQL floor
	DATABASE_URL=$(BENCH_PG)/vneid_rules_bench $(PY) benchmarks/bench_rules.py --recompute
	DATABASE_URL=sqlite:////tmp/vneid_rules_bench.sqlite3 $(PY) benchmarks/bench_rules.py --recompute

bench-import: setup  ## a 100,000-row workbook vs calamine read + one COPY, as the command and as the web
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_import_bench $(PY) benchmarks/bench_import.py
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_import_bench $(PY) benchmarks/bench_import.py --user

bench-upload: setup  ## hostile workbooks (a 300 MB cell, entity bombs, ...) through the command and the web
	$(PY) benchmarks/bench_upload_limits.py

messages: setup
	$(PY) manage.py makemessages -l vi --no-obsolete --ignore=.venv --ignore=benchmarks
	$(PY) manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache
