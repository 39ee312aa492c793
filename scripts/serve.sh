#!/usr/bin/env bash
# Serves the app the way production does (`make serve`): on PostgreSQL, debug off, the
# database migrated, static files collected for whitenoise, the job worker in its own
# process (WORKER_CMD, when the job runner is installed), gunicorn in the foreground.
# Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

case "${DATABASE_URL:-}" in
  postgres://* | postgresql://* | pgsql://*) ;;
  *)
    echo "make serve chạy trên PostgreSQL: đặt DATABASE_URL=postgres://... (SQLite chỉ để thử)." >&2
    exit 1
    ;;
esac
export DJANGO_DEBUG="${DJANGO_DEBUG:-false}"

"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput -v 0

worker_pid=""
stop_worker() { if [ -n "$worker_pid" ]; then kill "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; fi; }
trap stop_worker EXIT INT TERM
if [ -n "${WORKER_CMD:-}" ]; then
  echo "== job worker: $WORKER_CMD" >&2
  $WORKER_CMD &
  worker_pid=$!
else
  echo "== no job worker configured yet (WORKER_CMD in the Makefile)" >&2
fi

echo "== gunicorn on http://${GUNICORN_BIND:-127.0.0.1:8000}/" >&2
"$(dirname "$PY")/gunicorn" -c deploy/gunicorn.conf.py config.wsgi:application
