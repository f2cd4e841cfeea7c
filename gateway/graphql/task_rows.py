"""The tasks a caller sees, read from the joint alerts view (projections/views/alerts.py): its scope (auth.policy.
task_visible, in SQL), the filters, the order (open first, soonest due first) and keyset pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from auth import policy
from auth.policy import AccessDenied
from domain.context import Department
from gateway.graphql.queries import feed_rows

STATUSES = ("open", "acknowledged", "resolved", "pending")  # pending: open or acknowledged, not resolved


def order(place: str) -> str:
    """Open first, soonest due first, on the copy the query filters on (``a`` the task, ``p`` its party row):
    the order of the view's indexes, so that a page is read from one of them, not sorted out of the scope."""
    return f"{place}.open DESC, {place}.due_key ASC, {place}.alert_id ASC"


class BadFilter(ValueError):
    """A filter value the query cannot take (BAD_USER_INPUT)."""


@dataclass
class TaskQuery:
    """One page's worth of SQL: FROM with its joins, WHERE, and the parameters; ``place``: the alias whose
    copy of the task's state the query filters and orders on; ``counted``: the FROM its counts need (the
    parties alone where no condition is on the task's own row: no lookup of each task to count it)."""

    source: str
    where: list[str]
    params: list[Any]
    place: str = "a"
    counted: str | None = None

    def sql(self, select: str, tail: str = "") -> tuple[str, list[Any]]:
        return f"SELECT {select} FROM {self.source} WHERE {' AND '.join(self.where) or '1 = 1'} {tail}", self.params


def task_query(rt: Any, principal: Any, today: date, *, department: str | None = None, district: str | None = None,
               street: str | None = None, community: str | None = None, status: str | None = None,
               rule: str | None = None, overdue: bool | None = None, due_before: date | None = None,
               assignee: str | None = None, task_id: str | None = None) -> TaskQuery:
    """The caller's tasks with these filters. A department other than the caller's own is a filter only
    for the street office and the audit office, who see other departments' tasks."""
    view = rt.view("joint_alerts")
    alerts, parties = view.t("alerts"), view.t("task_parties")
    role = policy.who(principal)
    where: list[str] = []
    params: list[Any] = []
    joined = False
    if department is not None:
        try:
            Department(department)
        except ValueError:
            raise BadFilter(f"no department {department!r}") from None
    if role not in (policy.Who.AUDIT, policy.Who.STREET_OFFICE):
        own = str(principal.department)
        if department is not None and department != own:
            raise AccessDenied(f"{principal.username} sees the tasks of {own} only")
        department, joined = own, True
    elif department is not None or assignee is not None:
        joined = True
    bounds = policy.place_bounds(principal)
    if bounds is None:
        where.append("1 = 0")
        bounds = {}
    place = "p" if joined else "a"  # the parties' copy of the place, so one index serves the department's query
    on_task = "community" in bounds  # a condition on the task's own row (the parties hold no community)
    for column, value in bounds.items():
        where.append(f"{place if column != 'community' else 'a'}.{column} = ?")
        params.append(value)
    if joined:
        where.append("p.relation <> 'none'")
        if department is not None:
            where.append("p.department = ?")
            params.append(department)
        if assignee is not None:
            where.append("p.assignee = ?")
            params.append(assignee)
    for column, value in (("district", district), ("street", street), ("community", community), ("rule", rule),
                          ("alert_id", task_id)):
        if value is not None:
            where.append(f"{'a' if column in ('community', 'rule') else place}.{column} = ?")
            params.append(value)
            on_task = on_task or column in ("community", "rule")
    if status is not None:
        if status not in STATUSES:
            raise BadFilter(f"status is one of {', '.join(STATUSES)}, not {status!r}")
        if status == "pending":
            where.append(f"{place}.open = 1")
        else:
            where.append(f"{place}.status = ?")
            params.append(status)
    if overdue is not None:
        where.append(f"{place}.open = 1 AND {place}.due_key < ?" if overdue
                     else f"NOT ({place}.open = 1 AND {place}.due_key < ?)")
        params.append(today.isoformat())
    if due_before is not None:
        where.append(f"{place}.due_key < ?")
        params.append(due_before.isoformat())
    source = f"{alerts} a JOIN {parties} p ON p.alert_id = a.alert_id" if joined else f"{alerts} a"
    return TaskQuery(source, where, params, place, f"{parties} p" if joined and not on_task else source)


def page_sql(query: TaskQuery, after: tuple[int, str, str] | None, limit: int) -> tuple[str, list[Any]]:
    """The SQL of one page after the keyset ``after``, and its parameters."""
    where, params, x = list(query.where), list(query.params), query.place
    if after is not None:
        is_open, due_key, alert_id = after
        where.append(f"({x}.open < ? OR ({x}.open = ? AND ({x}.due_key > ? OR ({x}.due_key = ? AND {x}.alert_id > ?))))")
        params += [is_open, is_open, due_key, due_key, alert_id]
    sql, _ = TaskQuery(query.source, where, params).sql("a.*", f"ORDER BY {order(x)} LIMIT ?")
    return sql, [*params, limit]


def task_page(rt: Any, query: TaskQuery, after: tuple[int, str, str] | None, limit: int) -> list[dict[str, Any]]:
    with rt.db.transaction(commit=False) as tx:
        return tx.rows(*page_sql(query, after, limit))


def counts_sql(query: TaskQuery, today: date) -> tuple[str, list[Any]]:
    """The SQL of the counts of every task the query selects, and its parameters."""
    x = query.place
    sql, params = TaskQuery(query.counted or query.source, query.where, query.params).sql(
        f"COUNT(*) AS total, COALESCE(SUM({x}.open), 0) AS pending,"
        f" COALESCE(SUM(CASE WHEN {x}.open = 1 AND {x}.due_key < ? THEN 1 ELSE 0 END), 0) AS overdue,"
        f" COALESCE(SUM(CASE WHEN {x}.status = 'open' THEN 1 ELSE 0 END), 0) AS unacknowledged")
    return sql, [today.isoformat(), *params]


def task_counts(rt: Any, query: TaskQuery, today: date) -> dict[str, int]:
    with rt.db.transaction(commit=False) as tx:
        row = tx.row(*counts_sql(query, today))
    return {key: int(row[key] or 0) for key in ("total", "pending", "overdue", "unacknowledged")}


def task_actions(rt: Any, alert_id: str) -> list[dict[str, Any]]:
    table = rt.view("joint_alerts").t("task_actions")
    with rt.db.transaction(commit=False) as tx:
        return tx.rows(f"SELECT * FROM {table} WHERE alert_id = ? ORDER BY position", (alert_id,))


def changed_tasks(rt: Any, query: TaskQuery, since: int | None, limit: int = 100) -> list[dict[str, Any]]:
    """The live feed's rows (queries.feed_rows): the query's tasks changed after position ``since``, oldest change
    first; without it, the newest change."""
    return feed_rows(rt, query.source, "a.*", "a.updated_position", list(query.where), list(query.params), since,
                     limit)
