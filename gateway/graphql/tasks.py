"""Tasks (督办) in the API: `tasks` (filtered, paged, with counts for badges), `myTasks`, `task`, the
subscription `taskChanged`, and one mutation per step — each behind the access matrix (auth.policy:
task_visible, may_work_task). Merged into the schema beside the other query, mutation and subscription types."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from auth import policy
from auth.policy import AccessDenied
from domain import clock
from domain.application import Supervision
from gateway.graphql.alert_words import english
from gateway.graphql.context import caller, runtime
from gateway.graphql.errors import BAD_USER_INPUT, coded, translate_errors
from gateway.graphql.mutations import CommandInput, Target, _load, _reached, _record
from gateway.graphql.subscriptions import polled
from gateway.graphql.task_rows import BadFilter, changed_tasks, task_actions, task_counts, task_page, \
    task_query
from gateway.graphql.types import CommandResult, PageInfo, decode_cursor, encode_cursor

PAGE_MAX = 100
STEPS = ("acknowledgeTask", "assignTask", "transferTask", "requestTaskAssistance", "resolveTask",
         "acceptProposal", "declineProposal")


@strawberry.type(description="One department's officer in charge (承办人) of a task.")
class TaskAssignee:
    department: str
    username: str


@strawberry.type(description="A step in a task's history, as recorded.")
class TaskAction:
    position: int
    action: str
    department: str | None
    actor: str | None
    detail: JSON
    occurred_on: date | None
    recorded_at: datetime


@strawberry.type(description="A task (督办事项): an alert or proposal, worked by the departments it is for.")
class Task:
    id: strawberry.ID
    rule: str
    organization_id: strawberry.ID
    organization_name: str | None
    district: str | None
    street: str | None
    community: str | None
    message: str
    departments: list[str] = strawberry.field(description="The departments that own it (its 主办).")
    assisting: list[str] = strawberry.field(description="Departments asked to help (协办).")
    assignees: list[TaskAssignee]
    acknowledged_by: list[str]
    status: str = strawberry.field(description="open, acknowledged or resolved.")
    overdue: bool = strawberry.field(description="Unresolved past its due day (Asia/Shanghai).")
    due_on: date | None
    reminded_on: date | None
    escalated_on: date | None
    raised_on: date
    raised_at: datetime
    position: int
    updated_position: int
    proposal: JSON | None
    decision: str | None
    resolved_on: date | None
    resolution: str | None
    may: list[str] = strawberry.field(description="The steps the caller may take on it now (its buttons).")

    @strawberry.field(description="The task in English (message is the rules' own Chinese).")
    def message_en(self) -> str:
        return english(self.rule, self.organization_name, self.message, self.proposal)

    @strawberry.field(description="Its history, oldest first.")
    def actions(self, info: Info) -> list[TaskAction]:
        return [TaskAction(position=r["position"], action=r["action"], department=r["department"], actor=r["actor"],
                           detail=json.loads(r["detail"] or "{}"), occurred_on=_date(r["occurred_on"]),
                           recorded_at=datetime.fromisoformat(r["recorded_at"]))
                for r in task_actions(runtime(info), str(self.id))]

    @classmethod
    def from_row(cls, row: dict[str, Any], principal: Any, today: date) -> Task:
        departments = [d for d in row["departments"].split(",") if d]
        assisting = [d for d in row["assisting"].split(",") if d]
        assignees = json.loads(row["assignees"] or "{}")
        return cls(
            id=row["alert_id"], rule=row["rule"], organization_id=row["org_id"], organization_name=row["org_name"],
            district=row["district"], street=row["street"], community=row["community"], message=row["message"],
            departments=departments, assisting=assisting,
            assignees=[TaskAssignee(department=d, username=u) for d, u in sorted(assignees.items())],
            acknowledged_by=[d for d in row["acknowledged_by"].split(",") if d], status=row["status"],
            overdue=bool(row["open"]) and row["due_on"] is not None and row["due_on"] < today.isoformat(),
            due_on=_date(row["due_on"]), reminded_on=_date(row["reminded_on"]), escalated_on=_date(row["escalated_on"]),
            raised_on=date.fromisoformat(row["raised_on"]), raised_at=datetime.fromisoformat(row["raised_at"]),
            position=row["raised_position"], updated_position=row["updated_position"],
            proposal=json.loads(row["proposal"]) if row["proposal"] else None, decision=row["decision"],
            resolved_on=_date(row["resolved_on"]), resolution=row["resolution"],
            may=_steps(principal, row, departments, assisting),
        )


def _steps(principal: Any, row: dict[str, Any], departments: list[str], assisting: list[str]) -> list[str]:
    if not row["open"]:
        return []
    proposal = bool(row["proposal"])
    department = str(principal.department)
    steps = []
    for step in STEPS:
        if step in ("acceptProposal", "declineProposal") and not proposal:
            continue
        if step == "acknowledgeTask" and department in row["acknowledged_by"].split(","):
            continue
        if policy.may_work_task(principal, step, row["district"], row["street"], departments, assisting):
            steps.append(step)
    return steps


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@strawberry.input(description="Which tasks: every field narrows the caller's scope further.")
class TaskFilter:
    department: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    status: str | None = strawberry.field(default=None, description="open, acknowledged, resolved or pending.")
    rule: str | None = None
    overdue: bool | None = None
    due_before: date | None = strawberry.field(default=None, description="Due before this day.")
    assignee: str | None = None


@strawberry.type(description="Counts of the tasks a filter selects (without paging), for badges.")
class TaskCounts:
    total: int
    pending: int
    overdue: int
    unacknowledged: int


@strawberry.type
class TaskPage:
    tasks: list[Task]
    page_info: PageInfo
    _query: strawberry.Private[Any]
    _today: strawberry.Private[date]

    @strawberry.field(description="How many tasks the filter selects in all: pending, overdue, unacknowledged.")
    def counts(self, info: Info) -> TaskCounts:
        return TaskCounts(**task_counts(runtime(info), self._query, self._today))


def _query(rt: Any, principal: Any, today: date, filter: TaskFilter | None, **forced: Any) -> Any:
    """The caller's tasks with the filter asked (and ``forced``: myTasks' own); a bad value is BAD_USER_INPUT."""
    asked = {**(vars(filter) if filter is not None else {}), **forced}
    try:
        return task_query(rt, principal, today, **asked)
    except BadFilter as error:
        raise coded(str(error), BAD_USER_INPUT) from None


def _page(info: Info, filter: TaskFilter | None, first: int, after: str | None, **forced: Any) -> TaskPage:
    principal, rt = caller(info), runtime(info)
    policy.require_query(principal, "tasks")
    if not 1 <= first <= PAGE_MAX:
        raise coded(f"first must be 1..{PAGE_MAX}", BAD_USER_INPUT)
    cursor = decode_cursor(after, int, str, str)
    today = clock.today()
    query = _query(rt, principal, today, filter, **forced)
    rows = task_page(rt, query, tuple(cursor) if cursor else None, first + 1)
    tasks = [Task.from_row(r, principal, today) for r in rows[:first]]
    last = rows[first - 1] if len(rows) > first else None
    return TaskPage(tasks=tasks, page_info=PageInfo(
        has_next_page=len(rows) > first,
        end_cursor=encode_cursor(last["open"], last["due_key"], last["alert_id"]) if last else None),
        _query=query, _today=today)


@strawberry.type
class TaskQueries:
    @strawberry.field(description="The tasks the caller sees (the street office: every task about its street), "
                                  "open first, soonest due first.")
    @translate_errors
    def tasks(self, info: Info, filter: TaskFilter | None = None, first: int = 20,
              after: str | None = None) -> TaskPage:
        return _page(info, filter, first, after)

    @strawberry.field(description="The tasks the caller carries (承办人), open first, soonest due first.")
    @translate_errors
    def my_tasks(self, info: Info, filter: TaskFilter | None = None, first: int = 20,
                 after: str | None = None) -> TaskPage:
        principal = caller(info)
        if filter is not None and filter.department not in (None, str(principal.department)):
            raise AccessDenied("myTasks are the caller's own department's")
        return _page(info, filter, first, after, assignee=principal.username, department=str(principal.department))

    @strawberry.field(description="One task with its history; NOT_FOUND when the caller does not see it.")
    @translate_errors
    def task(self, info: Info, id: strawberry.ID) -> Task:
        page = _page(info, None, 1, None, task_id=str(id))
        if not page.tasks:
            raise policy.OutOfJurisdiction(policy.not_found("task"))
        return page.tasks[0]


def _task(alert_id: Any, mutation: str) -> Target:
    """A task the caller sees (else NOT_FOUND, as a missing one) and may take this step on (else FORBIDDEN)."""

    def target(app: Supervision, principal: Any, cached: bool) -> Any:
        task = _load("task", lambda: app.alert(alert_id))

        def allowed(org: Any) -> bool:
            return policy.task_visible(principal, org.district, org.street, list(task.departments),
                                       list(task.assisting))

        org, as_cached = _reached(app, task.organization_id, "task", allowed, cached)
        if not policy.may_work_task(principal, mutation, org.district, org.street, list(task.departments),
                                    list(task.assisting)):
            raise AccessDenied(f"{principal.username} ({principal.department}) may not {mutation} this task: it is "
                               f"for {', '.join(task.departments)}")
        return org, as_cached

    return target


def _step(info: Info, mutation: str, command: CommandInput, task_id: Any, method: Any, **kwargs: Any) -> CommandResult:
    """One step on a task: the service ``method`` (named as ``Supervision.<command>``) behind ``_task``'s check."""
    return _record(info, mutation, command,
                   lambda app, ctx, key: method(app, ctx, task_id, idempotency_key=key, **kwargs),
                   target=_task(task_id, mutation))


