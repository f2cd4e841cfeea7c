"""Tamper evidence: the sealer, which extends the hash chain (projections.audit.chain) as events are stored,
and writes signed checkpoints (projections.audit.checkpoints) as it goes."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from domain.application import Supervision
from projections.audit.chain import (
    DEFAULT_ALGORITHM,
    FORMAT,
    META_TABLE,
    CHAIN_TABLE,
    ChainError,
    ChainTables,
    hasher,
    link,
    notification_entry,
)
from projections.audit.checkpoints import write_checkpoint
from projections.runtime.db import Tx
from projections.runtime.worker import ExclusiveLock, ProjectionWorker, Processor

SEALER_NAME = "audit_chain_sealer"  # its ExclusiveLock: one process seals at a time
BATCH_SIZE = 1000
_ROWS_PER_INSERT = 100
# On PostgreSQL the sealer waits at most this long for writers that are inserting right now (see horizon()).
HORIZON_LOCK_TIMEOUT = "5s"


class ChainSealer:
    """Appends chain rows for newly stored events, in position order, one batch per transaction.

    A ``Processor`` for ``ProjectionWorker`` (``catch_up``); its lock name is ``SEALER_NAME``. It never
    seals past a gap that could still fill: see ``horizon``.
    """

    name = SEALER_NAME

    def __init__(self, app: Supervision, algorithm: str | None = None, batch_size: int = BATCH_SIZE,
                 checkpoint_every: float | None = None, signing_key: Any = None) -> None:
        self.app = app
        self.batch_size = batch_size
        self.tables = ChainTables(app)
        self.db = self.tables.db
        self.tables.create()
        self.algorithm = self._settle_algorithm(algorithm)
        self.new_hash = hasher(self.algorithm)
        self.checkpoint_every = checkpoint_every
        self.signing_key = signing_key
        self._last_checkpoint = time.monotonic()
        with self.db.transaction(commit=False) as tx:
            self.position, self.hash = self.tables.head(tx)
        self._checkpointed = self.position

    def _settle_algorithm(self, requested: str | None) -> str:
        if requested is not None:
            hasher(requested)
        with self.db.transaction() as tx:
            recorded = self.tables.algorithm(tx)
            if recorded is None:
                chosen = requested or DEFAULT_ALGORITHM
                tx.execute(f"INSERT INTO {META_TABLE} (name, value) VALUES ('algorithm', ?), ('format', ?)"
                           " ON CONFLICT (name) DO NOTHING", (chosen, FORMAT))
                recorded = self.tables.algorithm(tx)
        assert recorded is not None
        if requested is not None and requested != recorded:
            raise ChainError(f"this store's chain is sealed with {recorded}, not {requested}")
        return recorded

    def horizon(self) -> int:
        """The highest position below which no gap can still fill: every position up to it is final.

        Positions come from a sequence, and a rolled-back insert leaves a gap. On PostgreSQL the library
        locks the events table (EXCLUSIVE) for each insert, so positions commit in order and any gap
        below a visible position is permanent; to rest on no writer's behaviour, the sealer also takes a
        SHARE lock for one read of the maximum: it waits for inserts in flight, and any insert after it
        draws a larger number. On SQLite writers are serialized by the database lock and a rolled-back
        insert leaves no gap.
        """
        table, column = self.db.events_table, "notification_id" if self.db.is_postgres else "rowid"
        with self.db.transaction() as tx:
            if self.db.is_postgres:
                tx.execute(f"SET LOCAL lock_timeout = '{HORIZON_LOCK_TIMEOUT}'")
                tx.execute(f"LOCK TABLE {table} IN SHARE MODE")
            found = tx.row(f"SELECT MAX({column}) AS head FROM {table}")
        return int(found["head"] or 0) if found else 0

    def catch_up(self, until: int | None = None) -> int:
        """Seal every stored event up to the horizon (and ``until``); return how many were sealed."""
        sealed = 0
        horizon = self.horizon()
        if until is not None:
            horizon = min(horizon, until)
        while self.position < horizon:
            notifications = self.app.recorder.select_notifications(self.position + 1, self.batch_size,
                                                                   stop=horizon)
            if not notifications:
                break
            sealed += self._seal(notifications)
        self._maybe_checkpoint()
        return sealed

    def _seal(self, notifications: Sequence[Any]) -> int:
        rows: list[tuple[Any, ...]] = []
        previous_hex, previous_position = self.hash, self.position
        previous = bytes.fromhex(previous_hex)
        sealed_at = datetime.now(timezone.utc).isoformat()
        for n in notifications:
            digest = link(self.new_hash, notification_entry(n), previous)
            rows.append((n.id, str(n.originator_id), n.originator_version, digest.hex(), previous_hex,
                         previous_position, sealed_at))
            previous, previous_hex, previous_position = digest, digest.hex(), n.id
        with self.db.transaction() as tx:
            head = self.tables.head(tx)
            if head != (self.position, self.hash):
                # Another sealer moved the chain (only possible without the lock): continue from its head.
                self.position, self.hash = head
                return 0
            _insert_rows(tx, rows)
        self.position, self.hash = rows[-1][0], rows[-1][3]
        return len(rows)

    def _maybe_checkpoint(self) -> None:
        if self.checkpoint_every is None or self.signing_key is None or self.position == self._checkpointed:
            return
        if time.monotonic() - self._last_checkpoint < self.checkpoint_every:
            return
        write_checkpoint(self.app, self.signing_key)
        self._last_checkpoint = time.monotonic()
        self._checkpointed = self.position


def _insert_rows(tx: Tx, rows: Iterable[tuple[Any, ...]]) -> None:
    batch = list(rows)
    for start in range(0, len(batch), _ROWS_PER_INSERT):
        chunk = batch[start:start + _ROWS_PER_INSERT]
        values = ", ".join("(?, ?, ?, ?, ?, ?, ?)" for _ in chunk)
        tx.execute(f"INSERT INTO {CHAIN_TABLE} (position, originator_id, originator_version, hash, prev_hash,"
                   f" prev_position, sealed_at) VALUES {values}", [v for row in chunk for v in row])


class SealingWorker(ProjectionWorker):
    """A projection worker that also keeps the chain sealed (while it holds the sealer's lock).

    With no views it is the sealer alone (`lianjian seal`); it wakes on LISTEN/NOTIFY on PostgreSQL and
    polls otherwise, so keep ``poll_interval`` under a second on SQLite.
    """

    def __init__(self, app: Supervision, views: Sequence[Any] = (), *, algorithm: str | None = None,
                 checkpoint_every: float | None = None, signing_key: Any = None, **options: Any) -> None:
        super().__init__(app, views, **options)
        # First in each step: sealing is cheap, and the window should not wait for the views' batches.
        self.locks = {SEALER_NAME: ExclusiveLock(app, SEALER_NAME), **self.locks}
        self._sealer_options = {"algorithm": algorithm, "checkpoint_every": checkpoint_every,
                                "signing_key": signing_key}

    def _processor(self, name: str) -> Processor:
        if name == SEALER_NAME:
            return ChainSealer(self.app, batch_size=self.batch_size, **self._sealer_options)
        return super()._processor(name)

    def position(self, name: str) -> int | None:
        processor = self.processors.get(name)
        if isinstance(processor, ChainSealer):
            return processor.position
        return super().position(name)
