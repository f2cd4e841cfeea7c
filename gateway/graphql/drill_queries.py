"""The rows behind the street overview's figures (the dashboard's drill-down pages): inspections with the
overdue rectifications first, a year's funding by organization and project, and the party-building gaps.
Each field is bound like the others by the caller's role (auth/policy.py) and whole jurisdiction
(queries.in_reach), and pages by offset: the pages keep their filters, sort and page in the URL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policy
from domain.clock import today
from gateway.graphql.context import caller, runtime
from gateway.graphql.errors import BAD_USER_INPUT, coded, translate_errors
from gateway.graphql.queries import _filters, _page_size, in_reach
from projections.views.base import yuan
from projections.views.party_building import ACTIVE, NEEDS_PARTY_ORGANIZATION
from projections.views.rows import OVERDUE_RECTIFICATION, total_yuan

OFFSET_MAX = 100_000  # rows skipped at most: past it a page is nobody's reading
FIRST_YEAR = 1949  # no funding or registration of a social organization predates it


def _offset(offset: int) -> int:
    if not 0 <= offset <= OFFSET_MAX:
        raise coded(f"offset must be from 0 to {OFFSET_MAX}", BAD_USER_INPUT)
    return offset


def _place(rt: Any, principal: Any, org_id: str | None, street: str | None,
           district: str | None) -> tuple[str, list[Any]]:
    _filters(street=street, district=district)
    return in_reach(rt, principal, org_id, street=street, district=district)


@strawberry.type
class DrillPage:
    total_count: int
    has_next_page: bool


# -- inspections -----------------------------------------------------------------------------------------


@strawberry.enum
class CaseStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


@strawberry.type
class InspectionRow:
    case_id: strawberry.ID
    organization_id: strawberry.ID
    organization_name: str | None
    street: str | None
    subject: str
    inspectors: list[str]
    inspector_department: str | None
    opened_on: date
    closed_on: date | None
    rectification: str
    deadline: date | None
    overdue: bool
    days_overdue: int | None


@strawberry.type
class InspectionRows:
    today: date
    rows: list[InspectionRow]
    page: DrillPage


# An open case whose rectification is overdue (as the overview counts them), 1 or 0.
OVERDUE = f"CASE WHEN closed_on IS NULL AND {OVERDUE_RECTIFICATION} THEN 1 ELSE 0 END"


def _inspection(row: dict[str, Any], on: date) -> InspectionRow:
    deadline = date.fromisoformat(row["deadline"]) if row["deadline"] else None
    overdue = bool(row["overdue"])
    return InspectionRow(
        case_id=row["case_id"], organization_id=row["org_id"], organization_name=row["org_name"],
        street=row["street"], subject=row["subject"],
        inspectors=[n.strip() for n in row["inspectors"].split(",") if n.strip()],
        inspector_department=row["opened_by"], opened_on=date.fromisoformat(row["opened_on"]),
        closed_on=date.fromisoformat(row["closed_on"]) if row["closed_on"] else None,
        rectification=row["rectification"], deadline=deadline, overdue=overdue,
        days_overdue=(on - deadline).days if overdue and deadline else None,
    )


# -- funding ---------------------------------------------------------------------------------------------


@strawberry.enum
class FundingSort(Enum):
    ORGANIZATION = "organization"
    PROJECT = "project"
    AWARDED = "awarded"
    DISBURSED = "disbursed"
    CLAWED_BACK = "clawed_back"


# Each sort's columns; the project's id breaks every tie, so a page never repeats or skips a row.
FUNDING_ORDER = {
    FundingSort.ORGANIZATION: ("org_name", "project_name"),
    FundingSort.PROJECT: ("project_name", "org_name"),
    FundingSort.AWARDED: ("awarded",),
    FundingSort.DISBURSED: ("disbursed",),
    FundingSort.CLAWED_BACK: ("clawed_back",),
}


@strawberry.type
class FundingRow:
    project_id: strawberry.ID
    project_name: str
    organization_id: strawberry.ID
    organization_name: str | None
    awarded: Decimal
    disbursed: Decimal
    clawed_back: Decimal


@strawberry.type
class FundingTotal:
    projects: int
    awarded: Decimal
    disbursed: Decimal
    clawed_back: Decimal


@strawberry.type
class FundingTable:
    year: int
    rows: list[FundingRow]
    total: FundingTotal
    page: DrillPage


def _funding_rows(ledger: Any, place: str, moved_place: str) -> str:
    """A year's rows, one per project awarded or moving money in the year (as the overview's figures count
    them: the award by the year it was made, each tranche and claw-back by the year it was paid)."""
    projects, entries = ledger.t("projects"), ledger.t("entries")
    return (
        f"SELECT p.project_id, p.project_name, p.org_id, p.org_name,"
        f" CASE WHEN p.awarded_on >= ? AND p.awarded_on < ? THEN p.amount_fen ELSE 0 END AS awarded,"
        f" COALESCE(m.disbursed, 0) AS disbursed, COALESCE(m.clawed_back, 0) AS clawed_back"
        f" FROM {projects} p LEFT JOIN (SELECT project_id,"
        f" SUM(CASE WHEN kind = 'disbursed' THEN amount_fen ELSE 0 END) AS disbursed,"
        f" SUM(CASE WHEN kind = 'clawed_back' THEN amount_fen ELSE 0 END) AS clawed_back"
        f" FROM {entries} WHERE {moved_place} AND occurred_on >= ? AND occurred_on < ?"
        f" AND kind IN ('disbursed', 'clawed_back') GROUP BY project_id) m ON m.project_id = p.project_id"
        f" WHERE {place} AND ((p.awarded_on >= ? AND p.awarded_on < ?) OR m.project_id IS NOT NULL)"
    )


# -- party building --------------------------------------------------------------------------------------


@strawberry.enum
class PartyGap(Enum):
    NEEDS_PARTY_ORGANIZATION = "needs_party_organization"  # enough members for one of its own, none set up
    NO_PARTY_ORGANIZATION = "no_party_organization"  # active, not covered in any form
    NO_INSTRUCTOR = "no_instructor"  # active, no party-building instructor appointed


@strawberry.type
class PartyGapRow:
    organization_id: strawberry.ID
    name: str
    street: str
    community: str | None
    kind: str
    party_members: int
    party_organization: str | None
    instructor: bool


@strawberry.type
class PartyGapRows:
    gap: PartyGap
    min_party_members: int
    rows: list[PartyGapRow]
    page: DrillPage


# -- the fields ------------------------------------------------------------------------------------------


@strawberry.type
class DrillQuery:
    @strawberry.field(description="Inspection cases of the caller's place (a street of it), the overdue "
                                  "rectifications first, then by deadline; overdue as of today in Asia/Shanghai "
                                  "(the deadline's own day is not overdue, the day after is).")
    @translate_errors
    def inspections(self, info: Info, street: str | None = None, district: str | None = None,
                    status: CaseStatus = CaseStatus.OPEN, overdue_only: bool = False, first: int = 50,
                    offset: int = 0) -> InspectionRows:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "inspections")
        size, skip = _page_size(first), _offset(offset)
        on = today()
        place, params = _place(rt, principal, "org_id", street, district)
        where = [place]
        if status != CaseStatus.ALL:
            where.append("closed_on IS NULL" if status == CaseStatus.OPEN else "closed_on IS NOT NULL")
        if overdue_only:
            where.append(f"{OVERDUE} = 1")
            params = [*params, on.isoformat()]
        table = rt.view("inspection_board").t("cases")
        condition = " AND ".join(where)
        with rt.db.transaction(commit=False) as tx:
            total = tx.row(f"SELECT COUNT(*) AS n FROM {table} WHERE {condition}", params)
            rows = tx.rows(
                f"SELECT *, {OVERDUE} AS overdue FROM {table} WHERE {condition}"
                " ORDER BY overdue DESC, CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, opened_on, case_id"
                " LIMIT ? OFFSET ?", [on.isoformat(), *params, size + 1, skip])
        return InspectionRows(today=on, rows=[_inspection(r, on) for r in rows[:size]],
                              page=DrillPage(total_count=int(total["n"]) if total else 0, has_next_page=len(rows) > size))

    @strawberry.field(description="A year's government-purchased services of the caller's place (a street of it), "
                                  "one row per project awarded or paying in the year: awarded, disbursed and clawed "
                                  "back in yuan, sorted by a column (the project's id breaks ties), with the total.")
    @translate_errors
    def funding_table(self, info: Info, year: int | None = None, street: str | None = None,
                      district: str | None = None, sort: FundingSort = FundingSort.AWARDED,
                      descending: bool = True, first: int = 50, offset: int = 0) -> FundingTable:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "fundingTable")
        size, skip = _page_size(first), _offset(offset)
        year = today().year if year is None else year
        if not FIRST_YEAR <= year <= today().year + 1:
            raise coded(f"year must be from {FIRST_YEAR} to {today().year + 1}", BAD_USER_INPUT)
        place, bound = _place(rt, principal, "p.org_id", street, district)
        moved_place, _ = _place(rt, principal, "org_id", street, district)  # the same place, on the entries
        span = [f"{year:04d}-01-01", f"{year + 1:04d}-01-01"]
        rows_sql = _funding_rows(rt.view("finance_ledger"), place, moved_place)
        params = [*span, *bound, *span, *bound, *span]
        direction = "DESC" if descending else "ASC"
        order = ", ".join(f"{column} {direction}" for column in FUNDING_ORDER[sort])
        with rt.db.transaction(commit=False) as tx:
            total = tx.row(f"SELECT COUNT(*) AS n, SUM(awarded) AS awarded, SUM(disbursed) AS disbursed,"
                           f" SUM(clawed_back) AS clawed_back FROM ({rows_sql}) t", params) or {}
            rows = tx.rows(f"SELECT * FROM ({rows_sql}) t ORDER BY {order}, project_id LIMIT ? OFFSET ?",
                           [*params, size + 1, skip])
        return FundingTable(
            year=year,
            rows=[FundingRow(project_id=r["project_id"], project_name=r["project_name"], organization_id=r["org_id"],
                             organization_name=r["org_name"], awarded=yuan(int(r["awarded"])),
                             disbursed=yuan(int(r["disbursed"])), clawed_back=yuan(int(r["clawed_back"])))
                  for r in rows[:size]],
            total=FundingTotal(projects=int(total.get("n") or 0), awarded=total_yuan(total.get("awarded")),
                               disbursed=total_yuan(total.get("disbursed")),
                               clawed_back=total_yuan(total.get("clawed_back"))),
            page=DrillPage(total_count=int(total.get("n") or 0), has_next_page=len(rows) > size),
        )

    @strawberry.field(description="Active organizations of the caller's place (a street of it) with a party-building "
                                  "gap: enough party members for a party organization of their own (the locality's "
                                  "minimum) and none set up, none in any form, or no instructor; ordered by name.")
    @translate_errors
    def party_building_gaps(self, info: Info, gap: PartyGap = PartyGap.NEEDS_PARTY_ORGANIZATION,
                            street: str | None = None, district: str | None = None, first: int = 50,
                            offset: int = 0) -> PartyGapRows:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "partyBuildingGaps")
        size, skip = _page_size(first), _offset(offset)
        place, params = _place(rt, principal, None, street, district)  # the view's rows carry their place
        minimum = rt.app.settings.party_single_min_members
        where = [place, f"status IN ({', '.join('?' for _ in ACTIVE)})"]
        params = [*params, *ACTIVE]
        if gap == PartyGap.NEEDS_PARTY_ORGANIZATION:
            where.append(NEEDS_PARTY_ORGANIZATION)
            params.append(minimum)
        else:
            where.append("instructor IS NULL" if gap == PartyGap.NO_INSTRUCTOR else "party_organization IS NULL")
        table = rt.view("party_building").t("organizations")
        condition = " AND ".join(where)
        with rt.db.transaction(commit=False) as tx:
            total = tx.row(f"SELECT COUNT(*) AS n FROM {table} WHERE {condition}", params)
            rows = tx.rows(f"SELECT * FROM {table} WHERE {condition} ORDER BY name, org_id LIMIT ? OFFSET ?",
                           [*params, size + 1, skip])
        return PartyGapRows(
            gap=gap, min_party_members=minimum,
            rows=[PartyGapRow(organization_id=r["org_id"], name=r["name"], street=r["street"], community=r["community"],
                              kind=r["kind"], party_members=int(r["party_members"]),
                              party_organization=r["party_organization"], instructor=r["instructor"] is not None)
                  for r in rows[:size]],
            page=DrillPage(total_count=int(total["n"]) if total else 0, has_next_page=len(rows) > size),
        )
