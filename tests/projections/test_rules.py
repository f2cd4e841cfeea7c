"""The joint supervision rules: a fact one department records reaches the others as an alert that names
its cause. Stream rules run as events arrive; time rules run from the tick with a moved clock."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import InvalidInput, RuleViolation
from domain.people import Person
from projections.views.alerts import AlertsView
from projections.views.catalog import all_views
from projections.rules.joint import JointSupervisionRules
from projections.runtime.runner import ViewRunner
from projections.rules.tick import tick

OFFICERS = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}


def ctx(on: date, by: Department = Department.CIVIL_AFFAIRS, reason: str = "依法办理") -> Context:
    return Context(OFFICERS[by], reason, on)


class City:
    """An app on SQLite with its views and rules, and the verbs the stories need."""

    def __init__(self, app: Supervision) -> None:
        self.app = app
        self.rules = JointSupervisionRules(app)
        self.views = ViewRunner(app, all_views())
        self.serial = 0

    def settle(self) -> None:
        """Let the rules and the views see everything recorded so far (twice: alerts are events too)."""
        for _ in range(2):
            self.rules.catch_up()
            self.views.catch_up()

    def register(self, name: str, on: date = date(2015, 3, 2), **extra: Any) -> str:
        self.serial += 1
        return self.app.register_organization(
            ctx(on, reason="成立登记"), name=name, kind="social_group",
            credit_code=make_credit_code("social_group", "500103", self.serial), domicile="渝中区上清寺路1号",
            purpose="服务社区", business_scope="志愿服务", legal_representative=Person("张三"),
            funds=Decimal("30000"), district="yuzhong", street="shangqingsi", **extra,
        ).aggregate_id

    def award(self, org_id: str, on: date, amount: str = "50000.00") -> str:
        return self.app.award_funding(
            ctx(on, Department.FINANCE, "政府购买服务"), org_id, purchasing_unit="上清寺街道办事处",
            project_name=f"社区服务{on.year}", amount=Decimal(amount), period_start=on, period_end=date(on.year, 12, 31),
        ).aggregate_id

    def rectification_ordered(self, org_id: str, deadline: date) -> str:
        """An inspection case of the organization, opened in March 2026, with a rectification due on ``deadline``."""
        case = self.app.open_inspection(ctx(date(2026, 3, 2), Department.INSPECTION), org_id,
                                        inspectors=["赵检查", "孙检查"], subject="群众投诉").aggregate_id
        self.app.record_inspection_findings(ctx(date(2026, 3, 3), Department.INSPECTION), case,
                                            findings="账目不清", problems_found=True)
        self.app.order_rectification(ctx(date(2026, 3, 4), Department.INSPECTION), case,
                                     requirements="建立账册", deadline=deadline)
        return case

    def alerts(self, rule: str | None = None) -> list[dict[str, Any]]:
        view = AlertsView()
        with self.views.db.transaction(commit=False) as tx:
            rows = tx.rows(f"SELECT * FROM {view.t('alerts')} ORDER BY raised_position")
        return [r for r in rows if rule is None or r["rule"] == rule]

    def parties(self, alert_id: str) -> list[dict[str, Any]]:
        view = AlertsView()
        with self.views.db.transaction(commit=False) as tx:
            return tx.rows(f"SELECT * FROM {view.t('task_parties')} WHERE alert_id = ? ORDER BY department",
                           (alert_id,))

    def actions(self, alert_id: str) -> list[dict[str, Any]]:
        view = AlertsView()
        with self.views.db.transaction(commit=False) as tx:
            return tx.rows(f"SELECT * FROM {view.t('task_actions')} WHERE alert_id = ? ORDER BY position",
                           (alert_id,))


@pytest.fixture
def city(tmp_path) -> City:
    return City(Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                 "SQLITE_DBNAME": str(tmp_path / "events.sqlite")}))


def test_rule_1_funding_disbursed_to_an_abnormal_listed_organization_alerts_finance_and_civil_affairs(city):
    org = city.register("春生社工室")
    project = city.award(org, date(2024, 3, 1))
    city.app.add_to_abnormal_list(ctx(date(2024, 4, 1)), org, ground="unreachable_at_domicile")
    disbursed = city.app.disburse_funding(ctx(date(2024, 5, 1), Department.FINANCE, "拨付"), project,
                                          amount=Decimal("20000.00"))
    city.settle()

    [alert] = city.alerts("funding_to_ineligible")
    assert alert["causes"] == disbursed.event_ids[0]
    assert alert["departments"] == "civil_affairs,finance"
    assert "活动异常名录" in alert["message"] and alert["street"] == "shangqingsi"


def test_rule_1_stays_quiet_for_an_organization_in_good_standing(city):
    org = city.register("民悦社工")
    city.award(org, date(2024, 3, 1))
    city.settle()
    assert city.alerts() == []


def test_rule_4_revoked_with_an_open_project_tells_finance_to_stop(city):
    org = city.register("致远促进会")
    project = city.award(org, date(2024, 3, 1))
    closed = city.award(org, date(2023, 3, 1))
    city.app.close_funding_project(ctx(date(2023, 12, 30), Department.FINANCE), closed, evaluation="良好")
    revoked = city.app.revoke_registration(ctx(date(2024, 6, 1)), org, ground="fraud")
    city.settle()

    [alert] = city.alerts("ended_with_open_funding")  # the closed project raises nothing
    assert alert["causes"] == revoked.event_ids[0]
    assert project in alert["proposal"]


def test_rule_5_three_party_members_without_a_party_organization(city):
    org = city.register("木兰艺术团")
    city.app.count_party_members(ctx(date(2025, 1, 5), Department.PARTY_BUILDING), org, members=2)
    counted = city.app.count_party_members(ctx(date(2026, 1, 5), Department.PARTY_BUILDING), org, members=3)
    city.settle()

    [alert] = city.alerts("party_organization_missing")
    assert alert["causes"] == counted.event_ids[0]
    assert "party_building" in alert["departments"]


def test_rule_6_a_tax_penalty_reaches_civil_affairs_and_the_street_the_same_day(city):
    org = city.register("工友之家服务社")
    penalty = city.app.impose_penalty(ctx(date(2025, 8, 8), Department.TAX, "逾期申报"), org,
                                      kind="fine", amount=Decimal("2000.00"))
    city.app.impose_penalty(ctx(date(2025, 8, 9), Department.CIVIL_AFFAIRS, "违规活动"), org, kind="warning")
    city.settle()

    [alert] = city.alerts("partner_penalty")  # civil affairs' own penalty is no news to civil affairs
    assert alert["causes"] == penalty.event_ids[0]
    assert alert["departments"] == "civil_affairs,street_office"
    assert alert["raised_on"] == "2025-08-08"


def test_rule_2_a_passed_rectification_deadline_is_recorded_by_the_tick_and_proposed_for_the_list(city):
    org = city.register("春森腰鼓队")
    case = city.rectification_ordered(org, deadline=date(2026, 4, 30))
    city.settle()

    assert tick(city.app, date(2026, 4, 30)).rectifications_overdue == []  # on the deadline: not yet
    assert tick(city.app, date(2026, 5, 1)).rectifications_overdue == [case]
    city.settle()
    assert tick(city.app, date(2026, 5, 2)).rectifications_overdue == []  # recorded once

    [alert] = city.alerts("rectification_overdue")
    assert json.loads(alert["proposal"]) == {"command": "add_to_abnormal_list", "list": "abnormal",
                                             "ground": "rectification_overdue", "article": 10, "item": 3}
    assert city.app.inspection_case(case).rectification == "overdue"


def test_rule_3_a_missing_annual_report_is_proposed_after_the_due_date_once(city):
    on_time = city.register("上清寺路自治物业中心", on=date(2024, 3, 1))
    late = city.register("新市民服务中心", on=date(2024, 3, 1))
    city.app.submit_annual_report(ctx(date(2025, 5, 20)), on_time, year=2024)
    city.settle()

    assert tick(city.app, date(2025, 5, 31)).annual_report_proposals == []  # due today, not late yet
    first = tick(city.app, date(2025, 6, 1))
    again = tick(city.app, date(2025, 6, 2))
    city.settle()

    assert len(first.annual_report_proposals) == 1 and again.annual_report_proposals == []
    [alert] = city.alerts("annual_report_missing")
    assert alert["org_id"] == late and "2024" in alert["message"]


def test_rule_7_two_years_on_the_abnormal_list_is_proposed_for_the_serious_list(city):
    org = city.register("化龙桥睦邻互助会")
    city.app.add_to_abnormal_list(ctx(date(2023, 6, 1)), org, ground="unreachable_at_domicile")
    city.settle()

    assert tick(city.app, date(2025, 5, 31)).escalation_proposals == []
    assert len(tick(city.app, date(2025, 6, 1)).escalation_proposals) == 1
    city.settle()
    [alert] = city.alerts("abnormal_two_years")
    assert json.loads(alert["proposal"]) == {"command": "escalate_to_serious_list", "list": "serious",
                                             "ground": "abnormal_two_years", "article": 14, "item": 1}


def test_six_months_without_anything_to_rectify_the_tick_removes_the_listing(city):
    org = city.register("曾家岩太极拳剑队")
    city.app.add_to_abnormal_list(ctx(date(2025, 1, 10)), org, ground="warning_or_small_fine")
    city.settle()

    assert tick(city.app, date(2025, 7, 9)).abnormal_exits == []
    assert tick(city.app, date(2025, 7, 10)).abnormal_exits == [org]
    assert not city.app.organization(org).on_abnormal_list
    last = city.app.history(org)[-1]
    assert last.type == "Organization.RemovedFromAbnormalList" and last.data["how"] == "automatic"
    assert last.ctx.actor.username == "lianjian-rules"


def test_an_alert_is_acknowledged_and_resolved_as_events(city):
    org = city.register("春生社工室")
    city.app.impose_penalty(ctx(date(2025, 8, 8), Department.MARKET_REGULATION, "虚假宣传"), org, kind="warning")
    city.settle()
    [alert] = city.alerts()

    city.app.acknowledge_alert(ctx(date(2025, 8, 9), Department.STREET_OFFICE), alert["alert_id"])
    city.app.resolve_alert(ctx(date(2025, 8, 10)), alert["alert_id"], resolution="已列入活动异常名录")
    city.settle()

    [after] = city.alerts()
    assert after["status"] == "resolved" and after["acknowledged_by"] == "street_office"
    assert after["resolution"] == "已列入活动异常名录"


def test_the_rules_never_raise_an_alert_twice_after_a_restart(city):
    org = city.register("工友之家服务社")
    city.app.impose_penalty(ctx(date(2025, 8, 8), Department.TAX, "逾期申报"), org, kind="warning")
    city.settle()
    restarted = JointSupervisionRules(city.app)  # recovers its memory from the log, acts on nothing old
    assert restarted.catch_up() == 0
    city.app.impose_penalty(ctx(date(2025, 9, 8), Department.TAX, "逾期申报"), org, kind="warning")
    restarted.catch_up()
    city.views.catch_up()
    # The second warning within three years: the abnormal list again, and the serious list (第十四条第（五）项).
    assert [json.loads(a["proposal"])["ground"] for a in city.alerts("partner_penalty")] == [
        "warning_or_small_fine", "warning_or_small_fine", "repeated_minor_penalties"]


def test_rule_5_alert_is_raised_once_and_closed_by_the_rules_when_the_party_organization_is_set_up(city):
    org = city.register("春生社工室")
    city.app.count_party_members(ctx(date(2025, 1, 5), Department.PARTY_BUILDING), org, members=3)
    city.app.count_party_members(ctx(date(2025, 3, 5), Department.PARTY_BUILDING), org, members=4)
    city.settle()
    [open_alert] = city.alerts("party_organization_missing")  # a second count is no new alert
    assert open_alert["status"] == "open"

    set_up = city.app.set_up_party_organization(ctx(date(2025, 6, 1), Department.PARTY_BUILDING), org,
                                                form="single", name="春生社工室党支部")
    city.settle()

    [closed] = city.alerts("party_organization_missing")
    assert closed["status"] == "resolved" and set_up.event_ids[0] in closed["resolution"]
    last = city.app.history(org)[-1]
    assert last.type == "Alert.Resolved" and last.ctx.actor.username == "lianjian-rules"
    restarted = JointSupervisionRules(city.app)  # remembers nothing open; raises nothing again
    assert restarted.party_alerts == {} and restarted.catch_up() == 0


def own_events(city: City, org: str) -> list[Any]:
    """The organization's own events (its history also holds the alerts naming it)."""
    return [e for e in city.app.history(org) if e.aggregate_id == org]


