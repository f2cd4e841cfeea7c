"""Annual duty and evaluation: annual reports, annual inspection results and the evaluation grade."""

from __future__ import annotations

from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context


class AnnualDutyCommands(Commands):
    """Annual reports, annual inspection results and evaluation grades."""

    def submit_annual_report(
        self, ctx: Context, organization_id: str, *, year: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "submit_annual_report", "submit_annual_report", ctx, organization_id, idempotency_key, year=year
        )

    def conclude_annual_inspection(
        self, ctx: Context, organization_id: str, *, year: int, result: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "conclude_annual_inspection", "conclude_annual_inspection", ctx, organization_id,
            idempotency_key, year=year, result=result,
        )

    def award_grade(
        self, ctx: Context, organization_id: str, *, score: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "award_grade", "award_grade", ctx, organization_id, idempotency_key,
            score=score, settings=self.settings,
        )

    def lower_grade(
        self, ctx: Context, organization_id: str, *, grade: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization("lower_grade", "lower_grade", ctx, organization_id, idempotency_key, grade=grade)

    def cancel_grade(self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        return self._on_organization("cancel_grade", "cancel_grade", ctx, organization_id, idempotency_key)
