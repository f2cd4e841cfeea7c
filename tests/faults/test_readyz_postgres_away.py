"""/readyz while PostgreSQL is away answers 503 within a second (its check runs in a thread of its own and is
waited for at most READY_TIMEOUT_SECONDS), however long the database call would wait; probes meanwhile share
the one check still waiting rather than piling threads up; once the server is back it answers 200 again. In
production, a probe without the operations token gets the bare status, its bearer the reason too."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gateway.app import READY_TIMEOUT_SECONDS, create_app
from test_postgres_restart import server, settings_on  # noqa: F401

pytestmark = pytest.mark.postgres

TOKEN = "0d1c3b5a79e8f6a4c2b0d9e7f5a3c1b9"
BOUND = 1.5  # seconds: a functional bound (READY_TIMEOUT_SECONDS is 1), generous for a loaded machine


class NoUsers:
    def verify(self, token: str) -> Any:
        raise AssertionError("not called")


def probe(client: TestClient, token: str | None = None) -> tuple[float, int, dict[str, Any]]:
    started = time.monotonic()
    answer = client.get("/readyz", headers={"Authorization": f"Bearer {token}"} if token else {})
    return time.monotonic() - started, answer.status_code, answer.json()


def test_readyz_answers_at_once_while_postgres_is_away_and_ready_once_back(server, tmp_path, inputs_tried):  # noqa: F811
    # The library's default connect timeout (10 s, ten tries): a database call waits far longer than a probe may.
    settings = settings_on(server, tmp_path).model_copy(update={
        "dev_mode": False, "operations_token": SecretStr(TOKEN), "embedded_projections": False})
    assert READY_TIMEOUT_SECONDS < BOUND
    with TestClient(create_app(settings, verifier=NoUsers())) as client:
        took, status, body = probe(client)
        assert status == 200 and body == {"status": "ready"}

        server.stop(keep_data=True, mode="immediate")
        try:
            answers = [probe(client), probe(client, TOKEN), probe(client)]
            threads_while_away = sum(t.name == "lianjian-check" for t in threading.enumerate())
            assert client.get("/healthz").json() == {"status": "ok"}
        finally:
            server.start_again()
        for took, status, body in answers:
            assert status == 503 and took < BOUND, (took, status, body)
        assert answers[0][2] == answers[2][2] == {"status": "unavailable"}  # no details without the token
        assert answers[1][2]["status"] == "unavailable" and answers[1][2]["reason"]
        assert threads_while_away <= 1  # one check waited on the database; later probes shared it

        deadline = time.monotonic() + 60
        while (found := probe(client, TOKEN))[1] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert found[1] == 200 and found[2]["status"] == "ready", found
    print(f"/readyz while PostgreSQL was away: {', '.join(f'{t:.2f} s' for t, _, _ in answers)}")
    inputs_tried["/readyz probes while PostgreSQL was away"] += len(answers)
