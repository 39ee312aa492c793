#!/usr/bin/env bash
# `make backup`: the whole database in pg_dump's custom format (compressed; pg_restore can
# restore all of it or single tables), written to BACKUP_DIR (default backups/) as
# vneid-YYYYMMDD-HHMMSS.dump, readable by its owner only: it holds personal data.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?Đặt DATABASE_URL=postgres://... của cơ sở dữ liệu cần sao lưu.}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *)
  echo "Sao lưu bằng pg_dump chỉ dùng cho PostgreSQL (DATABASE_URL=postgres://...)." >&2; exit 1 ;;
esac
dir="${1:-${BACKUP_DIR:-backups}}"
mkdir -p "$dir"
umask 077
file="$dir/vneid-$(date +%Y%m%d-%H%M%S).dump"
# Written under a temporary name and renamed once complete, so a file with the final name
# is never a half-written dump.
pg_dump --format=custom --compress=6 --no-owner --file="$file.part" --dbname="$DATABASE_URL"
mv "$file.part" "$file"
echo "$file"
