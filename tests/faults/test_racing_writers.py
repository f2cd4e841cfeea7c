"""Many writers racing on the same two organizations, as threads of one process (a server's) and as
processes of their own, on both stores: no update is lost. Every acknowledged command's event is in the
store with what it said, each organization's version grew by exactly the number of commands acknowledged
on it, and every refusal was a ConcurrentUpdate (retried), never anything else and never silent.

Also runnable as a script: one writer process, reporting what it did as JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.application import Supervision
from domain.context import Actor, Context
from domain.errors import ConcurrentUpdate
from domain.people import Person
from gateway.storage import AGGREGATE_CACHE, schema_lock

ROOT = Path(__file__).resolve().parents[2]
OFFICER = Actor("party-1", "party-liu", "party_building", "officer")
CLERK = Actor("sqs-li", "sqs-li", "street_office", "officer")
ON = date(2026, 11, 20)
RETRIES = 200  # a writer retries a conflicting command this often before giving up (it never needs to)


@dataclass
class Tally:
    """What writers did: (organization, version, members) of each acknowledged command, and the rest."""

    acknowledged: list[tuple[str, int, int]] = field(default_factory=list)
    conflicts: int = 0
    retries: int = 0
    gave_up: int = 0
    unexpected: list[str] = field(default_factory=list)

    def merge(self, other: dict[str, Any]) -> None:
        self.acknowledged += [tuple(a) for a in other["acknowledged"]]  # type: ignore[misc]
        self.conflicts += other["conflicts"]
        self.retries += other["retries"]
        self.gave_up += other["gave_up"]
        self.unexpected += other["unexpected"]


def write(app: Supervision, org_ids: list[str], writer: int, commands: int, tally: Tally, lock: threading.Lock) -> None:
    """``commands`` party-member counts by one writer, alternating between the organizations; each retried
    on a conflict. The count's value names the writer and the command, so its event can be recognised."""
    for i in range(commands):
        org_id, members = org_ids[i % len(org_ids)], writer * 1000 + i
        for attempt in range(RETRIES + 1):
            try:
                result = app.count_party_members(Context(OFFICER, "并发写入测试", ON), org_id, members=members)
            except ConcurrentUpdate:
                with lock:
                    tally.conflicts += 1
                    if attempt < RETRIES:
                        tally.retries += 1
                    else:
                        tally.gave_up += 1
                continue
            except Exception as error:  # noqa: BLE001 - the test reports anything but a conflict
                with lock:
                    tally.unexpected.append(f"{type(error).__name__}: {error}")
                break
            version = int(result.event_ids[0].rsplit("/", 1)[1])
            with lock:
                tally.acknowledged.append((org_id, version, members))
            break


def organizations(app: Supervision) -> list[str]:
    ids = []
    for name in ("并发测试志愿服务队", "并发测试老年协会"):
        result = app.file_community_organization(
            Context(CLERK, "社区社会组织备案", date(2020, 3, 2)), name=name, person_in_charge=Person("王秀英"),
            district="yuzhong", street="shangqingsi", community="学田湾")
        ids.append(result.aggregate_id)
    return ids


def check_nothing_lost(app: Supervision, org_ids: list[str], start_versions: dict[str, int], tally: Tally) -> None:
    assert tally.unexpected == [], tally.unexpected[:5]
    assert tally.gave_up == 0
    for org_id in org_ids:
        mine = sorted((version, members) for org, version, members in tally.acknowledged if org == org_id)
        stored = [(e.originator_version, e.members) for e in app.events.get(UUID(org_id))
                  if e.originator_version > start_versions[org_id]]
        assert stored == mine  # each acknowledged event is there, with its value, and nothing else is
        assert app.organization(org_id).version == start_versions[org_id] + len(mine)
        assert app.organization(org_id).party_members == stored[-1][1]


def record(inputs_tried: Counter, how: str, store_env: dict[str, str], tally: Tally) -> None:
    how += ", " + store_env["PERSISTENCE_MODULE"].rsplit(".", 1)[1]
    inputs_tried[f"racing-writer commands acknowledged ({how})"] += len(tally.acknowledged)
    inputs_tried[f"racing-writer conflicts, all ConcurrentUpdate ({how})"] += tally.conflicts
    inputs_tried[f"racing-writer retries ({how})"] += tally.retries


def test_writer_threads_of_one_process_lose_no_update(make_app, store_env, inputs_tried) -> None:
    # One application shared by the threads, with the server's aggregate cache (fast-forwarded on reads).
    app = make_app()
    shared = Supervision(env=store_env | AGGREGATE_CACHE)
    org_ids = organizations(app)
    starts = {org_id: app.organization(org_id).version for org_id in org_ids}
    tally, lock = Tally(), threading.Lock()
    threads = [threading.Thread(target=write, args=(shared, org_ids, w, 25, tally, lock)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    shared.close()

    assert len(tally.acknowledged) == 8 * 25
    check_nothing_lost(make_app(), org_ids, starts, tally)
    record(inputs_tried, "threads", store_env, tally)


def test_writer_processes_lose_no_update(make_app, store_env, inputs_tried) -> None:
    app = make_app()
    org_ids = organizations(app)
    starts = {org_id: app.organization(org_id).version for org_id in org_ids}
    # Each process is a writer with its own application (and aggregate cache), two threads each.
    writers = [subprocess.Popen([sys.executable, __file__, json.dumps(store_env), json.dumps(org_ids), str(w)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for w in range(3)]
    tally = Tally()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err[-2000:]
        tally.merge(json.loads(out))

    assert len(tally.acknowledged) == 3 * 2 * 15
    check_nothing_lost(app, org_ids, starts, tally)
    record(inputs_tried, "processes", store_env, tally)


def _writer_process(env: dict[str, str], org_ids: list[str], writer: int) -> None:
    # As a server opens its store: processes starting together would otherwise race on the library's
    # CREATE OR REPLACE FUNCTION, which PostgreSQL refuses with "tuple concurrently updated".
    with schema_lock(env):
        app = Supervision(env=env | AGGREGATE_CACHE)
    tally, lock = Tally(), threading.Lock()
    threads = [threading.Thread(target=write, args=(app, org_ids, 10 + writer * 2 + t, 15, tally, lock))
               for t in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    app.close()
    print(json.dumps({"acknowledged": tally.acknowledged, "conflicts": tally.conflicts, "retries": tally.retries,
                      "gave_up": tally.gave_up, "unexpected": tally.unexpected}))


if __name__ == "__main__":
    _writer_process(json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]))
