"""Joint supervision rules (联合监管规则) that watch the stream: a fact recorded by one department raises
an alert for the others at once. Alerts are events; they and the rules' tracking position commit in one
transaction, so a crash never raises an alert twice or skips one.

Time-based rules (deadlines, the annual report due date, list durations) live in projections.rules.tick.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import EventStore, Tracking

from domain.alerts import RULES_ACTOR, Alert, AlertRule
from domain import clock
from domain.application import RecordedEvent, Supervision
from domain.context import Context, Department
from domain.credit_lists import GROUND_BASIS, AbnormalGround, SeriousGround, list_of, listing_proposal
from domain.funding import FundingProject
from domain.labels import CREDIT_LISTS, DEPARTMENTS, PENALTIES, REVOCATION_GROUNDS, STATUSES, zh
from domain.organization import Organization, OrgStatus
from domain.task_deadlines import task_due_on
from projections.runtime.runner import BATCH_SIZE
from projections.runtime.states import AggregateStates

PARTNER_DEPARTMENTS = frozenset({Department.TAX, Department.MARKET_REGULATION, Department.PUBLIC_SECURITY})
ENDED = frozenset({OrgStatus.DEREGISTERED, OrgStatus.REVOKED, OrgStatus.BANNED, OrgStatus.FILING_CANCELLED})
RULES_NAME = "joint_supervision_rules"


def _listing_words(ground: str) -> str:
    """'列入严重违法失信名单（第十四条第（四）项：受到5万元以上罚款处罚）'."""
    basis = GROUND_BASIS[ground]
    return f"列入{zh(CREDIT_LISTS, list_of(ground))}（{basis.citation}：{basis.words}）"


def rules_context(event: RecordedEvent, reason: str) -> Context:
    occurred_on = event.ctx.occurred_on if event.ctx else event.recorded_at.date()
    return Context(RULES_ACTOR, reason, occurred_on)


class JointSupervisionRules:
    """Reads every event in order, keeps what the rules need to remember, and raises alerts."""

    def __init__(self, app: Supervision, batch_size: int = BATCH_SIZE) -> None:
        self.app = app
        self.batch_size = batch_size
        recorder = app.factory.process_recorder()  # same database: events and tracking in one transaction
        self.tracking = recorder
        self.store = EventStore(mapper=app.mapper, recorder=recorder)
        self.states = AggregateStates(app)
        self.org_versions: dict[str, int] = {}
        self.open_projects: dict[str, set[str]] = defaultdict(set)
        self.project_org: dict[str, str] = {}
        self.party_alerts: dict[str, str] = {}  # organization id -> its open party-organization alert
        self._batch: dict[Any, Alert] = {}  # alerts raised or changed in the batch being processed
        self.position = 0
        self._rules: dict[str, list[Callable[[RecordedEvent, Any], list[Alert]]]] = {
            "FundingProject.Awarded": [self.funding_to_ineligible],
            "FundingProject.TrancheDisbursed": [self.funding_to_ineligible],
            "Organization.RegistrationRevoked": [self.ended_with_open_funding],
            "Organization.Deregistered": [self.ended_with_open_funding],
            "Organization.Banned": [self.ended_with_open_funding],
            "Organization.FilingCancelled": [self.ended_with_open_funding],
            "Organization.PartyMembersCounted": [self.party_organization_missing],
            "Organization.PartyOrganizationSetUp": [self.party_organization_set_up],
            "Organization.PenaltyImposed": [self.partner_penalty],
            "Organization.CourtListedDishonestDebtor": [self.court_dishonest_debtor],
            "Organization.RevocationRequested": [self.revocation_requested],
            "Organization.AddedToAbnormalList": [self.organization_listed],
            "Organization.AddedToSeriousList": [self.organization_listed, self.graded_on_serious_list],
            "InspectionCase.RectificationOverdue": [self.rectification_overdue],
        }
        self._recover()

    # -- running --------------------------------------------------------------------------------

    def _recover(self) -> None:
        """Rebuild the rules' memory by reading, without acting, what was already processed."""
        done = self.tracking.max_tracking_id(RULES_NAME) or 0
        position = 0
        while position < done:
            events = self.app.read_events(position + 1, self.batch_size, stop=done)
            if not events:
                break
            for event in events:
                self._remember(event, self._state(event))
            position = events[-1].position
        self.position = done

    def catch_up(self, until: int | None = None) -> int:
        """Process every new event; return how many were read."""
        read = 0
        while True:
            events = self.app.read_events(self.position + 1, self.batch_size, stop=until)
            if not events:
                return read
            self._batch = {}
            for event in events:
                state = self._state(event)
                for rule in self._rules.get(event.type, ()):
                    for alert in rule(event, state):
                        self._batch.setdefault(alert.id, alert)
                self._remember(event, state)
            last = events[-1].position
            fresh = [a for a in self._batch.values() if a.version > 1 or a.id not in self.app.repository]
            pending = [e for alert in fresh for e in alert.collect_events()]
            tracking = Tracking(RULES_NAME, last)
            if pending:
                self.store.put(pending, tracking=tracking)
            else:
                self.tracking.insert_tracking(tracking)
            self.position = last
            read += len(events)

    def _state(self, event: RecordedEvent) -> Any:
        kind = event.type.split(".")[0]
        if kind in ("Organization", "FundingProject"):
            return self.states.advance(event)
        return None

    def _remember(self, event: RecordedEvent, state: Any) -> None:
        if event.type == "Alert.Raised" and event.data["rule"] == AlertRule.PARTY_ORGANIZATION_MISSING:
            self.party_alerts[event.data["organization_id"]] = event.aggregate_id
        elif event.type == "Alert.Resolved":
            self.party_alerts = {o: a for o, a in self.party_alerts.items() if a != event.aggregate_id}
        if isinstance(state, Organization):
            self.org_versions[event.aggregate_id] = event.version
        elif isinstance(state, FundingProject):
            org_id = str(state.organization_id)
            self.project_org[event.aggregate_id] = org_id
            if state.status == "closed":
                self.open_projects[org_id].discard(event.aggregate_id)
            else:
                self.open_projects[org_id].add(event.aggregate_id)

    def _organization(self, org_id: str) -> Organization:
        """The organization as of the event being processed."""
        state = self.states.latest(org_id)
        if state is not None and state.version == self.org_versions.get(org_id):
            return state
        return self.app.repository.get(UUID(org_id), version=self.org_versions[org_id])

    # -- the rules ------------------------------------------------------------------------------

    def funding_to_ineligible(self, event: RecordedEvent, project: FundingProject) -> list[Alert]:
        """Rule 1: funding awarded or disbursed to a listed, deregistered or revoked organization."""
        org = self._organization(str(project.organization_id))
        problems = []
        if org.on_serious_list:
            problems.append("严重违法失信名单")
        if org.on_abnormal_list:
            problems.append("活动异常名录")
        if org.status in ENDED:
            problems.append(zh(STATUSES, org.status))
        if not problems:
            return []
        verb = "立项" if event.type.endswith("Awarded") else "拨付"
        message = f"{org.name}：项目「{project.project_name}」{verb}时，该组织{'、'.join(problems)}"
        return [self._raise(event, AlertRule.FUNDING_TO_INELIGIBLE, event.event_id, org,
                            message, [Department.FINANCE, Department.CIVIL_AFFAIRS])]

    def ended_with_open_funding(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """Rule 4: revoked, deregistered (or banned) while a funded project is still open."""
        alerts = []
        for project_id in sorted(self.open_projects.get(event.aggregate_id, ())):
            message = f"{org.name}{zh(STATUSES, org.status)}，仍有未结项的政府购买服务项目，财政须停止拨付"
            alerts.append(self._raise(
                event, AlertRule.ENDED_WITH_OPEN_FUNDING, f"{project_id}:{event.event_id}", org, message,
                [Department.FINANCE, Department.CIVIL_AFFAIRS], proposal={"command": "suspend_funding",
                                                                         "project_id": project_id},
            ))
        return alerts

    def party_organization_missing(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """Rule 5: three or more party members and no party organization."""
        minimum = self.app.settings.party_single_min_members
        if org.party_members < minimum or org.party_organization is not None or org.status in ENDED:
            return []
        if event.aggregate_id in self.party_alerts:
            return []  # one open alert per organization: a new count is no new news
        message = f"{org.name}有党员{org.party_members}名，尚未建立党组织"
        alert = self._raise(event, AlertRule.PARTY_ORGANIZATION_MISSING, event.event_id, org, message,
                            [Department.PARTY_BUILDING, Department.STREET_OFFICE])
        self.party_alerts[event.aggregate_id] = str(alert.id)
        return [alert]

    def party_organization_set_up(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """Rule 5 resolved: the party organization now exists, so its open alert is closed by the rules."""
        alert_id = self.party_alerts.pop(event.aggregate_id, None)
        if alert_id is None:
            return []
        alert = self._batch.get(UUID(alert_id)) or self.app.repository.get(UUID(alert_id))
        if alert.status == "resolved":
            return []
        alert.resolve(rules_context(event, "党组织已建立"), resolution=f"党组织已建立（{event.event_id}）")
        return [alert]

    def partner_penalty(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """Rule 6: a penalty from another department reaches civil affairs and the street, with a proposal for
        each list and ground it is (civil affairs' own penalty lists in its own command)."""
        if event.ctx is None or event.ctx.actor.department == Department.CIVIL_AFFAIRS:
            return []
        department = event.ctx.actor.department
        grounds = org.penalty_listing_grounds(event.data["penalty_id"], self.app.settings)
        if not grounds and department not in PARTNER_DEPARTMENTS:
            return []
        amount = event.data.get("amount")
        detail = zh(PENALTIES, event.data["kind"]) + (f" {amount} 元" if amount is not None else "")
        message = f"{org.name}受到{zh(DEPARTMENTS, department)}处罚：{detail}"
        to = [Department.CIVIL_AFFAIRS, Department.STREET_OFFICE]
        if not grounds:
            return [self._raise(event, AlertRule.PARTNER_PENALTY, event.event_id, org, message, to)]
        return [self._raise(event, AlertRule.PARTNER_PENALTY, event.event_id + (f":{ground}" if n else ""), org,
                            f"{message}，建议{_listing_words(ground)}", to, proposal=listing_proposal(ground))
                for n, (_, ground) in enumerate(grounds)]

    def court_dishonest_debtor(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """The court's notice of 失信被执行人: a serious-list proposal to civil affairs."""
        ground = SeriousGround.COURT_DISHONEST_DEBTOR
        message = f"{org.name}被人民法院纳入失信被执行人名单（{event.data['notice']}），建议{_listing_words(ground)}"
        return [self._raise(event, AlertRule.COURT_DISHONEST_DEBTOR, event.event_id, org, message,
                            [Department.CIVIL_AFFAIRS, Department.STREET_OFFICE], proposal=listing_proposal(ground))]

    def revocation_requested(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """撤销登记建议: another department's request reaches civil affairs (and the street) as a proposal to revoke,
        which civil affairs accepts (revoking, and listing as its own revocation does) or declines with a reason."""
        if org.status != OrgStatus.REGISTERED:
            return []  # revoked or ended since the request: nothing is left to propose
        department = zh(DEPARTMENTS, event.ctx.actor.department) if event.ctx else "有关部门"
        message = (f"{department}建议撤销{org.name}的登记（{zh(REVOCATION_GROUNDS, event.data['ground'])}）："
                   f"{event.data['facts']}")
        return [self._raise(event, AlertRule.REVOCATION_REQUESTED, event.event_id, org, message,
                            [Department.CIVIL_AFFAIRS, Department.STREET_OFFICE],
                            proposal={"command": "revoke_registration", "ground": event.data["ground"]})]

    def graded_on_serious_list(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """联合惩戒: a graded organization entered on the serious list; civil affairs is proposed to cancel the
        grade (or declines, and lowers it by hand)."""
        if org.grade is None or org.serious_listing is None or len(org.serious_listing.grounds) > 1:
            return []  # ungraded, or a new ground of a spell already proposed
        message = f"{org.name}列入严重违法失信名单，持有评估等级{org.grade}A，建议取消或降低评估等级"
        return [self._raise(event, AlertRule.GRADED_ON_SERIOUS_LIST, event.event_id, org, message,
                            [Department.CIVIL_AFFAIRS], proposal={"command": "cancel_grade"})]

    def rectification_overdue(self, event: RecordedEvent, _: Any) -> list[Alert]:
        """Rule 2: a rectification deadline passed unconfirmed: inspection, and a list proposal to civil affairs."""
        case = self.app.repository.get(UUID(event.aggregate_id), version=event.version)
        org = self._organization(str(case.organization_id))
        message = f"{org.name}未在{event.data['deadline']}前完成整改"
        return [self._raise(event, AlertRule.RECTIFICATION_OVERDUE, event.event_id, org, message,
                            [Department.INSPECTION, Department.CIVIL_AFFAIRS, Department.STREET_OFFICE],
                            proposal=listing_proposal(AbnormalGround.RECTIFICATION_OVERDUE))]

    def organization_listed(self, event: RecordedEvent, org: Organization) -> list[Alert]:
        """The street is told the day one of its organizations is put on a list, whoever listed it."""
        message = f"{org.name}被{_listing_words(event.data['ground'])}"  # every listing names its ground
        return [self._raise(event, AlertRule.ORGANIZATION_LISTED, event.event_id, org, message,
                            [Department.STREET_OFFICE])]

    def _raise(
        self, event: RecordedEvent, rule: AlertRule, subject: str, org: Organization, message: str,
        departments: list[Department], proposal: dict[str, Any] | None = None,
    ) -> Alert:
        # The deadline counts from the day the rule raised it (the departments cannot act earlier), not
        # from the business date of its cause, which may be long past.
        return Alert.raise_alert(
            rules_context(event, message[:400]), rule=rule, subject=subject, organization_id=str(org.id),
            message=message, departments=list(departments), causes=[event.event_id], proposal=proposal,
            due_on=task_due_on(rule, clock.today(), self.app.settings),
        )

