"""The embedded store's disk full under a running gateway (SQLite). The server runs with a cap on the size of
the files it may write (RLIMIT_FSIZE, a little above the store's size), so its writes soon fail as they
would on a full disk; then the cap is lifted, as when space is freed.

Meanwhile commands are answered UNAVAILABLE with a message that says why, never INTERNAL or a 500;
queries and /healthz still answer; nothing is half-written. Afterwards the same server, not restarted,
records again: the refused commands sent again with their keys are recorded then (none had been), its
views catch up and equal a rebuild, and the log holds one event per acknowledged command."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import time
import uuid
from contextlib import closing

import pytest

from auth.dev import DevTokenIssuer
from domain.application import Supervision
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import SQLITE_FILE, open_application
from projections.views.catalog import all_views
from projections.runtime.runner import ViewRunner
from served import (Server, assert_views_equal_a_rebuild, count_command, recorded_commands, stored,
                    wait_for_views)

ROOM = 300_000  # bytes the store's files may grow by before writes fail: a few dozen commands
REFUSALS = 10  # commands refused before the room is given back
# The gateway as `lianjian serve` runs it, capped: SIGXFSZ ignored, so a write past the cap fails (EFBIG)
# rather than killing the process; SIGUSR1 lifts the cap (the soft limit, up to the hard one).
CAPPED = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), hard))
signal.signal(signal.SIGUSR1, lambda *_: resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard)))
sys.argv = ["gateway", *sys.argv[2:]]
runpy.run_module("gateway", run_name="__main__", alter_sys=True)
"""
REASON = "故障测试：磁盘已满"
COUNT = count_command(REASON)
ORGANIZATION = "query($id: ID!) { organization(id: $id) { name } }"


pytestmark = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)  # the embedded store's disk


class CappedServer(Server):
    def __init__(self, env: dict[str, str], cap: int) -> None:
        super().__init__(env, launcher=[sys.executable, "-c", CAPPED, str(cap)])

    @classmethod
    def over(cls, settings: Settings, child_env: dict[str, str], room: int) -> CappedServer:
        """A dev-mode server whose files may grow by ``room`` bytes beyond the largest of the store's."""
        cap = max(p.stat().st_size for p in settings.data_dir.iterdir() if p.is_file()) + room
        return cls(child_env | {"LIANJIAN_DEV_MODE": "true"}, cap)

    def lift_cap(self) -> None:
        self.process.send_signal(signal.SIGUSR1)


def post(server: Server, token: str, query: str, variables: dict) -> dict:
    status, answer = server.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}), token)
    assert status == 200, (status, answer)
    return answer


def demo_store(settings: Settings, *, caught_up: bool) -> Supervision:
    """The demo, its views' tables made (and filled when ``caught_up``), the WAL emptied into the file."""
    app = open_application(settings)
    load_demo(app)
    runner = ViewRunner(app, all_views())
    if caught_up:
        runner.catch_up()
    with closing(sqlite3.connect(settings.data_dir / SQLITE_FILE)) as connection:
        assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
    return app


@pytest.mark.parametrize("group_commit", [False, True], ids=["a commit a command", "group commit"])
def test_a_full_disk_refuses_commands_clearly_and_the_same_server_recovers(settings, child_env, inputs_tried,
                                                                           group_commit) -> None:
    app = demo_store(settings, caught_up=True)  # so that starting the server writes next to nothing
    org_ids = [i for i in app.organization_ids() if app.organization(i).is_active][:12]
    token = DevTokenIssuer(settings.data_dir).issue("party-liu", lifetime=3600)

    acknowledged: dict[str, list[str]] = {}
    refused: dict[str, tuple[str, int]] = {}
    # With group commit the write that fails is the group's commit, which then fails every command in it.
    server = CappedServer.over(settings, child_env | {"LIANJIAN_GROUP_COMMIT": str(group_commit).lower()}, ROOM)
    try:
        for n in range(5000):
            key, org_id, members = f"full-{uuid.uuid4().hex}", org_ids[n % len(org_ids)], n % 12
            answer = post(server, token, COUNT, {"id": org_id, "n": members, "key": key})
            if not answer.get("errors"):
                acknowledged[key] = answer["data"]["countPartyMembers"]["eventIds"]
                continue
            [error] = answer["errors"]
            assert error["extensions"]["code"] == "UNAVAILABLE", error
            assert "disk is full or failing" in error["message"], error
            refused[key] = (org_id, members)
            if len(refused) == REFUSALS:
                break
        assert len(refused) == REFUSALS, "the cap never refused a write"
        assert server.request("GET", "/healthz")[0] == 200
        assert post(server, token, ORGANIZATION, {"id": org_ids[0]})["data"]["organization"]["name"]

        server.lift_cap()
        for key, (org_id, members) in refused.items():
            answer = post(server, token, COUNT, {"id": org_id, "n": members, "key": key})
            deadline = time.monotonic() + 2  # the signal lifting the cap is handled at the server's leisure
            while "disk is full" in json.dumps(answer.get("errors")) and time.monotonic() < deadline:
                time.sleep(0.1)
                answer = post(server, token, COUNT, {"id": org_id, "n": members, "key": key})
            assert not answer.get("errors"), answer
            result = answer["data"]["countPartyMembers"]
            assert result["replayed"] is False  # the refused attempt had recorded nothing
            acknowledged[key] = result["eventIds"]
        wait_for_views(app)
    finally:
        server.stop()

    missing = [e for ids in acknowledged.values() for e in ids if not stored(app, e)]
    assert missing == []
    assert recorded_commands(app, REASON) == len(acknowledged)
    assert_views_equal_a_rebuild(app)
    app.close()
    how = "sqlite" + (", group commit" if group_commit else "")
    inputs_tried[f"commands acknowledged before and after a full disk ({how})"] += len(acknowledged) - REFUSALS
    inputs_tried[f"commands refused UNAVAILABLE on a full disk, then recorded once ({how})"] += REFUSALS


def test_a_server_started_on_a_full_disk_serves_and_catches_up_once_there_is_room(settings, child_env) -> None:
    """The views' first catch-up at start cannot write: the server starts anyway, says so in /readyz, and
    catches up by itself once there is room."""
    app = demo_store(settings, caught_up=False)  # the server's first catch-up has every view to write
    server = CappedServer.over(settings, child_env, 20_000)
    try:
        status, ready = server.request("GET", "/readyz")  # behind; degraded (503) once a minute behind
        assert status in (200, 503) and ready["head"] == app.head_position(), (status, ready)
        assert any(view["events_behind"] for view in ready["views"].values()), ready
        server.lift_cap()
        wait_for_views(app)
        status, ready = server.request("GET", "/readyz")
        assert status == 200 and not any(view["events_behind"] for view in ready["views"].values()), ready
    finally:
        server.stop()
    assert_views_equal_a_rebuild(app)
    app.close()
