#!/usr/bin/env bash
# The restore drill: restore a backup (backup.sh's) into a NEW database, rebuild every view from its events,
# verify the audit chain, compare counts, and print a short report.
#
#   restore-drill.sh BACKUP TARGET [SOURCE]
#
# BACKUP  a pg_dump custom-format file (.dump) or an SQLite snapshot (.sqlite)
# TARGET  PostgreSQL: postgresql://user@host:port/NEWDB; NEWDB is created here and must not exist yet.
#         SQLite: a folder that must not exist yet; the snapshot becomes its lianjian.sqlite.
# SOURCE  optional, the store the backup was taken from (a URL, or a data folder): its events, chain entries
#         and reads up to the backup's last ones are counted and must equal the restored counts.
#
# Exit 0: restored, views rebuilt to the head, chain intact, counts equal. 1: the chain is TAMPERED, or counts
# differ, or a view did not reach the head. 3: intact, but the backup holds events older than the sealing
# window that were never sealed (was the sealer running?). 2: the drill could not run.
# `lianjian` is found on PATH (or set LIANJIAN=/opt/lianjian/venv/bin/lianjian); psql and pg_restore too.
set -uo pipefail

LIANJIAN=${LIANJIAN:-lianjian}
PYTHON=${PYTHON:-python3}

fail() { echo "restore-drill: $*" >&2; exit 2; }

