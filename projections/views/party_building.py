"""街道党工委 / 两新工委: party-building coverage of social organizations — members, the party organization
(single, joint or attached to a hub's branch) and the instructor of each organization."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.application import RecordedEvent
from domain.organization import ACTIVE_STATUSES, Organization
from domain.settings import DEFAULT_SETTINGS
from projections.runtime.db import Tx
from projections.views.rows import ORGANIZATION_EVENTS
from projections.views.base import View, handles, iso

ACTIVE = tuple(status.value for status in ACTIVE_STATUSES)
# Enough party members for a party organization of its own (the parameter: the locality's minimum), none yet.
NEEDS_PARTY_ORGANIZATION = "party_organization IS NULL AND party_members >= ?"


class PartyBuildingView(View):
    name = "party_building"
    title = "街道党工委 社会组织党建"
    tables = {
        "organizations": "org_id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, street TEXT NOT NULL,"
                         " community TEXT, kind TEXT NOT NULL, status TEXT NOT NULL, party_members BIGINT NOT NULL,"
                         " party_organization TEXT, party_organization_name TEXT, host_organization_id TEXT,"
                         " party_organization_set_up_on TEXT, instructor TEXT, updated_at TEXT NOT NULL,"
                         " version BIGINT NOT NULL",
    }
    keys = {"organizations": "org_id"}
    # A place's organizations, a page at a time by name (the gateway's partyBuildingGaps).
    indexes = {"organizations": ("district, street, name",)}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, party_row)

    @handles("Organization.PartyOrganizationSetUp")
    def party_organization_set_up(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        # The organization's state keeps no host; the event names it.
        host = event.data.get("host_organization_id")
        # Merged into the row organization_changed has just buffered for this event, so never alone.
        self.upsert(tx, "organizations", {
            "org_id": event.aggregate_id, "host_organization_id": str(host) if host else None,
            "party_organization_set_up_on": iso(event.ctx.occurred_on) if event.ctx else None,
        }, ["org_id"])

    def coverage(self, tx: Tx, street: str | None = None,
                 min_members: int = DEFAULT_SETTINGS.party_single_min_members) -> dict[str, Any]:
        """Party coverage of the active organizations (of one street, or the whole district): how many have
        a party organization, by form; members; instructors; and those with ``min_members`` or more party
        members but no party organization yet (they should set one up)."""
        where = f"status IN ({', '.join('?' for _ in ACTIVE)})" + (" AND street = ?" if street else "")
        params: tuple[Any, ...] = (*ACTIVE, *((street,) if street else ()))
        orgs = self.t("organizations")
        totals = tx.row(
            f"SELECT COUNT(*) AS active, SUM(CASE WHEN party_organization IS NULL THEN 0 ELSE 1 END) AS covered,"
            f" SUM(CASE WHEN instructor IS NULL THEN 0 ELSE 1 END) AS instructed, SUM(party_members) AS members"
            f" FROM {orgs} WHERE {where}", params,
        ) or {}
        by_form = tx.rows(
            f"SELECT party_organization AS form, COUNT(*) AS n FROM {orgs}"
            f" WHERE {where} AND party_organization IS NOT NULL GROUP BY party_organization", params,
        )
        uncovered = tx.rows(
            f"SELECT org_id, name, street, community, party_members FROM {orgs}"
            f" WHERE {where} AND {NEEDS_PARTY_ORGANIZATION} ORDER BY org_id",
            (*params, min_members),
        )
        active, covered = int(totals.get("active") or 0), int(totals.get("covered") or 0)
        return {
            "street": street,
            "active_organizations": active,
            "with_party_organization": covered,
            "coverage": (Decimal(covered) / active).quantize(Decimal("0.0001")) if active else None,
            "by_form": {r["form"]: int(r["n"]) for r in sorted(by_form, key=lambda r: r["form"])},
            "party_members": int(totals.get("members") or 0),
            "with_instructor": int(totals.get("instructed") or 0),
            "needing_party_organization": [dict(r, party_members=int(r["party_members"])) for r in uncovered],
        }


def party_row(org: Organization, updated_at: str) -> dict[str, Any]:
    return {
        "org_id": str(org.id), "name": org.name, "district": org.district, "street": org.street,
        "community": org.community, "kind": org.kind.value, "status": org.status.value,
        "party_members": org.party_members, "party_organization": org.party_organization,
        "party_organization_name": org.party_organization_name, "instructor": org.party_instructor,
        "updated_at": updated_at, "version": org.version,
    }
