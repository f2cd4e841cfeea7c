"""The dashboard's 待办 page (#/tasks) in a real browser, against a real server (tests/e2e/test_dashboard.py's
fixtures): each step on a task succeeds through the page for a department that may take it, and the page shows
the task's new state; for one that may not, the button is absent and the API answers FORBIDDEN. The page follows
other users' changes live. Screenshots: test-artifacts/screenshots/tasks-desktop.png and tasks-phone.png.

The tasks are made through the API: a partner department's warning of an organization of 上清寺 raises a
listing proposal for civil affairs and the street office.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from domain.alerts import Alert, AlertRule
from gateway.demo_data import MINYUE_NAME
from tests.e2e.test_dashboard import PHONE, WAIT_MS, Server, Watched, browser, desktop, phone, server, shot, sign_in

__all__ = ["browser", "desktop", "phone", "server"]  # the fixtures, used by name

ROOT = Path(__file__).resolve().parents[2]
C = {"reason": "依法办理", "occurredOn": "2026-11-20"}
TASK = "query($id: ID!) { task(id: $id) { id status departments assisting acknowledgedBy may } }"
STEPS = {  # each step through the API, for the refusals
    "acknowledgeTask": "acknowledgeTask(command: $c, taskId: $id)",
    "assignTask": 'assignTask(command: $c, taskId: $id, assignee: "sqs-li")',
    "transferTask": 'transferTask(command: $c, taskId: $id, to: "tax", reason: "x")',
    "requestTaskAssistance": 'requestTaskAssistance(command: $c, taskId: $id, department: "inspection", note: "x")',
    "resolveTask": 'resolveTask(command: $c, taskId: $id, resolution: "已办")',
    "acceptProposal": "acceptProposal(command: $c, alertId: $id)",
    "declineProposal": 'declineProposal(command: $c, alertId: $id, reason: "不予采纳")',
}
ACCEPTED = "上清寺路社区老年书画社"  # warned for the accepted proposal (an accepted one lists it), not 民悦


def warned(server: Server, name: str = MINYUE_NAME) -> str:
    """A tax warning of an organization of 上清寺: the listing proposal (a task) it raises, once visible."""
    org = server.org_id("tax-he", name)
    fined = server.graphql("tax-he", """mutation($org: ID!, $c: CommandInput!) {
        imposePenalty(command: $c, organizationId: $org, kind: "warning") { eventIds } }""",
                           {"org": org, "c": C})["imposePenalty"]["eventIds"][0]
    task_id = str(Alert.create_id(AlertRule.PARTNER_PENALTY, fined))
    return seen(server, "sqs-li", task_id)


def seen(server: Server, user: str, task_id: str) -> str:
    deadline = time.monotonic() + WAIT_MS / 1000
    while server.call(user, TASK, {"id": task_id}).get("errors"):
        assert time.monotonic() < deadline, f"task {task_id} never reached {user}"
        time.sleep(0.1)
    return task_id


def step(server: Server, user: str, call: str, task_id: str) -> str | None:
    """One step through the API (``call``: the mutation with its arguments): the error's code, or None."""
    body = server.call(user, f"mutation($c: CommandInput!, $id: ID!) {{ {call} {{ eventIds }} }}",
                       {"c": C, "id": task_id})
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


def do(server: Server, user: str, call: str, task_id: str) -> None:
    """A step taken through the API by another user, as a test's setup or a change to follow."""
    assert step(server, user, call, task_id) is None


def open_tasks(watched: Watched, query: str = "tab=street&status=all&rule=partner_penalty") -> Any:
    page = watched.page
    page.goto(f"{watched.server.url}/#/tasks?{query}")
    page.locator("body[data-tasks='ready']").wait_for(state="attached")
    return page


def row(page: Any, task_id: str) -> Any:
    """The task's row, paging forward until it shows."""
    found = page.locator(f"li.task[data-task-id='{task_id}']")
    while not found.count():
        following = page.locator("#tasks-next")
        assert following.is_enabled(), f"task {task_id} is not in the list"
        first = page.locator("li.task").first.get_attribute("data-task-id")
        following.click()
        page.wait_for_function("id => document.querySelector('li.task')?.dataset.taskId !== id", arg=first)
    return found


