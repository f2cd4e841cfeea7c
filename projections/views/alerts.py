"""联合监管预警: the joint supervision alerts and proposals, with the street of the organization each concerns
so every department sees the alerts addressed to it within its jurisdiction."""

from __future__ import annotations

import json

from domain.alerts import Alert
from domain.application import RecordedEvent
from domain.organization import Organization
from projections.runtime.db import Tx
from projections.views.base import View, handles, iso


class AlertsView(View):
    name = "joint_alerts"
    title = "联合监管预警"
    tables = {
        "alerts": "alert_id TEXT PRIMARY KEY, rule TEXT NOT NULL, org_id TEXT NOT NULL, org_name TEXT,"
                  " street TEXT, message TEXT NOT NULL, departments TEXT NOT NULL, causes TEXT NOT NULL,"
                  " proposal TEXT, status TEXT NOT NULL, raised_on TEXT NOT NULL, raised_at TEXT NOT NULL,"
                  " raised_position BIGINT NOT NULL, acknowledged_by TEXT NOT NULL, resolved_on TEXT,"
                  " resolution TEXT",
        "organizations": "org_id TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, street TEXT NOT NULL",
    }
    keys = {"alerts": "alert_id", "organizations": "org_id"}
    indexes = {"alerts": ("org_id",)}
    json_columns = {"alerts": ("proposal",)}

    @handles("Organization.Registered", "Organization.Filed", "Organization.RegistrationChanged",
             "Organization.FilingChanged")
    def organization_named(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert(tx, "organizations", {"org_id": event.aggregate_id, "name": org.name, "district": org.district,
                                          "street": org.street}, ["org_id"])
        self.follow_rename(tx, event, org, "alerts")  # a new organization has no alerts yet

    @handles("Alert.Raised")
    def raised(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        self.upsert(tx, "alerts", {
            "alert_id": event.aggregate_id, "rule": alert.rule, "org_id": alert.organization_id,
            "org_name": self.organization_column(tx, alert.organization_id, "name"),
            "street": self.organization_column(tx, alert.organization_id, "street"),
            "message": alert.message, "departments": ",".join(alert.departments), "causes": ",".join(alert.causes),
            "proposal": json.dumps(alert.proposal, ensure_ascii=False, sort_keys=True) if alert.proposal else None,
            "status": alert.status.value, "raised_on": iso(alert.raised_on), "raised_at": iso(event.recorded_at),
            "raised_position": event.position, "acknowledged_by": "", "resolved_on": None, "resolution": None,
        }, ["alert_id"])

    @handles("Alert.Acknowledged")
    def acknowledged(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        tx.update(self.t("alerts"), {"status": alert.status.value, "acknowledged_by": ",".join(alert.acknowledged_by)},
                  {"alert_id": event.aggregate_id})

    @handles("Alert.Resolved", "Alert.ProposalAccepted", "Alert.ProposalDeclined")
    def resolved(self, tx: Tx, event: RecordedEvent, alert: Alert) -> None:
        tx.update(self.t("alerts"), {"status": alert.status.value,
                                     "resolved_on": iso(event.ctx.occurred_on) if event.ctx else None,
                                     "resolution": event.data["resolution"]}, {"alert_id": event.aggregate_id})
