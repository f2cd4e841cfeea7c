"""PostgreSQL crashed again and again (pg_ctl -m immediate, then started on the same data) while commands are
recorded and two `lianjian project` workers (every view, the rules and the audit chain's sealer) keep the views:
at no time do both apply the same view, and after each restart each lock is active in one worker and the other
says standby. Each worker prints every position range it committed with the epoch of
its lock (`--trace-batches`); the ranges of all workers for a view never overlap, their epochs only go up along
the log, and each epoch is one worker's. At the end each lock is active in exactly one worker, every
acknowledged command is stored once, every view equals a rebuild, and the audit chain is whole."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from children import stop
from gateway.storage import open_application
from projections.audit.sealer import SEALER_NAME
from projections.audit.verify import verify
from projections.rules.joint import RULES_NAME
from projections.runtime.db import ViewDatabase
from projections.views.catalog import all_views
from served import assert_views_equal_a_rebuild
from test_postgres_restart import Ledger, check_store, file_organizations, server, settings_on, write_commands  # noqa: F401

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CRASHES = 5
APPLIED = re.compile(r"^(\w+): applied (\d+)\.\.(\d+) epoch (\d+)$")
STATE = re.compile(r"^(\w+): (active|standby)$")


class Worker:
    """A `lianjian project` process; its output lines are kept as they come, its log in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        # Small batches widened by a pause per event, so that crashes land inside batches.
        with log.open("w") as errors:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gateway", "project", "--batch-size", "20", "--poll-interval", "0.1",
                 "--pause-per-event", "0.001", "--trace-batches"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
        self.kept: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.kept.append(line.strip())

    def states(self) -> dict[str, str]:
        """Each lock's state as this worker last reported it."""
        return {m[1]: m[2] for m in map(STATE.match, self.kept) if m}


def one_active_each(workers: list[Worker]) -> bool:
    """Every lock is active in exactly one worker, as they report it."""
    states = [w.states() for w in workers]
    names = {name for s in states for name in s}
    return len(names) == len(all_views()) + 2 and all(
        sorted(s.get(name, "standby") for s in states) == ["active", "standby"] for name in names)


def caught_up(app, db: ViewDatabase) -> bool:
    head = app.head_position()
    names = [v.tracking_name for v in all_views()] + [RULES_NAME]
    return (all(db.position(name) == head for name in names) and verify(app).unsealed == 0
            and app.head_position() == head)


def test_two_workers_never_both_apply_across_crashes(server, tmp_path, inputs_tried):  # noqa: F811
    settings = settings_on(server, tmp_path)
    app = open_application(settings)
    org_ids = file_organizations(app, 6)
    starts = {o: app.organization(o).version for o in org_ids}
    db = ViewDatabase(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    # A short connect timeout: a worker whose pool is still reconnecting after a restart fails its step soon
    # and comes back to its locks, rather than waiting out ten tries of 10 s.
    env |= {"LIANJIAN_DATABASE_URL": str(settings.database_url), "LIANJIAN_POSTGRES_CONNECT_TIMEOUT": "1",
            "PYTHONUNBUFFERED": "1"}
    workers = [Worker(env, tmp_path / "worker-0.log"), Worker(env, tmp_path / "worker-1.log")]
    ledger, stopping = Ledger(), threading.Event()
    # Keyed commands, each retried with its key until acknowledged, at a pace the workers keep up with
    # (paused as they are in every event).
    writers = [threading.Thread(target=write_commands, args=(app, org_ids, ledger, stopping, w, True, 0.02),
                                daemon=True) for w in range(3)]
    rng = random.Random(9)
    try:
        deadline = time.monotonic() + 30
        while not all(len(w.states()) == len(all_views()) + 2 for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)  # both workers up: each has said where it stands on every lock
        assert all(w.process.poll() is None for w in workers), (tmp_path / "worker-0.log").read_text()[-2000:]
        for writer in writers:
            writer.start()
        for _ in range(CRASHES):
            time.sleep(rng.uniform(0.8, 1.6))  # workers and writers at work
            server.stop(keep_data=True, mode="immediate")
            time.sleep(0.3)
            server.start_again()
            back = len(ledger.acknowledged)
            deadline = time.monotonic() + 20
            while len(ledger.acknowledged) < back + 10 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(ledger.acknowledged) >= back + 10, "the writers did not recover"
            deadline = time.monotonic() + 30
            while not one_active_each(workers) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert one_active_each(workers), [w.states() for w in workers]  # and the other says standby
        stopping.set()
        for writer in writers:
            writer.join(timeout=30)
        deadline = time.monotonic() + 30
        while not caught_up(app, db) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert caught_up(app, db), ("the workers did not catch up after the last crash", app.head_position(),
                                    {v.tracking_name: db.position(v.tracking_name) for v in all_views()})
        time.sleep(0.5)  # a last poll: each worker has looked at its locks since
        assert one_active_each(workers), [w.states() for w in workers]  # before one's stop hands its locks over
    finally:
        stopping.set()
        for worker in workers:
            stop(worker.process)
    assert ledger.unexpected == []

    # At most one worker applied each view at any time.
    ranges: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    for w, worker in enumerate(workers):
        for m in filter(None, map(APPLIED.match, worker.kept)):
            ranges[m[1]].append((int(m[2]), int(m[3]), int(m[4]), w))
    assert set(ranges) >= {v.tracking_name for v in all_views()} | {RULES_NAME, SEALER_NAME}
    handovers = 0
    for name, done in ranges.items():
        done.sort()
        owner: dict[int, int] = {}
        for (start, end, epoch, w), (next_start, _, next_epoch, next_w) in zip(done, done[1:]):
            assert end <= next_start, f"{name}: {start}..{end} (worker {w}) and {next_start}.. (worker {next_w})"
            assert epoch <= next_epoch, f"{name}: epoch {next_epoch} committed after epoch {epoch}"
            handovers += w != next_w
        for _, _, epoch, w in done:
            assert owner.setdefault(epoch, w) == w, f"{name}: epoch {epoch} in both workers"

    check_store(app, org_ids, starts, ledger)
    assert_views_equal_a_rebuild(app)
    sealed = verify(app)
    assert sealed.intact and sealed.unsealed == 0, sealed.findings[:3]
    print(f"{len(ledger.acknowledged)} commands acknowledged; {sum(len(d) for d in ranges.values())} committed"
          f" ranges, {handovers} handovers between the workers")
    inputs_tried["PostgreSQL crashes under two projection workers"] += CRASHES
    inputs_tried["commands acknowledged across crashes under two workers"] += len(ledger.acknowledged)
    inputs_tried["view handovers between workers across crashes"] += handovers
