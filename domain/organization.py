"""The organization aggregate: registration or filing, changes, annual duties, grades, penalties,
credit lists and party building of one social organization (社会组织)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from eventsourcing.domain import event

from domain.base import IMMUTABLE, SupervisedAggregate, event_id
from domain.context import Context, Department
from domain.credit_code import checked_credit_code
from domain.calendar import add_working_days, add_years
from domain.credit_lists import (
    GROUND_BASIS,
    AbnormalGround,
    CreditList,
    Listing,
    ListingEntry,
    PenaltyKind,
    PenaltyRecord,
    SeriousGround,
    abnormal_auto_exit_on,
    abnormal_list_exit_due,
    credit_list_grounds_for_penalty,
    list_of,
    serious_list_escalation_due,
    serious_list_exit_refusal,
)
from domain.errors import (
    CreditListRuleViolation,
    InvalidInput,
    NotEligibleForEvaluation,
    OrganizationInactive,
    RuleViolation,
)
from domain.evaluation import (
    InspectionResult,
    evaluation_ineligibility_reasons,
    grade_for_score,
    grade_valid_until,
)
from domain.people import Person
from domain.settings import LocalitySettings
from domain.snapshots import StateSnapshot
from domain.values import checked_identifier, checked_name, checked_text, positive_money


class OrgKind(StrEnum):
    SOCIAL_GROUP = "social_group"  # 社会团体
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise"  # 民办非企业单位 / 社会服务机构
    FOUNDATION = "foundation"  # 基金会
    COMMUNITY = "community"  # 社区社会组织 (备案, no legal personality)


REGISTERED_KINDS = (OrgKind.SOCIAL_GROUP, OrgKind.PRIVATE_NON_ENTERPRISE, OrgKind.FOUNDATION)


class OrgStatus(StrEnum):
    REGISTERED = "registered"  # 已登记
    FILED = "filed"  # 已备案
    DEREGISTERED = "deregistered"  # 已注销
    REVOKED = "revoked"  # 已撤销登记
    BANNED = "banned"  # 已取缔
    FILING_CANCELLED = "filing_cancelled"  # 已撤销备案


ACTIVE_STATUSES = (OrgStatus.REGISTERED, OrgStatus.FILED)


class RevocationGround(StrEnum):
    FRAUD = "fraud"  # 弄虚作假骗取登记
    FRAUDULENT_CHANGE = "fraudulent_change"  # 弄虚作假办理变更登记
    NO_ACTIVITY_FIRST_YEAR = "no_activity_first_year"  # 自取得登记证书之日起1年未开展活动
    SERIOUS_PENALTY = "serious_penalty"  # 严重违法, 吊销登记证书


class PartyOrganizationForm(StrEnum):
    SINGLE = "single"  # 单独组建
    JOINT = "joint"  # 联合组建
    ATTACHED = "attached"  # 挂靠 (e.g. to the hub's branch)


class ListedEvent(SupervisedAggregate.Event):
    """A listing on either credit list (version 2: the article and item applied, its causes and proposal)."""

    class_version = 2
    ctx: Context
    ground: str
    article: int
    item: int
    causes: list[str]
    proposal_id: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 stored the ground alone: the article and item it implies; no causes were cited."""
        basis = GROUND_BASIS[state["ground"]]
        state["article"], state["item"] = basis.article, basis.item
        state["causes"], state["proposal_id"] = [], None


