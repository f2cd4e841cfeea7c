"""Proposals: an alert that carries the command it proposes. The department it is for accepts it with one
command, which records the proposed command (citing the proposal and its causes) and the acceptance in one
transaction, or declines it with a reason. Each kind of proposed command is one entry of PROPOSED_COMMANDS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.domain import Aggregate

from domain.alerts import Alert
from domain.base import event_id
from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.commands.registration import revoke_and_list
from domain.context import Context, Department
from domain.errors import RuleViolation


def _registration_authority(ctx: Context) -> None:
    if ctx.actor.department != Department.CIVIL_AFFAIRS:
        raise RuleViolation("only civil affairs, the registration authority, lists, grades or revokes an organization")


def _put_on_list(commands: Commands, ctx: Context, alert: Alert) -> list[Aggregate]:
    _registration_authority(ctx)
    org = commands.organization(alert.organization_id)
    org.put_on_list(ctx, ground=alert.proposal["ground"], causes=alert.causes, proposal_id=str(alert.id))
    return [org]


def _escalate(commands: Commands, ctx: Context, alert: Alert) -> list[Aggregate]:
    _registration_authority(ctx)
    org = commands.organization(alert.organization_id)
    org.escalate_to_serious_list(ctx, settings=commands.settings, causes=alert.causes, proposal_id=str(alert.id))
    return [org]


def _cancel_grade(commands: Commands, ctx: Context, alert: Alert) -> list[Aggregate]:
    _registration_authority(ctx)
    org = commands.organization(alert.organization_id)
    org.cancel_grade(ctx)
    return [org]


def _revoke_registration(commands: Commands, ctx: Context, alert: Alert) -> list[Aggregate]:
    _registration_authority(ctx)
    org = commands.organization(alert.organization_id)
    revoke_and_list(ctx, org, alert.proposal["ground"])
    return [org]


def _suspend_funding(commands: Commands, ctx: Context, alert: Alert) -> list[Aggregate]:
    if ctx.actor.department != Department.FINANCE:
        raise RuleViolation("only finance suspends funding")
    project = commands.funding_project(alert.proposal["project_id"])
    project.suspend(ctx)
    return [project]


# The commands a proposal may carry, by the name it gives them.
PROPOSED_COMMANDS: dict[str, Callable[[Commands, Context, Alert], list[Aggregate]]] = {
    "add_to_abnormal_list": _put_on_list,
    "add_to_serious_list": _put_on_list,
    "escalate_to_serious_list": _escalate,
    "suspend_funding": _suspend_funding,
    "cancel_grade": _cancel_grade,
    "revoke_registration": _revoke_registration,
}


class ProposalCommands(Commands):
    """采纳 or 不予采纳 of a proposal."""

    def accept_proposal(self, ctx: Context, alert_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """Records the proposed command, citing the proposal and its causes, and the acceptance, at once."""

        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            proposal: dict[str, Any] = alert.ensure_open_proposal(ctx)
            act = PROPOSED_COMMANDS.get(proposal.get("command", ""))
            if act is None:
                raise RuleViolation(f"a proposal to {proposal.get('command')!r} cannot be accepted here")
            changed = act(self, ctx, alert)
            alert.accept(ctx, recorded=[event_id(a.id, a.version) for a in changed])
            return [alert, *changed]

        return self._run("accept_proposal", {"ctx": ctx, "id": str(alert_id)}, idempotency_key, decide)

    def decline_proposal(
        self, ctx: Context, alert_id: str, *, reason: str, exemption_document: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Declines with the reason (an exemption: the supervising unit's document number)."""

        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            alert.decline(ctx, reason=reason, exemption_document=exemption_document)
            return [alert]

        payload = {"ctx": ctx, "id": str(alert_id), "reason": reason, "exemption_document": exemption_document}
        return self._run("decline_proposal", payload, idempotency_key, decide)
