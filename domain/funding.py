"""A government purchase-of-service project (政府购买服务项目): its own aggregate naming the organization."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SupervisedAggregate
from domain.context import Context
from domain.errors import InvalidInput, NotEligibleForFunding, RuleViolation
from domain.values import checked_name, checked_text, positive_money

ZERO = Decimal("0.00")


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # 暂停拨付
    CLOSED = "closed"  # 结项


class FundingProject(SupervisedAggregate):
    """Awarded to one organization by a purchasing unit; disbursed in tranches; closed with an evaluation."""

    @classmethod
    def award(
        cls,
        ctx: Context,
        *,
        organization_id: UUID,
        funding_refusal: str | None,
        purchasing_unit: str,
        project_name: str,
        amount: Decimal,
        period_start: date,
        period_end: date,
    ) -> FundingProject:
        """项目立项: a project is awarded. ``funding_refusal`` is the organization's reason it may get none."""
        # What was asked is checked before whether it may be granted: bad input is bad input, whoever asks.
        unit, name, money = (checked_name(purchasing_unit, "purchasing unit"),
                             checked_name(project_name, "project name"), positive_money(amount))
        if period_end < period_start:
            raise InvalidInput("the project period ends before it starts")
        if funding_refusal:
            raise NotEligibleForFunding(f"no funding: {funding_refusal}")
        return cls._create(
            cls.Awarded,
            ctx=ctx,
            organization_id=organization_id,
            purchasing_unit=unit,
            project_name=name,
            amount=money,
            period_start=period_start,
            period_end=period_end,
        )

    class Awarded(SupervisedAggregate.Created):
        """项目立项: a purchase-of-service project was awarded to an organization."""

        ctx: Context
        organization_id: UUID
        purchasing_unit: str
        project_name: str
        amount: Decimal
        period_start: date
        period_end: date

    def __init__(
        self,
        ctx: Context,
        organization_id: UUID,
        purchasing_unit: str,
        project_name: str,
        amount: Decimal,
        period_start: date,
        period_end: date,
    ) -> None:
        self.organization_id = organization_id
        self.purchasing_unit = purchasing_unit
        self.project_name = project_name
        self.amount = amount
        self.period_start = period_start
        self.period_end = period_end
        self.awarded_on = ctx.occurred_on
        self.status = ProjectStatus.ACTIVE
        self.disbursed = ZERO
        self.clawed_back = ZERO
        self.tranches = 0
        self.closing_evaluation: str | None = None

    @property
    def undisbursed(self) -> Decimal:
        return self.amount - self.disbursed

    def disburse_tranche(self, ctx: Context, *, amount: Decimal, funding_refusal: str | None) -> None:
        """拨付: a tranche is paid, never beyond the awarded amount, never to an ineligible organization."""
        if funding_refusal:
            raise NotEligibleForFunding(f"no disbursement: {funding_refusal}")
        self._ensure_status(ProjectStatus.ACTIVE, "disbursed")
        amount = positive_money(amount)
        if amount > self.undisbursed:
            raise RuleViolation(f"only {self.undisbursed} yuan of the award is left to disburse")
        self._ensure_not_before_award(ctx)
        self._tranche_disbursed(ctx=ctx, amount=amount, tranche=self.tranches + 1)

    @event("TrancheDisbursed")
    def _tranche_disbursed(self, ctx: Context, amount: Decimal, tranche: int) -> None:
        """拨付: a tranche of the award was disbursed."""
        self.disbursed += amount
        self.tranches = tranche

    def suspend(self, ctx: Context) -> None:
        """暂停拨付."""
        self._ensure_status(ProjectStatus.ACTIVE, "suspended")
        self._ensure_not_before_award(ctx)
        self._suspended(ctx=ctx)

    @event("FundingSuspended")
    def _suspended(self, ctx: Context) -> None:
        """暂停拨付: disbursement was suspended."""
        self.status = ProjectStatus.SUSPENDED

    def resume(self, ctx: Context, *, funding_refusal: str | None) -> None:
        """恢复拨付, only when the organization may again be funded."""
        if funding_refusal:
            raise NotEligibleForFunding(f"cannot resume: {funding_refusal}")
        self._ensure_status(ProjectStatus.SUSPENDED, "resumed")
        self._ensure_not_before_award(ctx)
        self._resumed(ctx=ctx)

    @event("FundingResumed")
    def _resumed(self, ctx: Context) -> None:
        """恢复拨付: disbursement resumed."""
        self.status = ProjectStatus.ACTIVE

    def claw_back(self, ctx: Context, *, amount: Decimal) -> None:
        """追回资金: at most what was disbursed and not yet clawed back."""
        amount = positive_money(amount)
        recoverable = self.disbursed - self.clawed_back
        if amount > recoverable:
            raise RuleViolation(f"only {recoverable} yuan was disbursed and not yet clawed back")
        self._ensure_not_before_award(ctx)
        self._clawed_back(ctx=ctx, amount=amount)

    @event("FundsClawedBack")
    def _clawed_back(self, ctx: Context, amount: Decimal) -> None:
        """追回资金: disbursed funds were clawed back."""
        self.clawed_back += amount

    def close(self, ctx: Context, *, evaluation: str, score: int | None = None) -> None:
        """结项: the project closes with an evaluation of its results."""
        if self.status == ProjectStatus.CLOSED:
            raise RuleViolation(f"project {self.project_name} is already closed")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100):
            raise InvalidInput("a project evaluation score is from 0 to 100")
        self._ensure_not_before_award(ctx)
        self._closed(ctx=ctx, evaluation=checked_text(evaluation, "evaluation", required=True, multiline=True), score=score)

    @event("ProjectClosed")
    def _closed(self, ctx: Context, evaluation: str, score: int | None) -> None:
        """结项: the project was closed with an evaluation."""
        self.status = ProjectStatus.CLOSED
        self.closing_evaluation = evaluation

    def _ensure_status(self, status: ProjectStatus, verb: str) -> None:
        if self.status != status:
            raise RuleViolation(f"project {self.project_name} is {self.status.value}: it cannot be {verb}")

    def _ensure_not_before_award(self, ctx: Context) -> None:
        if ctx.occurred_on < self.awarded_on:
            raise InvalidInput("a project's events cannot predate its award")
