"""区民政局: the civil affairs registry, district-wide: every organization with its registered details,
penalties from all departments, annual duties and credit-list history."""

from __future__ import annotations

from typing import Any

from domain.application import RecordedEvent
from domain.organization import Organization
from projections.runtime.db import Tx
from projections.views.rows import ORGANIZATION_COLUMNS, ORGANIZATION_EVENTS, REGISTRATION_COLUMNS, registry_row, penalty_row
from projections.views.base import View, handles, iso


CREDIT_LIST_CONDITIONS = {"abnormal": "on_abnormal_list = 1", "serious": "on_serious_list = 1",
                          "any": "(on_abnormal_list = 1 OR on_serious_list = 1)"}


def search_conditions(*, credit_code: str | None = None, kind: str | None = None, status: str | None = None,
                      street: str | None = None, community: str | None = None, grade: int | None = None,
                      name: str | None = None, credit_list: str | None = None) -> tuple[list[str], list[Any]]:
    """The SQL conditions and parameters on the organizations table of a registry search (the GraphQL
    `organizations` query, the organizations' export): equal values, a name containing the text, a list."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("credit_code", credit_code), ("kind", kind), ("status", status), ("street", street),
                          ("community", community), ("grade", grade)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value.upper() if column == "credit_code" else value)
    if name is not None and name.strip():
        where.append("name LIKE ?")
        params.append("%" + name.strip().replace("%", "").replace("_", "") + "%")
    if credit_list is not None:
        if credit_list not in CREDIT_LIST_CONDITIONS:
            raise ValueError(f"a credit list is one of {', '.join(CREDIT_LIST_CONDITIONS)}, not {credit_list!r}")
        where.append(CREDIT_LIST_CONDITIONS[credit_list])
    return where, params


class CivilAffairsRegistry(View):
    name = "civil_affairs_registry"
    title = "区民政局 登记管理"
    tables = {
        "organizations": ORGANIZATION_COLUMNS + "," + REGISTRATION_COLUMNS,
        "penalties": "penalty_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, kind TEXT NOT NULL, amount_fen BIGINT,"
                     " department TEXT NOT NULL, imposed_on TEXT NOT NULL, executed BIGINT NOT NULL",
        "annual_duties": "org_id TEXT NOT NULL, year BIGINT NOT NULL, report_submitted_on TEXT,"
                         " inspection_result TEXT, PRIMARY KEY (org_id, year)",
        "credit_list_history": "position BIGINT PRIMARY KEY, org_id TEXT NOT NULL, list TEXT NOT NULL,"
                               " change TEXT NOT NULL, ground TEXT, occurred_on TEXT NOT NULL",
    }
    keys = {"organizations": "org_id", "penalties": "penalty_id", "annual_duties": "org_id, year",
            "credit_list_history": "position"}
    # Officers search their own district's or street's organizations a page at a time, ordered by name (the
    # gateway's `organizations`), and a street's overview finds its district: without these, every search
    # read all 20,000 rows of a city (10 ms of PostgreSQL's time each, against under 1 ms).
    indexes = {"organizations": ("district, name, org_id", "street, name, org_id")}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, registry_row)

    @handles("Organization.PenaltyImposed", "Organization.PenaltyExecuted")
    def penalties_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert(tx, "penalties", penalty_row(org, event.data["penalty_id"]), ["penalty_id"])

    @handles("Organization.AnnualReportSubmitted", "Organization.AnnualInspectionConcluded")
    def annual_duty(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        year, org_id = event.data["year"], event.aggregate_id
        # Built when written: a year's report date and result never change once recorded.
        tx.upsert(self.t("annual_duties"), lambda: {
            "org_id": org_id, "year": year, "report_submitted_on": iso(org.annual_reports.get(year)),
            "inspection_result": org.inspection_results.get(year),
        }, ["org_id", "year"], identity=(org_id, year))

    @handles("Organization.AddedToAbnormalList", "Organization.RemovedFromAbnormalList",
             "Organization.AddedToSeriousList", "Organization.RemovedFromSeriousList", "Organization.ListingWithdrawn")
    def credit_list_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        kind = event.type.split(".")[1]
        data: dict[str, Any] = event.data
        credit_list = data.get("list") or ("abnormal" if "Abnormal" in kind else "serious")
        change = "added" if kind.startswith("Added") else "withdrawn" if kind == "ListingWithdrawn" else (
            data.get("how", "removed"))
        self.insert_event_row(tx, "credit_list_history", {
            "position": event.position, "org_id": event.aggregate_id, "list": credit_list,
            "change": change, "ground": data.get("ground"),
            "occurred_on": iso(event.ctx.occurred_on) if event.ctx else None,
        })
