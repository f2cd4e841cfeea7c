"""The read audit: every read of personal data — which user, which organization, when, what — recorded
append-only and visible to auditors.

One table, ``personal_data_reads``, in the events' database (SQLite file or PostgreSQL), one row per
organization per read:

| column | meaning |
|---|---|
| ``position`` | ascending number, the cursor of ``list_reads`` (SQLite: AUTOINCREMENT; PostgreSQL: identity) |
| ``read_at`` | when, UTC, ISO-8601 |
| ``user_id``, ``username``, ``department`` | who: the token's user and department (the CLI: the OS user, no department) |
| ``org_id`` | the organization whose personal data was shown |
| ``what`` | what showed it, e.g. ``organization.legalRepresentative``, ``organizationHistory``, ``dossier`` |
| ``via`` | ``graphql`` or ``cli`` |

Append-only is the database's own rule, not the code's: triggers refuse every UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) with an error, whoever sends them. The table is created, with its triggers, on
startup (``create_reads_table``, idempotent) and before the first write or read of a process.

A read is recorded before the data leaves: when the row cannot be written the caller gets an error, not
the data (fail closed). Each call of ``record_reads`` is one short transaction of its own, apart from
whatever else the caller does. On PostgreSQL it holds an advisory lock for that instant, so writers go one at
a time (readers are not held up), positions become visible in order and paging by position never skips a late
commit.
"""

from __future__ import annotations

import getpass
import socket
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from projections.runtime.db import ViewDatabase

READS_TABLE = "personal_data_reads"
MAX_LIST = 1000
VIA_GRAPHQL, VIA_CLI = "graphql", "cli"
APPEND_ONLY = f"{READS_TABLE} is append-only"

_COLUMNS = ("read_at TEXT NOT NULL, user_id TEXT NOT NULL, username TEXT NOT NULL, department TEXT,"
            " org_id TEXT NOT NULL, what TEXT NOT NULL, via TEXT NOT NULL")
