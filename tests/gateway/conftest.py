"""A gateway in dev mode on a store holding the demo data, and a helper that calls it as a demo user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from auth.dev import DevTokenIssuer
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application

HUB = "重庆市渝中区上清寺致远社会公益事业发展促进会"


class Gateway:
    def __init__(self, client: TestClient, issuer: DevTokenIssuer, settings: Settings) -> None:
        self.client = client
        self.issuer = issuer
        self.settings = settings
        self.app = client.app.state.runtime.app

    def call(self, user: str | None, query: str, variables: dict[str, Any] | None = None,
             token: str | None = None) -> dict[str, Any]:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            headers["Authorization"] = f"Bearer {self.issuer.issue(user)}"
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, user: str | None, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.call(user, query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def code(self, user: str | None, query: str, variables: dict[str, Any] | None = None) -> str | None:
        """The first error's extensions.code, or None when there was no error."""
        errors = self.call(user, query, variables).get("errors")
        return errors[0]["extensions"]["code"] if errors else None

    def org_id(self, name: str) -> str:
        return str(self.app.find_organization(name).id)


def _gateway(data_dir: Path, **options: Any) -> Iterator[Gateway]:
    settings = Settings(data_dir=data_dir, dev_mode=True, tick_interval_seconds=10**9, **options)
    application = open_application(settings)
    load_demo(application)
    application.close()
    with TestClient(create_app(settings)) as client:
        yield Gateway(client, DevTokenIssuer(data_dir), settings)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Shared by a module's read-only tests."""
    yield from _gateway(tmp_path_factory.mktemp("gateway"))


@pytest.fixture
def fresh_gateway(tmp_path: Path) -> Iterator[Gateway]:
    """A gateway of its own, for tests that record."""
    yield from _gateway(tmp_path / "data")


GatewayFactory = Callable[[], Gateway]