def fresh_row(page: Any, task_id: str, old_position: str) -> Any:
    """The row once read again after a step (its updatedPosition moved on)."""
    page.wait_for_function("([id, p]) => { const r = document.querySelector(`li.task[data-task-id='${id}']`);"
                           " return r && r.dataset.updated !== p; }", arg=[task_id, old_position])
    return page.locator(f"li.task[data-task-id='{task_id}']")


def take(page: Any, task_id: str, name: str, fill: dict[str, str] | None = None) -> Any:
    """Take a step through the page: its button, its form filled (labels), confirmed; the row as read again."""
    task = row(page, task_id)
    before = task.get_attribute("data-updated")
    task.locator(f"button[data-step='{name}']").click()
    if name != "acknowledgeTask":
        form = task.locator(f"form[data-step='{name}']")
        for caption, value in (fill or {}).items():
            field = form.get_by_label(caption)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        form.locator("button[type=submit]").click()
    return fresh_row(page, task_id, before)


def field(task: Any, name: str) -> str:
    return task.locator(f"[data-field='{name}']").inner_text().strip()


# -- live, and on a phone (first: the tasks the other tests add would push the new one to a later page) -------

def badge_shows(page: Any, pending: int) -> None:
    """Wait until the nav link's badge shows this many pending tasks."""
    page.wait_for_function("n => Number(document.querySelector(\"a[data-nav='tasks'] .nav-badge\")?.dataset.pending)"
                           " === n", arg=pending)


def test_the_page_follows_other_users_changes_live(desktop: Watched, server: Server) -> None:
    sign_in(desktop, "sqs-li")
    page = open_tasks(desktop, "tab=department&rule=partner_penalty")  # the first test: all on one page
    page.evaluate("window.__stillTheSamePage = true")
    pending = server.graphql("sqs-li", """{ tasks(filter: {status: "pending", department: "street_office"})
        { counts { pending } } }""")["tasks"]["counts"]["pending"]
    badge_shows(page, pending)

    task_id = warned(server)  # another department's warning raises a task for the street
    task = page.locator(f"li.task[data-task-id='{task_id}']")
    task.wait_for()
    badge_shows(page, pending + 1)
    assert page.locator("#tasks-status").inner_text() == "督办事项有更新。"

    task.locator("summary").click()  # its history open while another user works on it
    task.locator("li[data-action='raised']").wait_for()
    do(server, "ca-zhang", STEPS["acknowledgeTask"], task_id)  # civil affairs acknowledges it
    page.locator(f"li.task[data-task-id='{task_id}'] [data-field='acknowledged']").wait_for()
    assert field(page.locator(f"li.task[data-task-id='{task_id}']"), "acknowledged") == "区民政局"
    assert page.evaluate("window.__stillTheSamePage") is True  # no reload
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 · (剩余 \d+ 个工作日|今天到期)",
                        field(page.locator(f"li.task[data-task-id='{task_id}']"), "due"))
    page.locator(f"li.task[data-task-id='{task_id}'] li[data-action='acknowledged']").wait_for()  # read again
    page.locator("body").evaluate("() => window.scrollTo(0, 0)")
    shot(page, "tasks-desktop.png")


def test_the_page_on_a_phone_in_english(phone: Watched, server: Server) -> None:
    task_id = warned(server)
    sign_in(phone, "sqs-li")
    page = phone.page
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("link", name=re.compile("^To do")).click()
    page.locator("body[data-tasks='ready']").wait_for(state="attached")
    assert page.locator("h1").inner_text() == "Tasks to do"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page = open_tasks(phone, "rule=partner_penalty")  # the department's pending ones of this kind
    task = row(page, task_id)
    assert field(task, "status") == "Open"
    assert task.locator("[data-rule]").inner_text() == "Penalty by a partner department"
    assert task.locator(".task-message").get_attribute("lang") in ("zh-CN", "en")
    task.locator("button[data-step='transferTask']").click()
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "tasks-phone.png")


# -- each step, through the page, by a department that may take it -------------------------------------------------