def proposals(city: City, rule: str) -> list[tuple[str, dict[str, Any]]]:
    return [(a["alert_id"], json.loads(a["proposal"])) for a in city.alerts(rule) if a["proposal"]]


def test_a_partners_large_fine_is_proposed_for_the_serious_list_and_accepted_in_one_command(city):
    org = city.register("工友之家服务社")
    fined = city.app.impose_penalty(ctx(date(2025, 8, 8), Department.MARKET_REGULATION, "虚假宣传"), org,
                                    kind="fine", amount=Decimal("50000.00"))
    city.settle()
    [(alert_id, proposal)] = proposals(city, "partner_penalty")
    assert proposal == {"command": "add_to_serious_list", "list": "serious", "ground": "large_fine",
                        "article": 14, "item": 4}

    accepted = city.app.accept_proposal(ctx(date(2025, 8, 11)), alert_id)
    city.settle()

    listing = own_events(city, org)[-1]
    assert listing.type == "Organization.AddedToSeriousList" and listing.event_id in accepted.event_ids
    assert (listing.data["proposal_id"], listing.data["causes"]) == (alert_id, fined.event_ids)
    assert city.alerts("partner_penalty")[0]["status"] == "resolved"
    assert city.app.alert(alert_id).decision == "accepted"


def test_a_court_notice_is_proposed_and_a_declined_proposal_cannot_be_accepted(city):
    org = city.register("春生社工室")
    city.app.record_court_dishonest_debtor(ctx(date(2025, 8, 8)), org, notice="(2025)渝0103执45号")
    city.settle()
    [(alert_id, proposal)] = proposals(city, "court_dishonest_debtor")
    assert (proposal["ground"], proposal["article"], proposal["item"]) == ("court_dishonest_debtor", 14, 6)

    with pytest.raises(RuleViolation, match="only civil affairs"):
        city.app.accept_proposal(ctx(date(2025, 8, 9), Department.STREET_OFFICE), alert_id)
    city.app.decline_proposal(ctx(date(2025, 8, 9)), alert_id, reason="法院已撤销失信决定",
                              exemption_document="渝中民发〔2025〕9号")
    before = city.app.head_position()
    with pytest.raises(RuleViolation, match="already declined"):
        city.app.accept_proposal(ctx(date(2025, 8, 10)), alert_id)
    assert city.app.head_position() == before and not city.app.organization(org).on_serious_list
    declined = list(city.app.events.get(UUID(alert_id)))[-1]
    assert (type(declined).__name__, declined.exemption_document) == ("ProposalDeclined", "渝中民发〔2025〕9号")


