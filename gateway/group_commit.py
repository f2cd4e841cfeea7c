"""Group commit on SQLite: the commands the server's event loop runs close together share one transaction,
so one fsync makes all of them durable.

On SQLite a command's commit, with its fsync, was about 60% of the domain service's time (0.35 of 0.59 ms of
wall a command on the city; 0.18-0.24 ms without it). When several clients write at once, their operations run
one after another on the event loop, each command in a savepoint of the group's one transaction; the group
commits on the loop's next turn, after every operation already under way has run, and no operation answers
before the commit that made its command durable. A command that fails (a conflict, a refusal) rolls back its
savepoint alone: its neighbours are not touched. If the commit itself fails (a full or failing disk), every
command of the group answers UNAVAILABLE, as one command did before, and the aggregate cache, which already
held their aggregates, is emptied.

Only mutations run on the loop group (``joining``, set around each by the schema); every other caller (queries,
the CLI, the projections' threads) gets the library's own transaction per call, and reads what is committed. A
write on the loop's thread from outside a mutation commits the open group first, never waiting on it.

Opt-in (LIANJIAN_GROUP_COMMIT): served on the city it raised what 8 and 32 waiting clients got by 40-70%, with
the same latency as one commit a command at the same load; but clients arriving one by one share little, and
paced at half of what 32 waiting clients got from it the server fell behind (docs/performance.md)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from eventsourcing import persistence
from eventsourcing.sqlite import SQLiteConnection, SQLiteCursor, SQLiteDatastore, SQLiteFactory

log = logging.getLogger("lianjian.storage")

# The library's own translation of sqlite3's errors (eventsourcing.sqlite.SQLiteTransaction), most specific first.
_ERRORS: tuple[tuple[type[sqlite3.Error], type[persistence.PersistenceError]], ...] = (
    (sqlite3.InterfaceError, persistence.InterfaceError),
    (sqlite3.DataError, persistence.DataError),
    (sqlite3.OperationalError, persistence.OperationalError),
    (sqlite3.IntegrityError, persistence.IntegrityError),
    (sqlite3.InternalError, persistence.InternalError),
    (sqlite3.ProgrammingError, persistence.ProgrammingError),
    (sqlite3.NotSupportedError, persistence.NotSupportedError),
    (sqlite3.DatabaseError, persistence.DatabaseError),
    (sqlite3.Error, persistence.PersistenceError),
)


def library_error(error: sqlite3.Error) -> persistence.PersistenceError:
    return next(ours(error) for raw, ours in _ERRORS if isinstance(error, raw))  # sqlite3.Error comes last


class Joined:
    """What one operation joined: the groups its writes went into (more than one if a group was committed
    early, for a read-your-writes wait)."""

    def __init__(self) -> None:
        self.groups: list[CommitGroup] = []

    async def durable(self) -> None:
        """Wait until every group this operation wrote in has committed; raises the commit's error."""
        for group in self.groups:
            await group.committed()


_JOINED: ContextVar[Joined | None] = ContextVar("lianjian_group_commit", default=None)


@contextmanager
def joining() -> Iterator[Joined]:
    """Writes made within (by this task, on the loop's thread) go into the open group."""
    joined = Joined()
    token = _JOINED.set(joined)
    try:
        yield joined
    finally:
        _JOINED.reset(token)


