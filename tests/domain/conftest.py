"""Builders for the domain's stories: an in-memory Supervision, contexts, and organizations with sensible defaults.

Tests arrange with the domain's own verbs (`story.register(...)`, `story.ctx(on, by="finance")`) and then act once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.funding import FundingProject
from domain.inspection import InspectionCase
from domain.organization import Organization
from domain.people import Person
from domain.settings import LocalitySettings

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}

ACTORS = {
    department: Actor(f"{department.value}-1", f"{department.value}-officer", department, "officer")
    for department in Department
}


def ctx(on: date, by: str = "civil_affairs", reason: str = "依法办理", legal_basis: str | None = None) -> Context:
    """The circumstances of one command: who (by department), why, and the business date."""
    return Context(ACTORS[Department(by)], reason, on, legal_basis)


class Story:
    """A Supervision service with helpers that arrange a case in a few domain verbs."""

    def __init__(self, app: Supervision) -> None:
        self.app = app
        self._serial = 0

    # -- contexts ---------------------------------------------------------------------------------

    @staticmethod
    def ctx(on: date, by: str = "civil_affairs", reason: str = "依法办理", legal_basis: str | None = None) -> Context:
        return ctx(on, by, reason, legal_basis)

    def next_credit_code(self, kind: str = "social_group") -> str:
        self._serial += 1
        return make_credit_code(kind, "500103", self._serial)

    # -- organizations ----------------------------------------------------------------------------

    def registration_fields(self, **overrides: Any) -> dict[str, Any]:
        self._serial += 1
        kind = overrides.get("kind", "social_group")
        code = overrides.get("credit_code") or make_credit_code(kind, "500103", self._serial)
        fields: dict[str, Any] = dict(
            name=f"重庆市渝中区测试协会{self._serial}",
            kind=kind,
            credit_code=code,
            domicile="渝中区上清寺路1号",
            purpose="服务社区居民",
            business_scope="志愿服务、文体活动",
            legal_representative=Person("张三"),
            funds=Decimal("30000"),
            district="yuzhong",
            street="shangqingsi",
        )
        fields.update(overrides)
        return fields

    def filing_fields(self, **overrides: Any) -> dict[str, Any]:
        self._serial += 1
        fields: dict[str, Any] = dict(
            name=f"春森路社区测试队{self._serial}",
            person_in_charge=Person("李四"),
            district="yuzhong",
            street="shangqingsi",
            community="春森路",
        )
        fields.update(overrides)
        return fields

    def register(self, on: date = date(2020, 3, 1), **overrides: Any) -> str:
        """成立登记 by civil affairs; returns the organization's id."""
        return self.app.register_organization(self.ctx(on), **self.registration_fields(**overrides)).aggregate_id

    def file(self, on: date = date(2020, 3, 1), **overrides: Any) -> str:
        """备案 at the street office; returns the organization's id."""
        return self.app.file_community_organization(
            self.ctx(on, by="street_office"), **self.filing_fields(**overrides)
        ).aggregate_id

    def org(self, organization_id: str) -> Organization:
        return self.app.organization(organization_id)

    # -- funding ----------------------------------------------------------------------------------

    def fund(
        self, organization_id: str, on: date = date(2024, 1, 10), amount: str | Decimal = "200000",
        period_end: date = date(2024, 12, 31),
    ) -> str:
        """政府购买服务: a project awarded by the street; returns the project's id."""
        return self.app.award_funding(
            self.ctx(on, by="finance"), organization_id, purchasing_unit="上清寺街道办事处",
            project_name="社区社工服务项目", amount=Decimal(amount), period_start=on, period_end=period_end,
        ).aggregate_id

    def project(self, project_id: str) -> FundingProject:
        return self.app.funding_project(project_id)

    # -- inspections ------------------------------------------------------------------------------

    def open_inspection(self, organization_id: str, on: date = date(2024, 4, 1), **extra: Any) -> str:
        """立案检查 by two inspectors; returns the case's id."""
        fields: dict[str, Any] = dict(inspectors=["王五", "赵六"], subject="双随机抽查")
        fields.update(extra)
        return self.app.open_inspection(self.ctx(on, by="inspection"), organization_id, **fields).aggregate_id

    def case(self, case_id: str) -> InspectionCase:
        return self.app.inspection_case(case_id)

    def find_problems(self, case_id: str, on: date = date(2024, 4, 2)) -> None:
        self.app.record_inspection_findings(
            self.ctx(on, by="inspection"), case_id, findings="财务账目不全", problems_found=True
        )

    # -- penalties --------------------------------------------------------------------------------

    def penalize(self, organization_id: str, on: date, kind: str = "warning", by: str = "civil_affairs",
                 **extra: Any) -> str:
        """行政处罚; returns the new penalty's id."""
        before = {p.penalty_id for p in self.org(organization_id).penalties}
        self.app.impose_penalty(self.ctx(on, by=by), organization_id, kind=kind, **extra)
        (new,) = [p.penalty_id for p in self.org(organization_id).penalties if p.penalty_id not in before]
        return new

    def event_count(self) -> int:
        return sum(1 for _ in self.app.recorded_events())

    def events_of(self, aggregate_id: str) -> list[Any]:
        return [e for e in self.app.recorded_events() if e.aggregate_id == str(aggregate_id)]


@pytest.fixture
def app() -> Iterator[Supervision]:
    application = Supervision(env=dict(IN_MEMORY))
    yield application
    application.close()


@pytest.fixture
def story(app: Supervision) -> Story:
    return Story(app)


@pytest.fixture
def story_on() -> Iterator[Any]:
    """Stories over services of one's choosing: ``story_on(env, settings)``; closed after the test."""
    opened: list[Supervision] = []

    def build(env: dict[str, str] | None = None, settings: LocalitySettings | None = None) -> Story:
        application = Supervision(env=dict(env or IN_MEMORY), settings=settings)
        opened.append(application)
        return Story(application)

    yield build
    for application in opened:
        application.close()


@pytest.fixture
def story_with(story_on: Any) -> Any:
    """A Story over an in-memory service with other locality settings: ``story_with(LocalitySettings(...))``."""
    return lambda settings: story_on(settings=settings)


@pytest.fixture
def sqlite_env(tmp_path: Any) -> dict[str, str]:
    """A fresh SQLite file, for stories that reopen the store in a new service."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "domain.sqlite")}
