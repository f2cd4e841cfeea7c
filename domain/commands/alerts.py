"""Joint supervision alerts: acknowledged and resolved by the departments they are for."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context


class AlertCommands(Commands):
    """签收 and 办结 of joint supervision alerts."""

    def acknowledge_alert(self, ctx: Context, alert_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """签收 by one of the departments the alert is for."""

        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            alert.acknowledge(ctx)
            return [alert]

        return self._run("acknowledge_alert", {"ctx": ctx, "id": str(alert_id)}, idempotency_key, decide)

    def resolve_alert(
        self, ctx: Context, alert_id: str, *, resolution: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """办结, saying how the alert was dealt with."""

        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            alert.resolve(ctx, resolution=resolution)
            return [alert]

        return self._run(
            "resolve_alert", {"ctx": ctx, "id": str(alert_id), "resolution": resolution}, idempotency_key, decide
        )
