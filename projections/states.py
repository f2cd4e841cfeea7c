"""Aggregate states as of the event being projected, shared by the views of one runner.

Views read an organization's state through the domain's own code (the event's mutator) rather than
re-deriving it from event fields, so a rule such as "on the serious list" means the same everywhere.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from domain.application import RecordedEvent, Supervision

CACHE_SIZE = 50_000


class AggregateStates:
    def __init__(self, app: Supervision, size: int = CACHE_SIZE) -> None:
        self.app = app
        self.size = size
        self._states: OrderedDict[str, Any] = OrderedDict()

    def advance(self, event: RecordedEvent) -> Any:
        """The aggregate right after ``event``; later events must be advanced in order."""
        state = self._states.get(event.aggregate_id)
        if state is not None and state.version == event.version - 1:
            event.domain_event.mutate(state)
        elif event.version == 1:
            state = event.domain_event.mutate(None)
        else:
            state = self.app.repository.get(UUID(event.aggregate_id), version=event.version)
        self._remember(event.aggregate_id, state)
        return state

    def latest(self, aggregate_id: str) -> Any | None:
        """The state as far as this runner has advanced it, if it holds it."""
        return self._states.get(aggregate_id)

    def _remember(self, aggregate_id: str, state: Any) -> None:
        self._states[aggregate_id] = state
        self._states.move_to_end(aggregate_id)
        while len(self._states) > self.size:
            self._states.popitem(last=False)

    def clear(self) -> None:
        self._states.clear()