def test_an_alert_without_a_proposal_is_neither_accepted_nor_declined(city):
    org = city.register("春生社工室")
    city.app.impose_penalty(ctx(date(2025, 8, 8), Department.TAX, "逾期申报"), org, kind="confiscation",
                            amount=Decimal("100.00"))
    city.settle()
    [alert] = city.alerts("partner_penalty")

    with pytest.raises(InvalidInput, match="proposes nothing"):
        city.app.accept_proposal(ctx(date(2025, 8, 9)), alert["alert_id"])
    with pytest.raises(InvalidInput, match="proposes nothing"):
        city.app.decline_proposal(ctx(date(2025, 8, 9)), alert["alert_id"], reason="无")


def test_an_accepted_escalation_cites_the_abnormal_listing_and_the_proposal(city):
    org = city.register("化龙桥睦邻互助会")
    listed = city.app.add_to_abnormal_list(ctx(date(2023, 6, 1)), org, ground="unreachable_at_domicile")
    city.settle()
    tick(city.app, date(2025, 6, 1))
    city.settle()
    [(alert_id, _)] = proposals(city, "abnormal_two_years")

    city.app.accept_proposal(ctx(date(2025, 6, 3)), alert_id)

    listing = own_events(city, org)[-1]
    assert listing.data["ground"] == "abnormal_two_years" and listing.data["proposal_id"] == alert_id
    assert listing.data["causes"][0] == listed.event_ids[0]


