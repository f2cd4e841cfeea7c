"""The review's reproduction: a registration whose domicile holds a NUL (and a street officer's filing with one
in its name) is refused BAD_USER_INPUT naming the field, nothing is recorded, and the views and /readyz are
untouched, on either store. Before, the command was recorded and PostgreSQL's views stopped at it for good."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from auth.dev import DevTokenIssuer
from domain.credit_code import make_credit_code
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application
from tests.gateway.conftest import Gateway

REGISTER = """mutation($input: RegisterOrganizationInput!) { registerOrganization(
  command: {reason: "成立登记", occurredOn: "2026-11-20"}, input: $input) { eventIds } }"""
FILE = """mutation($input: FileCommunityOrganizationInput!) { fileCommunityOrganization(
  command: {reason: "备案", occurredOn: "2026-11-20"}, input: $input) { eventIds } }"""
REGISTRATION = {"name": "重庆市渝中区新设协会", "kind": "social_group",
                "creditCode": make_credit_code("social_group", "500103", 424242), "domicile": "渝中区上清寺路1号",
                "purpose": "公益", "businessScope": "服务", "legalRepresentative": {"name": "王五"}, "funds": "30000",
                "district": "yuzhong", "street": "shangqingsi"}
FILING = {"name": "春森路新设队", "personInCharge": {"name": "李四"}, "district": "yuzhong", "street": "shangqingsi"}


@pytest.fixture
def gateway(settings: Settings, tmp_path: Path) -> Iterator[Gateway]:
    settings = Settings(data_dir=tmp_path / "data", database_url=settings.database_url, dev_mode=True,
                        tick_interval_seconds=10**9)
    application = open_application(settings)
    load_demo(application)
    application.close()
    with TestClient(create_app(settings)) as client:
        yield Gateway(client, DevTokenIssuer(settings.data_dir), settings)


@pytest.mark.parametrize("user, mutation, good, field, path", [
    ("ca-zhang", REGISTER, REGISTRATION, "domicile", ("domicile",)),
    ("ca-zhang", REGISTER, REGISTRATION, "person's name", ("legalRepresentative", "name")),
    ("sqs-li", FILE, FILING, "name", ("name",)),
    ("sqs-li", FILE, FILING, "community", ("community",)),
], ids=["registration's domicile", "legal representative", "filing's name", "filing's community"])
def test_a_nul_is_refused_and_the_views_go_on(gateway: Gateway, user, mutation, good, field, path) -> None:
    before = gateway.app.head_position()
    spoiled = {**good, **({path[0]: {**good[path[0]], path[1]: "王\u0000五"}} if len(path) == 2
                          else {path[0]: "a\u0000b"})}
    errors = gateway.call(user, mutation, {"input": spoiled})["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
    assert f"the {field} contains a character" in errors[0]["message"]
    assert gateway.app.head_position() == before
    assert gateway.data(user, mutation, {"input": good})  # the same without the NUL records, and is shown
    ready = gateway.client.get("/readyz")
    assert ready.json()["failed"] == []
