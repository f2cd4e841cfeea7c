"""Joint supervision alerts (联合监管预警) and proposals: raised by the rules that watch the stream,
acknowledged and resolved by the departments. Each names the events that caused it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SupervisedAggregate
from domain.context import Actor, Context, Department
from domain.errors import InvalidInput, RuleViolation
from domain.values import checked_text

# The rules act under their own name, so every alert says it came from Lianjian, not from a person.
RULES_ACTOR = Actor("lianjian-rules", "lianjian-rules", Department.SYSTEM, "rules")


class AlertRule(StrEnum):
    FUNDING_TO_INELIGIBLE = "funding_to_ineligible"  # 1: funding to a listed, deregistered or revoked organization
    RECTIFICATION_OVERDUE = "rectification_overdue"  # 2: rectification deadline passed unconfirmed
    ANNUAL_REPORT_MISSING = "annual_report_missing"  # 3: annual report not in by its due date
    ENDED_WITH_OPEN_FUNDING = "ended_with_open_funding"  # 4: revoked or deregistered with a project open
    PARTY_ORGANIZATION_MISSING = "party_organization_missing"  # 5: >= 3 party members, no party organization
    PARTNER_PENALTY = "partner_penalty"  # 6: penalty by tax, market regulation or public security
    ABNORMAL_TWO_YEARS = "abnormal_two_years"  # 7: two years on the abnormal list
    COURT_DISHONEST_DEBTOR = "court_dishonest_debtor"  # the court's notice of 失信被执行人: serious-list proposal
    GRADED_ON_SERIOUS_LIST = "graded_on_serious_list"  # a graded organization listed serious: lower or cancel it
    OBJECTION_UNDECIDED = "objection_undecided"  # an objection to a listing past its working days undecided


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Alert(SupervisedAggregate):
    """One alert or proposal. Its id follows from its rule and subject, so a cause raises it once."""

    decision: str | None = None  # a proposal's: "accepted" or "declined" (class default: older alerts)

    @staticmethod
    def create_id(rule: str, subject: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"lianjian:alert:{rule}:{subject}")

    @classmethod
    def raise_alert(
        cls,
        ctx: Context,
        *,
        rule: AlertRule,
        subject: str,
        organization_id: str,
        message: str,
        departments: list[str],
        causes: list[str],
        proposal: dict[str, Any] | None = None,
    ) -> Alert:
        """Raise an alert (or, with ``proposal``, a proposed action) for the departments named."""
        if not causes:
            raise InvalidInput("an alert names the events that caused it")
        return cls._create(
            cls.Raised,
            ctx=ctx,
            rule=AlertRule(rule).value,
            subject=subject,
            organization_id=organization_id,
            message=checked_text(message, "message", required=True, multiline=True),
            departments=sorted({Department(d).value for d in departments}),
            causes=list(causes),
            proposal=proposal,
        )

    class Raised(SupervisedAggregate.Created):
        """预警: a joint supervision rule raised an alert or a proposal, citing its causes."""

        ctx: Context
        rule: str
        subject: str
        organization_id: str
        message: str
        departments: list[str]
        causes: list[str]
        proposal: dict[str, Any] | None

    def __init__(
        self, ctx: Context, rule: str, subject: str, organization_id: str, message: str,
        departments: list[str], causes: list[str], proposal: dict[str, Any] | None,
    ) -> None:
        self.rule = rule
        self.subject = subject
        self.organization_id = organization_id
        self.message = message
        self.departments = departments
        self.causes = causes
        self.proposal = proposal
        self.raised_on = ctx.occurred_on
        self.status = AlertStatus.OPEN
        self.acknowledged_by: list[str] = []

    def acknowledge(self, ctx: Context) -> None:
        """签收: a department took note of the alert."""
        if self.status == AlertStatus.RESOLVED:
            raise RuleViolation("the alert is already resolved")
        if ctx.actor.department not in self.departments:
            raise RuleViolation(f"the alert is for {', '.join(self.departments)}")
        if ctx.actor.department in self.acknowledged_by:
            raise RuleViolation(f"{ctx.actor.department} already acknowledged the alert")
        self._acknowledged(ctx=ctx)

    @event("Acknowledged")
    def _acknowledged(self, ctx: Context) -> None:
        """签收: a department acknowledged the alert."""
        self.acknowledged_by.append(str(ctx.actor.department))
        self.status = AlertStatus.ACKNOWLEDGED

    def resolve(self, ctx: Context, *, resolution: str) -> None:
        """办结: the alert is dealt with; the resolution says how."""
        if self.status == AlertStatus.RESOLVED:
            raise RuleViolation("the alert is already resolved")
        # The rules themselves close an alert whose cause a later fact removed.
        if ctx.actor.department not in self.departments and ctx.actor.department != Department.SYSTEM:
            raise RuleViolation(f"the alert is for {', '.join(self.departments)}")
        self._resolved(ctx=ctx, resolution=checked_text(resolution, "resolution", required=True, multiline=True))

    @event("Resolved")
    def _resolved(self, ctx: Context, resolution: str) -> None:
        """办结: the alert was resolved."""
        self.status = AlertStatus.RESOLVED

    # -- proposals: a proposal carries the command it proposes; a department accepts or declines it -------

    def ensure_open_proposal(self, ctx: Context) -> dict[str, Any]:
        """The proposal, if it may still be decided by the caller's department."""
        if self.proposal is None:
            raise InvalidInput("that alert proposes nothing: acknowledge or resolve it")
        if self.decision is not None:
            raise RuleViolation(f"the proposal is already {self.decision}")
        if self.status == AlertStatus.RESOLVED:
            raise RuleViolation("the proposal is already resolved")
        if ctx.actor.department not in self.departments:
            raise RuleViolation(f"the proposal is for {', '.join(self.departments)}")
        return self.proposal

    def accept(self, ctx: Context, *, recorded: list[str]) -> None:
        """采纳: the proposed command was recorded (its events named)."""
        self.ensure_open_proposal(ctx)
        self._proposal_accepted(ctx=ctx, recorded=list(recorded),
                                resolution=f"采纳建议：{self.proposal_command}")

    @property
    def proposal_command(self) -> str:
        return str((self.proposal or {}).get("command", ""))

    @event("ProposalAccepted")
    def _proposal_accepted(self, ctx: Context, recorded: list[str], resolution: str) -> None:
        """采纳建议: a department accepted the proposal; the events it recorded are named."""
        self.status = AlertStatus.RESOLVED
        self.decision = "accepted"

    def decline(self, ctx: Context, *, reason: str, exemption_document: str | None = None) -> None:
        """不予采纳, with the reason; ``exemption_document``: the supervising unit's written certification that
        the organization bears no direct responsibility (民政部令第60号 第十一条), by its document number."""
        proposal = self.ensure_open_proposal(ctx)
        reason = checked_text(reason, "reason", required=True)
        if exemption_document is not None:
            if proposal.get("list") is None:
                raise InvalidInput("the exemption applies to a credit-list proposal only")
            exemption_document = checked_text(exemption_document, "document number", required=True)
        self._proposal_declined(ctx=ctx, reason=reason, exemption_document=exemption_document,
                                resolution=f"不予采纳：{reason}")

    @event("ProposalDeclined")
    def _proposal_declined(self, ctx: Context, reason: str, exemption_document: str | None, resolution: str) -> None:
        """不予采纳: a department declined the proposal, saying why (and citing an exemption's document)."""
        self.status = AlertStatus.RESOLVED
        self.decision = "declined"
