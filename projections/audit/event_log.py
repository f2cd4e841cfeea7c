"""The global event log as an auditor reads it: filtered by department, actor, event type and recorded
time, a page at a time. The cursor is a global position: pass a page's ``next_after`` as ``after`` to get
the next page; it stays valid while new events are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.application import TECHNICAL_AGGREGATES, RecordedEvent, Supervision
from domain.context import Department
from domain.errors import InvalidInput

MAX_LIMIT = 1000
SCAN_BATCH = 1000


@dataclass(frozen=True)
class LogPage:
    events: list[RecordedEvent]
    next_after: int | None  # the cursor of the next page; None when the log was read to its end
    head: int  # the newest position when the page was read


@dataclass(frozen=True)
class LogFilter:
    department: str | None = None  # the acting user's department, e.g. "finance"
    actor: str | None = None  # the acting user's id or username
    event_type: str | None = None  # "Organization.Registered", or all of one aggregate: "Organization"
    since: datetime | None = None  # recorded at or after (aware datetime)
    until: datetime | None = None  # recorded before (aware datetime; exclusive)
    include_technical: bool = False  # also the name/credit-code indexes and command receipts

    def __post_init__(self) -> None:
        if self.department is not None:
            try:
                Department(self.department)
            except ValueError:
                known = ", ".join(d.value for d in Department)
                raise InvalidInput(f"no department {self.department!r}; the departments are: {known}") from None
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise InvalidInput("times in a log filter must carry a zone")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise InvalidInput("the end of the time range is not after its start")

    def wants_type(self, type_name: str) -> bool:
        if not self.include_technical and type_name.split(".")[0] in TECHNICAL_AGGREGATES:
            return False
        if self.event_type is None:
            return True
        return type_name == self.event_type or type_name.split(".")[0] == self.event_type

    def wants(self, event: RecordedEvent) -> bool:
        if self.since is not None and event.recorded_at < self.since:
            return False
        if self.until is not None and event.recorded_at >= self.until:
            return False
        if self.department is None and self.actor is None:
            return True
        actor = event.ctx.actor if event.ctx is not None else None
        if actor is None:
            return False
        if self.department is not None and actor.department != self.department:
            return False
        return self.actor is None or self.actor in (actor.user_id, actor.username)


def event_log(app: Supervision, filters: LogFilter | None = None, *, after: int = 0, limit: int = 50) -> LogPage:
    """Up to ``limit`` events after position ``after`` that pass the filters, oldest first."""
    filters = filters or LogFilter()
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"a page holds 1 to {MAX_LIMIT} events")
    if after < 0:
        raise InvalidInput("the cursor is a position, 0 or more")
    head = app.head_position()
    found: list[RecordedEvent] = []
    start = after + 1
    while start <= head:
        events = app.read_events(start, SCAN_BATCH, stop=head)
        if not events:
            break
        for event in events:
            if filters.wants_type(event.type) and filters.wants(event):
                found.append(event)
                if len(found) == limit:
                    return LogPage(found, event.position, head)
        start = events[-1].position + 1
    return LogPage(found, None, head)
