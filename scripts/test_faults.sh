#!/usr/bin/env bash
# make test-faults: the fault suite (jobs/faults) with real processes. It starts a private,
# throwaway PostgreSQL instance (initdb + pg_ctl, in a temporary folder, on a free port)
# that the suite stops and starts around a live gunicorn and job worker; the PostgreSQL at
# 127.0.0.1:5432 is never touched. initdb refuses to run as root: as root the instance runs
# as the `postgres` user (runuser). The disk-full cases mount a size-limited tmpfs (as root),
# else inject ENOSPC at the file layer; the run says which.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PGBIN=${FAULTS_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
[ -x "$PGBIN/initdb" ] || { echo "initdb not found (set FAULTS_PGBIN)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/vneid-faults.XXXXXX)
AS=""
if [ "$(id -u)" = 0 ]; then
  chown postgres "$WORK"
  AS="runuser -u postgres --"
fi
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  $AS "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== private PostgreSQL in $WORK on port $PORT ($($PGBIN/postgres --version))"
$AS "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
$AS "$PGBIN/pg_ctl" -D "$WORK/data" -w -l "$WORK/postgres.log" \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null

"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres vneid_faults
export FAULTS_PGBIN="$PGBIN" FAULTS_PGDATA="$WORK/data" FAULTS_PG_PORT="$PORT"
export FAULTS_PG_SOCKETS="$WORK" FAULTS_PG_AS="$AS"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/vneid_faults"
export JOBS_LEASE_SECONDS=${JOBS_LEASE_SECONDS:-6}
# Uploads and jobs' files where the tests and their processes all find them.
export IMPORT_TEMP_DIR="$WORK/uploads" DJANGO_MEDIA_ROOT="$WORK/media"
mkdir -p "$IMPORT_TEMP_DIR" "$DJANGO_MEDIA_ROOT"
# The suite's database is the throwaway instance's own (not a test_ copy): its processes
# and the tests share it, and it goes with the instance.
DJANGO_DEBUG=true $PY manage.py migrate --noinput -v0
set +e
$PY -m pytest -p no:randomly -s -q -m faults jobs/faults/faults_*.py "$@"
code=$?
set -e
exit $code
