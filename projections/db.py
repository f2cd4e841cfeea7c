"""The views' database: the same one as the events (SQLite file or PostgreSQL), reached through the
eventsourcing library's datastore, so a view's rows and its tracking position commit in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder

from domain.application import Supervision


class Tx:
    """One transaction. SQL is written with ``?`` placeholders and runs on either database.

    Upserts are buffered and merged per row, then written with one executemany per table and column
    set: a batch that touches an organization ten times writes its row once. Any other statement
    first flushes the buffer, so reads and updates always see every earlier write.
    """

    def __init__(self, cursor: Any, database: ViewDatabase) -> None:
        self._cursor = cursor
        self._database = database
        self._pending: dict[tuple[str, tuple[Any, ...]], tuple[list[Any], tuple[str, ...]]] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.flush()
        self._cursor.execute(self._database.dialect_sql(sql), tuple(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(sql, params)
        return [dict(row) for row in self._cursor.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def upsert(self, table: str, row: dict[str, Any] | Callable[[], dict[str, Any]], key: Sequence[str],
               identity: tuple[Any, ...] | None = None) -> None:
        """Insert the row, or update the given columns where the key exists (buffered, see above).

        ``row`` may be a function building the row from the latest state (with ``identity``, the key
        values): it is called only when the buffer is written, so an organization changed ten times in
        a batch has its row built once.
        """
        if identity is None:
            assert isinstance(row, dict)
            identity = tuple(row[k] for k in key)
        pieces, _ = self._pending.setdefault((table, identity), ([], tuple(key)))
        if callable(row) and pieces and callable(pieces[-1]):
            pieces[-1] = row  # a later build of the same row from the latest state supersedes the earlier
        else:
            pieces.append(row)

    def flush(self) -> None:
        if not self._pending:
            return
        groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[tuple[Any, ...]]] = {}
        for (table, _), (pieces, key) in self._pending.items():
            row: dict[str, Any] = {}
            for piece in pieces:
                row.update(piece() if callable(piece) else piece)
            columns = tuple(row)
            groups.setdefault((table, columns, key), []).append(tuple(row[c] for c in columns))
        self._pending.clear()
        for (table, columns, key), values in groups.items():
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key) or f"{key[0]} = excluded.{key[0]}"
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
                   f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}")
            self._cursor.executemany(self._database.dialect_sql(sql), values)

    def track(self, name: str, position: int) -> None:
        """Record that the view ``name`` has applied every event up to ``position``.

        The library refuses a position that is not beyond the recorded one, so a second worker that
        applied the same events fails here and its transaction rolls back.
        """
        self.flush()
        self._database.tracking._insert_tracking(self._cursor, Tracking(name, position))  # noqa: SLF001


class ViewDatabase:
    def __init__(self, app: Supervision) -> None:
        # The application's own datastore: on SQLite its writer lock then orders view and event writes.
        self.tracking: TrackingRecorder = app.factory.tracking_recorder()
        self.datastore = self.tracking.datastore  # type: ignore[attr-defined]
        self.is_postgres = isinstance(self.tracking, PostgresTrackingRecorder)
        self.tracking_table = self.tracking.tracking_table_name if self.is_postgres else "tracking"  # type: ignore[attr-defined]
        self.events_table = app.recorder.events_table_name  # type: ignore[attr-defined]
        self._position_column = "notification_id" if self.is_postgres else "rowid"

    def dialect_sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.is_postgres else sql

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Tx]:
        with self.datastore.transaction(commit=commit) as cursor:
            tx = Tx(cursor, self)
            yield tx
            tx.flush()

    def position(self, name: str) -> int:
        """The last global event position the view ``name`` has applied (0 when none)."""
        return self.tracking.max_tracking_id(name) or 0

    def forget_position(self, tx: Tx, name: str) -> None:
        tx.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", (name,))


    def count_events_between(self, after: int, upto: int) -> int:
        """How many stored events have a position in (after, upto]; positions may have gaps."""
        if upto <= after:
            return 0
        with self.transaction(commit=False) as tx:
            found = tx.row(
                f"SELECT COUNT(*) AS n FROM {self.events_table}"
                f" WHERE {self._position_column} > ? AND {self._position_column} <= ?",
                (after, upto),
            )
        return int(found["n"]) if found else 0
