#!/usr/bin/env bash
# `make backup-test`: proves a backup restores. In its own database (BACKUP_TEST_URL,
# default vneid_backup_test), it loads the demo district, records every table's row count
# and the campaign's results, backs up with `make backup`'s script, drops the database,
# restores into a new empty one with `make restore`'s script, and compares both. Exit 0
# only when every count and every figure is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# A development tool on this machine: the commands below run with debug asked for.
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
url="${BACKUP_TEST_URL:-postgres://postgres@127.0.0.1:5432/vneid_backup_test}"
db="${url##*/}"
server="${url%/*}/postgres"
cases="${BACKUP_TEST_CASES:-20000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

snapshot() {  # $1: output file. Every table's row count, then the results JSON.
  psql -q -At -d "$url" -c "SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1" |
    while read -r table; do
      echo "$table $(psql -q -At -d "$url" -c "SELECT count(*) FROM \"$table\"")"
    done >"$1"
  DATABASE_URL="$url" "$PY" manage.py campaign_results --as-of 2023-11-28 >"$1.results.json"
}

echo "== $db: a fresh database with the demo district ($cases cases)"
psql -q -d "$server" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
psql -q -d "$server" -c "CREATE DATABASE \"$db\""
DATABASE_URL="$url" "$PY" manage.py migrate --noinput -v 0
DATABASE_URL="$url" "$PY" manage.py seed_demo --cases "$cases" >/dev/null
snapshot "$work/before"

echo "== backup"
file="$(DATABASE_URL="$url" scripts/backup.sh "$work")"
ls -l "$file"

echo "== drop the database, restore into an empty one"
psql -q -d "$server" -c "DROP DATABASE \"$db\" WITH (FORCE)"
psql -q -d "$server" -c "CREATE DATABASE \"$db\""
DATABASE_URL="$url" RESTORE_YES=1 scripts/restore.sh "$file" </dev/null
snapshot "$work/after"

echo "== compare"
tables=$(wc -l <"$work/before")
rows=$(awk '{s += $2} END {print s}' "$work/before")
if diff -u "$work/before" "$work/after" && cmp -s "$work/before.results.json" "$work/after.results.json"; then
  members=$("$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['members']), len(d['units']))" "$work/after.results.json")
  echo "OK: $tables tables, $rows rows, the same after the restore; campaign_results identical ($members members / units)."
else
  diff <("$PY" -m json.tool "$work/before.results.json") <("$PY" -m json.tool "$work/after.results.json") | head -20 || true
  echo "FAILED: the restored database differs from the one backed up." >&2
  exit 1
fi
