"""Inspection: the yearly random sample, and inspection cases from opening to closing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context
from domain.errors import DuplicateOrganization, InvalidInput
from domain.inspection import InspectionCase
from domain.sampling import SampleDraw


class InspectionCommands(Commands):
    """双随机抽查 draws and inspection cases, with the organization's 'under investigation'."""

    def draw_inspection_sample(
        self, ctx: Context, *, year: int, jurisdiction: str, population: list[str], seed: str,
        ratio: Decimal | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """双随机抽查: the year's sample, drawn once per jurisdiction with a recorded seed."""

        def decide() -> list[Aggregate]:
            # The population as loaded: each organization's own id, however the caller spelled it.
            organizations = [self.organization(org_id) for org_id in population]
            drawn_from = [str(org.id) for org in organizations]
            # 联合惩戒: an organization on either credit list weighs more in the draw (重点监督管理对象).
            listed = [str(org.id) for org in organizations if org.on_abnormal_list or org.on_serious_list]
            draw = SampleDraw.draw(
                ctx, year=year, jurisdiction=jurisdiction, population=drawn_from,
                seed=seed, settings=self.settings, ratio=ratio,
                weights=dict.fromkeys(listed, self.settings.listed_draw_weight),
            )
            if self._exists(draw.id):
                raise DuplicateOrganization(f"the {year} sample for {jurisdiction} was already drawn")
            return [draw]

        return self._run(
            "draw_inspection_sample",
            {"ctx": ctx, "year": year, "jurisdiction": jurisdiction, "population": population, "seed": seed,
             "ratio": ratio},
            idempotency_key, decide,
        )

    def open_inspection(
        self, ctx: Context, organization_id: str, *, inspectors: list[str], subject: str,
        sample_draw_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """立案检查: the case and the organization's 'under investigation' are recorded together."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            draw_id = None
            if sample_draw_id is not None:
                draw = self.sample_draw(sample_draw_id)
                if str(org.id) not in draw.drawn:
                    raise InvalidInput(f"{org.name} was not drawn in that sample")
                draw_id = draw.id
            case = InspectionCase.open(
                ctx, organization_id=org.id, inspectors=inspectors, subject=subject,
                settings=self.settings, sample_draw_id=draw_id,
            )
            org.note_investigation_opened(ctx, case_id=str(case.id))
            return [case, org]

        return self._run(
            "open_inspection",
            {"ctx": ctx, "id": str(organization_id), "inspectors": inspectors, "subject": subject,
             "sample_draw_id": sample_draw_id},
            idempotency_key, decide,
        )

    def _on_case(
        self, command: str, ctx: Context, case_id: str, key: str | None,
        act: Callable[[InspectionCase], None], **payload: Any,
    ) -> CommandResult:
        def decide() -> list[Aggregate]:
            case = self.inspection_case(case_id)
            act(case)
            return [case]

        return self._run(command, {"ctx": ctx, "id": str(case_id), **payload}, key, decide)

    def record_inspection_findings(
        self, ctx: Context, case_id: str, *, findings: str, problems_found: bool, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "record_inspection_findings", ctx, case_id, idempotency_key,
            lambda c: c.record_findings(ctx, findings=findings, problems_found=problems_found),
            findings=findings, problems_found=problems_found,
        )

    def order_rectification(
        self, ctx: Context, case_id: str, *, requirements: str, deadline: date, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "order_rectification", ctx, case_id, idempotency_key,
            lambda c: c.order_rectification(ctx, requirements=requirements, deadline=deadline),
            requirements=requirements, deadline=deadline,
        )

    def confirm_rectification(
        self, ctx: Context, case_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "confirm_rectification", ctx, case_id, idempotency_key, lambda c: c.confirm_rectification(ctx)
        )

    def record_rectification_overdue(
        self, ctx: Context, case_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "record_rectification_overdue", ctx, case_id, idempotency_key,
            lambda c: c.record_rectification_overdue(ctx),
        )

    def close_inspection(
        self, ctx: Context, case_id: str, *, conclusion: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """结案: the case closes and the organization is no longer under investigation by it."""

        def decide() -> list[Aggregate]:
            case = self.inspection_case(case_id)
            case.close(ctx, conclusion=conclusion)
            org = self.organization(case.organization_id)
            org.note_investigation_closed(ctx, case_id=str(case.id))
            return [case, org]

        return self._run(
            "close_inspection", {"ctx": ctx, "id": str(case_id), "conclusion": conclusion}, idempotency_key, decide
        )
