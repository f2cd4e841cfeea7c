"""Benchmark: each view's catch-up rate beside a bare read-and-decode loop, and live lag, on PostgreSQL.

    .venv/bin/python bench/projections.py [--organizations 2000] [--lag-samples 200]

Starts a private PostgreSQL server (or uses LIANJIAN_BENCH_DATABASE_URL), records a district's worth of
events through the domain, then prints a table. Ratios are measured in the same run, so they hold on a
noisy machine where absolute numbers do not.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.database import bench_database  # noqa: E402
from bench.stats import percentile  # noqa: E402
from bench.district import ctx, generate  # noqa: E402
from domain.context import Department  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402
from projections.views.catalog import ALL_VIEWS, all_views  # noqa: E402
from projections.runtime.collector import collector_paused  # noqa: E402
from projections.runtime.db import ViewDatabase  # noqa: E402
from projections.runtime.runner import ViewRunner  # noqa: E402
from projections.runtime.worker import ProjectionWorker  # noqa: E402

def bare_loop(app, batch: int, stop: int | None = None, start: int = 1) -> tuple[int, float]:
    """Read and decode every event (from position ``start`` up to ``stop``), nothing else: the floor a view's
    catch-up is compared with. With the garbage collector paused, as the catch-ups it is compared with are."""
    started = time.perf_counter()
    position, count = start, 0
    with collector_paused():
        while events := app.read_events(position, batch, stop=stop):
            count += len(events)
            position = events[-1].position + 1
    return count, time.perf_counter() - started


def catch_up_rate(app, view, batch: int, until: int | None = None) -> tuple[int, float]:
    """Apply the log (up to position ``until``) to a view, or a list of views, from nothing, as a worker
    of its own (`lianjian project`) does: with the garbage collector paused."""
    runner = ViewRunner(app, view if isinstance(view, list) else [view], batch_size=batch)
    started = time.perf_counter()
    with collector_paused():
        count = runner.catch_up(until=until)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--lag-samples", type=int, default=200)
    args = parser.parse_args()

    with bench_database() as url:
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


if __name__ == "__main__":
    main()
