"""财政局 / 购买主体: the funding ledger. Every purchase-of-service project with its running totals, and one
ledger entry per money event (awarded, disbursed, suspended, resumed, clawed back, closed). The registry
columns of the organizations (no personal data) show who may still be funded."""

from __future__ import annotations

from typing import Any

from domain.application import RecordedEvent
from domain.funding import FundingProject
from domain.organization import Organization
from domain.settings import LocalitySettings
from projections.runtime.db import Tx
from projections.views.rows import FUNDING_EVENTS, ORGANIZATION_COLUMNS, ORGANIZATION_EVENTS, organization_row, total_yuan
from projections.views.base import View, fen, handles, iso

ENTRY_KINDS = {
    "FundingProject.Awarded": "awarded",
    "FundingProject.TrancheDisbursed": "disbursed",
    "FundingProject.FundingSuspended": "suspended",
    "FundingProject.FundingResumed": "resumed",
    "FundingProject.FundsClawedBack": "clawed_back",
    "FundingProject.ProjectClosed": "closed",
}


class FinanceLedger(View):
    name = "finance_ledger"
    title = "财政局 政府购买服务资金台账"
    tables = {
        "organizations": ORGANIZATION_COLUMNS,
        "projects": "project_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, org_name TEXT, purchasing_unit TEXT NOT NULL,"
                    " project_name TEXT NOT NULL, amount_fen BIGINT NOT NULL, disbursed_fen BIGINT NOT NULL,"
                    " clawed_back_fen BIGINT NOT NULL, status TEXT NOT NULL, period_start TEXT NOT NULL,"
                    " period_end TEXT NOT NULL, awarded_on TEXT NOT NULL, closed_on TEXT",
        "entries": "position BIGINT PRIMARY KEY, project_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,"
                   " amount_fen BIGINT, occurred_on TEXT NOT NULL",
        # Every listing of an organization ever made and not withdrawn as erroneous: good credit is none.
        "listings": "listing_id TEXT PRIMARY KEY, org_id TEXT NOT NULL",
    }
    keys = {"organizations": "org_id", "projects": "project_id", "entries": "position", "listings": "listing_id"}
    # entries: a year's money moved by the organizations of a place (the gateway's fundingTable).
    indexes = {"projects": ("org_id",), "listings": ("org_id",), "entries": ("org_id, occurred_on",)}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, organization_row)

    @handles("Organization.RegistrationChanged", "Organization.FilingChanged")
    def organization_renamed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.follow_rename(tx, event, org, "projects")

    @handles(*FUNDING_EVENTS)
    def project_changed(self, tx: Tx, event: RecordedEvent, project: FundingProject) -> None:
        awarded = event.type == "FundingProject.Awarded"
        # Read first: a read may write out the buffer, which must then hold this row whole.
        name = self.organization_column(tx, str(project.organization_id), "name") if awarded else None
        self.upsert_built(tx, "projects", ("project_id",), event.aggregate_id, project_row, project)
        if awarded:  # the name as of the award; renames follow it
            self.upsert(tx, "projects", {"project_id": event.aggregate_id, "org_name": name}, ["project_id"])
        if event.type == "FundingProject.ProjectClosed":
            self.upsert(tx, "projects", {"project_id": event.aggregate_id,
                                         "closed_on": iso(event.ctx.occurred_on) if event.ctx else None}, ["project_id"])

    @handles(*FUNDING_EVENTS)
    def ledger_entry(self, tx: Tx, event: RecordedEvent, project: FundingProject) -> None:
        kind = ENTRY_KINDS[event.type]
        amount = project.amount if kind == "awarded" else event.data.get("amount")
        assert event.ctx is not None
        self.insert_event_row(tx, "entries", {
            "position": event.position, "project_id": event.aggregate_id, "org_id": str(project.organization_id),
            "kind": kind, "amount_fen": fen(amount), "occurred_on": iso(event.ctx.occurred_on),
        })

    @handles("Organization.AddedToAbnormalList", "Organization.AddedToSeriousList")
    def listed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert(tx, "listings", {"listing_id": event.event_id, "org_id": event.aggregate_id}, ["listing_id"])

    @handles("Organization.ListingWithdrawn")
    def withdrawn(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        tx.execute(f"DELETE FROM {self.t('listings')} WHERE listing_id = ?", (event.data["listing_event"],))

    def priority_marks(self, tx: Tx, settings: LocalitySettings, org_id: str | None = None) -> list[str]:
        """守信激励: the organizations of good credit (or ``org_id`` if it is one), marked for priority where funding
        is decided: graded 3A or above (the locality's grade) and never listed (a listing withdrawn as erroneous
        does not count)."""
        rows = tx.rows(
            f"SELECT org_id FROM {self.t('organizations')} o WHERE o.grade >= ? AND o.status IN ('registered', 'filed')"
            f" AND NOT EXISTS (SELECT 1 FROM {self.t('listings')} l WHERE l.org_id = o.org_id)"
            + (" AND o.org_id = ?" if org_id else "") + " ORDER BY org_id",
            (settings.good_credit_min_grade, *([org_id] if org_id else [])))
        return [r["org_id"] for r in rows]

    def totals_by_organization(self, tx: Tx) -> list[dict[str, Any]]:
        """Per organization: projects, and the money awarded, disbursed and clawed back (Decimal yuan)."""
        rows = tx.rows(
            f"SELECT org_id, MAX(org_name) AS org_name, COUNT(*) AS projects, SUM(amount_fen) AS awarded,"
            f" SUM(disbursed_fen) AS disbursed, SUM(clawed_back_fen) AS clawed_back"
            f" FROM {self.t('projects')} GROUP BY org_id ORDER BY org_id"
        )
        return [{
            "org_id": r["org_id"], "org_name": r["org_name"], "projects": int(r["projects"]),
            "awarded": total_yuan(r["awarded"]), "disbursed": total_yuan(r["disbursed"]),
            "clawed_back": total_yuan(r["clawed_back"]),
            "net_disbursed": total_yuan(r["disbursed"]) - total_yuan(r["clawed_back"]),
        } for r in rows]


def project_row(project: FundingProject) -> dict[str, Any]:
    """A project's own columns, from its latest state."""
    return {
        "project_id": str(project.id), "org_id": str(project.organization_id), "purchasing_unit": project.purchasing_unit,
        "project_name": project.project_name, "amount_fen": fen(project.amount),
        "disbursed_fen": fen(project.disbursed), "clawed_back_fen": fen(project.clawed_back),
        "status": project.status.value, "period_start": iso(project.period_start),
        "period_end": iso(project.period_end), "awarded_on": iso(project.awarded_on),
    }