@strawberry.type
class TaskMutation:
    @strawberry.mutation(description="签收: the caller's department (an owner or a helper) takes note of the task.")
    @translate_errors
    def acknowledge_task(self, info: Info, command: CommandInput, task_id: strawberry.ID) -> CommandResult:
        return _step(info, "acknowledgeTask", command, task_id, Supervision.acknowledge_alert)

    @strawberry.mutation(description="指定承办人: one of the caller's department's officers carries the task.")
    @translate_errors
    def assign_task(self, info: Info, command: CommandInput, task_id: strawberry.ID, assignee: str) -> CommandResult:
        return _step(info, "assignTask", command, task_id, Supervision.assign_task, assignee=assignee)

    @strawberry.mutation(description="转办: hand the caller's department's part to another department, with why.")
    @translate_errors
    def transfer_task(self, info: Info, command: CommandInput, task_id: strawberry.ID, to: str,
                      reason: str) -> CommandResult:
        return _step(info, "transferTask", command, task_id, Supervision.transfer_task, to=to, reason=reason)

    @strawberry.mutation(description="协办: ask another department to help with the task.")
    @translate_errors
    def request_task_assistance(self, info: Info, command: CommandInput, task_id: strawberry.ID, department: str,
                                note: str) -> CommandResult:
        return _step(info, "requestTaskAssistance", command, task_id, Supervision.request_assistance,
                     department=department, note=note)

    @strawberry.mutation(description="办结: the task is done; the resolution says how.")
    @translate_errors
    def resolve_task(self, info: Info, command: CommandInput, task_id: strawberry.ID,
                     resolution: str) -> CommandResult:
        return _step(info, "resolveTask", command, task_id, Supervision.resolve_alert, resolution=resolution)


@strawberry.type
class TaskSubscription:
    @strawberry.subscription(description="Tasks in the caller's scope as they appear or change (any step).")
    async def task_changed(self, info: Info, filter: TaskFilter | None = None) -> AsyncGenerator[Task, None]:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "tasks")
        query = _query(rt, principal, clock.today(), filter)
        async for row in polled(info, "updated_position", lambda: changed_tasks(rt, query, None, limit=1),
                                lambda last: changed_tasks(rt, query, last)):
            yield Task.from_row(row, principal, clock.today())
