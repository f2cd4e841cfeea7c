"""Views stopped at an event they cannot apply. Kept in the views' database beside their positions, so every
process sees them (the server's /readyz and /metrics, `lianjian lag`), whichever process applies the view.
A view's row is cleared when it applies that event after all; a row the view has since passed is stale."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from domain import clock
from projections.runtime.db import Tx, ViewDatabase

TABLE = "view_failures"
ERROR_MAX = 500  # characters of an error kept and shown: its first lines say what went wrong
# Shown as escapes: an error may quote the very value that could not be stored (a NUL, say).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ViewFailure:
    view: str  # its tracking name (a live view's name)
    position: int  # the event it cannot apply; it has applied every event before it
    event_id: str
    event_type: str
    error: str
    failed_at: str  # when it first failed there (UTC, ISO 8601)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.view} stopped at event {self.position} ({self.event_type} {self.event_id}): {self.error}"


def described(error: BaseException) -> str:
    """The error in one printable line of at most ERROR_MAX characters."""
    text = f"{type(error).__name__}: {error}".strip()
    text = _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if m.group() not in "\n\t" else " ", text)
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


def failure_now(view: str, position: int, event_id: str, event_type: str, error: BaseException) -> ViewFailure:
    return ViewFailure(view, position, event_id, event_type, described(error), clock.now().isoformat())


def create_table(tx: Tx) -> None:
    tx.create_table(TABLE, "view TEXT PRIMARY KEY, position BIGINT NOT NULL, event_id TEXT NOT NULL,"
                           " event_type TEXT NOT NULL, error TEXT NOT NULL, failed_at TEXT NOT NULL")


def record(db: ViewDatabase, failure: ViewFailure) -> ViewFailure:
    """Record the failure; a view failing again at the same event with the same error keeps the time it
    first failed. Returns the failure as recorded."""
    with db.transaction() as tx:
        earlier = tx.row(f"SELECT * FROM {TABLE} WHERE view = ?", (failure.view,))
        if earlier is not None and (earlier["position"], earlier["error"]) == (failure.position, failure.error):
            return ViewFailure(**earlier)
        tx.execute(f"DELETE FROM {TABLE} WHERE view = ?", (failure.view,))
        tx.execute(f"INSERT INTO {TABLE} (view, position, event_id, event_type, error, failed_at)"
                   " VALUES (?, ?, ?, ?, ?, ?)", tuple(failure.as_dict().values()))
    return failure


def clear(db: ViewDatabase, view: str) -> None:
    with db.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE} WHERE view = ?", (view,))


def current(db: ViewDatabase, views: Iterable[str]) -> list[ViewFailure]:
    """The failures of these views (tracking names) that still hold: each view is still before its event."""
    names = list(views)
    if not names:
        return []
    with db.transaction(commit=False) as tx:
        rows = tx.rows(f"SELECT * FROM {TABLE} WHERE view IN ({', '.join('?' for _ in names)}) ORDER BY view", names)
    return [ViewFailure(**row) for row in rows if db.position(row["view"]) < row["position"]]


class Backoff:
    """When to try again after failures: ``first`` seconds after the first, doubling, at most ``most``."""

    def __init__(self, first: float, most: float) -> None:
        self.first, self.most = first, most
        self.delay = 0.0
        self.due = 0.0  # time.monotonic(); 0: at once

    def failed(self) -> None:
        self.delay = min(self.most, self.delay * 2 or self.first)
        self.due = time.monotonic() + self.delay

    def ready(self) -> bool:
        return time.monotonic() >= self.due
