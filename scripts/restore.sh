#!/usr/bin/env bash
# `make restore FILE=backups/vneid-....dump`: replaces the database's tables with the
# backup's, in one transaction (if anything fails, the database is left as it was).
# Stop the web and the worker first (systemctl stop vneid-web vneid-worker).
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-}"
[ -n "$file" ] && [ -f "$file" ] || { echo "Cần tệp sao lưu: make restore FILE=backups/vneid-....dump" >&2; exit 1; }
: "${DATABASE_URL:?Đặt DATABASE_URL=postgres://... của cơ sở dữ liệu cần khôi phục.}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *)
  echo "Khôi phục bằng pg_restore chỉ dùng cho PostgreSQL (DATABASE_URL=postgres://...)." >&2; exit 1 ;;
esac
if [ -t 0 ] && [ -z "${RESTORE_YES:-}" ]; then
  read -r -p "Dữ liệu hiện có sẽ bị thay bằng bản sao lưu $file. Gõ 'co' để tiếp tục: " answer
  [ "$answer" = "co" ] || { echo "Đã hủy, không thay đổi gì."; exit 1; }
fi
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$DATABASE_URL" "$file"
echo "Đã khôi phục $file."
