"""The application service: every command of the domain, each loading aggregates, applying one
decision and saving the new events atomically. Concurrent writers conflict; retried commands with an
idempotency key are not applied twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain.command_runner import CommandResult, event_id, mutate_in_turn
from domain.context import Context
from domain.credit_lists import PenaltyKind
from domain.errors import DuplicateOrganization, InvalidInput, RuleViolation
from domain.event_reading import TECHNICAL_AGGREGATES, EventReading, RecordedEvent, event_type_name
from domain.funding import FundingProject
from domain.indexes import CreditCodeIndex, NameIndex
from domain.inspection import InspectionCase
from domain.organization import Organization, RevocationGround
from domain.people import Person
from domain.saving import SNAPSHOT_INTERVAL
from domain.sampling import SampleDraw
from domain.settings import DEFAULT_SETTINGS, LocalitySettings


class Supervision(EventReading):
    """Lianjian's one application: the shared, immutable record of every department's facts."""

    name = "Lianjian"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names tables after the class; subclasses (tests, tools) must open the same store.
        explicit = "name" in cls.__dict__
        super().__init_subclass__(**kwargs)
        if not explicit:
            cls.name = Supervision.name

    def __init__(self, env: dict[str, str] | None = None, settings: LocalitySettings | None = None) -> None:
        super().__init__(env)
        self.settings = settings or DEFAULT_SETTINGS

    # -- registration and filing ----------------------------------------------------------------

    def register_organization(
        self, ctx: Context, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """成立登记."""

        def decide() -> list[Aggregate]:
            org = Organization.register(ctx, **fields)
            self._ensure_name_free(org.name)
            assert org.credit_code is not None
            code_index = CreditCodeIndex(ctx=ctx, credit_code=org.credit_code, organization_id=org.id)
            if self._exists(code_index.id):
                raise DuplicateOrganization(f"credit code {org.credit_code} is already registered")
            return [org, code_index, self._name_claim(ctx, org.name, org.id)]

        return self._run(
            "register_organization", {"ctx": ctx, **fields}, idempotency_key, decide,
            check_conflict=lambda: self._check_duplicates(fields.get("name"), fields.get("credit_code")),
        )

    def file_community_organization(
        self, ctx: Context, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """备案."""

        def decide() -> list[Aggregate]:
            org = Organization.file(ctx, **fields)
            self._ensure_name_free(org.name)
            return [org, self._name_claim(ctx, org.name, org.id)]

        return self._run(
            "file_community_organization", {"ctx": ctx, **fields}, idempotency_key, decide,
            check_conflict=lambda: self._check_duplicates(fields.get("name"), None),
        )

    def _ensure_name_free(self, name: str) -> None:
        try:
            index = self.repository.get(NameIndex.create_id(name))
        except AggregateNotFoundError:
            return
        if index.organization_id is not None:
            raise DuplicateOrganization(f"the name {name} is already taken")

    def _name_claim(self, ctx: Context, name: str, organization_id: UUID) -> NameIndex:
        try:
            index = self.repository.get(NameIndex.create_id(name))
        except AggregateNotFoundError:
            return NameIndex(ctx=ctx, name=name, organization_id=organization_id)
        index.claim(ctx=ctx, organization_id=organization_id)
        return index

    def _check_duplicates(self, name: Any, credit_code: Any) -> None:
        if isinstance(name, str) and name.strip():
            self._ensure_name_free(name)
        if isinstance(credit_code, str) and self._exists(CreditCodeIndex.create_id(credit_code.strip())):
            raise DuplicateOrganization(f"credit code {credit_code} is already registered")

    def _renamed(self, ctx: Context, org: Organization, old_name: str) -> list[Aggregate]:
        """Index changes when a change of registration or filing renames the organization."""
        if NameIndex.create_id(org.name) == NameIndex.create_id(old_name):
            return []  # the same name in other forms (full- or half-width, spacing): its index entry stays
        self._ensure_name_free(org.name)
        old = self.repository.get(NameIndex.create_id(old_name))
        old.release(ctx=ctx)
        return [old, self._name_claim(ctx, org.name, org.id)]

    def change_registration(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **changes: Any
    ) -> CommandResult:
        """变更登记."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            old_name = org.name
            org.change_registration(ctx, **changes)
            return [org, *self._renamed(ctx, org, old_name)]

        return self._run(
            "change_registration", {"ctx": ctx, "id": str(organization_id), **changes}, idempotency_key, decide
        )

    def change_filing(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **changes: Any
    ) -> CommandResult:
        """备案变更."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            old_name = org.name
            org.change_filing(ctx, **changes)
            return [org, *self._renamed(ctx, org, old_name)]

        return self._run(
            "change_filing", {"ctx": ctx, "id": str(organization_id), **changes}, idempotency_key, decide
        )

    def convert_to_registration(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """转登记."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            org.convert_to_registration(ctx, **fields)
            assert org.credit_code is not None
            code_index = CreditCodeIndex(ctx=ctx, credit_code=org.credit_code, organization_id=org.id)
            if self._exists(code_index.id):
                raise DuplicateOrganization(f"credit code {org.credit_code} is already registered")
            return [org, code_index]

        return self._run(
            "convert_to_registration", {"ctx": ctx, "id": str(organization_id), **fields}, idempotency_key, decide
        )

    def _on_organization(
        self, command: str, method: str, ctx: Context, organization_id: str, key: str | None, **kwargs: Any
    ) -> CommandResult:
        """A command that changes one organization by calling one of its methods."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            getattr(org, method)(ctx, **kwargs)
            return [org]

        payload = {"ctx": ctx, "id": str(organization_id), **kwargs}
        payload.pop("settings", None)
        return self._run(command, payload, key, decide)

    def deregister(
        self, ctx: Context, organization_id: str, *, liquidation_completed_on: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """注销登记."""
        return self._on_organization(
            "deregister", "deregister", ctx, organization_id, idempotency_key,
            liquidation_completed_on=liquidation_completed_on,
        )

    def revoke_registration(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """撤销登记."""
        return self._on_organization(
            "revoke_registration", "revoke_registration", ctx, organization_id, idempotency_key, ground=ground
        )

    def cancel_filing(self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """撤销备案."""
        return self._on_organization("cancel_filing", "cancel_filing", ctx, organization_id, idempotency_key)

    def ban_organization(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        """取缔."""
        return self._on_organization("ban_organization", "ban", ctx, organization_id, idempotency_key)

    # -- annual duty and evaluation -------------------------------------------------------------

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

    # -- funding --------------------------------------------------------------------------------

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
            return [FundingProject.award(ctx, organization_id=org.id, funding_refusal=org.funding_refusal, **fields)]

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

    # -- inspection -----------------------------------------------------------------------------

    def draw_inspection_sample(
        self, ctx: Context, *, year: int, jurisdiction: str, population: list[str], seed: str,
        ratio: Decimal | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """双随机抽查: the year's sample, drawn once per jurisdiction with a recorded seed."""

        def decide() -> list[Aggregate]:
            for org_id in population:
                self.organization(org_id)
            draw = SampleDraw.draw(
                ctx, year=year, jurisdiction=jurisdiction, population=[str(i) for i in population],
                seed=seed, settings=self.settings, ratio=ratio,
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

    # -- penalties and credit lists -------------------------------------------------------------

    def impose_penalty(
        self, ctx: Context, organization_id: str, *, kind: str, amount: Decimal | None = None,
        stop_days: int | None = None, case_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """行政处罚 by any department; a revocation penalty also revokes the registration."""
        payload = {"ctx": ctx, "id": str(organization_id), "kind": kind, "amount": amount,
                   "stop_days": stop_days, "case_id": case_id}

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            changed: list[Aggregate] = [org]
            penalty_id = uuid4().hex
            if case_id is not None:
                case = self.inspection_case(case_id)
                if case.organization_id != org.id:
                    raise InvalidInput("that inspection case is about another organization")
                case.note_penalty(ctx, penalty_id=penalty_id)
                changed.append(case)
            org.impose_penalty(
                ctx, penalty_id=penalty_id, kind=kind, amount=amount, stop_days=stop_days, case_id=case_id
            )
            if kind == PenaltyKind.REVOCATION:
                org.revoke_registration(ctx, ground=RevocationGround.SERIOUS_PENALTY)
            return changed

        return self._run("impose_penalty", payload, idempotency_key, decide)

    def record_penalty_executed(
        self, ctx: Context, organization_id: str, *, penalty_id: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "record_penalty_executed", "record_penalty_executed", ctx, organization_id, idempotency_key,
            penalty_id=penalty_id,
        )

    def add_to_abnormal_list(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "add_to_abnormal_list", "add_to_abnormal_list", ctx, organization_id, idempotency_key, ground=ground
        )

    def remove_from_abnormal_list(
        self, ctx: Context, organization_id: str, *, verified_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_abnormal_list", "remove_from_abnormal_list", ctx, organization_id, idempotency_key,
            verified_on=verified_on, settings=self.settings,
        )

    def escalate_to_serious_list(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "escalate_to_serious_list", "escalate_to_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings,
        )

    def add_to_serious_list(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "add_to_serious_list", "add_to_serious_list", ctx, organization_id, idempotency_key, ground=ground
        )

    def remove_from_serious_list(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_serious_list", "remove_from_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings,
        )

    # -- joint supervision alerts ---------------------------------------------------------------

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

    # -- party building -------------------------------------------------------------------------

    def count_party_members(
        self, ctx: Context, organization_id: str, *, members: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "count_party_members", "count_party_members", ctx, organization_id, idempotency_key, members=members
        )

    def set_up_party_organization(
        self, ctx: Context, organization_id: str, *, form: str, name: str,
        host_organization_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        if host_organization_id is not None:
            host = self.organization(host_organization_id)
            if str(host.id) == str(organization_id):
                raise InvalidInput("an organization cannot attach its party organization to itself")
            if host.party_organization is None:
                raise RuleViolation(f"{host.name} has no party organization to attach to")
        return self._on_organization(
            "set_up_party_organization", "set_up_party_organization", ctx, organization_id, idempotency_key,
            form=form, name=name, settings=self.settings, host_organization_id=host_organization_id,
        )

    def appoint_party_instructor(
        self, ctx: Context, organization_id: str, *, name: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "appoint_party_instructor", "appoint_party_instructor", ctx, organization_id, idempotency_key, name=name
        )


__all__ = [
    "SNAPSHOT_INTERVAL", "TECHNICAL_AGGREGATES", "CommandResult", "Person", "RecordedEvent", "Supervision",
    "event_id", "event_type_name", "mutate_in_turn",
]
