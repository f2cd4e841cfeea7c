"""Every operation of docs/schema.graphql with generated arguments, as several users: never a 5xx, every error
with a known code and never INTERNAL (nor UNAVAILABLE: the store is up), and a mutation that was refused
recorded nothing.

test_bad_input.py sends malformed bodies and one mutation's variables of every shape; this sends well-formed
requests to each root field (the generator: graphql_fuzz.py). bench/fuzz.py runs the same generator longer,
against a served gateway.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from served import wait_for_views

from tests.gateway.conftest import Gateway, _gateway
from tests.gateway.graphql_fuzz import FIELDS, Request, demo_values, problems, requests


@pytest.fixture(scope="module", params=[0, 4], ids=["on the loop", "in threads"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Operations on the event loop and in threads: Strawberry answers through a different path in each."""
    yield from _gateway(tmp_path_factory.mktemp("gateway"), operation_threads=request.param)


@pytest.fixture(scope="module")
def values(gateway: Gateway) -> tuple[list[str], list[str]]:
    return demo_values(gateway.app)


# Examples a root field, by kind: under a minute in all (both modes) on a 2-core machine.
EXAMPLES = {"query": 35, "mutation": 12, "subscription": 5}


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=[f"{kind} {field}" for kind, field in FIELDS])
def test_every_operation_answers_clearly(gateway, values, inputs_tried, kind, field):
    """Each root field on its own, so that a finding in one does not hide those in another."""

    @settings(max_examples=EXAMPLES[kind], deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(request=requests(*values, fields=[(kind, field)]))
    def answers_clearly(request: Request) -> None:
        inputs_tried[f"schema-generated {kind} requests"] += 1
        before = gateway.app.head_position()
        response = gateway.client.post("/graphql", json=request.body(), headers=request.headers(gateway.issuer.issue))
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
        assert not problems(response.status_code, body), (problems(response.status_code, body), response.text[:2000])
        if kind == "mutation" and (body is None or body.get("errors")):
            assert gateway.app.head_position() == before, "a refused mutation recorded events"
        elif kind == "mutation":  # the rules may raise alerts (events) on it: before the next request's count
            wait_for_views(gateway.app)

    answers_clearly()