class Organization(SupervisedAggregate):
    """One social organization, from registration or filing to its end."""

    shared_on_copy = (*IMMUTABLE, Person, PenaltyRecord)  # frozen, of immutable fields
    Snapshot = StateSnapshot  # see domain/snapshots.py; raise class_version when the attributes change
    # 失信被执行人: the court's notices recorded. The class's empty default serves snapshots taken before it.
    court_notices = ()  # replaced by a list, never changed in place
    objections = MappingProxyType({})  # pending 异议 by id: replaced by a dict, never changed in place
    # 公开募捐资格: the certificate of a charity's public fundraising qualification, once recorded.
    public_fundraising_certificate: str | None = None

    # -- creation -------------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        ctx: Context,
        *,
        name: str,
        kind: str,
        credit_code: str,
        domicile: str,
        purpose: str,
        business_scope: str,
        legal_representative: Person,
        funds: Decimal,
        district: str,
        street: str,
        community: str | None = None,
        activity_area: str | None = None,
        supervising_unit: str | None = None,
        category: str | None = None,
        role: str | None = None,
    ) -> Organization:
        """成立登记: a social group, private non-enterprise unit or foundation is registered."""
        kind = _registered_kind(kind)
        return cls._create(
            cls.Registered,
            ctx=ctx,
            name=checked_name(name),
            kind=kind,
            credit_code=checked_credit_code(credit_code, kind),
            domicile=checked_text(domicile, "domicile", required=True),
            purpose=checked_text(purpose, "purpose", required=True, multiline=True),
            business_scope=checked_text(business_scope, "business scope", required=True, multiline=True),
            legal_representative=_person(legal_representative),
            funds=positive_money(funds, "registered funds"),
            district=checked_name(district, "district"),
            street=checked_name(street, "street"),
            community=community and checked_name(community, "community"),
            activity_area=checked_text(activity_area, "activity area"),
            supervising_unit=supervising_unit and checked_name(supervising_unit, "supervising unit"),
            category=category and checked_name(category, "category"),
            role=role and checked_name(role, "role"),
        )

    @classmethod
    def file(
        cls,
        ctx: Context,
        *,
        name: str,
        person_in_charge: Person,
        district: str,
        street: str,
        community: str | None = None,
        activity_area: str | None = None,
        category: str | None = None,
        role: str | None = None,
    ) -> Organization:
        """备案: a community social organization is filed (no legal personality, no credit code)."""
        return cls._create(
            cls.Filed,
            ctx=ctx,
            name=checked_name(name),
            person_in_charge=_person(person_in_charge),
            district=checked_name(district, "district"),
            street=checked_name(street, "street"),
            community=community and checked_name(community, "community"),
            activity_area=checked_text(activity_area, "activity area"),
            category=category and checked_name(category, "category"),
            role=role and checked_name(role, "role"),
        )

    class Registered(SupervisedAggregate.Created):
        """成立登记: registered by civil affairs."""

        ctx: Context
        name: str
        kind: str
        credit_code: str
        domicile: str
        purpose: str
        business_scope: str
        legal_representative: Person
        funds: Decimal
        district: str
        street: str
        community: str | None
        activity_area: str | None
        supervising_unit: str | None
        category: str | None
        role: str | None

    class Filed(SupervisedAggregate.Created):
        """备案: filed as a community social organization."""

        ctx: Context
        name: str
        person_in_charge: Person
        district: str
        street: str
        community: str | None
        activity_area: str | None
        category: str | None
        role: str | None

    def __init__(
        self,
        ctx: Context,
        name: str,
        district: str,
        street: str,
        community: str | None = None,
        activity_area: str | None = None,
        category: str | None = None,
        role: str | None = None,
        kind: str = OrgKind.COMMUNITY,
        credit_code: str | None = None,
        domicile: str | None = None,
        purpose: str | None = None,
        business_scope: str | None = None,
        legal_representative: Person | None = None,
        person_in_charge: Person | None = None,
        funds: Decimal | None = None,
        supervising_unit: str | None = None,
    ) -> None:
        self.name = name
        self.district = district
        self.street = street
        self.community = community
        self.activity_area = activity_area
        self.category = category
        self.role = role
        self.kind = OrgKind(kind)
        self.credit_code = credit_code
        self.domicile = domicile
        self.purpose = purpose
        self.business_scope = business_scope
        self.legal_representative = legal_representative
        self.person_in_charge = person_in_charge
        self.funds = funds
        self.supervising_unit = supervising_unit
        self.charter_version = 1 if self.credit_code else 0
        if self.credit_code:
            self.status = OrgStatus.REGISTERED
            self.registered_on: date | None = ctx.occurred_on
            self.filed_on: date | None = None
        else:
            self.status = OrgStatus.FILED
            self.registered_on = None
            self.filed_on = ctx.occurred_on
        self.ended_on: date | None = None
        self.revocation_ground: str | None = None
        self.annual_reports: dict[int, date] = {}
        self.inspection_results: dict[int, str] = {}
        self.grade: int | None = None
        self.grade_awarded_on: date | None = None
        self.grade_valid_until: date | None = None
        self.penalties: list[PenaltyRecord] = []
        self.open_inspection_cases: list[str] = []
        self.abnormal_listing: Listing | None = None
        self.serious_listing: Listing | None = None
        self.court_notices: list[str] = []
        self.party_members = 0
        self.party_organization: str | None = None
        self.party_organization_name: str | None = None
        self.party_instructor: str | None = None

    # -- state questions ------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def on_abnormal_list(self) -> bool:
        return self.abnormal_listing is not None

    @property
    def on_serious_list(self) -> bool:
        return self.serious_listing is not None

    @property
    def funding_refusal(self) -> str | None:
        """Why no new funding or disbursement may go to this organization, or None."""
        if not self.is_active:
            return f"{self.name} is {self.status.value}"
        if self.on_serious_list:
            return f"{self.name} is on the serious illegal and dishonest list"
        return None

    def award_refusal(self, settings: LocalitySettings) -> str | None:
        """Why no new purchase-of-service award may go to this organization, or None (联合惩戒: the serious
        list always; the abnormal list where the locality restricts it, as Xiamen's and Tianjin's measures do)."""
        if self.funding_refusal is None and self.on_abnormal_list and settings.abnormal_list_bars_award:
            return f"{self.name} is on the abnormal activities list"
        return self.funding_refusal

    def _ensure_active(self) -> None:
        if not self.is_active:
            raise OrganizationInactive(f"{self.name} is {self.status.value}: nothing more can change")

    def _ensure_not_filing_cancelled(self) -> None:
        # Other ended organizations may still leave lists or lose grades; a cancelled filing changes no more.
        if self.status == OrgStatus.FILING_CANCELLED:
            raise OrganizationInactive(f"{self.name}'s filing is cancelled: nothing more can change")

    def _ensure_registered(self) -> None:
        self._ensure_active()
        if self.status != OrgStatus.REGISTERED:
            raise RuleViolation(f"{self.name} is filed, not registered")

    def _ensure_filed(self) -> None:
        self._ensure_active()
        if self.status != OrgStatus.FILED:
            raise RuleViolation(f"{self.name} is registered, not filed")

    def _ensure_not_before_start(self, ctx: Context) -> None:
        start = self.registered_on or self.filed_on
        if start is not None and ctx.occurred_on < start:
            raise InvalidInput(f"{ctx.occurred_on} is before {self.name} came into being ({start})")

    def ensure_in_being_on(self, ctx: Context) -> None:
        """Refuses a command about this organization dated before it came into being (funding, say)."""
        self._ensure_not_before_start(ctx)

    # -- registration ---------------------------------------------------------------------------

    def change_registration(
        self,
        ctx: Context,
        *,
        name: str | None = None,
        domicile: str | None = None,
        legal_representative: Person | None = None,
        business_scope: str | None = None,
        charter_amended: bool = False,
    ) -> None:
        """变更登记. Name, domicile and legal representative changes are publicly announced."""
        self._ensure_registered()
        self._ensure_not_before_start(ctx)
        changes: dict[str, Any] = {}
        if name is not None and checked_name(name) != self.name:
            changes["name"] = checked_name(name)
        if domicile is not None and checked_text(domicile, "domicile", required=True) != self.domicile:
            changes["domicile"] = checked_text(domicile, "domicile", required=True)
        if legal_representative is not None and _person(legal_representative) != self.legal_representative:
            changes["legal_representative"] = _person(legal_representative)
        if business_scope is not None:
            scope = checked_text(business_scope, "business scope", required=True, multiline=True)
            if scope != self.business_scope:
                changes["business_scope"] = scope
        if not changes and not charter_amended:
            raise InvalidInput("the change registration changes nothing")
        self._registration_changed(ctx=ctx, changes=changes, charter_amended=charter_amended)

    @event("RegistrationChanged")
    def _registration_changed(self, ctx: Context, changes: dict[str, Any], charter_amended: bool) -> None:
        """变更登记: name, domicile, legal representative, business scope or charter changed."""
        for field, value in changes.items():
            setattr(self, field, value)
        if charter_amended:
            self.charter_version += 1

    def deregister(self, ctx: Context, *, liquidation_completed_on: date) -> None:
        """注销登记, after liquidation. A revoked organization may also complete deregistration; where its
        serious listing rests on the revocation, the same command records its exit from the list (移出,
        "deregistered"): the measures end that listing with the deregistration, not on a later request."""
        if self.status not in (OrgStatus.REGISTERED, OrgStatus.REVOKED):
            raise OrganizationInactive(f"{self.name} is {self.status.value}: it cannot be deregistered")
        self._ensure_not_before_start(ctx)
        if liquidation_completed_on > ctx.occurred_on:
            raise InvalidInput("liquidation must be complete before deregistration")
        self._deregistered(ctx=ctx, liquidation_completed_on=liquidation_completed_on)
        if self.serious_listing is not None and SeriousGround.CERTIFICATE_REVOKED in self.serious_listing.grounds:
            self._removed_from_serious_list(ctx=ctx, how="deregistered")

    @event("Deregistered")
    def _deregistered(self, ctx: Context, liquidation_completed_on: date) -> None:
        """注销登记: deregistered after liquidation."""
        self.status = OrgStatus.DEREGISTERED
        self.ended_on = ctx.occurred_on

    def revoke_registration(self, ctx: Context, *, ground: str) -> None:
        """撤销登记 for fraud, no activity within a year of registration, or a serious penalty."""
        self._ensure_registered()
        self._ensure_not_before_start(ctx)
        ground = _enum(RevocationGround, ground, "revocation ground")
        if ground == RevocationGround.NO_ACTIVITY_FIRST_YEAR:
            assert self.registered_on is not None
            if (ctx.occurred_on - self.registered_on).days < 365:
                raise RuleViolation("no activity within a year can only be found a year after registration")
        self._registration_revoked(ctx=ctx, ground=ground)

    def request_revocation(self, ctx: Context, *, ground: str, facts: str) -> None:
        """撤销登记建议: another department asks the registration authority to revoke the registration, stating
        the facts; the rules bring it to civil affairs as a proposal, which it accepts or declines."""
        self._ensure_registered()
        self._ensure_not_before_start(ctx)
        if ctx.actor.department == Department.CIVIL_AFFAIRS:
            raise RuleViolation("civil affairs revokes a registration itself: it does not request it")
        ground = _enum(RevocationGround, ground, "revocation ground")
        self._revocation_requested(ctx=ctx, ground=ground,
                                   facts=checked_text(facts, "facts", required=True, multiline=True))

    @event("RevocationRequested")
    def _revocation_requested(self, ctx: Context, ground: str, facts: str) -> None:
        """撤销登记建议: a department asked civil affairs to revoke the registration, on a ground, with the facts."""

    @event("RegistrationRevoked")
    def _registration_revoked(self, ctx: Context, ground: str) -> None:
        """撤销登记: registration revoked."""
        self.status = OrgStatus.REVOKED
        self.revocation_ground = ground
        self.ended_on = ctx.occurred_on

    # -- filing ---------------------------------------------------------------------------------

    def change_filing(
        self,
        ctx: Context,
        *,
        name: str | None = None,
        person_in_charge: Person | None = None,
        community: str | None = None,
        activity_area: str | None = None,
    ) -> None:
        """备案变更."""
        self._ensure_filed()
        self._ensure_not_before_start(ctx)
        changes: dict[str, Any] = {}
        if name is not None and checked_name(name) != self.name:
            changes["name"] = checked_name(name)
        if person_in_charge is not None and _person(person_in_charge) != self.person_in_charge:
            changes["person_in_charge"] = _person(person_in_charge)
        if community is not None and checked_name(community, "community") != self.community:
            changes["community"] = checked_name(community, "community")
        if activity_area is not None and checked_text(activity_area, "activity area") != self.activity_area:
            changes["activity_area"] = checked_text(activity_area, "activity area")
        if not changes:
            raise InvalidInput("the filing change changes nothing")
        self._filing_changed(ctx=ctx, changes=changes)

    @event("FilingChanged")
    def _filing_changed(self, ctx: Context, changes: dict[str, Any]) -> None:
        """备案变更: a filed organization's details changed."""
        for field, value in changes.items():
            setattr(self, field, value)

    def cancel_filing(self, ctx: Context) -> None:
        """撤销备案."""
        self._ensure_filed()
        self._ensure_not_before_start(ctx)
        self._filing_cancelled(ctx=ctx)

    @event("FilingCancelled")
    def _filing_cancelled(self, ctx: Context) -> None:
        """撤销备案: the filing was cancelled; nothing changes after this."""
        self.status = OrgStatus.FILING_CANCELLED
        self.ended_on = ctx.occurred_on

    def ban(self, ctx: Context) -> None:
        """取缔: an unregistered organization acting illegally is banned."""
        self._ensure_filed()
        self._ensure_not_before_start(ctx)
        self._banned(ctx=ctx)

    @event("Banned")
    def _banned(self, ctx: Context) -> None:
        """取缔: banned as an unregistered illegal organization."""
        self.status = OrgStatus.BANNED
        self.ended_on = ctx.occurred_on

    def convert_to_registration(
        self,
        ctx: Context,
        *,
        kind: str,
        credit_code: str,
        domicile: str,
        purpose: str,
        business_scope: str,
        legal_representative: Person,
        funds: Decimal,
        supervising_unit: str | None = None,
    ) -> None:
        """转登记: a filed community organization grows and registers with civil affairs."""
        self._ensure_filed()
        self._ensure_not_before_start(ctx)
        kind = _registered_kind(kind)
        self._converted_to_registration(
            ctx=ctx,
            kind=kind,
            credit_code=checked_credit_code(credit_code, kind),
            domicile=checked_text(domicile, "domicile", required=True),
            purpose=checked_text(purpose, "purpose", required=True, multiline=True),
            business_scope=checked_text(business_scope, "business scope", required=True, multiline=True),
            legal_representative=_person(legal_representative),
            funds=positive_money(funds, "registered funds"),
            supervising_unit=supervising_unit and checked_name(supervising_unit, "supervising unit"),
        )

    @event("ConvertedToRegistration")
    def _converted_to_registration(
        self,
        ctx: Context,
        kind: str,
        credit_code: str,
        domicile: str,
        purpose: str,
        business_scope: str,
        legal_representative: Person,
        funds: Decimal,
        supervising_unit: str | None,
    ) -> None:
        """转登记: a filed organization was registered with civil affairs."""
        self.kind = OrgKind(kind)
        self.credit_code = credit_code
        self.domicile = domicile
        self.purpose = purpose
        self.business_scope = business_scope
        self.legal_representative = legal_representative
        self.funds = funds
        self.supervising_unit = supervising_unit
        self.status = OrgStatus.REGISTERED
        self.registered_on = ctx.occurred_on
        self.charter_version = 1

    # -- annual duty ----------------------------------------------------------------------------

    def submit_annual_report(self, ctx: Context, *, year: int) -> None:
        """年度报告 for ``year``, submitted on ctx.occurred_on."""
        self._ensure_active()
        start = self.registered_on or self.filed_on
        assert start is not None
        if not start.year <= year < ctx.occurred_on.year:
            raise InvalidInput(f"an annual report for {year} cannot be submitted on {ctx.occurred_on}")
        if year in self.annual_reports:
            raise RuleViolation(f"the annual report for {year} was already submitted")
        self._annual_report_submitted(ctx=ctx, year=year)

    @event("AnnualReportSubmitted")
    def _annual_report_submitted(self, ctx: Context, year: int) -> None:
        """年度报告: the annual report for a year was submitted."""
        self.annual_reports[year] = ctx.occurred_on

    def conclude_annual_inspection(self, ctx: Context, *, year: int, result: str) -> None:
        """年检结论: 合格, 基本合格 or 不合格."""
        self._ensure_registered()
        result = _enum(InspectionResult, result, "inspection result")
        if year >= ctx.occurred_on.year or (self.registered_on and year < self.registered_on.year):
            raise InvalidInput(f"no annual inspection for {year} can conclude on {ctx.occurred_on}")
        if year in self.inspection_results:
            raise RuleViolation(f"the annual inspection for {year} is already concluded")
        self._annual_inspection_concluded(ctx=ctx, year=year, result=result)

    @event("AnnualInspectionConcluded")
    def _annual_inspection_concluded(self, ctx: Context, year: int, result: str) -> None:
        """年检结论: the annual inspection result for a year was recorded."""
        self.inspection_results[year] = result

    # -- evaluation -----------------------------------------------------------------------------

    def evaluation_refusals(self, today: date, settings: LocalitySettings) -> list[str]:
        """Why this organization may not be evaluated today (empty when eligible)."""
        return evaluation_ineligibility_reasons(
            registered_on=self.registered_on if self.status == OrgStatus.REGISTERED else None,
            inspection_results=self.inspection_results,
            penalties=[p for p in self.penalties if not p.annulled],
            under_investigation=bool(self.open_inspection_cases),
            on_abnormal_list=self.on_abnormal_list,
            on_serious_list=self.on_serious_list,
            today=today,
            settings=settings,
        )

    def award_grade(self, ctx: Context, *, score: int, settings: LocalitySettings) -> None:
        """评估等级: a grade 1A–5A from a score on the 1000-point scale, only when eligible."""
        self._ensure_registered()
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 1000:
            raise InvalidInput("the evaluation score is a whole number from 0 to 1000")
        reasons = self.evaluation_refusals(ctx.occurred_on, settings)
        if reasons:
            raise NotEligibleForEvaluation(reasons)
        grade = grade_for_score(score, settings)
        if grade is None:
            raise RuleViolation(f"a score of {score} earns no grade")
        self._grade_awarded(
            ctx=ctx, grade=grade, score=score, valid_until=grade_valid_until(ctx.occurred_on, settings)
        )

    @event("GradeAwarded")
    def _grade_awarded(self, ctx: Context, grade: int, score: int, valid_until: date) -> None:
        """评估等级: an evaluation grade was awarded, valid for five years."""
        self.grade = grade
        self.grade_awarded_on = ctx.occurred_on
        self.grade_valid_until = valid_until

    def lower_grade(self, ctx: Context, *, grade: int) -> None:
        """降低评估等级."""
        self._ensure_graded()
        if not isinstance(grade, int) or isinstance(grade, bool) or not 1 <= grade < (self.grade or 0):
            raise InvalidInput(f"a lowered grade is from 1 to {(self.grade or 1) - 1}")
        self._grade_lowered(ctx=ctx, grade=grade)

    @event("GradeLowered")
    def _grade_lowered(self, ctx: Context, grade: int) -> None:
        """降低评估等级: the grade was lowered."""
        self.grade = grade

    def cancel_grade(self, ctx: Context) -> None:
        """取消评估等级."""
        self._ensure_graded()
        self._grade_cancelled(ctx=ctx)

    @event("GradeCancelled")
    def _grade_cancelled(self, ctx: Context) -> None:
        """取消评估等级: the grade was cancelled."""
        self.grade = None
        self.grade_awarded_on = None
        self.grade_valid_until = None

    def _ensure_graded(self) -> None:
        self._ensure_not_filing_cancelled()
        if self.grade is None:
            raise RuleViolation(f"{self.name} holds no evaluation grade")

    # -- inspection cases naming this organization ----------------------------------------------

    def note_investigation_opened(self, ctx: Context, *, case_id: str) -> None:
        """An inspection case was opened against this organization: it is under investigation."""
        self._ensure_active()
        self._ensure_not_before_start(ctx)
        self._investigation_opened(ctx=ctx, case_id=case_id)

    @event("InvestigationOpened")
    def _investigation_opened(self, ctx: Context, case_id: str) -> None:
        """立案调查: an inspection case was opened against the organization."""
        self.open_inspection_cases.append(case_id)

    def note_investigation_closed(self, ctx: Context, *, case_id: str) -> None:
        if self.status == OrgStatus.FILING_CANCELLED:
            return  # the case may still close; a cancelled filing records nothing more
        if case_id not in self.open_inspection_cases:
            raise RuleViolation("that inspection case is not open against this organization")
        self._investigation_closed(ctx=ctx, case_id=case_id)

    @event("InvestigationClosed")
    def _investigation_closed(self, ctx: Context, case_id: str) -> None:
        """结案: an inspection case against the organization was closed."""
        self.open_inspection_cases.remove(case_id)

    # -- penalties ------------------------------------------------------------------------------

    def impose_penalty(
        self,
        ctx: Context,
        *,
        penalty_id: str,
        kind: str,
        amount: Decimal | None = None,
        stop_days: int | None = None,
        case_id: str | None = None,
    ) -> None:
        """行政处罚 by any department: warning, fine, confiscation, stop activities, revocation."""
        if self.status not in (OrgStatus.REGISTERED, OrgStatus.FILED):
            raise OrganizationInactive(f"{self.name} is {self.status.value}: it cannot be penalized")
        self._ensure_not_before_start(ctx)
        kind = _enum(PenaltyKind, kind, "penalty kind")
        if kind in (PenaltyKind.FINE, PenaltyKind.CONFISCATION):
            amount = positive_money(amount if amount is not None else 0, "fine or confiscated amount")
        elif amount is not None:
            raise InvalidInput(f"a {kind.value} has no amount")
        if kind == PenaltyKind.STOP_ACTIVITIES:
            if not isinstance(stop_days, int) or isinstance(stop_days, bool) or not 1 <= stop_days <= 366 * 3:
                raise InvalidInput("an order to stop activities names a period of 1 day to 3 years")
        elif stop_days is not None:
            raise InvalidInput("only an order to stop activities has a period")
        checked_identifier(penalty_id, "penalty id")
        if case_id is not None:
            checked_identifier(case_id, "inspection case id")
        if any(p.penalty_id == penalty_id for p in self.penalties):
            raise RuleViolation(f"penalty {penalty_id} is already recorded")
        self._penalty_imposed(
            ctx=ctx, penalty_id=penalty_id, kind=kind, amount=amount, stop_days=stop_days, case_id=case_id
        )

    @event("PenaltyImposed")
    def _penalty_imposed(
        self,
        ctx: Context,
        penalty_id: str,
        kind: str,
        amount: Decimal | None,
        stop_days: int | None,
        case_id: str | None,
    ) -> None:
        """行政处罚: a department imposed a penalty."""
        self.penalties.append(
            PenaltyRecord(
                penalty_id=penalty_id,
                kind=kind,
                amount=amount,
                department=ctx.actor.department,
                imposed_on=ctx.occurred_on,
            )
        )

    def record_penalty_executed(self, ctx: Context, *, penalty_id: str) -> None:
        """处罚执行完毕."""
        self._ensure_not_filing_cancelled()
        checked_identifier(penalty_id, "penalty id")
        for penalty in self.penalties:
            if penalty.penalty_id == penalty_id:
                if penalty.executed:
                    raise RuleViolation(f"penalty {penalty_id} is already executed")
                if ctx.occurred_on < penalty.imposed_on:
                    raise InvalidInput("a penalty is executed after it is imposed")
                self._penalty_executed(ctx=ctx, penalty_id=penalty_id)
                return
        raise InvalidInput(f"no penalty {penalty_id} on {self.name}")

    @event("PenaltyExecuted")
    def _penalty_executed(self, ctx: Context, penalty_id: str) -> None:
        """处罚执行完毕: a penalty was carried out."""
        self.penalties = [
            PenaltyRecord(**{**p.__dict__, "executed": True}) if p.penalty_id == penalty_id else p
            for p in self.penalties
        ]

    # -- credit lists ---------------------------------------------------------------------------

    def penalty_listing_grounds(self, penalty_id: str, settings: LocalitySettings) -> list[tuple[CreditList, str]]:
        """The lists and grounds one recorded penalty is (民政部令第60号 第十条第五项, 第十四条第三至五项, 第七项)."""
        new = self._penalty(penalty_id)
        if new.annulled:
            return []
        earlier = [p for p in self.penalties if p.penalty_id != penalty_id]
        return credit_list_grounds_for_penalty(new.kind, new.amount, new.imposed_on, earlier, settings)

    def _penalty(self, penalty_id: str) -> PenaltyRecord:
        penalty = next((p for p in self.penalties if p.penalty_id == penalty_id), None)
        if penalty is None:
            raise InvalidInput(f"no penalty {penalty_id} on {self.name}")
        return penalty

    def revocation_listing_ground(self) -> str:
        """The serious-list ground a revoked registration is: a revoked fraudulent change, or revocation."""
        if self.status != OrgStatus.REVOKED:
            raise CreditListRuleViolation(f"{self.name}'s registration is not revoked")
        if self.revocation_ground == RevocationGround.FRAUDULENT_CHANGE:
            return SeriousGround.FRAUDULENT_CHANGE_REVOKED
        return SeriousGround.CERTIFICATE_REVOKED

    def put_on_list(
        self, ctx: Context, *, ground: str, causes: list[str] | None = None, proposal_id: str | None = None
    ) -> None:
        """列入 whichever list ``ground`` belongs to."""
        if list_of(ground) == CreditList.ABNORMAL:
            self.add_to_abnormal_list(ctx, ground=ground, causes=causes, proposal_id=proposal_id)
        else:
            self.add_to_serious_list(ctx, ground=ground, causes=causes, proposal_id=proposal_id)

    def add_to_abnormal_list(
        self, ctx: Context, *, ground: str, causes: list[str] | None = None, proposal_id: str | None = None
    ) -> None:
        """列入活动异常名录. A new ground while listed restarts the clock."""
        self._ensure_active()
        self._ensure_not_before_start(ctx)
        ground = _enum(AbnormalGround, ground, "abnormal-list ground")
        if ground == AbnormalGround.PUBLIC_FUNDRAISING_BREACH and self.public_fundraising_certificate is None:
            raise CreditListRuleViolation(f"{self.name} holds no public fundraising qualification (公开募捐资格): "
                                          "that ground applies to a charity that does")
        basis = GROUND_BASIS[ground]
        self._added_to_abnormal_list(ctx=ctx, ground=ground, article=basis.article, item=basis.item,
                                     causes=_causes(causes), proposal_id=proposal_id)

    class AddedToAbnormalList(ListedEvent):
        """列入活动异常名录: entered on the abnormal activities list, or a new ground while listed, citing the
        article and item applied, the events that caused it and the proposal accepted, if any."""

    @event(AddedToAbnormalList)
    def _added_to_abnormal_list(
        self, ctx: Context, ground: str, article: int, item: int, causes: list[str], proposal_id: str | None
    ) -> None:
        """列入活动异常名录: listed, or a new ground while listed, citing the article, item, causes and proposal."""
        self.abnormal_listing = self._entered(self.abnormal_listing, ctx, ground)

    def remove_from_abnormal_list(
        self, ctx: Context, *, settings: LocalitySettings, verified_on: date | None = None
    ) -> None:
        """移出活动异常名录: on request once the duty is verified fulfilled, or by itself after 6 months."""
        self._ensure_not_filing_cancelled()
        if self.abnormal_listing is None:
            raise CreditListRuleViolation(f"{self.name} is not on the abnormal activities list")
        self._ensure_not_before_listing(ctx, self.abnormal_listing)
        if verified_on is not None:
            if not self.abnormal_listing.listed_on <= verified_on <= ctx.occurred_on:
                raise InvalidInput("the duty is verified after listing and before removal")
            how = "on_request"
        elif abnormal_list_exit_due(self.abnormal_listing, ctx.occurred_on, settings):
            how = "automatic"
        else:
            exit_on = abnormal_auto_exit_on(self.abnormal_listing, settings)
            raise CreditListRuleViolation(
                "removal needs the fulfilled duty verified (a ground needs rectification)" if exit_on is None
                else f"on the abnormal list until {exit_on.isoformat()} (six months after its latest ground),"
                     " unless the fulfilled duty is verified"
            )
        self._removed_from_abnormal_list(ctx=ctx, how=how, verified_on=verified_on)

    @event("RemovedFromAbnormalList")
    def _removed_from_abnormal_list(self, ctx: Context, how: str, verified_on: date | None) -> None:
        """移出活动异常名录: left the abnormal list (on request, automatically, or escalated)."""
        self.abnormal_listing = None

    def escalate_to_serious_list(
        self, ctx: Context, *, settings: LocalitySettings, causes: list[str] | None = None,
        proposal_id: str | None = None,
    ) -> None:
        """Two years on the abnormal list: moved to the serious list, citing the abnormal listing it escalates."""
        self._ensure_not_filing_cancelled()
        if self.abnormal_listing is None:
            raise CreditListRuleViolation(f"{self.name} is not on the abnormal activities list")
        if not serious_list_escalation_due(self.abnormal_listing, ctx.occurred_on, settings):
            due = add_years(self.abnormal_listing.listed_on, settings.abnormal_escalation_years)
            raise CreditListRuleViolation(
                f"on the abnormal list since {self.abnormal_listing.listed_on}: escalation is due on {due.isoformat()}"
            )
        escalated = [self.abnormal_listing.entry_event] if self.abnormal_listing.entry_event else []
        self._removed_from_abnormal_list(ctx=ctx, how="escalated", verified_on=None)
        basis = GROUND_BASIS[SeriousGround.ABNORMAL_TWO_YEARS]
        self._added_to_serious_list(ctx=ctx, ground=SeriousGround.ABNORMAL_TWO_YEARS, article=basis.article,
                                    item=basis.item, causes=escalated + _causes(causes), proposal_id=proposal_id)

    def add_to_serious_list(
        self, ctx: Context, *, ground: str, causes: list[str] | None = None, proposal_id: str | None = None
    ) -> None:
        """列入严重违法失信名单."""
        ground = _enum(SeriousGround, ground, "serious-list ground")
        if ground == SeriousGround.ABNORMAL_TWO_YEARS:
            raise CreditListRuleViolation("two years on the abnormal list is recorded by escalation")
        if self.status not in (OrgStatus.REGISTERED, OrgStatus.FILED, OrgStatus.REVOKED):
            raise OrganizationInactive(f"{self.name} is {self.status.value}: it cannot be listed")
        if ground == SeriousGround.CERTIFICATE_REVOKED and self.status != OrgStatus.REVOKED:
            raise CreditListRuleViolation("the ground 'certificate revoked' needs a revoked registration")
        if ground == SeriousGround.FRAUDULENT_CHANGE_REVOKED and self.revocation_ground != (
            RevocationGround.FRAUDULENT_CHANGE
        ):
            raise CreditListRuleViolation("that ground needs a registration revoked for a fraudulent change")
        self._ensure_not_before_start(ctx)
        basis = GROUND_BASIS[ground]
        self._added_to_serious_list(ctx=ctx, ground=ground, article=basis.article, item=basis.item,
                                    causes=_causes(causes), proposal_id=proposal_id)

    class AddedToSeriousList(ListedEvent):
        """列入严重违法失信名单: entered on the serious list, or a new ground while listed, citing the article
        and item applied, the events that caused it (an escalation: the abnormal listing it escalates) and
        the proposal accepted, if any."""

    @event(AddedToSeriousList)
    def _added_to_serious_list(
        self, ctx: Context, ground: str, article: int, item: int, causes: list[str], proposal_id: str | None
    ) -> None:
        """列入严重违法失信名单: listed, or a new ground while listed, citing the article, item, causes and proposal."""
        self.serious_listing = self._entered(self.serious_listing, ctx, ground)

    def _entered(self, listing: Listing | None, ctx: Context, ground: str) -> Listing:
        """A new spell, opened by this event; or a new ground while listed, which restarts the clock."""
        if listing is None:
            return Listing(ctx.occurred_on, ctx.occurred_on, [ground], self._next_event_id())
        listing.add_ground(ground, ctx.occurred_on)
        return listing

    def remove_from_serious_list(
        self, ctx: Context, *, settings: LocalitySettings, duties_verified_on: date | None = None
    ) -> None:
        """移出严重违法失信名单: on request two years after the latest ground, or after deregistration. A listing
        escalated from the abnormal list is left only once the duties behind that listing are verified fulfilled
        (``duties_verified_on``): two years alone do not end it."""
        self._ensure_not_filing_cancelled()
        if self.serious_listing is None:
            raise CreditListRuleViolation(f"{self.name} is not on the serious list")
        self._ensure_not_before_listing(ctx, self.serious_listing)
        refusal = serious_list_exit_refusal(
            self.serious_listing,
            ctx.occurred_on,
            settings,
            deregistered=self.status == OrgStatus.DEREGISTERED,
        )
        if refusal:
            raise CreditListRuleViolation(refusal)
        deregistered = self.status == OrgStatus.DEREGISTERED and (
            SeriousGround.CERTIFICATE_REVOKED in self.serious_listing.grounds)
        if not deregistered and SeriousGround.ABNORMAL_TWO_YEARS in self.serious_listing.grounds:
            if duties_verified_on is None:
                raise CreditListRuleViolation(
                    f"{self.name} was escalated from the abnormal list: it leaves the serious list once the duties "
                    "behind that listing are verified fulfilled (give the date they were verified)")
            if not self.serious_listing.listed_on <= duties_verified_on <= ctx.occurred_on:
                raise InvalidInput("the duties are verified after the listing and not after the exit's date")
        elif duties_verified_on is not None:
            raise InvalidInput("a verification of duties applies to a listing escalated from the abnormal list only")
        self._removed_from_serious_list(ctx=ctx, how="deregistered" if deregistered else "on_request",
                                        duties_verified_on=duties_verified_on)

    class RemovedFromSeriousList(SupervisedAggregate.Event):
        """移出严重违法失信名单: left the serious list, saying why: on request once two years passed since its
        latest ground, or deregistration completed where the ground was revocation."""

        class_version = 3
        ctx: Context
        how: str
        duties_verified_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 did not record why; what the stored event says alone cannot tell."""
            state["how"] = "unrecorded"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Version 2 recorded no verification of duties (an escalated listing's exit did not ask for one)."""
            state["duties_verified_on"] = None

    @event(RemovedFromSeriousList)
    def _removed_from_serious_list(self, ctx: Context, how: str, duties_verified_on: date | None = None) -> None:
        """移出严重违法失信名单: left the serious list, on request or on deregistration (``how``)."""
        self.serious_listing = None

    def record_public_fundraising_qualification(self, ctx: Context, *, certificate: str) -> None:
        """公开募捐资格: civil affairs recorded that the organization, a charity, holds the qualification to raise
        funds from the public (its certificate's number), which brings it under 第十条第（四）项."""
        self._ensure_registered()
        self._ensure_not_before_start(ctx)
        certificate = checked_text(certificate, "certificate number", required=True)
        if certificate == self.public_fundraising_certificate:
            raise RuleViolation(f"the qualification {certificate} is already recorded")
        self._public_fundraising_qualified(ctx=ctx, certificate=certificate)

    @event("PublicFundraisingQualified")
    def _public_fundraising_qualified(self, ctx: Context, certificate: str) -> None:
        """公开募捐资格: a charity's public fundraising qualification was recorded, with its certificate's number."""
        self.public_fundraising_certificate = certificate

    def confer_honour(self, ctx: Context, *, title: str) -> None:
        """表彰奖励; never while on the serious list (联合惩戒: 不授予相关荣誉称号)."""
        self._ensure_active()
        self._ensure_not_before_start(ctx)
        if self.on_serious_list:
            raise CreditListRuleViolation(f"{self.name} is on the serious illegal and dishonest list: no honours")
        self._honour_conferred(ctx=ctx, title=checked_text(title, "title", required=True))

    @event("HonourConferred")
    def _honour_conferred(self, ctx: Context, title: str) -> None:
        """表彰奖励: an honour was conferred on the organization."""

    def record_court_dishonest_debtor(self, ctx: Context, *, notice: str) -> None:
        """The court's notice that it put the organization on its list of dishonest debtors (失信被执行人)."""
        if self.status not in (OrgStatus.REGISTERED, OrgStatus.FILED, OrgStatus.REVOKED):
            raise OrganizationInactive(f"{self.name} is {self.status.value}: no notice is recorded")
        self._ensure_not_before_start(ctx)
        notice = checked_text(notice, "court notice number", required=True)
        if notice in self.court_notices:
            raise RuleViolation(f"the court's notice {notice} is already recorded")
        self._court_listed_dishonest_debtor(ctx=ctx, notice=notice)

    @event("CourtListedDishonestDebtor")
    def _court_listed_dishonest_debtor(self, ctx: Context, notice: str) -> None:
        """失信被执行人: a court listed the organization as a dishonest debtor (its notice recorded)."""
        self.court_notices = [*self.court_notices, notice]

    # -- objections (异议), annulled penalties, and listings withdrawn as erroneous -------------------

    def file_objection(
        self, ctx: Context, *, objection_id: str, listing_event: str, documents: str,
        entries: dict[str, list[ListingEntry]], settings: LocalitySettings,
    ) -> None:
        """异议: an objection to a listing in force, recorded by civil affairs on the organization's behalf with its
        documents' reference; it is due for decision within the locality's working days."""
        self._ensure_not_filing_cancelled()
        entry = _entry(entries, listing_event)
        if entry is None:
            raise CreditListRuleViolation(f"{listing_event} is no listing of {self.name} in force")
        if any(o["listing_event"] == listing_event for o in self.objections.values()):
            raise CreditListRuleViolation("an objection to that listing is already pending")
        if ctx.occurred_on < entry.listed_on:
            raise InvalidInput("an objection is filed after the listing")
        documents = checked_text(documents, "documents' reference", required=True)
        self._objection_filed(ctx=ctx, objection_id=objection_id, listing_event=listing_event,
                              list=entry.credit_list, documents=documents,
                              due_on=add_working_days(ctx.occurred_on, settings.objection_working_days))

    @event("ObjectionFiled")
    def _objection_filed(
        self, ctx: Context, objection_id: str, listing_event: str, list: str, documents: str, due_on: date  # noqa: A002
    ) -> None:
        """异议: an objection to a listing was filed, with its documents' reference and the date it is due."""
        self.objections = {**self.objections, objection_id: {
            "listing_event": listing_event, "list": list, "filed_on": ctx.occurred_on, "due_on": due_on}}

    def decide_objection(
        self, ctx: Context, *, objection_id: str, upheld: bool, reason: str, entries: dict[str, list[ListingEntry]],
        penalty_ids: dict[str, str],
    ) -> None:
        """Upheld: the listing is withdrawn as erroneous (and counts for nothing); rejected: the reason recorded."""
        objection = self.objections.get(objection_id)
        if objection is None:
            raise CreditListRuleViolation(f"no pending objection {objection_id} on {self.name}")
        if not isinstance(upheld, bool):
            raise InvalidInput("an objection is upheld or rejected")
        reason = checked_text(reason, "reason", required=True)
        if ctx.occurred_on < objection["filed_on"]:
            raise InvalidInput("an objection is decided after it is filed")
        self._objection_decided(ctx=ctx, objection_id=objection_id, upheld=upheld, reason=reason)
        entry = _entry(entries, objection["listing_event"])
        if upheld and entry is not None:  # (a listing since removed stays removed: nothing more to withdraw)
            discounted = [penalty_ids[c] for c in entry.causes if c in penalty_ids]
            self._withdraw(ctx, entry, entries, why="objection_upheld", cause=objection_id, discounted=discounted)

    @event("ObjectionDecided")
    def _objection_decided(self, ctx: Context, objection_id: str, upheld: bool, reason: str) -> None:
        """异议处理: an objection was upheld or rejected, with the reason."""
        self.objections = {k: v for k, v in self.objections.items() if k != objection_id}

    def annul_penalty(
        self, ctx: Context, *, penalty_id: str, decision: str, entries: dict[str, list[ListingEntry]],
        penalty_ids: dict[str, str], settings: LocalitySettings,
    ) -> None:
        """行政复议/诉讼: a penalty annulled on review or appeal. The listings that rested only on it are withdrawn,
        and the grounds derived from penalties (repeated minor penalties) are worked out again."""
        self._ensure_not_filing_cancelled()
        penalty = self._penalty(penalty_id)
        if penalty.annulled:
            raise RuleViolation(f"penalty {penalty_id} is already annulled")
        if ctx.actor.department not in (penalty.department, Department.CIVIL_AFFAIRS):
            raise RuleViolation("the annulment is recorded by the department that imposed the penalty")
        if ctx.occurred_on < penalty.imposed_on:
            raise InvalidInput("a penalty is annulled after it is imposed")
        self._penalty_annulled(ctx=ctx, penalty_id=penalty_id,
                               decision=checked_text(decision, "review or judgment document", required=True))
        for entry in [e for in_force in entries.values() for e in in_force]:
            cited = [penalty_ids[c] for c in entry.causes if c in penalty_ids]
            still = {ground for p in cited for _, ground in self.penalty_listing_grounds(p, settings)}
            if cited and entry.ground not in still:
                self._withdraw(ctx, entry, entries, why="penalty_annulled", cause=penalty_id, discounted=[])

    @event("PenaltyAnnulled")
    def _penalty_annulled(self, ctx: Context, penalty_id: str, decision: str) -> None:
        """行政处罚被撤销: a penalty was annulled on administrative review or by a court."""
        self.penalties = [
            PenaltyRecord(**{**p.__dict__, "annulled": True}) if p.penalty_id == penalty_id else p
            for p in self.penalties
        ]

    def _withdraw(
        self, ctx: Context, entry: ListingEntry, entries: dict[str, list[ListingEntry]], *, why: str, cause: str,
        discounted: list[str],
    ) -> None:
        remaining = [e for e in entries[entry.credit_list] if e.event_id != entry.event_id]
        entries[entry.credit_list] = remaining
        self._listing_withdrawn(
            ctx=ctx, list=entry.credit_list, listing_event=entry.event_id, ground=entry.ground, why=why, cause=cause,
            discounted_penalties=discounted, remaining=[e.ground for e in remaining],
            listed_on=min((e.listed_on for e in remaining), default=None),
            clock_started_on=max((e.listed_on for e in remaining), default=None),
            entry_event=remaining[0].event_id if remaining else None,
        )

    @event("ListingWithdrawn")
    def _listing_withdrawn(
        self, ctx: Context, list: str, listing_event: str, ground: str, why: str, cause: str,  # noqa: A002
        discounted_penalties: list[str], remaining: list[str], listed_on: date | None,
        clock_started_on: date | None, entry_event: str | None,
    ) -> None:
        """撤销列入 (erroneous): a listing withdrawn on an upheld objection or an annulled penalty; it counts for
        nothing. The list's spell goes on with the listings that remain (its dates worked out again), or ends."""
        listing = Listing(listed_on, clock_started_on, remaining, entry_event) if remaining else None
        if list == CreditList.ABNORMAL:
            self.abnormal_listing = listing
        else:
            self.serious_listing = listing
        if discounted_penalties:
            self.penalties = [
                PenaltyRecord(**{**p.__dict__, "discounted": True}) if p.penalty_id in discounted_penalties else p
                for p in self.penalties
            ]

    def _next_event_id(self) -> str:
        # Called inside an event's mutator, before the library sets the new version.
        return event_id(self.id, self.version + 1)

    @staticmethod
    def _ensure_not_before_listing(ctx: Context, listing: Listing) -> None:
        if ctx.occurred_on < listing.clock_started_on:
            raise InvalidInput("a listing cannot end before its latest ground")

    # -- party building -------------------------------------------------------------------------

    def count_party_members(self, ctx: Context, *, members: int) -> None:
        """党员人数: the organization's party members were counted."""
        self._ensure_active()
        self._ensure_not_before_start(ctx)
        if not isinstance(members, int) or isinstance(members, bool) or not 0 <= members <= 100000:
            raise InvalidInput("the number of party members is a whole number from 0")
        self._party_members_counted(ctx=ctx, members=members)

    @event("PartyMembersCounted")
    def _party_members_counted(self, ctx: Context, members: int) -> None:
        """党员人数: party members were counted."""
        self.party_members = members

    def set_up_party_organization(
        self,
        ctx: Context,
        *,
        form: str,
        name: str,
        settings: LocalitySettings,
        host_organization_id: str | None = None,
    ) -> None:
        """建立党组织: on its own with 3 or more members; otherwise jointly or attached to a hub's branch."""
        self._ensure_active()
        self._ensure_not_before_start(ctx)
        form = _enum(PartyOrganizationForm, form, "party organization form")
        if form == PartyOrganizationForm.SINGLE and self.party_members < settings.party_single_min_members:
            raise RuleViolation(
                f"a party organization of its own needs {settings.party_single_min_members} members;"
                f" {self.name} has {self.party_members}"
            )
        if form == PartyOrganizationForm.ATTACHED and not host_organization_id:
            raise InvalidInput("an attached party organization names the organization it is attached to")
        if host_organization_id is not None:
            checked_identifier(host_organization_id, "host organization id")
        if self.party_organization is not None:
            raise RuleViolation(f"{self.name} already has a party organization")
        self._party_organization_set_up(
            ctx=ctx, form=form, name=checked_name(name, "party organization name"),
            host_organization_id=host_organization_id,
        )

    @event("PartyOrganizationSetUp")
    def _party_organization_set_up(
        self, ctx: Context, form: str, name: str, host_organization_id: str | None
    ) -> None:
        """建立党组织: a party organization was set up (single, joint or attached)."""
        self.party_organization = form
        self.party_organization_name = name

    def appoint_party_instructor(self, ctx: Context, *, name: str) -> None:
        """选派党建指导员."""
        self._ensure_active()
        self._ensure_not_before_start(ctx)
        self._party_instructor_appointed(ctx=ctx, name=checked_name(name, "instructor's name"))

    @event("PartyInstructorAppointed")
    def _party_instructor_appointed(self, ctx: Context, name: str) -> None:
        """选派党建指导员: a party-building instructor was appointed."""
        self.party_instructor = name


def _entry(entries: dict[str, list[ListingEntry]], listing_event: str) -> ListingEntry | None:
    return next((e for in_force in entries.values() for e in in_force if e.event_id == listing_event), None)


def _causes(causes: list[str] | None) -> list[str]:
    if causes is None:
        return []
    if not isinstance(causes, list) or not all(isinstance(c, str) and c for c in causes):
        raise InvalidInput("the causes are event ids")
    return list(causes)


def _registered_kind(kind: str) -> OrgKind:
    value = _enum(OrgKind, kind, "kind")
    if value not in REGISTERED_KINDS:
        raise InvalidInput("community organizations are filed, not registered")
    return value


def _person(person: Person) -> Person:
    if not isinstance(person, Person):
        raise InvalidInput("a person is needed")
    return person


def _enum(enum: type[StrEnum], value: str, what: str) -> Any:
    checked_identifier(value, what)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"unknown {what} {value!r}; one of: {allowed}") from None
