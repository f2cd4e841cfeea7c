"""Mutations: one per domain command. Each asks the policy (the role first, then every object the command
names: the organization, funding project, inspection case, alert, sample draw or host organization),
calls the service and returns the ids of the events it recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from auth import policy
from auth.policy import OutOfJurisdiction
from auth.principal import Principal
from domain.application import CommandResult as ServiceResult
from domain.application import Supervision
from domain.context import Context
from domain.errors import NotFound, StaleCopy
from domain.inspection import InspectionCase
from domain.organization import Organization
from domain.people import Person
from gateway.graphql.context import caller, runtime
from gateway.graphql.errors import BAD_USER_INPUT, coded, translate_errors
from gateway.graphql.types import CommandResult


@strawberry.input(description="Why, on what legal basis and with effect from when; optional retry key and read-your-writes view.")
class CommandInput:
    reason: str
    occurred_on: date
    legal_basis: str | None = None
    idempotency_key: str | None = None
    wait_for_view: str | None = strawberry.field(
        default=None, description="Return only once this view (e.g. civil_affairs_registry) shows the change.")


@strawberry.input
class PersonInput:
    name: str
    id_number: str | None = None
    phone: str | None = None

    def person(self) -> Person:
        return Person(self.name, self.id_number, self.phone)


@strawberry.input
class RegisterOrganizationInput:
    name: str
    kind: str
    credit_code: str
    domicile: str
    purpose: str
    business_scope: str
    legal_representative: PersonInput
    funds: Decimal
    district: str
    street: str
    community: str | None = None
    activity_area: str | None = None
    supervising_unit: str | None = None
    category: str | None = None
    role: str | None = None


@strawberry.input
class FileCommunityOrganizationInput:
    name: str
    person_in_charge: PersonInput
    district: str
    street: str
    community: str | None = None
    activity_area: str | None = None
    category: str | None = None
    role: str | None = None


@strawberry.input
class ConvertToRegistrationInput:
    kind: str
    credit_code: str
    domicile: str
    purpose: str
    business_scope: str
    legal_representative: PersonInput
    funds: Decimal
    supervising_unit: str | None = None


@strawberry.input
class AwardFundingInput:
    organization_id: strawberry.ID
    purchasing_unit: str
    project_name: str
    amount: Decimal
    period_start: date
    period_end: date


# What a command acts on: loaded and checked against the policy, giving the organization the command
# changes and whether that copy came from this process's cache (True) or the store. A missing object and
# one the caller may not act on are refused alike: NOT_FOUND, "no such <kind>".
Target = Callable[[Supervision, Principal, bool], tuple[Organization, bool]]
# Another object a command names (a case, a host organization, a sample draw, a place), checked likewise.
Check = Callable[[Supervision, Principal, Organization | None], None]
T = TypeVar("T")


def _record(
    info: Info,
    mutation: str,
    command: CommandInput,
    call: Callable[[Supervision, Context, str | None], ServiceResult],
    *,
    target: Target | None = None,
    check: Check | None = None,
) -> CommandResult:
    """Check the policy, run the command, and wait for a view when the caller asked to."""
    principal, rt = caller(info), runtime(info)
    policy.require_mutation(principal, mutation)  # the role first: FORBIDDEN before anything is read
    org, as_cached = target(rt.app, principal, True) if target is not None else (None, False)
    if check is not None:
        check(rt.app, principal, org)
    if command.wait_for_view is not None and command.wait_for_view not in rt.views:
        raise coded(f"no view {command.wait_for_view!r}; the views are: {', '.join(rt.views)}", BAD_USER_INPUT)
    ctx = Context(principal.to_actor(), command.reason, command.occurred_on, command.legal_basis)
    if org is None or target is None:  # no organization to reuse
        result = call(rt.app, ctx, command.idempotency_key)
    else:
        try:
            with rt.app.reusing(org, as_cached=as_cached):  # the organization just checked, not a reload
                result = call(rt.app, ctx, command.idempotency_key)
        except StaleCopy:  # the cached copy was behind the store: check the organization as it is now
            org, _ = target(rt.app, principal, False)
            with rt.app.reusing(org):
                result = call(rt.app, ctx, command.idempotency_key)
    if command.wait_for_view:
        rt.commit_now()  # with group commit: the wait blocks the loop, whose next turn would commit the command
    rt.nudge()
    caught_up = rt.wait_for(command.wait_for_view, result.position) if command.wait_for_view else None
    return CommandResult(aggregate_id=result.aggregate_id, event_ids=result.event_ids, replayed=result.replayed,
                         position=result.position, caught_up=caught_up)


def _load(kind: str, load: Callable[[], T]) -> T:
    """An object a command names; missing (or a malformed id), it reads as one out of reach."""
    try:
        return load()
    except NotFound:
        raise OutOfJurisdiction(policy.not_found(kind)) from None


def _reached(app: Supervision, organization_id: Any, kind: str, allowed: Callable[[Organization], bool],
             cached: bool) -> tuple[Organization, bool]:
    """The organization an object of ``kind`` is about, if ``allowed``; as this process's cache holds it (True)
    when cached: the command's save finds out if it was behind the store (StaleCopy). A refusal is checked
    against the organization as it is now."""
    org, as_cached = _load(kind, lambda: app.cached_organization(organization_id) if cached
                           else (app.organization(organization_id), False))
    if allowed(org):
        return org, as_cached
    if as_cached:
        return _reached(app, organization_id, kind, allowed, cached=False)
    raise OutOfJurisdiction(policy.not_found(kind))


def _organization(organization_id: Any) -> Target:
    """The organization itself, where the caller acts."""
    return lambda app, principal, cached: _reached(
        app, organization_id, "organization",
        lambda org: policy.may_act_on_organization(principal, org.district, org.street), cached)


def _about(kind: str, object_id: Any, load: Callable[[Supervision, Any], Any],
           allowed: Callable[[Supervision, Principal, Any, Organization], bool]) -> Target:
    """An object of ``kind`` about an organization (a project, a case, an alert), if the caller may act on it."""

    def target(app: Supervision, principal: Principal, cached: bool) -> tuple[Organization, bool]:
        found = _load(kind, lambda: load(app, object_id))
        return _reached(app, found.organization_id, kind, lambda org: allowed(app, principal, found, org), cached)

    return target


def _opened_by(app: Supervision, case: InspectionCase) -> str:
    """The department that opened a case (its first event's actor)."""
    opened = next(iter(app.events.get(case.id, limit=1)))
    return str(opened.ctx.actor.department)


def _case_rule(app: Supervision, principal: Principal, case: InspectionCase, org: Organization) -> bool:
    """A case about an organization where the caller acts; a partner's only if its department opened it."""
    return policy.may_act_on_inspection_case(principal, org.district, org.street, _opened_by(app, case))


def _project(project_id: Any) -> Target:
    return _about("funding project", project_id, Supervision.funding_project, lambda app, principal, project, org:
                  policy.may_act_on_funding_project(principal, org.district, org.street))


def _case(case_id: Any) -> Target:
    return _about("inspection case", case_id, Supervision.inspection_case, _case_rule)


def _alert(alert_id: Any) -> Target:
    return _about("alert", alert_id, Supervision.alert, lambda app, principal, alert, org:
                  policy.may_act_on_alert(principal, org.district, org.street, list(alert.departments)))


def _place(district: str, street: str) -> Check:
    """A new organization's place: where the caller acts."""

    def check(app: Supervision, principal: Principal, org: Organization | None) -> None:
        policy.require_place(principal, district, street)

    return check


def _named(kind: str, object_id: Any, load: Callable[[Supervision, Any], T],
           allowed: Callable[[Supervision, Principal, T, Organization | None], bool]) -> Check:
    """Another object a command may name, when it names one: missing and not the caller's to use alike."""

    def check(app: Supervision, principal: Principal, org: Organization | None) -> None:
        if object_id is not None:
            found = _load(kind, lambda: load(app, object_id))
            policy.require(allowed(app, principal, found, org), kind)

    return check


def _penalty_case(case_id: Any) -> Check:
    """The case a penalty is imposed in: about the same organization, and one the caller may act on."""
    return _named("inspection case", case_id, Supervision.inspection_case, lambda app, principal, case, org: (
        org is not None and case.organization_id == org.id and _case_rule(app, principal, case, org)))


def _host(host_organization_id: Any) -> Check:
    """The organization whose party organization another attaches to: one where the caller acts."""
    return _named("organization", host_organization_id, Supervision.organization,
                  lambda app, principal, host, org: policy.may_act_on_organization(principal, host.district, host.street))


def _sample_draw(draw_id: Any) -> Check:
    """The sample an inspection is opened from: one drawn for a jurisdiction inside the caller's."""
    return _named("sample draw", draw_id, Supervision.sample_draw,
                  lambda app, principal, draw, org: policy.may_act_on_sample_draw(principal, draw.jurisdiction))


def _sample_population(jurisdiction: str, population: list[str]) -> Check:
    """A draw to make: for a jurisdiction inside the caller's, from organizations that lie in it."""

    def check(app: Supervision, principal: Principal, org: Organization | None) -> None:
        policy.require(policy.may_act_on_sample_draw(principal, jurisdiction), "jurisdiction")
        for organization_id in population:
            member, _ = _load("organization", lambda: app.cached_organization(organization_id))
            policy.require(policy.may_draw_from(principal, jurisdiction, member.district, member.street),
                           "organization")

    return check


def _on_org(method: Callable[..., ServiceResult], organization_id: Any,
            **kwargs: Any) -> Callable[[Supervision, Context, str | None], ServiceResult]:
    """A call of the service ``method`` (named as ``Supervision.<command>``, so that a reader finds its
    callers) on one organization, with extra keyword arguments."""
    return lambda app, ctx, key: method(app, ctx, organization_id, idempotency_key=key, **kwargs)


@strawberry.type
class Mutation:
    # -- registration and filing ----------------------------------------------------------------

    @strawberry.mutation(description="成立登记 (civil affairs).")
    @translate_errors
    def register_organization(self, info: Info, command: CommandInput, input: RegisterOrganizationInput) -> CommandResult:
        fields = {k: v for k, v in vars(input).items() if k != "legal_representative"}
        return _record(info, "registerOrganization", command,
                       lambda app, ctx, key: app.register_organization(
                           ctx, idempotency_key=key, legal_representative=input.legal_representative.person(), **fields),
                       check=_place(input.district, input.street))

    @strawberry.mutation(description="备案 (the street office of the organization's street).")
    @translate_errors
    def file_community_organization(self, info: Info, command: CommandInput,
                                    input: FileCommunityOrganizationInput) -> CommandResult:
        fields = {k: v for k, v in vars(input).items() if k != "person_in_charge"}
        return _record(info, "fileCommunityOrganization", command,
                       lambda app, ctx, key: app.file_community_organization(
                           ctx, idempotency_key=key, person_in_charge=input.person_in_charge.person(), **fields),
                       check=_place(input.district, input.street))

    @strawberry.mutation(description="变更登记: name, domicile, legal representative, business scope, charter.")
    @translate_errors
    def change_registration(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                            name: str | None = None, domicile: str | None = None,
                            legal_representative: PersonInput | None = None, business_scope: str | None = None,
                            charter_amended: bool = False) -> CommandResult:
        person = legal_representative.person() if legal_representative else None
        return _record(info, "changeRegistration", command, _on_org(
            Supervision.change_registration, organization_id, name=name, domicile=domicile, legal_representative=person,
            business_scope=business_scope, charter_amended=charter_amended), target=_organization(organization_id))

    @strawberry.mutation(description="备案变更.")
    @translate_errors
    def change_filing(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                      name: str | None = None, person_in_charge: PersonInput | None = None,
                      community: str | None = None, activity_area: str | None = None) -> CommandResult:
        person = person_in_charge.person() if person_in_charge else None
        return _record(info, "changeFiling", command, _on_org(
            Supervision.change_filing, organization_id, name=name, person_in_charge=person, community=community, activity_area=activity_area),
            target=_organization(organization_id))

    @strawberry.mutation(description="转登记: a filed organization registers with civil affairs.")
    @translate_errors
    def convert_to_registration(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                input: ConvertToRegistrationInput) -> CommandResult:
        fields = {k: v for k, v in vars(input).items() if k != "legal_representative"}
        return _record(info, "convertToRegistration", command, _on_org(
            Supervision.convert_to_registration, organization_id, legal_representative=input.legal_representative.person(), **fields),
            target=_organization(organization_id))

    @strawberry.mutation(description="注销登记, after liquidation.")
    @translate_errors
    def deregister_organization(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                liquidation_completed_on: date) -> CommandResult:
        return _record(info, "deregisterOrganization", command, _on_org(
            Supervision.deregister, organization_id, liquidation_completed_on=liquidation_completed_on), target=_organization(organization_id))

    @strawberry.mutation(description="撤销登记: fraud, fraudulent change, no activity in the first year, serious penalty.")
    @translate_errors
    def revoke_registration(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                            ground: str) -> CommandResult:
        return _record(info, "revokeRegistration", command, _on_org(
            Supervision.revoke_registration, organization_id, ground=ground),
                       target=_organization(organization_id))

    @strawberry.mutation(description="撤销登记建议: another department asks civil affairs to revoke the registration "
                                     "(fraud, fraudulent_change, no_activity_first_year, serious_penalty), with "
                                     "the facts; civil affairs accepts or declines the proposal.")
    @translate_errors
    def request_revocation(self, info: Info, command: CommandInput, organization_id: strawberry.ID, ground: str,
                           facts: str) -> CommandResult:
        return _record(info, "requestRevocation", command, _on_org(
            Supervision.request_revocation, organization_id, ground=ground, facts=facts),
                       target=_organization(organization_id))

    @strawberry.mutation(description="撤销备案.")
    @translate_errors
    def cancel_filing(self, info: Info, command: CommandInput, organization_id: strawberry.ID) -> CommandResult:
        return _record(info, "cancelFiling", command, _on_org(Supervision.cancel_filing, organization_id),
                       target=_organization(organization_id))

    @strawberry.mutation(description="取缔: an unregistered organization acting illegally.")
    @translate_errors
    def ban_organization(self, info: Info, command: CommandInput, organization_id: strawberry.ID) -> CommandResult:
        return _record(info, "banOrganization", command, _on_org(Supervision.ban_organization, organization_id),
                       target=_organization(organization_id))

    # -- annual duty and evaluation -------------------------------------------------------------

    @strawberry.mutation(description="年度报告 received for a year.")
    @translate_errors
    def submit_annual_report(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                             year: int) -> CommandResult:
        return _record(info, "submitAnnualReport", command, _on_org(
            Supervision.submit_annual_report, organization_id, year=year),
                       target=_organization(organization_id))

    @strawberry.mutation(description="年检结论: qualified, basically_qualified or unqualified.")
    @translate_errors
    def conclude_annual_inspection(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                   year: int, result: str) -> CommandResult:
        return _record(info, "concludeAnnualInspection", command, _on_org(
            Supervision.conclude_annual_inspection, organization_id, year=year, result=result), target=_organization(organization_id))

    @strawberry.mutation(description="评估等级 from a score on the 1000-point scale, only when eligible.")
    @translate_errors
    def award_grade(self, info: Info, command: CommandInput, organization_id: strawberry.ID, score: int) -> CommandResult:
        return _record(info, "awardGrade", command, _on_org(Supervision.award_grade, organization_id, score=score),
                       target=_organization(organization_id))

    @strawberry.mutation(description="降低评估等级.")
    @translate_errors
    def lower_grade(self, info: Info, command: CommandInput, organization_id: strawberry.ID, grade: int) -> CommandResult:
        return _record(info, "lowerGrade", command, _on_org(Supervision.lower_grade, organization_id, grade=grade),
                       target=_organization(organization_id))

    @strawberry.mutation(description="取消评估等级.")
    @translate_errors
    def cancel_grade(self, info: Info, command: CommandInput, organization_id: strawberry.ID) -> CommandResult:
        return _record(info, "cancelGrade", command, _on_org(Supervision.cancel_grade, organization_id),
                       target=_organization(organization_id))

    # -- penalties and credit lists -------------------------------------------------------------

    @strawberry.mutation(description="行政处罚: warning, fine, confiscation, stop_activities, revocation.")
    @translate_errors
    def impose_penalty(self, info: Info, command: CommandInput, organization_id: strawberry.ID, kind: str,
                       amount: Decimal | None = None, stop_days: int | None = None,
                       case_id: strawberry.ID | None = None) -> CommandResult:
        return _record(info, "imposePenalty", command, _on_org(
            Supervision.impose_penalty, organization_id, kind=kind, amount=amount, stop_days=stop_days, case_id=case_id),
            target=_organization(organization_id), check=_penalty_case(case_id))

    @strawberry.mutation(description="处罚执行完毕.")
    @translate_errors
    def record_penalty_executed(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                penalty_id: str) -> CommandResult:
        return _record(info, "recordPenaltyExecuted", command, _on_org(
            Supervision.record_penalty_executed, organization_id, penalty_id=penalty_id), target=_organization(organization_id))

    @strawberry.mutation(description="列入活动异常名录 on a ground.")
    @translate_errors
    def add_to_abnormal_list(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                             ground: str) -> CommandResult:
        return _record(info, "addToAbnormalList", command, _on_org(
            Supervision.add_to_abnormal_list, organization_id, ground=ground),
                       target=_organization(organization_id))

    @strawberry.mutation(description="移出活动异常名录: on request (verifiedOn) or after six months.")
    @translate_errors
    def remove_from_abnormal_list(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                  verified_on: date | None = None) -> CommandResult:
        return _record(info, "removeFromAbnormalList", command, _on_org(
            Supervision.remove_from_abnormal_list, organization_id, verified_on=verified_on), target=_organization(organization_id))

    @strawberry.mutation(description="Two years on the abnormal list: moved to the serious list.")
    @translate_errors
    def escalate_to_serious_list(self, info: Info, command: CommandInput, organization_id: strawberry.ID) -> CommandResult:
        return _record(info, "escalateToSeriousList", command, _on_org(
            Supervision.escalate_to_serious_list, organization_id),
                       target=_organization(organization_id))

    @strawberry.mutation(description="列入严重违法失信名单 on a ground.")
    @translate_errors
    def add_to_serious_list(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                            ground: str) -> CommandResult:
        return _record(info, "addToSeriousList", command, _on_org(
            Supervision.add_to_serious_list, organization_id, ground=ground),
                       target=_organization(organization_id))

    @strawberry.mutation(description="移出严重违法失信名单; dutiesVerifiedOn: for a listing escalated from the abnormal "
                                     "list, the day the duties behind it were verified fulfilled.")
    @translate_errors
    def remove_from_serious_list(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                 duties_verified_on: date | None = None) -> CommandResult:
        return _record(info, "removeFromSeriousList", command, _on_org(
            Supervision.remove_from_serious_list, organization_id, duties_verified_on=duties_verified_on),
                       target=_organization(organization_id))

    # -- funding --------------------------------------------------------------------------------

    @strawberry.mutation(description="政府购买服务: award a project to an organization that may be funded.")
    @translate_errors
    def award_funding(self, info: Info, command: CommandInput, input: AwardFundingInput) -> CommandResult:
        fields = {k: v for k, v in vars(input).items() if k != "organization_id"}
        return _record(info, "awardFunding", command, _on_org(
            Supervision.award_funding, input.organization_id, **fields),
                       target=_organization(input.organization_id))

    @strawberry.mutation(description="拨付 a tranche, never beyond the award.")
    @translate_errors
    def disburse_funding(self, info: Info, command: CommandInput, project_id: strawberry.ID,
                         amount: Decimal) -> CommandResult:
        return _record(info, "disburseFunding", command,
                       lambda app, ctx, key: app.disburse_funding(ctx, project_id, amount=amount, idempotency_key=key),
                       target=_project(project_id))

    @strawberry.mutation(description="暂停拨付.")
    @translate_errors
    def suspend_funding(self, info: Info, command: CommandInput, project_id: strawberry.ID) -> CommandResult:
        return _record(info, "suspendFunding", command,
                       lambda app, ctx, key: app.suspend_funding(ctx, project_id, idempotency_key=key),
                       target=_project(project_id))

    @strawberry.mutation(description="恢复拨付.")
    @translate_errors
    def resume_funding(self, info: Info, command: CommandInput, project_id: strawberry.ID) -> CommandResult:
        return _record(info, "resumeFunding", command,
                       lambda app, ctx, key: app.resume_funding(ctx, project_id, idempotency_key=key),
                       target=_project(project_id))

    @strawberry.mutation(description="追回资金.")
    @translate_errors
    def claw_back_funds(self, info: Info, command: CommandInput, project_id: strawberry.ID,
                        amount: Decimal) -> CommandResult:
        return _record(info, "clawBackFunds", command,
                       lambda app, ctx, key: app.claw_back_funds(ctx, project_id, amount=amount, idempotency_key=key),
                       target=_project(project_id))

    @strawberry.mutation(description="结项 with an evaluation.")
    @translate_errors
    def close_funding_project(self, info: Info, command: CommandInput, project_id: strawberry.ID, evaluation: str,
                              score: int | None = None) -> CommandResult:
        return _record(info, "closeFundingProject", command,
                       lambda app, ctx, key: app.close_funding_project(ctx, project_id, evaluation=evaluation,
                                                                       score=score, idempotency_key=key),
                       target=_project(project_id))

    # -- inspection -----------------------------------------------------------------------------

    @strawberry.mutation(description="双随机抽查: draw the year's sample with a recorded seed.")
    @translate_errors
    def draw_inspection_sample(self, info: Info, command: CommandInput, year: int, jurisdiction: str,
                               population: list[strawberry.ID], seed: str, ratio: Decimal | None = None) -> CommandResult:
        return _record(info, "drawInspectionSample", command,
                       lambda app, ctx, key: app.draw_inspection_sample(
                           ctx, year=year, jurisdiction=jurisdiction, population=[str(p) for p in population],
                           seed=seed, ratio=ratio, idempotency_key=key),
                       check=_sample_population(jurisdiction, [str(p) for p in population]))

    @strawberry.mutation(description="立案检查 by at least two inspectors.")
    @translate_errors
    def open_inspection(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                        inspectors: list[str], subject: str, sample_draw_id: strawberry.ID | None = None) -> CommandResult:
        return _record(info, "openInspection", command, _on_org(
            Supervision.open_inspection, organization_id, inspectors=inspectors, subject=subject, sample_draw_id=sample_draw_id),
            target=_organization(organization_id), check=_sample_draw(sample_draw_id))

    @strawberry.mutation(description="检查发现.")
    @translate_errors
    def record_inspection_findings(self, info: Info, command: CommandInput, case_id: strawberry.ID, findings: str,
                                   problems_found: bool) -> CommandResult:
        return _record(info, "recordInspectionFindings", command,
                       lambda app, ctx, key: app.record_inspection_findings(
                           ctx, case_id, findings=findings, problems_found=problems_found, idempotency_key=key),
                       target=_case(case_id))

    @strawberry.mutation(description="责令整改 with a deadline.")
    @translate_errors
    def order_rectification(self, info: Info, command: CommandInput, case_id: strawberry.ID, requirements: str,
                            deadline: date) -> CommandResult:
        return _record(info, "orderRectification", command,
                       lambda app, ctx, key: app.order_rectification(
                           ctx, case_id, requirements=requirements, deadline=deadline, idempotency_key=key),
                       target=_case(case_id))

    @strawberry.mutation(description="整改完成.")
    @translate_errors
    def confirm_rectification(self, info: Info, command: CommandInput, case_id: strawberry.ID) -> CommandResult:
        return _record(info, "confirmRectification", command,
                       lambda app, ctx, key: app.confirm_rectification(ctx, case_id, idempotency_key=key),
                       target=_case(case_id))

    @strawberry.mutation(description="逾期未整改.")
    @translate_errors
    def record_rectification_overdue(self, info: Info, command: CommandInput, case_id: strawberry.ID) -> CommandResult:
        return _record(info, "recordRectificationOverdue", command,
                       lambda app, ctx, key: app.record_rectification_overdue(ctx, case_id, idempotency_key=key),
                       target=_case(case_id))

    @strawberry.mutation(description="结案.")
    @translate_errors
    def close_inspection(self, info: Info, command: CommandInput, case_id: strawberry.ID, conclusion: str) -> CommandResult:
        return _record(info, "closeInspection", command,
                       lambda app, ctx, key: app.close_inspection(ctx, case_id, conclusion=conclusion, idempotency_key=key),
                       target=_case(case_id))

    # -- party building -------------------------------------------------------------------------

    @strawberry.mutation(description="党员人数.")
    @translate_errors
    def count_party_members(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                            members: int) -> CommandResult:
        return _record(info, "countPartyMembers", command, _on_org(
            Supervision.count_party_members, organization_id, members=members),
                       target=_organization(organization_id))

    @strawberry.mutation(description="建立党组织: single (3+ members), joint, or attached to a hub's branch.")
    @translate_errors
    def set_up_party_organization(self, info: Info, command: CommandInput, organization_id: strawberry.ID, form: str,
                                  name: str, host_organization_id: strawberry.ID | None = None) -> CommandResult:
        return _record(info, "setUpPartyOrganization", command, _on_org(
            Supervision.set_up_party_organization, organization_id, form=form, name=name, host_organization_id=host_organization_id),
            target=_organization(organization_id), check=_host(host_organization_id))

    @strawberry.mutation(description="选派党建指导员.")
    @translate_errors
    def appoint_party_instructor(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                 name: str) -> CommandResult:
        return _record(info, "appointPartyInstructor", command, _on_org(
            Supervision.appoint_party_instructor, organization_id, name=name), target=_organization(organization_id))

    # -- alerts ---------------------------------------------------------------------------------

    @strawberry.mutation(description="签收 an alert addressed to the caller's department.")
    @translate_errors
    def acknowledge_alert(self, info: Info, command: CommandInput, alert_id: strawberry.ID) -> CommandResult:
        return _record(info, "acknowledgeAlert", command,
                       lambda app, ctx, key: app.acknowledge_alert(ctx, alert_id, idempotency_key=key),
                       target=_alert(alert_id))

    @strawberry.mutation(description="办结 an alert, saying how it was dealt with.")
    @translate_errors
    def resolve_alert(self, info: Info, command: CommandInput, alert_id: strawberry.ID, resolution: str) -> CommandResult:
        return _record(info, "resolveAlert", command,
                       lambda app, ctx, key: app.resolve_alert(ctx, alert_id, resolution=resolution, idempotency_key=key),
                       target=_alert(alert_id))
