"""A page of tasks is read in the order of one of the joint alerts view's indexes, on both stores: the first
rows of an index range, never a sort of every task in the caller's scope (with 100,000 tasks, a district's
civil affairs sorted some 9,000 joined rows for each page); and counts are read from an index alone, a
department's from its parties', not by looking up each task (110 ms a request for a district's civil affairs,
12 ms for a street's 1,200 tasks on SQLite; bench/tasks.py)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from auth.dev import realm_principal
from gateway.graphql.task_rows import counts_sql, page_sql, task_query
from projections.runtime.db import ViewDatabase
from projections.runtime.runner import ViewRunner
from projections.views.alerts import AlertsView

CALLERS = [
    ("sqs-li", {}),  # the street office: its street's tasks, no join
    ("ca-zhang", {}),  # civil affairs: its department's tasks in the district, through the parties
    ("ca-zhang", {"overdue": True}),
    ("ca-zhang", {"assignee": "ca-zhang", "department": "civil_affairs"}),  # myTasks
    ("sqs-li", {"assignee": "sqs-li", "department": "street_office"}),
]


def plan(db: ViewDatabase, sql: str, params: list) -> str:
    """The store's plan of ``sql``; on PostgreSQL with sequential scans priced out, as on a table of size."""
    with db.transaction(commit=False) as tx:
        if db.is_postgres:
            tx.execute("SET LOCAL enable_seqscan = off")
            return "\n".join(r["QUERY PLAN"] for r in tx.rows("EXPLAIN " + sql, params))
        return "\n".join(r["detail"] for r in tx.rows("EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.parametrize(("user", "asked"), CALLERS)
@pytest.mark.parametrize("after", [None, (1, "2026-12-01", "a")])
def test_a_page_of_tasks_is_read_in_index_order_not_sorted(make_app, user, asked, after):
    app = make_app()
    view = AlertsView()
    ViewRunner(app, [view])  # the view's tables and indexes
    db = ViewDatabase(app)
    query = task_query(SimpleNamespace(view=lambda name: view), realm_principal(user), date(2026, 12, 5), **asked)
    shown = plan(db, *page_sql(query, after, 21))
    assert "TEMP B-TREE" not in shown and "Sort" not in shown, shown


@pytest.mark.parametrize(("user", "asked"), [*CALLERS, ("sqs-li", {"department": "street_office"}),
                                             ("ca-zhang", {"status": "open"}), ("sqs-li", {"status": "open"})])
def test_counts_are_read_from_an_index_alone(make_app, user, asked):
    app = make_app()
    view = AlertsView()
    ViewRunner(app, [view])
    db = ViewDatabase(app)
    query = task_query(SimpleNamespace(view=lambda name: view), realm_principal(user), date(2026, 12, 5), **asked)
    shown = plan(db, *counts_sql(query, date(2026, 12, 5)))
    if query.place == "p":  # a department's: the parties alone
        assert view.t("alerts") not in shown, shown
    if not db.is_postgres:  # PostgreSQL picks among the indexes by the tables' sizes: empty here
        assert "COVERING INDEX" in shown, shown
