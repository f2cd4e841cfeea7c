"""Reading the log: stored events decoded as recorded events, in the store's global order, and an
organization's history."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import catalogue
from domain.command_runner import event_id
from domain.context import Context
from domain.loading import AggregateLoading

# Aggregates that keep keys unique or commands idempotent; not part of an organization's story.
TECHNICAL_AGGREGATES = frozenset(aggregate.__name__ for aggregate in catalogue.TECHNICAL_AGGREGATES)


@dataclass(frozen=True)
class RecordedEvent:
    """One stored event as history shows it."""

    position: int  # in the global order of the store
    aggregate_id: str
    version: int
    type: str  # e.g. "Organization.Registered"
    recorded_at: datetime  # UTC
    ctx: Context | None
    data: dict[str, Any] = field(default_factory=dict)
    domain_event: Any = field(default=None, repr=False, compare=False)  # the decoded event object

    @property
    def event_id(self) -> str:
        return event_id(self.aggregate_id, self.version)


def event_type_name(topic: str) -> str:
    """'domain.organization:Organization.Registered' -> 'Organization.Registered'."""
    return topic.rsplit(":", 1)[-1]


class EventReading(AggregateLoading):
    """The stored events, decoded, for the views, the rules, the audit tools and history."""

    def read_events(self, start: int, limit: int, stop: int | None = None) -> list[RecordedEvent]:
        """Up to ``limit`` stored events from global position ``start`` (to ``stop``), decoded."""
        return self.read_batch(start, limit, stop)[0]

    def read_batch(self, start: int, limit: int, stop: int | None = None,
                   keep: Callable[[Any], bool] | None = None) -> tuple[list[RecordedEvent], int]:
        """``read_events`` decoding only the stored events ``keep`` accepts (it sees each one's
        originator id, version, topic and position before any decoding), and the position of the
        last event read, kept or not (0 when there was none)."""
        notifications = self.recorder.select_notifications(start=start, limit=limit, stop=stop)
        if not notifications:
            return [], 0
        return self.decoded(notifications, keep), notifications[-1].id

    def decoded(self, notifications: Sequence[Any], keep: Callable[[Any], bool] | None = None) -> list[RecordedEvent]:
        """Stored events (the library's notifications) as recorded events; only those ``keep`` accepts."""
        kept = notifications if keep is None else [n for n in notifications if keep(n)]
        return [self._decoded(notification) for notification in kept]

    def recorded_events(self, start: int = 1, batch: int = 500) -> Iterator[RecordedEvent]:
        """Every stored event from global position ``start`` on, decoded."""
        position = start
        while events := self.read_events(position, batch):
            yield from events
            position = events[-1].position + 1

    def _decoded(self, notification: Any) -> RecordedEvent:
        domain_event = self.mapper.to_domain_event(notification)
        data = {
            k: v
            for k, v in domain_event.__dict__.items()
            if k not in ("originator_id", "originator_version", "timestamp", "originator_topic", "ctx")
        }
        return RecordedEvent(
            position=notification.id,
            aggregate_id=str(notification.originator_id),
            version=notification.originator_version,
            type=event_type_name(notification.topic),
            recorded_at=domain_event.timestamp,
            ctx=getattr(domain_event, "ctx", None),
            data=data,
            domain_event=domain_event,
        )

    def head_position(self) -> int:
        """The global position of the newest stored event (0 when there is none)."""
        return self.recorder.max_notification_id() or 0

    def organization_ids(self) -> list[str]:
        """Ids of all organizations, in the order they were first recorded."""
        return [
            e.aggregate_id
            for e in self.recorded_events()
            if e.version == 1 and e.type in ("Organization.Registered", "Organization.Filed")
        ]

    def history(self, organization_id: UUID | str) -> list[RecordedEvent]:
        """The organization's own events and those of funding projects and inspections naming it."""
        org = self.organization(organization_id)
        target = str(org.id)
        related: set[str] = {target}
        found = []
        for recorded in self.recorded_events():
            if recorded.type.split(".")[0] in TECHNICAL_AGGREGATES:
                continue
            if recorded.aggregate_id in related or str(recorded.data.get("organization_id")) == target:
                related.add(recorded.aggregate_id)
                found.append(recorded)
        return found
