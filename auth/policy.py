"""The access matrix (docs/domain.md, "Who sees what") as data, and the one place every resolver asks.

Deny by default: a role not in a row sees nothing of that area, a mutation not listed for a role is
refused. Rows are filtered by the caller's whole jurisdiction (district, and street for a street
officer): "all" in the matrix is all of the caller's district, and only the audit office ("audit
everything") and the public's public fields reach past it. An object outside what the caller may act on
is reported exactly as one that does not exist ("no such organization", NOT_FOUND), so its existence
does not leak; the role is checked first, before anything is read.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any

from auth.principal import Principal, parse_jurisdiction
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
    ALL = "all"  # every district: the audit office only
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
    Area.REGISTRY: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.DISTRICT,
                    W.INSPECTION: S.DISTRICT, W.PARTY_BUILDING: S.DISTRICT, W.PARTNER: S.DISTRICT, W.AUDIT: S.ALL,
                    W.PUBLIC: S.PUBLIC_FIELDS},
    Area.PERSONAL_DATA: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.MASKED,
                         W.INSPECTION: S.MASKED, W.PARTY_BUILDING: S.MASKED, W.PARTNER: S.MASKED, W.AUDIT: S.ALL},
    Area.FUNDING: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.DISTRICT, W.AUDIT: S.ALL,
                   W.PUBLIC: S.NAMES_ONLY},
    Area.INSPECTIONS: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.STATUS_ONLY,
                       W.INSPECTION: S.DISTRICT, W.PARTNER: S.OWN, W.AUDIT: S.ALL, W.PUBLIC: S.PENALTIES_ONLY},
    Area.HISTORY: {W.CIVIL_AFFAIRS: S.DISTRICT, W.STREET_OFFICE: S.STREET, W.FINANCE: S.OWN, W.INSPECTION: S.OWN,
                   W.PARTY_BUILDING: S.OWN, W.PARTNER: S.OWN, W.AUDIT: S.ALL},
}

# The work on a task (an alert or a proposal): every department a task may be addressed to does it.
ALERT_HANDLING = {"acknowledgeAlert", "resolveAlert", "acknowledgeTask", "assignTask", "transferTask",
                  "requestTaskAssistance", "resolveTask"}
MAY_RECORD: dict[Who, frozenset[str]] = {
    W.CIVIL_AFFAIRS: frozenset({
        "registerOrganization", "changeRegistration", "deregisterOrganization", "revokeRegistration",
        "banOrganization", "convertToRegistration", "submitAnnualReport", "concludeAnnualInspection",
        "awardGrade", "lowerGrade", "cancelGrade", "imposePenalty", "recordPenaltyExecuted",
        "addToAbnormalList", "removeFromAbnormalList", "escalateToSeriousList", "addToSeriousList",
        "removeFromSeriousList", *ALERT_HANDLING,
        "acceptProposal", "declineProposal", "recordCourtDishonestDebtor",
        "fileObjection", "decideObjection", "annulPenalty", "conferHonour", "recordPublicFundraisingQualification",
    }),
    W.STREET_OFFICE: frozenset({
        "fileCommunityOrganization", "changeFiling", "cancelFiling", "submitAnnualReport", *ALERT_HANDLING,
        "requestRevocation",  # 撤销登记建议: any department may ask civil affairs to revoke
    }),
    W.FINANCE: frozenset({
        "awardFunding", "disburseFunding", "suspendFunding", "resumeFunding", "clawBackFunds",
        "closeFundingProject", *ALERT_HANDLING,
        "requestRevocation",  # 撤销登记建议: any department may ask civil affairs to revoke
        "acceptProposal", "declineProposal",
    }),
    W.INSPECTION: frozenset({
        "drawInspectionSample", "openInspection", "recordInspectionFindings", "orderRectification",
        "confirmRectification", "recordRectificationOverdue", "closeInspection", *ALERT_HANDLING,
        "requestRevocation",  # 撤销登记建议: any department may ask civil affairs to revoke
    }),
    W.PARTY_BUILDING: frozenset({
        "countPartyMembers", "setUpPartyOrganization", "appointPartyInstructor", *ALERT_HANDLING,
        "requestRevocation",  # 撤销登记建议: any department may ask civil affairs to revoke
    }),
    W.PARTNER: frozenset({
        "imposePenalty", "openInspection", "recordInspectionFindings", "closeInspection", *ALERT_HANDLING,
        "requestRevocation",  # 撤销登记建议: any department may ask civil affairs to revoke
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
    "tasks": frozenset(Who) - {W.PUBLIC},
    "streetOverview": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.AUDIT}),
    "fundingProjects": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.FINANCE, W.AUDIT}),
    "inspectionCases": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.INSPECTION, W.AUDIT}),
    "viewLag": frozenset({W.CIVIL_AFFAIRS, W.AUDIT}),
    # The rows behind the street overview's figures (gateway/graphql/drill_queries.py).
    "inspections": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.INSPECTION, W.AUDIT}),
    "fundingTable": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.FINANCE, W.AUDIT}),
    "partyBuildingGaps": frozenset({W.CIVIL_AFFAIRS, W.STREET_OFFICE, W.PARTY_BUILDING, W.AUDIT}),
    # A list as a file (each list further needs its own field above): officers only, not the public.
    "export": frozenset(Who) - {W.PUBLIC},
    # The audit office's fields ("full event history: audit everything"). Each spans every department and
    # district with personal data unmasked, so only a role that sees all of history and of personal data
    # may ask; civil affairs reads its district's history through organizationHistory.
    "eventLog": frozenset({W.AUDIT}),
    "viewAsOf": frozenset({W.AUDIT}),
    "auditViews": frozenset({W.AUDIT}),
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


# An Excel ledger's rows are registrations and filings: a role that records either may upload one (each row is
# then checked as its own command: gateway/files/ledger.py).
LEDGER_MUTATIONS = ("registerOrganization", "fileCommunityOrganization")


def may_import_ledger(principal: Principal) -> bool:
    return any(may_record(principal, mutation) for mutation in LEDGER_MUTATIONS)


def require_mutation(principal: Principal, mutation: str) -> None:
    if not may_record(principal, mutation):
        raise AccessDenied(f"{principal.username or 'the public'} ({who(principal)}) may not record {mutation}")


# Scopes no jurisdiction bounds: the audit office's, and what the public may see of any organization.
UNBOUNDED = frozenset({S.ALL, S.PUBLIC_FIELDS, S.NAMES_ONLY, S.PENALTIES_ONLY})


def _street_level(principal: Principal) -> bool:
    return len((principal.jurisdiction or "").split("/")) >= 2


def _in_scope(principal: Principal, value: Scope, district: str, street: str) -> bool:
    if value == S.NONE:
        return False
    if value in UNBOUNDED:
        return True
    if value == S.STREET and not _street_level(principal):
        return False  # a street officer without a street sees nothing
    return principal.in_jurisdiction(district, street)  # masked, status only and own data too: its place only


def visible(principal: Principal, area: Area, district: str, street: str) -> bool:
    """May the caller see this area of an organization in ``district``/``street``?"""
    return _in_scope(principal, scope(principal, area), district, street)


def require_visible(principal: Principal, district: str, street: str) -> None:
    """The organization itself must be in the caller's registry scope, else it is not found."""
    if not visible(principal, Area.REGISTRY, district, street):
        raise OutOfJurisdiction("no such organization")


