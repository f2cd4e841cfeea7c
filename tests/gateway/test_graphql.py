"""The gateway as officers meet it: jurisdiction, masking, tokens, errors with codes, read-your-writes."""

from __future__ import annotations

import base64
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from auth.dev import DevTokenIssuer
from gateway.app import create_app
from gateway.graphql.schema import MAX_ALIASES, MAX_DEPTH, build_schema, sdl
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MINYUE = "重庆市民悦社会工作服务中心"
HUB = "重庆市渝中区上清寺致远社会公益事业发展促进会"
CHUNSEN = "春森腰鼓队"  # filed at 上清寺, on the abnormal list in the demo
ORG_QUERY = """query($id: ID!) { organization(id: $id) { name street credit { onAbnormalList }
  legalRepresentative { name idNumber phone } fundingProjects { projectName amount } penalties { kind } } }"""


def test_the_published_schema_matches_the_code():
    assert (ROOT / "docs" / "schema.graphql").read_text(encoding="utf-8") == sdl(), "run `lianjian docs`"


def test_a_hualongqiao_officer_cannot_find_a_shangqingsi_organization_to_read_or_write(gateway):
    org = gateway.org_id(CHUNSEN)
    assert gateway.code("hlq-wang", ORG_QUERY, {"id": org}) == "NOT_FOUND"
    assert gateway.code("hlq-wang", "query($id: ID!) { organizationHistory(id: $id) { events { type } } }",
                        {"id": org}) == "NOT_FOUND"
    change = """mutation($id: ID!) { changeFiling(command: {reason: "变更活动区域", occurredOn: "2026-11-20"},
                organizationId: $id, activityArea: "化龙桥") { eventIds } }"""
    assert gateway.code("hlq-wang", change, {"id": org}) == "NOT_FOUND"
    listed = gateway.data("hlq-wang", "{ organizations(first: 200) { totalCount edges { node { street } } } }")
    assert {e["node"]["street"] for e in listed["organizations"]["edges"]} == {"hualongqiao"}
    # and the same organization is there for the street it belongs to
    assert gateway.data("sqs-li", ORG_QUERY, {"id": org})["organization"]["name"] == CHUNSEN


def test_the_public_sees_no_personal_data(gateway):
    org = gateway.org_id(HUB)
    officer = gateway.data("sqs-li", ORG_QUERY, {"id": org})["organization"]
    id_number, phone = officer["legalRepresentative"]["idNumber"], officer["legalRepresentative"]["phone"]
    assert id_number and phone

    public = gateway.call(None, ORG_QUERY, {"id": org})
    text = json.dumps(public, ensure_ascii=False)
    assert id_number not in text and phone not in text
    assert public["data"]["organization"]["legalRepresentative"] is None
    assert all(p["amount"] is None for p in public["data"]["organization"]["fundingProjects"])  # names only
    listed = json.dumps(gateway.call(None, "{ organizations(first: 200) { edges { node { legalRepresentative "
                                           "{ idNumber phone } domicile } } } }"), ensure_ascii=False)
    assert id_number not in listed and "渝中区" not in listed  # no domicile either
    assert gateway.code(None, "query($id: ID!) { organizationHistory(id: $id) { events { type } } }",
                        {"id": org}) == "FORBIDDEN"


def test_finance_sees_personal_data_masked_and_amounts_whole(gateway):
    org = gateway.org_id(HUB)
    full = gateway.data("ca-zhang", ORG_QUERY, {"id": org})["organization"]["legalRepresentative"]
    masked = gateway.data("fin-chen", ORG_QUERY, {"id": org})["organization"]["legalRepresentative"]
    seen = gateway.data("fin-chen", ORG_QUERY, {"id": gateway.org_id(MINYUE)})["organization"]
    assert masked["name"] == full["name"]
    assert masked["idNumber"] != full["idNumber"] and masked["idNumber"][:6] == full["idNumber"][:6]
    assert "*" in masked["idNumber"] and "*" in masked["phone"]
    assert any(p["amount"] == "198000.00" for p in seen["fundingProjects"])


def test_history_says_who_when_why_and_shows_a_department_only_its_own_events(gateway):
    org = gateway.org_id(CHUNSEN)
    query = "query($id: ID!) { organizationHistory(id: $id, first: 50) { events { type occurredOn actor { username department } reason legalBasis } } }"
    full = gateway.data("ca-zhang", query, {"id": org})["organizationHistory"]["events"]
    assert full[0]["type"] == "Organization.Filed" and full[0]["actor"]["department"] == "street_office"
    assert {e["actor"]["department"] for e in full} >= {"street_office", "inspection", "civil_affairs"}
    own = gateway.data("insp-zhao", query, {"id": org})["organizationHistory"]["events"]
    assert own and {e["actor"]["department"] for e in own} == {"inspection"}


