"""The demo loader: what a user of the demo sees in 上清寺 and 化龙桥, stored in an SQLite file."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.organization import Organization, OrgStatus
from domain.people import Person
from domain.sampling import SampleDraw
from gateway.demo import DemoAlreadyLoaded, DemoSummary, StoreNotEmpty, load_demo
from gateway.demo_data import HUB_NAME, MINYUE_NAME


def sqlite_app(path: Path) -> Supervision:
    return Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "demo.sqlite"


@pytest.fixture(scope="module")
def loaded(store: Path) -> tuple[Supervision, DemoSummary]:
    app = sqlite_app(store)
    return app, load_demo(app)


@pytest.fixture(scope="module")
def app(loaded: tuple[Supervision, DemoSummary]) -> Supervision:
    return loaded[0]


@pytest.fixture(scope="module")
def orgs(app: Supervision) -> list[Organization]:
    return [app.organization(i) for i in app.organization_ids()]


def in_street(orgs: list[Organization], street: str) -> list[Organization]:
    return [o for o in orgs if o.street == street]


def test_shangqingsi_has_its_74_organizations(orgs: list[Organization]) -> None:
    shangqingsi = in_street(orgs, "shangqingsi")
    assert len(shangqingsi) == 74
    assert Counter(o.status for o in shangqingsi) == {OrgStatus.REGISTERED: 6, OrgStatus.FILED: 68}
    roles = Counter(o.role for o in shangqingsi)
    assert roles["hub"] == 1 and roles["social_work_agency"] >= 1
    assert roles["community_social_work_room"] == 7
    assert {"上清寺路", "学田湾", "春森路", "曾家岩"} <= {o.community for o in shangqingsi}
    assert len({o.category for o in shangqingsi}) >= 10  # "十余个类别"


def test_hualongqiao_has_some_organizations_and_their_ends(orgs: list[Organization]) -> None:
    statuses = Counter(o.status for o in in_street(orgs, "hualongqiao"))
    assert sum(statuses.values()) == 10
    assert statuses[OrgStatus.REGISTERED] == 2
    assert statuses[OrgStatus.DEREGISTERED] == 1
    assert statuses[OrgStatus.FILING_CANCELLED] == 1


def test_the_hub_history_runs_from_its_founding_in_2014_to_this_year(app: Supervision) -> None:
    hub = app.find_organization(HUB_NAME)
    assert hub.kind == "social_group" and hub.role == "hub" and hub.registered_on == date(2014, 10, 20)
    history = app.history(hub.id)
    occurred = [e.ctx.occurred_on for e in history if e.ctx]
    assert min(occurred).year == 2014 and max(occurred).year == 2026
    recorded = [e.recorded_at for e in history]
    assert recorded == sorted(recorded)
    assert recorded[0].year == 2014 and recorded[-1].year == 2026
    for event in history:
        assert event.ctx is not None and event.recorded_at.date() == event.ctx.occurred_on
    types = Counter(e.type for e in history)
    assert types["Organization.GradeAwarded"] == 2 and hub.grade == 5
    assert types["FundingProject.Awarded"] == 5  # the hub's five social-work projects
    assert hub.party_organization_name == "致远促进会党支部" and hub.party_instructor


def test_minyue_is_funded_nearly_200000_yuan_this_year(app: Supervision) -> None:
    minyue = app.find_organization(MINYUE_NAME)
    awards = [e for e in app.history(minyue.id) if e.type == "FundingProject.Awarded"]
    this_year = [app.funding_project(e.aggregate_id) for e in awards if e.data["period_start"].year == 2026]
    assert len(this_year) == 1
    project = this_year[0]
    assert isinstance(project.amount, Decimal) and Decimal("190000") < project.amount < Decimal("200000")
    assert project.purchasing_unit == "重庆市渝中区人民政府上清寺街道办事处"
    assert Decimal(0) < project.disbursed < project.amount  # paid in tranches, the rest after evaluation
    assert minyue.domicile == "重庆市渝中区中山四路36号"  # after its change of domicile


def test_the_social_work_rooms_carry_24_projects_of_about_200000_a_year(
    app: Supervision, orgs: list[Organization]
) -> None:
    rooms = {str(o.id) for o in orgs if o.role == "community_social_work_room" and o.street == "shangqingsi"}
    projects = [
        app.funding_project(e.aggregate_id)
        for e in app.recorded_events()
        if e.type == "FundingProject.Awarded" and str(e.data["organization_id"]) in rooms
    ]
    assert len(projects) == 24
    by_year = Counter()
    for p in projects:
        by_year[p.period_start.year] += p.amount
    assert set(by_year) == set(range(2020, 2027))
    assert all(Decimal("190000") <= total <= Decimal("220000") for total in by_year.values())
    assert sum(p.status == "closed" for p in projects) == 21  # all but this year's


def test_eight_organizations_in_shangqingsi_have_party_organizations(orgs: list[Organization]) -> None:
    with_party = [o for o in in_street(orgs, "shangqingsi") if o.party_organization]
    assert len(with_party) == 8
    assert 20 <= sum(o.party_members for o in with_party) < 30  # "在册党员20余名"
    assert Counter(o.party_organization for o in with_party)["attached"] >= 1


def test_credit_list_cases_are_visible(app: Supervision) -> None:
    drummers = app.find_organization("春森腰鼓队")
    assert drummers.on_abnormal_list
    assert drummers.abnormal_listing is not None
    assert drummers.abnormal_listing.grounds == ["rectification_overdue"]
    property_centre = app.find_organization("上清寺路自治物业中心")
    assert not property_centre.on_abnormal_list
    history = [e for e in app.history(property_centre.id) if "AbnormalList" in e.type]
    assert [e.type for e in history] == ["Organization.AddedToAbnormalList", "Organization.RemovedFromAbnormalList"]
    assert history[0].data["ground"] == "annual_report_missing"
    assert history[1].data["how"] == "on_request" and history[1].data["verified_on"] is not None
    warned = app.find_organization("重庆市渝中区化龙桥睦邻社会工作服务中心")
    assert [p.department for p in warned.penalties] == ["market_regulation"]


def test_the_random_sample_is_recorded_and_reproducible(app: Supervision) -> None:
    draw = app.sample_draw(SampleDraw.create_id(2025, "shangqingsi"))
    assert draw.seed and draw.rerun() == draw.drawn and len(draw.drawn) >= 3
    cases = [
        app.inspection_case(e.aggregate_id)
        for e in app.recorded_events()
        if e.type == "InspectionCase.Opened" and e.data["sample_draw_id"] == draw.id
    ]
    assert {str(c.organization_id) for c in cases} == set(draw.drawn)
    assert all(len(c.inspectors) >= 2 and not c.is_open for c in cases)
    assert any(c.rectification == "confirmed" for c in cases)


def test_the_summary_counts_what_was_recorded(loaded: tuple[Supervision, DemoSummary]) -> None:
    app, summary = loaded
    assert summary.organizations == len(app.organization_ids()) == 84
    assert summary.by_street["shangqingsi"] == {"filed": 68, "registered": 6}
    assert summary.events == app.recorder.max_notification_id()
    assert summary.funding_projects >= 24 and summary.inspection_cases >= 4
    assert summary.on_abnormal_list == ["春森腰鼓队"]
    assert summary.lines()


def test_loading_twice_is_refused(app: Supervision) -> None:
    before = app.recorder.max_notification_id()
    with pytest.raises(DemoAlreadyLoaded):
        load_demo(app)
    assert app.recorder.max_notification_id() == before


def test_a_store_holding_other_organizations_is_refused() -> None:
    app = Supervision()
    officer = Actor("sqs-li", "sqs-li", Department.STREET_OFFICE, "officer")
    app.file_community_organization(
        Context(officer, "备案", date(2020, 1, 6)), name="某社区合唱团", person_in_charge=Person("王芳"),
        district="yuzhong", street="shangqingsi",
    )
    with pytest.raises(StoreNotEmpty):
        load_demo(app)


def test_a_new_service_on_the_same_file_finds_the_same_data(app: Supervision, store: Path) -> None:
    reopened = sqlite_app(store)
    assert reopened.organization_ids() == app.organization_ids()
    hub = reopened.find_organization(HUB_NAME)
    assert hub.grade == app.find_organization(HUB_NAME).grade == 5
    assert len(reopened.history(hub.id)) == len(app.history(hub.id))
