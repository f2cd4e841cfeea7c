"""联合监管预警 and 督办: the joint supervision alerts and proposals, each a task, with the place of the
organization it concerns so every department sees its tasks within its jurisdiction, and the street every
task about its organizations.

``alerts`` holds one row per task; ``task_parties`` one row per department that owns it, helps with it or
once did (relation "none" after a transfer), with the task's state copied so that a department's open tasks,
soonest due first, are one index range, and its counts are read from that index alone; ``task_actions`` the task's history, one row per event."""

from __future__ import annotations

import json
from typing import Any

from domain.alerts import Alert
from domain.application import RecordedEvent
from domain.organization import Organization
from projections.runtime.db import Tx
from projections.views.base import View, handles, iso

NO_DEADLINE = "9999-12-31"  # sorts after every date on either store (NULLs do not sort alike)

# The task's action for each event, as the history shows it.
ACTIONS = {
    "Alert.Raised": "raised", "Alert.Acknowledged": "acknowledged", "Alert.Assigned": "assigned",
    "Alert.Transferred": "transferred", "Alert.AssistanceRequested": "assistance_requested",
    "Alert.Reminded": "reminded", "Alert.Escalated": "escalated", "Alert.Resolved": "resolved",
    "Alert.ProposalAccepted": "accepted", "Alert.ProposalDeclined": "declined",
}


