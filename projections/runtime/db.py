"""The views' database: the same one as the events (SQLite file or PostgreSQL), reached through the
eventsourcing library's datastore, so a view's rows and its tracking position commit in one transaction."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder

from domain.application import Supervision


# Held while tables are created: PostgreSQL's "IF NOT EXISTS" does not make two processes that start
# at once (a server, its workers, a standby) safe from each other.
SCHEMA_LOCK = 0x4C4A_0001
COPY_FROM = 500  # rows of one table and column set from which PostgreSQL is sent them by COPY
LOCK_EPOCHS = "lianjian_lock_epochs"  # each exclusive lock's fencing token: how often it has been taken
EPOCHS_TABLE = f"CREATE TABLE IF NOT EXISTS {LOCK_EPOCHS} (name TEXT PRIMARY KEY, epoch BIGINT NOT NULL)"
NEXT_EPOCH = (f"INSERT INTO {LOCK_EPOCHS} (name, epoch) VALUES (?, 1)"
              f" ON CONFLICT (name) DO UPDATE SET epoch = {LOCK_EPOCHS}.epoch + 1 RETURNING epoch")


class LockLost(Exception):
    """A batch was about to commit under a lock that another process has taken since: it rolled back."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: another process has taken the lock; this batch rolled back")
        self.name = name


class Fence:
    """A worker's batches commit only while its lock is the newest taking of that lock.

    Every taking of a lock increments the lock's epoch in the database (``ViewDatabase.take_epoch``), and
    the worker notes the epoch its processor runs under in ``epochs``. A guarded recorder, before it records
    a tracking position for a name noted here, reads that name's epoch in the same transaction and raises
    ``LockLost`` (the transaction rolls back) unless it is the noted one. So a worker whose lock went stale
    (its connection died and a standby took the lock) cannot commit, whatever it believes. On PostgreSQL the
    row is read FOR SHARE: a taker's increment waits until a batch that passed the check has committed, and
    the taker reads its positions after that. On SQLite one writer runs at a time.
    """

    def __init__(self) -> None:
        self.epochs: dict[str, int | None] = {}  # lock name -> the epoch its processor runs under; None: not held

    def guard(self, recorder: TrackingRecorder) -> None:
        """Check the epoch in every transaction in which ``recorder`` records a position (the views' ``Tx.track``
        and the rules' events with their tracking both come here)."""
        record = recorder._insert_tracking  # noqa: SLF001
        read = f"SELECT epoch FROM {LOCK_EPOCHS} WHERE name = " + (
            "%s FOR SHARE" if isinstance(recorder, PostgresTrackingRecorder) else "?")

        def fenced(cursor: Any, tracking: Tracking) -> None:
            name = tracking.application_name
            if name in self.epochs:
                cursor.execute(read, (name,))
                found = cursor.fetchone()
                if self.epochs[name] is None or found is None or found["epoch"] != self.epochs[name]:
                    raise LockLost(name)
            record(cursor, tracking)

        recorder._insert_tracking = fenced  # type: ignore[method-assign]  # noqa: SLF001


