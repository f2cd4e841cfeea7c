"""Projection workers as separate processes: killed mid-batch they lose nothing and double nothing;
two for one view never both apply, and the standby takes over when the active one dies."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path


from children import kill, stop
from domain.context import Actor, Context
from gateway.demo import load_demo
from gateway.storage import open_application
from projections.runtime.db import ViewDatabase
from projections.runtime.embedded import EmbeddedProjections
from projections.runtime.rebuild import check
from projections.views.registry import CivilAffairsRegistry

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = CivilAffairsRegistry.name


class Worker:
    """A `lianjian project` process whose output lines are collected as they come."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "project", *args], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def wait_for_line(self, text: str, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.lines.get(timeout=0.1) == text:
                    return True
            except queue.Empty:
                if self.process.poll() is not None:
                    return False
        return False

    def kill(self) -> None:
        kill(self.process)

    def stop(self) -> None:
        stop(self.process)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def test_a_worker_killed_mid_batch_resumes_and_the_view_is_exact(settings, child_env):
    app = open_application(settings)
    load_demo(app)
    head = app.head_position()
    db = ViewDatabase(app)
    batch = 100
    worker = Worker(child_env, REGISTRY, "--no-rules", "--batch-size", str(batch), "--poll-interval", "0.1",
                    "--pause-per-event", "0.004")
    try:
        assert wait_until(lambda: db.position(REGISTRY) >= batch), "the worker committed no batch"
        time.sleep(0.2)  # well inside the next batch of 100 x 4 ms
        worker.kill()
    finally:
        worker.stop()
    killed_at = db.position(REGISTRY)
    assert 0 < killed_at < head
    assert killed_at % batch == 0 or killed_at == head  # only whole batches ever committed

    done = subprocess.run([sys.executable, "-m", "gateway", "project", REGISTRY, "--no-rules", "--once"],
                          cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert db.position(REGISTRY) == head
    result = check(app, CivilAffairsRegistry())
    assert result.differences == [] and result.position == head


def test_two_workers_for_one_view_one_applies_and_the_standby_takes_over(settings, child_env):
    app = open_application(settings)
    load_demo(app)
    db = ViewDatabase(app)
    first = Worker(child_env, REGISTRY, "--no-rules", "--poll-interval", "0.1")
    second = None
    try:
        assert first.wait_for_line(f"{REGISTRY}: active")
        assert wait_until(lambda: db.position(REGISTRY) == app.head_position())
        second = Worker(child_env, REGISTRY, "--no-rules", "--poll-interval", "0.1")
        assert not second.wait_for_line(f"{REGISTRY}: active", timeout=2)  # standing by

        first.kill()
        assert second.wait_for_line(f"{REGISTRY}: active", timeout=30)
        officer = Actor("ca-1", "ca-zhang", "civil_affairs", "officer")
        hub = app.find_organization("重庆市渝中区上清寺致远社会公益事业发展促进会")
        result = app.count_party_members(Context(officer, "年度统计", date(2026, 11, 20)), str(hub.id), members=9)
        assert wait_until(lambda: db.position(REGISTRY) >= result.position)
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert check(app, CivilAffairsRegistry()).differences == []


def test_embedded_projections_let_a_caller_read_its_own_write(settings):
    app = open_application(settings)
    load_demo(app)
    embedded = EmbeddedProjections(app, poll_interval=30)  # only the nudge can wake it in time
    embedded.start()
    try:
        officer = Actor("ca-1", "ca-zhang", "civil_affairs", "officer")
        hub = app.find_organization("重庆市渝中区上清寺致远社会公益事业发展促进会")
        result = app.count_party_members(Context(officer, "年度统计", date(2026, 11, 20)), str(hub.id), members=11)
        assert embedded.wait_for(REGISTRY, result.position, timeout=10)
        registry = CivilAffairsRegistry()
        with ViewDatabase(app).transaction(commit=False) as tx:
            row = tx.row(f"SELECT party_members FROM {registry.t('organizations')} WHERE org_id = ?", (str(hub.id),))
        assert row == {"party_members": 11}
    finally:
        embedded.stop()
