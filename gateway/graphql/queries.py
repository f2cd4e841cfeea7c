"""Query fields. Each asks the policy, reads a view, and returns what the caller may see."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from auth import policy
from auth.policy import Area
from domain.clock import as_utc, today
from domain.values import NAME_MAX
from gateway.graphql.context import caller, runtime
from gateway.graphql.errors import BAD_USER_INPUT, NOT_FOUND, coded, translate_errors
from gateway.graphql.read_audit import events_shown, organizations_shown
from gateway.graphql.types import (
    Alert,
    AlertPage,
    FundingProject,
    HistoryEvent,
    HistoryPage,
    InspectionCase,
    Me,
    Organization,
    OrganizationConnection,
    OrganizationEdge,
    PageInfo,
    StreetOverview,
    ViewLag,
    decode_cursor,
    encode_cursor,
)
from projections.views.registry import search_conditions
from projections.views.rows import registry_row

MAX_PAGE = 200
# Free-text filters: no name or code is longer, and SQLite refuses a LIKE pattern past 50,000 bytes.
FILTER_MAX = NAME_MAX


@strawberry.enum
class CreditListFilter(Enum):
    ABNORMAL = "abnormal"
    SERIOUS = "serious"
    ANY = "any"


@strawberry.enum(description="The order of an organization's history: as recorded, or by the date each event "
                             "took effect (occurredOn; ties in the order recorded).")
class HistoryOrder(Enum):
    RECORDED = "recorded"
    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


# The date an event took effect: its business date, or (for an event without one) the day it was recorded.
TOOK_EFFECT = "COALESCE(occurred_on, SUBSTR(recorded_at, 1, 10))"
MAX_SKIP = 1_000_000


@strawberry.input
class OrganizationFilter:
    name: str | None = strawberry.UNSET
    credit_code: str | None = strawberry.UNSET
    kind: str | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    street: str | None = strawberry.UNSET
    community: str | None = strawberry.UNSET
    grade: int | None = strawberry.UNSET
    credit_list: CreditListFilter | None = strawberry.UNSET


def _filters(**texts: Any) -> None:
    """BAD_USER_INPUT for a free-text filter longer than FILTER_MAX characters."""
    for name, text in texts.items():
        if isinstance(text, str) and len(text) > FILTER_MAX:
            what = name.split("_")[0] + "".join(word.title() for word in name.split("_")[1:])
            raise coded(f"the {what} filter is longer than {FILTER_MAX} characters", BAD_USER_INPUT)


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise coded(f"first must be from 1 to {MAX_PAGE}", BAD_USER_INPUT)
    return first


def _uuid(value: str) -> str:
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise coded("no such organization", NOT_FOUND) from None


def registry_row_for(info: Info, organization_id: str) -> dict[str, Any]:
    """The organization's registry row, if the caller may see the organization at all."""
    rt, principal = runtime(info), caller(info)
    view = rt.view("civil_affairs_registry")
    with rt.db.transaction(commit=False) as tx:
        row = tx.row(f"SELECT * FROM {view.t('organizations')} WHERE org_id = ?", (_uuid(organization_id),))
    if row is None:
        raise coded("no such organization", NOT_FOUND)
    policy.require_visible(principal, row["district"], row["street"])
    return row


def in_reach(rt: Any, principal: Any, org_id: str | None = None, **asked: str | None) -> tuple[str, list[Any]]:
    """The SQL condition that keeps rows to the caller's whole jurisdiction (policy.place_bounds) and to the
    registry columns it ``asked`` for: on the registry's own columns, or, given the column holding the
    organization id of another view's rows, on theirs through the registry. A street's name alone never
    does: it repeats across districts."""
    bounds = policy.place_bounds(principal)
    if bounds is None:
        return "1 = 0", []
    pairs = [*bounds.items(), *((column, value) for column, value in asked.items() if value)]
    if not pairs:
        return "1 = 1", []
    condition = " AND ".join(f"{column} = ?" for column, _ in pairs)
    if org_id is not None:
        registry = rt.view("civil_affairs_registry").t("organizations")
        condition = f"{org_id} IN (SELECT org_id FROM {registry} WHERE {condition})"
    return condition, [value for _, value in pairs]


