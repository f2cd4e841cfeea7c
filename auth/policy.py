"""The access matrix (DOMAIN.md, "Who sees what") as data, and the one place every resolver asks.

Deny by default: a role not in a row sees nothing of that area, a mutation not listed for a role is
refused. Rows are filtered by jurisdiction; an organization outside it is reported as not found, so
its existence does not leak.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from auth.principal import Principal
from domain.context import Department


class AccessDenied(Exception):
    """The caller's role may not do this (FORBIDDEN)."""

    code = "FORBIDDEN"


class OutOfJurisdiction(Exception):
    """The record exists but not for this caller (NOT_FOUND, so that it does not leak)."""

    code = "NOT_FOUND"


class Who(StrEnum):
    """The columns of the matrix: departments, with the three partner departments as one."""

    CIVIL_AFFAIRS = "civil_affairs"
    STREET_OFFICE = "street_office"
    FINANCE = "finance"
    INSPECTION = "inspection"
    PARTY_BUILDING = "party_building"
    PARTNER = "partner"  # 市场监管 / 公安 / 税务
    AUDIT = "audit"
    PUBLIC = "public"


class Scope(StrEnum):
    NONE = "none"
    ALL = "all"
    DISTRICT = "district"  # everything in the caller's district
    STREET = "street"  # only the caller's own street
    MASKED = "masked"  # personal data shown masked
    STATUS_ONLY = "status_only"  # inspections: whether open, not what was found
    OWN = "own"  # only what the caller's department recorded
    NAMES_ONLY = "names_only"  # funding: project names, no amounts
    PENALTIES_ONLY = "penalties_only"  # inspections: penalties, no cases or findings
    PUBLIC_FIELDS = "public_fields"  # registry: name, code, status, grade, lists


class Area(StrEnum):
    REGISTRY = "registry"
    PERSONAL_DATA = "personal_data"
    FUNDING = "funding"
    INSPECTIONS = "inspections"
    HISTORY = "history"


W, S = Who, Scope
MATRIX: dict[Area, dict[Who, Scope]] = {
    Area.REGISTRY: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.ALL, W.INSPECTION: S.ALL,
                    W.PARTY_BUILDING: S.ALL, W.PARTNER: S.ALL, W.AUDIT: S.ALL, W.PUBLIC: S.PUBLIC_FIELDS},
    Area.PERSONAL_DATA: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.MASKED,
                         W.INSPECTION: S.MASKED, W.PARTY_BUILDING: S.MASKED, W.PARTNER: S.MASKED, W.AUDIT: S.ALL},
    Area.FUNDING: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.ALL, W.AUDIT: S.ALL,
                   W.PUBLIC: S.NAMES_ONLY},
    Area.INSPECTIONS: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.STATUS_ONLY,
                       W.INSPECTION: S.ALL, W.PARTNER: S.OWN, W.AUDIT: S.ALL, W.PUBLIC: S.PENALTIES_ONLY},
    Area.HISTORY: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.OWN, W.INSPECTION: S.OWN,
                   W.PARTY_BUILDING: S.OWN, W.PARTNER: S.OWN, W.AUDIT: S.ALL},
}

ALERT_HANDLING = {"acknowledgeAlert", "resolveAlert"}
MAY_RECORD: dict[Who, frozenset[str]] = {
    W.CIVIL_AFFAIRS: frozenset({
        "registerOrganization", "changeRegistration", "deregisterOrganization", "revokeRegistration",
        "banOrganization", "convertToRegistration", "submitAnnualReport", "concludeAnnualInspection",
        "awardGrade", "lowerGrade", "cancelGrade", "imposePenalty", "recordPenaltyExecuted",
        "addToAbnormalList", "removeFromAbnormalList", "escalateToSeriousList", "addToSeriousList",
        "removeFromSeriousList", *ALERT_HANDLING,
        "acceptProposal", "declineProposal", "recordCourtDishonestDebtor",
        "fileObjection", "decideObjection", "annulPenalty", "conferHonour",
    }),
    W.STREET_OFFICE: frozenset({
        "fileCommunityOrganization", "changeFiling", "cancelFiling", "submitAnnualReport", *ALERT_HANDLING,
    }),
    W.FINANCE: frozenset({
        "awardFunding", "disburseFunding", "suspendFunding", "resumeFunding", "clawBackFunds",
        "closeFundingProject", *ALERT_HANDLING,
        "acceptProposal", "declineProposal",
    }),
    W.INSPECTION: frozenset({
        "drawInspectionSample", "openInspection", "recordInspectionFindings", "orderRectification",
        "confirmRectification", "recordRectificationOverdue", "closeInspection", *ALERT_HANDLING,
    }),
    W.PARTY_BUILDING: frozenset({
        "countPartyMembers", "setUpPartyOrganization", "appointPartyInstructor", *ALERT_HANDLING,
    }),
    W.PARTNER: frozenset({
        "imposePenalty", "openInspection", "recordInspectionFindings", "closeInspection", *ALERT_HANDLING,
        "annulPenalty",
    }),
    W.AUDIT: frozenset(),
    W.PUBLIC: frozenset(),
}

