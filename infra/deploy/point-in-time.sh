#!/usr/bin/env bash
# Prepare a PostgreSQL data directory to come back as the database was at a moment: a base backup
# (pg_basebackup's, tar or plain) unpacked into it, and the settings that make the server, when started, replay
# the WAL archive up to that moment and then open for writes.
#
#   point-in-time.sh BASE_BACKUP WAL_ARCHIVE 'YYYY-MM-DD HH:MM:SS+00' DATA_DIR
#
# DATA_DIR must be empty or absent (keep the broken one aside); run as the server's user (postgres). Then start
# the server: it replays the archive to the moment, says so in its log, and promotes itself.
set -euo pipefail

fail() { echo "point-in-time: $*" >&2; exit 2; }
[[ $# == 4 ]] || fail "usage: point-in-time.sh BASE_BACKUP WAL_ARCHIVE 'YYYY-MM-DD HH:MM:SS+00' DATA_DIR"
base=$1 archive=$2 moment=$3 data=$4
[[ -d "$base" ]] || fail "no base backup at $base"
[[ -d "$archive" ]] || fail "no WAL archive at $archive"
[[ "$moment" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}[\ T][0-9:.]+([+-][0-9:]+|Z|\ UTC)$ ]] \
    || fail "the moment is a time with its zone, e.g. '2026-12-05 09:41:00+00', not '$moment'"
[[ ! -e "$data" || -z "$(ls -A "$data")" ]] || fail "$data is not empty; move it aside first"

mkdir -p -m 0700 -- "$data"
if [[ -f "$base/base.tar.gz" || -f "$base/base.tar" ]]; then     # pg_basebackup -Ft [-z]
    tar -xf "$base"/base.tar* -C "$data"
    if compgen -G "$base/pg_wal.tar*" >/dev/null; then tar -xf "$base"/pg_wal.tar* -C "$data/pg_wal"; fi
elif [[ -f "$base/PG_VERSION" ]]; then                            # pg_basebackup -Fp
    cp -a -- "$base/." "$data/"
else
    fail "$base holds neither base.tar[.gz] nor a data directory"
fi
chmod 0700 -- "$data"

archive=$(cd -- "$archive" && pwd)
touch "$data/recovery.signal"
cat >>"$data/postgresql.auto.conf" <<CONF
# point-in-time.sh, $(date -u +%FT%TZ): replay the archive up to $moment, then open for writes.
restore_command = 'cp "$archive/%f" "%p"'
recovery_target_time = '$moment'
recovery_target_action = 'promote'
CONF
echo "prepared $data: start the server; it replays $archive up to $moment"
