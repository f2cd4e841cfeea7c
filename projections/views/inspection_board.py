"""执法 / 抽查: the inspection case board. Every case with its organization, inspectors, findings, rectification
and penalties; every yearly sample draw with the seed that lets anyone re-run it. The registry columns
of the organizations (no personal data) name the cases' organizations."""

from __future__ import annotations

from typing import Any

from domain.application import RecordedEvent
from domain.inspection import InspectionCase
from domain.organization import Organization
from domain.sampling import SampleDraw
from projections.runtime.db import Tx
from projections.views.rows import INSPECTION_EVENTS, ORGANIZATION_COLUMNS, ORGANIZATION_EVENTS, organization_row
from projections.views.base import View, flag, handles, iso


class InspectionBoard(View):
    name = "inspection_board"
    title = "执法检查 案件看板"
    tables = {
        "organizations": ORGANIZATION_COLUMNS,
        "cases": "case_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, org_name TEXT, street TEXT, inspectors TEXT NOT NULL,"
                 " subject TEXT NOT NULL, opened_on TEXT NOT NULL, closed_on TEXT, problems_found BIGINT NOT NULL,"
                 " findings BIGINT NOT NULL, rectification TEXT NOT NULL, deadline TEXT, penalties BIGINT NOT NULL,"
                 " sample_draw_id TEXT, opened_by TEXT",
        "sample_draws": "draw_id TEXT PRIMARY KEY, year BIGINT NOT NULL, jurisdiction TEXT NOT NULL,"
                        " ratio TEXT NOT NULL, seed TEXT NOT NULL, population_size BIGINT NOT NULL,"
                        " drawn_size BIGINT NOT NULL, drawn TEXT NOT NULL, drawn_on TEXT NOT NULL",
    }
    keys = {"organizations": "org_id", "cases": "case_id", "sample_draws": "draw_id"}
    indexes = {"cases": ("org_id",)}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, organization_row)

    @handles("Organization.RegistrationChanged", "Organization.FilingChanged")
    def organization_renamed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.follow_rename(tx, event, org, "cases")

    @handles(*INSPECTION_EVENTS)
    def case_changed(self, tx: Tx, event: RecordedEvent, case: InspectionCase) -> None:
        opened: dict[str, Any] | None = None
        if event.type == "InspectionCase.Opened":  # as of the opening; renames follow it
            org_id = str(case.organization_id)
            # Read first: a read may write out the buffer, which must then hold this row whole.
            opened = {"case_id": event.aggregate_id, "org_name": self.organization_column(tx, org_id, "name"),
                      "street": self.organization_column(tx, org_id, "street"),
                      # the department whose inspectors opened it (the case's state keeps no actor)
                      "opened_by": str(event.ctx.actor.department) if event.ctx else None}
        self.upsert_built(tx, "cases", ("case_id",), event.aggregate_id, case_row, case)
        if opened:
            self.upsert(tx, "cases", opened, ["case_id"])

    @handles("SampleDraw.Drawn")
    def sample_drawn(self, tx: Tx, event: RecordedEvent, draw: SampleDraw) -> None:
        self.upsert(tx, "sample_draws", {
            "draw_id": event.aggregate_id, "year": draw.year, "jurisdiction": draw.jurisdiction, "ratio": str(draw.ratio),
            "seed": draw.seed, "population_size": len(draw.population), "drawn_size": len(draw.drawn),
            "drawn": ",".join(draw.drawn),
            "drawn_on": iso(event.ctx.occurred_on) if event.ctx else iso(event.recorded_at),
        }, ["draw_id"])

    def open_cases(self, tx: Tx, street: str | None = None) -> list[dict[str, Any]]:
        """Cases not yet closed, oldest first (of one street, or all)."""
        where, params = ("AND street = ?", (street,)) if street else ("", ())
        return tx.rows(f"SELECT * FROM {self.t('cases')} WHERE closed_on IS NULL {where} ORDER BY opened_on, case_id",
                       params)


def case_row(case: InspectionCase) -> dict[str, Any]:
    """A case's own columns, from its latest state."""
    return {
        "case_id": str(case.id), "org_id": str(case.organization_id), "inspectors": ", ".join(case.inspectors),
        "subject": case.subject, "opened_on": iso(case.opened_on), "closed_on": iso(case.closed_on),
        "problems_found": flag(case.problems_found), "findings": len(case.findings),
        "rectification": case.rectification.value, "deadline": iso(case.rectification_deadline),
        "penalties": len(case.penalty_ids),
        "sample_draw_id": str(case.sample_draw_id) if case.sample_draw_id else None,
    }
