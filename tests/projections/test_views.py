"""Each department's view shows what that department may see, and a view kept up event by event equals
the same view rebuilt from the whole log, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.people import Person
from projections.views.catalog import ALL_VIEWS, all_views, view_by_name
from projections.runtime.db import ViewDatabase
from projections.views.finance import FinanceLedger
from projections.views.inspection_board import InspectionBoard
from projections.views.partners import PartnersView
from projections.views.party_building import PartyBuildingView
from projections.views.public_disclosure import PublicDisclosure
from projections.runtime.runner import ViewRunner
from projections.views.street_office import StreetOfficeView

ACTORS = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}

# Personal data that only civil affairs, the own street and audit may see.
HUB_REP = Person("钱代表", "500103198001011234", "13800138000")
MINYUE_REP = Person("孙代表", "50010319850202123X", "13900139000")
DRUM_HEAD = Person("周负责", "500103197003031111", "023-63800000")
HLQ_REP = Person("吴代表", "500103196004041222", "13700137000")
PERSONAL = [value for person in (HUB_REP, MINYUE_REP, DRUM_HEAD, HLQ_REP)
            for value in (person.name, person.id_number, person.phone)]

SQS, HLQ = "shangqingsi", "hualongqiao"
HUB = "重庆市渝中区上清寺致远社会公益事业发展促进会"
MINYUE = "重庆市民悦社会工作服务中心"
MINYUE_RENAMED = "重庆市渝中区民悦社会工作服务中心"


def ctx(on: date, by: Department = Department.CIVIL_AFFAIRS, reason: str = "依法办理") -> Context:
    return Context(ACTORS[by], reason, on, "渝中民发〔2025〕12号")


@dataclass
class Ids:
    org: dict[str, str] = field(default_factory=dict)
    project: dict[str, str] = field(default_factory=dict)
    case: dict[str, str] = field(default_factory=dict)
    penalty: dict[str, str] = field(default_factory=dict)
    draw: str = ""


def tell_story(app: Supervision, after: Callable[[], None] = lambda: None) -> Ids:
    """上清寺 and 化龙桥 from 2014 to 2025, calling ``after`` after every command."""
    ids = Ids()
    street, fin, insp, party = (Department.STREET_OFFICE, Department.FINANCE, Department.INSPECTION,
                                Department.PARTY_BUILDING)

    def run(result: Any) -> str:
        after()
        return result.aggregate_id

    def register(key: str, on: date, name: str, kind: str, serial: int, rep: Person, st: str,
                 **extra: Any) -> None:
        ids.org[key] = run(app.register_organization(
            ctx(on), name=name, kind=kind, credit_code=make_credit_code(kind, "500103", serial),
            domicile="渝中区人民路1号", purpose="服务社区", business_scope="社会服务", legal_representative=rep,
            funds=Decimal("30000"), district="yuzhong", street=st, **extra))

    def file(key: str, on: date, name: str, head: Person, st: str, community: str, category: str) -> None:
        ids.org[key] = run(app.file_community_organization(
            ctx(on, street), name=name, person_in_charge=head, district="yuzhong", street=st, community=community,
            category=category))

    register("hub", date(2014, 10, 15), HUB, "social_group", 1, HUB_REP, SQS, community="上清寺路",
             category="枢纽型")
    register("minyue", date(2019, 5, 1), MINYUE, "private_non_enterprise", 2, MINYUE_REP, SQS, community="学田湾",
             category="专业社工")
    file("drums", date(2016, 3, 1), "春森腰鼓队", DRUM_HEAD, SQS, "春森路", "文体娱乐")
    file("taiji", date(2017, 4, 1), "曾家岩太极拳剑队", Person("郑负责"), SQS, "曾家岩", "文体娱乐")
    register("hlq", date(2018, 6, 1), "重庆市渝中区化龙桥志愿者协会", "social_group", 3, HLQ_REP, HLQ,
             category="志愿服务")
    run(app.cancel_filing(ctx(date(2023, 1, 5), street), ids.org["taiji"]))

    # Party building: the hub's own branch, 民悦 attached to it, the drum team with members but no organization.
    run(app.count_party_members(ctx(date(2015, 1, 10), party), ids.org["hub"], members=5))
    run(app.set_up_party_organization(ctx(date(2015, 2, 1), party), ids.org["hub"], form="single",
                                      name="致远党支部"))
    run(app.count_party_members(ctx(date(2020, 1, 10), party), ids.org["minyue"], members=2))
    run(app.set_up_party_organization(ctx(date(2020, 2, 1), party), ids.org["minyue"], form="attached",
                                      name="致远党支部（民悦）", host_organization_id=ids.org["hub"]))
    run(app.appoint_party_instructor(ctx(date(2020, 3, 1), party), ids.org["minyue"], name="刘指导"))
    run(app.count_party_members(ctx(date(2021, 1, 10), party), ids.org["drums"], members=3))

    # Funding: one 2024 project paid across the year end, two 2025 projects, one in the other street.
    def award(key: str, org: str, on: date, amount: str, name: str) -> None:
        ids.project[key] = run(app.award_funding(
            ctx(on, fin), ids.org[org], purchasing_unit="上清寺街道办事处", project_name=name, amount=Decimal(amount),
            period_start=on, period_end=date(on.year, 12, 31)))

    def pay(key: str, on: date, amount: str) -> None:
        run(app.disburse_funding(ctx(on, fin), ids.project[key], amount=Decimal(amount)))

    award("p2024", "minyue", date(2024, 3, 1), "50000.00", "2024年社区社工服务项目")
    pay("p2024", date(2024, 4, 1), "30000.00")
    pay("p2024", date(2025, 2, 1), "10000.05")
    run(app.close_funding_project(ctx(date(2025, 3, 31), fin), ids.project["p2024"], evaluation="良好", score=88))
    award("p2025", "minyue", date(2025, 1, 10), "199999.99", "2025年社区社工服务项目")
    award("small", "hub", date(2025, 2, 1), "0.10", "邻里互助小额项目")
    award("hlq", "hlq", date(2025, 2, 1), "8888.88", "化龙桥志愿服务项目")
    pay("p2025", date(2025, 2, 15), "80000.10")
    pay("p2025", date(2025, 5, 15), "20000.20")
    pay("small", date(2025, 2, 2), "0.10")
    pay("hlq", date(2025, 3, 1), "1000.00")
    run(app.claw_back_funds(ctx(date(2025, 6, 1), fin), ids.project["small"], amount=Decimal("0.05")))
    run(app.suspend_funding(ctx(date(2025, 6, 2), fin), ids.project["p2025"]))
    run(app.resume_funding(ctx(date(2025, 6, 20), fin), ids.project["p2025"]))
    run(app.change_registration(ctx(date(2025, 7, 1)), ids.org["minyue"], name=MINYUE_RENAMED))

    # Inspection: the year's sample, an overdue rectification at the hub, one pending at 民悦, a clean case.
    ids.draw = run(app.draw_inspection_sample(
        ctx(date(2025, 2, 20), insp), year=2025, jurisdiction=SQS, seed="2025-上清寺",
        population=[ids.org[k] for k in ("hub", "minyue", "drums")], ratio=Decimal("0.34")))
    drawn = app.sample_draw(ids.draw).drawn

    def open_case(key: str, org: str, on: date, **extra: Any) -> None:
        ids.case[key] = run(app.open_inspection(ctx(on, insp), ids.org[org], inspectors=["赵明", "孙丽"],
                                                subject="双随机抽查", **extra))

    def problems(key: str, on: date, by: Department = insp, text: str = "财务账目不全") -> None:
        run(app.record_inspection_findings(ctx(on, by), ids.case[key], findings=text, problems_found=True))

    open_case("hub", "hub", date(2025, 3, 1))
    problems("hub", date(2025, 3, 2))
    run(app.order_rectification(ctx(date(2025, 3, 3), insp), ids.case["hub"], requirements="补齐账目",
                                deadline=date(2025, 4, 1)))
    run(app.record_rectification_overdue(ctx(date(2025, 4, 5), insp), ids.case["hub"]))
    run(app.add_to_abnormal_list(ctx(date(2025, 4, 10)), ids.org["hub"], ground="rectification_overdue"))
    run(app.impose_penalty(ctx(date(2025, 4, 12)), ids.org["hub"], kind="warning", case_id=ids.case["hub"]))
    open_case("minyue", "minyue", date(2025, 5, 1))
    problems("minyue", date(2025, 5, 2), by=Department.TAX, text="发票使用不规范")
    problems("minyue", date(2025, 5, 3))
    run(app.order_rectification(ctx(date(2025, 5, 4), insp), ids.case["minyue"], requirements="规范票据",
                                deadline=date(2025, 6, 30)))
    drawn_key = next(k for k in ("hub", "minyue", "drums") if ids.org[k] in drawn)
    open_case("sample", drawn_key, date(2025, 3, 5), sample_draw_id=ids.draw)
    run(app.record_inspection_findings(ctx(date(2025, 3, 6), insp), ids.case["sample"], findings="未见问题",
                                       problems_found=False))
    run(app.close_inspection(ctx(date(2025, 3, 7), insp), ids.case["sample"], conclusion="结案"))
    open_case("hlq", "hlq", date(2025, 3, 1))
    problems("hlq", date(2025, 3, 2))
    run(app.order_rectification(ctx(date(2025, 3, 3), insp), ids.case["hlq"], requirements="整改",
                                deadline=date(2025, 3, 20)))

    # Penalties by partner departments.
    run(app.impose_penalty(ctx(date(2025, 5, 20), Department.TAX), ids.org["hub"], kind="fine",
                           amount=Decimal("1000.50")))
    run(app.impose_penalty(ctx(date(2025, 5, 21), Department.MARKET_REGULATION), ids.org["hlq"], kind="warning"))
    for org in ("hub", "hlq"):
        for penalty in app.organization(ids.org[org]).penalties:
            ids.penalty[f"{org}:{penalty.department}"] = penalty.penalty_id
    run(app.record_penalty_executed(ctx(date(2025, 6, 1)), ids.org["hub"], penalty_id=ids.penalty["hub:tax"]))
    return ids


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Supervision, ViewRunner, Ids]]:
    path: Path = tmp_path_factory.mktemp("views") / "x.sqlite"
    app = Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    ids = tell_story(app)
    runner = ViewRunner(app, all_views())
    runner.catch_up()
    yield app, runner, ids
    app.close()


def read(runner: ViewRunner, view_class: type, method: str, *args: Any, **kwargs: Any) -> Any:
    view = next(v for v in runner.views if isinstance(v, view_class))
    with runner.db.transaction(commit=False) as tx:
        return getattr(view, method)(tx, *args, **kwargs)


def dump(runner: ViewRunner, view_class: type) -> dict[str, list[dict[str, Any]]]:
    return read(runner, view_class, "dump")


def by(rows: list[dict[str, Any]], column: str) -> dict[Any, dict[str, Any]]:
    return {row[column]: row for row in rows}


# -- the catalogue -------------------------------------------------------------------------------------


def test_the_catalogue_names_every_view_once() -> None:
    names = [view.name for view in all_views()]
    assert names == [cls.name for cls in ALL_VIEWS]
    assert len(set(names)) == len(names)
    assert {"civil_affairs_registry", "street_office", "finance_ledger", "inspection_board", "party_building",
            "partners", "public_disclosure"} <= set(names)
    assert view_by_name("finance_ledger", prefix="scratch_").t("projects") == "scratch_finance_ledger__projects"
    with pytest.raises(KeyError, match="street_office"):
        view_by_name("alerts")
    for view in all_views():
        assert view.title and set(view.keys) == set(view.tables), view.name
        for columns in view.tables.values():
            declared = [part.split() for part in columns.split(",")]
            types = {words[1] for words in declared if len(words) > 1 and words[0] != "PRIMARY"}
            assert types <= {"TEXT", "BIGINT"}, (view.name, types)


# -- the street office ---------------------------------------------------------------------------------


def test_the_street_overview_counts_only_its_own_street(told: Any) -> None:
    _, runner, ids = told
    overview = read(runner, StreetOfficeView, "overview", SQS, 2025, today=date(2025, 7, 15))

    assert overview["organizations"] == 3  # the cancelled filing and 化龙桥's association are not counted
    assert overview["by_kind"] == {"community": 1, "private_non_enterprise": 1, "social_group": 1}
    # Every breakdown counts the figure's organizations; the cancelled filing is counted apart.
    assert overview["by_status"] == {"filed": 1, "registered": 2}
    assert (overview["ended"], overview["by_ended_status"]) == (1, {"filing_cancelled": 1})
    assert overview["by_category"] == {"专业社工": 1, "文体娱乐": 1, "枢纽型": 1}
    assert overview["by_community"] == {"上清寺路": 1, "学田湾": 1, "春森路": 1}
    assert overview["party"] == {"active_organizations": 3, "with_party_organization": 2, "party_members": 10,
                                 "coverage": Decimal("0.6667")}
    # Awarded in 2025: 199999.99 + 0.10; moved in 2025: 10000.05 (the 2024 project) + 80000.10 + 20000.20 + 0.10.
    assert overview["funding"] == {"projects_awarded": 2, "awarded": Decimal("200000.09"),
                                   "disbursed": Decimal("110000.45"), "clawed_back": Decimal("0.05")}
    assert overview["open_inspections"] == 2
    assert overview["overdue_rectifications"] == 2  # hub: found overdue; 民悦: deadline 06-30 passed
    assert [row["org_id"] for row in overview["credit_listed"]] == [ids.org["hub"]]

    earlier = read(runner, StreetOfficeView, "overview", SQS, 2025, today=date(2025, 6, 1))
    assert earlier["overdue_rectifications"] == 1
    other = read(runner, StreetOfficeView, "overview", HLQ, 2025, today=date(2025, 7, 15))
    assert (other["organizations"], other["overdue_rectifications"], other["funding"]["awarded"]) == (
        1, 1, Decimal("8888.88"))
    assert other["credit_listed"] == []


def test_the_street_sees_personal_data_funding_and_penalties_of_its_organizations(told: Any) -> None:
    _, runner, ids = told
    tables = dump(runner, StreetOfficeView)

    hub = by(tables["organizations"], "org_id")[ids.org["hub"]]
    assert (hub["representative_name"], hub["representative_id_number"], hub["representative_phone"]) == (
        HUB_REP.name, HUB_REP.id_number, HUB_REP.phone)
    projects = by(tables["funding"], "project_id")
    assert {k: projects[ids.project["p2025"]][k] for k in ("street", "amount_fen", "disbursed_fen", "status", "year")} \
        == {"street": SQS, "amount_fen": 19999999, "disbursed_fen": 10000030, "status": "active", "year": 2025}
    assert projects[ids.project["hlq"]]["street"] == HLQ
    assert {row["department"] for row in tables["penalties"] if row["street"] == SQS} == {"civil_affairs", "tax"}
    cases = by(tables["inspections"], "case_id")
    assert (cases[ids.case["hub"]]["rectification"], cases[ids.case["hub"]]["status"]) == ("overdue", "open")
    assert cases[ids.case["sample"]]["status"] == "closed"


# -- finance -------------------------------------------------------------------------------------------


def test_the_finance_ledger_follows_every_money_event_and_renames(told: Any) -> None:
    _, runner, ids = told
    tables = dump(runner, FinanceLedger)
    projects = by(tables["projects"], "project_id")

    assert {p["org_name"] for p in projects.values() if p["org_id"] == ids.org["minyue"]} == {MINYUE_RENAMED}
    closed = projects[ids.project["p2024"]]
    assert (closed["status"], closed["closed_on"], closed["disbursed_fen"]) == ("closed", "2025-03-31", 4000005)
    assert projects[ids.project["p2025"]]["closed_on"] is None
    small = projects[ids.project["small"]]
    assert (small["amount_fen"], small["disbursed_fen"], small["clawed_back_fen"]) == (10, 10, 5)

    entries = [(e["kind"], e["amount_fen"], e["occurred_on"]) for e in tables["entries"]
               if e["project_id"] == ids.project["p2025"]]
    assert entries == [("awarded", 19999999, "2025-01-10"), ("disbursed", 8000010, "2025-02-15"),
                       ("disbursed", 2000020, "2025-05-15"), ("suspended", None, "2025-06-02"),
                       ("resumed", None, "2025-06-20")]
    assert [e["kind"] for e in tables["entries"] if e["project_id"] == ids.project["p2024"]][-1] == "closed"
    assert all("representative_id_number" not in row for row in tables["organizations"])

    totals = by(read(runner, FinanceLedger, "totals_by_organization"), "org_id")
    minyue = totals[ids.org["minyue"]]
    assert minyue == {"org_id": ids.org["minyue"], "org_name": MINYUE_RENAMED, "projects": 2,
                      "awarded": Decimal("249999.99"), "disbursed": Decimal("140000.35"),
                      "clawed_back": Decimal("0.00"), "net_disbursed": Decimal("140000.35")}
    assert totals[ids.org["hub"]]["net_disbursed"] == Decimal("0.05")
    assert ids.org["drums"] not in totals


# -- inspection ----------------------------------------------------------------------------------------


def test_the_inspection_board_shows_cases_and_the_reproducible_draw(told: Any) -> None:
    app, runner, ids = told
    tables = dump(runner, InspectionBoard)
    cases = by(tables["cases"], "case_id")

    hub = cases[ids.case["hub"]]
    assert {k: hub[k] for k in ("org_name", "street", "inspectors", "problems_found", "rectification", "deadline",
                                "penalties", "closed_on", "sample_draw_id")} == {
        "org_name": HUB, "street": SQS, "inspectors": "孙丽, 赵明", "problems_found": 1,
        "rectification": "overdue", "deadline": "2025-04-01", "penalties": 1, "closed_on": None,
        "sample_draw_id": None}
    assert cases[ids.case["minyue"]]["org_name"] == MINYUE_RENAMED  # renamed after the case opened
    assert cases[ids.case["minyue"]]["findings"] == 2
    assert (cases[ids.case["sample"]]["closed_on"], cases[ids.case["sample"]]["sample_draw_id"]) == (
        "2025-03-07", ids.draw)

    (draw,) = tables["sample_draws"]
    recorded = app.sample_draw(ids.draw)
    assert draw == {"draw_id": ids.draw, "year": 2025, "jurisdiction": SQS, "ratio": "0.34", "seed": "2025-上清寺",
                    "population_size": 3, "drawn_size": 2, "drawn": ",".join(recorded.drawn),
                    "drawn_on": "2025-02-20"}
    assert [c["case_id"] for c in read(runner, InspectionBoard, "open_cases", SQS)] == [ids.case["hub"],
                                                                                        ids.case["minyue"]]


# -- party building ------------------------------------------------------------------------------------


def test_party_building_shows_forms_hosts_instructors_and_gaps(told: Any) -> None:
    _, runner, ids = told
    orgs = by(dump(runner, PartyBuildingView)["organizations"], "org_id")

    minyue = orgs[ids.org["minyue"]]
    assert (minyue["party_organization"], minyue["host_organization_id"], minyue["instructor"],
            minyue["party_organization_set_up_on"]) == ("attached", ids.org["hub"], "刘指导", "2020-02-01")
    assert orgs[ids.org["hub"]]["party_organization_name"] == "致远党支部"

    coverage = read(runner, PartyBuildingView, "coverage", SQS)
    assert {k: coverage[k] for k in ("active_organizations", "with_party_organization", "coverage", "by_form",
                                     "party_members", "with_instructor")} == {
        "active_organizations": 3, "with_party_organization": 2, "coverage": Decimal("0.6667"),
        "by_form": {"attached": 1, "single": 1}, "party_members": 10, "with_instructor": 1}
    assert [o["name"] for o in coverage["needing_party_organization"]] == ["春森腰鼓队"]
    district = read(runner, PartyBuildingView, "coverage")
    assert (district["active_organizations"], district["with_party_organization"]) == (4, 2)


# -- partners ------------------------------------------------------------------------------------------


def test_partners_see_credit_status_and_penalties_with_their_department(told: Any) -> None:
    _, runner, ids = told
    tables = dump(runner, PartnersView)

    hub = by(tables["organizations"], "org_id")[ids.org["hub"]]
    assert (hub["on_abnormal_list"], hub["abnormal_listed_on"], hub["credit_code"]) == (
        1, "2025-04-10", make_credit_code("social_group", "500103", 1))
    assert not {"under_investigation", "representative_name", "representative_id_number"} & set(hub)
    penalties = by(tables["penalties"], "penalty_id")
    assert {(p["department"], p["kind"], p["amount_fen"], p["executed"]) for p in penalties.values()} == {
        ("civil_affairs", "warning", None, 0), ("tax", "fine", 100050, 1), ("market_regulation", "warning", None, 0)}

    tax = read(runner, PartnersView, "own_records", "tax")
    assert [p["penalty_id"] for p in tax["penalties"]] == [ids.penalty["hub:tax"]]
    assert [(f["case_id"], f["findings"]) for f in tax["findings"]] == [(ids.case["minyue"], "发票使用不规范")]
    # The inspection department's findings are not the partners' business.
    assert all(f["department"] != "inspection" for f in tables["findings"])
    assert read(runner, PartnersView, "own_records", "market_regulation")["findings"] == []


# -- the public ----------------------------------------------------------------------------------------


def test_the_public_disclosure_holds_public_fields_only(told: Any) -> None:
    _, runner, ids = told
    tables = dump(runner, PublicDisclosure)

    cells = [str(value) for rows in tables.values() for row in rows for value in row.values()]
    columns = {column for rows in tables.values() for row in rows for column in row}
    for secret in PERSONAL:
        assert all(secret not in cell for cell in cells), secret
    assert not {c for c in columns if "representative" in c or "phone" in c or "id_number" in c}
    assert not any(c in {"domicile", "funds_fen", "under_investigation", "party_members"} for c in columns)

    hub = by(tables["organizations"], "org_id")[ids.org["hub"]]
    assert (hub["name"], hub["status"], hub["on_abnormal_list"], hub["abnormal_listed_on"]) == (
        HUB, "registered", 1, "2025-04-10")
    assert {(p["kind"], p["amount_fen"], p["department"], p["imposed_on"]) for p in tables["penalties"]
            if p["org_id"] == ids.org["hub"]} == {("warning", None, "civil_affairs", "2025-04-12"),
                                                  ("fine", 100050, "tax", "2025-05-20")}
    # Each listing: its ground in words, date, deciding authority and legal basis (民政部令第60号).
    assert [(entry["list"], entry["ground_words"], entry["listed_on"], entry["authority"], entry["legal_basis"])
            for entry in tables["listings"] if entry["org_id"] == ids.org["hub"]] == [
        ("abnormal", "未按期完成整改", "2025-04-10", "区民政局", "《社会组织信用信息管理办法》第十条第（三）项"),
        ("abnormal", "受到警告或者不满5万元罚款处罚", "2025-04-12", "区民政局",
         "《社会组织信用信息管理办法》第十条第（五）项")]
    assert set(tables["projects"][0]) == {"project_id", "org_id", "project_name"}
    assert sorted(p["project_name"] for p in tables["projects"] if p["org_id"] == ids.org["minyue"]) == [
        "2024年社区社工服务项目", "2025年社区社工服务项目"]


# -- kept up event by event, or rebuilt: the same rows, on both stores ---------------------------------


def test_incremental_catch_up_equals_a_fresh_rebuild(make_app: Callable[..., Supervision]) -> None:
    app = make_app()
    live = ViewRunner(app, all_views())
    ids = tell_story(app, after=live.catch_up)
    small_batches = ViewRunner(app, all_views(prefix="batch_"), batch_size=3)
    small_batches.catch_up()
    # A worker restarted before every batch holds no aggregate state: names and streets come from its rows.
    restarted = ViewRunner(app, all_views(prefix="restart_"), batch_size=2)
    for until in range(2, app.head_position() + 2, 2):
        restarted.states.clear()
        restarted.catch_up(until=until)
    rebuilt = ViewRunner(make_app(), all_views(prefix="scratch_"))  # a second process on the same store
    assert rebuilt.catch_up() > 0

    differing = []
    with ViewDatabase(app).transaction(commit=False) as tx:
        for view, batched, again, fresh in zip(live.views, small_batches.views, restarted.views, rebuilt.views,
                                               strict=True):
            expected = fresh.dump(tx)
            assert any(expected.values()), f"{view.name} is empty"
            differing += [f"{kept.tracking_name}.{table}" for kept in (view, batched, again)
                          for table, rows in kept.dump(tx).items() if rows != expected[table]]
            if "organizations" in expected:
                assert ids.org["hub"] in {row["org_id"] for row in expected["organizations"]}, view.name
    assert differing == []
    assert answers(live.views, db=live.db) == answers(rebuilt.views, db=rebuilt.db)
    street = answers(live.views, db=live.db)["street_office"]
    assert (street["funding"]["awarded"], street["funding"]["disbursed"], street["party"]["coverage"]) == (
        Decimal("200000.09"), Decimal("110000.45"), Decimal("0.6667"))


def answers(views: list[Any], db: ViewDatabase) -> dict[str, Any]:
    """What each view answers at read time (sums come back as int on SQLite, Decimal on PostgreSQL)."""
    asked = {
        "street_office": lambda v, tx: v.overview(tx, SQS, 2025, today=date(2025, 7, 15)),
        "finance_ledger": lambda v, tx: v.totals_by_organization(tx),
        "inspection_board": lambda v, tx: v.open_cases(tx, SQS),
        "party_building": lambda v, tx: v.coverage(tx, SQS),
        "partners": lambda v, tx: v.own_records(tx, "tax"),
    }
    with db.transaction(commit=False) as tx:
        return {v.name: asked[v.name](v, tx) for v in views if v.name in asked}