class Tx:
    """One transaction. SQL is written with ``?`` placeholders and runs on either database.

    Upserts are buffered and merged per row, then written with one statement per table and column
    set: a batch that touches an organization ten times writes its row once. ``update`` statements
    wait too and run after those rows. Any other statement first flushes the buffer, so reads always
    see every earlier write; handlers avoid them, since each one sends the buffer out in pieces.
    """

    def __init__(self, begin: Callable[[], Any], database: ViewDatabase) -> None:
        self._begin = begin
        self._opened: Any = None
        self._database = database
        self._pending: dict[tuple[str, tuple[Any, ...]], tuple[list[Any], tuple[str, ...]]] = {}
        self._updates: dict[tuple[str, tuple[str, ...], tuple[Any, ...]], dict[str, Any]] = {}
        self._inserts: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
        self._secure_delete: int | None = None  # the connection's own setting, while this one drops tables

    @property
    def _cursor(self) -> Any:
        """The database transaction, begun at the first statement: a batch is worked out in memory
        first, so its transaction stays short (and never idle while Python thinks)."""
        if self._opened is None:
            self._opened = self._begin()
        return self._opened

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.flush()
        self._cursor.execute(self._database.dialect_sql(sql), tuple(params))

    def create_table(self, table: str, columns: str, *, autovacuum: bool = True) -> None:
        """CREATE TABLE IF NOT EXISTS; on PostgreSQL ``autovacuum=False`` keeps autovacuum off it (a table
        being filled in bulk, then renamed: see ``enable_autovacuum``)."""
        options = " WITH (autovacuum_enabled = false)" if self._database.is_postgres and not autovacuum else ""
        self.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns}){options}")

    def enable_autovacuum(self, table: str) -> None:
        """Autovacuum as configured for the server, again (PostgreSQL; nothing on SQLite)."""
        if self._database.is_postgres:
            self.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")

    def drop(self, table: str) -> None:
        """DROP TABLE IF EXISTS. On SQLite without zeroing the freed pages first: the SQLite here is built
        with secure_delete on, and a view's rows hide nothing the log does not keep (every event is kept
        for good), while zeroing them wrote the whole table to the WAL again: for the largest view 2.7 s to
        drop and 2.0 s to commit, of a 50 s rebuild of the city. ``FAST`` still zeroes what is freed on
        pages written anyway."""
        if not self._database.is_postgres and self._secure_delete is None:
            found = self.row("PRAGMA secure_delete")
            self._secure_delete = int(found["secure_delete"]) if found else 1
            self.execute("PRAGMA secure_delete = FAST")
        self.execute(f"DROP TABLE IF EXISTS {table}")

    def restore(self) -> None:
        """The connection goes back to the pool with its own settings (see ``drop``)."""
        if self._secure_delete is not None:
            self._cursor.execute(f"PRAGMA secure_delete = {self._secure_delete}")
            self._secure_delete = None

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
        self._buffer(table, tuple(key), identity, row, callable(row))

    def upsert_built(self, table: str, key: tuple[str, ...], identity: tuple[Any, ...],
                     build: Callable[..., dict[str, Any]], *args: Any) -> None:
        """``upsert`` of the row ``build(*args)`` builds, called only when the buffer is written."""
        self._buffer(table, key, identity, (build, *args), True)

    def _buffer(self, table: str, key: tuple[str, ...], identity: tuple[Any, ...], piece: Any, built: bool) -> None:
        entry = self._pending.get((table, identity))
        if entry is None:
            self._pending[(table, identity)] = ([piece], key)
            return
        pieces = entry[0]
        # A later build of the same row from the latest state supersedes the earlier one.
        if type(piece) is tuple:
            if len(pieces) == 1 and type(pieces[0]) is tuple and pieces[0][0] is piece[0]:
                pieces[0] = piece
                return
            pieces[:] = [p for p in pieces if type(p) is not tuple or p[0] is not piece[0]]
            pieces.append(piece)
        elif built and type(pieces[-1]) is not dict:
            pieces[-1] = piece
        else:
            pieces.append(piece)

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """A row no earlier batch can have written (one per event, keyed by its position): buffered,
        and written without a conflict check, so a second write of it fails loudly."""
        self._inserts.setdefault((table, tuple(row)), []).append(tuple(row.values()))

    def update(self, table: str, values: dict[str, Any], where: dict[str, Any]) -> None:
        """``UPDATE table SET values WHERE where``, run when the buffer is written, after its rows.

        Only for values no later row of the same batch could undo: the newest name of an
        organization, an alert's new status. Updates of the same rows merge, the later winning.
        """
        self._updates.setdefault((table, tuple(where), tuple(where.values())), {}).update(values)

    def flush(self) -> None:
        if self._pending:
            self._write_rows()
        if self._inserts:
            inserts, self._inserts = self._inserts, {}
            for (table, columns), values in inserts.items():
                self._insert_rows(table, columns, values)
        if self._updates:
            updates, self._updates = self._updates, {}
            # Updates of one shape (table, columns set, columns matched) go in one executemany: a batch of task
            # events updates a thousand rows, one round trip each on PostgreSQL when sent one by one.
            shapes: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[tuple[Any, ...]]] = {}
            for (table, columns, params), values in updates.items():
                shapes.setdefault((table, tuple(values), columns), []).append((*values.values(), *params))
            for (table, assigned, columns), rows in shapes.items():
                sql = (f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in assigned)}"
                       f" WHERE {' AND '.join(f'{c} = ?' for c in columns)}")
                self._cursor.executemany(self._database.dialect_sql(sql), rows)

    def _write_rows(self) -> None:
        for (table, columns, key), values in self._merged_rows().items():
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key) or f"{key[0]} = excluded.{key[0]}"
            conflict = f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
            names = ", ".join(columns)
            if self._database.is_postgres and len(values) >= COPY_FROM:
                self._copy_rows(table, names, conflict, values)
            else:
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)}){conflict}"
                self._cursor.executemany(self._database.dialect_sql(sql), values)

    def _insert_rows(self, table: str, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
        names = ", ".join(columns)
        if self._database.is_postgres and len(values) >= COPY_FROM:
            with self._cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
            self._cursor.executemany(self._database.dialect_sql(sql), values)

    def _copy_rows(self, table: str, names: str, conflict: str, values: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: many rows at once through COPY into a scratch table of this session, then one
        INSERT … SELECT with the same ON CONFLICT clause (COPY itself cannot update a row)."""
        stage = f"lianjian_stage_{zlib.crc32(f'{table}({names})'.encode()):08x}"
        self._cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS"
                             f" SELECT {names} FROM {table} WITH NO DATA")
        with self._cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        self._cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage}{conflict}")
        self._cursor.execute(f"TRUNCATE {stage}")

    def _merged_rows(self) -> dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[tuple[Any, ...]]]:
        """The buffered rows, each merged from its pieces, grouped by table and column set; empties the buffer."""
        groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[tuple[Any, ...]]] = {}
        for (table, _), (pieces, key) in self._pending.items():
            if len(pieces) == 1:  # most rows: taken as they are
                row = _whole(pieces[0])
            else:
                row = {}
                for piece in pieces:
                    row.update(_whole(piece))
            groups.setdefault((table, tuple(row), key), []).append(tuple(row.values()))
        self._pending.clear()
        return groups

    def track(self, name: str, position: int) -> None:
        """Record that the view ``name`` has applied every event up to ``position``.

        The library refuses a position that is not beyond the recorded one, so a second worker that
        applied the same events fails here and its transaction rolls back.
        """
        self.flush()
        self._database.tracking._insert_tracking(self._cursor, Tracking(name, position))  # noqa: SLF001


def _whole(piece: Any) -> dict[str, Any]:
    """A buffered piece of a row as columns: given, built from a state, or made by a function."""
    if type(piece) is dict:
        return piece
    if type(piece) is tuple:
        return piece[0](*piece[1:])  # type: ignore[no-any-return]
    return piece()  # type: ignore[no-any-return]


class ViewDatabase:
    def __init__(self, app: Supervision) -> None:
        # The application's own datastore: on SQLite its writer lock then orders view and event writes.
        self.tracking: TrackingRecorder = app.factory.tracking_recorder()
        self.datastore = self.tracking.datastore  # type: ignore[attr-defined]
        self.is_postgres = isinstance(self.tracking, PostgresTrackingRecorder)
        self.tracking_table = self.tracking.tracking_table_name if self.is_postgres else "tracking"  # type: ignore[attr-defined]
        self.events_table = app.recorder.events_table_name  # type: ignore[attr-defined]
        self.position_column = "notification_id" if self.is_postgres else "rowid"

    def dialect_sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.is_postgres else sql

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Tx]:
        with ExitStack() as stack:

            def begin() -> Any:
                cursor = stack.enter_context(self.datastore.transaction(commit=commit))
                if commit and not self.is_postgres:
                    # SQLite begins deferred: a transaction that read first and then writes, after another
                    # process wrote, fails at once ("database is locked"). Writing first waits its turn.
                    cursor.execute(f"DELETE FROM {self.tracking_table} WHERE 0")
                return cursor

            tx = Tx(begin, self)
            try:
                yield tx
                tx.flush()
            except BaseException:
                with suppress(Exception):  # the error that ended the transaction is the one to see
                    tx.restore()
                raise
            tx.restore()

    @contextmanager
    def schema(self) -> Iterator[Tx]:
        """A transaction for creating tables: one process at a time on PostgreSQL."""
        with self.transaction() as tx:
            if self.is_postgres:
                tx.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            yield tx

    def take_epoch(self, name: str) -> int:
        """The next epoch of the lock ``name``, committed: its new holder's fencing token (see ``Fence``).
        (On PostgreSQL a lock takes it on its own session instead: the pool's may be stale after a restart.)"""
        with self.schema() as tx:
            tx.execute(EPOCHS_TABLE)
            found = tx.row(NEXT_EPOCH, (name,))
        assert found is not None
        return int(found["epoch"])

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
                f" WHERE {self.position_column} > ? AND {self.position_column} <= ?",
                (after, upto),
            )
        return int(found["n"]) if found else 0


def table_exists(tx: Tx, db: ViewDatabase, name: str) -> bool:
    if db.is_postgres:
        found = tx.row("SELECT to_regclass(?) IS NOT NULL AS present", (name,))
        return bool(found and found["present"])
    return tx.row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None