def place_bounds(principal: Principal) -> dict[str, str] | None:
    """The place every row the caller may list lies in, as registry columns and values, e.g.
    {"district": "yuzhong", "street": "shangqingsi"}: {} where it sees every place, None where it sees none.

    The caller's whole jurisdiction, so that a street of the same name in another district stays out."""
    value = scope(principal, Area.REGISTRY)
    if value == S.NONE:
        return None
    if value in UNBOUNDED:
        return {}
    if principal.jurisdiction is None or (value == S.STREET and not _street_level(principal)):
        return None
    return dict(zip(("district", "street", "community"), principal.jurisdiction.split("/")))


def registry_filter(principal: Principal) -> tuple[str | None, str | None]:
    """(district, street) every registry query is limited to: None where the caller sees all."""
    bounds = place_bounds(principal)
    if bounds is None:
        return "\x00", "\x00"  # a caller without a place sees nothing
    return bounds.get("district"), bounds.get("street")


# -- acting on objects -------------------------------------------------------------------------------
#
# A caller acts only on what it may see, and only where it acts: the object lies in its jurisdiction
# (its street for a street officer), and the matrix area the object belongs to is open to it in full, or,
# where it sees only its own (partners' findings), the caller's department recorded the object. A refusal
# reads like a missing object (no such ...), so that it does not tell that the object exists.

