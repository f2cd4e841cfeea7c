"""Joint supervision alerts (联合监管预警) and proposals, each a task (督办事项) for the departments it is
addressed to: raised by the rules that watch the stream, naming the events that caused it, then acknowledged
(签收), assigned to an officer (承办人), transferred (转办), helped by another department (协办) and resolved
(办结) by those departments; reminded before its deadline and escalated past it by the rules."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SupervisedAggregate
from domain.context import Actor, Context, Department
from domain.errors import InvalidInput, RuleViolation
from domain.values import checked_identifier, checked_text

# The rules act under their own name, so every alert says it came from Lianjian, not from a person.
RULES_ACTOR = Actor("lianjian-rules", "lianjian-rules", Department.SYSTEM, "rules")


class AlertRule(StrEnum):
    FUNDING_TO_INELIGIBLE = "funding_to_ineligible"  # 1: funding to a listed, deregistered or revoked organization
    RECTIFICATION_OVERDUE = "rectification_overdue"  # 2: rectification deadline passed unconfirmed
    ANNUAL_REPORT_MISSING = "annual_report_missing"  # 3: annual report not in by its due date
    ENDED_WITH_OPEN_FUNDING = "ended_with_open_funding"  # 4: revoked or deregistered with a project open
    PARTY_ORGANIZATION_MISSING = "party_organization_missing"  # 5: >= 3 party members, no party organization
    PARTNER_PENALTY = "partner_penalty"  # 6: penalty by tax, market regulation or public security
    ABNORMAL_TWO_YEARS = "abnormal_two_years"  # 7: two years on the abnormal list
    COURT_DISHONEST_DEBTOR = "court_dishonest_debtor"  # the court's notice of 失信被执行人: serious-list proposal
    GRADED_ON_SERIOUS_LIST = "graded_on_serious_list"  # a graded organization listed serious: lower or cancel it
    OBJECTION_UNDECIDED = "objection_undecided"  # an objection to a listing past its working days undecided
    ORGANIZATION_LISTED = "organization_listed"  # an organization was put on a list: its street is told that day
    REVOCATION_REQUESTED = "revocation_requested"  # another department asks civil affairs to revoke a registration


# An overdue task escalates (督办) to the district's civil affairs and to the street's leadership.
ESCALATION_DEPARTMENTS = (Department.CIVIL_AFFAIRS, Department.STREET_OFFICE)


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def _working_department(code: str, refusal: str) -> Department:
    """A department that may work a task: a known one, not the rules (system) nor the audit office."""
    try:
        department = Department(code)
    except ValueError:
        raise InvalidInput(f"no department {code!r}") from None
    if department in (Department.SYSTEM, Department.AUDIT):
        raise InvalidInput(f"{refusal} {department.value}")
    return department


class Alert(SupervisedAggregate):
    """One alert or proposal. Its id follows from its rule and subject, so a cause raises it once."""

    decision: str | None = None  # a proposal's: "accepted" or "declined" (class default: older alerts)
    # Set by the tick's reminder and escalation alone: None until then.
    reminded_on: date | None = None
    escalated_on: date | None = None

    @staticmethod
    def create_id(rule: str, subject: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"lianjian:alert:{rule}:{subject}")

    @classmethod
    def raise_alert(
        cls,
        ctx: Context,
        *,
        rule: AlertRule,
        subject: str,
        organization_id: str,
        message: str,
        departments: list[str],
        causes: list[str],
        proposal: dict[str, Any] | None = None,
        due_on: date | None = None,
    ) -> Alert:
        """Raise an alert (or, with ``proposal``, a proposed action) for the departments named, due on
        ``due_on`` (domain.task_deadlines.task_due_on)."""
        if not causes:
            raise InvalidInput("an alert names the events that caused it")
        return cls._create(
            cls.Raised,
            ctx=ctx,
            rule=AlertRule(rule).value,
            subject=subject,
            organization_id=organization_id,
            message=checked_text(message, "message", required=True, multiline=True),
            departments=sorted({Department(d).value for d in departments}),
            causes=list(causes),
            proposal=proposal,
            due_on=due_on,
        )

    class Raised(SupervisedAggregate.Created):
        """预警: a joint supervision rule raised an alert or a proposal, citing its causes, due by a day."""

        class_version = 2
        ctx: Context
        rule: str
        subject: str
        organization_id: str
        message: str
        departments: list[str]
        causes: list[str]
        proposal: dict[str, Any] | None
        due_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 carried no deadline: such an alert is a task without one."""
            state["due_on"] = None

    def __init__(
        self, ctx: Context, rule: str, subject: str, organization_id: str, message: str,
        departments: list[str], causes: list[str], proposal: dict[str, Any] | None, due_on: date | None = None,
    ) -> None:
        self.rule = rule
        self.subject = subject
        self.organization_id = organization_id
        self.message = message
        self.departments = departments
        self.causes = causes
        self.proposal = proposal
        self.raised_on = ctx.occurred_on
        self.status = AlertStatus.OPEN
        self.acknowledged_by: list[str] = []
        self.due_on = due_on
        self.assignees: dict[str, str] = {}  # department -> its officer in charge (承办人)
        self.assisting: list[str] = []  # departments asked to help (协办)

    # -- the task's work: each by a department the task is for ------------------------------------------

    def _ensure_open(self) -> None:
        if self.status == AlertStatus.RESOLVED:
            raise RuleViolation("the task is already resolved")

    def _ensure_owner(self, ctx: Context) -> None:
        if ctx.actor.department not in self.departments:
            raise RuleViolation(f"the task is for {', '.join(self.departments)}")

    def acknowledge(self, ctx: Context) -> None:
        """签收: a department the task is for, or one asked to help, took note of it."""
        self._ensure_open()
        if ctx.actor.department not in self.departments and ctx.actor.department not in self.assisting:
            raise RuleViolation(f"the task is for {', '.join(self.departments)}")
        if ctx.actor.department in self.acknowledged_by:
            raise RuleViolation(f"{ctx.actor.department} already acknowledged the alert")
        self._acknowledged(ctx=ctx)

    @event("Acknowledged")
    def _acknowledged(self, ctx: Context) -> None:
        """签收: a department acknowledged the alert."""
        self.acknowledged_by.append(str(ctx.actor.department))
        self.status = AlertStatus.ACKNOWLEDGED

    def assign(self, ctx: Context, *, assignee: str) -> None:
        """指定承办人: the department names one of its officers (by username) to carry the task."""
        self._ensure_open()
        self._ensure_owner(ctx)
        assignee = checked_identifier(assignee, "assignee", max_length=100)
        if self.assignees.get(str(ctx.actor.department)) == assignee:
            raise RuleViolation(f"{assignee} already carries the task")
        self._assigned(ctx=ctx, department=str(ctx.actor.department), assignee=assignee)

    @event("Assigned")
    def _assigned(self, ctx: Context, department: str, assignee: str) -> None:
        """指定承办人: a department named its officer in charge of the task."""
        self.assignees[department] = assignee

    def transfer(self, ctx: Context, *, to: str, reason: str) -> None:
        """转办: the department hands its part of the task to another, saying why."""
        self._ensure_open()
        self._ensure_owner(ctx)
        target = _working_department(to, "a task cannot be transferred to")
        if target.value in self.departments:
            raise RuleViolation(f"the task is already for {target.value}")
        reason = checked_text(reason, "reason", required=True, multiline=True)
        self._transferred(ctx=ctx, from_department=str(ctx.actor.department), to_department=target.value,
                          reason=reason)

    @event("Transferred")
    def _transferred(self, ctx: Context, from_department: str, to_department: str, reason: str) -> None:
        """转办: the task passed from one department to another, with the reason."""
        self.departments = sorted({*self.departments, to_department} - {from_department})
        self.assignees.pop(from_department, None)
        self.acknowledged_by = [d for d in self.acknowledged_by if d != from_department]
        self.assisting = [d for d in self.assisting if d != to_department]
        if not self.acknowledged_by and self.status == AlertStatus.ACKNOWLEDGED:
            self.status = AlertStatus.OPEN

    def request_assistance(self, ctx: Context, *, department: str, note: str) -> None:
        """协办: the department asks another to help; the helper sees the task and may acknowledge it."""
        self._ensure_open()
        self._ensure_owner(ctx)
        helper = _working_department(department, "a task cannot be helped by")
        if helper.value in self.departments or helper.value in self.assisting:
            raise RuleViolation(f"{helper.value} already works on the task")
        note = checked_text(note, "note", required=True, multiline=True)
        self._assistance_requested(ctx=ctx, department=helper.value, note=note)

    @event("AssistanceRequested")
    def _assistance_requested(self, ctx: Context, department: str, note: str) -> None:
        """协办: a department was asked to help with the task."""
        self.assisting = [*self.assisting, department]

    def remind(self, ctx: Context) -> None:
        """The rules remind the task's owners, once, that its deadline is near."""
        self._ensure_open()
        if self.due_on is None or self.reminded_on is not None:
            raise RuleViolation("the task has no deadline to remind of, or was reminded")
        self._reminded(ctx=ctx, due_on=self.due_on, departments=list(self.departments),
                       assignees=dict(self.assignees))

    @event("Reminded")
    def _reminded(self, ctx: Context, due_on: date, departments: list[str], assignees: dict[str, str]) -> None:
        """到期提醒: the task's owners (and officers in charge) were reminded that it is due on ``due_on``."""
        self.reminded_on = ctx.occurred_on

    def escalate(self, ctx: Context) -> None:
        """督办: the task passed its deadline unresolved; the district's civil affairs and the street's
        leadership join its owners."""
        self._ensure_open()
        if self.due_on is None or ctx.occurred_on <= self.due_on:
            raise RuleViolation("the task is not overdue")
        if self.escalated_on is not None:
            raise RuleViolation("the task was already escalated")
        added = [d.value for d in ESCALATION_DEPARTMENTS if d.value not in self.departments]
        self._escalated(ctx=ctx, due_on=self.due_on, added=added)

    @event("Escalated")
    def _escalated(self, ctx: Context, due_on: date, added: list[str]) -> None:
        """督办: an overdue task escalated to civil affairs and the street office, who now own it too."""
        self.escalated_on = ctx.occurred_on
        self.departments = sorted({*self.departments, *added})
        self.assisting = [d for d in self.assisting if d not in added]

    def resolve(self, ctx: Context, *, resolution: str) -> None:
        """办结: the alert is dealt with; the resolution says how."""
        if self.status == AlertStatus.RESOLVED:
            raise RuleViolation("the alert is already resolved")
        # The rules themselves close an alert whose cause a later fact removed.
        if ctx.actor.department not in self.departments and ctx.actor.department != Department.SYSTEM:
            raise RuleViolation(f"the alert is for {', '.join(self.departments)}")
        self._resolved(ctx=ctx, resolution=checked_text(resolution, "resolution", required=True, multiline=True))

    @event("Resolved")
    def _resolved(self, ctx: Context, resolution: str) -> None:
        """办结: the alert was resolved."""
        self.status = AlertStatus.RESOLVED

    # -- proposals: a proposal carries the command it proposes; a department accepts or declines it -------

    def ensure_open_proposal(self, ctx: Context) -> dict[str, Any]:
        """The proposal, if it may still be decided by the caller's department."""
        if self.proposal is None:
            raise InvalidInput("that alert proposes nothing: acknowledge or resolve it")
        if self.decision is not None:
            raise RuleViolation(f"the proposal is already {self.decision}")
        if self.status == AlertStatus.RESOLVED:
            raise RuleViolation("the proposal is already resolved")
        if ctx.actor.department not in self.departments:
            raise RuleViolation(f"the proposal is for {', '.join(self.departments)}")
        return self.proposal

    def accept(self, ctx: Context, *, recorded: list[str]) -> None:
        """采纳: the proposed command was recorded (its events named)."""
        self.ensure_open_proposal(ctx)
        self._proposal_accepted(ctx=ctx, recorded=list(recorded),
                                resolution=f"采纳建议：{self.proposal_command}")

    @property
    def proposal_command(self) -> str:
        return str((self.proposal or {}).get("command", ""))

    @event("ProposalAccepted")
    def _proposal_accepted(self, ctx: Context, recorded: list[str], resolution: str) -> None:
        """采纳建议: a department accepted the proposal; the events it recorded are named."""
        self.status = AlertStatus.RESOLVED
        self.decision = "accepted"

    def decline(self, ctx: Context, *, reason: str, exemption_document: str | None = None) -> None:
        """不予采纳, with the reason; ``exemption_document``: the supervising unit's written certification that
        the organization bears no direct responsibility (民政部令第60号 第十一条), by its document number."""
        proposal = self.ensure_open_proposal(ctx)
        reason = checked_text(reason, "reason", required=True)
        if exemption_document is not None:
            if proposal.get("list") is None:
                raise InvalidInput("the exemption applies to a credit-list proposal only")
            exemption_document = checked_text(exemption_document, "document number", required=True)
        self._proposal_declined(ctx=ctx, reason=reason, exemption_document=exemption_document,
                                resolution=f"不予采纳：{reason}")

    @event("ProposalDeclined")
    def _proposal_declined(self, ctx: Context, reason: str, exemption_document: str | None, resolution: str) -> None:
        """不予采纳: a department declined the proposal, saying why (and citing an exemption's document)."""
        self.status = AlertStatus.RESOLVED
        self.decision = "declined"
