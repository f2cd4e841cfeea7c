"""Benchmark: each view's catch-up rate beside a bare read-and-decode loop, and live lag, on PostgreSQL.

    .venv/bin/python bench/projections.py [--organizations 2000] [--lag-samples 200]

Starts a private PostgreSQL server (or uses LIANJIAN_BENCH_DATABASE_URL), records a district's worth of
events through the domain, then prints a table. Ratios are measured in the same run, so they hold on a
noisy machine where absolute numbers do not.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.context import Actor, Context, Department  # noqa: E402
from domain.credit_code import make_credit_code  # noqa: E402
from domain.funding import FundingProject  # noqa: E402
from domain.organization import Organization  # noqa: E402
from domain.people import Person  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402
from infra.postgres.private import PrivateServer  # noqa: E402
from projections.catalog import ALL_VIEWS, all_views  # noqa: E402
from projections.db import ViewDatabase  # noqa: E402
from projections.runner import ViewRunner  # noqa: E402
from projections.worker import ProjectionWorker  # noqa: E402

OFFICER = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}
STREETS = ["shangqingsi", "hualongqiao", "jiefangbei", "qixinggang", "lianglukou"]


def ctx(on: date, by: Department = Department.CIVIL_AFFAIRS) -> Context:
    return Context(OFFICER[by], "基准测试", on)


def generate(app, organizations: int) -> list[str]:
    """About 10 events per organization: registration, reports, inspections, party, funding, a listing."""
    chunk, ids = [], []
    for i in range(organizations):
        start = date(2012, 1, 2) + timedelta(days=i % 3000)
        org = Organization.register(
            ctx(start), name=f"基准社会组织{i}", kind="social_group",
            credit_code=make_credit_code("social_group", "500103", i + 1), domicile="渝中区", purpose="公益",
            business_scope="服务", legal_representative=Person("张三", "500103198001011234", "13800000000"),
            funds=Decimal("30000"), district="yuzhong", street=STREETS[i % len(STREETS)], community="学田湾",
        )
        for year in range(start.year, min(start.year + 4, 2026)):
            org.submit_annual_report(ctx(date(year + 1, 4, 1)), year=year)
            org.conclude_annual_inspection(ctx(date(year + 1, 6, 1)), year=year, result="qualified")
        org.count_party_members(ctx(date(2025, 1, 5), Department.PARTY_BUILDING), members=i % 5)
        project = FundingProject.award(
            ctx(date(2025, 3, 1), Department.FINANCE), organization_id=org.id, funding_refusal=None,
            purchasing_unit="街道", project_name=f"项目{i}", amount=Decimal("80000"),
            period_start=date(2025, 3, 1), period_end=date(2025, 12, 31),
        )
        project.disburse_tranche(ctx(date(2025, 4, 1), Department.FINANCE), amount=Decimal("40000"),
                                 funding_refusal=None)
        if i % 10 == 0:
            org.add_to_abnormal_list(ctx(date(2025, 7, 1)), ground="unreachable_at_domicile")
        chunk += [org, project]
        ids.append(str(org.id))
        if len(chunk) >= 400:
            app.save(*chunk)
            chunk = []
    if chunk:
        app.save(*chunk)
    return ids


def bare_loop(app, batch: int) -> tuple[int, float]:
    """Read and decode every event, nothing else: the floor a view's catch-up is compared with."""
    started = time.perf_counter()
    position, count = 1, 0
    while events := app.read_events(position, batch):
        count += len(events)
        position = events[-1].position + 1
    return count, time.perf_counter() - started


def catch_up_rate(app, view, batch: int) -> tuple[int, float]:
    runner = ViewRunner(app, [view], batch_size=batch)
    started = time.perf_counter()
    count = runner.catch_up()
    return count, time.perf_counter() - started


def live_lag(app, org_ids: list[str], samples: int) -> dict[str, list[float]]:
    """Seconds from a command's commit to each view having applied it, with a worker woken by NOTIFY."""
    views = all_views()
    worker = ProjectionWorker(app, views, poll_interval=1.0, on_change=lambda *_: None)
    worker.step()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    db = ViewDatabase(app)
    lags: dict[str, list[float]] = {v.name: [] for v in views}
    try:
        for n in range(samples):
            result = app.count_party_members(ctx(date(2026, 1, 5), Department.PARTY_BUILDING),
                                             str(org_ids[n % len(org_ids)]), members=n % 7 + 10)
            committed = time.perf_counter()
            pending = {v.name for v in views}
            while pending:
                for name in list(pending):
                    if db.position(name) >= result.position:
                        lags[name].append(time.perf_counter() - committed)
                        pending.discard(name)
                if time.perf_counter() - committed > 10:
                    raise RuntimeError(f"views {pending} did not apply event {result.position} in 10 s")
                time.sleep(0.002)
            time.sleep(0.02)
    finally:
        worker.stop()
        thread.join(timeout=10)
        worker.close()
    return lags


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--lag-samples", type=int, default=200)
    args = parser.parse_args()

    server = None
    url = os.environ.get("LIANJIAN_BENCH_DATABASE_URL")
    if not url:
        server = PrivateServer()
        server.start()
        url = server.create_database("bench_" + uuid.uuid4().hex[:8])
    try:
        app = open_application(Settings(database_url=url))
        started = time.perf_counter()
        org_ids = generate(app, args.organizations)
        print(f"recorded {app.head_position()} events for {args.organizations} organizations"
              f" in {time.perf_counter() - started:.1f} s (PostgreSQL)\n")

        print(f"{'view':<26}{'events':>9}{'events/s':>11}{'bare loop/s':>13}{'ratio':>8}  goal >= 0.50")
        prefix = f"bench{uuid.uuid4().hex[:6]}_"
        for view_class in ALL_VIEWS:
            # The baseline is measured right before each view, so drift in the machine hits both alike.
            gc.collect()
            count, seconds = bare_loop(app, args.batch)
            floor = count / seconds
            gc.collect()
            count, seconds = catch_up_rate(app, view_class(prefix), args.batch)
            rate = count / seconds
            print(f"{view_class.name:<26}{count:>9}{rate:>11.0f}{floor:>13.0f}{rate / floor:>8.2f}"
                  f"  {'ok' if rate / floor >= 0.5 else 'BELOW GOAL'}")

        lags = live_lag(app, org_ids[:50], args.lag_samples)
        print(f"\nlive lag, commit to applied, {args.lag_samples} commands (goal: p99 < 1 s)")
        print(f"{'view':<26}{'p50 ms':>9}{'p99 ms':>9}")
        for name, values in lags.items():
            p99 = percentile(values, 0.99)
            print(f"{name:<26}{percentile(values, 0.5) * 1000:>9.1f}{p99 * 1000:>9.1f}"
                  f"  {'ok' if p99 < 1 else 'BELOW GOAL'}")
        print(f"{'(median of all views)':<26}{statistics.median(v for vs in lags.values() for v in vs) * 1000:>9.1f}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
