"""For random command sequences, every incrementally maintained view equals its rebuild from the log."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import DomainError
from domain.people import Person
from projections.views.catalog import all_views
from projections.runtime.rebuild import check
from projections.rules.joint import JointSupervisionRules
from projections.runtime.runner import ViewRunner

OFFICERS = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}
STREETS = ["shangqingsi", "hualongqiao"]

# One command: (verb, organization slot 0-3, a small number, days since the previous command).
command = st.tuples(
    st.sampled_from([
        "register", "file", "rename", "report", "inspect", "grade", "award", "disburse", "suspend", "close_project",
        "penalty_tax", "penalty_fine", "abnormal", "abnormal_exit", "serious", "revoke", "cancel_filing",
        "party", "open_case", "findings", "rectify", "overdue", "close_case", "catch_up", "rules",
    ]),
    st.integers(0, 3),
    st.integers(1, 9),
    st.integers(0, 200),
)


class Story:
    def __init__(self, app: Supervision) -> None:
        self.app = app
        self.orgs: list[str] = []
        self.projects: list[str] = []
        self.cases: list[str] = []
        self.day = date(2015, 1, 5)
        self.serial = 0

    def ctx(self, by: Department = Department.CIVIL_AFFAIRS) -> Context:
        return Context(OFFICERS[by], "依法办理", self.day)

    def pick(self, items: list[str], slot: int) -> str | None:
        return items[slot % len(items)] if items else None

    def run(self, verb: str, slot: int, n: int) -> None:
        a, org, project, case = self.app, self.pick(self.orgs, slot), self.pick(self.projects, slot), self.pick(self.cases, slot)
        self.serial += 1
        if verb == "register":
            self.orgs.append(a.register_organization(
                self.ctx(), name=f"协会{self.serial}", kind="social_group",
                credit_code=make_credit_code("social_group", "500103", self.serial), domicile="上清寺路", purpose="公益",
                business_scope="服务", legal_representative=Person("王五", "500103198001011234"), funds=Decimal("30000"),
                district="yuzhong", street=STREETS[slot % 2], community="学田湾").aggregate_id)
        elif verb == "file":
            self.orgs.append(a.file_community_organization(
                self.ctx(Department.STREET_OFFICE), name=f"队{self.serial}", person_in_charge=Person("赵六"),
                district="yuzhong", street=STREETS[slot % 2], category="文体娱乐").aggregate_id)
        elif org is None:
            return
        elif verb == "rename":
            if a.organization(org).credit_code:
                a.change_registration(self.ctx(), org, name=f"新名{self.serial}")
            else:
                a.change_filing(self.ctx(Department.STREET_OFFICE), org, name=f"新名{self.serial}")
        elif verb == "report":
            a.submit_annual_report(self.ctx(), org, year=self.day.year - 1)
        elif verb == "inspect":
            a.conclude_annual_inspection(self.ctx(), org, year=self.day.year - 1, result=["qualified", "basically_qualified", "unqualified"][n % 3])
        elif verb == "grade":
            a.award_grade(self.ctx(), org, score=500 + n * 50)
        elif verb == "award":
            self.projects.append(a.award_funding(
                self.ctx(Department.FINANCE), org, purchasing_unit="街道", project_name=f"项目{self.serial}",
                amount=Decimal(n * 10000), period_start=self.day, period_end=self.day + timedelta(days=300)).aggregate_id)
        elif verb == "disburse" and project:
            a.disburse_funding(self.ctx(Department.FINANCE), project, amount=Decimal(n * 1000) + Decimal("0.01"))
        elif verb == "suspend" and project:
            a.suspend_funding(self.ctx(Department.FINANCE), project)
        elif verb == "close_project" and project:
            a.close_funding_project(self.ctx(Department.FINANCE), project, evaluation="合格")
        elif verb == "penalty_tax":
            a.impose_penalty(self.ctx(Department.TAX), org, kind="warning")
        elif verb == "penalty_fine":
            a.impose_penalty(self.ctx(), org, kind="fine", amount=Decimal(n * 10000))
        elif verb == "abnormal":
            a.add_to_abnormal_list(self.ctx(), org, ground="unreachable_at_domicile" if n % 2 else "warning_or_small_fine")
        elif verb == "abnormal_exit":
            a.remove_from_abnormal_list(self.ctx(), org, verified_on=self.day)
        elif verb == "serious":
            a.add_to_serious_list(self.ctx(), org, ground="court_dishonest_debtor")
        elif verb == "revoke":
            a.revoke_registration(self.ctx(), org, ground="fraud")
        elif verb == "cancel_filing":
            a.cancel_filing(self.ctx(Department.STREET_OFFICE), org)
        elif verb == "party":
            a.count_party_members(self.ctx(Department.PARTY_BUILDING), org, members=n)
        elif verb == "open_case":
            self.cases.append(a.open_inspection(self.ctx(Department.INSPECTION), org, inspectors=["甲", "乙"],
                                                subject="抽查").aggregate_id)
        elif verb == "findings" and case:
            a.record_inspection_findings(self.ctx(Department.INSPECTION), case, findings="问题", problems_found=True)
        elif verb == "rectify" and case:
            a.order_rectification(self.ctx(Department.INSPECTION), case, requirements="整改",
                                  deadline=self.day + timedelta(days=n * 10))
        elif verb == "overdue" and case:
            a.record_rectification_overdue(self.ctx(Department.INSPECTION), case)
        elif verb == "close_case" and case:
            a.close_inspection(self.ctx(Department.INSPECTION), case, conclusion="结案")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=1, max_size=40))
def test_every_view_maintained_step_by_step_equals_its_rebuild(commands):
    with tempfile.TemporaryDirectory() as folder:
        app = Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": str(Path(folder) / "events.sqlite")})
        views = all_views()
        runner = ViewRunner(app, views, batch_size=7)  # small batches: many boundaries
        rules = JointSupervisionRules(app, batch_size=5)
        story = Story(app)
        for verb, slot, n, days in commands:
            story.day += timedelta(days=days)
            if verb == "catch_up":
                runner.catch_up()
            elif verb == "rules":
                rules.catch_up()
            else:
                try:
                    story.run(verb, slot, n)
                except DomainError:
                    pass  # refused commands are part of the story: they must leave no trace
        rules.catch_up()
        runner.catch_up()
        for view in views:
            result = check(app, view)
            assert result.differences == [], "\n".join(str(d) for d in result.differences[:5])
            assert result.position == app.head_position()
        app.close()
