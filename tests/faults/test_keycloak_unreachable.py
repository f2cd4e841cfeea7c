"""Keycloak goes away under a running gateway: tokens keep verifying with the keys fetched before, a token
signed with a key nobody knows is refused as UNAUTHENTICATED (never a 500), and a gateway that never got
any key says UNAVAILABLE (retry) rather than blaming the token. Keycloak here is a tiny local HTTP server
serving the realm's JWKS, started and stopped by the test; "away" is both a refused connection and a
server that accepts and never answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws

from auth.tokens import KeycloakVerifier
from gateway.app import create_app
from gateway.settings import Settings

REALM = "lianjian"
AUDIENCE = "lianjian-api"
ME = "{ me { username department jurisdiction } }"


def rsa_key(kid: str) -> jwk.JWK:
    key = jwk.JWK.generate(kty="RSA", size=2048)
    fields = key.export(private_key=True, as_dict=True)
    fields.update(kid=kid, alg="RS256", use="sig")
    return jwk.JWK(**fields)


KEYS = {kid: rsa_key(kid) for kid in ("realm-key", "stranger")}


class FakeKeycloak:
    """Serves /realms/lianjian/protocol/openid-connect/certs on 127.0.0.1 until stopped."""

    def __init__(self, port: int = 0) -> None:
        jwks = {"keys": [KEYS["realm-key"].export_public(as_dict=True)]}
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests += 1
                found = self.path == f"/realms/{REALM}/protocol/openid-connect/certs"
                body = json.dumps(jwks if found else {"error": "not found"}).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def mint(issuer: str, kid: str, username: str = "ca-zhang", **claims: Any) -> str:
    now = int(time.time())
    body = {"exp": now + 600, "iat": now, "iss": issuer, "aud": AUDIENCE, "typ": "Bearer",
            "sub": f"user-{username}", "preferred_username": username, "department": "civil_affairs",
            "jurisdiction": "yuzhong", "realm_access": {"roles": ["civil_affairs_officer"]}, **claims}
    token = jws.JWS(json.dumps(body).encode())
    token.add_signature(KEYS[kid], alg="RS256", protected={"alg": "RS256", "typ": "JWT", "kid": kid})
    return token.serialize(compact=True)


def gateway(tmp_path, verifier: KeycloakVerifier, operation_threads: int | None = None) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", embedded_projections=False, operation_threads=operation_threads)
    return TestClient(create_app(settings, verifier=verifier))


def ask(client: TestClient, token: str) -> tuple[int, dict[str, Any]]:
    response = client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


@pytest.fixture
def keycloak() -> Iterator[FakeKeycloak]:
    fake = FakeKeycloak()
    yield fake
    fake.stop()


def test_tokens_keep_verifying_with_cached_keys_and_unknown_keys_are_refused(tmp_path, keycloak, inputs_tried):
    issuer = f"{keycloak.url}/realms/{REALM}"
    verifier = KeycloakVerifier(keycloak.url, REALM, AUDIENCE, refresh_interval=30, timeout=2)
    with gateway(tmp_path, verifier) as client:
        status, body = ask(client, mint(issuer, "realm-key"))
        assert (status, code(body)) == (200, None) and body["data"]["me"]["username"] == "ca-zhang"
        assert keycloak.requests == 1

        keycloak.stop()  # Keycloak is gone: connections are refused
        tried = 0
        for username in ("sqs-li", "fin-chen", "insp-zhao", "party-liu"):  # new tokens, not cached as verified
            status, body = ask(client, mint(issuer, "realm-key", username))
            assert (status, code(body)) == (200, None), body
            assert body["data"]["me"]["username"] == username
            tried += 1

        started = time.monotonic()
        status, body = ask(client, mint(issuer, "stranger"))  # a key Keycloak never had: one refresh, refused
        assert status == 200 and code(body) == "UNAUTHENTICATED", body
        assert body["errors"][0]["message"] == "invalid token: unknown signing key"
        assert verifier.fetches == 2  # it asked again, once, and kept the keys it had
        for _ in range(5):  # more strangers within the refresh interval: refused without asking again
            status, body = ask(client, mint(issuer, "stranger"))
            assert status == 200 and code(body) == "UNAUTHENTICATED"
        assert verifier.fetches == 2
        assert time.monotonic() - started < 5
        status, body = ask(client, mint(issuer, "realm-key", "tax-he"))
        assert (status, code(body)) == (200, None)
    inputs_tried["tokens verified with Keycloak away"] += tried + 1
    inputs_tried["tokens with an unknown key refused with Keycloak away"] += 6


@pytest.mark.parametrize("threads", [0, 2], ids=["on the event loop", "in operation threads"])
def test_a_hanging_keycloak_costs_one_bounded_wait(tmp_path, keycloak, inputs_tried, threads):
    """Keycloak accepts connections and never answers. A token with an unknown key waits for the JWKS
    fetch's timeout and is refused as UNAUTHENTICATED. With operations on the server's event loop (SQLite's
    default), a request arriving meanwhile waits too (the gateway's one process is blocked, bounded by the
    timeout; docs/faults.md); in operation threads (PostgreSQL's default) a token whose key is known is
    answered at once. Later strangers cost nothing until the refresh interval has passed."""
    issuer = f"{keycloak.url}/realms/{REALM}"
    port = int(keycloak.url.rsplit(":", 1)[1])
    timeout = 2
    verifier = KeycloakVerifier(keycloak.url, REALM, AUDIENCE, refresh_interval=30, timeout=timeout)
    with gateway(tmp_path, verifier, operation_threads=threads) as client:
        assert code(ask(client, mint(issuer, "realm-key"))[1]) is None
        keycloak.stop()
        with socket.socket() as black_hole:  # the same address, listening, never accepting
            black_hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            black_hole.bind(("127.0.0.1", port))
            black_hole.listen(16)
            stranger: dict[str, Any] = {}

            def refused() -> None:
                started = time.monotonic()
                stranger["body"] = ask(client, mint(issuer, "stranger"))[1]
                stranger["seconds"] = time.monotonic() - started

            thread = threading.Thread(target=refused)
            thread.start()
            time.sleep(0.5)  # the stranger's refresh is under way, and hangs
            started = time.monotonic()
            status, body = ask(client, mint(issuer, "realm-key", "sqs-li"))
            known_seconds = time.monotonic() - started
            thread.join(timeout=30)
            assert (status, code(body)) == (200, None)
            if threads:  # in a thread of its own, with a key known: the hanging fetch is none of its business
                assert known_seconds < timeout - 1
            else:  # held up by the hanging fetch at most for its timeout
                assert known_seconds < timeout + 1
            assert code(stranger["body"]) == "UNAUTHENTICATED"
            assert timeout - 0.5 < stranger["seconds"] < timeout + 5
            started = time.monotonic()  # later strangers: refused at once, no fetch within the interval
            for _ in range(3):
                assert code(ask(client, mint(issuer, "stranger"))[1]) == "UNAUTHENTICATED"
            assert code(ask(client, mint(issuer, "realm-key", "fin-chen"))[1]) is None
            assert time.monotonic() - started < 1
        print(f"known-key token held up {known_seconds:.1f} s behind a hanging JWKS fetch (timeout {timeout} s,"
              f" {threads} operation threads)")
    inputs_tried["tokens verified with Keycloak away"] += 2
    inputs_tried["tokens with an unknown key refused with Keycloak away"] += 4


def test_a_gateway_that_never_had_keys_says_unavailable(tmp_path, keycloak, inputs_tried):
    issuer = f"{keycloak.url}/realms/{REALM}"
    keycloak.stop()  # down from the start: no key was ever fetched
    verifier = KeycloakVerifier(keycloak.url, REALM, AUDIENCE, retry_interval=0.5, timeout=2)
    with gateway(tmp_path, verifier) as client:
        status, body = ask(client, mint(issuer, "realm-key"))
        assert status == 200 and code(body) == "UNAVAILABLE", body  # retry later; the token is not at fault
        assert body["errors"][0]["message"] == "the identity provider cannot be reached just now; try again"
        back = FakeKeycloak(port=int(keycloak.url.rsplit(":", 1)[1]))  # Keycloak comes back, same address
        try:
            time.sleep(0.6)  # past the retry interval
            status, body = ask(client, mint(issuer, "realm-key"))
            assert (status, code(body)) == (200, None), body
        finally:
            back.stop()
    inputs_tried["tokens refused as UNAVAILABLE with no keys ever fetched"] += 1
