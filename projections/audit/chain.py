"""Tamper evidence, part 1: the hash chain over the global event order (its sealer: projections.audit.sealer).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.application import Supervision
from projections.runtime.db import Tx, ViewDatabase, table_exists  # noqa: F401 - its importers find it here too

FORMAT = "lianjian-chain/1"
ALGORITHMS = ("sha256", "sm3")
DEFAULT_ALGORITHM = "sha256"
GENESIS = bytes(32)  # the "previous hash" of the first sealed event

CHAIN_TABLE = "audit_chain"
META_TABLE = "audit_chain_meta"


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


