"""A list as a file: the `export` query field writes the organizations (with the `organizations` filter), the
alerts, the tasks, the funding projects or the inspection cases as a typed .xlsx or a formula-safe CSV (gateway/files/export.py),
holding exactly the rows the caller's list query would (auth/policy.py: its field, its jurisdiction).

The file comes back in the answer, base64-encoded, rather than as a link to fetch: a GraphQL client gets it in the
one authenticated call it already makes, the server keeps nothing and signs nothing, and there is no URL that
would hand the file to whoever holds it after the call (logs, history, a forwarded link). The cost, a third more
bytes than the file, is small for a district's lists (20,000 organizations: a 1.5 MiB workbook). ID and phone
numbers are never written (the dossier and the API's own reads are where they are seen, and recorded).
"""

from __future__ import annotations

import base64
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policy
from domain.clock import today
from gateway.files.export import LISTS, events_table, list_table, organizations_table, write
from projections.audit.event_log import LogFilter
from gateway.graphql.context import caller, runtime
from gateway.graphql.errors import BAD_USER_INPUT, coded, translate_errors
from gateway.graphql.task_rows import task_query
from gateway.graphql.queries import CreditListFilter, OrganizationFilter, _filters, addressed_alerts, in_reach

MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8"}


@strawberry.enum
class ExportList(Enum):
    ORGANIZATIONS = "organizations"
    ALERTS = "alerts"
    TASKS = "tasks"
    FUNDING = "funding"
    INSPECTIONS = "inspections"
    CREDIT_LISTS = "credit-lists"
    EVENTS = "events"


@strawberry.enum
class ExportFormat(Enum):
    XLSX = "xlsx"
    CSV = "csv"


# The list query each export answers as: who may ask it, and for which rows.
QUERY_FIELD = {ExportList.ORGANIZATIONS: "organizations", ExportList.ALERTS: "alerts", ExportList.TASKS: "tasks",
               ExportList.FUNDING: "fundingProjects", ExportList.INSPECTIONS: "inspectionCases",
               ExportList.CREDIT_LISTS: "organizations", ExportList.EVENTS: "eventLog"}


@strawberry.type(description="A list written as a file.")
class ExportFile:
    file_name: str
    media_type: str
    rows: int
    content_base64: str = strawberry.field(description="The file's bytes, base64-encoded.")


def _scope(rt: Any, principal: Any, list: ExportList) -> tuple[list[str], list[Any]]:  # noqa: A002
    """The SQL conditions that keep a list to the rows the caller's own list query gives."""
    if list is ExportList.ALERTS:
        return addressed_alerts(rt, principal)
    if list is ExportList.TASKS:  # the tasks the caller's `tasks` query gives, soonest due first
        subquery, params = task_query(rt, principal, today()).sql("a.alert_id")
        return [f"alert_id IN ({subquery})"], params
    condition, params = in_reach(rt, principal, LISTS[list.value].org_id)
    return [condition], params


@strawberry.type
class ExportQuery:
    @strawberry.field(description="A list as an .xlsx or CSV file: the organizations (with `filter`), the alerts, "
                                  "the funding projects or the inspection cases (with `street`); the rows the "
                                  "caller's own list query would give, ID and phone numbers left out.")
    @translate_errors
    def export(self, info: Info, list: ExportList, format: ExportFormat = ExportFormat.XLSX,  # noqa: A002
               filter: OrganizationFilter | None = None, street: str | None = None) -> ExportFile:  # noqa: A002
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "export")
        policy.require_query(principal, QUERY_FIELD[list])
        if list is ExportList.ORGANIZATIONS:
            if street is not None:
                raise coded("the organizations are filtered by `filter` (its street too)", BAD_USER_INPUT)
            f = filter or OrganizationFilter()
            _filters(**vars(f))
            given = {k: v.value if isinstance(v, CreditListFilter) else v for k, v in vars(f).items()
                     if v not in (None, strawberry.UNSET)}
            table = organizations_table(rt.app, principal=principal, **given)
        else:
            if filter is not None:
                raise coded("`filter` applies to the organizations; the other lists take `street`", BAD_USER_INPUT)
            _filters(street=street)
            if list is ExportList.EVENTS:  # the whole log, for the audit office alone (eventLog's grant)
                if street is not None:
                    raise coded("the event log is exported whole; `street` does not apply", BAD_USER_INPUT)
                table = events_table(rt.app, LogFilter())
            else:
                if street is not None and LISTS[list.value].street is None:
                    raise coded(f"the {list.value} list has no street to filter by", BAD_USER_INPUT)
                table = list_table(rt.app, list.value, street, *_scope(rt, principal, list))
        with tempfile.TemporaryDirectory(prefix="lianjian-export-") as folder:
            out = Path(folder) / f"export.{format.value}"
            rows = write(table, format.value, out)
            content = out.read_bytes()
        return ExportFile(file_name=f"{table.title}-{today().isoformat()}.{format.value}",
                          media_type=MEDIA_TYPES[format.value], rows=rows,
                          content_base64=base64.b64encode(content).decode("ascii"))
