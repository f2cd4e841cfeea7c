"""Group commit on SQLite (LIANJIAN_GROUP_COMMIT, gateway/group_commit.py): the commands of mutations run close
together on the event loop share one commit. Each is answered only once that commit is done; one command's
failure leaves its neighbours alone; a commit that fails fails every command of its group with UNAVAILABLE,
stores none of them, and the aggregate cache forgets what they changed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteConnection

from auth.dev import DevTokenIssuer
from domain.application import Supervision
from domain.context import Actor, Context
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.group_commit import GroupCommitDatastore, joining
from gateway.settings import Settings
from gateway.storage import open_application
from served import recorded_commands, stored

COUNT = """mutation($id: ID!, $n: Int!, $view: String) { countPartyMembers(command: {reason: "合并提交测试",
  occurredOn: "2026-11-20", waitForView: $view}, organizationId: $id, members: $n) { eventIds caughtUp } }"""
OFFICER = Actor("party-1", "party-liu", "party_building", "officer")


@pytest.fixture
def grouped(tmp_path: Path) -> Settings:
    """Settings of a gateway with group commit, on a store holding the demo."""
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True, group_commit=True, tick_interval_seconds=10**9)
    app = open_application(settings)
    load_demo(app)
    app.close()
    return settings


def writable(app: Supervision) -> list[str]:
    """The demo's organizations the party officer (party-liu, 渝中区) may count members of."""
    return [i for i in app.organization_ids() if app.organization(i).is_active and app.organization(i).district == "yuzhong"]


def versions(app: Supervision, org_ids: list[str]) -> dict[str, int]:
    return {org_id: app.organization(org_id).version for org_id in org_ids}


def posted_together(settings: Settings, bodies: list[dict[str, Any]],
                    on_answer: Callable[[dict[str, Any]], None] = lambda answer: None,
                    before: Callable[[Any], None] = lambda api: None,
                    after: Callable[[Any], None] = lambda api: None) -> tuple[list[dict[str, Any]], Any]:
    """POST every body to one gateway at once (one event loop, as a served process has); ``on_answer`` sees
    each answer the moment it arrives; ``before`` and ``after`` are called with the running gateway. Returns
    the answers and the runtime."""
    api = create_app(settings)
    runtime = api.state.runtime
    token = DevTokenIssuer(settings.data_dir).issue("party-liu", lifetime=600)

    async def run() -> list[dict[str, Any]]:
        async with api.router.lifespan_context(api), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api), base_url="http://gateway") as client:
            before(api)

            async def one(body: dict[str, Any]) -> dict[str, Any]:
                response = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text
                on_answer(response.json())
                return response.json()

            answers = await asyncio.gather(*(one(body) for body in bodies))
            after(api)
            return answers

    return asyncio.run(run()), runtime


def test_commands_sent_together_share_one_commit_and_each_is_answered_once_durable(grouped: Settings) -> None:
    reader = open_application(Settings(data_dir=grouped.data_dir))  # another process's view of the file
    org_ids = writable(reader)[:4]
    before = versions(reader, org_ids)
    durable_when_answered: list[bool] = []

    def check(answer: dict[str, Any]) -> None:
        ids = answer["data"]["countPartyMembers"]["eventIds"]
        durable_when_answered.append(all(stored(reader, e) for e in ids))

    bodies = [{"query": COUNT, "variables": {"id": org_ids[i % 4], "n": i + 1}} for i in range(12)]
    answers, runtime = posted_together(grouped, bodies, check)

    assert [a.get("errors") for a in answers] == [None] * 12
    assert durable_when_answered == [True] * 12  # no answer before the commit that holds its event
    groups = runtime.groups
    assert groups.grouped_writes == 12 and groups.groups < 12, (groups.groups, groups.grouped_writes)
    assert versions(reader, org_ids) == {org_id: version + 3 for org_id, version in before.items()}
    counted = [e.data["members"] for org_id in org_ids for e in reader.history(org_id)
               if e.type.endswith("PartyMembersCounted") and e.ctx.reason == "合并提交测试"]
    assert sorted(counted) == list(range(1, 13))
    reader.close()


