"""The application service: every command of the domain, each loading aggregates, applying one
decision and saving the new events atomically. Concurrent writers conflict; retried commands with an
idempotency key are not applied twice.

``Supervision`` is composed of the command groups (domain/commands/) on the command runner
(domain/command_runner.py: running a command idempotently with the aggregate cache, on saving.py's save
and snapshots), the aggregate loaders (domain/loading.py) and the reading of the log
(domain/event_reading.py). The names other packages import from here are re-exported below."""

from __future__ import annotations

from typing import Any

from domain.command_runner import CommandResult, event_id, mutate_in_turn
from domain.commands.alerts import AlertCommands
from domain.commands.annual_duty import AnnualDutyCommands
from domain.commands.credit import CreditCommands
from domain.commands.funding import FundingCommands
from domain.commands.inspection import InspectionCommands
from domain.commands.party_building import PartyBuildingCommands
from domain.commands.proposals import ProposalCommands
from domain.commands.registration import RegistrationCommands
from domain.event_reading import TECHNICAL_AGGREGATES, EventReading, RecordedEvent, event_type_name
from domain.people import Person
from domain.saving import SNAPSHOT_INTERVAL
from domain.settings import DEFAULT_SETTINGS, LocalitySettings


class Supervision(
    RegistrationCommands,
    AnnualDutyCommands,
    FundingCommands,
    InspectionCommands,
    CreditCommands,
    AlertCommands,
    ProposalCommands,
    PartyBuildingCommands,
    EventReading,
):
    """Lianjian's one application: the shared, immutable record of every department's facts."""

    name = "Lianjian"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names tables after the class; subclasses (tests, tools) must open the same store.
        explicit = "name" in cls.__dict__
        super().__init_subclass__(**kwargs)
        if not explicit:
            cls.name = Supervision.name

    def __init__(self, env: dict[str, str] | None = None, settings: LocalitySettings | None = None) -> None:
        super().__init__(env)
        self.settings = settings or DEFAULT_SETTINGS


__all__ = [
    "SNAPSHOT_INTERVAL", "TECHNICAL_AGGREGATES", "CommandResult", "Person", "RecordedEvent", "Supervision",
    "event_id", "event_type_name", "mutate_in_turn",
]
