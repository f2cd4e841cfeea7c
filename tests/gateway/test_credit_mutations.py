"""The credit system's mutations over GraphQL: a partner's penalty proposed to civil affairs, declined; bad input
(accepting a declined proposal, an objection to a listing not in force, an exit before its date) answered with
BAD_USER_INPUT and its reason, and nothing recorded."""

from __future__ import annotations

import time
from uuid import UUID

from domain.alerts import Alert, AlertRule

MINYUE = "重庆市民悦社会工作服务中心"
C = '{reason: "依法办理", occurredOn: "2026-11-20"}'


def refused(gateway, user: str, mutation: str, variables: dict, watched: list[str]) -> str:
    """The error's message; nothing recorded on the ``watched`` aggregates (the server's rules write beside)."""
    versions = [gateway.app.repository.get(UUID(i)).version for i in watched]
    body = gateway.call(user, mutation, variables)
    assert [gateway.app.repository.get(UUID(i)).version for i in watched] == versions
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return error["message"]


def proposal_raised(gateway, event_id: str) -> str:
    alert_id = Alert.create_id(AlertRule.PARTNER_PENALTY, event_id)
    for _ in range(200):  # the server's rules run beside it
        if alert_id in gateway.app.repository:
            return str(alert_id)
        time.sleep(0.05)
    raise AssertionError("the rules raised no proposal")


def test_a_declined_proposal_is_not_accepted_and_bad_credit_input_is_refused_with_its_reason(fresh_gateway):
    gateway = fresh_gateway
    org = gateway.org_id(MINYUE)
    fined = gateway.data("tax-he", f"""mutation($org: ID!) {{ imposePenalty(command: {C}, organizationId: $org,
        kind: "fine", amount: "50000.00") {{ eventIds }} }}""", {"org": org})["imposePenalty"]["eventIds"][0]
    alert_id = proposal_raised(gateway, fined)

    gateway.data("ca-zhang", f"""mutation($a: ID!) {{ declineProposal(command: {C}, alertId: $a,
        reason: "业务主管单位证明不负直接责任", exemptionDocument: "渝中民发〔2026〕7号") {{ eventIds }} }}""",
                 {"a": alert_id})

    assert "already declined" in refused(gateway, "ca-zhang", f"""mutation($a: ID!) {{
        acceptProposal(command: {C}, alertId: $a) {{ eventIds }} }}""", {"a": alert_id}, [alert_id, org])
    assert "no listing" in refused(gateway, "ca-zhang", f"""mutation($org: ID!) {{ fileObjection(command: {C},
        organizationId: $org, listingEvent: "{org}/1", documents: "异议申请书") {{ eventIds }} }}""", {"org": org}, [org])
    gateway.data("ca-zhang", f"""mutation($org: ID!) {{ imposePenalty(command: {C}, organizationId: $org,
        kind: "stop_activities", stopDays: 30) {{ eventIds }} }}""", {"org": org})
    assert "until 2028-11-20" in refused(gateway, "ca-zhang", f"""mutation($org: ID!) {{
        removeFromSeriousList(command: {C}, organizationId: $org) {{ eventIds }} }}""", {"org": org}, [org])


def test_civil_affairs_accepts_a_partners_proposal_and_the_listing_cites_it(fresh_gateway):
    gateway = fresh_gateway
    org = gateway.org_id(MINYUE)
    stopped = gateway.data("mr-xu", f"""mutation($org: ID!) {{ imposePenalty(command: {C}, organizationId: $org,
        kind: "stop_activities", stopDays: 15) {{ eventIds }} }}""", {"org": org})["imposePenalty"]["eventIds"][0]
    alert_id = proposal_raised(gateway, stopped)

    accepted = gateway.data("ca-zhang", f"""mutation($a: ID!) {{ acceptProposal(command: {C}, alertId: $a) {{
        eventIds }} }}""", {"a": alert_id})["acceptProposal"]["eventIds"]

    listing = [e for e in gateway.app.history(org) if e.aggregate_id == org][-1]  # not the alerts naming it
    assert listing.event_id in accepted and listing.type == "Organization.AddedToSeriousList"
    assert (listing.data["ground"], listing.data["proposal_id"], listing.data["causes"]) == (
        "ordered_to_stop_activities", alert_id, [stopped])


def test_the_public_sees_each_listing_as_published_and_the_good_credit_mark(gateway):
    drummers = gateway.org_id("春森腰鼓队")
    data = gateway.data(None, """query($id: ID!) { organization(id: $id) { goodCredit creditListings {
        list ground groundWords listedOn authority legalBasis removedOn } } }""", {"id": drummers})["organization"]

    assert data["goodCredit"] is False
    minyue = gateway.data(None, "query($id: ID!) { organization(id: $id) { grade goodCredit } }",
                          {"id": gateway.org_id(MINYUE)})["organization"]
    assert minyue == {"grade": "4A", "goodCredit": True}  # graded 4A, never listed
    [listing] = [entry for entry in data["creditListings"] if entry["removedOn"] is None]
    assert (listing["list"], listing["ground"], listing["groundWords"], listing["authority"], listing["legalBasis"]) == (
        "abnormal", "rectification_overdue", "未按期完成整改", "区民政局", "《社会组织信用信息管理办法》第十条第（三）项")


def test_an_annulled_penalty_is_no_longer_shown_to_the_public_but_stays_in_the_registry(fresh_gateway):
    gw = fresh_gateway
    org = gw.org_id(MINYUE)
    impose = """mutation($id: ID!) { imposePenalty(command: {reason: "逾期申报", occurredOn: "2026-11-20",
                waitForView: "civil_affairs_registry"}, organizationId: $id, kind: "warning") { eventIds } }"""
    gw.data("tax-he", impose, {"id": org})
    penalties = "query($id: ID!) { organization(id: $id) { penalties { id kind } } }"
    wait = {"id": org}
    [penalty] = [p for p in gw.data("ca-zhang", penalties, wait)["organization"]["penalties"] if p["kind"] == "warning"]
    annul = f"""mutation($id: ID!, $p: String!) {{ annulPenalty(command: {{reason: "复议撤销", occurredOn: "2026-11-25",
                waitForView: "public_disclosure"}}, organizationId: $id, penaltyId: $p, decision: "渝中府复〔2026〕3号")
                {{ eventIds }} }}"""
    gw.data("tax-he", annul, {"id": org, "p": penalty["id"]})
    public = [p["id"] for p in gw.data(None, penalties, wait)["organization"]["penalties"]]
    officer = [p["id"] for p in gw.data("ca-zhang", penalties, wait)["organization"]["penalties"]]
    assert penalty["id"] not in public  # withdrawn: never published
    assert penalty["id"] in officer  # the registry keeps the record of what was imposed