def test_a_commit_that_fails_fails_each_command_of_its_group_and_stores_none(grouped: Settings,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    reader = open_application(Settings(data_dir=grouped.data_dir))
    org_ids = writable(reader)[:3]
    before = versions(reader, org_ids)
    commit = SQLiteConnection.commit
    failing: dict[str, Any] = {"on": False, "thread": None}

    def commit_or_fail(connection: SQLiteConnection) -> None:
        # The server's loop fails to commit; the views' threads, committing their own work, do not.
        if failing["on"] and threading.get_ident() == failing["thread"]:
            raise sqlite3.OperationalError("disk I/O error")  # what SQLite says when the device fails
        commit(connection)

    monkeypatch.setattr(SQLiteConnection, "commit", commit_or_fail)

    def arm(api: Any) -> None:
        runtime = api.state.runtime
        for org_id in org_ids:  # the cache holds each organization, as a running server's does
            runtime.app.organization(org_id)
        failing.update(on=True, thread=threading.get_ident())

    followed: list[Any] = []

    def follow(api: Any) -> None:
        # The same application, not restarted: its cache forgot the versions that were never stored, so the
        # next command follows the stored history, with no gap and no conflict.
        failing["on"] = False
        result = api.state.runtime.app.count_party_members(
            Context(OFFICER, "合并提交测试", date(2026, 11, 20)), org_ids[0], members=9)
        followed.append(result.event_ids)

    bodies = [{"query": COUNT, "variables": {"id": org_ids[i % 3], "n": 40 + i}} for i in range(6)]
    answers, _ = posted_together(grouped, bodies, before=arm, after=follow)

    codes = [[e["extensions"]["code"] for e in a["errors"]] for a in answers]
    assert codes == [["UNAVAILABLE"]] * 6, answers
    assert all("disk is full or failing" in a["errors"][0]["message"] for a in answers)
    assert followed == [[f"{org_ids[0]}/{before[org_ids[0]] + 1}"]]
    assert recorded_commands(reader, "合并提交测试") == 1  # the one that followed; none of the six
    assert versions(reader, org_ids) == before | {org_ids[0]: before[org_ids[0]] + 1}
    reader.close()


def test_a_read_your_writes_wait_commits_the_group_first(grouped: Settings) -> None:
    reader = open_application(Settings(data_dir=grouped.data_dir))
    org_ids = writable(reader)[:2]
    reader.close()
    bodies = [{"query": COUNT, "variables": {"id": org_ids[i % 2], "n": 60 + i, "view": "party_building"}}
              for i in range(4)]
    answers, runtime = posted_together(grouped, bodies)
    # Without the early commit the view could not see the command before the wait (5 s) gave up.
    assert [a["data"]["countPartyMembers"]["caughtUp"] for a in answers] == [True] * 4, answers
    assert runtime.groups.grouped_writes == 4


@pytest.fixture
def grouped_app(grouped: Settings) -> Iterator[Supervision]:
    app = open_application(grouped)
    assert isinstance(app.recorder.datastore, GroupCommitDatastore)
    yield app
    app.close()


def stored_event(originator_id: Any, version: int) -> StoredEvent:
    return StoredEvent(originator_id=originator_id, originator_version=version, topic="tests:Written", state=b"{}")


def test_a_write_that_fails_in_a_group_takes_back_its_own_rows_only(grouped_app: Supervision) -> None:
    first, second, third = uuid4(), uuid4(), uuid4()
    store = grouped_app.recorder.datastore

    async def run() -> None:
        with joining() as joined:
            grouped_app.recorder.insert_events([stored_event(first, 1)])
        with joining():
            with pytest.raises(IntegrityError):  # its second row collides with the first write's
                grouped_app.recorder.insert_events([stored_event(second, 1), stored_event(first, 1)])
        with joining():
            grouped_app.recorder.insert_events([stored_event(third, 1)])
        assert store.group is not None and store.group.commands == 2  # still one open transaction
        await joined.durable()

    asyncio.run(run())
    assert store.groups == 1 and store.grouped_writes == 2
    assert [len(grouped_app.recorder.select_events(i)) for i in (first, second, third)] == [1, 0, 1]


def test_a_command_sent_again_with_its_key_in_the_same_group_is_answered_from_the_first(
        grouped_app: Supervision) -> None:
    # The second finds the first's receipt, not yet committed, by reading in the group's transaction.
    org_id = writable(grouped_app)[0]
    version = grouped_app.organization(org_id).version
    ctx = Context(OFFICER, "合并提交测试", date(2026, 11, 20))
    results = []

    async def run() -> None:
        for _ in range(2):
            with joining() as joined:
                results.append(grouped_app.count_party_members(ctx, org_id, members=7, idempotency_key="twice"))
        await joined.durable()

    asyncio.run(run())
    assert [r.replayed for r in results] == [False, True]
    assert results[0].event_ids == results[1].event_ids == [f"{org_id}/{version + 1}"]
    assert grouped_app.recorder.datastore.groups == 1
    assert recorded_commands(grouped_app, "合并提交测试") == 1


def test_a_write_from_outside_an_operation_commits_the_open_group_first(grouped_app: Supervision) -> None:
    store = grouped_app.recorder.datastore
    grouped, alone = uuid4(), uuid4()

    async def run() -> None:
        with joining() as joined:
            grouped_app.recorder.insert_events([stored_event(grouped, 1)])
        assert store.group is not None
        # A write on the loop's thread outside any operation (the pool lends one writer at a time: waiting
        # for the group's connection here would wait for ever on the loop that holds it).
        grouped_app.recorder.insert_events([stored_event(alone, 1)])
        assert store.group is None and joined.groups[0].ended
        await joined.durable()

    asyncio.run(run())
    assert [len(grouped_app.recorder.select_events(i)) for i in (grouped, alone)] == [1, 1]