def test_an_objection_undecided_past_its_working_days_alerts_civil_affairs_once(city):
    org = city.register("春生社工室")
    listed = city.app.add_to_abnormal_list(ctx(date(2025, 8, 1)), org, ground="unreachable_at_domicile")
    city.app.file_objection(ctx(date(2025, 8, 4)), org, listing_event=listed.event_ids[0], documents="异议申请书")
    city.settle()

    assert tick(city.app, date(2025, 8, 18)).objections_overdue == []  # the tenth working day: still in time
    assert len(tick(city.app, date(2025, 8, 19)).objections_overdue) == 1
    assert tick(city.app, date(2025, 8, 20)).objections_overdue == []
    city.settle()
    [alert] = city.alerts("objection_undecided")
    assert "活动异常名录" in alert["message"] and alert["departments"] == "civil_affairs,street_office"


def test_a_graded_organization_on_the_serious_list_is_proposed_to_lose_its_grade(city):
    org = city.register("重庆市民悦社会工作服务中心", on=date(2015, 3, 2))
    city.app.award_grade(ctx(date(2023, 6, 1)), org, score=850)
    city.app.impose_penalty(ctx(date(2024, 6, 1)), org, kind="stop_activities", stop_days=30)
    city.settle()
    [(alert_id, proposal)] = proposals(city, "graded_on_serious_list")
    assert proposal == {"command": "cancel_grade"}

    city.app.accept_proposal(ctx(date(2024, 6, 3)), alert_id)

    assert city.app.organization(org).grade is None
    assert own_events(city, org)[-1].type == "Organization.GradeCancelled"


