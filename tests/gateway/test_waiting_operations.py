"""An operation that waits does not stop the server answering others, when operations run in threads of
their own (Settings.operation_threads: by default on PostgreSQL; here also on SQLite, set). A command waits
on the store's write lock, held by another connection (as a rebuild's transaction or a backup would hold
it), while a query, /healthz and another command's refusal are answered; once the lock is let go, the
waiting command is recorded; /metrics shows it in its thread. The auditor's long fields answer from an
operation's thread too."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from auth.dev import DevTokenIssuer
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.settings import POSTGRES_OPERATION_THREADS, Settings
from gateway.storage import SQLITE_FILE, open_application
from tests.gateway.conftest import HUB, Gateway

COUNT = """mutation($id: ID!, $n: Int!) { countPartyMembers(command: {reason: "年度党员统计",
  occurredOn: "2026-11-20"}, organizationId: $id, members: $n) { eventIds } }"""
ORGANIZATION = "query($id: ID!) { organization(id: $id) { name } }"
ANSWERED_WITHIN = 5.0  # seconds: far less than a command would wait for the lock


@pytest.fixture
def threaded_gateway(settings: Settings, tmp_path: Path) -> Iterator[Gateway]:
    """The demo gateway with operations in threads: PostgreSQL's default, SQLite's when set."""
    settings = Settings(data_dir=settings.data_dir, database_url=settings.database_url, dev_mode=True,
                        tick_interval_seconds=10**9, operation_threads=None if settings.database_url else 2)
    assert settings.threads_for_operations() == (POSTGRES_OPERATION_THREADS if settings.database_url else 2)
    application = open_application(settings)
    load_demo(application)
    application.close()
    with TestClient(create_app(settings)) as client:
        yield Gateway(client, DevTokenIssuer(settings.data_dir), settings)


def write_lock_held(settings: Settings) -> tuple[Callable[[], None], Callable[[], None]]:
    """Take the event store's write lock from a connection of our own; and let it go."""
    if settings.database_url:
        holder: Any = psycopg.connect(settings.database_url)
        take = lambda: holder.execute("LOCK TABLE lianjian_events IN EXCLUSIVE MODE")  # noqa: E731
    else:
        holder = sqlite3.connect(settings.data_dir / SQLITE_FILE, isolation_level=None)
        take = lambda: holder.execute("BEGIN IMMEDIATE")  # noqa: E731

    def release() -> None:
        holder.rollback() if settings.database_url else holder.execute("ROLLBACK")
        holder.close()

    return take, release


def operations(gateway: Gateway) -> tuple[int, ...]:
    """/metrics: (operation threads, operations running in one, operations waiting for one)."""
    values = dict(line.split(" ") for line in gateway.client.get("/metrics").text.splitlines()
                  if line.startswith("lianjian_graphql_operation"))
    return tuple(int(float(values[f"lianjian_graphql_{name}"]))
                 for name in ("operation_threads", "operations_running", "operations_waiting"))


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("answer", work()), daemon=True)
    thread.start()
    return thread, outcome


def test_a_command_waiting_on_the_write_lock_holds_up_no_other_request(threaded_gateway: Gateway) -> None:
    gateway = threaded_gateway
    org_id = gateway.org_id(HUB)
    take, release = write_lock_held(gateway.settings)
    take()
    try:
        waiting, waited = in_thread(lambda: gateway.call("party-liu", COUNT, {"id": org_id, "n": 41}))
        time.sleep(0.5)  # the command is inside the store, waiting for the lock
        assert waiting.is_alive(), waited

        query, queried = in_thread(lambda: gateway.call("party-liu", ORGANIZATION, {"id": org_id}))
        health, healthy = in_thread(lambda: gateway.client.get("/healthz"))
        refused, refusal = in_thread(lambda: gateway.call("party-liu", COUNT, {"id": org_id, "n": -1}))
        for thread in (query, health, refused):
            thread.join(timeout=ANSWERED_WITHIN)
            assert not thread.is_alive(), "a request waited for another one's lock"
        assert waiting.is_alive(), "the command did not wait for the lock"
        # What an operator sees meanwhile: one operation in its thread, none waiting for one.
        assert operations(gateway) == (gateway.settings.threads_for_operations(), 1, 0)
    finally:
        release()

    assert queried["answer"]["data"]["organization"]["name"] == HUB
    assert healthy["answer"].status_code == 200
    assert refusal["answer"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert waited["answer"].get("errors") is None, waited["answer"]
    assert len(waited["answer"]["data"]["countPartyMembers"]["eventIds"]) == 1
    assert gateway.app.organization(org_id).party_members == 41
    assert operations(gateway)[1:] == (0, 0)


def test_the_auditors_long_fields_answer_from_an_operation_thread(threaded_gateway: Gateway) -> None:
    gateway = threaded_gateway
    runtime = gateway.client.app.state.runtime
    assert runtime.wait_for("event_history", gateway.app.head_position(), timeout=30)
    report = gateway.data("audit-qian", "{ verifyChain { intact storeHead totalFindings } }")["verifyChain"]
    assert report["intact"] is True and report["totalFindings"] == 0
    assert report["storeHead"] == gateway.app.head_position()
    as_of = gateway.data("audit-qian", """query { viewAsOf(view: "civil_affairs_registry",
        at: "2030-01-01T00:00:00", table: "organizations", first: 1000) { rows } }""")["viewAsOf"]
    names = {row["name"] for row in as_of["rows"]}
    assert HUB in names


def test_operations_run_in_threads_on_postgresql_and_on_the_loop_on_sqlite_unless_set(monkeypatch) -> None:
    url = "postgresql://lianjian@127.0.0.1:5432/lianjian"
    assert Settings(database_url=url).threads_for_operations() == POSTGRES_OPERATION_THREADS
    assert Settings().threads_for_operations() == 0
    monkeypatch.setenv("LIANJIAN_OPERATION_THREADS", "3")
    assert Settings().threads_for_operations() == 3
    monkeypatch.setenv("LIANJIAN_OPERATION_THREADS", "0")
    assert Settings(database_url=url).threads_for_operations() == 0
    monkeypatch.setenv("LIANJIAN_OPERATION_THREADS", "-1")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Settings()
