"""The district scope and the object rules read the views and the event store with SQL of their own: the
same answers on both stores (SQLite, PostgreSQL), with jiangbei's street of the same name as yuzhong's."""

from __future__ import annotations

import uuid
from pathlib import Path

from gateway.settings import Settings
from tests.gateway.conftest import _gateway, seed_jiangbei

OVERVIEW = ("query($district: String) { streetOverview(street: \"shangqingsi\", district: $district)"
            " { organizations openInspections funding { awarded } creditListed { organizationId } } }")
FINDINGS = """mutation($case: ID!) { recordInspectionFindings(command: {reason: "检查发现", occurredOn: "2026-11-20"},
  caseId: $case, findings: "账目清楚", problemsFound: false) { eventIds } }"""


def test_each_shangqingsi_keeps_to_its_district_on_both_stores(settings: Settings, tmp_path: Path) -> None:
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url):
        jiangbei = seed_jiangbei(gw)
        district_of = {org_id: gw.app.organization(org_id).district for org_id in gw.app.organization_ids()}
        for user, district, finance in (("sqs-li", "yuzhong", "fin-chen"), ("jb-sqs-zhou", "jiangbei", "jb-fin-zheng")):
            listed = gw.data(user, "{ organizations(first: 200) { edges { node { id } } } alerts(first: 200)"
                                   " { alerts { organizationId } } inspectionCases(first: 200) { organizationId } }")
            orgs = {e["node"]["id"] for e in listed["organizations"]["edges"]}
            alerts = {a["organizationId"] for a in listed["alerts"]["alerts"]}
            cases = {c["organizationId"] for c in listed["inspectionCases"]}
            assert orgs and alerts and cases, user
            assert {district_of[o] for o in orgs | alerts | cases} == {district}, user
            projects = gw.data(finance, "{ fundingProjects(first: 200) { organizationId } }")["fundingProjects"]
            assert projects and {district_of[p["organizationId"]] for p in projects} == {district}, finance
            own = gw.data(user, OVERVIEW)["streetOverview"]
            assert own == gw.data("audit-qian", OVERVIEW, {"district": district})["streetOverview"], user
        # The tax office of yuzhong cannot find jiangbei's tax case; jiangbei's finds it and records.
        out_of_reach = gw.call("tax-he", FINDINGS, {"case": jiangbei["tax_case"]})["errors"][0]
        made_up = gw.call("tax-he", FINDINGS, {"case": str(uuid.uuid4())})["errors"][0]
        assert out_of_reach == made_up and out_of_reach["message"] == "no such inspection case"
        assert gw.data("jb-tax-yang", FINDINGS, {"case": jiangbei["tax_case"]})["recordInspectionFindings"]["eventIds"]