class AlertsView(View):
    name = "joint_alerts"
    title = "联合监管预警与督办"
    tables = {
        "alerts": "alert_id TEXT PRIMARY KEY, rule TEXT NOT NULL, org_id TEXT NOT NULL, org_name TEXT,"
                  " district TEXT, street TEXT, community TEXT, message TEXT NOT NULL, departments TEXT NOT NULL,"
                  " assisting TEXT NOT NULL, assignees TEXT NOT NULL, causes TEXT NOT NULL, proposal TEXT,"
                  " decision TEXT, status TEXT NOT NULL, open BIGINT NOT NULL, due_on TEXT, due_key TEXT NOT NULL,"
                  " reminded_on TEXT, escalated_on TEXT, raised_on TEXT NOT NULL, raised_at TEXT NOT NULL,"
                  " raised_position BIGINT NOT NULL, updated_position BIGINT NOT NULL, acknowledged_by TEXT NOT NULL,"
                  " resolved_on TEXT, resolution TEXT",
        "task_parties": "alert_id TEXT NOT NULL, department TEXT NOT NULL, relation TEXT NOT NULL, assignee TEXT,"
                        " district TEXT, street TEXT, open BIGINT NOT NULL, due_key TEXT NOT NULL, status TEXT NOT NULL,"
                        " PRIMARY KEY (alert_id, department)",
        "task_actions": "position BIGINT PRIMARY KEY, alert_id TEXT NOT NULL, action TEXT NOT NULL,"
                        " department TEXT, actor TEXT, detail TEXT, occurred_on TEXT, recorded_at TEXT NOT NULL",
        "organizations": "org_id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, street TEXT NOT NULL,"
                         " community TEXT",
    }
    keys = {"alerts": "alert_id", "task_parties": "alert_id, department", "task_actions": "position",
            "organizations": "org_id"}
    # In the tasks' order (open first, soonest due first: gateway/graphql/task_rows.py order), so that a page is
    # the first rows of one index range, not a sort of every task in the caller's scope; each index ends with
    # what the counts read, so that counts are read from the index alone.
    indexes = {
        "alerts": ("org_id", "district, street, open DESC, due_key, alert_id, status",
                   "district, open DESC, due_key, alert_id, status", "open DESC, due_key, alert_id, status",
                   "updated_position"),
        "task_parties": ("department, district, street, open DESC, due_key, alert_id, relation, status",
                         "department, district, open DESC, due_key, alert_id, relation, status",
                         "assignee, department, district, open DESC, due_key, alert_id, relation, status, street"),
        "task_actions": ("alert_id",),
    }
    json_columns = {"alerts": ("proposal", "assignees"), "task_actions": ("detail",)}

    @handles("Organization.Registered", "Organization.Filed", "Organization.RegistrationChanged",
             "Organization.FilingChanged")
    def organization_named(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        place = {"district": org.district, "street": org.street, "community": org.community}
        self.upsert(tx, "organizations", {"org_id": event.aggregate_id, "name": org.name, **place}, ["org_id"])
        self.follow_rename(tx, event, org, "alerts")  # a new organization has no alerts yet; its place never moves

    @handles("Alert.Raised")
    def raised(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        org = alert.organization_id
        self.upsert(tx, "alerts", {
            "alert_id": event.aggregate_id, "rule": alert.rule, "org_id": org,
            "org_name": self.organization_column(tx, org, "name"),
            "district": self.organization_column(tx, org, "district"),
            "street": self.organization_column(tx, org, "street"),
            "community": self.organization_column(tx, org, "community"),
            "message": alert.message, "causes": ",".join(alert.causes),
            "proposal": json.dumps(alert.proposal, ensure_ascii=False, sort_keys=True) if alert.proposal else None,
            "raised_on": iso(alert.raised_on), "raised_at": iso(event.recorded_at), "raised_position": event.position,
            "resolved_on": None, "resolution": None, **self._state(event, alert),
        }, ["alert_id"])
        self._parties(tx, event, alert)
        self._action(tx, event)

    @handles("Alert.Acknowledged", "Alert.Assigned", "Alert.Transferred", "Alert.AssistanceRequested",
             "Alert.Reminded", "Alert.Escalated")
    def worked(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        tx.update(self.t("alerts"), self._state(event, alert), {"alert_id": event.aggregate_id})
        self._parties(tx, event, alert)
        self._action(tx, event)

    @handles("Alert.Resolved", "Alert.ProposalAccepted", "Alert.ProposalDeclined")
    def resolved(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        tx.update(self.t("alerts"), {**self._state(event, alert),
                                     "resolved_on": iso(event.ctx.occurred_on) if event.ctx else None,
                                     "resolution": event.data["resolution"]}, {"alert_id": event.aggregate_id})
        self._parties(tx, event, alert)
        self._action(tx, event)

    # -- the copies of a task's state ---------------------------------------------------------------------

    @staticmethod
    def _state(event: RecordedEvent, alert: Alert) -> dict[str, Any]:
        return {
            "departments": ",".join(alert.departments), "assisting": ",".join(alert.assisting),
            "assignees": json.dumps(alert.assignees, ensure_ascii=False, sort_keys=True),
            "decision": alert.decision, "status": alert.status.value, "open": _open(alert),
            "due_on": iso(alert.due_on), "due_key": _due_key(alert), "reminded_on": iso(alert.reminded_on),
            "escalated_on": iso(alert.escalated_on), "updated_position": event.position,
            "acknowledged_by": ",".join(alert.acknowledged_by),
        }

    def _parties(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        """Every department's row of the task: owners, helpers, and one that transferred it away."""
        assignees = alert.assignees
        relations = {d: "owner" for d in alert.departments}
        relations.update({d: "assisting" for d in alert.assisting if d not in relations})
        if event.type == "Alert.Transferred":
            relations.setdefault(event.data["from_department"], "none")
        # The place goes into the rows of departments this event adds; the others have it already (looking it
        # up for every event was a query each on a rebuild, where the runner holds few organizations).
        added = _added(event, relations)
        place = {} if not added else {"district": self.organization_column(tx, alert.organization_id, "district"),
                                      "street": self.organization_column(tx, alert.organization_id, "street")}
        for department, relation in relations.items():
            self.upsert(tx, "task_parties", {
                "alert_id": event.aggregate_id, "department": department, "relation": relation,
                "assignee": assignees.get(department), **(place if department in added else {}),
                "open": _open(alert) if relation != "none" else 0, "due_key": _due_key(alert),
                "status": alert.status.value},
                ["alert_id", "department"])

    def _action(self, tx: Tx, event: RecordedEvent) -> None:
        ctx = event.ctx
        detail = {k: v for k, v in event.data.items()
                  if k in ("assignee", "from_department", "to_department", "reason", "department", "note",
                           "resolution", "due_on", "added", "recorded")}
        self.insert_event_row(tx, "task_actions", {
            "position": event.position, "alert_id": event.aggregate_id, "action": ACTIONS[event.type],
            "department": str(ctx.actor.department) if ctx else None, "actor": ctx.actor.username if ctx else None,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            "occurred_on": iso(ctx.occurred_on) if ctx else None, "recorded_at": iso(event.recorded_at),
        })


def _added(event: RecordedEvent, relations: dict[str, str]) -> set[str]:
    """The departments whose row of the task this event makes."""
    if event.type == "Alert.Raised":
        return set(relations)
    if event.type == "Alert.Transferred":
        return {event.data["to_department"]}
    if event.type == "Alert.AssistanceRequested":
        return {event.data["department"]}
    if event.type == "Alert.Escalated":
        return set(event.data["added"])
    return set()


def _open(alert: Alert) -> int:
    return 0 if alert.status.value == "resolved" else 1


def _due_key(alert: Alert) -> str:
    return iso(alert.due_on) or NO_DEADLINE

