"""How an organization's state reads as columns; each view keeps the columns its department may see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.catalogue import event_classes
from domain.funding import FundingProject
from domain.inspection import InspectionCase
from domain.organization import Organization
from projections.views.base import fen, flag, iso

ORGANIZATION_EVENTS = tuple(f"Organization.{cls.__name__}" for cls, _ in event_classes(Organization))
FUNDING_EVENTS = tuple(f"FundingProject.{cls.__name__}" for cls, _ in event_classes(FundingProject))
INSPECTION_EVENTS = tuple(f"InspectionCase.{cls.__name__}" for cls, _ in event_classes(InspectionCase))
# A case's rectification is overdue as of a business date (the one parameter, ISO) from the day after its
# deadline, or once recorded overdue: the street's overview counts them, its inspections list puts them first.
OVERDUE_RECTIFICATION = "(rectification = 'overdue' OR (rectification = 'ordered' AND deadline < ?))"

ORGANIZATION_COLUMNS = """
    org_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    credit_code TEXT, district TEXT NOT NULL, street TEXT NOT NULL, community TEXT, category TEXT, role TEXT,
    registered_on TEXT, filed_on TEXT, ended_on TEXT, grade BIGINT, grade_valid_until TEXT,
    on_abnormal_list BIGINT NOT NULL, abnormal_listed_on TEXT, on_serious_list BIGINT NOT NULL,
    serious_listed_on TEXT, party_members BIGINT NOT NULL, party_organization TEXT,
    under_investigation BIGINT NOT NULL, updated_at TEXT NOT NULL, version BIGINT NOT NULL
"""

REGISTRATION_COLUMNS = """
    domicile TEXT, purpose TEXT, business_scope TEXT, supervising_unit TEXT, funds_fen BIGINT,
    representative_name TEXT, representative_id_number TEXT, representative_phone TEXT
"""


def organization_row(org: Organization, updated_at: str) -> dict[str, Any]:
    """The columns every department may see of an organization's registry entry and status."""
    return {
        "org_id": str(org.id),
        "name": org.name,
        "kind": org.kind.value,
        "status": org.status.value,
        "credit_code": org.credit_code,
        "district": org.district,
        "street": org.street,
        "community": org.community,
        "category": org.category,
        "role": org.role,
        "registered_on": iso(org.registered_on),
        "filed_on": iso(org.filed_on),
        "ended_on": iso(org.ended_on),
        "grade": org.grade,
        "grade_valid_until": iso(org.grade_valid_until),
        "on_abnormal_list": flag(org.on_abnormal_list),
        "abnormal_listed_on": iso(org.abnormal_listing.listed_on) if org.abnormal_listing else None,
        "on_serious_list": flag(org.on_serious_list),
        "serious_listed_on": iso(org.serious_listing.listed_on) if org.serious_listing else None,
        "party_members": org.party_members,
        "party_organization": org.party_organization,
        "under_investigation": flag(bool(org.open_inspection_cases)),
        "updated_at": updated_at,
        "version": org.version,
    }


def registration_row(org: Organization) -> dict[str, Any]:
    """Registered details, with the personal data of the legal representative or person in charge."""
    person = org.legal_representative or org.person_in_charge
    return {
        "domicile": org.domicile,
        "purpose": org.purpose,
        "business_scope": org.business_scope,
        "supervising_unit": org.supervising_unit,
        "funds_fen": fen(org.funds),
        "representative_name": person.name if person else None,
        "representative_id_number": person.id_number if person else None,
        "representative_phone": person.phone if person else None,
    }


def total_yuan(fen_sum: Any) -> Decimal:
    """A SUM() of fen columns in yuan: an int on SQLite, a Decimal on PostgreSQL, NULL over no rows."""
    return (Decimal(int(fen_sum or 0)) / 100).quantize(Decimal("0.01"))


def registry_row(org: Organization, updated_at: str) -> dict[str, Any]:
    """The registry's row: every column, personal data included (civil affairs, the organization's street)."""
    return organization_row(org, updated_at) | registration_row(org)


def penalty_row(org: Organization, penalty_id: str) -> dict[str, Any]:
    """One of the organization's penalties as a row: what, how much, by which department, when, executed."""
    penalty = next(p for p in org.penalties if p.penalty_id == penalty_id)
    return {
        "penalty_id": penalty.penalty_id, "org_id": str(org.id), "kind": penalty.kind,
        "amount_fen": fen(penalty.amount), "department": str(penalty.department),
        "imposed_on": iso(penalty.imposed_on), "executed": flag(penalty.executed),
    }
