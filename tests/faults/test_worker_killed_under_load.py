"""A `lianjian project` worker (every view, the rules and the audit chain's sealer) SIGKILLed again and
again while commands are being recorded: after a last catch-up every view equals a rebuild from the log,
row by row, and stands at the head of the log, and the audit chain is whole. On both stores."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path


from children import kill
from domain.context import Actor, Context
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application
from projections.views.catalog import all_views
from projections.audit.verify import verify
from projections.runtime.db import ViewDatabase
from served import assert_views_equal_a_rebuild

ROOT = Path(__file__).resolve().parents[2]
KILLS = 6
PARTY = Actor("party-liu", "party-liu", "party_building", "officer")
FINANCE = Actor("fin-chen", "fin-chen", "finance", "officer")


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    # Small batches, each widened by a pause per event, so that most kills land inside a batch.
    return subprocess.Popen(
        [sys.executable, "-m", "gateway", "project", "--batch-size", "40", "--poll-interval", "0.1",
         "--pause-per-event", "0.002"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Writer(threading.Thread):
    """Records commands until stopped: party members counted, and funding tranches paid."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.app = open_application(settings)
        self.stopping = threading.Event()
        self.acknowledged = 0
        self.errors: list[str] = []
        # Active and on no credit list: funding may be awarded to each of them.
        self.org_ids = [i for i in self.app.organization_ids() if self._fundable(self.app.organization(i))][:20]

    @staticmethod
    def _fundable(org) -> bool:  # noqa: ANN001 - domain.organization.Organization
        return org.is_active and not org.on_abnormal_list and not org.on_serious_list

    def run(self) -> None:
        rng = random.Random(5)
        project = None
        n = 0
        while not self.stopping.is_set():
            n += 1
            org_id = self.org_ids[n % len(self.org_ids)]
            try:
                if n % 7 == 0 and project is None:
                    project = self.app.award_funding(
                        Context(FINANCE, "故障测试：立项", date(2026, 11, 20)), org_id, purchasing_unit="上清寺街道办事处",
                        project_name=f"故障测试项目{n}", amount=Decimal("900000"), period_start=date(2026, 11, 20),
                        period_end=date(2026, 12, 31)).aggregate_id
                elif n % 7 == 3 and project is not None:
                    self.app.disburse_funding(Context(FINANCE, "故障测试：拨付", date(2026, 11, 20)), project,
                                              amount=Decimal("100"))
                else:
                    self.app.count_party_members(Context(PARTY, "故障测试：党员人数", date(2026, 11, 20)), org_id,
                                                 members=rng.randrange(0, 12))
                self.acknowledged += 1
            except Exception as error:  # noqa: BLE001 - reported by the test
                self.errors.append(f"{type(error).__name__}: {error}")
            time.sleep(0.005)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
        self.app.close()


def test_views_are_exact_after_a_worker_is_killed_again_and_again(settings, child_env, inputs_tried) -> None:
    app = open_application(settings)
    load_demo(app)
    db = ViewDatabase(app)
    registry = all_views()[0].tracking_name
    writer = Writer(settings)
    writer.start()
    rng = random.Random(11)
    killed_at = []
    try:
        for _ in range(KILLS):
            before = db.position(registry)
            worker = start_worker(child_env)
            try:
                deadline = time.monotonic() + 30
                while db.position(registry) <= before and time.monotonic() < deadline:
                    time.sleep(0.02)  # until this worker has committed a batch
                assert db.position(registry) > before, "the worker made no progress"
                time.sleep(rng.uniform(0.05, 0.6))  # then somewhere in a later batch
            finally:
                kill(worker)
            killed_at.append(db.position(registry))
    finally:
        writer.stop()
    assert writer.errors == []
    assert writer.acknowledged > 50

    done = subprocess.run([sys.executable, "-m", "gateway", "project", "--once"], cwd=ROOT, env=child_env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_views_equal_a_rebuild(app)
    head = app.head_position()
    assert killed_at == sorted(killed_at) and killed_at[-1] < head  # killed while behind, never going back
    sealed = verify(app)  # the worker also sealed the audit chain, and was killed doing it
    assert sealed.intact and sealed.unsealed == 0 and sealed.checked == head, sealed.findings[:3]

    store = "postgres" if settings.database_url else "sqlite"
    inputs_tried[f"worker SIGKILLs under load ({store})"] += KILLS
    inputs_tried[f"commands recorded while workers were killed ({store})"] += writer.acknowledged
