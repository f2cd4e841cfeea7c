"""Random histories: any sequence of commands, on dates moving forward, keeps the domain's invariants.

Every command either succeeds or is refused with a DomainError; nothing else may escape. A small model,
kept from the commands that succeeded (not read back from the aggregates), says what the rules should
have allowed. After every step:
- a project never pays out beyond its award, nor claws back beyond what it paid;
- a cancelled filing never changes again;
- no two organizations hold the same name (full- and half-width alike);
- every aggregate held in memory equals the one a separate service rebuilds from the stored events.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule

from domain.application import Supervision
from domain.calendar import add_years
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.credit_lists import AbnormalGround, SeriousGround
from domain.errors import DomainError, NotEligibleForEvaluation, NotEligibleForFunding
from domain.people import Person
from typed_state import typed

NAMES = ["民革重庆中山合唱团", "木兰艺术团", "ABC志愿队", "ＡＢＣ志愿队", "春森腰鼓队", "春森 腰鼓队", "曾家岩太极拳剑队"]
REGISTERED_KINDS = ["social_group", "private_non_enterprise", "foundation"]
# Mostly good money, sometimes not: zero, negative, or finer than a fen (分).
AMOUNTS = st.sampled_from(["0.01", "1000", "20000", "49999.99", "50000", "80000.5", "200000", "0", "-5", "1.001"])
PENALTIES = st.sampled_from(["warning", "fine", "confiscation", "stop_activities", "revocation"])
INSPECTORS = st.sampled_from([["王五", "赵六"], ["王五"], ["王五", "王五"], ["王五", "赵六", "孙七"]])
DEPARTMENTS = st.sampled_from(["civil_affairs", "street_office", "finance", "inspection", "tax", "market_regulation"])

ACTIVE = ("registered", "filed")
MAX_ORGANIZATIONS = 4  # few organizations, long histories: the rules meet each other more often


@dataclass
class PenaltyFact:
    penalty_id: str
    imposed_on: date
    executed: bool = False
    minor: bool = False  # 警告或者不满5万元罚款


def three_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)


def lists_for_civil_affairs_penalty(kind: str, amount: Decimal | None, today: date,
                                    earlier: list[PenaltyFact]) -> tuple[bool, bool]:
    """民政部令第60号 第十条第五项, 第十四条第三、四、五、七项, as written: (abnormal, serious)."""
    minor = kind == "warning" or (kind == "fine" and amount is not None and amount < Decimal("50000"))
    if minor:
        within = [p for p in earlier if p.minor and three_years_before(today) < p.imposed_on]
        return True, len(within) + 1 >= 2
    return False, kind in ("fine", "stop_activities", "revocation")


@dataclass
class OrgModel:
    """What the successful commands say about one organization."""

    status: str
    registered_on: date | None
    abnormal: bool = False
    serious: bool = False
    listed_for_revocation: bool = False  # the serious list rests on a revoked registration: deregistering ends it
    open_cases: set[str] = field(default_factory=set)
    penalties: list[PenaltyFact] = field(default_factory=list)
    inspections: dict[int, str] = field(default_factory=dict)

    @property
    def may_be_funded(self) -> bool:
        return self.status in ACTIVE and not self.serious

    @property
    def may_be_awarded(self) -> bool:
        """A new purchase-of-service award: neither list (the abnormal list's restriction is on by default)."""
        return self.may_be_funded and not self.abnormal

    def evaluation_refusals(self, today: date) -> set[str]:
        """Which eligibility rules (社会组织评估) the organization fails today, by key."""
        last = today.year - 1
        registered = self.status == "registered" and self.registered_on is not None
        failing = {
            "not registered": not registered,
            "too young": registered and today < add_years(self.registered_on, 2),  # type: ignore[arg-type]
            "failed inspection": self.inspections.get(last) == "unqualified",
            "basically qualified twice": self.inspections.get(last) == self.inspections.get(last - 1)
            == "basically_qualified",
            "penalized last year": any(p.imposed_on.year == last for p in self.penalties),
            "penalty unexecuted": any(not p.executed for p in self.penalties),
            "under investigation": bool(self.open_cases),
            "abnormal list": self.abnormal,
            "serious list": self.serious,
        }
        return {key for key, fails in failing.items() if fails}

    def eligible_for_evaluation(self, today: date) -> bool:
        return not self.evaluation_refusals(today)


# How the domain words each refusal, by the model's key.
REASON_KEYS = {
    "only registered organizations": "not registered",
    "registered less than": "too young",
    "failed the annual inspection": "failed inspection",
    "basically qualified in both": "basically qualified twice",
    "penalized in": "penalized last year",
    "not yet executed": "penalty unexecuted",
    "under investigation": "under investigation",
    "abnormal activities list": "abnormal list",
    "serious illegal and dishonest list": "serious list",
}


def _reason_keys(reasons: list[str]) -> set[str]:
    return {key for reason in reasons for words, key in REASON_KEYS.items() if words in reason}


def _normalized(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in aggregate.__dict__.items() if k != "_pending_events"}


class SupervisionMachine(RuleBasedStateMachine):
    organizations = Bundle("organizations")
    projects = Bundle("projects")
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        store = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"file:lianjian-{uuid4().hex}?mode=memory&cache=shared",
        }
        # The writer keeps the aggregates it saved in memory (no fast-forward: exactly what the commands made);
        # the reader rebuilds every aggregate from the stored events.
        self.app = Supervision(env={**store, "AGGREGATE_CACHE_MAXSIZE": "0", "AGGREGATE_CACHE_FASTFORWARD": "n"})
        self.reader = Supervision(env=store)
        self.today = date(2018, 1, 1)
        self.models: dict[str, OrgModel] = {}
        self.project_org: dict[str, str] = {}
        self.cancelled_at_version: dict[str, int] = {}

    def teardown(self) -> None:
        self.app.close()
        self.reader.close()

    # -- helpers ----------------------------------------------------------------------------------

    def ctx(self, by: str = "civil_affairs") -> Context:
        department = Department(by)
        return Context(Actor(f"{by}-1", f"{by}-officer", department, "officer"), "随机事务", self.today)

    def attempt(self, command: Any, *args: Any, **kwargs: Any) -> tuple[Any, DomainError | None]:
        """Run a command; a DomainError is an expected refusal, anything else fails the test."""
        try:
            return command(*args, **kwargs), None
        except DomainError as refusal:
            return None, refusal

    def model(self, org: str) -> OrgModel:
        return self.models[org]

    # -- time -------------------------------------------------------------------------------------

    @rule(days=st.integers(0, 200))
    def days_pass(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(years=st.integers(1, 3))
    def years_pass(self, years: int) -> None:
        self.today = add_years(self.today, years)

    @initialize(target=organizations)
    def a_registered_and_a_filed_organization(self) -> Any:
        return multiple(
            self.register("重庆市民悦社会工作服务中心", "private_non_enterprise", 7), self.file("春生社工室")
        )

    # -- registration and filing ------------------------------------------------------------------

    @precondition(lambda self: len(self.models) < MAX_ORGANIZATIONS)
    @rule(target=organizations, name=st.sampled_from(NAMES), kind=st.sampled_from([*REGISTERED_KINDS, "community"]),
          serial=st.integers(1, 6))
    def an_organization_begins(self, name: str, kind: str, serial: int) -> Any:
        """成立登记 or 备案 (one rule, so that histories dwell on the organizations they have)."""
        return self.file(name) if kind == "community" else self.register(name, kind, serial)

    def register(self, name: str, kind: str, serial: int) -> Any:
        result, refusal = self.attempt(
            self.app.register_organization, self.ctx(), name=name, kind=kind,
            credit_code=make_credit_code(kind, "500103", serial), domicile="渝中区上清寺路1号", purpose="服务",
            business_scope="志愿服务", legal_representative=Person("张三"), funds=Decimal("30000"),
            district="yuzhong", street="shangqingsi",
        )
        if refusal:
            return multiple()
        self.models[result.aggregate_id] = OrgModel("registered", self.today)
        return result.aggregate_id

    def file(self, name: str) -> Any:
        result, refusal = self.attempt(
            self.app.file_community_organization, self.ctx("street_office"), name=name,
            person_in_charge=Person("李四"), district="yuzhong", street="shangqingsi",
        )
        if refusal:
            return multiple()
        self.models[result.aggregate_id] = OrgModel("filed", None)
        return result.aggregate_id

    @rule(org=organizations, name=st.sampled_from(NAMES))
    def rename(self, org: str, name: str) -> None:
        if self.model(org).status == "filed":
            self.attempt(self.app.change_filing, self.ctx("street_office"), org, name=name)
        else:
            self.attempt(self.app.change_registration, self.ctx(), org, name=name)

    @rule(org=organizations, kind=st.sampled_from(REGISTERED_KINDS), serial=st.integers(1, 6))
    def convert(self, org: str, kind: str, serial: int) -> None:
        _, refusal = self.attempt(
            self.app.convert_to_registration, self.ctx(), org, kind=kind,
            credit_code=make_credit_code(kind, "500103", serial), domicile="渝中区", purpose="服务",
            business_scope="文体", legal_representative=Person("李四"), funds=Decimal("10000"),
        )
        if not refusal:
            assert self.model(org).status == "filed"
            self.model(org).status, self.model(org).registered_on = "registered", self.today

    @rule(org=organizations, how=st.sampled_from(
        ["deregister", "revoke:fraud", "revoke:fraudulent_change", "revoke:no_activity_first_year", "cancel_filing",
         "ban"]
    ))
    def an_organization_ends(self, org: str, how: str) -> None:
        """One rule for every way an organization ends, so that ends stay rarer than everything else."""
        verb, _, ground = how.partition(":")
        if verb == "deregister":
            _, refusal = self.attempt(self.app.deregister, self.ctx(), org, liquidation_completed_on=self.today)
            status = "deregistered"
        elif verb == "revoke":
            _, refusal = self.attempt(self.app.revoke_registration, self.ctx(), org, ground=ground)
            status = "revoked"
        elif verb == "cancel_filing":
            _, refusal = self.attempt(self.app.cancel_filing, self.ctx("street_office"), org)
            status = "filing_cancelled"
        else:
            _, refusal = self.attempt(self.app.ban_organization, self.ctx(), org)
            status = "banned"
        if refusal:
            return
        model = self.model(org)
        if status == "deregistered" and model.listed_for_revocation:  # its exit, in the same command
            model.serious = False
        model.status = status
        if status == "revoked":  # revoked by civil affairs: the serious list in the same command
            model.serious = True
            # A revoked change registration (弄虚作假办理变更登记) is a ground of its own, not ended by deregistering.
            model.listed_for_revocation = ground != "fraudulent_change"
        if status == "filing_cancelled":
            self.cancelled_at_version[org] = self.app.organization(org).version

    # -- annual duty and evaluation ---------------------------------------------------------------

    @rule(org=organizations, result=st.sampled_from(["qualified", "basically_qualified", "unqualified"]),
          years_back=st.integers(1, 2))
    def conclude_annual_inspection(self, org: str, result: str, years_back: int) -> None:
        year = self.today.year - years_back
        _, refusal = self.attempt(self.app.conclude_annual_inspection, self.ctx(), org, year=year, result=result)
        if not refusal:
            self.model(org).inspections[year] = result

    @rule(org=organizations, score=st.integers(450, 1000))
    def award_grade(self, org: str, score: int) -> None:
        _, refusal = self.attempt(self.app.award_grade, self.ctx(), org, score=score)
        eligible = self.model(org).eligible_for_evaluation(self.today)
        if refusal is None:
            assert eligible, "a grade was awarded to an organization that was not eligible"
        elif isinstance(refusal, NotEligibleForEvaluation):
            assert not eligible, f"an eligible organization was refused: {refusal}"

    @rule(org=organizations, lower_to=st.none() | st.integers(0, 5))
    def lower_or_cancel_grade(self, org: str, lower_to: int | None) -> None:
        if lower_to is None:
            self.attempt(self.app.cancel_grade, self.ctx(), org)
        else:
            self.attempt(self.app.lower_grade, self.ctx(), org, grade=lower_to)

    # -- penalties and credit lists ---------------------------------------------------------------

    @rule(org=organizations, kind=PENALTIES, amount=AMOUNTS, by=DEPARTMENTS, stop_days=st.integers(1, 90))
    def impose_penalty(self, org: str, kind: str, amount: str, by: str, stop_days: int) -> None:
        before = {p.penalty_id for p in self.app.organization(org).penalties}
        _, refusal = self.attempt(
            self.app.impose_penalty, self.ctx(by), org, kind=kind,
            amount=Decimal(amount) if kind in ("fine", "confiscation") else None,
            stop_days=stop_days if kind == "stop_activities" else None,
        )
        if refusal:
            return
        (new,) = [p.penalty_id for p in self.app.organization(org).penalties if p.penalty_id not in before]
        model = self.model(org)
        fine = Decimal(amount) if kind == "fine" else None
        abnormal, serious = lists_for_civil_affairs_penalty(kind, fine, self.today, model.penalties)
        model.penalties.append(PenaltyFact(new, self.today, minor=abnormal))
        if by == "civil_affairs":  # the registration authority lists in the same command
            model.abnormal, model.serious = model.abnormal or abnormal, model.serious or serious
        if kind == "revocation":
            model.status = "revoked"

    @rule(org=organizations)
    def execute_penalty(self, org: str) -> None:
        pending = [p for p in self.model(org).penalties if not p.executed]
        if not pending:
            return
        _, refusal = self.attempt(self.app.record_penalty_executed, self.ctx(), org, penalty_id=pending[0].penalty_id)
        if not refusal:
            pending[0].executed = True

    @rule(org=organizations, ground=st.sampled_from(list(AbnormalGround)))
    def add_to_abnormal_list(self, org: str, ground: str) -> None:
        _, refusal = self.attempt(self.app.add_to_abnormal_list, self.ctx(), org, ground=ground)
        if not refusal:
            self.model(org).abnormal = True

    @rule(org=organizations, on_request=st.booleans())
    def remove_from_abnormal_list(self, org: str, on_request: bool) -> None:
        verified_on = self.today if on_request else None
        _, refusal = self.attempt(self.app.remove_from_abnormal_list, self.ctx(), org, verified_on=verified_on)
        if not refusal:
            self.model(org).abnormal = False

    @rule(org=organizations)
    def escalate_to_serious_list(self, org: str) -> None:
        _, refusal = self.attempt(self.app.escalate_to_serious_list, self.ctx(), org)
        if not refusal:
            self.model(org).abnormal, self.model(org).serious = False, True

    @rule(org=organizations, ground=st.sampled_from(list(SeriousGround)))
    def add_to_serious_list(self, org: str, ground: str) -> None:
        _, refusal = self.attempt(self.app.add_to_serious_list, self.ctx(), org, ground=ground)
        if not refusal:
            self.model(org).serious = True
            self.model(org).listed_for_revocation |= ground == "certificate_revoked"

    @rule(org=organizations)
    def remove_from_serious_list(self, org: str) -> None:
        _, refusal = self.attempt(self.app.remove_from_serious_list, self.ctx(), org)
        if not refusal:
            self.model(org).serious = self.model(org).listed_for_revocation = False

    # -- funding ----------------------------------------------------------------------------------

    @rule(target=projects, org=organizations, amount=AMOUNTS, months=st.integers(0, 24))
    def award_funding(self, org: str, amount: str, months: int) -> Any:
        result, refusal = self.attempt(
            self.app.award_funding, self.ctx("finance"), org, purchasing_unit="上清寺街道办事处",
            project_name="社区服务项目", amount=Decimal(amount), period_start=self.today,
            period_end=self.today + timedelta(days=30 * months),
        )
        funded = self.model(org).may_be_awarded
        if isinstance(refusal, NotEligibleForFunding):
            assert not funded, f"funding refused to an organization that may be funded: {refusal}"
        if refusal:
            return multiple()
        assert funded, "funding awarded to an inactive or serious-listed organization"
        self.project_org[result.aggregate_id] = org
        return result.aggregate_id

    @rule(project=projects, amount=AMOUNTS)
    def disburse(self, project: str, amount: str) -> None:
        _, refusal = self.attempt(self.app.disburse_funding, self.ctx("finance"), project, amount=Decimal(amount))
        funded = self.model(self.project_org[project]).may_be_funded
        if refusal is None:
            assert funded, "a tranche paid to an inactive or serious-listed organization"
        elif isinstance(refusal, NotEligibleForFunding):
            assert not funded

    @rule(project=projects, suspend=st.booleans())
    def suspend_or_resume(self, project: str, suspend: bool) -> None:
        if suspend:
            self.attempt(self.app.suspend_funding, self.ctx("finance"), project)
            return
        _, refusal = self.attempt(self.app.resume_funding, self.ctx("finance"), project)
        if refusal is None:
            assert self.model(self.project_org[project]).may_be_funded

    @rule(project=projects, amount=AMOUNTS)
    def claw_back(self, project: str, amount: str) -> None:
        self.attempt(self.app.claw_back_funds, self.ctx("finance"), project, amount=Decimal(amount))

    @rule(project=projects, score=st.none() | st.integers(0, 100))
    def close_project(self, project: str, score: int | None) -> None:
        self.attempt(self.app.close_funding_project, self.ctx("finance"), project, evaluation="结项评估", score=score)

    # -- inspections ------------------------------------------------------------------------------

    @rule(target=cases, org=organizations, inspectors=INSPECTORS)
    def open_inspection(self, org: str, inspectors: list[str]) -> Any:
        result, refusal = self.attempt(
            self.app.open_inspection, self.ctx("inspection"), org, inspectors=inspectors, subject="检查"
        )
        if refusal:
            return multiple()
        assert self.model(org).status in ACTIVE
        self.model(org).open_cases.add(result.aggregate_id)
        return result.aggregate_id

    @rule(case=cases, problems=st.booleans())
    def record_findings(self, case: str, problems: bool) -> None:
        self.attempt(self.app.record_inspection_findings, self.ctx("inspection"), case, findings="发现",
                     problems_found=problems)

    @rule(case=cases, days=st.integers(0, 60))
    def order_rectification(self, case: str, days: int) -> None:
        self.attempt(self.app.order_rectification, self.ctx("inspection"), case, requirements="整改",
                     deadline=self.today + timedelta(days=days))

    @rule(case=cases, confirmed=st.booleans())
    def rectification_confirmed_or_overdue(self, case: str, confirmed: bool) -> None:
        if confirmed:
            self.attempt(self.app.confirm_rectification, self.ctx("inspection"), case)
        else:
            self.attempt(self.app.record_rectification_overdue, self.ctx("inspection"), case)

    @rule(case=cases)
    def close_inspection(self, case: str) -> None:
        _, refusal = self.attempt(self.app.close_inspection, self.ctx("inspection"), case, conclusion="结案")
        if not refusal:
            org = str(self.app.inspection_case(case).organization_id)
            if self.model(org).status != "filing_cancelled":  # a cancelled filing never changes again
                self.model(org).open_cases.discard(case)

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def projects_never_pay_beyond_their_award(self) -> None:
        for project_id in self.project_org:
            project = self.app.funding_project(project_id)
            assert Decimal(0) <= project.clawed_back <= project.disbursed <= project.amount

    @invariant()
    def a_cancelled_filing_never_changes_again(self) -> None:
        for org, version in self.cancelled_at_version.items():
            assert self.app.organization(org).version == version

    @invariant()
    def names_are_unique(self) -> None:
        names = [_normalized(self.app.organization(org).name) for org in self.models]
        assert len(names) == len(set(names))

    @invariant()
    def the_model_and_the_aggregates_agree(self) -> None:
        for org_id, model in self.models.items():
            org = self.app.organization(org_id)
            assert org.status == model.status
            assert (org.on_abnormal_list, org.on_serious_list) == (model.abnormal, model.serious)
            assert set(org.open_inspection_cases) == model.open_cases or model.status == "filing_cancelled"
            assert (org.funding_refusal is None) == model.may_be_funded
            refusals = org.evaluation_refusals(self.today, self.app.settings)
            assert _reason_keys(refusals) == model.evaluation_refusals(self.today), refusals

    @invariant()
    def memory_equals_the_store(self) -> None:
        # Types too: a snapshot keeps what the state held, so live and replayed states must hold the same.
        for org_id in self.models:
            assert typed(_state(self.app.organization(org_id))) == typed(_state(self.reader.organization(org_id)))
        for project_id in self.project_org:
            assert typed(_state(self.app.funding_project(project_id))) == typed(
                _state(self.reader.funding_project(project_id)))


SupervisionMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None, report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRandomHistories = SupervisionMachine.TestCase