[[ $# -ge 2 && $# -le 3 ]] || fail "usage: restore-drill.sh BACKUP TARGET [SOURCE]"
backup=$1 target=$2 source=${3:-}
[[ -r "$backup" ]] || fail "cannot read the backup $backup"

# -- the two stores: restore, count, and run lianjian on one --------------------------------------------
if [[ "$target" == postgresql://* || "$target" == postgres://* ]]; then
    store=postgresql events_table=lianjian_events position=notification_id  # the eventsourcing library's names
    [[ "$target" != *\?* ]] || fail "TARGET is a plain database URL (no ?schema=)"
    [[ "$(head -c 5 "$backup")" == PGDMP ]] || fail "$backup is not a pg_dump custom-format file"
else
    store=sqlite events_table=stored_events position=rowid
    [[ "$(head -c 15 "$backup")" == "SQLite format 3" ]] || fail "$backup is not an SQLite database"
fi

count() {  # count STORE_LOCATION SQL: one number (0 when the table does not exist)
    local where=$1 sql=$2
    if [[ "$where" == postgres* ]]; then
        PGOPTIONS=${PGOPTIONS:-} psql -X -A -t -q -v ON_ERROR_STOP=1 "${where%%\?*}" -c "$sql"
    else
        "$PYTHON" - "$where/lianjian.sqlite" "$sql" <<'PY'
import sqlite3, sys
print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])
PY
    fi
}

exists() {  # exists STORE_LOCATION TABLE: SQL that is 1 when the table exists
    if [[ "$1" == postgres* ]]; then echo "SELECT (to_regclass('$2') IS NOT NULL)::int"
    else echo "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$2'"; fi
}

rows() {  # rows STORE_LOCATION TABLE [WHERE]: the table's rows (0 when it does not exist)
    local where=$1 table=$2 filter=${3:+ WHERE $3}
    if [[ "$(count "$where" "$(exists "$where" "$table")")" == 1 ]]; then
        count "$where" "SELECT count(*) FROM $table$filter"
    else
        echo 0
    fi
}

on_target() {  # lianjian, on the restored store whatever the environment says
    if [[ $store == postgresql ]]; then
        LIANJIAN_DATABASE_URL=$target "$LIANJIAN" "$@"
    else
        env -u LIANJIAN_DATABASE_URL LIANJIAN_DATA_DIR="$target" "$LIANJIAN" "$@"
    fi
}

started=$(date +%s)
if [[ $store == postgresql ]]; then
    database=${target##*/}
    [[ "$database" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail "the new database's name is letters, digits and _: $database"
    maintenance="${target%/*}/postgres"
    taken=$(psql -X -A -t -q "$maintenance" -c "SELECT count(*) FROM pg_database WHERE datname = '$database'") \
        || fail "cannot reach the server of $target"
    [[ "$taken" == 0 ]] || fail "the database $database exists; the drill restores into a new one only"
    psql -X -q -v ON_ERROR_STOP=1 "$maintenance" -c "CREATE DATABASE \"$database\"" >/dev/null \
        || fail "cannot create the database $database"
    # --no-owner --no-acl: the drill's role owns what it restores, whoever owned it where the dump was taken.
    pg_restore --exit-on-error --no-owner --no-acl --dbname="$target" "$backup" || fail "pg_restore failed"
else
    [[ ! -e "$target" ]] || fail "$target exists; the drill restores into a new folder only"
    mkdir -p -- "$target" && cp -- "$backup" "$target/lianjian.sqlite" || fail "cannot copy into $target"
fi
restored=$(( $(date +%s) - started ))

events=$(rows "$target" $events_table)
head=$(count "$target" "SELECT coalesce(max($position), 0) FROM $events_table") || fail "no events table in the backup"
chain=$(rows "$target" audit_chain)
checkpoints=$(rows "$target" audit_checkpoints)
reads=$(rows "$target" personal_data_reads)
last_read=$(if [[ $reads == 0 ]]; then echo 0; else count "$target" "SELECT max(position) FROM personal_data_reads"; fi)

# -- rebuild every view from the events ----------------------------------------------------------------
started=$(date +%s)
rebuilt=$(on_target rebuild 2>&1) || fail "lianjian rebuild failed: $(tail -n 3 <<<"$rebuilt")"
rebuild_seconds=$(( $(date +%s) - started ))
views=$(grep -c ": rebuilt to position " <<<"$rebuilt")
behind=$(grep ": rebuilt to position " <<<"$rebuilt" | grep -vc ": rebuilt to position $head\$")

# -- verify the chain ------------------------------------------------------------------------------------
verified=$(on_target verify 2>&1)
verify_code=$?
[[ $verify_code == 2 ]] && fail "lianjian verify could not run: $(tail -n 3 <<<"$verified")"

# -- compare counts with the source ----------------------------------------------------------------------
mismatches=()
if [[ -n "$source" ]]; then
    for pair in "events:$events_table:$position <= $head:$events" "chain entries:audit_chain:position <= $head:$chain" \
                "reads:personal_data_reads:position <= $last_read:$reads"; do
        IFS=: read -r what table filter here <<<"$pair"
        there=$(rows "$source" "$table" "$filter") || fail "cannot count $what in the source"
        [[ "$there" == "$here" ]] || mismatches+=("$what: $here restored, $there in the source up to the backup")
    done
fi

# -- the report ------------------------------------------------------------------------------------------
echo "restore drill: $backup -> $target ($store)"
echo "  restored in ${restored} s: $events events (head #$head), $chain chain entries, $checkpoints checkpoints, $reads reads"
echo "  views: $views rebuilt in ${rebuild_seconds} s$([[ $behind == 0 ]] && echo ", each to #$head" || echo "; $behind not at #$head")"
sed 's/^/  verify: /' <<<"$verified"
if [[ -n "$source" ]]; then
    if [[ ${#mismatches[@]} == 0 ]]; then echo "  counts: equal to the source's (events, chain entries, reads)"
    else printf '  counts DIFFER: %s\n' "${mismatches[@]}"; fi
fi

if [[ $verify_code == 1 || ${#mismatches[@]} != 0 || $behind != 0 || $views == 0 ]]; then
    echo "RESULT: FAILED"
    exit 1
fi
if [[ $verify_code == 3 ]]; then
    echo "RESULT: RESTORED, but events in the backup were never sealed (see verify above)"
    exit 3
fi
echo "RESULT: RESTORED AND VERIFIED"
