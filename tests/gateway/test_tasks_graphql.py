"""Tasks over GraphQL: who sees which (the street every task about its street, other departments their own,
no other street or district), each step behind the matrix (FORBIDDEN for a department that sees a task but
does not own it, NOT_FOUND for one that does not see it), filters, order, pages, counts, the live feed, and bad
input answered with a code and nothing recorded."""

from __future__ import annotations

import time
from datetime import date
from uuid import UUID

import pytest

from domain import clock
from domain.alerts import Alert, AlertRule
from tests.gateway.conftest import settle
from tests.gateway.test_socket_tokens import connect

MINYUE = "重庆市民悦社会工作服务中心"
C = '{reason: "依法办理", occurredOn: "2026-11-20"}'
FIELDS = "id rule street departments assisting status dueOn overdue may assignees { department username }"
TASKS = f"""query($filter: TaskFilter, $first: Int, $after: String) {{ tasks(filter: $filter, first: $first,
    after: $after) {{ tasks {{ {FIELDS} }} pageInfo {{ hasNextPage endCursor }}
    counts {{ total pending overdue unacknowledged }} }} }}"""
TASK = f"query($id: ID!) {{ task(id: $id) {{ {FIELDS} actions {{ action department actor detail }} }} }}"


def step(gw, user: str, mutation: str, task_id: str, extra: str = "") -> dict:
    return gw.call(user, f"mutation($t: ID!) {{ {mutation}(command: {C}, taskId: $t{extra}) {{ eventIds }} }}",
                   {"t": task_id})


def code(body: dict) -> str | None:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


def penalty_task(gw) -> str:
    """A tax warning of 民悦 (上清寺): a listing proposal for civil affairs and the street office."""
    org = gw.org_id(MINYUE)
    fined = gw.data("tax-he", f"""mutation($org: ID!) {{ imposePenalty(command: {C}, organizationId: $org,
        kind: "warning") {{ eventIds }} }}""", {"org": org})["imposePenalty"]["eventIds"][0]
    task_id = str(Alert.create_id(AlertRule.PARTNER_PENALTY, fined))
    for _ in range(200):
        if UUID(task_id) in gw.app.repository:
            break
        time.sleep(0.05)
    settle(gw)
    return task_id


