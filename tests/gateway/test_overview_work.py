"""What the dashboard's overview and timeline read, on both stores: every figure of a street's overview equals
the sum of its breakdown, for every demo street; the alerts of one street, open ones only; alerts in English;
the `changed` feed of a street; an organization's history by the date each event took effect, in a date range,
a page at a time."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from domain.alerts import AlertRule
from gateway.graphql.alert_words import SENTENCES, english
from gateway.settings import Settings
from tests.gateway.conftest import HUB, Gateway, _gateway

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
OVERVIEW = """query($street: String!, $district: String) { streetOverview(street: $street, district: $district) {
  organizations ended byKind { key count } byStatus { key count } byCategory { key count } byCommunity { key count }
  byEndedStatus { key count } party { activeOrganizations } creditListed { organizationId } } }"""
HISTORY = """query($id: ID!, $first: Int!, $skip: Int, $after: String, $order: HistoryOrder, $from: Date, $to: Date) {
  organizationHistory(id: $id, first: $first, skip: $skip, after: $after, order: $order, from: $from, to: $to) {
    totalCount pageInfo { hasNextPage endCursor } events { position occurredOn recordedAt } } }"""
ALERTS = """query($open: Boolean!, $street: String) { alerts(first: 200, openOnly: $open, street: $street) {
  alerts { id status street organizationId organizationName message messageEn } } }"""
ACCEPT = """mutation($alert: ID!) { acceptProposal(command: {reason: "采纳建议", occurredOn: "2026-11-20"},
  alertId: $alert) { eventIds } }"""
LIST = """mutation($org: ID!) { addToAbnormalList(command: {reason: "住所无法联系", occurredOn: "2026-11-20"},
  organizationId: $org, ground: "unreachable_at_domicile") { eventIds } }"""


def _sum(counts: list[dict[str, Any]]) -> int:
    return sum(item["count"] for item in counts)


def _figures_agree(overview: dict[str, Any]) -> None:
    active = overview["organizations"]
    for breakdown in ("byKind", "byStatus", "byCategory", "byCommunity"):
        assert _sum(overview[breakdown]) == active, (breakdown, overview)
    assert overview["party"]["activeOrganizations"] == active
    assert _sum(overview["byEndedStatus"]) == overview["ended"]


def _took_effect(event: dict[str, Any]) -> str:
    return event["occurredOn"] or event["recordedAt"][:10]


def _history(gw: Gateway, org: str, **asked: Any) -> dict[str, Any]:
    return gw.data("sqs-li", HISTORY, {"id": org, "first": 200, **asked})["organizationHistory"]


def _pages(gw: Gateway, org: str, size: int, by: str, **asked: Any) -> list[dict[str, Any]]:
    """Every page of size ``size``, turned by skip or by the after cursor."""
    events: list[dict[str, Any]] = []
    after = None
    while True:
        turn = {"skip": len(events)} if by == "skip" else {"after": after}
        page = _history(gw, org, **asked, first=size, **turn)
        events += page["events"]
        assert len(page["events"]) <= size
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


def test_the_overview_alerts_changes_and_history_on_both_stores(settings: Settings, tmp_path: Path) -> None:
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url):
        # 1. Every demo street (civil affairs sees them all), and the street officers' own.
        edges = gw.data("ca-zhang", "{ organizations(first: 200) { edges { node { district street } } } }")
        streets = {(e["node"]["district"], e["node"]["street"]) for e in edges["organizations"]["edges"]}
        assert len(streets) >= 2
        for district, street in sorted(streets):
            overview = gw.data("ca-zhang", OVERVIEW, {"street": street, "district": district})["streetOverview"]
            _figures_agree(overview)
        hualongqiao = gw.data("hlq-wang", OVERVIEW, {"street": "hualongqiao"})["streetOverview"]
        _figures_agree(hualongqiao)
        assert hualongqiao["ended"] > 0  # the demo street whose figure and status breakdown once disagreed

        # 2. Alerts: open ones only, of one street; each in English (nothing Chinese beside the name).
        every = gw.data("sqs-li", ALERTS, {"open": False})["alerts"]["alerts"]
        opened = gw.data("sqs-li", ALERTS, {"open": True})["alerts"]["alerts"]
        assert "resolved" in {a["status"] for a in every} and "resolved" not in {a["status"] for a in opened}
        assert opened and [a["id"] for a in opened] == [a["id"] for a in every if a["status"] != "resolved"]
        district = gw.data("ca-zhang", ALERTS, {"open": False})["alerts"]["alerts"]
        of_street = gw.data("ca-zhang", ALERTS, {"open": False, "street": "hualongqiao"})["alerts"]["alerts"]
        assert of_street and [a["id"] for a in of_street] == [a["id"] for a in district if a["street"] == "hualongqiao"]
        assert len(of_street) < len(district)
        assert gw.data("sqs-li", ALERTS, {"open": False, "street": "hualongqiao"})["alerts"]["alerts"] == []
        for alert in every + district:
            words = alert["messageEn"].replace(alert["organizationName"] or "", "")
            assert not CJK.search(words), alert
            assert alert["organizationName"] in alert["messageEn"]

        # 3. The history by date: newest first, ties in the order recorded; pages by skip or cursor agree.
        hub = gw.org_id(HUB)
        recorded = _history(gw, hub)["events"]
        assert len(recorded) > 40
        newest = sorted(recorded, key=lambda e: (_took_effect(e), e["position"]), reverse=True)
        assert recorded != sorted(recorded, key=lambda e: (_took_effect(e), e["position"]))  # recorded out of date order
        for by in ("skip", "after"):
            assert _pages(gw, hub, 20, by, order="NEWEST_FIRST") == newest, by
            assert _pages(gw, hub, 7, by, order="OLDEST_FIRST") == newest[::-1], by
        page = _history(gw, hub, order="NEWEST_FIRST", first=20, skip=20)
        assert page["totalCount"] == len(recorded) and page["events"] == newest[20:40]
        # A range: its first and last day included, the day after excluded.
        days = sorted({_took_effect(e) for e in recorded})
        first_day, last_day = days[3], days[-4]
        in_range = [e for e in newest if first_day <= _took_effect(e) <= last_day]
        ranged = _history(gw, hub, order="NEWEST_FIRST", **{"from": first_day, "to": last_day})
        assert ranged["events"] == in_range and ranged["totalCount"] == len(in_range)
        assert {_took_effect(e) for e in ranged["events"]} >= {first_day, last_day}
        day_after = days[-3]
        before_it = (date.fromisoformat(day_after) - timedelta(days=1)).isoformat()
        shorter = _history(gw, hub, order="NEWEST_FIRST", **{"from": first_day, "to": before_it})["events"]
        assert shorter and all(_took_effect(e) < day_after for e in shorter)
        assert _pages(gw, hub, 5, "after", order="NEWEST_FIRST", **{"from": first_day, "to": last_day}) == in_range
        assert gw.code("sqs-li", HISTORY, {"id": hub, "first": 5, "from": last_day, "to": first_day}) == "BAD_USER_INPUT"
        assert gw.code("sqs-li", HISTORY, {"id": hub, "first": 5, "skip": -1}) == "BAD_USER_INPUT"

        # 4. changed: each street's subscriber gets the events about its own street's organizations only.
        proposal = next(a for a in opened if a["street"] == "shangqingsi" and "Proposed: put it on" in a["messageEn"])
        hlq_org = next(e["node"]["id"] for e in gw.data(
            "hlq-wang", '{ organizations(first: 50, filter: {status: "filed"}) { edges { node { id credit'
                        ' { onAbnormalList } } } } }')["organizations"]["edges"] if not e["node"]["credit"]["onAbnormalList"])
        query = "subscription($s: String!) { changed(street: $s) { position organizationId aggregateId } }"
        with gw.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as sqs, \
                gw.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as hlq:
            for ws, user, street in ((sqs, "sqs-li", "shangqingsi"), (hlq, "ca-zhang", "hualongqiao")):
                ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {gw.issuer.issue(user)}"}})
                assert ws.receive_json()["type"] == "connection_ack"
                ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"s": street}}})
            time.sleep(0.7)  # the feeds start from the newest event there is
            accepted = gw.data("ca-zhang", ACCEPT, {"alert": proposal["id"]})["acceptProposal"]["eventIds"]
            listed = gw.data("ca-zhang", LIST, {"org": hlq_org})["addToAbnormalList"]["eventIds"]
            sqs_change = sqs.receive_json()["payload"]["data"]["changed"]
            hlq_change = hlq.receive_json()["payload"]["data"]["changed"]
        assert sqs_change["organizationId"] == proposal["organizationId"]
        assert sqs_change["aggregateId"] in {event_id.split("/")[0] for event_id in accepted}
        assert hlq_change["organizationId"] == hlq_org and listed[0].startswith(hlq_org)
        assert hlq_change["position"] > sqs_change["position"]  # hualongqiao's feed passed over shangqingsi's
        # Sent once the views have applied it: the figures read now count the new listing.
        listed_now = gw.data("sqs-li", OVERVIEW, {"street": "shangqingsi"})["streetOverview"]["creditListed"]
        assert sqs_change["organizationId"] in {entry["organizationId"] for entry in listed_now}
        open_now = gw.data("sqs-li", ALERTS, {"open": True})["alerts"]["alerts"]
        assert proposal["id"] not in {a["id"] for a in open_now}


def test_every_alert_rule_has_english_words() -> None:
    """A rule added to domain/alerts.py without a sentence here fails (and one named organization_listed,
    whose alerts may come from elsewhere, has its words already)."""
    rules = {rule.value for rule in AlertRule} | {"organization_listed"}
    assert rules <= set(SENTENCES), rules - set(SENTENCES)
    proposal = {"command": "add_to_abnormal_list", "list": "abnormal", "ground": "rectification_overdue"}
    for rule in rules:
        text = english(rule, "某协会", "某协会于2026-01-01列入活动异常名录，受到税务局处罚：罚款 100.00 元", proposal)
        assert text.startswith("某协会") and not CJK.search(text.removeprefix("某协会")), (rule, text)
    assert english("organization_listed", "某协会", "某协会被列入严重违法失信名单", None) == (
        "某协会 was put on the serious illegal and dishonest list.")
    assert english("organization_listed", "某协会", "", {"list": "abnormal"}) == (
        "某协会 was put on the abnormal activities list.")
    assert not CJK.search(english("a_rule_to_come", None, "消息", None))
