"""Benchmark: `verify` throughput beside plain hashing of the same bytes, SHA-256 and SM3, SQLite and
PostgreSQL; sealing throughput; and the sealing window (commit to sealed) with a sealer worker running.

    .venv/bin/python bench/verify.py [--organizations 2000] [--window-samples 100]

Records a district's worth of events through the domain into a fresh SQLite file and a private PostgreSQL
server (or LIANJIAN_BENCH_DATABASE_URL), then prints a table. Plain hashing and verify are measured in the
same run on the same bytes (the chain's canonical entries), so their ratio holds on a noisy machine.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import threading
import time
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
from projections.audit.chain import ALGORITHMS, CHAIN_TABLE, GENESIS, META_TABLE, hasher, notification_entry  # noqa: E402
from projections.audit.sealer import SEALER_NAME, ChainSealer, SealingWorker  # noqa: E402
from projections.audit.verify import verify  # noqa: E402
from projections.runtime.db import ViewDatabase  # noqa: E402

def all_entries(app) -> list[bytes]:
    entries, position = [], 1
    while batch := app.recorder.select_notifications(position, 5000):
        entries += [notification_entry(n) for n in batch]
        position = batch[-1].id + 1
    return entries


def plain_hashing(entries: list[bytes], algorithm: str) -> float:
    """Seconds to hash every entry once, chained as the sealer does, with the bytes already in memory."""
    new_hash = hasher(algorithm)
    previous = GENESIS
    started = time.perf_counter()
    for entry in entries:
        h = new_hash()
        h.update(entry)
        h.update(previous)
        previous = h.digest()
    return time.perf_counter() - started


def read_only(app) -> float:
    started = time.perf_counter()
    position = 1
    while batch := app.recorder.select_notifications(position, 2000):
        position = batch[-1].id + 1
    return time.perf_counter() - started


def reset_chain(app) -> None:
    db = ViewDatabase(app)
    with db.transaction() as tx:
        tx.execute(f"DROP TABLE IF EXISTS {CHAIN_TABLE}")
        tx.execute(f"DROP TABLE IF EXISTS {META_TABLE}")


def measure(app, store: str) -> list[str]:
    lines = []
    entries = all_entries(app)
    megabytes = sum(len(e) for e in entries) / 1e6
    for algorithm in ALGORITHMS:
        reset_chain(app)
        gc.collect()
        started = time.perf_counter()
        ChainSealer(app, algorithm=algorithm).catch_up()
        seal_rate = len(entries) / (time.perf_counter() - started)
        gc.collect()
        read_rate = len(entries) / read_only(app)
        gc.collect()
        plain_rate = len(entries) / plain_hashing(entries, algorithm)
        gc.collect()
        report = verify(app)
        assert report.intact and report.checked == len(entries), report.findings[:3]
        verify_rate = report.checked / report.seconds
        lines.append(f"{store:<11}{algorithm:<8}{len(entries):>8}{megabytes:>7.1f}{plain_rate:>13,.0f}"
                     f"{read_rate:>12,.0f}{verify_rate:>12,.0f}{verify_rate / plain_rate:>8.2f}{seal_rate:>11,.0f}")
    return lines


def sealing_window(app, org_ids: list[str], samples: int, poll_interval: float) -> list[float]:
    """Seconds from a command's commit to its last event being sealed, with a sealer worker running."""
    worker = SealingWorker(app, poll_interval=poll_interval, on_change=lambda *_: None)
    worker.step()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    windows = []
    try:
        for n in range(samples):
            result = app.count_party_members(ctx(date(2026, 1, 5), Department.PARTY_BUILDING),
                                             org_ids[n % len(org_ids)], members=n % 7 + 10)
            committed = time.perf_counter()
            while (worker.position(SEALER_NAME) or 0) < result.position:
                if time.perf_counter() - committed > 10:
                    raise RuntimeError(f"event {result.position} was not sealed in 10 s")
                time.sleep(0.001)
            windows.append(time.perf_counter() - committed)
            time.sleep(0.01)
    finally:
        worker.stop()
        thread.join(timeout=10)
        worker.close()
    return windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--window-samples", type=int, default=100)
    parser.add_argument("--sqlite-poll", type=float, default=0.2, help="the sealer's poll interval on SQLite")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="lianjian-bench-")
    with bench_database() as url:
        stores = {"SQLite": Settings(data_dir=Path(folder)), "PostgreSQL": Settings(database_url=url)}
        rows, windows = [], {}
        for store, settings in stores.items():
            app = open_application(settings)
            started = time.perf_counter()
            org_ids = generate(app, args.organizations)
            print(f"{store}: recorded {app.head_position()} events in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
            rows += measure(app, store)
            poll = args.sqlite_poll if store == "SQLite" else 1.0
            windows[store] = (poll, sealing_window(app, org_ids, args.window_samples, poll))
            app.close()
        print("verify throughput beside plain hashing of the same bytes (events/s; ratio = verify / plain)")
        print(f"{'store':<11}{'hash':<8}{'events':>8}{'MB':>7}{'plain hash':>13}{'read only':>12}{'verify':>12}"
              f"{'ratio':>8}{'seal':>11}")
        for row in rows:
            print(row)
        print(f"\nsealing window, commit to sealed, {args.window_samples} commands (goal: max < 1 s)")
        print(f"{'store':<11}{'wake-up':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
        for store, (poll, values) in windows.items():
            wake = f"poll {poll:g} s" if store == "SQLite" else f"NOTIFY (poll {poll:g} s)"
            print(f"{store:<11}{wake:<22}{statistics.median(values) * 1000:>9.1f}"
                  f"{percentile(values, 0.99) * 1000:>9.1f}{max(values) * 1000:>9.1f}"
                  f"  {'ok' if max(values) < 1 else 'ABOVE GOAL'}")


if __name__ == "__main__":
    main()
