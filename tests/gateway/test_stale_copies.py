"""The gateway checks a command's organization on its cached copy, which another process may have left
behind the store: the command is then checked and decided again on the organization as stored, never
answered with a conflict the client did not cause, and nothing the other process recorded is lost."""

from __future__ import annotations

from datetime import date

from domain.context import Actor, Context
from gateway.storage import open_application
from tests.gateway.conftest import HUB, Gateway

COUNT = """mutation($id: ID!, $n: Int!) { countPartyMembers(command: {reason: "年度党员统计",
  occurredOn: "2026-11-20"}, organizationId: $id, members: $n) { eventIds } }"""


def test_a_command_on_an_organization_another_process_changed_is_checked_and_decided_again(
        fresh_gateway: Gateway) -> None:
    gateway = fresh_gateway
    org_id = gateway.org_id(HUB)
    first = gateway.data("party-liu", COUNT, {"id": org_id, "n": 11})["countPartyMembers"]["eventIds"]
    version = int(first[0].rsplit("/", 1)[1])  # the gateway's cache holds the organization at this version
    other = open_application(gateway.settings)  # another server process on the same store
    try:
        other.count_party_members(Context(Actor("party-1", "party-liu", "party_building", "officer"),
                                          "另一进程", date(2026, 11, 20)), org_id, members=12)
    finally:
        other.close()
    answer = gateway.call("party-liu", COUNT, {"id": org_id, "n": 13})
    assert answer.get("errors") is None, answer
    assert answer["data"]["countPartyMembers"]["eventIds"] == [f"{org_id}/{version + 2}"]
    counts = [e.data["members"] for e in gateway.app.history(org_id) if e.type.endswith("PartyMembersCounted")]
    assert counts[-3:] == [11, 12, 13]


AWARD = """mutation($id: ID!) { awardFunding(command: {reason: "政府购买服务", occurredOn: "2026-11-20"},
  input: {organizationId: $id, purchasingUnit: "渝中区民政局", projectName: "社区养老服务", amount: "50000.00",
  periodStart: "2026-12-01", periodEnd: "2027-11-30"}) { eventIds } }"""


def test_funding_is_refused_to_an_organization_another_process_deregistered(fresh_gateway: Gateway) -> None:
    # Funding saves only the new project, so no version collides: the gateway's cached copy of the
    # organization, behind the store, is checked against it before anything is saved.
    gateway = fresh_gateway
    org_id = gateway.org_id(HUB)
    gateway.data("party-liu", COUNT, {"id": org_id, "n": 11})  # the gateway's cache holds the organization
    other = open_application(gateway.settings)
    try:
        other.deregister(Context(Actor("ca-1", "ca-zhang", "civil_affairs", "officer"), "注销登记",
                                 date(2026, 11, 20)), org_id, liquidation_completed_on=date(2026, 11, 1))
    finally:
        other.close()
    answer = gateway.call("fin-chen", AWARD, {"id": org_id})
    assert answer["data"] is None
    assert "no funding" in answer["errors"][0]["message"] and "deregistered" in answer["errors"][0]["message"]
    assert not any("社区养老服务" in str(e.data) for e in gateway.app.history(org_id))  # no project recorded
