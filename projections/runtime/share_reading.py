"""Reading one share's events only: the database leaves out the other shares' rows.

Read through the library, every process of a rebuild side by side would fetch and build every stored
event, its state included, only to drop the other shares' (at two shares, about a third of the
machine's time spent reading the log was on rows thrown away). Here each batch is two queries over the
library's events table, by position:

1. the first events of the aggregates that begin in the batch: whose they are is decided as before
   (``Share.wants``), and the share's own aggregates go into a temporary table of its connection;
2. the later events of the aggregates in that table.

The two are merged back into the log's order. A batch ends where the library's ``limit`` rows would
end, so positions and tracking are exactly as when reading through the library.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from operator import attrgetter
from typing import Any, NamedTuple
from uuid import UUID

from psycopg.rows import tuple_row

from domain.application import RecordedEvent, Supervision
from projections.runtime.db import ViewDatabase
from projections.runtime.shares import Share


class StoredRow(NamedTuple):
    """A stored event as the library's mapper reads it (a notification's fields), made as a tuple:
    cheaper than the library's frozen dataclass, a million times over."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


_POSITION = attrgetter("id")
WORK_MEM = "64MB"  # PostgreSQL, a share's own connection


class ShareReader:
    """``Supervision.read_batch`` for one share, over a connection of its own (the temporary table
    lives as long as the connection)."""

    def __init__(self, app: Supervision, db: ViewDatabase, share: Share, follows: Callable[[str], bool]) -> None:
        self.app, self.share, self.follows = app, share, follows
        self.is_postgres = db.is_postgres
        datastore = app.recorder.datastore  # type: ignore[attr-defined]
        if self.is_postgres:
            self._pool = datastore.pool
            self._connection: Any = self._pool.getconn()  # the library's: autocommit
            self._connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS share_aggregates (id uuid PRIMARY KEY)")
            self._connection.execute("TRUNCATE share_aggregates")
            # The later events' join hashes the share's aggregates each batch: 2.2 MB for 36,000 of them
            # on the city, near the default 4 MB, past which PostgreSQL hashes in batches on disk.
            self._connection.execute(f"SET work_mem = '{WORK_MEM}'")
        else:
            self._connection = sqlite3.connect(datastore.pool.db_name, uri=datastore.pool.db_name.startswith("file:"),
                                               isolation_level=None, check_same_thread=False)
            self._connection.execute("CREATE TEMPORARY TABLE share_aggregates (id TEXT PRIMARY KEY) WITHOUT ROWID")
        events, position = db.events_table, db.position_column
        columns = f"{position} AS position, originator_id, originator_version, topic, state"
        self._sql = {name: db.dialect_sql(sql) for name, sql in {
            "last": f"SELECT MAX(p) AS last FROM (SELECT {position} AS p FROM {events} WHERE {position} >= ?"
                    f" AND {position} <= ? ORDER BY {position} LIMIT ?) AS batch",
            "firsts": f"SELECT {columns} FROM {events} WHERE {position} >= ? AND {position} <= ?"
                      f" AND originator_version = 1 ORDER BY {position}",
            "later": f"SELECT {columns} FROM {events} WHERE {position} >= ? AND {position} <= ?"
                     f" AND originator_version > 1 AND originator_id IN (SELECT id FROM share_aggregates)",
            "own": "INSERT INTO share_aggregates (id) VALUES (?)",
        }.items()}

    @staticmethod
    def can_read(app: Supervision, db: ViewDatabase) -> bool:
        """A connection of its own sees the store, unless it is an in-memory SQLite database."""
        pool = getattr(getattr(app.recorder, "datastore", None), "pool", None)
        if pool is None:
            return False
        return hasattr(pool, "getconn") if db.is_postgres else not getattr(pool, "is_sqlite_memory_mode", True)

    def read_batch(self, start: int, limit: int, stop: int | None = None,
                   keep: Callable[[Any], bool] | None = None) -> tuple[list[RecordedEvent], int]:
        stop = stop if stop is not None else 2**62
        found = self._rows("last", (start, stop, limit))
        last = found[0][0] if found else None
        if not last:
            return [], 0
        firsts = [n for n in map(self._notification, self._rows("firsts", (start, last)))
                  if self.follows(n.topic) and self.share.wants(n)]
        self._own([n.originator_id for n in firsts])
        later = map(self._notification, self._rows("later", (start, last)))
        merged = firsts + list(later)
        merged.sort(key=_POSITION)  # the later events come unordered: the database need not sort them too
        return self.app.decoded(merged, keep), last

    def close(self) -> None:
        if self.is_postgres:
            self._connection.execute("DROP TABLE IF EXISTS share_aggregates")
            self._connection.execute("RESET work_mem")  # the connection goes back to the library's pool
            self._pool.putconn(self._connection)
        else:
            self._connection.close()

    def _rows(self, name: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self.is_postgres:
            with self._connection.cursor(row_factory=tuple_row) as cursor:
                return cursor.execute(self._sql[name], params, prepare=True).fetchall()
        return self._connection.execute(self._sql[name], params).fetchall()

    def _own(self, aggregate_ids: list[UUID]) -> None:
        if not aggregate_ids:
            return
        values = [(a,) if self.is_postgres else (a.hex,) for a in aggregate_ids]  # as the library stores them
        if self.is_postgres:
            with self._connection.cursor() as cursor:
                cursor.executemany(self._sql["own"], values)
        else:
            self._connection.executemany(self._sql["own"], values)

    def _notification(self, row: tuple[Any, ...]) -> StoredRow:
        position, originator_id, version, topic, state = row  # the order of the queries' columns
        return StoredRow(position, originator_id if self.is_postgres else UUID(originator_id), version, topic,
                         state if type(state) is bytes else bytes(state))
