"""Every text a command takes refuses control characters (and, in one-line values, bidirectional overrides):
the command is refused with InvalidInput (BAD_USER_INPUT) naming the field, and nothing is recorded, on
either store. PostgreSQL's text cannot hold NUL: one such value, once stored, stopped the views for good.
Allowed text (Chinese; tabs and line breaks in multi-line free text) still records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.alerts import RULES_ACTOR, Alert, AlertRule
from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import InvalidInput, NotFound
from domain.people import Person
from tests.domain.conftest import Story

ON = date(2025, 6, 1)
NEW_CODE = make_credit_code("social_group", "500104", 999)  # no organization of the world holds it
# C0 controls and DEL everywhere; bidirectional overrides and isolates in one-line values; C1 and a lone
# surrogate, which no store should be handed either.
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\ud800"]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
SINGLE_LINE = CONTROLS + BIDI
MULTI_LINE = [c for c in CONTROLS if c not in "\t\n"]


@dataclass
class World:
    """One of each thing a command acts on, recorded through the commands themselves."""

    app: Supervision
    registered: str
    filed: str
    project: str
    case: str
    penalty: str
    alert: str


def build_world(app: Supervision) -> World:
    story = Story(app)
    registered = story.register(date(2020, 3, 1))
    filed = story.file(date(2020, 3, 1))
    host = story.register(date(2020, 3, 1))
    app.count_party_members(story.ctx(ON, by="party_building"), host, members=3)
    app.set_up_party_organization(story.ctx(ON, by="party_building"), host, form="single", name="党支部")
    project = story.fund(registered, on=date(2024, 1, 10))
    case = story.open_inspection(registered, on=date(2024, 4, 1))
    story.find_problems(case, on=date(2024, 4, 2))
    penalty = story.penalize(registered, ON, kind="warning")
    alert = Alert.raise_alert(Context(RULES_ACTOR, "规则", ON), rule=AlertRule.PARTNER_PENALTY, subject="test",
                              organization_id=registered, message="测试预警", departments=["civil_affairs"],
                              causes=["x/1"])
    app.save(alert)
    world = World(app, registered, filed, project, case, penalty, str(alert.id))
    world.host = host  # type: ignore[attr-defined]
    return world


def ctx(by: str = "civil_affairs", reason: str = "依法办理", legal_basis: str | None = None, **actor: str) -> Context:
    fields = {"user_id": f"{by}-1", "username": f"{by}-officer", "role": "officer"} | actor
    return Context(Actor(department=Department(by), **fields), reason, ON, legal_basis)


@dataclass(frozen=True)
class Case:
    """One text of one command: ``call(world, text)`` gives the command with ``text`` in that field."""

    command: str
    field: str  # as the refusal names it
    good: str  # a value the command accepts there
    call: Callable[[World, str], Any]
    multiline: bool = False
    looked_up: bool = False  # an id the command loads first: an unknown one is NOT_FOUND

    def __str__(self) -> str:
        return f"{self.command}.{self.field}"


def register(w: World, **field: Any) -> Any:
    return w.app.register_organization(ctx(), **Story(w.app).registration_fields(**{"name": "新登记协会", "credit_code": NEW_CODE} | field))


def file(w: World, **field: Any) -> Any:
    return w.app.file_community_organization(ctx("street_office"),
                                             **Story(w.app).filing_fields(**{"name": "新备案队"} | field))


def convert(w: World, **field: Any) -> Any:
    fields = {k: v for k, v in Story(w.app).registration_fields(**{"credit_code": NEW_CODE} | field).items()
              if k not in ("name", "district", "street")}
    return w.app.convert_to_registration(ctx(), w.filed, **fields)


def person(text: str, where: str) -> Person:
    return Person(**{"name": "王五", "id_number": "11010519491231002X", "phone": "023-6388"} | {where: text})


def count(w: World, text: str, **context: Any) -> Any:
    return w.app.count_party_members(ctx("party_building", **context), w.registered, members=2)


CASES = [
    Case("any", "reason", "依法办理", lambda w, t: count(w, t, reason=t), multiline=True),
    Case("any", "legal basis", "渝中民发〔2025〕12号", lambda w, t: count(w, t, legal_basis=t)),
    Case("any", "actor's user id", "u-1", lambda w, t: count(w, t, user_id=t)),
    Case("any", "actor's username", "ca-zhang", lambda w, t: count(w, t, username=t)),
    Case("any", "actor's role", "officer", lambda w, t: count(w, t, role=t)),
    Case("any", "idempotency key", "key-1", lambda w, t: w.app.count_party_members(
        ctx("party_building"), w.registered, members=4, idempotency_key=t)),
    *[Case("register_organization", what, good, lambda w, t, f=f: register(w, **{f: t}), multiline=m)
      for f, what, good, m in [
          ("name", "name", "重庆市新登记协会", False), ("kind", "kind", "social_group", False),
          ("credit_code", "credit code", "", False), ("domicile", "domicile", "渝中区上清寺路1号", False),
          ("purpose", "purpose", "服务社区居民", True), ("business_scope", "business scope", "志愿服务", True),
          ("district", "district", "yuzhong", False), ("street", "street", "shangqingsi", False),
          ("community", "community", "春森路", False), ("activity_area", "activity area", "渝中区", False),
          ("supervising_unit", "supervising unit", "区民政局", False), ("category", "category", "公益慈善", False),
          ("role", "role", "枢纽型", False)]],
    *[Case("register_organization", what, good,
           lambda w, t, f=f: register(w, legal_representative=person(t, f)))
      for f, what, good in [("name", "person's name", "王五"), ("id_number", "ID card number", "11010519491231002X"),
                            ("phone", "phone number", "023-6388")]],
    *[Case("file_community_organization", what, good, lambda w, t, f=f: file(w, **{f: t}))
      for f, what, good in [("name", "name", "春森路新队"), ("district", "district", "yuzhong"),
                            ("street", "street", "shangqingsi"), ("community", "community", "春森路"),
                            ("activity_area", "activity area", "春森路社区"), ("category", "category", "文体"),
                            ("role", "role", "队")]],
    Case("file_community_organization", "person's name", "李四",
         lambda w, t: file(w, person_in_charge=person(t, "name"))),
    *[Case("change_registration", what, good, lambda w, t, f=f: w.app.change_registration(ctx(), w.registered, **{f: t}),
           multiline=m)
      for f, what, good, m in [("name", "name", "重庆市改名协会", False), ("domicile", "domicile", "渝中区新址", False),
                               ("business_scope", "business scope", "新的业务范围", True)]],
    Case("change_registration", "person's name", "赵六",
         lambda w, t: w.app.change_registration(ctx(), w.registered, legal_representative=person(t, "name"))),
    *[Case("change_filing", what, good, lambda w, t, f=f: w.app.change_filing(ctx("street_office"), w.filed, **{f: t}))
      for f, what, good in [("name", "name", "春森路改名队"), ("community", "community", "桂花园"),
                            ("activity_area", "activity area", "桂花园社区")]],
    *[Case("convert_to_registration", what, good, lambda w, t, f=f: convert(w, **{f: t}), multiline=m)
      for f, what, good, m in [("kind", "kind", "social_group", False), ("domicile", "domicile", "渝中区新址", False),
                               ("purpose", "purpose", "服务", True), ("business_scope", "business scope", "服务", True),
                               ("supervising_unit", "supervising unit", "区民政局", False)]],
    Case("revoke_registration", "revocation ground", "fraud",
         lambda w, t: w.app.revoke_registration(ctx(), w.registered, ground=t)),
    Case("conclude_annual_inspection", "inspection result", "qualified",
         lambda w, t: w.app.conclude_annual_inspection(ctx(), w.registered, year=2024, result=t)),
    # the host: never penalized, so on no credit list, so it may be funded
    *[Case("award_funding", what, good, lambda w, t, f=f: w.app.award_funding(
        ctx("finance"), w.host, **({"purchasing_unit": "上清寺街道办事处", "project_name": "社工项目"} | {f: t}),
        amount=Decimal("100"), period_start=ON, period_end=date(2025, 12, 31)))
      for f, what, good in [("purchasing_unit", "purchasing unit", "街道办"), ("project_name", "project name", "项目")]],
    Case("close_funding_project", "evaluation", "良好", multiline=True,
         call=lambda w, t: w.app.close_funding_project(ctx("finance"), w.project, evaluation=t)),
    Case("draw_inspection_sample", "jurisdiction", "yuzhong", lambda w, t: w.app.draw_inspection_sample(
        ctx("inspection"), year=2025, jurisdiction=t, population=[w.registered], seed="s")),
    Case("draw_inspection_sample", "seed", "seed-2025", lambda w, t: w.app.draw_inspection_sample(
        ctx("inspection"), year=2025, jurisdiction="yuzhong", population=[w.registered], seed=t)),
    Case("draw_inspection_sample", "population", "", looked_up=True, call=lambda w, t: w.app.draw_inspection_sample(
        ctx("inspection"), year=2025, jurisdiction="yuzhong", population=[t or w.registered], seed="s")),
    Case("open_inspection", "inspector's name", "孙七", lambda w, t: w.app.open_inspection(
        ctx("inspection"), w.registered, inspectors=["王五", t], subject="专项检查")),
    Case("open_inspection", "subject", "专项检查", lambda w, t: w.app.open_inspection(
        ctx("inspection"), w.registered, inspectors=["王五", "赵六"], subject=t)),
    Case("record_inspection_findings", "findings", "账目不全", multiline=True,
         call=lambda w, t: w.app.record_inspection_findings(ctx("inspection"), w.case, findings=t, problems_found=True)),
    Case("order_rectification", "requirements", "补齐账目", multiline=True,
         call=lambda w, t: w.app.order_rectification(ctx("inspection"), w.case, requirements=t,
                                                     deadline=date(2025, 9, 1))),
    Case("close_inspection", "conclusion", "结案", multiline=True,
         call=lambda w, t: w.app.close_inspection(ctx("inspection"), w.case, conclusion=t)),
    Case("impose_penalty", "penalty kind", "warning", lambda w, t: w.app.impose_penalty(ctx(), w.registered, kind=t)),
    Case("impose_penalty", "inspection case id", "", looked_up=True, call=lambda w, t: w.app.impose_penalty(
        ctx("inspection"), w.registered, kind="warning", case_id=t or w.case)),
    Case("record_penalty_executed", "penalty id", "", call=lambda w, t: w.app.record_penalty_executed(
        ctx(), w.registered, penalty_id=t or w.penalty)),
    Case("add_to_abnormal_list", "abnormal-list ground", "annual_report_missing",
         lambda w, t: w.app.add_to_abnormal_list(ctx(), w.registered, ground=t)),
    Case("add_to_serious_list", "serious-list ground", "large_fine",
         lambda w, t: w.app.add_to_serious_list(ctx(), w.registered, ground=t)),
    Case("resolve_alert", "resolution", "已处理", multiline=True,
         call=lambda w, t: w.app.resolve_alert(ctx(), w.alert, resolution=t)),
    Case("set_up_party_organization", "party organization form", "joint", lambda w, t: w.app.set_up_party_organization(
        ctx("party_building"), w.registered, form=t, name="联合党支部")),
    Case("set_up_party_organization", "party organization name", "联合党支部",
         lambda w, t: w.app.set_up_party_organization(ctx("party_building"), w.registered, form="joint", name=t)),
    Case("set_up_party_organization", "host organization id", "", looked_up=True,
         call=lambda w, t: w.app.set_up_party_organization(ctx("party_building"), w.registered, form="attached",
                                                           name="挂靠党支部", host_organization_id=t or w.host)),
    Case("appoint_party_instructor", "instructor's name", "周八",
         lambda w, t: w.app.appoint_party_instructor(ctx("party_building"), w.registered, name=t)),
]


@st.composite
def spoiled(draw: st.DrawFn, case: Case, world: World) -> str:
    """The case's good value (an id looked up: the real one) with one forbidden character in it."""
    good = case.good or {"credit code": "", "population": world.registered, "inspection case id": world.case,
                         "penalty id": world.penalty, "host organization id": getattr(world, "host", "")}.get(
        case.field, "")
    if case.field == "credit code":
        good = NEW_CODE
    bad = draw(st.sampled_from(MULTI_LINE if case.multiline else SINGLE_LINE))
    where = draw(st.integers(0, len(good)))
    return good[:where] + bad + good[where:]


