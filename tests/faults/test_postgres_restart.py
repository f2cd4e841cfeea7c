"""PostgreSQL stopped as if it crashed (pg_ctl -m immediate) and started again on the same port and data
while commands are being recorded. No acknowledged command is lost, none is applied twice, nothing is
recorded that no one asked for; writers get only retryable errors (the library's OperationalError or
InterfaceError; UNAVAILABLE through GraphQL); the same application, or gateway, carries on once the server
is back, without being restarted.

The eventsourcing library retries each database call up to ten times (0.2 s apart, each waiting up to
POSTGRES_CONNECT_TIMEOUT for a connection), so a short outage is ridden out and a command only fails once
an outage outlasts that budget; the tests show both. A commit whose acknowledgement is lost is retried by
the library too, and must then not be mistaken for a conflict.

The server is this module's own (not the session's shared one), with PostgreSQL's durable defaults: the
shared test server runs with synchronous_commit off, where a crash may lose commits already acknowledged."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi.testclient import TestClient

from auth.dev import DevTokenIssuer
from domain.application import Supervision
from domain.context import Actor, Context
from domain.errors import ConcurrentUpdate
from domain.people import Person
from gateway.app import create_app
from gateway.settings import Settings
from gateway.storage import open_application
from infra.postgres.private import PostgresUnavailable, PrivateServer

pytestmark = pytest.mark.postgres

OFFICER = Actor("party-liu", "party-liu", "party_building", "officer")
CLERK = Actor("sqs-li", "sqs-li", "street_office", "officer")
SHORT_OUTAGE = 2.0  # ridden out by the library's retries
LONG_OUTAGE = 15.0  # longer than the retries with a 1 s connect timeout (about 10 x 1.2 s)
COUNT = """mutation($id: ID!, $n: Int!, $key: String!) { countPartyMembers(
  command: {reason: "故障测试", occurredOn: "2026-11-20", idempotencyKey: $key}, organizationId: $id, members: $n)
  { eventIds replayed } }"""


@pytest.fixture(scope="module")
def server(unavailable) -> Iterator[PrivateServer]:
    try:
        own = PrivateServer(durable=True)
        own.start()
    except PostgresUnavailable as error:
        unavailable("PostgreSQL", str(error))
    try:
        yield own
    finally:
        own.stop()


def settings_on(server: PrivateServer, tmp_path, **options: Any) -> Settings:
    return Settings(database_url=server.create_database("f_" + uuid.uuid4().hex[:12]), data_dir=tmp_path / "data",
                    dev_mode=True, tick_interval_seconds=10**9, **options)


def file_organizations(app: Supervision, n: int) -> list[str]:
    return [app.file_community_organization(
        Context(CLERK, "社区社会组织备案", date(2020, 3, 2)), name=f"重启测试志愿服务队{k}", person_in_charge=Person("王秀英"),
        district="yuzhong", street="shangqingsi", community="学田湾").aggregate_id for k in range(n)]


@dataclass
class Ledger:
    """What the writers saw."""

    acknowledged: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # command -> (org, version, members)
    unknown: set[tuple[str, int]] = field(default_factory=set)  # (org, members) of commands that failed, no key
    replayed: int = 0  # acknowledged on a retry by the receipt of an earlier attempt that had committed
    retryable: Counter = field(default_factory=Counter)  # errors by kind while the server was away
    unexpected: list[str] = field(default_factory=list)
    longest: float = 0.0  # seconds, the longest a command took
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, command: str, org_id: str, version: int, members: int, replayed: bool, seconds: float) -> None:
        with self.lock:
            assert command not in self.acknowledged
            self.acknowledged[command] = (org_id, version, members)
            self.replayed += replayed
            self.longest = max(self.longest, seconds)


def restart_under_load(server: PrivateServer, ledger: Ledger, stopping: threading.Event, away: float,
                       threads: list[threading.Thread]) -> None:
    """Start the writers, let them run, stop the server hard, keep it away, start it again, and wait until
    the writers are acknowledged again; then stop them (also when this fails)."""
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.8)
        assert ledger.acknowledged, ledger.unexpected or ledger.retryable
        server.stop(keep_data=True, mode="immediate")
        time.sleep(away)
        server.start_again()
        back = len(ledger.acknowledged)
        deadline = time.monotonic() + 40
        while len(ledger.acknowledged) < back + 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        stopping.set()
        assert len(ledger.acknowledged) >= back + 30, "the writers did not recover"
    finally:
        stopping.set()
        for thread in threads:
            thread.join(timeout=60)


def check_store(app: Supervision, org_ids: list[str], starts: dict[str, int], ledger: Ledger) -> None:
    """Every acknowledged command's event is stored with its value, once; anything else stored is a command
    whose outcome its writer could not know (it failed with a retryable error and had no key)."""
    for org_id in org_ids:
        mine = {(v, m) for org, v, m in ledger.acknowledged.values() if org == org_id}
        stored = [(e.originator_version, e.members) for e in app.events.get(UUID(org_id))
                  if e.originator_version > starts[org_id]]
        assert mine <= set(stored)
        assert len({m for _, m in stored}) == len(stored)  # no command applied twice
        assert {(org_id, m) for v, m in stored if (v, m) not in mine} <= ledger.unknown
        assert app.organization(org_id).version == starts[org_id] + len(stored)


def write_commands(app: Supervision, org_ids: list[str], ledger: Ledger, stopping: threading.Event, w: int,
                   keyed: bool, pace: float = 0.0) -> None:
    """Writer ``w`` on two organizations of its own until stopped: with ``keyed`` every command has an
    idempotency key and is retried until acknowledged; without, a command that fails is of unknown outcome.
    ``pace``: seconds between commands."""
    i = 0
    while not stopping.is_set():
        command, org_id, members = f"w{w}-{i}", org_ids[w * 2 + i % 2], w * 1000 + i
        while True:
            started = time.monotonic()
            try:
                result = app.count_party_members(Context(OFFICER, "故障测试", date(2026, 11, 20)), org_id,
                                                 members=members, idempotency_key=command if keyed else None)
            except (OperationalError, InterfaceError) as error:
                with ledger.lock:
                    ledger.retryable[type(error).__name__] += 1
                    if not keyed:
                        ledger.unknown.add((org_id, members))
                time.sleep(0.05)
                if keyed:
                    continue  # the same command with the same key: never applied twice
                break
            except Exception as error:  # noqa: BLE001 - a conflict, or anything else, fails the test
                with ledger.lock:
                    ledger.unexpected.append(f"{type(error).__name__}: {error}")
                return
            ledger.ack(command, org_id, int(result.event_ids[0].rsplit("/", 1)[1]), members, result.replayed,
                       time.monotonic() - started)
            break
        i += 1
        time.sleep(pace)


def run_writers(app: Supervision, org_ids: list[str], server: PrivateServer, away: float) -> Ledger:
    """Four writers, each on two organizations of its own: two give every command an idempotency key and
    retry it until acknowledged; two give none, and count a command that fails as of unknown outcome."""
    ledger, stopping = Ledger(), threading.Event()
    threads = [threading.Thread(target=write_commands, args=(app, org_ids, ledger, stopping, w, w < 2), daemon=True)
               for w in range(4)]
    restart_under_load(server, ledger, stopping, away, threads)
    assert ledger.unexpected == []
    return ledger


def tally(inputs_tried: Counter, how: str, ledger: Ledger) -> None:
    inputs_tried[f"commands acknowledged across a PostgreSQL restart ({how})"] += len(ledger.acknowledged)
    inputs_tried[f"retryable errors while PostgreSQL was away ({how})"] += sum(ledger.retryable.values())
    inputs_tried[f"retries answered by an earlier attempt's receipt ({how})"] += ledger.replayed


def test_a_short_outage_is_ridden_out(server, tmp_path, inputs_tried):
    settings = settings_on(server, tmp_path)
    app = open_application(settings)  # with the server's aggregate cache
    org_ids = file_organizations(app, 8)
    starts = {o: app.organization(o).version for o in org_ids}

    ledger = run_writers(app, org_ids, server, SHORT_OUTAGE)

    check_store(app, org_ids, starts, ledger)
    app.close()
    check_store(open_application(settings), org_ids, starts, ledger)  # a fresh reader agrees
    assert ledger.longest > SHORT_OUTAGE / 2  # commands waited through the outage rather than failing
    tally(inputs_tried, f"{SHORT_OUTAGE:.0f} s away", ledger)


def test_a_long_outage_answers_retryable_errors_then_recovers(server, tmp_path, inputs_tried):
    settings = settings_on(server, tmp_path, postgres_connect_timeout=1)
    app = open_application(settings)
    org_ids = file_organizations(app, 8)
    starts = {o: app.organization(o).version for o in org_ids}

    ledger = run_writers(app, org_ids, server, LONG_OUTAGE)

    assert sum(ledger.retryable.values()) > 0  # the writers were told, with an error they may retry
    check_store(app, org_ids, starts, ledger)
    app.close()
    tally(inputs_tried, f"{LONG_OUTAGE:.0f} s away", ledger)


def test_a_commit_whose_acknowledgement_is_lost_is_not_a_conflict(server, tmp_path, inputs_tried):
    """The connection drops after the commit and before its acknowledgement: the library retries the insert,
    which collides with the events the first attempt stored. Without an idempotency key that used to be
    reported as ConcurrentUpdate ("reload and try again"), inviting the caller to record it twice."""
    app = open_application(settings_on(server, tmp_path))
    org_id = file_organizations(app, 1)[0]
    version = app.organization(org_id).version
    datastore, recorder = app.recorder.datastore, app.recorder
    real_connection, real_fetch = datastore.get_connection, recorder._fetch_ids_after_insert_events  # noqa: SLF001
    state = {"inserting": False, "dropped": 0}

    def fetch(*args: Any, **kwargs: Any) -> Any:
        state["inserting"] = True
        return real_fetch(*args, **kwargs)

    @contextmanager
    def get_connection() -> Iterator[Any]:
        with real_connection() as conn:
            yield conn
        if state["inserting"] and state["dropped"] < 1:  # committed; the acknowledgement goes missing
            state["dropped"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        state["inserting"] = False

    datastore.get_connection, recorder._fetch_ids_after_insert_events = get_connection, fetch  # noqa: SLF001
    try:
        result = app.count_party_members(Context(OFFICER, "故障测试", date(2026, 11, 20)), org_id, members=7)
    except ConcurrentUpdate as error:
        pytest.fail(f"our own committed write was reported as a conflict: {error}")
    finally:
        datastore.get_connection, recorder._fetch_ids_after_insert_events = real_connection, real_fetch  # noqa: SLF001
    assert state["dropped"] == 1
    assert result.event_ids == [f"{org_id}/{version + 1}"] and not result.replayed
    assert app.organization(org_id).version == version + 1 and app.organization(org_id).party_members == 7
    inputs_tried["commits with a lost acknowledgement, not taken for conflicts"] += 1


def test_the_gateway_answers_unavailable_meanwhile_and_recovers(server, tmp_path, inputs_tried):
    settings = settings_on(server, tmp_path, postgres_connect_timeout=1)
    setup = open_application(settings)
    org_ids = file_organizations(setup, 6)
    starts = {o: setup.organization(o).version for o in org_ids}
    setup.close()
    ledger, stopping = Ledger(), threading.Event()
    token = DevTokenIssuer(settings.data_dir).issue("party-liu")
    codes: Counter = Counter()

    with TestClient(create_app(settings)) as client:  # embedded projections on: they must recover too
        def writer(w: int) -> None:
            i = 0
            while not stopping.is_set():
                key, org_id, members = f"g{w}-{i}", org_ids[w * 2 + i % 2], w * 1000 + i
                while True:  # the same command with the same key until acknowledged
                    started = time.monotonic()
                    response = client.post("/graphql", json={"query": COUNT, "variables": {
                        "id": org_id, "n": members, "key": key}}, headers={"Authorization": f"Bearer {token}"})
                    body: dict[str, Any] = response.json() if response.status_code == 200 else {}
                    if response.status_code == 200 and not body.get("errors"):
                        found = body["data"]["countPartyMembers"]
                        ledger.ack(key, org_id, int(found["eventIds"][0].rsplit("/", 1)[1]), members,
                                   found["replayed"], time.monotonic() - started)
                        break
                    code = ((body.get("errors") or [{}])[0].get("extensions", {}).get("code")
                            if response.status_code == 200 else f"HTTP {response.status_code}")
                    with ledger.lock:
                        codes[code] += 1
                        if code != "UNAVAILABLE":
                            ledger.unexpected.append(f"{code}: {body or response.text[:300]}")
                    if code != "UNAVAILABLE":
                        return
                    time.sleep(0.05)
                i += 1

        health: list[float] = []

        def probe() -> None:  # /healthz touches no store; operations wait in threads of their own (PostgreSQL)
            while not stopping.is_set():
                started = time.monotonic()
                client.get("/healthz")
                health.append(time.monotonic() - started)
                time.sleep(0.2)

        threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(3)]
        threads.append(threading.Thread(target=probe, daemon=True))
        restart_under_load(server, ledger, stopping, LONG_OUTAGE, threads)
        assert ledger.unexpected == []
        assert codes["UNAVAILABLE"] > 0 and set(codes) == {"UNAVAILABLE"}
        assert max(health) < 2, health  # the process kept answering while its commands waited (15.4 s on the loop)
        print(f"gateway: {len(ledger.acknowledged)} commands acknowledged, {codes['UNAVAILABLE']} UNAVAILABLE;"
              f" longest command {ledger.longest:.1f} s; longest /healthz {max(health):.1f} s")

        # The same server, not restarted: its embedded views catch up, it reads, it is ready.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = client.get("/readyz")
            if ready.status_code == 200 and ready.json()["views"]["party_building"]["events_behind"] == 0:
                break
            time.sleep(0.2)
        assert ready.status_code == 200 and ready.json()["views"]["party_building"]["events_behind"] == 0, ready.text
        reader = DevTokenIssuer(settings.data_dir).issue("ca-zhang")
        answer = client.post("/graphql", json={"query": "query($id: ID!) { organization(id: $id) { partyMembers } }",
                                               "variables": {"id": org_ids[0]}},
                             headers={"Authorization": f"Bearer {reader}"})
        assert answer.status_code == 200 and not answer.json().get("errors"), answer.text
        check_store(client.app.state.runtime.app, org_ids, starts, ledger)

    inputs_tried["commands acknowledged across a PostgreSQL restart (gateway)"] += len(ledger.acknowledged)
    inputs_tried["UNAVAILABLE answers while PostgreSQL was away (gateway)"] += codes["UNAVAILABLE"]
    inputs_tried["retries answered by an earlier attempt's receipt (gateway)"] += ledger.replayed
