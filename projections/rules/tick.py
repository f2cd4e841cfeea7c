"""Time-based joint supervision rules, run by `lianjian tick` and a periodic tick in the server.

Where time itself makes a fact (a deadline passed, six months on the list ended), the tick records it
with the domain's own command under the rules' name, and the stream rules take it from there. Where
time makes a duty overdue without a fact of its own (a missing annual report, two years on the list),
the tick raises the proposal directly. Alert ids follow from their subject, so ticking twice raises
nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.alerts import RULES_ACTOR, Alert, AlertRule
from domain.application import Supervision
from domain.calendar import add_working_days, add_years
from domain.context import Context, Department
from domain.credit_lists import (
    AbnormalGround,
    SeriousGround,
    abnormal_list_exit_due,
    listing_proposal,
    serious_list_escalation_due,
)
from domain.errors import DomainError
from domain.labels import CREDIT_LISTS, zh
from domain.organization import Organization
from domain.task_deadlines import task_due_on
from projections.runtime.db import ViewDatabase
from projections.views.alerts import AlertsView
from projections.views.inspection_board import InspectionBoard
from projections.views.registry import CivilAffairsRegistry


@dataclass
class TickReport:
    today: date
    rectifications_overdue: list[str] = field(default_factory=list)  # case ids
    abnormal_exits: list[str] = field(default_factory=list)  # organization ids
    annual_report_proposals: list[str] = field(default_factory=list)  # alert ids
    escalation_proposals: list[str] = field(default_factory=list)  # alert ids
    objections_overdue: list[str] = field(default_factory=list)  # alert ids
    tasks_reminded: list[str] = field(default_factory=list)  # alert ids
    tasks_escalated: list[str] = field(default_factory=list)  # alert ids


def annual_report_due(year: int, app: Supervision) -> date:
    """The report for ``year`` is due on this date of the following year (configurable)."""
    settings = app.settings
    return date(year + 1, settings.annual_report_due_month, settings.annual_report_due_day)


def tick(app: Supervision, today: date, registry: CivilAffairsRegistry | None = None,
         board: InspectionBoard | None = None, alerts: AlertsView | None = None) -> TickReport:
    """Apply every time-based rule as of ``today`` (Asia/Shanghai business date)."""
    registry = registry or CivilAffairsRegistry()
    board = board or InspectionBoard()
    alerts = alerts or AlertsView()
    db = ViewDatabase(app)
    report = TickReport(today)
    with db.transaction(commit=False) as tx:
        overdue_cases = tx.rows(
            f"SELECT case_id FROM {board.t('cases')} WHERE rectification = 'ordered' AND deadline < ? ORDER BY case_id",
            (today.isoformat(),),
        )
        listed = tx.rows(
            f"SELECT org_id FROM {registry.t('organizations')} WHERE on_abnormal_list = 1 ORDER BY org_id"
        )
        on_either = tx.rows(
            f"SELECT org_id FROM {registry.t('organizations')} WHERE on_abnormal_list = 1 OR on_serious_list = 1"
            " ORDER BY org_id"
        )
        report_year = today.year - 1 if today > annual_report_due(today.year - 1, app) else today.year - 2
        missing = tx.rows(
            f"SELECT o.org_id FROM {registry.t('organizations')} o WHERE o.status = 'registered'"
            f" AND o.registered_on <= ? AND NOT EXISTS (SELECT 1 FROM {registry.t('annual_duties')} d"
            "  WHERE d.org_id = o.org_id AND d.year = ? AND d.report_submitted_on IS NOT NULL) ORDER BY o.org_id",
            (date(report_year, 12, 31).isoformat(), report_year),
        )
        remind_until = add_working_days(today, app.settings.task_reminder_working_days).isoformat()
        to_remind = tx.rows(
            f"SELECT alert_id FROM {alerts.t('alerts')} WHERE open = 1 AND reminded_on IS NULL"
            " AND due_key >= ? AND due_key <= ? ORDER BY due_key, alert_id", (today.isoformat(), remind_until),
        )
        to_escalate = tx.rows(
            f"SELECT alert_id FROM {alerts.t('alerts')} WHERE open = 1 AND escalated_on IS NULL"
            " AND due_key < ? ORDER BY due_key, alert_id", (today.isoformat(),),
        )
    for row in overdue_cases:
        _record_overdue(app, row["case_id"], today, report)
    for row in listed:
        _abnormal_list_time(app, row["org_id"], today, report)
    for row in missing:
        _annual_report_missing(app, row["org_id"], report_year, today, report)
    for row in on_either:
        _objections_overdue(app, row["org_id"], today, report)
    for row in to_remind:
        _task_time(app, app.remind_task, row["alert_id"], _context(today, "督办事项临近办理期限"),
                   report.tasks_reminded)
    for row in to_escalate:
        _task_time(app, app.escalate_task, row["alert_id"], _context(today, "督办事项逾期未办结，提级督办"),
                   report.tasks_escalated)
    return report


def _task_time(app: Supervision, command: Callable[[Context, str], object], alert_id: str, ctx: Context,
               done: list[str]) -> None:
    """A task's reminder or escalation, unless it was resolved (or reminded) since the view was read."""
    try:
        command(ctx, alert_id)
    except DomainError:
        return
    done.append(alert_id)


