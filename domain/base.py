"""The base aggregate: events recorded with the injectable clock, and carrying their Context."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from domain import clock


class SupervisedAggregate(Aggregate):
    """Base of Lianjian's aggregates. Every event method takes ``ctx`` (who, why, legal basis, when)."""

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        pass