def test_every_text_field_of_every_command_is_covered() -> None:
    """The table above names every command of the service that takes text (a new one must join it)."""
    takes_text = {"register_organization", "file_community_organization", "change_registration", "change_filing",
                  "convert_to_registration", "revoke_registration", "conclude_annual_inspection", "award_funding",
                  "close_funding_project", "draw_inspection_sample", "open_inspection", "record_inspection_findings",
                  "order_rectification", "close_inspection", "impose_penalty", "record_penalty_executed",
                  "add_to_abnormal_list", "add_to_serious_list", "resolve_alert", "set_up_party_organization",
                  "appoint_party_instructor"}
    assert takes_text <= {case.command for case in CASES}


def test_forbidden_characters_are_refused_and_nothing_is_recorded(make_app, inputs_tried) -> None:
    world = build_world(make_app())

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), case=st.sampled_from(CASES))
    def refused(data: st.DataObject, case: Case) -> None:
        text = data.draw(spoiled(case, world), label=str(case))
        inputs_tried["commands with a forbidden character"] += 1
        before = world.app.head_position()
        with pytest.raises((InvalidInput, NotFound) if case.looked_up else InvalidInput) as refusal:
            case.call(world, text)
        assert refusal.value.code in ("BAD_USER_INPUT", "NOT_FOUND")
        if isinstance(refusal.value, InvalidInput):
            assert f"the {case.field} contains a character" in refusal.value.message, (case, refusal.value.message)
        assert world.app.head_position() == before

    refused()