def addressed_alerts(rt: Any, principal: Any, street: str | None = None,
                     district: str | None = None) -> tuple[list[str], list[Any]]:
    """The SQL conditions on the joint alerts' rows the caller sees: those addressed to its department, about
    organizations in its jurisdiction (every alert for auditors), of one ``street`` (and ``district``) within
    it when named."""
    where, params = ["1 = 1"], []
    if policy.who(principal) != policy.Who.AUDIT:
        where.append("(',' || departments || ',') LIKE ?")
        params.append(f"%,{principal.department},%")
    if policy.who(principal) != policy.Who.AUDIT or street or district:
        condition, bound = in_reach(rt, principal, "org_id", street=street, district=district)
        where.append(condition)
        params += bound
    return where, params


def visible_alerts(rt: Any, principal: Any, *, status: str | None = None, before: int | None = None,
                   since: int | None = None, limit: int = 50, open_only: bool = False,
                   street: str | None = None, district: str | None = None) -> list[dict[str, Any]]:
    """Alerts addressed to the caller's department about organizations in its jurisdiction (all for
    auditors), of one ``street`` (and ``district``) within it when named, only unresolved ones with
    ``open_only``; newest first, or oldest first after ``since`` (for the live feed)."""
    where, params = addressed_alerts(rt, principal, street, district)
    if status:
        where.append("status = ?")
        params.append(status)
    if open_only:
        where.append("status <> 'resolved'")
    if before is not None:
        where.append("raised_position < ?")
        params.append(before)
    return feed_rows(rt, rt.view("joint_alerts").t("alerts"), "*", "raised_position", where, params, since, limit)


def feed_rows(rt: Any, table: str, columns: str, position: str, where: list[str], params: list[Any],
              since: int | None, limit: int) -> list[dict[str, Any]]:
    """Rows of a live feed: those after position ``since``, oldest first; newest first without it."""
    if since is not None:
        where.append(f"{position} > ?")
        params.append(since)
    order = "ASC" if since is not None else "DESC"
    with rt.db.transaction(commit=False) as tx:
        return tx.rows(f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} ORDER BY {position} {order}"
                       " LIMIT ?", [*params, limit])


