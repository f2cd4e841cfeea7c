"""The gateway itself (`lianjian serve`, its embedded projections with it) SIGKILLed while clients send it
commands over HTTP, twice, on both stores. After each kill: every command it acknowledged is in the log;
each command sent again with its idempotency key is recorded once (the answer says whether it had been
already); a server started again on the same store answers at once, and its views catch up to the head of
the log, equal to a rebuild row by row."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest

from auth.dev import DevTokenIssuer
from gateway.demo import load_demo
from gateway.storage import open_application
from served import Server, assert_views_equal_a_rebuild, count_command, recorded_commands, stored, wait_for_views

KILLS = 2
CLIENTS = 4
REASON = "故障测试：服务进程被杀"
COUNT = count_command(REASON)


@dataclass
class Sent:
    """What the clients saw: acknowledged commands' event ids, and the commands left without an answer."""

    acknowledged: dict[str, list[str]] = field(default_factory=dict)  # idempotency key -> event ids
    unanswered: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (organization, members)
    errors: list[str] = field(default_factory=list)  # GraphQL errors: none expected
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, key: str, answer: dict) -> None:
        """A command's answer: its event ids, or its errors (none expected)."""
        with self.lock:
            if answer.get("errors"):
                self.errors.append(json.dumps(answer["errors"], ensure_ascii=False)[:300])
            else:
                self.acknowledged[key] = answer["data"]["countPartyMembers"]["eventIds"]


def command(org_id: str, members: int, key: str) -> str:
    return json.dumps({"query": COUNT, "variables": {"id": org_id, "n": members, "key": key}})


def send_until_killed(server: Server, token: str, org_ids: list[str], sent: Sent, seed: int) -> None:
    """One client: commands one after another, each with a fresh idempotency key, until the server is gone."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    while True:
        key, org_id, members = f"kill-{uuid.uuid4().hex}", rng.choice(org_ids), rng.randrange(0, 12)
        try:
            connection.request("POST", "/graphql", command(org_id, members, key), headers)
            answer = json.loads(connection.getresponse().read())
        except (OSError, http.client.HTTPException, ValueError):  # the server is gone, mid-command perhaps
            with sent.lock:
                sent.unanswered[key] = (org_id, members)
            connection.close()
            return
        sent.answered(key, answer)


def test_a_killed_server_loses_no_acknowledged_command_and_its_views_catch_up(settings, child_env, tmp_path,
                                                                              inputs_tried) -> None:
    # On SQLite, one commit a command here (the default); group commit below.
    killed_under_load(settings, child_env | {"LIANJIAN_GROUP_COMMIT": "false"}, tmp_path, inputs_tried,
                      "postgres" if settings.database_url else "sqlite")


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_a_killed_server_with_group_commit_loses_no_acknowledged_command(settings, child_env, tmp_path,
                                                                          inputs_tried) -> None:
    # The clients' commands share commits: an answer must still mean the command is on disk.
    killed_under_load(settings, child_env | {"LIANJIAN_GROUP_COMMIT": "true"}, tmp_path, inputs_tried,
                      "sqlite, group commit")


def killed_under_load(settings, child_env: dict[str, str], tmp_path, inputs_tried, store: str) -> None:
    data_dir = tmp_path / "data"  # the dev signing key's folder (and SQLite's store)
    env = child_env | {"LIANJIAN_DATA_DIR": str(data_dir), "LIANJIAN_DEV_MODE": "true"}
    app = open_application(settings)
    load_demo(app)
    org_ids = [i for i in app.organization_ids() if app.organization(i).is_active][:12]
    token = DevTokenIssuer(data_dir).issue("party-liu", lifetime=3600)
    rng = random.Random(3)
    resent = replayed = 0
    sent = Sent()
    for attempt in range(KILLS):
        server = Server(env)
        try:
            # Each client its own organizations: writers racing on the same ones are another test's.
            clients = [threading.Thread(target=send_until_killed,
                                        args=(server, token, org_ids[c::CLIENTS], sent, attempt * 10 + c))
                       for c in range(CLIENTS)]
            for client in clients:
                client.start()
            time.sleep(rng.uniform(1.5, 3.0))
        finally:
            server.kill()
        for client in clients:
            client.join(timeout=60)
        assert not any(client.is_alive() for client in clients)

        # Every acknowledged command is in the log, whole.
        missing = [e for ids in sent.acknowledged.values() for e in ids if not stored(app, e)]
        assert missing == [], missing[:5]

        # Sent again with their keys, the unanswered commands are recorded once: answered from the receipt
        # when the killed server had committed them, recorded now when it had not.
        server = Server(env)
        try:
            for key, (org_id, members) in sent.unanswered.items():
                status, answer = server.request("POST", "/graphql", command(org_id, members, key), token)
                assert status == 200 and not answer.get("errors"), answer
                result = answer["data"]["countPartyMembers"]
                assert all(stored(app, e) for e in result["eventIds"])
                replayed += result["replayed"]
                resent += 1
            sent.unanswered.clear()
            if attempt == KILLS - 1:
                status, _ = server.request("GET", "/healthz")
                assert status == 200
                wait_for_views(app)
        finally:
            server.stop() if attempt == KILLS - 1 else server.kill()

    assert sent.errors == []
    assert len(sent.acknowledged) > 20, "too few commands were acknowledged to say anything"
    # One event a command, whether answered at once or sent again: none lost, none recorded twice.
    assert recorded_commands(app, REASON) == len(sent.acknowledged) + resent
    assert_views_equal_a_rebuild(app)
    app.close()

    inputs_tried[f"server SIGKILLs under load ({store})"] += KILLS
    inputs_tried[f"commands acknowledged by servers then killed ({store})"] += len(sent.acknowledged)
    inputs_tried[f"unanswered commands sent again after a kill ({store}), already recorded"] += replayed
    inputs_tried[f"unanswered commands sent again after a kill ({store}), recorded then"] += resent - replayed
