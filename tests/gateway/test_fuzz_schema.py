"""Every operation of docs/schema.graphql with generated arguments, as several users: never a 5xx, every error
with a known code and never INTERNAL, and a mutation that was refused recorded nothing.

test_bad_input.py sends malformed bodies and one mutation's variables of every shape; this sends well-formed
requests to each root field (the generator: graphql_fuzz.py). bench/fuzz.py runs the same generator longer,
against a served gateway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.conftest import Gateway, _gateway
from tests.gateway.graphql_fuzz import FIELDS, Request, demo_values, problems, requests

@pytest.fixture(scope="module", params=[0, 4], ids=["on the loop", "in threads"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Operations on the event loop and in threads: Strawberry answers through a different path in each."""
    yield from _gateway(tmp_path_factory.mktemp("gateway"), operation_threads=request.param)


@pytest.fixture(scope="module")
def generated(gateway: Gateway) -> Callable[[str], st.SearchStrategy[Request]]:
    """Requests to the root fields of one kind, with the ids and words of the gateway's demo data."""
    ids, words = demo_values(gateway.app)
    return lambda kind: requests(ids, words, fields=[f for f in FIELDS if f[0] == kind])


@pytest.mark.parametrize(("kind", "examples"), [("query", 250), ("mutation", 400), ("subscription", 25)])
def test_every_operation_answers_clearly(gateway, generated, inputs_tried, kind, examples):
    """Each kind on its own, so that a finding in one does not hide those in another."""

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(request=generated(kind))
    def answers_clearly(request: Request) -> None:
        inputs_tried[f"schema-generated {kind} requests"] += 1
        before = gateway.app.head_position()
        response = gateway.client.post("/graphql", json=request.body(), headers=request.headers(gateway.issuer.issue))
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
        assert not problems(response.status_code, body), (problems(response.status_code, body), response.text[:2000])
        if kind == "mutation" and (body is None or body.get("errors")):
            assert gateway.app.head_position() == before, "a refused mutation recorded events"

    answers_clearly()