def test_history_pages_follow_the_cursor(gateway):
    org = gateway.org_id(CHUNSEN)
    query = "query($id: ID!, $after: String) { organizationHistory(id: $id, first: 2, after: $after) { events { eventId } pageInfo { hasNextPage endCursor } } }"
    seen, after = [], None
    while True:
        page = gateway.data("ca-zhang", query, {"id": org, "after": after})["organizationHistory"]
        seen += [e["eventId"] for e in page["events"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    everything = gateway.data("ca-zhang", "query($id: ID!) { organizationHistory(id: $id, first: 100) { events { eventId } } }",
                              {"id": org})["organizationHistory"]["events"]
    assert seen == [e["eventId"] for e in everything] and len(seen) > 2


def test_organizations_search_filters_and_pages(gateway):
    query = """query($f: OrganizationFilter, $after: String) { organizations(filter: $f, first: 10, after: $after) {
        totalCount edges { node { name kind street credit { onAbnormalList } } } pageInfo { hasNextPage endCursor } } }"""
    registered = gateway.data("ca-zhang", query, {"f": {"kind": "private_non_enterprise", "street": "shangqingsi"}})
    assert registered["organizations"]["totalCount"] >= 1
    assert {e["node"]["kind"] for e in registered["organizations"]["edges"]} == {"private_non_enterprise"}
    listed = gateway.data("sqs-li", query, {"f": {"creditList": "ANY"}})["organizations"]
    assert [e["node"]["name"] for e in listed["edges"]] == [CHUNSEN]
    names, after = [], None
    while True:
        page = gateway.data("sqs-li", query, {"f": None, "after": after})["organizations"]
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(names) == len(set(names)) == 74
    assert gateway.code("sqs-li", query, {"f": None, "after": "not-a-cursor"}) == "BAD_USER_INPUT"


def test_a_mutation_returns_its_event_ids_and_can_wait_for_a_view(fresh_gateway):
    gw = fresh_gateway
    org = gw.org_id(MINYUE)
    mutation = """mutation($id: ID!) { countPartyMembers(command: {reason: "年度党员统计", occurredOn: "2026-11-20",
        waitForView: "party_building"}, organizationId: $id, members: 6) { aggregateId eventIds caughtUp position } }"""
    result = gw.data("party-liu", mutation, {"id": org})["countPartyMembers"]
    assert result["aggregateId"] == org and result["caughtUp"] is True
    [event_id] = result["eventIds"]
    assert event_id.startswith(org + "/")
    seen = gw.data("party-liu", "query($id: ID!) { organization(id: $id) { partyMembers version } }", {"id": org})
    assert seen["organization"]["partyMembers"] == 6
    assert seen["organization"]["version"] == int(event_id.split("/")[1])


def test_a_retried_mutation_is_not_applied_twice_and_a_reused_key_conflicts(fresh_gateway):
    gw = fresh_gateway
    org = gw.org_id(MINYUE)
    mutation = """mutation($id: ID!, $n: Int!) { countPartyMembers(command: {reason: "统计", occurredOn: "2026-11-20",
        idempotencyKey: "party-2026-minyue"}, organizationId: $id, members: $n) { eventIds replayed } }"""
    first = gw.data("party-liu", mutation, {"id": org, "n": 7})["countPartyMembers"]
    again = gw.data("party-liu", mutation, {"id": org, "n": 7})["countPartyMembers"]
    assert again == {"eventIds": first["eventIds"], "replayed": True}
    assert gw.code("party-liu", mutation, {"id": org, "n": 8}) == "CONFLICT"


def test_a_duplicate_registration_is_a_conflict(fresh_gateway):
    gw = fresh_gateway
    mutation = """mutation { registerOrganization(command: {reason: "成立登记", occurredOn: "2026-11-20"},
      input: {name: "重庆市民悦社会工作服务中心", kind: "social_group", creditCode: "515001030000099994",
              domicile: "渝中区", purpose: "公益", businessScope: "服务", legalRepresentative: {name: "王"},
              funds: "30000", district: "yuzhong", street: "shangqingsi"}) { eventIds } }"""
    body = gw.call("ca-zhang", mutation)
    assert body["errors"][0]["extensions"]["code"] in ("CONFLICT", "BAD_USER_INPUT")


@pytest.mark.parametrize("variables, expected", [
    ({"id": "x", "n": "three"}, "BAD_USER_INPUT"),  # wrong type
    ({"id": "x"}, "BAD_USER_INPUT"),  # missing variable
])
def test_badly_typed_variables_are_bad_user_input(gateway, variables, expected):
    query = "query($id: ID!, $n: Int!) { organizations(first: $n) { totalCount } organization(id: $id) { name } }"
    assert gateway.code("ca-zhang", query, variables) == expected


def test_amounts_must_be_exact_positive_decimals(fresh_gateway):
    gw = fresh_gateway
    org = gw.org_id(MINYUE)
    award = """mutation($id: ID!, $amount: Decimal!) { awardFunding(command: {reason: "购买服务", occurredOn: "2026-11-20"},
        input: {organizationId: $id, purchasingUnit: "街道", projectName: "测试项目", amount: $amount,
                periodStart: "2026-12-01", periodEnd: "2026-12-31"}) { eventIds } }"""
    before = gw.app.head_position()
    for amount in ("-5", "0", "1.234", "abc", "1e400"):
        assert gw.code("fin-chen", award, {"id": org, "amount": amount}) == "BAD_USER_INPUT", amount
    assert gw.app.head_position() == before  # no partial write
    assert gw.data("fin-chen", award, {"id": org, "amount": "1000.50"})["awardFunding"]["eventIds"]


def test_query_depth_alias_and_token_limits(gateway):
    from strawberry.fastapi import GraphQLRouter

    from gateway.graphql.context import RequestContext

    runtime = gateway.client.app.state.runtime
    strict = build_schema(production=False, max_depth=2, max_aliases=2, max_tokens=40)  # depth counts from 0
    with TestClient(_schema_app(GraphQLRouter(strict, context_getter=lambda: RequestContext(runtime)))) as client:
        def code(query: str) -> str | None:
            errors = client.post("/graphql", json={"query": query}).json().get("errors")
            return errors[0]["extensions"]["code"] if errors else None

        assert code("{ organizations(first: 1) { edges { cursor } } }") is None
        assert code("{ organizations(first: 1) { edges { node { name } } } }") == "BAD_USER_INPUT"  # depth 3
        assert code("{ a: me { username } b: me { username } }") is None
        assert code("{ a: me { username } b: me { username } c: me { username } }") == "BAD_USER_INPUT"
        assert code("{ me { " + "username " * 40 + "} }") == "BAD_USER_INPUT"
    assert MAX_DEPTH >= 6 and MAX_ALIASES >= 10  # the real limits leave room for the dashboard's queries


def _schema_app(router):
    from fastapi import FastAPI

    api = FastAPI()
    api.include_router(router, prefix="/graphql")
    return api


def test_unexpected_errors_are_masked_as_internal(gateway, monkeypatch):
    runtime = gateway.client.app.state.runtime

    def broken(name):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(runtime, "view", broken)
    body = gateway.call("ca-zhang", "{ organizations(first: 1) { totalCount } }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL" and "secret" not in error["message"]


def test_health_readiness_and_metrics(gateway):
    assert gateway.client.get("/healthz").json() == {"status": "ok"}
    ready = gateway.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert set(ready.json()["views"]) >= {"civil_affairs_registry", "street_office", "joint_alerts"}
    gateway.call("ca-zhang", "{ me { username } }")
    metrics = gateway.client.get("/metrics").text
    assert 'lianjian_http_requests_total{route="/graphql",status="200"}' in metrics
    assert 'lianjian_view_events_behind{view="civil_affairs_registry"} 0.0' in metrics
    assert "\nlianjian_graphql_operation_threads 0.0\n" in metrics  # SQLite: operations on the event loop
    gc.collect()  # a full collection, timed by the process's one collector callback
    pauses = [line for line in gateway.client.get("/metrics").text.splitlines()
              if line.startswith('lianjian_gc_pause_seconds_count{generation="2"}')]
    assert pauses and float(pauses[0].split()[-1]) >= 1


def test_the_served_app_freezes_what_it_made_at_start_out_of_the_collectors_scans(tmp_path):
    # In a process of its own: freezing is for the whole process.
    script = ("import gc; from gateway.app import create_served_app; from gateway.settings import Settings;"
              f" create_served_app(Settings(data_dir={str(tmp_path)!r}, dev_mode=True, embedded_projections=False));"
              " print(gc.get_freeze_count())")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 10_000


def test_a_malformed_request_body_is_a_clear_client_error(gateway):
    response = gateway.client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500


# -- tokens ------------------------------------------------------------------------------------------


def _forged(issuer: DevTokenIssuer, claims_change: dict, header_change: dict | None = None) -> str:
    claims = issuer.claims_for("sqs-li") | claims_change
    if header_change is None:
        return issuer.sign(claims)
    header = {"alg": "RS256", "typ": "JWT", "kid": issuer.kid} | header_change
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode(header)}.{encode(claims)}."


@pytest.mark.parametrize("name", ["forged", "expired", "not_yet_valid", "wrong_audience", "wrong_issuer", "alg_none",
                                  "garbage"])
def test_bad_tokens_are_unauthenticated(gateway, name):
    issuer = gateway.issuer
    now = int(time.time())
    tokens = {
        "forged": DevTokenIssuer(gateway.settings.data_dir / "other-key-dir").issue("sqs-li"),
        "expired": _forged(issuer, {"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}),
        "not_yet_valid": _forged(issuer, {"nbf": now + 3600, "iat": now, "exp": now + 7200}),
        "wrong_audience": _forged(issuer, {"aud": "someone-else"}),
        "wrong_issuer": _forged(issuer, {"iss": "https://evil.example/realms/lianjian"}),
        "alg_none": _forged(issuer, {}, {"alg": "none"}),
        "garbage": "abc.def.ghi",
    }
    body = gateway.call(None, "{ me { username } }", token=tokens[name])
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["data"] is None


def test_production_refuses_dev_tokens_and_has_no_introspection(tmp_path):
    from auth.tokens import KeycloakVerifier

    settings = Settings(data_dir=tmp_path, dev_mode=False, embedded_projections=False)
    verifier = KeycloakVerifier("http://127.0.0.1:9", "lianjian", "lianjian-api", timeout=1)
    with TestClient(create_app(settings, verifier=verifier)) as client:
        token = DevTokenIssuer(tmp_path).issue("ca-zhang")
        body = client.post("/graphql", json={"query": "{ me { username } }"},
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        introspection = client.post("/graphql", json={"query": "{ __schema { types { name } } }"}).json()
        assert introspection["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert client.get("/graphql").status_code in (404, 405)  # no GraphiQL outside dev mode


# -- the live alert feed -----------------------------------------------------------------------------


def test_a_new_alert_reaches_a_subscriber_over_websockets(fresh_gateway):
    gw = fresh_gateway
    org = gw.org_id(MINYUE)
    token = gw.issuer.issue("sqs-li")
    with gw.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe",
                      "payload": {"query": "subscription { alertRaised { rule organizationName message causes } }"}})
        time.sleep(0.7)  # the feed starts from the newest alert there is
        penalty = gw.data("tax-he", """mutation($id: ID!) { imposePenalty(command: {reason: "逾期申报", occurredOn: "2026-11-20"},
            organizationId: $id, kind: "warning") { eventIds } }""", {"id": org})["imposePenalty"]
        message = ws.receive_json()
        assert message["type"] == "next", message
        alert = message["payload"]["data"]["alertRaised"]
        assert alert["rule"] == "partner_penalty" and alert["organizationName"] == MINYUE
        assert alert["causes"] == penalty["eventIds"]


def test_a_subscription_with_a_bad_token_is_refused(gateway):
    with gateway.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer abc.def.ghi"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { alertRaised { rule } }"}})
        message = ws.receive_json()
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_funding_projects_page_by_id_and_keep_a_street_officer_in_its_street(gateway):
    query = "query($after: ID, $street: String) { fundingProjects(first: 5, after: $after, street: $street) { id organizationId } }"
    seen, after = [], None
    while page := gateway.data("ca-zhang", query, {"after": after, "street": "shangqingsi"})["fundingProjects"]:
        seen += [p["id"] for p in page]
        after = page[-1]["id"]
    assert len(seen) == len(set(seen)) > 5 and seen == sorted(seen)
    streets = {str(gateway.app.organization(p["organizationId"]).street)
               for p in gateway.data("hlq-wang", query, {"street": "shangqingsi"})["fundingProjects"]}
    assert streets <= {"hualongqiao"}  # asking for another street does not widen a street officer's view


def test_the_limits_apply_to_every_way_an_operation_runs():
    """The parsed and validated document goes in as Strawberry makes the execution context: the sync path
    (operations in threads on PostgreSQL), the async one and subscriptions all pass through that hook."""
    import asyncio

    strict = build_schema(production=True, max_depth=2)
    deep = "{ organizations(first: 1) { edges { node { name } } } }"
    assert strict.execute_sync(deep).errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert asyncio.run(strict.execute(deep)).errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert strict.execute_sync("{ __schema { types { name } } }").errors[0].extensions["code"] == "BAD_USER_INPUT"
    for bad in ("{ me { username ", "{ me { " + "username " * 6000 + "} }"):  # a syntax error; too many tokens
        assert strict.execute_sync(bad).errors[0].extensions["code"] == "BAD_USER_INPUT"
        assert asyncio.run(strict.execute(bad)).errors[0].extensions["code"] == "BAD_USER_INPUT"

    async def subscribed(query: str) -> object:
        frames = await build_schema(production=True, max_depth=0).subscribe(query)
        return await anext(frames)  # the first: here the refusal, before any resolver runs

    refused = asyncio.run(subscribed("subscription { alertRaised { rule } }"))  # depth 1
    assert refused.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert strict._parse("{ me { username } }") is strict._parse("{ me { username } }")  # parsed once
