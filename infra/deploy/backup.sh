#!/usr/bin/env bash
# One backup of Lianjian's store, consistent while everything runs, into DIR (default /var/backups/lianjian);
# prints the file's path. Run by lianjian-backup.timer with /etc/lianjian/lianjian.env, or by hand:
#   set -a; . /etc/lianjian/lianjian.env; set +a; infra/deploy/backup.sh /var/backups/lianjian
# PostgreSQL (LIANJIAN_DATABASE_URL set): pg_dump's custom format (restore with pg_restore), one snapshot of
# the whole database: the events, the audit chain and its checkpoints, the read audit, and the views with
# their positions (derived: restore-drill.sh rebuilds them). The embedded store: SQLite's VACUUM INTO, a
# snapshot taken in one read transaction. Neither holds the audit signing key: keep it apart (README.md).
set -euo pipefail

dir=${1:-/var/backups/lianjian}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p -- "$dir"

if [[ -n "${LIANJIAN_DATABASE_URL:-}" ]]; then
    url=${LIANJIAN_DATABASE_URL%%\?*}  # libpq knows no ?schema=; pg_dump takes it as --schema
    schema=$(sed -n 's/.*[?&]schema=\([^&]*\).*/\1/p' <<<"$LIANJIAN_DATABASE_URL")
    out="$dir/lianjian-$stamp.dump"
    pg_dump --format=custom --compress=6 ${schema:+--schema="$schema"} --file="$out.partial" "$url"
else
    source="${LIANJIAN_DATA_DIR:-data}/lianjian.sqlite"
    [[ -f "$source" ]] || { echo "backup.sh: no embedded store at $source (set LIANJIAN_DATA_DIR)" >&2; exit 2; }
    out="$dir/lianjian-$stamp.sqlite"
    "${PYTHON:-python3}" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("VACUUM INTO ?", (sys.argv[2],))' \
        "$source" "$out.partial"
fi
mv -- "$out.partial" "$out"  # a file without .partial is whole
echo "$out"
