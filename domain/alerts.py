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


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Alert(SupervisedAggregate):
    """One alert or proposal. Its id follows from its rule and subject, so a cause raises it once."""

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
