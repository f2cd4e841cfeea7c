"""公众: the public credit disclosure (信用信息公示). Only what the access matrix makes public: each
organization's name, credit code, kind, status, grade and list membership with its dates; its penalties
(kind, amount, date, department); each listing on a credit list with its ground in words, date, deciding
authority and legal basis (an erroneous listing, withdrawn, is never shown); and the names of its funded
projects, without amounts. No person's name, ID number or phone is ever stored here."""

from __future__ import annotations

from typing import Any

from domain.application import RecordedEvent
from domain.credit_lists import GROUND_BASIS, list_of
from domain.labels import DEPARTMENTS, zh
from domain.funding import FundingProject
from domain.organization import Organization
from projections.runtime.db import Tx
from projections.views.rows import ORGANIZATION_EVENTS, organization_row, penalty_row
from projections.views.base import View, handles, iso

PUBLIC_COLUMNS = ("org_id", "name", "credit_code", "kind", "status", "registered_on", "filed_on", "ended_on",
                  "grade", "grade_valid_until", "on_abnormal_list", "abnormal_listed_on", "on_serious_list",
                  "serious_listed_on")


class PublicDisclosure(View):
    name = "public_disclosure"
    title = "社会组织信用信息公示"
    tables = {
        "organizations": "org_id TEXT PRIMARY KEY, name TEXT NOT NULL, credit_code TEXT, kind TEXT NOT NULL,"
                         " status TEXT NOT NULL, registered_on TEXT, filed_on TEXT, ended_on TEXT, grade BIGINT,"
                         " grade_valid_until TEXT, on_abnormal_list BIGINT NOT NULL, abnormal_listed_on TEXT,"
                         " on_serious_list BIGINT NOT NULL, serious_listed_on TEXT",
        "penalties": "penalty_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, kind TEXT NOT NULL, amount_fen BIGINT,"
                     " department TEXT NOT NULL, imposed_on TEXT NOT NULL",
        "projects": "project_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, project_name TEXT NOT NULL",
        "listings": "listing_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, list TEXT NOT NULL, ground TEXT NOT NULL,"
                    " ground_words TEXT NOT NULL, listed_on TEXT NOT NULL, authority TEXT NOT NULL,"
                    " legal_basis TEXT NOT NULL, removed_on TEXT",
    }
    keys = {"organizations": "org_id", "penalties": "penalty_id", "projects": "project_id", "listings": "listing_id"}
    indexes = {"listings": ("org_id",)}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, public_row)

    @handles("Organization.PenaltyImposed")
    def penalty_imposed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        row = penalty_row(org, event.data["penalty_id"])
        del row["executed"]  # the public sees the penalty, not the enforcement file
        self.upsert(tx, "penalties", row, ["penalty_id"])

    @handles("Organization.AddedToAbnormalList", "Organization.AddedToSeriousList")
    def listed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        basis = GROUND_BASIS[event.data["ground"]]
        self.upsert(tx, "listings", {
            "listing_id": event.event_id, "org_id": event.aggregate_id, "list": list_of(event.data["ground"]).value,
            "ground": event.data["ground"], "ground_words": basis.words,
            "listed_on": iso(event.ctx.occurred_on if event.ctx else event.recorded_at.date()),
            "authority": zh(DEPARTMENTS, event.ctx.actor.department if event.ctx else "system"),
            "legal_basis": basis.citation,
        }, ["listing_id"])

    @handles("Organization.RemovedFromAbnormalList", "Organization.RemovedFromSeriousList")
    def removed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        credit_list = "abnormal" if event.type.endswith("AbnormalList") else "serious"
        tx.execute(f"UPDATE {self.t('listings')} SET removed_on = ? WHERE org_id = ? AND list = ?"
                   " AND removed_on IS NULL",
                   (iso(event.ctx.occurred_on if event.ctx else event.recorded_at.date()), event.aggregate_id,
                    credit_list))

    @handles("Organization.ListingWithdrawn")
    def withdrawn(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        """An erroneous listing (an upheld objection, an annulled penalty) is never published."""
        tx.execute(f"DELETE FROM {self.t('listings')} WHERE listing_id = ?", (event.data["listing_event"],))

    @handles("FundingProject.Awarded")
    def project_awarded(self, tx: Tx, event: RecordedEvent, project: FundingProject) -> None:
        self.upsert(tx, "projects", {
            "project_id": event.aggregate_id, "org_id": str(project.organization_id),
            "project_name": project.project_name,
        }, ["project_id"])


def public_row(org: Organization, updated_at: str) -> dict[str, Any]:
    row = organization_row(org, updated_at)
    return {c: row[c] for c in PUBLIC_COLUMNS}
