"""The gateway in production mode against the real Keycloak: password grants for demo users, then GraphQL
calls that succeed and fail as the access matrix says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from keycloak import KeycloakOpenID

from gateway.app import create_app
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application

pytestmark = pytest.mark.keycloak
PASSWORD = "lianjian-demo"
CHUNSEN = "春森腰鼓队"  # a 上清寺 organization


@pytest.fixture(scope="module")
def gateway(keycloak_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    data_dir = tmp_path_factory.mktemp("production")
    settings = Settings(data_dir=data_dir, dev_mode=False, keycloak_url=keycloak_url, tick_interval_seconds=10**9)
    application = open_application(settings)
    load_demo(application)
    application.close()
    with TestClient(create_app(settings)) as client:
        yield client, client.app.state.runtime.app


@pytest.fixture(scope="module")
def tokens(keycloak_url: str) -> dict[str, str]:
    cli = KeycloakOpenID(server_url=keycloak_url + "/", realm_name="lianjian", client_id="lianjian-cli")
    users = ["ca-zhang", "sqs-li", "hlq-wang", "fin-chen", "party-liu", "tax-he", "audit-qian"]
    return {user: cli.token(user, PASSWORD)["access_token"] for user in users}


def call(client: TestClient, token: str | None, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def code(body: dict[str, Any]) -> str | None:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


def test_each_demo_user_is_who_keycloak_says(gateway, tokens):
    client, _ = gateway
    me = {user: call(client, token, "{ me { username department jurisdiction role } }")["data"]["me"]
          for user, token in tokens.items()}
    assert me["sqs-li"] == {"username": "sqs-li", "department": "street_office",
                            "jurisdiction": "yuzhong/shangqingsi", "role": "street_office"}
    assert me["hlq-wang"]["jurisdiction"] == "yuzhong/hualongqiao"
    assert me["tax-he"]["role"] == "partner" and me["audit-qian"]["role"] == "audit"


def test_reads_follow_the_matrix(gateway, tokens):
    client, app = gateway
    org = str(app.find_organization(CHUNSEN).id)
    query = "query($id: ID!) { organization(id: $id) { name legalRepresentative { idNumber } } }"
    assert call(client, tokens["sqs-li"], query, {"id": org})["data"]["organization"]["name"] == CHUNSEN
    assert code(call(client, tokens["hlq-wang"], query, {"id": org})) == "NOT_FOUND"
    assert code(call(client, tokens["fin-chen"], "{ streetOverview(street: \"shangqingsi\") { organizations } }")) == "FORBIDDEN"
    overview = call(client, tokens["sqs-li"], "{ streetOverview(street: \"shangqingsi\") { organizations } }")
    assert overview["data"]["streetOverview"]["organizations"] == 74
    assert code(call(client, None, "query($id: ID!) { organizationHistory(id: $id) { events { type } } }",
                     {"id": org})) == "FORBIDDEN"


def test_writes_follow_the_matrix(gateway, tokens):
    client, app = gateway
    org = str(app.find_organization(CHUNSEN).id)
    count = """mutation($id: ID!) { countPartyMembers(command: {reason: "年度党员统计", occurredOn: "2026-11-20",
        waitForView: "party_building"}, organizationId: $id, members: 4) { eventIds caughtUp } }"""
    assert code(call(client, tokens["sqs-li"], count, {"id": org})) == "FORBIDDEN"
    done = call(client, tokens["party-liu"], count, {"id": org})["data"]["countPartyMembers"]
    assert done["caughtUp"] is True and done["eventIds"][0].startswith(org)
    recorded = app.organization(org)
    assert recorded.party_members == 4

    change = """mutation($id: ID!) { changeFiling(command: {reason: "活动区域调整", occurredOn: "2026-11-21"},
        organizationId: $id, activityArea: "春森路社区广场") { eventIds } }"""
    assert code(call(client, tokens["hlq-wang"], change, {"id": org})) == "NOT_FOUND"
    assert call(client, tokens["sqs-li"], change, {"id": org})["data"]["changeFiling"]["eventIds"]
    history = app.history(org)
    assert history[-1].ctx.actor.username == "sqs-li" and history[-2].ctx.actor.username == "party-liu"
    assert code(call(client, tokens["audit-qian"], change, {"id": org})) == "FORBIDDEN"


def test_a_tampered_keycloak_token_is_unauthenticated(gateway, tokens):
    client, _ = gateway
    header, payload, signature = tokens["sqs-li"].split(".")
    tampered = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    assert code(call(client, tampered, "{ me { username } }")) == "UNAUTHENTICATED"
