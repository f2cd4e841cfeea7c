"""/metrics and the details of /readyz in production: only for the bearer of LIANJIAN_OPERATIONS_TOKEN. Without
it /readyz still answers its status code with the bare status (load balancers), /metrics is refused (401), or
off altogether when no token is configured (404). /healthz stays open. Dev mode shows everything to everyone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from gateway.app import create_app
from gateway.settings import Settings

TOKEN = "4f9c2e71b8a05d36e1f7c9a2b4d68e03"


class NoUsers:
    """Production's verifier would ask Keycloak; these endpoints never verify a user's token."""

    def verify(self, token: str) -> Any:
        raise AssertionError("the operations endpoints do not verify users' tokens")


@pytest.fixture
def production(tmp_path) -> Iterator[Any]:
    """A production-mode gateway (embedded SQLite store) made with or without an operations token."""
    clients: list[TestClient] = []

    def make(token: str | None) -> TestClient:
        settings = Settings(data_dir=tmp_path / f"data-{len(clients)}", dev_mode=False, tick_interval_seconds=10**9,
                            operations_token=SecretStr(token) if token else None)
        client = TestClient(create_app(settings, verifier=NoUsers()))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_token_metrics_are_off_and_readiness_is_its_status_alone(production) -> None:
    client = production(None)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=bearer(TOKEN)).status_code == 404  # no token configured: none is right


def test_with_a_token_only_its_bearer_sees_metrics_and_the_details(production) -> None:
    client = production(TOKEN)
    for headers in ({}, bearer(TOKEN[:-1] + "0"), bearer(TOKEN + "0"), {"Authorization": TOKEN},
                    {"Authorization": f"Basic {TOKEN}"}, bearer("")):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer"), headers
        assert "lianjian_" not in refused.text
        ready = client.get("/readyz", headers=headers)
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}, headers

    metrics = client.get("/metrics", headers=bearer(TOKEN))
    assert metrics.status_code == 200 and 'lianjian_view_events_behind{view="civil_affairs_registry"}' in metrics.text
    detailed = client.get("/readyz", headers={"authorization": f"bearer {TOKEN}"}).json()
    assert detailed["status"] == "ready" and "civil_affairs_registry" in detailed["views"] and "head" in detailed
    assert client.get("/healthz").json() == {"status": "ok"}


def test_dev_mode_shows_everything_without_a_token(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True, tick_interval_seconds=10**9)
    with TestClient(create_app(settings)) as client:
        assert "views" in client.get("/readyz").json()
        assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize("token", ["short", "x" * 23])
def test_a_short_operations_token_is_refused_with_a_clear_message(token: str) -> None:
    with pytest.raises(ValidationError, match="at least 24 characters"):
        Settings(operations_token=SecretStr(token))
