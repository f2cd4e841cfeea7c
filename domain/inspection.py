"""An inspection case (检查 / 立案): its own aggregate naming the organization it inspects."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SupervisedAggregate
from domain.context import Context
from domain.errors import InspectionNotOpen, InvalidInput, RuleViolation
from domain.settings import LocalitySettings
from domain.values import checked_name, checked_text


class RectificationState(StrEnum):
    NONE = "none"
    ORDERED = "ordered"  # 责令整改
    CONFIRMED = "confirmed"  # 整改完成
    OVERDUE = "overdue"  # 逾期未整改


class InspectionCase(SupervisedAggregate):
    """Opened by at least two inspectors; findings, rectification and closure."""

    @classmethod
    def open(
        cls,
        ctx: Context,
        *,
        organization_id: UUID,
        inspectors: list[str],
        subject: str,
        settings: LocalitySettings,
        sample_draw_id: UUID | None = None,
    ) -> InspectionCase:
        """立案检查: at least two distinct inspectors (执法人员不少于2人)."""
        names = sorted({checked_name(name, "inspector's name") for name in inspectors})
        if len(names) < settings.min_inspectors:
            raise InvalidInput(f"an inspection needs at least {settings.min_inspectors} different inspectors")
        return cls._create(
            cls.Opened,
            ctx=ctx,
            organization_id=organization_id,
            inspectors=names,
            subject=checked_text(subject, "subject", required=True),
            sample_draw_id=sample_draw_id,
        )

    class Opened(SupervisedAggregate.Created):
        """立案检查: an inspection was opened."""

        ctx: Context
        organization_id: UUID
        inspectors: list[str]
        subject: str
        sample_draw_id: UUID | None

    def __init__(
        self, ctx: Context, organization_id: UUID, inspectors: list[str], subject: str,
        sample_draw_id: UUID | None,
    ) -> None:
        self.organization_id = organization_id
        self.inspectors = inspectors
        self.subject = subject
        self.sample_draw_id = sample_draw_id
        self.opened_on = ctx.occurred_on
        self.closed_on: date | None = None
        self.findings: list[str] = []
        self.problems_found = False
        self.rectification = RectificationState.NONE
        self.rectification_deadline: date | None = None
        self.penalty_ids: list[str] = []

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def _ensure_open(self, ctx: Context) -> None:
        if not self.is_open:
            raise InspectionNotOpen(f"the inspection was closed on {self.closed_on}")
        if ctx.occurred_on < self.opened_on:
            raise InvalidInput("an inspection's events cannot predate its opening")

    def record_findings(self, ctx: Context, *, findings: str, problems_found: bool) -> None:
        """检查发现."""
        self._ensure_open(ctx)
        self._findings_recorded(
            ctx=ctx, findings=checked_text(findings, "findings", required=True, multiline=True), problems_found=bool(problems_found)
        )

    @event("FindingsRecorded")
    def _findings_recorded(self, ctx: Context, findings: str, problems_found: bool) -> None:
        """检查发现: the inspectors recorded findings."""
        self.findings.append(findings)
        self.problems_found = self.problems_found or problems_found

    def order_rectification(self, ctx: Context, *, requirements: str, deadline: date) -> None:
        """责令整改, with a deadline; only in an open inspection that found problems."""
        self._ensure_open(ctx)
        if not self.problems_found:
            raise RuleViolation("rectification is ordered only after findings of problems")
        if self.rectification == RectificationState.ORDERED:
            raise RuleViolation("a rectification order is already pending")
        if deadline <= ctx.occurred_on:
            raise InvalidInput("the rectification deadline is after the order")
        self._rectification_ordered(
            ctx=ctx, requirements=checked_text(requirements, "requirements", required=True, multiline=True), deadline=deadline
        )

    @event("RectificationOrdered")
    def _rectification_ordered(self, ctx: Context, requirements: str, deadline: date) -> None:
        """责令整改: rectification was ordered with a deadline."""
        self.rectification = RectificationState.ORDERED
        self.rectification_deadline = deadline

    def confirm_rectification(self, ctx: Context) -> None:
        """整改完成, confirmed by the inspectors."""
        self._ensure_open(ctx)
        if self.rectification != RectificationState.ORDERED:
            raise RuleViolation("no rectification order is pending")
        self._rectification_confirmed(ctx=ctx)

    @event("RectificationConfirmed")
    def _rectification_confirmed(self, ctx: Context) -> None:
        """整改完成: the rectification was confirmed."""
        self.rectification = RectificationState.CONFIRMED

    def record_rectification_overdue(self, ctx: Context) -> None:
        """逾期未整改: the deadline passed without confirmation."""
        self._ensure_open(ctx)
        if self.rectification != RectificationState.ORDERED:
            raise RuleViolation("no rectification order is pending")
        assert self.rectification_deadline is not None
        if ctx.occurred_on <= self.rectification_deadline:
            raise RuleViolation(f"the deadline {self.rectification_deadline} has not passed")
        self._rectification_overdue(ctx=ctx, deadline=self.rectification_deadline)

    @event("RectificationOverdue")
    def _rectification_overdue(self, ctx: Context, deadline: date) -> None:
        """逾期未整改: the rectification deadline passed unconfirmed."""
        self.rectification = RectificationState.OVERDUE

    def note_penalty(self, ctx: Context, *, penalty_id: str) -> None:
        """A penalty recorded on the organization as the outcome of this case."""
        self._ensure_open(ctx)
        self._penalty_noted(ctx=ctx, penalty_id=penalty_id)

    @event("PenaltyNoted")
    def _penalty_noted(self, ctx: Context, penalty_id: str) -> None:
        """A penalty was imposed as this case's outcome (recorded on the organization)."""
        self.penalty_ids.append(penalty_id)

    def close(self, ctx: Context, *, conclusion: str) -> None:
        """结案."""
        self._ensure_open(ctx)
        if self.rectification == RectificationState.ORDERED:
            raise RuleViolation("a pending rectification order must be confirmed or found overdue first")
        self._closed(ctx=ctx, conclusion=checked_text(conclusion, "conclusion", required=True, multiline=True))

    @event("Closed")
    def _closed(self, ctx: Context, conclusion: str) -> None:
        """结案: the inspection was closed."""
        self.closed_on = ctx.occurred_on
