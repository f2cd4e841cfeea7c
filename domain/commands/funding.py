"""Funding: 政府购买服务 projects, each deciding on the organization's standing at that moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context
from domain.funding import FundingProject


class FundingCommands(Commands):
    """A funding project's award, tranches, suspension, claw-back and closure."""

    def award_funding(
        self,
        ctx: Context,
        organization_id: str,
        *,
        purchasing_unit: str,
        project_name: str,
        amount: Decimal,
        period_start: date,
        period_end: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """政府购买服务: a project is awarded to an organization that may be funded."""
        fields = dict(
            purchasing_unit=purchasing_unit, project_name=project_name, amount=amount,
            period_start=period_start, period_end=period_end,
        )

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            org.ensure_in_being_on(ctx)
            refusal = org.award_refusal(self.settings)
            return [FundingProject.award(ctx, organization_id=org.id, funding_refusal=refusal, **fields)]

        return self._run(
            "award_funding", {"ctx": ctx, "id": str(organization_id), **fields}, idempotency_key, decide
        )

    def _on_project(
        self, command: str, ctx: Context, project_id: str, key: str | None,
        act: Callable[[FundingProject, str | None], None], **payload: Any,
    ) -> CommandResult:
        def decide() -> list[Aggregate]:
            project = self.funding_project(project_id)
            refusal = self.organization(project.organization_id).funding_refusal
            act(project, refusal)
            return [project]

        return self._run(command, {"ctx": ctx, "id": str(project_id), **payload}, key, decide)

    def disburse_funding(
        self, ctx: Context, project_id: str, *, amount: Decimal, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_project(
            "disburse_funding", ctx, project_id, idempotency_key,
            lambda p, refusal: p.disburse_tranche(ctx, amount=amount, funding_refusal=refusal), amount=amount,
        )

    def suspend_funding(self, ctx: Context, project_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        return self._on_project("suspend_funding", ctx, project_id, idempotency_key, lambda p, _: p.suspend(ctx))

    def resume_funding(self, ctx: Context, project_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        return self._on_project(
            "resume_funding", ctx, project_id, idempotency_key,
            lambda p, refusal: p.resume(ctx, funding_refusal=refusal),
        )

    def claw_back_funds(
        self, ctx: Context, project_id: str, *, amount: Decimal, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_project(
            "claw_back_funds", ctx, project_id, idempotency_key,
            lambda p, _: p.claw_back(ctx, amount=amount), amount=amount,
        )

    def close_funding_project(
        self, ctx: Context, project_id: str, *, evaluation: str, score: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._on_project(
            "close_funding_project", ctx, project_id, idempotency_key,
            lambda p, _: p.close(ctx, evaluation=evaluation, score=score), evaluation=evaluation, score=score,
        )
