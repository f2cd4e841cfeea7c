"""Tasks (督办): every alert and proposal is worked by its departments through events, is due a number of
working days after it was raised (per rule, in the locality's settings), reminds its owners before the deadline
and escalates to civil affairs and the street once past it."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from domain import clock
from domain.application import Supervision
from domain.calendar import add_working_days
from domain.context import Department
from domain.errors import InvalidInput, RuleViolation
from domain.settings import LocalitySettings
from projections.rules.tick import tick
from tests.projections.test_rules import City, ctx

MONDAY = date(2026, 3, 2)


def at(day: date):  # noqa: ANN201 - a clock for clock_set_to
    return lambda: datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


@pytest.fixture
def city(tmp_path) -> City:
    return City(Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                 "SQLITE_DBNAME": str(tmp_path / "events.sqlite")}))


def penalty_task(city: City, raised: date = MONDAY) -> dict:
    """A market-regulation warning: a listing proposal to civil affairs and the street, raised on ``raised``."""
    org = city.register("春生社工室")
    city.app.impose_penalty(ctx(date(2025, 8, 8), Department.MARKET_REGULATION, "虚假宣传"), org, kind="warning")
    with clock.clock_set_to(at(raised)):
        city.settle()
    [task] = city.alerts("partner_penalty")
    return task


def test_a_task_is_due_its_rules_working_days_after_it_was_raised_not_after_its_cause(city):
    task = penalty_task(city)
    # 10 working days for a listing proposal, counted from the Monday it was raised (the cause is from 2025).
    assert task["due_on"] == "2026-03-16" == add_working_days(MONDAY, 10).isoformat()
    assert task["open"] == 1 and task["escalated_on"] is None


def test_the_deadline_follows_the_locality_setting(tmp_path):
    settings = LocalitySettings(task_due_working_days={"partner_penalty": 3})
    city = City(Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                 "SQLITE_DBNAME": str(tmp_path / "events.sqlite")}, settings=settings))
    assert penalty_task(city)["due_on"] == "2026-03-05"
    with pytest.raises(ValueError):
        LocalitySettings(task_due_working_days={"partner_penalty": 0})


def test_an_overdue_task_escalates_after_a_reminder_each_once(city):
    task = penalty_task(city)
    task_id, due = task["alert_id"], date(2026, 3, 16)
    # Two working days before the deadline (Thursday 12th) the owners are reminded; the Wednesday before, not yet.
    assert tick(city.app, date(2026, 3, 11)).tasks_reminded == []
    assert tick(city.app, date(2026, 3, 12)).tasks_reminded == [task_id]
    city.settle()
    assert tick(city.app, date(2026, 3, 13)).tasks_reminded == []  # once
    # On its due day it is still in time; the day after, it escalates.
    assert tick(city.app, due).tasks_escalated == []
    assert tick(city.app, date(2026, 3, 17)).tasks_escalated == [task_id]
    city.settle()
    assert tick(city.app, date(2026, 3, 18)).tasks_escalated == []  # once

    [row] = city.alerts("partner_penalty")
    assert row["reminded_on"] == "2026-03-12" and row["escalated_on"] == "2026-03-17"
    actions = [a["action"] for a in city.actions(task_id)]
    assert actions == ["raised", "reminded", "escalated"]  # the reminder precedes the escalation
    escalated = city.app.alert(task_id)
    assert {"civil_affairs", "street_office"} <= set(escalated.departments)


def test_escalation_brings_in_civil_affairs_and_the_street_where_they_were_not_owners(city):
    org = city.register("春森腰鼓队")
    project = city.award(org, date(2026, 1, 5))
    city.app.add_to_abnormal_list(ctx(date(2026, 2, 2)), org, ground="annual_report_missing")
    city.app.disburse_funding(ctx(date(2026, 2, 3), Department.FINANCE, "拨付"), project,
                              amount=Decimal("10000.00"))
    with clock.clock_set_to(at(MONDAY)):
        city.settle()
    [task] = city.alerts("funding_to_ineligible")
    assert task["departments"] == "civil_affairs,finance" and task["due_on"] == "2026-03-09"  # 5 working days
    assert task["alert_id"] in tick(city.app, date(2026, 3, 10)).tasks_escalated
    city.settle()
    [after] = city.alerts("funding_to_ineligible")
    assert after["departments"] == "civil_affairs,finance,street_office"
    parties = {p["department"]: p["relation"] for p in city.parties(task["alert_id"])}
    assert parties == {"civil_affairs": "owner", "finance": "owner", "street_office": "owner"}


def test_a_resolved_task_is_neither_reminded_nor_escalated(city):
    task = penalty_task(city)
    city.app.resolve_alert(ctx(MONDAY, Department.STREET_OFFICE), task["alert_id"], resolution="已核实")
    city.settle()
    assert tick(city.app, date(2026, 3, 12)).tasks_reminded == []
    assert tick(city.app, date(2026, 3, 17)).tasks_escalated == []
    with pytest.raises(RuleViolation):
        city.app.escalate_task(ctx(date(2026, 3, 17), Department.SYSTEM), task["alert_id"])


def test_assign_transfer_and_assistance_are_events_and_move_who_may_act(city):
    task_id = penalty_task(city)["alert_id"]
    on = date(2026, 3, 3)
    city.app.acknowledge_alert(ctx(on, Department.CIVIL_AFFAIRS), task_id)
    city.app.assign_task(ctx(on, Department.CIVIL_AFFAIRS), task_id, assignee="ca-wang")
    city.app.request_assistance(ctx(on, Department.STREET_OFFICE), task_id, department="tax", note="请核实欠税")
    city.app.transfer_task(ctx(on, Department.CIVIL_AFFAIRS), task_id, to="finance", reason="涉及购买服务资金")
    city.settle()

    [row] = city.alerts("partner_penalty")
    assert row["departments"] == "finance,street_office" and row["assisting"] == "tax"
    assert json.loads(row["assignees"]) == {}  # civil affairs' officer left with its part
    assert row["status"] == "open"  # civil affairs' acknowledgement left with it too
    parties = {p["department"]: p["relation"] for p in city.parties(task_id)}
    assert parties == {"civil_affairs": "none", "finance": "owner", "street_office": "owner", "tax": "assisting"}
    assert [a["action"] for a in city.actions(task_id)] == [
        "raised", "acknowledged", "assigned", "assistance_requested", "transferred"]
    transfer = json.loads(city.actions(task_id)[-1]["detail"])
    assert transfer == {"from_department": "civil_affairs", "to_department": "finance", "reason": "涉及购买服务资金"}

    with pytest.raises(RuleViolation):  # transferred away: civil affairs no longer owns it
        city.app.resolve_alert(ctx(on, Department.CIVIL_AFFAIRS), task_id, resolution="已办")
    city.app.acknowledge_alert(ctx(on, Department.TAX), task_id)  # a helper acknowledges ...
    with pytest.raises(RuleViolation):  # ... but does not close the owners' task
        city.app.resolve_alert(ctx(on, Department.TAX), task_id, resolution="已办")
    city.app.resolve_alert(ctx(on, Department.FINANCE), task_id, resolution="已暂停拨付")
    city.settle()
    assert city.alerts("partner_penalty")[0]["open"] == 0
    assert {p["department"]: p["open"] for p in city.parties(task_id)} == {
        "civil_affairs": 0, "finance": 0, "street_office": 0, "tax": 0}


@pytest.mark.parametrize(("command", "kwargs", "error"), [
    ("transfer_task", {"to": "nobody", "reason": "x"}, InvalidInput),
    ("transfer_task", {"to": "audit", "reason": "x"}, InvalidInput),
    ("transfer_task", {"to": "street_office", "reason": "x"}, RuleViolation),  # already an owner
    ("transfer_task", {"to": "finance", "reason": "  "}, InvalidInput),
    ("request_assistance", {"department": "system", "note": "x"}, InvalidInput),
    ("request_assistance", {"department": "civil_affairs", "note": "x"}, RuleViolation),
    ("assign_task", {"assignee": ""}, InvalidInput),
    ("assign_task", {"assignee": "a\u202eb"}, InvalidInput),
])
def test_bad_task_input_is_refused_and_records_nothing(city, command, kwargs, error):
    task_id = penalty_task(city)["alert_id"]
    version = city.app.alert(task_id).version
    with pytest.raises(error):
        getattr(city.app, command)(ctx(MONDAY, Department.CIVIL_AFFAIRS), task_id, **kwargs)
    assert city.app.alert(task_id).version == version


def test_a_department_the_task_is_not_for_cannot_work_it(city):
    task_id = penalty_task(city)["alert_id"]
    for verb, kwargs in (("assign_task", {"assignee": "x"}), ("transfer_task", {"to": "tax", "reason": "r"}),
                         ("request_assistance", {"department": "tax", "note": "n"}), ("acknowledge_alert", {})):
        with pytest.raises(RuleViolation):
            getattr(city.app, verb)(ctx(MONDAY, Department.FINANCE), task_id, **kwargs)


def test_the_street_is_told_the_day_an_organization_of_its_street_is_listed(city):
    org = city.register("春森腰鼓队")
    city.app.add_to_abnormal_list(ctx(date(2026, 2, 2)), org, ground="annual_report_missing")
    city.settle()
    [told] = city.alerts("organization_listed")
    assert told["departments"] == "street_office" and told["street"] == "shangqingsi"
    assert told["raised_on"] == "2026-02-02" and "活动异常名录" in told["message"]


def test_an_overdue_rectification_reaches_the_street_too(city):
    org = city.register("春森腰鼓队")
    city.rectification_ordered(org, deadline=date(2026, 4, 30))
    city.settle()
    tick(city.app, date(2026, 5, 1))
    city.settle()
    [alert] = city.alerts("rectification_overdue")
    assert "street_office" in alert["departments"].split(",")


def test_a_revocation_request_becomes_civil_affairs_proposal_and_accepting_it_revokes_and_lists(city):
    org = city.register("春生社工室", on=date(2020, 3, 2))
    city.app.request_revocation(ctx(date(2026, 3, 2), Department.PUBLIC_SECURITY, "查实骗取登记"), org,
                                ground="fraud", facts="登记材料系伪造")
    city.settle()
    [task] = city.alerts("revocation_requested")
    assert task["departments"] == "civil_affairs,street_office"
    assert json.loads(task["proposal"]) == {"command": "revoke_registration", "ground": "fraud"}
    with pytest.raises(RuleViolation):  # the street sees and works the task, but only civil affairs revokes
        city.app.accept_proposal(ctx(date(2026, 3, 3), Department.STREET_OFFICE), task["alert_id"])
    done = city.app.accept_proposal(ctx(date(2026, 3, 3)), task["alert_id"])
    revoked = city.app.organization(org)
    assert revoked.status == "revoked" and revoked.revocation_ground == "fraud"
    assert revoked.serious_listing is not None and "certificate_revoked" in revoked.serious_listing.grounds
    assert len(done.event_ids) == 3  # revoked, listed, the proposal accepted: one transaction


@pytest.mark.parametrize(("by", "ground", "facts", "error"), [
    (Department.CIVIL_AFFAIRS, "fraud", "材料", RuleViolation),  # civil affairs revokes; it does not request
    (Department.TAX, "no_such_ground", "材料", InvalidInput),
    (Department.TAX, "fraud", "  ", InvalidInput),
])
def test_a_bad_revocation_request_is_refused_and_records_nothing(city, by, ground, facts, error):
    org = city.register("春生社工室")
    version = city.app.organization(org).version
    with pytest.raises(error):
        city.app.request_revocation(ctx(date(2026, 3, 2), by), org, ground=ground, facts=facts)
    assert city.app.organization(org).version == version


def test_a_declined_revocation_request_leaves_the_registration(city):
    org = city.register("春生社工室")
    city.app.request_revocation(ctx(date(2026, 3, 2), Department.TAX), org, ground="serious_penalty", facts="偷税")
    city.settle()
    [task] = city.alerts("revocation_requested")
    city.app.decline_proposal(ctx(date(2026, 3, 3)), task["alert_id"], reason="情节不属严重")
    city.settle()
    assert city.app.organization(org).status == "registered"
    assert city.alerts("revocation_requested")[0]["decision"] == "declined"
