"""Tamper evidence, part 1: the hash chain over the global event order and the sealer that extends it.

Events are inserted by the eventsourcing library's recorder; the sealer follows them afterwards (within
a second, see docs/audit.md) and appends one chain row per stored event, in position order, in a table of
the same database. Each row's hash covers the event's stored bytes, its position and the previous hash:

    entry = u64(position) | u32(len(id)) id | u64(version) | u32(len(topic)) topic | u64(len(state)) state
    hash  = H(entry | previous hash)        (H = SHA-256 or SM3; the first previous hash is 32 zero bytes)

where u32/u64 are big-endian unsigned integers, ``id`` is the originator id in its canonical text form
(lowercase UUID with hyphens) and ``topic`` UTF-8. docs/audit.md says how to check it from outside.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from domain.application import Supervision
from projections.db import Tx, ViewDatabase
from projections.worker import ExclusiveLock, ProjectionWorker, Processor

FORMAT = "lianjian-chain/1"
ALGORITHMS = ("sha256", "sm3")
DEFAULT_ALGORITHM = "sha256"
GENESIS = bytes(32)  # the "previous hash" of the first sealed event
SEALER_NAME = "audit_chain_sealer"  # its ExclusiveLock: one process seals at a time

CHAIN_TABLE = "audit_chain"
META_TABLE = "audit_chain_meta"
BATCH_SIZE = 1000
_ROWS_PER_INSERT = 100
# On PostgreSQL the sealer waits at most this long for writers that are inserting right now (see horizon()).
HORIZON_LOCK_TIMEOUT = "5s"


class ChainError(ValueError):
    """The chain cannot be used as asked (an unknown algorithm, a chain made with another one)."""


def hasher(algorithm: str) -> Callable[[], Any]:
    """A constructor of fresh hash objects for the algorithm (hashlib; SM3 through OpenSSL)."""
    if algorithm == "sha256":
        return hashlib.sha256
    if algorithm == "sm3":
        try:
            hashlib.new("sm3")
        except ValueError:
            raise ChainError("SM3 is not available in this Python's OpenSSL") from None
        return lambda: hashlib.new("sm3")
    raise ChainError(f"unknown hash algorithm {algorithm!r}; choose one of: {', '.join(ALGORITHMS)}")


def entry_bytes(position: int, originator_id: Any, originator_version: int, topic: str, state: bytes) -> bytes:
    """The canonical bytes of one stored event at its position (see the module's docstring)."""
    oid = str(originator_id).encode()
    top = topic.encode()
    return b"".join((
        position.to_bytes(8, "big"),
        len(oid).to_bytes(4, "big"), oid,
        originator_version.to_bytes(8, "big"),
        len(top).to_bytes(4, "big"), top,
        len(state).to_bytes(8, "big"), bytes(state),
    ))


def link(new_hash: Callable[[], Any], entry: bytes, previous: bytes) -> bytes:
    h = new_hash()
    h.update(entry)
    h.update(previous)
    return h.digest()


def notification_entry(notification: Any) -> bytes:
    return entry_bytes(notification.id, notification.originator_id, notification.originator_version,
                       notification.topic, notification.state)


@dataclass(frozen=True)
class ChainRow:
    position: int
    originator_id: str
    originator_version: int
    hash: str  # hex
    prev_hash: str  # hex
    prev_position: int  # the sealed position before (0 for the first): names removed chain rows


class ChainTables:
    """The chain's tables in the events' database, and the small queries on them."""

    def __init__(self, app: Supervision) -> None:
        self.app = app
        self.db = ViewDatabase(app)

    def create(self) -> None:
        with self.db.schema() as tx:
            tx.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            tx.execute(
                f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (position BIGINT PRIMARY KEY,"
                " originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL,"
                " hash TEXT NOT NULL, prev_hash TEXT NOT NULL, prev_position BIGINT NOT NULL, sealed_at TEXT NOT NULL)"
            )
            tx.execute(f"CREATE INDEX IF NOT EXISTS {CHAIN_TABLE}_event"
                       f" ON {CHAIN_TABLE} (originator_id, originator_version)")

    def exists(self) -> bool:
        with self.db.transaction(commit=False) as tx:
            return table_exists(tx, self.db, CHAIN_TABLE) and table_exists(tx, self.db, META_TABLE)

    def algorithm(self, tx: Tx) -> str | None:
        found = tx.row(f"SELECT value FROM {META_TABLE} WHERE name = 'algorithm'")
        return found["value"] if found else None

    def head(self, tx: Tx) -> tuple[int, str]:
        """The last sealed position and its hash (0 and the genesis hash when nothing is sealed)."""
        found = tx.row(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        return (int(found["position"]), found["hash"]) if found else (0, GENESIS.hex())

    def rows(self, tx: Tx, after: int, upto: int, limit: int) -> list[ChainRow]:
        found = tx.rows(
            f"SELECT position, originator_id, originator_version, hash, prev_hash, prev_position FROM {CHAIN_TABLE}"
            " WHERE position > ? AND position <= ? ORDER BY position LIMIT ?", (after, upto, limit),
        )
        return [ChainRow(int(r["position"]), r["originator_id"], int(r["originator_version"]), r["hash"],
                         r["prev_hash"], int(r["prev_position"])) for r in found]

    def position_of(self, originator_id: str, version: int) -> int | None:
        """Where this event (id and version) was sealed, if it was."""
        with self.db.transaction(commit=False) as tx:
            found = tx.row(f"SELECT position FROM {CHAIN_TABLE} WHERE originator_id = ? AND originator_version = ?",
                           (originator_id, version))
        return int(found["position"]) if found else None

    def hashes(self, positions: Sequence[int]) -> dict[int, str]:
        """The chain hash of each of these positions that is sealed (none when there is no chain)."""
        if not positions or not self.exists():
            return {}
        found: dict[int, str] = {}
        with self.db.transaction(commit=False) as tx:
            for start in range(0, len(positions), 500):
                chunk = list(positions[start:start + 500])
                for r in tx.rows(f"SELECT position, hash FROM {CHAIN_TABLE} WHERE position IN"
                                 f" ({', '.join('?' for _ in chunk)})", chunk):
                    found[int(r["position"])] = r["hash"]
        return found


def table_exists(tx: Tx, db: ViewDatabase, name: str) -> bool:
    if db.is_postgres:
        found = tx.row("SELECT to_regclass(?) IS NOT NULL AS present", (name,))
        return bool(found and found["present"])
    return tx.row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None


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
        from projections.checkpoints import write_checkpoint

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