FULL_SIGHT = frozenset({S.ALL, S.DISTRICT, S.STREET})
OBJECT_AREA: dict[str, Area] = {
    "organization": Area.REGISTRY,
    "funding project": Area.FUNDING,
    "inspection case": Area.INSPECTIONS,
}


def acts_in(principal: Principal, district: str | None, street: str | None = None) -> bool:
    """Does the place lie where the caller acts: in its jurisdiction, in its own street for a street officer?"""
    if scope(principal, Area.REGISTRY) == S.STREET and not _street_level(principal):
        return False
    return principal.in_jurisdiction(district, street)


def may_act_on(principal: Principal, kind: str, district: str | None, street: str | None,
               recorded_by: str | None = None) -> bool:
    """May the caller act on an object of ``kind`` (OBJECT_AREA) about an organization in district/street,
    recorded (opened) by the department ``recorded_by``?"""
    if not acts_in(principal, district, street):
        return False
    value = scope(principal, OBJECT_AREA[kind])
    return value in FULL_SIGHT or (value == S.OWN and recorded_by is not None
                                   and recorded_by == str(principal.department))


def may_act_on_organization(principal: Principal, district: str | None, street: str | None) -> bool:
    return may_act_on(principal, "organization", district, street)


def may_act_on_funding_project(principal: Principal, district: str | None, street: str | None) -> bool:
    """A project of an organization the caller acts on, whose funding amounts it sees."""
    return may_act_on(principal, "funding project", district, street)


def may_act_on_inspection_case(principal: Principal, district: str | None, street: str | None,
                               opened_by: str | None) -> bool:
    """A case about an organization the caller acts on; a partner department only on the cases it opened."""
    return may_act_on(principal, "inspection case", district, street, recorded_by=opened_by)


def task_visible(principal: Principal, district: str | None, street: str | None, departments: list[str],
                 assisting: list[str]) -> bool:
    """The tasks (alerts, proposals) a caller sees: the audit office all; the street office every task about
    an organization of its street, whoever owns it (the joint view); any other department those it owns or
    helps with, where it acts."""
    if who(principal) == W.AUDIT:
        return True
    if who(principal) == W.STREET_OFFICE:
        return acts_in(principal, district, street)
    department = str(principal.department)
    return (department in departments or department in assisting) and acts_in(principal, district, street)


# A department asked to help (协办) acknowledges the task; its owners do every step.
HELPERS_MAY = frozenset({"acknowledgeTask", "acknowledgeAlert"})


def may_work_task(principal: Principal, mutation: str, district: str | None, street: str | None,
                  departments: list[str], assisting: list[str]) -> bool:
    """May the caller take this step on a task about an organization in district/street?"""
    department = str(principal.department)
    if not may_record(principal, mutation) or not acts_in(principal, district, street):
        return False
    return department in departments or (mutation in HELPERS_MAY and department in assisting)


def may_act_on_alert(principal: Principal, district: str | None, street: str | None,
                     departments: list[str]) -> bool:
    """An alert addressed to the caller's department, about an organization where the caller acts."""
    return str(principal.department) in departments and acts_in(principal, district, street)


def may_act_on_sample_draw(principal: Principal, jurisdiction: str | None) -> bool:
    """A sample draw (made, or to make) for a jurisdiction path ('yuzhong', 'yuzhong/shangqingsi') inside
    the caller's."""
    try:
        parts = (parse_jurisdiction(jurisdiction) or "").split("/")
    except ValueError:
        return False
    return acts_in(principal, *parts[:2]) and principal.in_jurisdiction(*parts)


def may_draw_from(principal: Principal, jurisdiction: str, district: str | None, street: str | None) -> bool:
    """May an organization here be in the population of a draw for ``jurisdiction``: it lies there, and
    where the caller acts."""
    try:
        drawn_for = replace(principal, jurisdiction=jurisdiction)
    except ValueError:
        return False
    return may_act_on_organization(principal, district, street) and drawn_for.in_jurisdiction(district, street)


def require_place(principal: Principal, district: str, street: str) -> None:
    """A place the caller names for a new organization must be where it acts."""
    if not acts_in(principal, district, street):
        raise OutOfJurisdiction(f"{district}/{street} is outside your jurisdiction")


def require(allowed: bool, kind: str) -> None:
    """Refuse an object the caller may not act on exactly as a missing one."""
    if not allowed:
        raise OutOfJurisdiction(not_found(kind))


def not_found(kind: str) -> str:
    """The one message for a missing object and for one out of the caller's reach."""
    return f"no such {kind}"


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
