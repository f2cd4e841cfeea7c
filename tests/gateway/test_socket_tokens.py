"""A websocket's token is the one of its connection_init, and a socket may stay open for hours: every
operation on it checks the token, and so does a running subscription on every poll. Once the token has
expired (or was never a token at all) the operation is answered UNAUTHENTICATED and the socket is closed
with 4401 Unauthorized."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from auth.dev import DevTokenIssuer
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.graphql.sockets import UNAUTHORIZED
from gateway.settings import Settings
from gateway.storage import open_application
from tests.gateway.conftest import Gateway

LIFETIME = 5  # seconds; the verifier here allows no clock skew past a token's exp
PENALTY = """mutation($id: ID!) { imposePenalty(command: {reason: "逾期申报", occurredOn: "2026-11-20"},
  organizationId: $id, kind: "warning") { eventIds } }"""
COUNT = """mutation($id: ID!, $key: String!) { countPartyMembers(
  command: {reason: "党员人数", occurredOn: "2026-11-20", idempotencyKey: $key}, organizationId: $id, members: 3)
  { eventIds } }"""


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    """The demo gateway, its verifier without leeway, so that a token is refused the moment it expires."""
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True, tick_interval_seconds=10**9)
    application = open_application(settings)
    load_demo(application)
    application.close()
    issuer = DevTokenIssuer(settings.data_dir)
    with TestClient(create_app(settings, verifier=issuer.verifier(leeway=0))) as client:
        yield Gateway(client, issuer, settings)


@contextmanager
def connect(gateway: Gateway, authorization: object) -> Iterator[Any]:
    """A graphql-transport-ws socket, acknowledged, with ``authorization`` in its connection_init."""
    with gateway.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init", "payload": {"Authorization": authorization}})
        assert socket.receive_json()["type"] == "connection_ack"
        yield socket


def refused_and_closed(socket, operation: str) -> str:
    """The operation's UNAUTHENTICATED error, then the socket closed with 4401; the error's message."""
    while True:
        message = socket.receive_json()
        if message["type"] in ("error", "next") and message["id"] == operation:
            break
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", message
    with pytest.raises(WebSocketDisconnect) as closed:
        socket.receive_json()
    assert closed.value.code == UNAUTHORIZED
    return errors[0]["message"]


def wait_until_expired(token_made_at: float) -> None:
    time.sleep(max(0.0, token_made_at + LIFETIME + 1.1 - time.time()))


def test_an_operation_after_the_token_expired_is_refused_and_the_socket_closed(gateway):
    org = gateway.org_id("重庆市民悦社会工作服务中心")
    made = time.time()
    token = gateway.issuer.issue("party-liu", lifetime=LIFETIME)
    with connect(gateway, f"Bearer {token}") as socket:
        socket.send_json({"id": "1", "type": "subscribe", "payload": {
            "query": COUNT, "variables": {"id": org, "key": "before-expiry"}}})
        first = socket.receive_json()
        assert first["type"] == "next" and first["payload"]["data"]["countPartyMembers"]["eventIds"], first
        assert socket.receive_json()["type"] == "complete"

        wait_until_expired(made)
        before = gateway.app.head_position()
        socket.send_json({"id": "2", "type": "subscribe", "payload": {
            "query": COUNT, "variables": {"id": org, "key": "after-expiry"}}})
        assert "expired" in refused_and_closed(socket, "2")
        assert gateway.app.head_position() == before  # nothing recorded


def test_a_running_subscription_stops_and_the_socket_closes_when_the_token_expires(gateway):
    org = gateway.org_id("重庆市民悦社会工作服务中心")
    made = time.time()
    token = gateway.issuer.issue("sqs-li", lifetime=LIFETIME)
    with connect(gateway, f"Bearer {token}") as socket:
        socket.send_json({"id": "1", "type": "subscribe",
                          "payload": {"query": "subscription { alertRaised { rule organizationName } }"}})
        time.sleep(0.7)  # the feed starts from the newest alert there is
        gateway.data("tax-he", PENALTY, {"id": org})
        delivered = socket.receive_json()
        assert delivered["type"] == "next" and (delivered["payload"]["data"] or {}).get("alertRaised"), delivered

        wait_until_expired(made)
        gateway.data("tax-he", PENALTY, {"id": org})  # an alert the expired token may no longer see
        assert "expired" in refused_and_closed(socket, "1")


@pytest.mark.parametrize("authorization", [5, ["Bearer x"], {"token": "x"}, True, "Basic abc", "Bearer a.b.c"])
def test_a_socket_whose_authorization_is_no_token_is_refused_and_closed(gateway, authorization):
    with connect(gateway, authorization) as socket:
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ me { username } }"}})
        message = refused_and_closed(socket, "1")
        assert "object has no attribute" not in message and ("Bearer" in message or "invalid token" in message)


def test_a_subscription_the_caller_may_not_have_is_forbidden(gateway):
    with connect(gateway, None) as socket:  # the public: no alerts
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { alertRaised { rule } }"}})
        message = socket.receive_json()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", errors


def test_the_older_graphql_ws_protocol_is_not_spoken(gateway):
    """Its sockets would run operations without these checks: refused as a subprotocol not acceptable."""
    with pytest.raises(WebSocketDisconnect) as closed:
        with gateway.client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as socket:
            socket.receive_json()
    assert closed.value.code == 4406
