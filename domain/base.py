"""The base aggregate: events recorded with the injectable clock, and carrying their Context."""

from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import clock


def as_stored(value: Any) -> Any:
    """An event's value as it reads back from the store: an enum member as its value, a tuple as a list.
    Events are made of these, so an aggregate changed by a command holds exactly what one replayed from
    the store holds (and a snapshot of either is the same)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [as_stored(item) for item in value]
    return value


def event_id(aggregate_id: UUID | str, version: int) -> str:
    """An event's id: its aggregate and version (what alerts and listings cite)."""
    return f"{aggregate_id}/{version}"


# Values that never change once made: a copy of an aggregate may share them with the original.
IMMUTABLE: tuple[type, ...] = (str, int, float, bool, type(None), date, Decimal, UUID, Enum)


class SupervisedAggregate(Aggregate):
    """Base of Lianjian's aggregates. Every event method takes ``ctx`` (who, why, legal basis, when)."""

    @classmethod
    def _create(cls, event_class: type[Any], *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        return super()._create(event_class, id=id, **{k: as_stored(v) for k, v in kwargs.items()})

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        super().trigger_event(event_class, **{k: as_stored(v) for k, v in kwargs.items()})

    # What copies share, besides IMMUTABLE: an aggregate adds its own frozen value types.
    shared_on_copy: ClassVar[tuple[type, ...]] = IMMUTABLE

    def __deepcopy__(self, memo: dict[int, Any]) -> SupervisedAggregate:
        """A deep copy that shares immutable values and copies lists and dicts of them one level deep,
        the rest by ``copy.deepcopy``. The library copies an aggregate out of its cache for every
        command, and the generic deep copy of an organization was a large share of a command's cost."""
        shared = self.shared_on_copy
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        state = copied.__dict__
        for name, value in self.__dict__.items():
            if isinstance(value, shared):
                state[name] = value
            elif type(value) is list and all(isinstance(item, shared) for item in value):
                state[name] = list(value)
            elif type(value) is dict and all(isinstance(item, shared) for item in value.values()):
                state[name] = dict(value)
            else:
                state[name] = deepcopy(value, memo)
        return copied

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        pass