def test_good_credit_is_marked_for_priority_where_funding_is_decided(city):
    from projections.views.finance import FinanceLedger

    good, once_listed, erroneously_listed, low = (city.register(name) for name in (
        "重庆市民悦社会工作服务中心", "春生社工室", "工友之家服务社", "新市民服务中心"))
    for org, score in ((good, 700), (once_listed, 850), (erroneously_listed, 850), (low, 699)):  # 700: 3A
        city.app.award_grade(ctx(date(2023, 6, 1)), org, score=score)
    city.app.add_to_abnormal_list(ctx(date(2024, 1, 5)), once_listed, ground="warning_or_small_fine")
    city.app.remove_from_abnormal_list(ctx(date(2024, 7, 5)), once_listed)
    listed = city.app.add_to_abnormal_list(ctx(date(2024, 1, 5)), erroneously_listed, ground="unreachable_at_domicile")
    city.app.file_objection(ctx(date(2024, 1, 8)), erroneously_listed, listing_event=listed.event_ids[0],
                            documents="租赁合同")
    [objection] = city.app.organization(erroneously_listed).objections
    city.app.decide_objection(ctx(date(2024, 1, 9)), erroneously_listed, objection_id=objection, upheld=True,
                              reason="住所可联系")
    city.settle()

    with city.views.db.transaction(commit=False) as tx:
        marked = FinanceLedger().priority_marks(tx, city.app.settings)
    assert sorted(marked) == sorted([good, erroneously_listed])
