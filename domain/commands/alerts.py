"""Tasks (督办事项): every joint supervision alert and proposal, worked by the departments it is for —
签收, 指定承办人, 转办, 协办, 办结 — and reminded and escalated by the rules as its deadline nears and passes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.domain import Aggregate

from domain.alerts import Alert
from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context


class AlertCommands(Commands):
    """The work on a task, one command per step."""

    def _on_alert(self, name: str, ctx: Context, alert_id: str, payload: dict[str, Any],
                  idempotency_key: str | None, act: Callable[[Alert], None]) -> CommandResult:
        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            act(alert)
            return [alert]

        return self._run(name, {"ctx": ctx, "id": str(alert_id), **payload}, idempotency_key, decide)

    def acknowledge_alert(self, ctx: Context, alert_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """签收 by one of the departments the task is for, or one asked to help."""
        return self._on_alert("acknowledge_alert", ctx, alert_id, {}, idempotency_key,
                              lambda alert: alert.acknowledge(ctx))

    def resolve_alert(
        self, ctx: Context, alert_id: str, *, resolution: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """办结, saying how the task was dealt with."""
        return self._on_alert("resolve_alert", ctx, alert_id, {"resolution": resolution}, idempotency_key,
                              lambda alert: alert.resolve(ctx, resolution=resolution))

    def assign_task(self, ctx: Context, alert_id: str, *, assignee: str,
                    idempotency_key: str | None = None) -> CommandResult:
        """指定承办人: one of the department's officers carries the task."""
        return self._on_alert("assign_task", ctx, alert_id, {"assignee": assignee}, idempotency_key,
                              lambda alert: alert.assign(ctx, assignee=assignee))

    def transfer_task(self, ctx: Context, alert_id: str, *, to: str, reason: str,
                      idempotency_key: str | None = None) -> CommandResult:
        """转办 to another department, with the reason."""
        return self._on_alert("transfer_task", ctx, alert_id, {"to": to, "reason": reason}, idempotency_key,
                              lambda alert: alert.transfer(ctx, to=to, reason=reason))

    def request_assistance(self, ctx: Context, alert_id: str, *, department: str, note: str,
                           idempotency_key: str | None = None) -> CommandResult:
        """协办: ask another department to help."""
        return self._on_alert("request_assistance", ctx, alert_id, {"department": department, "note": note},
                              idempotency_key, lambda alert: alert.request_assistance(ctx, department=department,
                                                                                      note=note))

    def remind_task(self, ctx: Context, alert_id: str) -> CommandResult:
        """The rules' reminder that the deadline is near."""
        return self._on_alert("remind_task", ctx, alert_id, {}, None, lambda alert: alert.remind(ctx))

    def escalate_task(self, ctx: Context, alert_id: str) -> CommandResult:
        """督办 of an overdue task."""
        return self._on_alert("escalate_task", ctx, alert_id, {}, None, lambda alert: alert.escalate(ctx))
