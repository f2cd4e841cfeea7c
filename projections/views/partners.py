"""税务 / 市场监管 / 公安: the joint-supervision partners. Each organization's credit status (no personal data,
no inspection status), every penalty with the department that imposed it, and the findings the partner
departments recorded themselves — each partner filters by its own department. Findings of the inspection
department are not theirs to see."""

from __future__ import annotations

from typing import Any

from domain.application import RecordedEvent
from domain.context import Department
from domain.inspection import InspectionCase
from domain.organization import Organization
from projections.runtime.db import Tx
from projections.views.rows import ORGANIZATION_EVENTS, organization_row, penalty_row
from projections.views.base import View, flag, handles, iso

PARTNER_DEPARTMENTS = frozenset({Department.TAX, Department.MARKET_REGULATION, Department.PUBLIC_SECURITY})

CREDIT_COLUMNS = ("org_id", "name", "credit_code", "kind", "status", "district", "street", "ended_on", "grade",
                  "grade_valid_until", "on_abnormal_list", "abnormal_listed_on", "on_serious_list",
                  "serious_listed_on", "updated_at", "version")


class PartnersView(View):
    name = "partners"
    title = "联合监管部门（税务、市场监管、公安）信用状况"
    tables = {
        "organizations": "org_id TEXT PRIMARY KEY, name TEXT NOT NULL, credit_code TEXT, kind TEXT NOT NULL,"
                         " status TEXT NOT NULL, district TEXT NOT NULL, street TEXT NOT NULL, ended_on TEXT,"
                         " grade BIGINT, grade_valid_until TEXT, on_abnormal_list BIGINT NOT NULL,"
                         " abnormal_listed_on TEXT, on_serious_list BIGINT NOT NULL, serious_listed_on TEXT,"
                         " updated_at TEXT NOT NULL, version BIGINT NOT NULL",
        "penalties": "penalty_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, kind TEXT NOT NULL, amount_fen BIGINT,"
                     " department TEXT NOT NULL, imposed_on TEXT NOT NULL, executed BIGINT NOT NULL",
        "findings": "position BIGINT PRIMARY KEY, case_id TEXT NOT NULL, org_id TEXT NOT NULL,"
                    " department TEXT NOT NULL, findings TEXT NOT NULL, problems_found BIGINT NOT NULL,"
                    " recorded_on TEXT NOT NULL",
    }
    keys = {"organizations": "org_id", "penalties": "penalty_id", "findings": "position"}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, credit_row)

    @handles("Organization.PenaltyImposed", "Organization.PenaltyExecuted")
    def penalties_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert(tx, "penalties", penalty_row(org, event.data["penalty_id"]), ["penalty_id"])

    @handles("InspectionCase.FindingsRecorded")
    def findings_recorded(self, tx: Tx, event: RecordedEvent, case: InspectionCase) -> None:
        if event.ctx is None or event.ctx.actor.department not in PARTNER_DEPARTMENTS:
            return
        self.insert_event_row(tx, "findings", {
            "position": event.position, "case_id": event.aggregate_id, "org_id": str(case.organization_id),
            "department": str(event.ctx.actor.department), "findings": event.data["findings"],
            "problems_found": flag(event.data["problems_found"]), "recorded_on": iso(event.ctx.occurred_on),
        })

    def own_records(self, tx: Tx, department: str) -> dict[str, list[dict[str, Any]]]:
        """What one partner department recorded itself: its penalties and its findings."""
        return {
            "penalties": tx.rows(f"SELECT * FROM {self.t('penalties')} WHERE department = ? ORDER BY penalty_id",
                                 (department,)),
            "findings": tx.rows(f"SELECT * FROM {self.t('findings')} WHERE department = ? ORDER BY position",
                                (department,)),
        }


def credit_row(org: Organization, updated_at: str) -> dict[str, Any]:
    row = organization_row(org, updated_at)
    return {c: row[c] for c in CREDIT_COLUMNS}
