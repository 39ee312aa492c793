# Two commands for a new user: `make run` and `make test`. Only Python 3.11 is needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format setup migrate demo bench bench-rules bench-import bench-export bench-pages bench-upload bench-offline bench-verify bench-records-migration messages clean
.PHONY: serve worker backup restore backup-test bench-load test-faults

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

setup: $(STAMP)

# Debug is off unless asked for (config/settings.py): the demo on this machine asks for it,
# over plain HTTP on 127.0.0.1; the tests ask through their own settings (pytest.ini).
migrate demo run messages: export DJANGO_DEBUG ?= true

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty

# The task worker (long work: report workbooks) runs beside the server and stops with it.
run: demo
	@echo "Mở http://127.0.0.1:8000/ trong trình duyệt (Ctrl+C để dừng)."
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(PY) manage.py runserver 127.0.0.1:8000

# The suite runs in file order. `make test PYTEST_ORDER=` takes a new random order
# (pytest-randomly), printing its seed; `PYTEST_ARGS=--randomly-seed=N` repeats it. The
# migrated data lost after the browser journeys is fixed (conftest.py); random order stays
# off by default until whole runs of two seeds pass (README, Tests).
PYTEST_ORDER ?= -p no:randomly
test: setup
	$(PY) -m pytest $(PYTEST_ORDER) $(PYTEST_ARGS)

# Faults survived (README, Operations): workers killed, PostgreSQL stopped and started, the
# disk full, two at once, time limits; real processes on a private PostgreSQL instance.
test-faults: setup  ## the fault suite (jobs/faults); prints each fault and the table
	PY=$(PY) scripts/test_faults.sh $(PYTEST_ARGS)

lint: setup  ## ruff's checks and its formatting, and the layers of .importlinter, as CI runs them
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-rules bench-import bench-export bench-pages

# Benchmarks write to their own databases (names containing "bench"), never to db.sqlite3.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
bench-rules: setup  ## every member's and unit's figures over 1M cases vs the bare-SQL floor
	DATABASE_URL=$(BENCH_PG)/vneid_rules_bench $(PY) benchmarks/bench_rules.py --recompute
	DATABASE_URL=sqlite:////tmp/vneid_rules_bench.sqlite3 $(PY) benchmarks/bench_rules.py --recompute

bench-import: setup  ## a 100,000-row workbook vs calamine read + one COPY, as the command and as the web
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_import_bench $(PY) benchmarks/bench_import.py
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_import_bench $(PY) benchmarks/bench_import.py --user

bench-export: setup  ## the district's report with a 100,000-row named list vs query + XlsxWriter
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_export_bench $(PY) benchmarks/bench_export.py
bench-offline: setup  ## a case sent from a phone after offline entry vs one typed online (bound 1.5x)
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_offline_bench $(PY) benchmarks/bench_offline.py --cases 200
bench-verify: setup  ## a 500,000-row activation list matched against 1M cases vs calamine read + one COPY; then the pages
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_verify_bench $(PY) benchmarks/bench_verify.py --cases 1000000 --rows 500000 --pages

bench-records-migration: setup  ## migration campaign/0012 (each tree's record) over 100k cases, rolled back
	DATABASE_URL=$(BENCH_PG)/vneid_records_bench $(PY) benchmarks/bench_records_migration.py --cases 100000

bench-pages: setup  ## every page a district administrator reaches, 1M and 100k cases (20,000 activities), real server
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_pages_bench $(PY) benchmarks/bench_pages.py --cases 1000000 --activities 20000 --results benchmarks/results/pages-1000000.json
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_pages_bench_100k $(PY) benchmarks/bench_pages.py --cases 100000 --activities 2000 --results benchmarks/results/pages-100000.json
	$(PY) benchmarks/scaling_doc.py

# --- Production: gunicorn and the job worker, backups ---------------------------------------
# `make serve` runs the app as production does (scripts/serve.sh): PostgreSQL, debug off,
# migrate, collectstatic, the job worker in its own process, gunicorn (deploy/gunicorn.conf.py)
# on GUNICORN_BIND (default 127.0.0.1:8000). Settings come from the environment or .env.
# The job worker: django-tasks-db's queue in the database, read by db_worker.
WORKER_CMD ?= $(PY) manage.py db_worker
serve: setup  ## gunicorn + the job worker on PostgreSQL ($$DATABASE_URL), as production runs
	WORKER_CMD="$(WORKER_CMD)" PY=$(PY) scripts/serve.sh

worker: setup  ## the job worker alone (deploy/vneid-worker.service runs the same command)
	@if [ -z "$(WORKER_CMD)" ]; then echo "Chưa có bộ chạy tác vụ nền (WORKER_CMD trống)."; \
	else $(WORKER_CMD); fi

bench-load: setup  ## 1M cases on PostgreSQL, gunicorn (2 workers), locust: 50 users of every role, 60 s
	@test -x $(VENV)/bin/locust || $(PY) -m pip install --quiet -r requirements-bench.txt
	BENCH_DATABASE_URL=$(BENCH_PG)/vneid_load_bench $(PY) -u benchmarks/bench_load.py

# Backups of the PostgreSQL database at $$DATABASE_URL: pg_dump's custom format in
# BACKUP_DIR; `make restore FILE=...` replaces the tables in one transaction. `make
# backup-test` proves it: backs up, drops, restores and compares (vneid_backup_test).
BACKUP_DIR ?= backups
backup:  ## pg_dump -Fc of $$DATABASE_URL into $(BACKUP_DIR)/
	scripts/backup.sh "$(BACKUP_DIR)"

restore:  ## pg_restore FILE=... into $$DATABASE_URL (asks first on a terminal)
	scripts/restore.sh "$(FILE)"

backup-test: setup  ## back up, drop, restore, compare row counts and campaign_results
	PY=$(PY) scripts/backup_test.sh

bench-upload: setup  ## hostile workbooks (a 300 MB cell, entity bombs, ...) through the command and the web
	$(PY) benchmarks/bench_upload_limits.py

messages: setup
	$(PY) manage.py makemessages -l vi --no-obsolete --ignore=.venv --ignore=benchmarks
	$(PY) manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache
