"""Bad input of every shape: no 500, no partial write, every answer a clear error with a code."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.conftest import Gateway, _gateway

CODES = {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT", "INTERNAL", "UNAVAILABLE"}
AWARD = """mutation($org: ID!, $amount: Decimal!, $name: String!, $start: Date!, $end: Date!, $reason: String!,
  $occurred: Date!) { awardFunding(command: {reason: $reason, occurredOn: $occurred},
  input: {organizationId: $org, purchasingUnit: "上清寺街道办事处", projectName: $name, amount: $amount,
          periodStart: $start, periodEnd: $end}) { eventIds } }"""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@pytest.fixture(scope="module", params=[0, 4], ids=["on the loop", "in threads"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Operations on the event loop (SQLite's default) and in threads (PostgreSQL's): Strawberry answers
    through a different path in each."""
    yield from _gateway(tmp_path_factory.mktemp("gateway"), operation_threads=request.param)


def assert_clear(response) -> None:
    assert response.status_code != 500, response.text
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        body = response.json()
        for error in body.get("errors") or []:
            assert error["extensions"]["code"] in CODES, error
            assert error["extensions"]["code"] != "INTERNAL", error  # nothing a client sends is our fault


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=st.one_of(
    st.binary(max_size=400),
    odd_text.map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda q, v: json.dumps({"query": q, "variables": v}).encode(), odd_text, json_values),
    st.integers(1, 60).map(lambda depth: ("{\"query\": " + "[" * depth + "1" + "]" * depth + "}").encode()),
    st.integers(1, 40).map(lambda depth: json.dumps({"query": "{ me " + "{ username " * depth + "}" * (depth + 1)}).encode()),
))
def test_raw_bodies_get_clear_answers(gateway, inputs_tried, body):
    inputs_tried["raw GraphQL request bodies"] += 1
    before = gateway.app.head_position()
    response = gateway.client.post("/graphql", content=body, headers={
        "content-type": "application/json", "Authorization": f"Bearer {gateway.issuer.issue('fin-chen')}"})
    assert_clear(response)
    assert gateway.app.head_position() == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(
    amount=st.one_of(json_values, st.decimals(allow_nan=True, allow_infinity=True).map(str), st.text(max_size=30)),
    name=st.one_of(odd_text, st.text(min_size=101, max_size=2000), json_values),
    start=st.one_of(st.dates().map(str), odd_text, json_values),
    reason=st.one_of(odd_text, json_values, st.just(" ")),
)
def test_mutation_variables_of_every_shape_never_write_half(gateway, inputs_tried, amount, name, start, reason):
    inputs_tried["mutation variable sets"] += 1
    org = gateway.org_id("重庆市民悦社会工作服务中心")
    before = gateway.app.head_position()
    variables = {"org": org, "amount": amount, "name": name, "start": start, "end": "2030-12-31",
                 "reason": reason, "occurred": "2026-11-20"}
    response = gateway.client.post(  # json.dumps writes NaN and Infinity, as careless clients do
        "/graphql", content=json.dumps({"query": AWARD, "variables": variables}),
        headers={"Authorization": f"Bearer {gateway.issuer.issue('fin-chen')}", "content-type": "application/json"})
    assert_clear(response)
    body = response.json()
    after = gateway.app.head_position()
    if body.get("errors"):
        assert after == before  # refused: nothing recorded
    else:
        assert after > before and body["data"]["awardFunding"]["eventIds"]


def test_huge_strings_are_refused_cleanly(gateway):
    org = gateway.org_id("重庆市民悦社会工作服务中心")
    before = gateway.app.head_position()
    variables = {"org": org, "amount": "100.00", "name": "项" * 1_000_000, "start": "2026-12-01", "end": "2026-12-31",
                 "reason": "购买服务", "occurred": "2026-11-20"}
    response = gateway.client.post("/graphql", json={"query": AWARD, "variables": variables},
                                   headers={"Authorization": f"Bearer {gateway.issuer.issue('fin-chen')}"})
    assert_clear(response)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.app.head_position() == before
