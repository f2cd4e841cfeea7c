"""What every group of commands shares: the locality's settings and the command on one organization
that calls one of its methods."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain.command_runner import CommandResult
from domain.context import Context
from domain.loading import AggregateLoading
from domain.settings import LocalitySettings


class Commands(AggregateLoading):
    """The base of the command groups, which ``Supervision`` composes."""

    settings: LocalitySettings  # the locality's rules (deadlines, cut-offs), given to Supervision

    def _on_organization(
        self, command: str, method: str, ctx: Context, organization_id: str, key: str | None, **kwargs: Any
    ) -> CommandResult:
        """A command that changes one organization by calling one of its methods."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            getattr(org, method)(ctx, **kwargs)
            return [org]

        payload = {"ctx": ctx, "id": str(organization_id), **kwargs}
        payload.pop("settings", None)
        return self._run(command, payload, key, decide)