def ids(gw, user: str, **filter_) -> list[str]:
    found, after = [], None
    while True:
        page = gw.data(user, TASKS, {"filter": filter_ or None, "first": 50, "after": after})["tasks"]
        found += [t["id"] for t in page["tasks"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def test_each_caller_sees_the_tasks_of_its_scope_and_no_other(fresh_gateway):
    gw = fresh_gateway
    task_id = penalty_task(gw)
    assert task_id in ids(gw, "sqs-li") and task_id in ids(gw, "ca-zhang") and task_id in ids(gw, "audit-qian")
    for outsider in ("hlq-wang", "jb-sqs-zhou", "jb-ca-wu", "fin-chen", "tax-he"):
        assert task_id not in ids(gw, outsider), outsider
        assert code(gw.call(outsider, TASK, {"id": task_id})) == "NOT_FOUND"
    assert code(gw.call(None, TASKS)) in ("FORBIDDEN", "UNAUTHENTICATED")
    # The street sees every task about its street, whoever owns it; each street's tasks lie in that street.
    streets = {t["street"] for t in gw.data("sqs-li", TASKS, {"first": 100})["tasks"]["tasks"]}
    assert streets == {"shangqingsi"}


def test_the_street_sees_a_task_it_does_not_own_but_gets_no_button_and_forbidden(fresh_gateway):
    gw = fresh_gateway
    task_id = penalty_task(gw)
    body = step(gw, "ca-zhang", "transferTask", task_id, ', to: "finance", reason: "涉及购买服务资金"')
    assert not body.get("errors"), body
    body = step(gw, "sqs-li", "transferTask", task_id, ', to: "party_building", reason: "党建事项"')
    assert not body.get("errors"), body  # the street hands its part on too: finance and party building own it
    settle(gw)
    seen = gw.data("sqs-li", TASK, {"id": task_id})["task"]
    assert seen["departments"] == ["finance", "party_building"] and seen["may"] == []
    version = gw.app.alert(task_id).version
    for mutation, extra in (("acknowledgeTask", ""), ("resolveTask", ', resolution: "已办"'),
                            ("assignTask", ', assignee: "sqs-li"')):
        assert code(step(gw, "sqs-li", mutation, task_id, extra)) == "FORBIDDEN", mutation
    assert code(step(gw, "ca-zhang", "resolveTask", task_id, ', resolution: "已办"')) == "NOT_FOUND"
    assert gw.app.alert(task_id).version == version  # nothing recorded
    finance = gw.data("fin-chen", TASK, {"id": task_id})["task"]
    assert {"acknowledgeTask", "resolveTask", "transferTask"} <= set(finance["may"])


def test_assigned_work_shows_in_my_tasks_and_the_history_records_each_step(fresh_gateway):
    gw = fresh_gateway
    task_id = penalty_task(gw)
    for user, mutation, extra in (("ca-zhang", "acknowledgeTask", ""),
                                  ("ca-zhang", "assignTask", ', assignee: "ca-zhang"'),
                                  ("ca-zhang", "requestTaskAssistance", ', department: "tax", note: "请提供处罚决定书"'),
                                  ("tax-he", "acknowledgeTask", "")):
        body = step(gw, user, mutation, task_id, extra)
        assert not body.get("errors"), (mutation, body)
    settle(gw)
    mine = gw.data("ca-zhang", f"{{ myTasks {{ tasks {{ {FIELDS} }} counts {{ total }} }} }}")["myTasks"]
    assert [t["id"] for t in mine["tasks"]] == [task_id] and mine["counts"]["total"] == 1
    assert gw.data("sqs-li", "{ myTasks { tasks { id } } }")["myTasks"]["tasks"] == []
    assert task_id in ids(gw, "tax-he")  # a helper sees the task ...
    assert code(step(gw, "tax-he", "resolveTask", task_id, ', resolution: "已办"')) == "FORBIDDEN"  # ... no more
    task = gw.data("audit-qian", TASK, {"id": task_id})["task"]
    assert [a["action"] for a in task["actions"]] == ["raised", "acknowledged", "assigned", "assistance_requested",
                                                      "acknowledged"]
    assert task["assignees"] == [{"department": "civil_affairs", "username": "ca-zhang"}]
    assert task["actions"][2]["actor"] == "ca-zhang" and task["actions"][3]["detail"]["department"] == "tax"
    assert ids(gw, "sqs-li", assignee="ca-zhang") == [task_id]
    assert ids(gw, "sqs-li", department="tax") == [task_id]


def test_overdue_is_past_the_due_day_and_overdue_tasks_come_first(fresh_gateway, monkeypatch):
    gw = fresh_gateway
    task_id = penalty_task(gw)
    due = date.fromisoformat(gw.data("sqs-li", TASK, {"id": task_id})["task"]["dueOn"])
    monkeypatch.setattr(clock, "today", lambda: due)
    assert task_id not in ids(gw, "sqs-li", overdue=True)  # its due day is still in time
    monkeypatch.setattr(clock, "today", lambda: date.fromordinal(due.toordinal() + 1))
    assert task_id in ids(gw, "sqs-li", overdue=True)
    assert task_id not in ids(gw, "sqs-li", overdue=False)
    page = gw.data("sqs-li", TASKS, {"first": 100})["tasks"]
    flags = [t["overdue"] for t in page["tasks"] if t["status"] != "resolved"]
    assert flags == sorted(flags, reverse=True)  # overdue ones first
    assert page["counts"]["overdue"] == len(ids(gw, "sqs-li", overdue=True)) >= 1
    assert task_id in ids(gw, "sqs-li", dueBefore=(date.fromordinal(due.toordinal() + 1)).isoformat())
    assert task_id not in ids(gw, "sqs-li", dueBefore=due.isoformat())


def test_pages_follow_the_order_without_gaps_or_repeats(gateway):
    whole = gateway.data("ca-zhang", TASKS, {"first": 100})["tasks"]
    paged = ids(gateway, "ca-zhang")
    assert paged == [t["id"] for t in whole["tasks"]][:len(paged)] and len(paged) == len(set(paged))
    assert whole["counts"]["total"] == len(paged)
    assert whole["counts"]["pending"] == sum(t["status"] != "resolved" for t in whole["tasks"])
    due = [(t["status"] == "resolved", t["dueOn"] or "9999-12-31") for t in whole["tasks"]]
    assert due == sorted(due)


@pytest.mark.parametrize(("user", "variables", "expected"), [
    ("sqs-li", {"filter": {"status": "bogus"}}, "BAD_USER_INPUT"),
    ("sqs-li", {"filter": {"department": "nobody"}}, "BAD_USER_INPUT"),
    ("fin-chen", {"filter": {"department": "civil_affairs"}}, "FORBIDDEN"),
    ("sqs-li", {"first": 0}, "BAD_USER_INPUT"),
    ("sqs-li", {"first": 101}, "BAD_USER_INPUT"),
    ("sqs-li", {"after": "not-a-cursor"}, "BAD_USER_INPUT"),
])
def test_bad_filters_are_answered_with_a_code(gateway, user, variables, expected):
    assert code(gateway.call(user, TASKS, variables)) == expected


def test_bad_steps_are_refused_and_record_nothing(fresh_gateway):
    gw = fresh_gateway
    task_id = penalty_task(gw)
    version = gw.app.alert(task_id).version
    for extra, mutation in ((', to: "nobody", reason: "x"', "transferTask"),
                            (', to: "street_office", reason: "x"', "transferTask"),
                            (', assignee: ""', "assignTask"),
                            (', department: "audit", note: "x"', "requestTaskAssistance"),
                            (', resolution: "   "', "resolveTask")):
        assert code(step(gw, "ca-zhang", mutation, task_id, extra)) in ("BAD_USER_INPUT", "CONFLICT"), extra
    assert code(step(gw, "ca-zhang", "acknowledgeTask", "00000000-0000-0000-0000-000000000000")) == "NOT_FOUND"
    assert code(step(gw, "ca-zhang", "acknowledgeTask", "not-an-id")) in ("NOT_FOUND", "BAD_USER_INPUT")
    assert code(step(gw, "audit-qian", "acknowledgeTask", task_id)) == "FORBIDDEN"
    assert gw.app.alert(task_id).version == version


def test_the_live_feed_brings_each_change_in_scope(fresh_gateway):
    gw = fresh_gateway
    task_id = penalty_task(gw)
    with connect(gw, f"Bearer {gw.issuer.issue('sqs-li')}") as ws:
        ws.send_json({"id": "1", "type": "subscribe",
                      "payload": {"query": "subscription { taskChanged { id status acknowledgedBy } }"}})
        time.sleep(0.7)  # the feed starts after the newest change there is
        assert not step(gw, "ca-zhang", "acknowledgeTask", task_id).get("errors")
        message = ws.receive_json()
        assert message["type"] == "next", message
        changed = message["payload"]["data"]["taskChanged"]
        assert changed == {"id": task_id, "status": "acknowledged", "acknowledgedBy": ["civil_affairs"]}


def test_every_task_has_its_words_in_english(gateway):
    tasks = gateway.data("audit-qian", "{ tasks(first: 100) { tasks { messageEn organizationName } } }")["tasks"]["tasks"]
    assert tasks
    for task in tasks:
        rest = task["messageEn"].replace(task["organizationName"] or "", "")
        assert rest and not any("\u4e00" <= ch <= "\u9fff" for ch in rest), task
