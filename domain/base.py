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


# Values that never change once made: a copy of an aggregate may share them with the original.
IMMUTABLE: tuple[type, ...] = (str, int, float, bool, type(None), date, Decimal, UUID, Enum)


class SupervisedAggregate(Aggregate):
    """Base of Lianjian's aggregates. Every event method takes ``ctx`` (who, why, legal basis, when)."""

    # What copies share, besides IMMUTABLE: an aggregate adds its own frozen value types.
    shared_on_copy: ClassVar[tuple[type, ...]] = IMMUTABLE

    def __deepcopy__(self, memo: dict[int, Any]) -> SupervisedAggregate:
        """A deep copy that shares immutable values and copies lists and dicts of them one level deep,
        the rest by ``copy.deepcopy``. The library copies an aggregate out of its cache for every
        command, and the generic deep copy of an organization cost a third of a command."""
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
