"""Projection workers: one process keeps a set of views (and the joint supervision rules) current.

- Exclusive: each view is applied by one worker at a time. On PostgreSQL a session advisory lock, on
  SQLite a file lock; both end with the process, so a standby takes over when the active worker dies.
- Wakes on PostgreSQL LISTEN/NOTIFY and also polls, so a silently dead LISTEN connection (eventsourcing
  issue #305) only slows a view down to the poll interval, never stops it.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext, suppress
from typing import Any, Protocol

import psycopg

from domain.application import Supervision
from projections.runtime.collector import collector_paused
from projections.rules.joint import RULES_NAME, JointSupervisionRules
from projections.runtime.failures import Backoff, ViewFailure
from projections.runtime.runner import BATCH_SIZE, MAX_BACKOFF_POLLS, ViewRunner
from projections.views.base import View

log = logging.getLogger("lianjian.projections")


class Processor(Protocol):
    def catch_up(self, until: int | None = None) -> int: ...


def is_postgres(app: Supervision) -> bool:
    return app.env.get("PERSISTENCE_MODULE", "") == "eventsourcing.postgres"


def postgres_conninfo(app: Supervision) -> dict[str, Any]:
    env = app.env
    return {
        "dbname": env.get("POSTGRES_DBNAME"), "host": env.get("POSTGRES_HOST"), "port": env.get("POSTGRES_PORT"),
        "user": env.get("POSTGRES_USER"), "password": env.get("POSTGRES_PASSWORD") or None,
        "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT") or 10), "autocommit": True,
    }


class ExclusiveLock:
    """Held by at most one process per name; released when the process ends, however it ends."""

    def __init__(self, app: Supervision, name: str) -> None:
        self.app = app
        self.name = name
        self._conn: psycopg.Connection[Any] | None = None
        self._file: int | None = None
        # A stable 63-bit key from the name (Python's hash() differs between processes).
        self.key = int.from_bytes(hashlib.sha256(f"lianjian:{name}".encode()).digest()[:8], "big") >> 1

    def try_acquire(self) -> bool:
        if self.held:
            return True
        if is_postgres(self.app):
            try:
                conn = psycopg.connect(**postgres_conninfo(self.app))
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]
            except psycopg.Error as error:
                log.warning("lock %s: %s", self.name, error)
                return False
            if got:
                self._conn = conn
            else:
                conn.close()
            return bool(got)
        path = f"{self.app.env.get('SQLITE_DBNAME')}.{self.name}.lock"
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._file = handle
        return True

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def still_held(self) -> bool:
        """False when the lock's connection died: another worker may hold the lock by now."""
        if self._conn is None:
            return self._file is not None
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                # Unlocked before closing: a closed session's locks go only when its server process has
                # finished, a moment later, and a taker just then would be refused.
                with suppress(psycopg.Error):  # a dead session: its end releases the lock
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                self._conn.close()
            finally:
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            os.close(self._file)
            self._file = None


class Wakeup:
    """Waits for new events: LISTEN/NOTIFY on PostgreSQL, a nudge from this process, or the poll interval."""

    def __init__(self, app: Supervision, poll_interval: float) -> None:
        self.app = app
        self.poll_interval = poll_interval
        self._nudged = threading.Event()
        self._listen: psycopg.Connection[Any] | None = None

    def nudge(self) -> None:
        self._nudged.set()

    def prepare(self) -> None:
        """Start listening before the first catch-up, so no commit falls between the two unnoticed."""
        if is_postgres(self.app):
            try:
                self._listening()
            except psycopg.Error as error:
                log.warning("LISTEN not available yet (%s); polling", error)

    def wait(self) -> None:
        if not is_postgres(self.app):
            self._nudged.wait(self.poll_interval)
            self._nudged.clear()
            return
        try:
            conn = self._listening()
            for _ in conn.notifies(timeout=self.poll_interval, stop_after=1):
                break
        except psycopg.Error as error:
            log.warning("LISTEN connection lost (%s); polling until it is back", error)
            self._close()
            self._nudged.wait(self.poll_interval)
        self._nudged.clear()

    def _listening(self) -> psycopg.Connection[Any]:
        if self._listen is None or self._listen.closed:
            conn = psycopg.connect(**postgres_conninfo(self.app))
            channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
            conn.execute(psycopg.sql.SQL("LISTEN {0}").format(psycopg.sql.Identifier(channel)))
            self._listen = conn
        return self._listen

    def _close(self) -> None:
        if self._listen is not None:
            try:
                self._listen.close()
            finally:
                self._listen = None


