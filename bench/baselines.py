"""What a team would write by hand: a plain eventsourcing application with one bare aggregate, no
context, no rules, no idempotency, no aggregate cache. The benchmark's baseline for commands per second."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Tally(Aggregate):
    """One bare aggregate: a name and a number."""

    @event("Started")
    def __init__(self, name: str) -> None:
        self.name = name
        self.members = 0

    @event("Counted")
    def count(self, members: int) -> None:
        self.members = members


class BareApplication(Application[UUID]):
    name = "BareBench"  # its own table beside Lianjian's in the same database

    def start(self, name: str) -> UUID:
        tally = Tally(name)
        self.save(tally)
        return tally.id

    def count(self, tally_id: UUID, members: int) -> None:
        tally: Tally = self.repository.get(tally_id)
        tally.count(members)
        self.save(tally)
