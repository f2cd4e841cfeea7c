"""Requests built to break the gateway get a clear answer with a stable code, never a 500 or INTERNAL:
JSON nested past what a decoder follows, deep GraphQL documents, made-up cursors, subscriptions sent over
HTTP, and free-text filters longer than any name."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from auth.dev import DevTokenIssuer
from domain.values import NAME_MAX
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application
from tests.gateway.conftest import HUB, Gateway

PAGES = {  # a page of each paged field, and where its endCursor is
    "organizations": ("query($after: String) { organizations(first: 2, after: $after) { edges { node { id } } "
                      "pageInfo { endCursor } } }"),
    "alerts": "query($after: String) { alerts(first: 2, after: $after) { alerts { id } pageInfo { endCursor } } }",
    "organizationHistory": ("query($after: String, $org: ID!) { organizationHistory(id: $org, first: 2, after: $after)"
                            " { events { eventId } pageInfo { endCursor } } }"),
}
ORGANIZATIONS_BY = "query($f: OrganizationFilter) { organizations(filter: $f, first: 1) { totalCount } }"
HYPOTHESIS = hypothesis_settings(max_examples=60, deadline=None,
                                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def stored_gateway(settings: Settings, tmp_path: Path) -> Iterator[Gateway]:
    """The demo gateway on SQLite and on PostgreSQL."""
    on = settings.model_copy(update={"data_dir": tmp_path / "data", "dev_mode": True, "tick_interval_seconds": 10**9})
    application = open_application(on)
    load_demo(application)
    application.close()
    with TestClient(create_app(on)) as client:
        yield Gateway(client, DevTokenIssuer(on.data_dir), on)


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def refused_plainly(response, *words: str) -> dict:
    """A 400 whose JSON body says, with BAD_USER_INPUT, what was wrong."""
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and all(w in error["message"] for w in words), error
    return error


# -- JSON and documents nested too deeply -------------------------------------------------------------


@pytest.mark.parametrize("token", [False, True], ids=["no token", "a token"])
def test_a_body_nested_100000_deep_is_a_400_with_a_json_body(gateway, token):
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {gateway.issuer.issue('ca-zhang')}"
    for body in ('{"query": ' + nested(100_000) + "}",
                 '{"query": "{ me { username } }", "variables": {"f": ' + nested(100_000) + "}}",
                 nested(100_000)):
        refused_plainly(gateway.client.post("/graphql", content=body, headers=headers), "nested too deeply")


def test_variables_nested_deep_but_decodable_are_bad_user_input(gateway):
    for depth in (50, 500):
        body = {"query": ORGANIZATIONS_BY, "variables": {"f": json.loads(nested(depth, '{"name": "x"}'))}}
        assert gateway.call("ca-zhang", body["query"], body["variables"])["errors"][0]["extensions"]["code"] \
            == "BAD_USER_INPUT"


@pytest.mark.parametrize("depth", [11, 100, 1000, 2400, 10_000])
def test_a_deep_graphql_document_is_bad_user_input(gateway, depth):
    query = "{ me " + "{ username " * depth + "}" * (depth + 1)
    body = gateway.call("ca-zhang", query)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_a_websocket_message_nested_too_deeply_closes_the_socket_as_a_bad_request(gateway):
    with gateway.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_text('{"type": "connection_init", "payload": ' + nested(100_000) + "}")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4400


# -- subscriptions over HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize("user", [None, "sqs-li"])
def test_a_subscription_sent_over_http_is_told_to_use_a_websocket(gateway, user):
    errors = gateway.call(user, "subscription { alertRaised { rule } }")["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT" and "websocket" in errors[0]["message"], errors


# -- cursors ---------------------------------------------------------------------------------------------


def b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


MADE_UP = [b64({"a": 1}), b64(["abc"]), b64([10**30]), b64([-1]), b64([1.5]), b64([True]), b64([None]),
           b64([{"a": 1}, 2]), b64(["a", {"b": 1}]), b64([1, 2, 3]), "not base64!!", "é", "====", "A" * 5000]
cursors = st.one_of(
    st.sampled_from(MADE_UP),
    st.text(max_size=60),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
                 max_leaves=6).map(b64),
)


@HYPOTHESIS
@given(cursor=cursors, field=st.sampled_from(sorted(PAGES)))
def test_a_made_up_cursor_is_an_invalid_cursor_never_internal(stored_gateway, inputs_tried, cursor, field):
    inputs_tried["made-up cursors"] += 1
    query = PAGES[field]
    variables = {"after": cursor, "org": stored_gateway.org_id(HUB)}
    body = stored_gateway.call("audit-qian" if field == "alerts" else "ca-zhang", query, variables)
    for error in body.get("errors") or []:
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["message"].startswith("invalid cursor"), error


def test_every_made_up_cursor_shape_is_refused_and_real_ones_still_page(stored_gateway):
    gw = stored_gateway
    org = gw.org_id(HUB)
    for field in sorted(PAGES):
        query = PAGES[field]
        user = "audit-qian" if field == "alerts" else "ca-zhang"
        first = gw.data(user, query, {"org": org})[field]
        cursor = first["pageInfo"]["endCursor"]
        assert cursor, first
        second = gw.data(user, query, {"org": org, "after": cursor})[field]
        assert second != first
        for made_up in MADE_UP:
            errors = gw.call(user, query, {"org": org, "after": made_up})["errors"]
            assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", (field, made_up, errors)
            assert errors[0]["message"].startswith("invalid cursor"), errors


# -- free-text filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["name", "creditCode", "kind", "status", "street", "community"])
def test_an_organization_filter_longer_than_a_name_is_bad_user_input(stored_gateway, name):
    gw = stored_gateway
    assert gw.code("ca-zhang", ORGANIZATIONS_BY, {"f": {name: "社" * NAME_MAX}}) is None  # as long as a name: fine
    for length in (NAME_MAX + 1, 60_000):
        errors = gw.call("ca-zhang", ORGANIZATIONS_BY, {"f": {name: "社" * length}})["errors"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
        assert f"{name} filter is longer than {NAME_MAX}" in errors[0]["message"], errors


@pytest.mark.parametrize("query", [
    "query($t: String) { alerts(status: $t) { alerts { id } } }",
    "query($t: String!) { streetOverview(street: $t) { street } }",
    "query($t: String) { fundingProjects(street: $t) { id } }",
    "query($t: ID) { fundingProjects(after: $t) { id } }",
])
def test_other_free_text_filters_are_bounded_too(stored_gateway, query):
    errors = stored_gateway.call("ca-zhang", query, {"t": "x" * 60_000})["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT" and str(NAME_MAX) in errors[0]["message"], errors