def check_acknowledged(task: Any, page: Any) -> None:
    assert field(task, "status") == "已签收" and field(task, "acknowledged") == "街道办事处"
    assert task.locator("button[data-step='acknowledgeTask']").count() == 0  # done once per department
    assert page.evaluate("document.activeElement.className") == "task-title"  # the keyboard stays on the task
    task.locator("summary").click()  # the history, read when opened
    task.locator("li[data-action='acknowledged']").wait_for()
    assert "sqs-li（街道办事处）" in task.locator("li[data-action='acknowledged']").inner_text()


def check_assigned(task: Any, page: Any) -> None:
    assert field(task, "assignees") == "sqs-li（街道办事处）"
    open_tasks_tab = page.locator("a[data-tab='mine']")
    open_tasks_tab.click()
    page.locator("body[data-tasks='ready']").wait_for(state="attached")
    assert page.locator(f"li.task[data-task-id='{task.get_attribute('data-task-id')}']").count() == 1


def check_transferred(task: Any, page: Any) -> None:
    assert field(task, "owners") == "区民政局、党工委"
    assert task.locator("button[data-step]").count() == 0  # the street no longer owns it, and still sees it


def check_helped(task: Any, page: Any) -> None:
    assert field(task, "assisting") == "税务局"


def check_resolved(task: Any, page: Any) -> None:
    assert field(task, "status") == "已办结" and field(task, "resolution") == "已约谈负责人，完成整改"
    assert task.locator("button[data-step]").count() == 0


def check_accepted(task: Any, page: Any) -> None:
    assert field(task, "status") == "已办结" and field(task, "decision") == "已采纳"


def check_declined(task: Any, page: Any) -> None:
    assert field(task, "status") == "已办结" and field(task, "decision") == "不予采纳"
    assert field(task, "resolution") == "不予采纳：情节轻微，已当场改正"


ALLOWED = [  # step, who takes it, the form's fields by label, what the row shows after
    ("acknowledgeTask", "sqs-li", None, check_acknowledged),
    ("assignTask", "sqs-li", {}, check_assigned),  # the officer's own username is filled in
    ("transferTask", "sqs-li", {"转至部门": "党工委", "转办理由": "涉及党建工作"}, check_transferred),
    ("requestTaskAssistance", "sqs-li", {"协办部门": "税务局", "协办事项说明": "请提供处罚决定书"}, check_helped),
    ("resolveTask", "sqs-li", {"办理结果": "已约谈负责人，完成整改"}, check_resolved),
    ("acceptProposal", "ca-zhang", {}, check_accepted),
    ("declineProposal", "ca-zhang", {"不予采纳的理由": "情节轻微，已当场改正"}, check_declined),
]


