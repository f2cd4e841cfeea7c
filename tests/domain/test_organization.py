"""The organization's invariants: what may change when, with typed refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.application import Supervision
from domain.context import Context
from domain.errors import (
    DuplicateOrganization,
    InvalidInput,
    NotEligibleForFunding,
    OrganizationInactive,
    RuleViolation,
)
from domain.organization import OrgStatus
from domain.people import Person
from domain.settings import LocalitySettings
from domain.values import NAME_MAX

LATER = date(2024, 6, 1)


# -- a cancelled filing: nothing changes any more ------------------------------------------------


@pytest.fixture
def cancelled(story) -> dict[str, Any]:
    """A filed volunteer team with a history of everything, whose filing was then cancelled (撤销备案)."""
    org = story.file(on=date(2020, 3, 1))
    app = story.app
    app.count_party_members(story.ctx(date(2021, 1, 1), by="party_building"), org, members=5)
    penalty = story.penalize(org, date(2021, 2, 1), kind="warning", by="public_security")
    app.add_to_abnormal_list(story.ctx(date(2021, 2, 1)), org, ground="warning_or_small_fine")
    app.add_to_serious_list(story.ctx(date(2021, 3, 1)), org, ground="court_dishonest_debtor")
    case = story.open_inspection(org, on=date(2021, 4, 1))
    app.cancel_filing(story.ctx(date(2021, 5, 1), by="street_office"), org)
    return {"org": org, "penalty": penalty, "case": case, "version": story.org(org).version}


def _convert(app: Supervision, ctx: Context, org: str, story: Any, facts: dict[str, Any]) -> Any:
    return app.convert_to_registration(
        ctx, org, kind="social_group", credit_code=story.next_credit_code(), domicile="渝中区春森路1号",
        purpose="文体活动", business_scope="合唱", legal_representative=Person("李四"), funds="30000",
    )


COMMANDS_ON_A_CANCELLED_FILING: dict[str, Callable[..., Any]] = {
    "change_filing": lambda app, ctx, org, story, facts: app.change_filing(ctx, org, name="新名字服务队"),
    "cancel_filing": lambda app, ctx, org, story, facts: app.cancel_filing(ctx, org),
    "ban_organization": lambda app, ctx, org, story, facts: app.ban_organization(ctx, org),
    "convert_to_registration": _convert,
    "change_registration": lambda app, ctx, org, story, facts: app.change_registration(ctx, org, domicile="新址"),
    "deregister": lambda app, ctx, org, story, facts: app.deregister(
        ctx, org, liquidation_completed_on=date(2024, 5, 1)
    ),
    "revoke_registration": lambda app, ctx, org, story, facts: app.revoke_registration(ctx, org, ground="fraud"),
    "submit_annual_report": lambda app, ctx, org, story, facts: app.submit_annual_report(ctx, org, year=2023),
    "conclude_annual_inspection": lambda app, ctx, org, story, facts: app.conclude_annual_inspection(
        ctx, org, year=2023, result="qualified"
    ),
    "award_grade": lambda app, ctx, org, story, facts: app.award_grade(ctx, org, score=950),
    "lower_grade": lambda app, ctx, org, story, facts: app.lower_grade(ctx, org, grade=1),
    "cancel_grade": lambda app, ctx, org, story, facts: app.cancel_grade(ctx, org),
    "impose_penalty": lambda app, ctx, org, story, facts: app.impose_penalty(ctx, org, kind="warning"),
    "record_penalty_executed": lambda app, ctx, org, story, facts: app.record_penalty_executed(
        ctx, org, penalty_id=facts["penalty"]
    ),
    "add_to_abnormal_list": lambda app, ctx, org, story, facts: app.add_to_abnormal_list(
        ctx, org, ground="unreachable_at_domicile"
    ),
    "remove_from_abnormal_list": lambda app, ctx, org, story, facts: app.remove_from_abnormal_list(ctx, org),
    "escalate_to_serious_list": lambda app, ctx, org, story, facts: app.escalate_to_serious_list(ctx, org),
    "add_to_serious_list": lambda app, ctx, org, story, facts: app.add_to_serious_list(
        ctx, org, ground="large_fine"
    ),
    "remove_from_serious_list": lambda app, ctx, org, story, facts: app.remove_from_serious_list(ctx, org),
    "count_party_members": lambda app, ctx, org, story, facts: app.count_party_members(ctx, org, members=7),
    "set_up_party_organization": lambda app, ctx, org, story, facts: app.set_up_party_organization(
        ctx, org, form="single", name="党支部"
    ),
    "appoint_party_instructor": lambda app, ctx, org, story, facts: app.appoint_party_instructor(
        ctx, org, name="党建指导员"
    ),
    "open_inspection": lambda app, ctx, org, story, facts: app.open_inspection(
        ctx, org, inspectors=["王五", "赵六"], subject="回访"
    ),
}


@pytest.mark.parametrize("command", sorted(COMMANDS_ON_A_CANCELLED_FILING))
def test_nothing_changes_on_a_cancelled_filing(story, cancelled: dict[str, Any], command: str) -> None:
    act = COMMANDS_ON_A_CANCELLED_FILING[command]

    with pytest.raises(OrganizationInactive):
        act(story.app, story.ctx(LATER), cancelled["org"], story, cancelled)

    assert story.org(cancelled["org"]).version == cancelled["version"]


def test_the_inspection_case_of_a_cancelled_filing_can_still_be_closed(story, cancelled: dict[str, Any]) -> None:
    story.app.close_inspection(story.ctx(LATER, by="inspection"), cancelled["case"], conclusion="已撤销备案，结案")

    assert not story.case(cancelled["case"]).is_open
    assert story.org(cancelled["org"]).version == cancelled["version"]


def test_a_cancelled_filing_gets_no_funding(story, cancelled: dict[str, Any]) -> None:
    with pytest.raises(NotEligibleForFunding, match="filing_cancelled"):
        story.fund(cancelled["org"], on=LATER)


# -- funding follows the organization's standing -------------------------------------------------


def _revoked(story, org: str) -> None:
    story.app.revoke_registration(story.ctx(date(2023, 1, 1)), org, ground="fraud")


def _deregistered(story, org: str) -> None:
    story.app.deregister(story.ctx(date(2023, 1, 1)), org, liquidation_completed_on=date(2022, 12, 1))


def _serious_listed(story, org: str) -> None:
    story.app.add_to_serious_list(story.ctx(date(2023, 1, 1)), org, ground="large_fine")


@pytest.mark.parametrize("fate", [_revoked, _deregistered, _serious_listed], ids=lambda f: f.__name__.strip("_"))
def test_no_funding_for_an_organization_that_is(story, fate: Callable[..., None]) -> None:
    org = story.register(on=date(2020, 3, 1))
    fate(story, org)
    events_before = story.event_count()

    with pytest.raises(NotEligibleForFunding):
        story.fund(org, on=date(2024, 1, 10))

    assert story.event_count() == events_before


def test_no_funding_for_a_banned_organization(story) -> None:
    org = story.file(on=date(2020, 3, 1))
    story.app.ban_organization(story.ctx(date(2023, 1, 1)), org)

    with pytest.raises(NotEligibleForFunding, match="banned"):
        story.fund(org)


def test_an_organization_on_the_abnormal_list_may_still_be_funded_where_the_locality_allows(story_with) -> None:
    story = story_with(LocalitySettings(abnormal_list_bars_award=False))  # on by default: docs/credit.md
    org = story.register(on=date(2020, 3, 1))
    story.app.add_to_abnormal_list(story.ctx(date(2023, 6, 1)), org, ground="annual_report_late")

    project = story.fund(org, on=date(2024, 1, 10))

    assert story.project(project).amount == Decimal("200000.00")


@pytest.mark.parametrize("fate", [_revoked, _serious_listed], ids=lambda f: f.__name__.strip("_"))
def test_an_open_project_stops_paying_when_the_organization_falls(story, fate: Callable[..., None]) -> None:
    org = story.register(on=date(2020, 3, 1))
    project = story.fund(org, on=date(2022, 6, 1), period_end=date(2023, 6, 1))
    story.app.disburse_funding(story.ctx(date(2022, 7, 1), by="finance"), project, amount=Decimal("50000"))
    fate(story, org)

    with pytest.raises(NotEligibleForFunding):
        story.app.disburse_funding(story.ctx(date(2023, 2, 1), by="finance"), project, amount=Decimal("50000"))

    assert story.project(project).disbursed == Decimal("50000.00")


# -- values: money and names ---------------------------------------------------------------------


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("0.001"), Decimal("1.005"), 100.5, 1e3,
                                    Decimal("NaN"), Decimal("Infinity"), "abc", True, Decimal("1e13")])
def test_funding_amounts_are_positive_exact_money(story, amount: Any) -> None:
    org = story.register()

    with pytest.raises(InvalidInput):
        story.app.award_funding(
            story.ctx(date(2024, 1, 1), by="finance"), org, purchasing_unit="上清寺街道办事处", project_name="项目",
            amount=amount, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31),
        )


@pytest.mark.parametrize(("given", "stored"), [(Decimal("200000"), "200000.00"), (1500, "1500.00"),
                                               ("99.5", "99.50"), (Decimal("0.01"), "0.01")])
def test_exact_amounts_are_kept_to_the_fen(story, given: Any, stored: str) -> None:
    org = story.register()

    project = story.fund(org, amount=given)

    assert story.project(project).amount == Decimal(stored)
    assert str(story.project(project).amount) == stored


@pytest.mark.parametrize("amount", [49999.5, Decimal("0"), Decimal("100.001"), None])
def test_fines_are_positive_exact_money(story, amount: Any) -> None:
    org = story.register()

    with pytest.raises(InvalidInput):
        story.app.impose_penalty(story.ctx(date(2024, 1, 1)), org, kind="fine", amount=amount)

    assert story.org(org).penalties == []


def test_a_warning_has_no_amount_and_only_a_stop_order_has_a_period(story) -> None:
    org = story.register()

    with pytest.raises(InvalidInput):
        story.app.impose_penalty(story.ctx(date(2024, 1, 1)), org, kind="warning", amount=Decimal("100"))
    with pytest.raises(InvalidInput):
        story.app.impose_penalty(story.ctx(date(2024, 1, 1)), org, kind="warning", stop_days=30)
    with pytest.raises(InvalidInput):
        story.app.impose_penalty(story.ctx(date(2024, 1, 1)), org, kind="stop_activities")


@pytest.mark.parametrize("name", ["", "   ", "\u3000", "协" * (NAME_MAX + 1)])
def test_a_name_is_not_empty_and_at_most_100_characters(story, name: str) -> None:
    with pytest.raises(InvalidInput):
        story.register(name=name)

    assert story.app.organization_ids() == []


def test_a_name_of_exactly_100_characters_is_fine_and_spacing_is_tidied(story) -> None:
    long_name = story.register(name="协" * NAME_MAX)
    spaced = story.register(name="  民革重庆中山   合唱团 ")

    assert len(story.org(long_name).name) == NAME_MAX
    assert story.org(spaced).name == "民革重庆中山 合唱团"


# -- uniqueness of names and credit codes ----------------------------------------------------------


def test_a_name_already_taken_is_refused(story) -> None:
    story.register(name="重庆市民悦社会工作服务中心")

    with pytest.raises(DuplicateOrganization):
        story.register(name="重庆市民悦社会工作服务中心")
    with pytest.raises(DuplicateOrganization):
        story.file(name="重庆市民悦社会工作服务中心")

    assert len(story.app.organization_ids()) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("学田湾\"法之情\"矛盾纠纷调解室", "学田湾＂法之情＂矛盾纠纷调解室"),  # full-width quotes
        ("ABC志愿服务队", "ＡＢＣ志愿服务队"),  # full-width Latin letters
        ("工友之家(上清寺)服务社", "工友之家（上清寺）服务社"),  # full-width brackets
        ("春森腰鼓队", "春森 腰鼓队"),  # spacing aside
    ],
)
def test_full_width_and_half_width_forms_are_the_same_name(story, first: str, second: str) -> None:
    story.file(name=first)

    with pytest.raises(DuplicateOrganization):
        story.file(name=second)


def test_a_credit_code_already_registered_is_refused_in_any_case(story) -> None:
    code = story.next_credit_code()
    story.register(credit_code=code)

    with pytest.raises(DuplicateOrganization):
        story.register(credit_code=code.lower())

    assert len(story.app.organization_ids()) == 1


def test_a_rename_frees_the_old_name_for_another_organization(story) -> None:
    first = story.register(name="上清寺志愿者协会")
    story.app.change_registration(story.ctx(date(2022, 1, 1)), first, name="渝中区志愿者协会")

    second = story.file(name="上清寺志愿者协会", on=date(2022, 2, 1))

    assert story.app.find_organization("上清寺志愿者协会").id == story.org(second).id
    assert story.app.find_organization("渝中区志愿者协会").id == story.org(first).id
    with pytest.raises(DuplicateOrganization):
        story.file(name="渝中区志愿者协会", on=date(2022, 2, 1))


def test_a_rename_to_a_name_taken_by_another_is_refused(story) -> None:
    first = story.file(name="木兰艺术团")
    story.file(name="春森腰鼓队")

    with pytest.raises(DuplicateOrganization):
        story.app.change_filing(story.ctx(date(2022, 1, 1), by="street_office"), first, name="春森腰鼓队")

    assert story.org(first).name == "木兰艺术团"


def test_an_organization_may_rewrite_its_own_name_in_full_width_forms(story) -> None:
    org = story.file(name="ABC志愿服务队")

    story.app.change_filing(story.ctx(date(2022, 1, 1), by="street_office"), org, name="ＡＢＣ志愿服务队")

    assert story.org(org).name == "ＡＢＣ志愿服务队"
    assert story.app.find_organization("ABC志愿服务队").id == story.org(org).id


def test_a_rename_can_be_taken_back(story) -> None:
    org = story.register(name="旧名协会")
    story.app.change_registration(story.ctx(date(2022, 1, 1)), org, name="新名协会")

    story.app.change_registration(story.ctx(date(2022, 2, 1)), org, name="旧名协会")

    assert story.app.find_organization("旧名协会").id == story.org(org).id
    with pytest.raises(DuplicateOrganization):
        story.file(name="旧名协会", on=date(2022, 3, 1))


# -- the life of a registration --------------------------------------------------------------------


def test_a_filing_grows_into_a_registration(story) -> None:
    org = story.file(on=date(2018, 1, 1), name="春森路社区逸家家庭社会工作服务中心")
    code = story.next_credit_code("private_non_enterprise")

    story.app.convert_to_registration(
        story.ctx(date(2022, 9, 1)), org, kind="private_non_enterprise", credit_code=code, domicile="渝中区春森路8号",
        purpose="家庭社会工作", business_scope="家庭服务", legal_representative=Person("王芳"), funds=Decimal("50000"),
    )

    converted = story.org(org)
    assert converted.status == OrgStatus.REGISTERED
    assert converted.registered_on == date(2022, 9, 1)
    assert converted.filed_on == date(2018, 1, 1)
    assert converted.credit_code == code
    assert story.app.find_organization(code).id == converted.id


def test_a_conversion_with_a_taken_credit_code_is_refused(story) -> None:
    code = story.next_credit_code()
    story.register(credit_code=code)
    filed = story.file()

    with pytest.raises(DuplicateOrganization):
        story.app.convert_to_registration(
            story.ctx(date(2022, 9, 1)), filed, kind="social_group", credit_code=code, domicile="渝中区",
            purpose="文体", business_scope="合唱", legal_representative=Person("王芳"), funds="30000",
        )

    assert story.org(filed).status == OrgStatus.FILED


def test_a_community_organization_cannot_be_registered_directly(story) -> None:
    with pytest.raises(InvalidInput, match="filed, not registered"):
        story.register(kind="community", credit_code=story.next_credit_code())


def test_a_revocation_penalty_also_revokes_the_registration(story) -> None:
    org = story.register(on=date(2020, 3, 1))

    story.app.impose_penalty(story.ctx(date(2024, 3, 1)), org, kind="revocation")

    revoked = story.org(org)
    assert revoked.status == OrgStatus.REVOKED
    assert revoked.revocation_ground == "serious_penalty"
    assert revoked.ended_on == date(2024, 3, 1)
    assert [p.kind for p in revoked.penalties] == ["revocation"]


def test_a_revocation_penalty_on_a_filing_is_refused_whole(story) -> None:
    org = story.file()
    before = story.org(org).version

    with pytest.raises(RuleViolation):
        story.app.impose_penalty(story.ctx(date(2024, 3, 1)), org, kind="revocation")

    assert story.org(org).version == before
    assert story.org(org).penalties == []


def test_no_activity_in_the_first_year_can_only_be_found_after_that_year(story) -> None:
    org = story.register(on=date(2023, 3, 1))

    with pytest.raises(RuleViolation):
        story.app.revoke_registration(story.ctx(date(2024, 2, 28)), org, ground="no_activity_first_year")
    story.app.revoke_registration(story.ctx(date(2024, 3, 1)), org, ground="no_activity_first_year")

    assert story.org(org).status == OrgStatus.REVOKED


def test_a_revoked_organization_may_still_complete_deregistration(story) -> None:
    org = story.register()
    story.app.revoke_registration(story.ctx(date(2023, 1, 1)), org, ground="fraud")

    story.app.deregister(story.ctx(date(2023, 6, 1)), org, liquidation_completed_on=date(2023, 5, 1))

    assert story.org(org).status == OrgStatus.DEREGISTERED


def test_deregistration_waits_for_liquidation(story) -> None:
    org = story.register()

    with pytest.raises(InvalidInput, match="liquidation"):
        story.app.deregister(story.ctx(date(2023, 6, 1)), org, liquidation_completed_on=date(2023, 6, 2))


def test_only_a_filed_organization_is_banned(story) -> None:
    org = story.register()

    with pytest.raises(RuleViolation, match="registered, not filed"):
        story.app.ban_organization(story.ctx(date(2023, 6, 1)), org)


def test_a_change_that_changes_nothing_is_refused(story) -> None:
    org = story.register(name="上清寺致远协会")

    with pytest.raises(InvalidInput, match="changes nothing"):
        story.app.change_registration(story.ctx(date(2023, 6, 1)), org, name="上清寺致远协会")


def test_a_change_of_registration_records_only_what_changed(story) -> None:
    org = story.register(domicile="渝中区上清寺路1号")
    new_rep = Person("陈七", id_number="50010319800101123X", phone="023-63000000")

    story.app.change_registration(
        story.ctx(date(2023, 6, 1)), org, domicile="渝中区上清寺路1号", legal_representative=new_rep,
        charter_amended=True,
    )

    changed = story.org(org)
    assert changed.legal_representative == new_rep
    assert changed.charter_version == 2
    (recorded,) = [e for e in story.events_of(org) if e.type == "Organization.RegistrationChanged"]
    assert recorded.data["changes"] == {"legal_representative": new_rep}


def test_an_annual_report_is_for_a_past_year_and_only_once(story) -> None:
    org = story.register(on=date(2020, 3, 1))
    story.app.submit_annual_report(story.ctx(date(2021, 5, 20)), org, year=2020)

    with pytest.raises(RuleViolation, match="already submitted"):
        story.app.submit_annual_report(story.ctx(date(2021, 5, 21)), org, year=2020)
    with pytest.raises(InvalidInput):
        story.app.submit_annual_report(story.ctx(date(2021, 5, 21)), org, year=2021)
    with pytest.raises(InvalidInput):
        story.app.submit_annual_report(story.ctx(date(2021, 5, 21)), org, year=2019)

    assert story.org(org).annual_reports == {2020: date(2021, 5, 20)}


def test_a_party_organization_of_its_own_needs_three_members(story) -> None:
    org = story.register()
    story.app.count_party_members(story.ctx(date(2022, 1, 1), by="party_building"), org, members=2)

    with pytest.raises(RuleViolation, match="needs 3 members"):
        story.app.set_up_party_organization(story.ctx(date(2022, 2, 1), by="party_building"), org, form="single",
                                            name="党支部")
    story.app.set_up_party_organization(story.ctx(date(2022, 2, 1), by="party_building"), org, form="joint",
                                        name="联合党支部")

    assert story.org(org).party_organization == "joint"


# -- events cannot predate the organization --------------------------------------------------------

BEFORE = date(2020, 2, 29)  # the organization came into being on 2020-03-01

PREDATING_COMMANDS: dict[str, Callable[..., Any]] = {
    "change_registration": lambda app, ctx, org: app.change_registration(ctx, org, domicile="新址"),
    "deregister": lambda app, ctx, org: app.deregister(ctx, org, liquidation_completed_on=BEFORE),
    "revoke_registration": lambda app, ctx, org: app.revoke_registration(ctx, org, ground="fraud"),
    "impose_penalty": lambda app, ctx, org: app.impose_penalty(ctx, org, kind="warning"),
    "add_to_abnormal_list": lambda app, ctx, org: app.add_to_abnormal_list(ctx, org, ground="annual_report_late"),
    "add_to_serious_list": lambda app, ctx, org: app.add_to_serious_list(ctx, org, ground="large_fine"),
    "count_party_members": lambda app, ctx, org: app.count_party_members(ctx, org, members=3),
    "set_up_party_organization": lambda app, ctx, org: app.set_up_party_organization(
        ctx, org, form="joint", name="联合党支部"
    ),
    "appoint_party_instructor": lambda app, ctx, org: app.appoint_party_instructor(ctx, org, name="指导员"),
    "open_inspection": lambda app, ctx, org: app.open_inspection(ctx, org, inspectors=["王五", "赵六"], subject="检查"),
    "award_funding": lambda app, ctx, org: app.award_funding(
        ctx, org, purchasing_unit="街道", project_name="项目", amount=Decimal("1000"), period_start=BEFORE,
        period_end=date(2020, 12, 31),
    ),
}


@pytest.mark.parametrize("command", sorted(PREDATING_COMMANDS))
def test_events_predating_the_organization_are_refused(story, command: str) -> None:
    org = story.register(on=date(2020, 3, 1))
    events_before = story.event_count()

    with pytest.raises(InvalidInput, match="before"):
        PREDATING_COMMANDS[command](story.app, story.ctx(BEFORE), org)

    assert story.event_count() == events_before


@pytest.mark.parametrize("command", ["change_filing", "cancel_filing", "ban_organization"])
def test_events_predating_a_filing_are_refused(story, command: str) -> None:
    org = story.file(on=date(2020, 3, 1))
    act = {
        "change_filing": lambda ctx: story.app.change_filing(ctx, org, name="别名队"),
        "cancel_filing": lambda ctx: story.app.cancel_filing(ctx, org),
        "ban_organization": lambda ctx: story.app.ban_organization(ctx, org),
    }[command]

    with pytest.raises(InvalidInput, match="before"):
        act(story.ctx(BEFORE, by="street_office"))

    assert story.org(org).version == 1


def test_a_business_date_is_a_date_not_a_moment(story) -> None:
    with pytest.raises(InvalidInput, match="occurred_on"):
        story.ctx(datetime(2024, 1, 1, 9, 30))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="occurred_on"):
        story.ctx("2024-01-01")  # type: ignore[arg-type]


# -- what is saved comes back ----------------------------------------------------------------------


def test_a_rich_history_is_rebuilt_exactly_by_another_service(story_on, sqlite_env) -> None:
    story = story_on(sqlite_env)
    app = story.app
    hub = story.register(on=date(2014, 10, 1), name="重庆市渝中区上清寺致远社会公益事业发展促进会")
    app.change_registration(story.ctx(date(2016, 1, 1)), hub, domicile="渝中区上清寺路2号",
                            legal_representative=Person("周八", phone="023-63001234"), charter_amended=True)
    app.count_party_members(story.ctx(date(2016, 3, 1), by="party_building"), hub, members=4)
    app.set_up_party_organization(story.ctx(date(2016, 4, 1), by="party_building"), hub, form="single", name="党支部")
    app.conclude_annual_inspection(story.ctx(date(2017, 4, 1)), hub, year=2016, result="basically_qualified")
    app.award_grade(story.ctx(date(2017, 6, 1)), hub, score=812)
    fine = story.penalize(hub, date(2018, 3, 1), kind="fine", by="tax", amount=Decimal("1200.50"))
    app.record_penalty_executed(story.ctx(date(2018, 3, 20), by="tax"), hub, penalty_id=fine)
    app.add_to_abnormal_list(story.ctx(date(2018, 3, 2)), hub, ground="warning_or_small_fine")
    app.remove_from_abnormal_list(story.ctx(date(2018, 9, 2)), hub)
    app.add_to_serious_list(story.ctx(date(2019, 1, 1)), hub, ground="court_dishonest_debtor")
    case = story.open_inspection(hub, on=date(2019, 2, 1))
    project = story.fund(story.file(on=date(2019, 1, 1)), on=date(2019, 3, 1))
    app.disburse_funding(story.ctx(date(2019, 4, 1), by="finance"), project, amount=Decimal("99999.99"))

    reopened = story_on(sqlite_env).app

    assert vars(reopened.organization(hub)) == vars(app.organization(hub))
    assert vars(reopened.funding_project(project)) == vars(app.funding_project(project))
    assert vars(reopened.inspection_case(case)) == vars(app.inspection_case(case))
    rebuilt = reopened.organization(hub)
    assert rebuilt.serious_listing.grounds == ["court_dishonest_debtor"]
    assert rebuilt.penalties[0].amount == Decimal("1200.50") and rebuilt.penalties[0].executed
    assert rebuilt.legal_representative.phone == "023-63001234"