class CommitGroup:
    """One transaction shared by the commands of one turn of the event loop."""

    def __init__(self, connection: SQLiteConnection) -> None:
        self.connection = connection
        self.thread = threading.get_ident()
        self.commands = 0
        self.ended = False
        self.failure: persistence.PersistenceError | None = None
        # A future for each waiting operation, not one shared: a shared one would be cancelled with the
        # first waiter cancelled, and shielding it costs two more turns of the loop before an answer.
        self._waiting: list[asyncio.Future[None]] = []

    async def committed(self) -> None:
        if not self.ended:
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            await waiter
        if self.failure is not None:
            raise self.failure

    def end(self, failure: persistence.PersistenceError | None) -> None:
        self.ended, self.failure = True, failure
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        """A write in a savepoint (rolled back alone when it fails); a read in the group's transaction, which
        sees the writes of the commands before it."""
        cursor = self.connection.cursor()
        try:
            if not commit:
                try:
                    yield cursor
                except sqlite3.Error as error:
                    raise library_error(error) from error
                return
            raw = cursor.sqlite_cursor
            raw.execute("SAVEPOINT command")
            try:
                yield cursor
            except BaseException as failure:
                raw.execute("ROLLBACK TO command")
                raw.execute("RELEASE command")
                if isinstance(failure, sqlite3.Error):
                    raise library_error(failure) from failure
                raise
            raw.execute("RELEASE command")
            self.commands += 1
        finally:
            cursor.sqlite_cursor.close()


class GroupCommitDatastore(SQLiteDatastore):
    """The library's SQLite datastore; within ``joining`` on the event loop, writes share a group."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group: CommitGroup | None = None
        self.committed_hooks: list[Callable[[], None]] = []  # after a group commits: wake the views
        self.failed_hooks: list[Callable[[], None]] = []  # after a group's commit failed: forget the cache
        self.groups = 0  # counted for the benchmark and /metrics: commands a group = writes / groups
        self.grouped_writes = 0

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        joined = _JOINED.get()
        group = self.group
        if group is not None and group.thread == threading.get_ident():
            if joined is None and commit:
                self.commit_group()  # a write from outside an operation: never inside, never waiting on it
            elif joined is not None:
                if group not in joined.groups:
                    joined.groups.append(group)
                with group.transaction(commit=commit) as cursor:
                    yield cursor
                return
        elif joined is not None and commit and group is None and _on_a_loop():
            group = self._open()
            joined.groups.append(group)
            with group.transaction(commit=True) as cursor:
                yield cursor
            return
        with super().transaction(commit=commit) as cursor:
            yield cursor

    def _open(self) -> CommitGroup:
        loop = asyncio.get_running_loop()
        connection = self.pool.get_connection(is_writer=True)
        try:
            # The write lock now, not at the first insert: a group that read first could not write after
            # another process's commit (SQLITE_BUSY_SNAPSHOT).
            connection.cursor().sqlite_cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            self.pool.put_connection(connection)
            raise library_error(error) from error
        except BaseException:
            self.pool.put_connection(connection)
            raise
        self.group = CommitGroup(connection)
        loop.call_soon(self.commit_group)  # after every operation already under way on this turn of the loop
        return self.group

    def commit_group(self) -> persistence.PersistenceError | None:
        """Commit the open group now (the loop does on its next turn; a read-your-writes wait does first).
        Returns the commit's error, which every command of the group also raises where it waits."""
        group, self.group = self.group, None
        if group is None:
            return None
        try:
            group.connection.commit()
        except sqlite3.Error as error:
            try:
                group.connection.rollback()
            except sqlite3.Error:
                log.warning("rolling back a group commit that failed also failed", exc_info=True)
            log.error("a group commit of %d writes failed: %s", group.commands, error)
            failure = library_error(error)
            group.end(failure)  # each command raises it where it waits
            self.pool.put_connection(group.connection)
            for hook in self.failed_hooks:
                hook()
            return failure
        self.pool.put_connection(group.connection)
        self.groups += 1
        self.grouped_writes += group.commands
        group.end(None)
        for hook in self.committed_hooks:
            hook()
        return None


def _on_a_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class GroupCommitFactory(SQLiteFactory):
    """The library's SQLite persistence with a datastore that can group commits (PERSISTENCE_MODULE names
    this class); used alone, without ``joining``, it is the library's, transaction for transaction."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        plain = self.datastore
        self.datastore = GroupCommitDatastore(
            db_name=plain.pool.db_name, lock_timeout=plain.pool.lock_timeout,
            single_row_tracking=plain.single_row_tracking, originator_id_type=plain.originator_id_type)
        plain.close()