@strawberry.type
class Query:
    @strawberry.field(description="Who the caller is, and what it may record.")
    @translate_errors
    def me(self, info: Info) -> Me:
        principal = caller(info)
        return Me(
            username=principal.username, display_name=principal.display_name,
            department=str(principal.department) if principal.department else None,
            role=str(policy.who(principal)), roles=sorted(principal.roles), jurisdiction=principal.jurisdiction,
            may_record=sorted(policy.MAY_RECORD.get(policy.who(principal), frozenset())),
        )

    @strawberry.field(description="One organization; NOT_FOUND when outside the caller's jurisdiction.")
    @translate_errors
    def organization(self, info: Info, id: strawberry.ID) -> Organization:
        policy.require_query(caller(info), "organization")
        found = Organization.from_row(registry_row_for(info, id), caller(info))
        organizations_shown(info, [found], "organization.legalRepresentative")
        return found

    @strawberry.field(description="Search organizations, a page at a time (ordered by name).")
    @translate_errors
    def organizations(
        self, info: Info, filter: OrganizationFilter | None = None, first: int = 50, after: str | None = None
    ) -> OrganizationConnection:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "organizations")
        size = _page_size(first)
        table = rt.view("civil_affairs_registry").t("organizations")
        condition, bound = in_reach(rt, principal)
        where, params = [condition], bound
        f = filter or OrganizationFilter()
        _filters(**vars(f))
        given = {k: v.value if isinstance(v, CreditListFilter) else v for k, v in vars(f).items()
                 if v not in (None, strawberry.UNSET)}
        searched, searched_params = search_conditions(**given)
        where += searched
        params += searched_params
        condition = " AND ".join(where)
        with rt.db.transaction(commit=False) as tx:
            total = tx.row(f"SELECT COUNT(*) AS n FROM {table} WHERE {condition}", params)
            cursor = decode_cursor(after, str, str)
            page_where, page_params = condition, list(params)
            if cursor:
                page_where += " AND (name > ? OR (name = ? AND org_id > ?))"
                page_params += [cursor[0], cursor[0], cursor[1]]
            rows = tx.rows(f"SELECT * FROM {table} WHERE {page_where} ORDER BY name, org_id LIMIT ?",
                           [*page_params, size + 1])
        edges = [OrganizationEdge(cursor=encode_cursor(r["name"], r["org_id"]), node=Organization.from_row(r, principal))
                 for r in rows[:size]]
        organizations_shown(info, [e.node for e in edges], "organizations.legalRepresentative")
        return OrganizationConnection(
            edges=edges, total_count=int(total["n"]) if total else 0,
            page_info=PageInfo(has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None),
        )

    @strawberry.field(description="Who recorded what about the organization, when and why: in the order recorded "
                                  "(oldest first), or by the date each took effect (order); from/to: that date's "
                                  "range, both days included; department: its events only; skip: how many to pass "
                                  "over first (a page further on), or after: a page's endCursor.")
    @translate_errors
    def organization_history(
        self, info: Info, id: strawberry.ID, first: int = 100, after: str | None = None,
        order: HistoryOrder = HistoryOrder.RECORDED,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None, department: str | None = None, skip: int = 0,
    ) -> HistoryPage:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "organizationHistory")
        row = registry_row_for(info, id)
        if not policy.visible(principal, Area.HISTORY, row["district"], row["street"]):
            raise coded("no such organization", NOT_FOUND)
        size = _page_size(first)
        _filters(department=department)
        if from_ is not None and to is not None and from_ > to:
            raise coded(f"from ({from_.isoformat()}) is after to ({to.isoformat()})", BAD_USER_INPUT)
        if not 0 <= skip <= MAX_SKIP:
            raise coded(f"skip must be from 0 to {MAX_SKIP}", BAD_USER_INPUT)
        where, params = ["org_id = ?"], [row["org_id"]]
        own = policy.own_events_only(principal)
        for value in (own, department):
            if value:
                where.append("department = ?")
                params.append(value)
        if from_ is not None:
            where.append(f"{TOOK_EFFECT} >= ?")
            params.append(from_.isoformat())
        if to is not None:
            where.append(f"{TOOK_EFFECT} <= ?")
            params.append(to.isoformat())
        counted, counted_params = " AND ".join(where), list(params)
        by_date = order != HistoryOrder.RECORDED
        later = order == HistoryOrder.NEWEST_FIRST
        cursor = decode_cursor(after, str, int) if by_date else decode_cursor(after, int)
        if cursor and by_date:
            step = "<" if later else ">"
            where.append(f"({TOOK_EFFECT} {step} ? OR ({TOOK_EFFECT} = ? AND position {step} ?))")
            params += [cursor[0], cursor[0], int(cursor[1])]
        elif cursor:
            where.append("position > ?")
            params.append(int(cursor[0]))
        direction = "DESC" if later else "ASC"
        ordering = f"{TOOK_EFFECT} {direction}, position {direction}" if by_date else "position"
        table = rt.view("event_history").t("events")
        with rt.db.transaction(commit=False) as tx:
            total = tx.row(f"SELECT COUNT(*) AS n FROM {table} WHERE {counted}", counted_params)
            rows = tx.rows(f"SELECT *, {TOOK_EFFECT} AS took_effect FROM {table} WHERE {' AND '.join(where)}"
                           f" ORDER BY {ordering} LIMIT ? OFFSET ?", [*params, size + 1, skip])
        events = [HistoryEvent.from_row(r, principal, row["district"], row["street"]) for r in rows[:size]]
        events_shown(info, events, "organizationHistory")
        last = rows[:size][-1] if events else None
        end = None if last is None else (
            encode_cursor(last["took_effect"], last["position"]) if by_date else encode_cursor(last["position"]))
        return HistoryPage(events=events, total_count=int(total["n"]) if total else 0, page_info=PageInfo(
            has_next_page=len(rows) > size, end_cursor=end))

    @strawberry.field(description="The organization as it stood at a moment (no zone: Asia/Shanghai).")
    @translate_errors
    def organization_as_of(self, info: Info, id: strawberry.ID, at: datetime) -> Organization:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "organizationAsOf")
        row = registry_row_for(info, id)
        table = rt.view("event_history").t("events")
        with rt.db.transaction(commit=False) as tx:
            found = tx.row(f"SELECT MAX(version) AS version FROM {table} WHERE aggregate_id = ? AND recorded_at <= ?",
                           (row["org_id"], as_utc(at).isoformat()))
        if not found or found["version"] is None:
            raise coded(f"the organization was not yet recorded at {at.isoformat()}", NOT_FOUND)
        org = rt.app.repository.get(UUID(row["org_id"]), version=int(found["version"]))
        shown = Organization.from_row(registry_row(org, org.modified_on.isoformat()), principal)
        organizations_shown(info, [shown], "organizationAsOf.legalRepresentative")
        return shown

    @strawberry.field(description="Joint supervision alerts addressed to the caller's department, newest first; "
                                  "openOnly: those not yet resolved; street (and district): of one street within "
                                  "the caller's jurisdiction.")
    @translate_errors
    def alerts(self, info: Info, status: str | None = None, first: int = 50, after: str | None = None,
               open_only: bool = False, street: str | None = None, district: str | None = None) -> AlertPage:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "alerts")
        _filters(status=status, street=street, district=district)
        size = _page_size(first)
        cursor = decode_cursor(after, int)
        rows = visible_alerts(rt, principal, status=status, before=int(cursor[0]) if cursor else None, limit=size + 1,
                              open_only=open_only, street=street, district=district)
        alerts = [Alert.from_row(r) for r in rows[:size]]
        return AlertPage(alerts=alerts, page_info=PageInfo(
            has_next_page=len(rows) > size, end_cursor=encode_cursor(alerts[-1].position) if alerts else None))

    @strawberry.field(description="A street's figures for the shared dashboard; the street of the caller's "
                                  "district (an auditor names the district where street names repeat).")
    @translate_errors
    def street_overview(self, info: Info, street: str, year: int | None = None,
                        district: str | None = None) -> StreetOverview:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "streetOverview")
        _filters(street=street)
        registry, view = rt.view("civil_affairs_registry"), rt.view("street_office")
        # A street is named within its district (street names repeat across districts): the caller's own
        # district, and one it names must be that; a street the caller does not see is no street.
        condition, params = in_reach(rt, principal, street=street, district=district)
        with rt.db.transaction(commit=False) as tx:
            found = sorted(r["district"] for r in tx.rows(
                f"SELECT DISTINCT district FROM {registry.t('organizations')} WHERE {condition}", params))
            if not found:
                raise coded("no such street", NOT_FOUND)
            if len(found) > 1:  # only for a caller who sees every district
                raise coded(f"street {street} lies in {', '.join(found)}: name the district", BAD_USER_INPUT)
            overview = view.overview(tx, street, year or today().year, today(), district=found[0])
        return StreetOverview.from_dict(overview)

    @strawberry.field(description="Funding projects (finance ledger), optionally of one organization or street, "
                                  "ordered by id; for the next page pass the last project's id as `after`.")
    @translate_errors
    def funding_projects(self, info: Info, organization_id: strawberry.ID | None = None, street: str | None = None,
                         first: int = 100, after: strawberry.ID | None = None) -> list[FundingProject]:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "fundingProjects")
        _filters(street=street, after=after)
        size = _page_size(first)
        ledger = rt.view("finance_ledger").t("projects")
        condition, params = in_reach(rt, principal, "p.org_id", street=street)  # within the caller's place
        where = [condition]
        if organization_id:
            where.append("p.org_id = ?")
            params.append(_uuid(organization_id))
        if after:
            where.append("p.project_id > ?")
            params.append(str(after))
        with rt.db.transaction(commit=False) as tx:
            rows = tx.rows(f"SELECT p.* FROM {ledger} p WHERE {' AND '.join(where)} ORDER BY p.project_id LIMIT ?",
                           [*params, size])
        return [FundingProject.from_row(r, False) for r in rows]

    @strawberry.field(description="Inspection cases (the inspection board), optionally only open ones.")
    @translate_errors
    def inspection_cases(self, info: Info, open_only: bool = False, first: int = 100) -> list[InspectionCase]:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "inspectionCases")
        size = _page_size(first)
        condition, params = in_reach(rt, principal, "org_id")
        where = [condition]
        if open_only:
            where.append("closed_on IS NULL")
        table = rt.view("inspection_board").t("cases")
        with rt.db.transaction(commit=False) as tx:
            rows = tx.rows(f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY opened_on DESC, case_id LIMIT ?",
                           [*params, size])
        return [InspectionCase.from_row(r, False) for r in rows]

    @strawberry.field(description="Each view's position, events behind and seconds behind.")
    @translate_errors
    def view_lag(self, info: Info) -> list[ViewLag]:
        policy.require_query(caller(info), "viewLag")
        from projections.runtime.runner import view_lag

        rt = runtime(info)
        return [ViewLag(view=r.view, position=r.position, head=r.head, events_behind=r.events_behind,
                        seconds_behind=r.seconds_behind) for r in view_lag(rt.app, list(rt.views.values()), rt.db)]


__all__ = ["Query", "date"]