# Top-level query fields, and who may ask them at all (rows and fields are filtered further).
QUERY_FIELDS: dict[str, frozenset[Who]] = {
    "me": frozenset(Who),
    "organization": frozenset(Who),
    "organizations": frozenset(Who),
    "organizationHistory": frozenset(w for w, s in MATRIX[Area.HISTORY].items() if s != S.NONE),
    "organizationAsOf": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.AUDIT}),
    "alerts": frozenset(Who) - {W.PUBLIC},
    "streetOverview": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.AUDIT}),
    "fundingProjects": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.FINANCE, W.AUDIT}),
    "inspectionCases": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.INSPECTION, W.AUDIT}),
    "partyCoverage": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.PARTY_BUILDING, W.AUDIT}),
    "viewLag": frozenset({W.CIVIL_AFFAIRS, W.AUDIT}),
    # The audit office's fields ("full event history: audit everything"). Each spans every department and
    # district with personal data unmasked, so only a role that sees all of history and of personal data
    # may ask; civil affairs reads its district's history through organizationHistory.
    "eventLog": frozenset({W.AUDIT}),
    "viewAsOf": frozenset({W.AUDIT}),
    "verifyChain": frozenset({W.AUDIT}),
    "personalDataReads": frozenset({W.AUDIT}),
}

PARTNER_DEPARTMENTS = frozenset({Department.TAX, Department.MARKET_REGULATION, Department.PUBLIC_SECURITY})


def who(principal: Principal) -> Who:
    """The matrix column of a caller."""
    if principal.department is None:
        return W.PUBLIC
    if principal.department in PARTNER_DEPARTMENTS:
        return W.PARTNER
    try:
        return Who(str(principal.department))
    except ValueError:
        return W.PUBLIC  # an unknown department gets what the public gets: deny by default


def scope(principal: Principal, area: Area) -> Scope:
    return MATRIX[area].get(who(principal), S.NONE)


def require_query(principal: Principal, field: str) -> None:
    if who(principal) not in QUERY_FIELDS.get(field, frozenset()):
        raise AccessDenied(f"{principal.username or 'the public'} may not query {field}")


def may_record(principal: Principal, mutation: str) -> bool:
    return mutation in MAY_RECORD.get(who(principal), frozenset())


def require_mutation(principal: Principal, mutation: str) -> None:
    if not may_record(principal, mutation):
        raise AccessDenied(f"{principal.username or 'the public'} ({who(principal)}) may not record {mutation}")


def _in_scope(principal: Principal, value: Scope, district: str, street: str) -> bool:
    if value in (S.NONE,):
        return False
    if value == S.STREET:
        return principal.in_jurisdiction(district, street) and len((principal.jurisdiction or "").split("/")) >= 2
    if value == S.DISTRICT:
        return principal.in_jurisdiction(district, street)
    return True


def visible(principal: Principal, area: Area, district: str, street: str) -> bool:
    """May the caller see this area of an organization in ``district``/``street``?"""
    return _in_scope(principal, scope(principal, area), district, street)


def require_visible(principal: Principal, district: str, street: str) -> None:
    """The organization itself must be in the caller's registry scope, else it is not found."""
    if not visible(principal, Area.REGISTRY, district, street):
        raise OutOfJurisdiction("no such organization")


def require_writable(principal: Principal, mutation: str, district: str, street: str) -> None:
    """A mutation on an organization: the role may record it, and the organization is in its jurisdiction."""
    require_mutation(principal, mutation)
    if not principal.in_jurisdiction(district, street):
        raise OutOfJurisdiction("no such organization")


def registry_filter(principal: Principal) -> tuple[str | None, str | None]:
    """(district, street) every registry query is limited to: None where the caller sees all."""
    value = scope(principal, Area.REGISTRY)
    if value in (S.DISTRICT, S.STREET):
        parts = (principal.jurisdiction or "").split("/")
        district = parts[0] or None
        street = parts[1] if value == S.STREET and len(parts) > 1 else None
        if value == S.STREET and street is None:
            return district, "\x00"  # a street officer without a street sees nothing
        return district, street
    return None, None


def personal_data_unmasked(principal: Principal, district: str | None, street: str | None) -> bool:
    """Does the caller see personal data (ID and phone numbers) of an organization here unmasked?

    What ``mask_person`` decides; a read it allows is one the read audit records."""
    value = scope(principal, Area.PERSONAL_DATA)
    return value != S.MASKED and _in_scope(principal, value, district or "", street or "")


def mask_person(person: dict[str, Any] | None, principal: Principal, district: str, street: str) -> dict[str, Any] | None:
    """A person as the caller may see them: whole, masked, or not at all."""
    if person is None:
        return None
    if personal_data_unmasked(principal, district, street):
        return person
    value = scope(principal, Area.PERSONAL_DATA)
    if value == S.NONE:
        return None
    return {
        "name": person.get("name"),
        "id_number": _mask(person.get("id_number"), 6, 4),
        "phone": _mask(person.get("phone"), 3, 4),
    }


def _mask(text: str | None, head: int, tail: int) -> str | None:
    if not text:
        return text
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]


def own_events_only(principal: Principal) -> str | None:
    """The department whose events alone the caller may see in a history, or None for all events."""
    return str(principal.department) if scope(principal, Area.HISTORY) == S.OWN else None