def _context(today: date, reason: str) -> Context:
    return Context(RULES_ACTOR, reason, today)


def _record_overdue(app: Supervision, case_id: str, today: date, report: TickReport) -> None:
    try:
        app.record_rectification_overdue(_context(today, "整改期限已过，未确认整改完成"), case_id)
    except DomainError:
        return  # confirmed or closed since the view was read: nothing is overdue
    report.rectifications_overdue.append(case_id)


def _abnormal_list_time(app: Supervision, org_id: str, today: date, report: TickReport) -> None:
    org = app.organization(org_id)
    listing = org.abnormal_listing
    if listing is None:
        return
    if abnormal_list_exit_due(listing, today, app.settings):
        try:
            app.remove_from_abnormal_list(_context(today, "列入活动异常名录满6个月，无需整改事项，自动移出"), org_id)
        except DomainError:
            return
        report.abnormal_exits.append(org_id)
    elif serious_list_escalation_due(listing, today, app.settings):
        subject = f"{org_id}:{listing.listed_on.isoformat()}"
        message = f"{org.name}自{listing.listed_on}列入活动异常名录已满2年，建议列入严重违法失信名单"
        alert_id = _raise_once(app, org, AlertRule.ABNORMAL_TWO_YEARS, subject, message, today,
                               listing_proposal(SeriousGround.ABNORMAL_TWO_YEARS))
        if alert_id:
            report.escalation_proposals.append(alert_id)


def _objections_overdue(app: Supervision, org_id: str, today: date, report: TickReport) -> None:
    """An objection (异议) undecided past its working days: an alert to civil affairs, once."""
    org = app.organization(org_id)
    for objection_id, objection in sorted(org.objections.items()):
        if today <= objection["due_on"]:
            continue
        message = (f"{org.name}对列入{zh(CREDIT_LISTS, objection['list'])}提出的异议应于{objection['due_on']}前"
                   "处理完毕，尚未处理")
        alert_id = _raise_once(app, org, AlertRule.OBJECTION_UNDECIDED, objection_id, message, today, None)
        if alert_id:
            report.objections_overdue.append(alert_id)


def _annual_report_missing(app: Supervision, org_id: str, year: int, today: date, report: TickReport) -> None:
    org = app.organization(org_id)
    if year in org.annual_reports or not org.is_active:
        return
    message = f"{org.name}未在{annual_report_due(year, app)}前报送{year}年度工作报告，建议列入活动异常名录"
    alert_id = _raise_once(app, org, AlertRule.ANNUAL_REPORT_MISSING, f"{org_id}:{year}", message, today,
                           listing_proposal(AbnormalGround.ANNUAL_REPORT_MISSING))
    if alert_id:
        report.annual_report_proposals.append(alert_id)


def _raise_once(app: Supervision, org: Organization, rule: AlertRule, subject: str, message: str,
                today: date, proposal: dict[str, object] | None) -> str | None:
    if Alert.create_id(rule, subject) in app.repository:
        return None
    # The cause is the organization's latest event: the state the tick judged.
    cause = f"{org.id}/{org.version}"
    alert = Alert.raise_alert(
        _context(today, message[:400]), rule=rule, subject=subject, organization_id=str(org.id),
        message=message, departments=[Department.CIVIL_AFFAIRS, Department.STREET_OFFICE], causes=[cause],
        proposal=proposal, due_on=task_due_on(rule, today, app.settings),
    )
    try:
        app.save(alert)
    except Exception:  # noqa: BLE001 - another tick raised it first
        if alert.id in app.repository:
            return None
        raise
    return str(alert.id)


__all__ = ["TickReport", "add_years", "annual_report_due", "tick", "UUID"]
