"""GraphQL object types, built from view rows as the caller may see them (the policy decides)."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from auth import policy
from auth.policy import Area, Scope
from auth.principal import Principal
from gateway.graphql.alert_words import english
from gateway.graphql.context import caller, runtime
from gateway.graphql.read_audit import has_personal_data
from projections.views.base import yuan


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


CURSOR_MAX = 1024  # characters: a cursor holds a name (at most 100 characters) and an id, or a position
POSITION_MAX = 2**63 - 1  # the largest a database's integer holds


def encode_cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts, ensure_ascii=False).encode()).decode()


def decode_cursor(cursor: str | None, *kinds: type) -> list[Any] | None:
    """The parts of a cursor this API gave out (``encode_cursor``), each of its kind: ``int`` a position,
    ``str`` a name or id. Anything else, however it came about, is BAD_USER_INPUT "invalid cursor"."""
    if not cursor:
        return None
    from gateway.graphql.errors import BAD_USER_INPUT, coded

    invalid = coded("invalid cursor: pass a page's endCursor as it was given", BAD_USER_INPUT)
    if len(cursor) > CURSOR_MAX:
        raise invalid
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")).decode())
    except (ValueError, UnicodeError, RecursionError):
        raise invalid from None
    if not isinstance(parts, list) or len(parts) != len(kinds) or not all(map(_of_kind, parts, kinds)):
        raise invalid
    return parts


def _of_kind(part: Any, kind: type) -> bool:
    if kind is int:
        return type(part) is int and 0 <= part <= POSITION_MAX
    return isinstance(part, kind)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Actor:
    user_id: str | None
    username: str | None
    department: str | None
    role: str | None


@strawberry.type
class Person:
    """A person named in a registration; ID number and phone are masked unless the caller may see them."""

    name: str | None
    id_number: str | None
    phone: str | None


@strawberry.type
class CreditStatus:
    on_abnormal_list: bool
    abnormal_listed_on: date | None
    on_serious_list: bool
    serious_listed_on: date | None


@strawberry.type(description="A listing on a credit list as published (信用信息公示); an erroneous one never is.")
class CreditListing:
    list: str
    ground: str
    ground_words: str
    listed_on: date
    authority: str
    legal_basis: str
    removed_on: date | None


@strawberry.type
class Penalty:
    id: strawberry.ID
    kind: str
    amount: Decimal | None
    department: str
    imposed_on: date
    executed: bool | None


@strawberry.type
class FundingProject:
    id: strawberry.ID
    organization_id: strawberry.ID
    project_name: str
    purchasing_unit: str | None = None
    amount: Decimal | None = None
    disbursed: Decimal | None = None
    clawed_back: Decimal | None = None
    status: str | None = None
    awarded_on: date | None = None
    period_start: date | None = None
    period_end: date | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], names_only: bool) -> FundingProject:
        if names_only:
            return cls(id=row["project_id"], organization_id=row["org_id"], project_name=row["project_name"])
        return cls(
            id=row["project_id"], organization_id=row["org_id"], project_name=row["project_name"],
            purchasing_unit=row["purchasing_unit"], amount=yuan(row["amount_fen"]), disbursed=yuan(row["disbursed_fen"]),
            clawed_back=yuan(row["clawed_back_fen"]), status=row["status"], awarded_on=_date(row["awarded_on"]),
            period_start=_date(row["period_start"]), period_end=_date(row["period_end"]),
        )


@strawberry.type
class InspectionCase:
    id: strawberry.ID
    organization_id: strawberry.ID
    status: str
    opened_on: date
    closed_on: date | None
    rectification: str | None = None
    deadline: date | None = None
    inspectors: list[str] | None = None
    subject: str | None = None
    problems_found: bool | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], status_only: bool) -> InspectionCase:
        common = dict(id=row["case_id"], organization_id=row["org_id"],
                      status="closed" if row["closed_on"] else "open", opened_on=_date(row["opened_on"]),
                      closed_on=_date(row["closed_on"]))
        if status_only:
            return cls(**common)
        return cls(**common, rectification=row["rectification"], deadline=_date(row["deadline"]),
                   inspectors=[n.strip() for n in row["inspectors"].split(",") if n.strip()],
                   subject=row["subject"], problems_found=bool(row["problems_found"]))


def grade_name(grade: int | None) -> str | None:
    return f"{grade}A" if grade else None


@strawberry.type
class Organization:
    id: strawberry.ID
    name: str
    kind: str
    status: str
    credit_code: str | None
    district: str
    street: str
    grade: str | None
    credit: CreditStatus
    community: str | None = None
    category: str | None = None
    role: str | None = None
    registered_on: date | None = None
    filed_on: date | None = None
    ended_on: date | None = None
    grade_valid_until: date | None = None
    domicile: str | None = None
    purpose: str | None = None
    business_scope: str | None = None
    supervising_unit: str | None = None
    funds: Decimal | None = None
    legal_representative: Person | None = None
    party_members: int | None = None
    party_organization: str | None = None
    under_investigation: bool | None = None
    updated_at: datetime | None = None
    version: int | None = None
    # Not in the schema: whether the legal representative's ID or phone number was built unmasked (a read
    # the resolver records, gateway/graphql/read_audit.py).
    personal_data_shown: strawberry.Private[bool] = False

    @classmethod
    def from_row(cls, row: dict[str, Any], principal: Principal) -> Organization:
        """The registry row as this caller may see it (public fields only for the public)."""
        district, street = row["district"], row["street"]
        public = dict(
            id=row["org_id"], name=row["name"], kind=row["kind"], status=row["status"],
            credit_code=row["credit_code"], district=district, street=street, grade=grade_name(row["grade"]),
            credit=CreditStatus(
                on_abnormal_list=bool(row["on_abnormal_list"]), abnormal_listed_on=_date(row["abnormal_listed_on"]),
                on_serious_list=bool(row["on_serious_list"]), serious_listed_on=_date(row["serious_listed_on"]),
            ),
            registered_on=_date(row["registered_on"]), filed_on=_date(row["filed_on"]), ended_on=_date(row["ended_on"]),
            grade_valid_until=_date(row["grade_valid_until"]),
        )
        if policy.scope(principal, Area.REGISTRY) == Scope.PUBLIC_FIELDS:
            return cls(**public)
        given = ({"name": row["representative_name"], "id_number": row["representative_id_number"],
                  "phone": row["representative_phone"]} if row["representative_name"] else None)
        person = policy.mask_person(given, principal, district, street)
        return cls(
            **public, community=row["community"], category=row["category"], role=row["role"],
            domicile=row["domicile"], purpose=row["purpose"], business_scope=row["business_scope"],
            supervising_unit=row["supervising_unit"], funds=yuan(row["funds_fen"]),
            legal_representative=Person(**person) if person else None,
            party_members=row["party_members"], party_organization=row["party_organization"],
            under_investigation=bool(row["under_investigation"]), updated_at=_datetime(row["updated_at"]),
            version=row["version"],
            personal_data_shown=person is not None and person is given and has_personal_data(person),
        )

    @strawberry.field(description="Funding projects, as far as the caller may see funding (names only for the public).")
    def funding_projects(self, info: Info) -> list[FundingProject]:
        principal, rt = caller(info), runtime(info)
        value = policy.scope(principal, Area.FUNDING)
        if not policy.visible(principal, Area.FUNDING, self.district, self.street):
            return []
        view = rt.view("finance_ledger")
        with rt.db.transaction(commit=False) as tx:
            rows = tx.rows(f"SELECT * FROM {view.t('projects')} WHERE org_id = ? ORDER BY awarded_on, project_id",
                           (str(self.id),))
        return [FundingProject.from_row(r, value == Scope.NAMES_ONLY) for r in rows]

    @strawberry.field(description="Its listings on the credit lists as published: the ground in words, the date, "
                                  "the deciding authority and the legal basis; never one withdrawn as erroneous.")
    def credit_listings(self, info: Info) -> list[CreditListing]:
        view = runtime(info).view("public_disclosure")
        rows = _rows(runtime(info), f"SELECT * FROM {view.t('listings')} WHERE org_id = ? ORDER BY listed_on, listing_id",
                     [str(self.id)])
        return [CreditListing(list=r["list"], ground=r["ground"], ground_words=r["ground_words"],
                              listed_on=_date(r["listed_on"]), authority=r["authority"], legal_basis=r["legal_basis"],
                              removed_on=_date(r["removed_on"])) for r in rows]

    @strawberry.field(description="守信激励: good credit (3A or above, never listed), a priority mark where funding is "
                                  "decided.")
    def good_credit(self, info: Info) -> bool:
        rt = runtime(info)
        with rt.db.transaction(commit=False) as tx:
            return bool(rt.view("finance_ledger").priority_marks(tx, rt.app.settings, str(self.id)))

    @strawberry.field(description="Inspection cases (status only for finance; none for the public).")
    def inspections(self, info: Info) -> list[InspectionCase]:
        principal, rt = caller(info), runtime(info)
        value = policy.scope(principal, Area.INSPECTIONS)
        if value in (Scope.PENALTIES_ONLY, Scope.NONE) or not policy.visible(principal, Area.INSPECTIONS, self.district, self.street):
            return []
        view = rt.view("inspection_board")
        sql = f"SELECT * FROM {view.t('cases')} WHERE org_id = ?"
        params: list[Any] = [str(self.id)]
        rows = _rows(rt, sql + " ORDER BY opened_on, case_id", params)
        if value == Scope.OWN:
            return []  # partners see their own findings and penalties, not the inspectors' cases
        return [InspectionCase.from_row(r, value == Scope.STATUS_ONLY) for r in rows]

    @strawberry.field(description="Penalties by every department.")
    def penalties(self, info: Info) -> list[Penalty]:
        principal, rt = caller(info), runtime(info)
        value = policy.scope(principal, Area.INSPECTIONS)
        if value in (Scope.NONE, Scope.STATUS_ONLY) or not policy.visible(principal, Area.INSPECTIONS, self.district, self.street):
            return []
        # The public reads the published penalties: an annulled one is no longer published (officers see it).
        view = rt.view("public_disclosure" if value == Scope.PENALTIES_ONLY else "civil_affairs_registry")
        rows = _rows(rt, f"SELECT * FROM {view.t('penalties')} WHERE org_id = ? ORDER BY imposed_on, penalty_id",
                     [str(self.id)])
        return [
            Penalty(id=r["penalty_id"], kind=r["kind"], amount=yuan(r["amount_fen"]), department=r["department"],
                    imposed_on=_date(r["imposed_on"]), executed=None if value == Scope.PENALTIES_ONLY else bool(r["executed"]))
            for r in rows
        ]


def _rows(rt: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with rt.db.transaction(commit=False) as tx:
        return tx.rows(sql, params)


@strawberry.type
class OrganizationEdge:
    cursor: str
    node: Organization


@strawberry.type
class OrganizationConnection:
    edges: list[OrganizationEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class HistoryEvent:
    position: int
    event_id: str
    type: str
    aggregate_id: strawberry.ID
    organization_id: strawberry.ID | None
    recorded_at: datetime
    occurred_on: date | None
    actor: Actor
    reason: str | None
    legal_basis: str | None
    data: JSON
    # Not in the schema: whether the data held a person shown unmasked (a read the resolver records).
    personal_data_shown: strawberry.Private[bool] = False

    @classmethod
    def from_row(cls, row: dict[str, Any], principal: Principal, district: str | None,
                 street: str | None) -> HistoryEvent:
        data = json.loads(row["data"])
        return cls(
            position=row["position"], event_id=f"{row['aggregate_id']}/{row['version']}", type=row["type"],
            aggregate_id=row["aggregate_id"], organization_id=row["org_id"],
            recorded_at=datetime.fromisoformat(row["recorded_at"]), occurred_on=_date(row["occurred_on"]),
            actor=Actor(user_id=row["user_id"], username=row["username"], department=row["department"], role=row["role"]),
            reason=row["reason"], legal_basis=row["legal_basis"],
            data=masked_data(data, principal, district or "", street or ""),
            personal_data_shown=has_personal_data(data) and policy.personal_data_unmasked(principal, district, street),
        )


def masked_data(value: Any, principal: Principal, district: str, street: str) -> Any:
    """Event data with every person in it masked as the caller must see them."""
    if isinstance(value, dict):
        if set(value) == {"name", "id_number", "phone"}:
            return policy.mask_person(value, principal, district, street)
        return {k: masked_data(v, principal, district, street) for k, v in value.items()}
    if isinstance(value, list):
        return [masked_data(v, principal, district, street) for v in value]
    return value


@strawberry.type
class HistoryPage:
    events: list[HistoryEvent]
    page_info: PageInfo
    total_count: int = strawberry.field(default=0, description="Events in the range asked for, on every page.")


@strawberry.type
class Alert:
    id: strawberry.ID
    rule: str
    organization_id: strawberry.ID
    organization_name: str | None
    street: str | None
    message: str
    departments: list[str]
    causes: list[str]
    proposal: JSON | None
    status: str
    raised_on: date
    raised_at: datetime
    position: int
    acknowledged_by: list[str]
    resolved_on: date | None
    resolution: str | None

    @strawberry.field(description="The alert in English: a sentence of its rule with the organization's name, "
                                  "and what it proposes (message is the rules' own Chinese).")
    def message_en(self) -> str:
        return english(self.rule, self.organization_name, self.message, self.proposal)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Alert:
        return cls(
            id=row["alert_id"], rule=row["rule"], organization_id=row["org_id"], organization_name=row["org_name"],
            street=row["street"], message=row["message"], departments=row["departments"].split(","),
            causes=row["causes"].split(","), proposal=json.loads(row["proposal"]) if row["proposal"] else None,
            status=row["status"], raised_on=date.fromisoformat(row["raised_on"]),
            raised_at=datetime.fromisoformat(row["raised_at"]), position=row["raised_position"],
            acknowledged_by=[d for d in row["acknowledged_by"].split(",") if d],
            resolved_on=_date(row["resolved_on"]), resolution=row["resolution"],
        )


@strawberry.type
class AlertPage:
    alerts: list[Alert]
    page_info: PageInfo


@strawberry.type
class Me:
    username: str | None
    display_name: str | None
    department: str | None
    role: str
    roles: list[str]
    jurisdiction: str | None
    may_record: list[str]


@strawberry.type
class CountBy:
    key: str
    count: int


@strawberry.type
class PartyCoverage:
    active_organizations: int
    with_party_organization: int
    party_members: int
    coverage: float


@strawberry.type
class FundingTotals:
    projects_awarded: int
    awarded: Decimal
    disbursed: Decimal
    clawed_back: Decimal


@strawberry.type
class CreditListed:
    organization_id: strawberry.ID
    name: str
    on_abnormal_list: bool
    on_serious_list: bool


@strawberry.type
class StreetOverview:
    street: str
    year: int
    organizations: int = strawberry.field(description="Active organizations (registered or filed): each of "
                                                      "byKind, byStatus, byCategory and byCommunity counts these.")
    by_kind: list[CountBy]
    by_status: list[CountBy]
    ended: int = strawberry.field(description="Organizations of the street no longer active (deregistered, "
                                              "revoked, banned, filing cancelled): byEndedStatus counts these.")
    by_ended_status: list[CountBy]
    by_category: list[CountBy]
    by_community: list[CountBy]
    party: PartyCoverage
    funding: FundingTotals
    open_inspections: int
    overdue_rectifications: int
    credit_listed: list[CreditListed]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StreetOverview:
        def counts(values: dict[Any, int]) -> list[CountBy]:
            return [CountBy(key=str(k) if k is not None else "", count=n) for k, n in values.items()]

        return cls(
            street=d["street"], year=d["year"], organizations=d["organizations"], by_kind=counts(d["by_kind"]),
            by_status=counts(d["by_status"]), ended=d["ended"], by_ended_status=counts(d["by_ended_status"]),
            by_category=counts(d["by_category"]),
            by_community=counts(d["by_community"]), party=PartyCoverage(**d["party"]),
            funding=FundingTotals(**d["funding"]), open_inspections=d["open_inspections"],
            overdue_rectifications=d["overdue_rectifications"],
            credit_listed=[CreditListed(organization_id=r["org_id"], name=r["name"],
                                        on_abnormal_list=bool(r["on_abnormal_list"]),
                                        on_serious_list=bool(r["on_serious_list"])) for r in d["credit_listed"]],
        )


@strawberry.type
class ViewLag:
    view: str
    position: int
    head: int
    events_behind: int
    seconds_behind: float


@strawberry.type
class CommandResult:
    """What a mutation recorded: the ids of its events."""

    aggregate_id: strawberry.ID
    event_ids: list[str]
    replayed: bool
    position: int | None
    caught_up: bool | None = None
