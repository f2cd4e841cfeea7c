"""The policy's place bounds and object rules, on principals made here (no gateway)."""

from __future__ import annotations

import pytest

from auth import policy
from auth.principal import ANONYMOUS, Principal
from domain.context import Department


def person(department: Department, jurisdiction: str | None) -> Principal:
    return Principal(user_id="u-1", username="someone", display_name="某人", department=department,
                     roles=frozenset(), jurisdiction=jurisdiction)


CIVIL = person(Department.CIVIL_AFFAIRS, "yuzhong")
STREET = person(Department.STREET_OFFICE, "yuzhong/shangqingsi")
FINANCE = person(Department.FINANCE, "yuzhong")
INSPECTION = person(Department.INSPECTION, "yuzhong")
TAX = person(Department.TAX, "yuzhong")
AUDIT = person(Department.AUDIT, "yuzhong")
HERE, OTHER_STREET, OTHER_DISTRICT = ("yuzhong", "shangqingsi"), ("yuzhong", "hualongqiao"), ("jiangbei", "shangqingsi")


@pytest.mark.parametrize(("principal", "bounds"), [
    (CIVIL, {"district": "yuzhong"}),
    (FINANCE, {"district": "yuzhong"}),  # "all" in the matrix: all of its district
    (STREET, {"district": "yuzhong", "street": "shangqingsi"}),
    (AUDIT, {}),
    (ANONYMOUS, {}),  # the public's public fields, everywhere
    (person(Department.CIVIL_AFFAIRS, None), None),  # no jurisdiction: nowhere, not everywhere
    (person(Department.STREET_OFFICE, "yuzhong"), None),  # a street officer without a street
    (person(Department.CIVIL_AFFAIRS, "yuzhong/shangqingsi"), {"district": "yuzhong", "street": "shangqingsi"}),
])
def test_place_bounds_are_the_whole_jurisdiction(principal, bounds):
    assert policy.place_bounds(principal) == bounds


def test_a_caller_without_a_place_lists_nothing():
    assert policy.registry_filter(person(Department.CIVIL_AFFAIRS, None)) == ("\x00", "\x00")


@pytest.mark.parametrize(("principal", "place", "allowed"), [
    (CIVIL, HERE, True), (CIVIL, OTHER_STREET, True), (CIVIL, OTHER_DISTRICT, False),
    (STREET, HERE, True), (STREET, OTHER_STREET, False), (STREET, OTHER_DISTRICT, False),  # the same street code
    (AUDIT, HERE, True), (ANONYMOUS, HERE, False),
])
def test_an_organization_is_acted_on_in_the_callers_place_only(principal, place, allowed):
    assert policy.may_act_on_organization(principal, *place) is allowed


@pytest.mark.parametrize(("principal", "opened_by", "place", "allowed"), [
    (TAX, "tax", HERE, True),
    (TAX, "inspection", HERE, False),  # a partner: only the cases its own department opened
    (TAX, "market_regulation", HERE, False),
    (TAX, None, HERE, False),
    (TAX, "tax", OTHER_DISTRICT, False),
    (INSPECTION, "tax", HERE, True),
    (INSPECTION, "inspection", OTHER_DISTRICT, False),
    (CIVIL, "inspection", HERE, True),  # a penalty in the case
    (FINANCE, "inspection", HERE, False),  # status only: sees, does not act
])
def test_an_inspection_case_is_acted_on_by_whom_the_matrix_lets_see_it(principal, opened_by, place, allowed):
    assert policy.may_act_on_inspection_case(principal, *place, opened_by) is allowed


@pytest.mark.parametrize(("principal", "place", "allowed"), [
    (FINANCE, HERE, True), (FINANCE, OTHER_DISTRICT, False), (INSPECTION, HERE, False), (TAX, HERE, False),
])
def test_a_funding_project_is_acted_on_where_its_amounts_are_seen(principal, place, allowed):
    assert policy.may_act_on_funding_project(principal, *place) is allowed


@pytest.mark.parametrize(("principal", "departments", "place", "allowed"), [
    (STREET, ["civil_affairs", "street_office"], HERE, True),
    (STREET, ["civil_affairs", "street_office"], OTHER_STREET, False),
    (STREET, ["civil_affairs", "street_office"], OTHER_DISTRICT, False),
    (FINANCE, ["civil_affairs", "street_office"], HERE, False),  # not addressed to finance
    (CIVIL, ["civil_affairs"], OTHER_DISTRICT, False),
])
def test_an_alert_is_acted_on_when_addressed_to_the_caller_in_its_place(principal, departments, place, allowed):
    assert policy.may_act_on_alert(principal, *place, departments) is allowed


@pytest.mark.parametrize(("jurisdiction", "allowed"), [
    ("yuzhong", True), ("yuzhong/shangqingsi", True), ("jiangbei", False), ("", False), ("Yu Zhong", False),
    ("yuzhong/../jiangbei", False),
])
def test_a_sample_draw_is_for_a_place_inside_the_callers(jurisdiction, allowed):
    assert policy.may_act_on_sample_draw(INSPECTION, jurisdiction) is allowed


def test_a_draws_population_lies_in_the_draws_place_and_the_callers():
    assert policy.may_draw_from(INSPECTION, "yuzhong/shangqingsi", *HERE)
    assert not policy.may_draw_from(INSPECTION, "yuzhong/shangqingsi", *OTHER_STREET)
    assert not policy.may_draw_from(INSPECTION, "jiangbei", *OTHER_DISTRICT)
    assert not policy.may_draw_from(INSPECTION, "bad path!", *HERE)


def test_a_refusal_reads_as_a_missing_object():
    with pytest.raises(policy.OutOfJurisdiction, match="^no such inspection case$") as refused:
        policy.require(False, "inspection case")
    assert refused.value.code == "NOT_FOUND"
    policy.require(True, "inspection case")