class ProjectionWorker:
    """Keeps the named views, and optionally the rules, current until stopped."""

    def __init__(
        self,
        app: Supervision,
        views: Sequence[View],
        with_rules: bool = False,
        poll_interval: float = 1.0,
        on_change: Callable[[str, str], None] | None = None,
        batch_size: int = BATCH_SIZE,
        pause_collector: bool = False,
    ) -> None:
        self.app = app
        # A worker in a process of its own (`lianjian project`) catches up with the garbage collector
        # paused (projections.runtime.collector): a tenth faster through a backlog.
        self.pause_collector = pause_collector
        self.views = list(views)
        self.with_rules = with_rules
        self.batch_size = batch_size
        self.wakeup = Wakeup(app, poll_interval)
        self.on_change = on_change or (lambda name, state: log.info("%s: %s", name, state))
        self.stopping = threading.Event()
        names = [v.tracking_name for v in self.views] + ([RULES_NAME] if with_rules else [])
        self.locks = {name: ExclusiveLock(app, name) for name in names}
        self.processors: dict[str, Processor] = {}
        self._backoff: dict[str, Backoff] = {}  # lock name -> when its failed processor is made again

    def step(self) -> int:
        """Take any free locks, drop lost ones, and catch every held processor up once."""
        changed = False
        for name, lock in self.locks.items():
            if name in self.processors and not lock.still_held():
                del self.processors[name]
                self.on_change(name, "standby")
                changed = True
            if name not in self.processors and lock.try_acquire():
                self.processors[name] = None  # type: ignore[assignment]  # assigned below
                self.on_change(name, "active")
                changed = True
        if changed or any(p is None for p in self.processors.values()):
            self._assign()
        read, failed = 0, []
        with collector_paused() if self.pause_collector else nullcontext():
            for processor in {id(p): p for p in self.processors.values() if p is not None}.values():
                try:
                    read += processor.catch_up()
                    for name in self._names_of(processor):
                        self._backoff.pop(name, None)
                except Exception as error:  # noqa: BLE001 - the others go on; this one is made afresh, later
                    failed.append(error)
                    # Memory may have run ahead of what committed: made again from the tracking positions.
                    self._failed(self._names_of(processor))
        if failed:
            raise failed[0]
        return read

    def _names_of(self, processor: Processor) -> list[str]:
        return [name for name, held in self.processors.items() if held is processor]

    def _failed(self, names: list[str]) -> None:
        """These processors failed: dropped, and made again once their backoff allows."""
        for name in names:
            self.processors[name] = None  # type: ignore[assignment]
            self._backoff.setdefault(name, Backoff(self.wakeup.poll_interval,
                                                   self.wakeup.poll_interval * MAX_BACKOFF_POLLS)).failed()

    def _made(self, names: list[str], make: Callable[[], Processor]) -> None:
        try:
            processor = make()
        except Exception as error:  # noqa: BLE001 - the others run meanwhile
            log.warning("%s could not start, will retry: %s", ", ".join(names), error)
            self._failed(names)
            return
        for name in names:
            self.processors[name] = processor

    def failures(self) -> list[ViewFailure]:
        """The views this worker applies that stopped at an event they cannot apply."""
        runners = {id(p): p for p in list(self.processors.values()) if isinstance(p, ViewRunner)}
        return [failure for runner in runners.values() for failure in runner.failures()]

    def _assign(self) -> None:
        """One runner for all the views this worker holds (events are read and decoded once for
        them all); the rules and any other processor each their own. One that failed is made again once
        its backoff allows (the others run meanwhile)."""
        def due(name: str) -> bool:
            return name not in self._backoff or self._backoff[name].ready()

        held = [v for v in self.views if v.tracking_name in self.processors]
        if held and all(due(v.tracking_name) for v in held):
            self._made([v.tracking_name for v in held], lambda: ViewRunner(
                self.app, held, batch_size=self.batch_size, isolate=True, retry_interval=self.wakeup.poll_interval))
        views = {v.tracking_name for v in self.views}
        for name, processor in list(self.processors.items()):
            if processor is None and name not in views and due(name):
                self._made([name], lambda name=name: self._processor(name))  # type: ignore[misc]

    def run_until_idle(self, rounds: int = 10) -> int:
        """Step until nothing is left to read (the rules' alerts are events the views then apply)."""
        total = 0
        for _ in range(rounds):
            read = self.step()
            total += read
            if read == 0:
                break
        return total

    def _processor(self, name: str) -> Processor:
        """The processor of a lock that is not a view's (subclasses add their own)."""
        if name == RULES_NAME:
            return JointSupervisionRules(self.app, batch_size=self.batch_size)
        raise KeyError(f"no processor named {name}")

    def run(self) -> None:
        self.wakeup.prepare()
        while not self.stopping.is_set():
            try:
                self.step()
            except Exception as error:  # noqa: BLE001 - a worker outlives a failed batch and retries it
                log.warning("projection step failed, will retry: %s", error)  # step dropped what failed
                time.sleep(min(self.wakeup.poll_interval, 1.0))
            if not self.stopping.is_set():
                self.wakeup.wait()

    def position(self, name: str) -> int | None:
        """How far this worker has applied the view ``name``, or None when another process applies it."""
        processor = self.processors.get(name)
        if isinstance(processor, ViewRunner):
            return processor.positions[name]
        if isinstance(processor, JointSupervisionRules):
            return processor.position
        return None

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.nudge()

    def close(self) -> None:
        for lock in self.locks.values():
            lock.release()