def test_each_kind_of_forbidden_character_is_refused_in_every_field(make_app) -> None:
    """Beside the random draws above: NUL, a control, DEL, a lone surrogate in every field, a tab and a
    bidirectional override in every one-line field."""
    world = build_world(make_app())
    before = world.app.head_position()
    for case in CASES:
        for bad in ["\x00", "\x1b", "\x7f", "\ud800"] + ([] if case.multiline else ["\t", "\n", "\u202e"]):
            good = case.good or {"population": world.registered, "inspection case id": world.case,
                                 "penalty id": world.penalty, "host organization id": world.host,  # type: ignore[attr-defined]
                                 "credit code": NEW_CODE}[case.field]
            with pytest.raises((InvalidInput, NotFound) if case.looked_up else InvalidInput):
                case.call(world, good[:1] + bad + good[1:])
    assert world.app.head_position() == before


ALLOWED = {False: "渝中区上清寺路１号 A座·Ｚhōng文", True: "第一行\n第二行\t缩进"}
# Fields whose only good values are their own (codes, numbers, keys): the allowed text is for the others.
CODES = {"kind", "revocation ground", "inspection result", "penalty kind", "abnormal-list ground", "serious-list ground",
         "party organization form", "district", "street", "ID card number", "phone number", "idempotency key",
         "penalty id", "credit code"}


@pytest.mark.parametrize("case", [c for c in CASES if c.field not in CODES and not c.looked_up], ids=str)
def test_allowed_text_still_records(store_env, story_on, case: Case) -> None:
    """Chinese, full-width and accented text in every free field; tabs and line breaks where it is multi-line."""
    world = build_world(story_on(store_env).app)
    before = world.app.head_position()
    case.call(world, ALLOWED[case.multiline])
    assert world.app.head_position() > before