_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS {READS_TABLE}_org ON {READS_TABLE} (org_id, position)",
    f"CREATE INDEX IF NOT EXISTS {READS_TABLE}_user ON {READS_TABLE} (username, position)",
)
_SQLITE = (
    f"CREATE TABLE IF NOT EXISTS {READS_TABLE} (position INTEGER PRIMARY KEY AUTOINCREMENT, {_COLUMNS})",
    *_INDEXES,
    *(f"CREATE TRIGGER IF NOT EXISTS {READS_TABLE}_no_{op.lower()} BEFORE {op} ON {READS_TABLE}"
      f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: {op} refused'); END" for op in ("UPDATE", "DELETE")),
)
# No '%' or '?' below: the statements pass through the placeholder conversion of projections.runtime.db.
_POSTGRES_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION {READS_TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $body$"
    f" BEGIN RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',"
    f" MESSAGE = '{APPEND_ONLY}: ' || TG_OP || ' refused'; END $body$"
)
_POSTGRES_TRIGGERS = {
    f"{READS_TABLE}_no_update": "BEFORE UPDATE ON {t} FOR EACH ROW",
    f"{READS_TABLE}_no_delete": "BEFORE DELETE ON {t} FOR EACH ROW",
    f"{READS_TABLE}_no_truncate": "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT",
}
# Held by each write for its instant: writers one at a time (not readers), like the library's event inserts.
_WRITE_LOCK = 0x6C6A_7277  # "ljrw"

_ready: weakref.WeakSet[ViewDatabase] = weakref.WeakSet()


@dataclass(frozen=True)
class Reader:
    """Who read, when it is not a token's principal (the CLI): anything with these attributes will do."""

    user_id: str
    username: str
    department: str | None = None


def cli_reader() -> Reader:
    """The operating-system user running the CLI, on this host; no department (the CLI has no role)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Reader(user_id=f"{login}@{socket.gethostname()}", username=login)


@dataclass(frozen=True)
class PersonalDataRead:
    position: int
    read_at: datetime
    user_id: str
    username: str
    department: str | None
    org_id: str
    what: str
    via: str


@dataclass(frozen=True)
class ReadsPage:
    reads: list[PersonalDataRead]
    next_after: int | None  # the cursor of the next page; None when there is none


def create_reads_table(db: ViewDatabase) -> None:
    """The table, its indexes and its append-only triggers (idempotent)."""
    with db.schema() as tx:
        if db.is_postgres:
            if _postgres_triggers(tx) == set(_POSTGRES_TRIGGERS):
                pass  # made before (perhaps by the database's owner): a role with INSERT and SELECT will do
            else:
                tx.execute(f"CREATE TABLE IF NOT EXISTS {READS_TABLE}"
                           f" (position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {_COLUMNS})")
                for sql in _INDEXES:
                    tx.execute(sql)
                tx.execute(_POSTGRES_FUNCTION)
                present = _postgres_triggers(tx)
                for name, when in _POSTGRES_TRIGGERS.items():
                    if name not in present:
                        tx.execute(f"CREATE TRIGGER {name} {when.format(t=READS_TABLE)}"
                                   f" EXECUTE FUNCTION {READS_TABLE}_refuse()")
        else:
            for sql in _SQLITE:
                tx.execute(sql)
    _ready.add(db)


def _postgres_triggers(tx: Any) -> set[str]:
    """The append-only triggers present on the table (none when there is no table)."""
    rows = tx.rows("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(?)", (READS_TABLE,))
    return {r["tgname"] for r in rows}


def _ensure(db: ViewDatabase) -> None:
    if db not in _ready:
        create_reads_table(db)


def _department(reader: Any) -> str | None:
    department = getattr(reader, "department", None)
    return None if department is None else str(department)


def record_reads(db: ViewDatabase, reader: Any, org_ids: Iterable[str], what: str, *, via: str = VIA_GRAPHQL,
                 at: datetime | None = None) -> int:
    """Record that ``reader`` (a Principal, or anything with user_id, username, department) was shown the
    personal data of these organizations through ``what``: one row per organization, one transaction.
    Returns how many rows were written."""
    ids = sorted({str(i) for i in org_ids if i})
    if not ids:
        return 0
    _ensure(db)
    read_at = (at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat()
    row = (read_at, str(getattr(reader, "user_id", "") or ""), str(getattr(reader, "username", "") or ""),
           _department(reader))
    values = ", ".join("(?, ?, ?, ?, ?, ?, ?)" for _ in ids)
    params = [p for org_id in ids for p in (*row, org_id, what, via)]
    with db.transaction() as tx:
        if db.is_postgres:
            tx.execute(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")  # positions become visible in order
        tx.execute(f"INSERT INTO {READS_TABLE} (read_at, user_id, username, department, org_id, what, via)"
                   f" VALUES {values}", params)
    return len(ids)


def list_reads(db: ViewDatabase, *, after: int = 0, limit: int = 100, org_id: str | None = None,
               username: str | None = None) -> ReadsPage:
    """Reads after position ``after``, oldest first, of one organization and/or one user (id or username)."""
    if not 1 <= limit <= MAX_LIST:
        raise ValueError(f"a page holds 1 to {MAX_LIST} reads")
    _ensure(db)
    where, params = ["position > ?"], [max(0, after)]
    if org_id:
        where.append("org_id = ?")
        params.append(str(org_id))
    if username:
        where.append("(username = ? OR user_id = ?)")
        params += [username, username]
    with db.transaction(commit=False) as tx:
        rows = tx.rows(f"SELECT * FROM {READS_TABLE} WHERE {' AND '.join(where)} ORDER BY position LIMIT ?",
                       [*params, limit + 1])
    reads = [_read(r) for r in rows[:limit]]
    return ReadsPage(reads, reads[-1].position if len(rows) > limit else None)


def _read(row: dict[str, Any]) -> PersonalDataRead:
    return PersonalDataRead(
        position=int(row["position"]), read_at=datetime.fromisoformat(row["read_at"]), user_id=row["user_id"],
        username=row["username"], department=row["department"], org_id=row["org_id"], what=row["what"],
        via=row["via"],
    )


__all__ = ["READS_TABLE", "PersonalDataRead", "Reader", "ReadsPage", "cli_reader", "create_reads_table", "list_reads",
           "record_reads"]