@pytest.mark.parametrize(("name", "user", "fill", "check"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_a_department_that_may_takes_the_step_through_the_page(desktop: Watched, server: Server, name: str, user: str,
                                                                fill: dict[str, str] | None, check: Any) -> None:
    organization = ACCEPTED if name == "acceptProposal" else MINYUE_NAME
    task_id = warned(server, organization)
    sign_in(desktop, user)
    page = open_tasks(desktop)
    button = row(page, task_id).locator(f"button[data-step='{name}']").inner_text()
    task = take(page, task_id, name, fill)
    status = page.locator("#tasks-status")  # the step announced
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == f"{button}：{organization}"
    check(task, page)
    assert desktop.page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_a_refusal_from_the_api_is_shown_in_the_form(desktop: Watched, server: Server) -> None:
    task_id = warned(server)
    sign_in(desktop, "sqs-li")
    page = open_tasks(desktop)
    task = row(page, task_id)
    button = task.locator("button[data-step='assignTask']")
    button.click()
    form = task.locator("form[data-step='assignTask']")
    assert page.evaluate("document.activeElement.name") == "assignee"  # the keyboard goes into the form
    assert page.evaluate("document.activeElement.value") == "sqs-li"
    form.get_by_label("承办人（用户名）").fill("x" * 101)  # the domain takes at most 100
    form.locator("button[type=submit]").click()
    problem = form.get_by_role("alert")
    problem.wait_for()
    assert problem.inner_text().startswith("未能办理：")
    assert "the assignee is longer than 100 characters" in problem.inner_text()  # the API's own message
    assert server.graphql("sqs-li", "query($id: ID!) { task(id: $id) { assignees { username } } }",
                          {"id": task_id})["task"]["assignees"] == []
    page.keyboard.press("Escape")  # the form closes; the keyboard is back on the button
    assert task.locator("form").count() == 0
    assert page.evaluate("document.activeElement.dataset.step") == "assignTask"


def test_a_task_handed_to_another_department_leaves_the_list(desktop: Watched, server: Server) -> None:
    task_id = warned(server)
    sign_in(desktop, "ca-zhang")
    page = open_tasks(desktop)
    task = row(page, task_id)
    task.locator("button[data-step='transferTask']").click()
    form = task.locator("form[data-step='transferTask']")
    form.get_by_label("转至部门").select_option(label="财政局")
    form.get_by_label("转办理由").fill("涉及购买服务资金")
    form.locator("button[type=submit]").click()
    task.wait_for(state="detached")  # civil affairs sees its own and its helpers' tasks only
    assert page.locator("#tasks-status").inner_text() == f"转办：{MINYUE_NAME} {MINYUE_NAME}：该事项已不在您的范围内。"
    assert server.call("ca-zhang", TASK, {"id": task_id})["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert server.graphql("fin-chen", TASK, {"id": task_id})["task"]["departments"] == ["finance", "street_office"]


# -- and by one that may not: no button, and FORBIDDEN from the API ---------------------------------------------------

def refused(watched: Watched, server: Server, user: str, task_id: str, names: list[str]) -> Any:
    page = open_tasks(watched)
    task = row(page, task_id)
    for name in names:
        assert task.locator(f"button[data-step='{name}']").count() == 0, name
        assert step(server, user, STEPS[name], task_id) == "FORBIDDEN", name
    return task


def test_the_street_gets_no_button_on_a_task_handed_to_other_departments(desktop: Watched, server: Server) -> None:
    task_id = warned(server)
    do(server, "ca-zhang", 'transferTask(command: $c, taskId: $id, to: "finance", reason: "涉及购买服务资金")', task_id)
    do(server, "sqs-li", 'transferTask(command: $c, taskId: $id, to: "party_building", reason: "党建事项")', task_id)
    sign_in(desktop, "sqs-li")
    task = refused(desktop, server, "sqs-li", task_id, ["acknowledgeTask", "assignTask", "transferTask"])
    assert field(task, "owners") == "财政局、党工委"  # the street still sees it
    assert task.locator("button[data-step]").count() == 0


def test_a_helper_may_acknowledge_only(desktop: Watched, server: Server) -> None:
    task_id = warned(server)
    do(server, "ca-zhang", 'requestTaskAssistance(command: $c, taskId: $id, department: "tax", note: "请提供处罚决定书")',
       task_id)
    seen(server, "tax-he", task_id)
    sign_in(desktop, "tax-he")
    task = refused(desktop, server, "tax-he", task_id, ["resolveTask", "requestTaskAssistance", "assignTask"])
    assert task.locator("button[data-step]").all_inner_texts() == ["签收"]


def test_the_street_may_not_decide_a_proposal(desktop: Watched, server: Server) -> None:
    task_id = warned(server)
    sign_in(desktop, "sqs-li")
    task = refused(desktop, server, "sqs-li", task_id, ["acceptProposal", "declineProposal"])
    assert task.locator("button[data-step='resolveTask']").count() == 1  # it works the task otherwise


# -- pages, and a district user's street ------------------------------------------------------------------------------

def test_next_and_previous_follow_the_apis_order_with_the_cursor_in_the_address(desktop: Watched,
                                                                                server: Server) -> None:
    everything: list[dict[str, str]] = []
    while len(everything) <= 20:  # more than a page: the demo's, the other tests' and, if need be, more
        if everything:
            warned(server)
        everything = server.graphql("sqs-li", "{ tasks(first: 100) { tasks { id } } }")["tasks"]["tasks"]
    while True:  # the rules raise a warning's task in the worker's next round: read until two reads agree
        time.sleep(1.0)
        again = server.graphql("sqs-li", "{ tasks(first: 100) { tasks { id } } }")["tasks"]["tasks"]
        if again == everything:
            break
        everything = again
    sign_in(desktop, "sqs-li")
    page = open_tasks(desktop, "tab=street&status=all")
    first = page.locator("li.task").evaluate_all("rows => rows.map(r => r.dataset.taskId)")
    page.locator("#tasks-next").click()
    page.wait_for_function("id => document.querySelector('li.task')?.dataset.taskId !== id", arg=first[0])
    assert "after=" in page.url
    second = page.locator("li.task").evaluate_all("rows => rows.map(r => r.dataset.taskId)")
    assert first + second == [t["id"] for t in everything][:len(first) + len(second)] and len(first) == 20
    page.reload()  # the cursor is in the address: the same page again
    page.locator("body[data-tasks='ready']").wait_for(state="attached")
    assert page.locator("li.task").evaluate_all("rows => rows.map(r => r.dataset.taskId)") == second
    assert page.locator(".pager").inner_text().split() == ["上一页", "第", "2", "页", "下一页"]
    page.locator("#tasks-prev").click()
    page.wait_for_function("id => document.querySelector('li.task')?.dataset.taskId === id", arg=first[0])
    assert "after=" not in page.url and page.locator("#tasks-prev").is_disabled()


def test_a_district_user_picks_a_street(desktop: Watched, server: Server) -> None:
    sign_in(desktop, "ca-zhang")
    page = open_tasks(desktop, "tab=street&status=all")
    page.get_by_label("街道", exact=True).select_option(label="化龙桥街道")
    page.get_by_role("button", name="查询").click()
    page.wait_for_function("() => location.hash.includes('street=hualongqiao')"
                           " && document.querySelectorAll('li.task').length > 0"
                           " && [...document.querySelectorAll('li.task [data-field=street]')]"
                           ".every(e => e.textContent === '化龙桥街道')")
    assert server.graphql("ca-zhang", '{ tasks(filter: {street: "hualongqiao"}) { counts { total } } }')[
        "tasks"]["counts"]["total"] == page.locator("li.task").count()


# -- the message's language; a bad address -------------------------------------------------------------------------

def test_the_message_is_in_the_pages_language(desktop: Watched, server: Server) -> None:
    """The rules write a task's message in Chinese; in English the page shows the API's messageEn."""
    task_id = warned(server)
    english = server.graphql("sqs-li", "query($id: ID!) { task(id: $id) { messageEn } }", {"id": task_id})[
        "task"]["messageEn"]
    page = desktop.page
    sign_in(desktop, "sqs-li")
    open_tasks(desktop)
    message = row(page, task_id).locator(".task-message")
    assert message.inner_text() == MINYUE_NAME + "受到税务局处罚：警告，建议列入活动异常名录（《社会组织信用信息管理办法》" \
        "第十条第（五）项：受到警告或者不满5万元罚款处罚）" and message.get_attribute("lang") == "zh-CN"
    page.get_by_role("button", name="Switch to English").click()
    page.locator(f"li.task[data-task-id='{task_id}'] .task-message[lang='en']").wait_for()
    shown = row(page, task_id).locator(".task-message").inner_text()
    assert shown == english and english.startswith(MINYUE_NAME) and "warning" in english


def test_a_cursor_from_nowhere_is_answered_in_place(desktop: Watched, server: Server) -> None:
    sign_in(desktop, "sqs-li")
    page = desktop.page
    page.goto(f"{server.url}/#/tasks?tab=street&after=not-a-cursor")
    problem = page.locator(".results [role='alert']")
    problem.wait_for()
    assert "cursor" in problem.inner_text()  # the API's message, beside the page's heading and filters
    assert page.locator("h1").inner_text() == "待办督办事项"
    page.get_by_role("link", name="回到第一页").click()
    page.locator("body[data-tasks='ready']").wait_for(state="attached")
    assert page.locator("li.task").count() > 0


# -- the words of every rule --------------------------------------------------------------------------------

def test_every_rule_has_a_label_in_both_languages() -> None:
    source = (ROOT / "gateway" / "web" / "static" / "i18n.js").read_text(encoding="utf-8")
    rules = source[source.index("  rule: {"):]
    rules = rules[:rules.index("  },")]
    for rule in AlertRule:
        assert re.search(rf"\b{rule.value}: \[\"[^\"]+\", \"[^\"]+\"\]", rules), rule.value
