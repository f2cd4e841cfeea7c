"""bench/tasks.py at a tiny size, on both stores, so that it cannot rot: organizations and tasks recorded, the
joint alerts view caught up, the served gateway answering each task query to the callers it measures."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import Report, Store
from bench.scale import scale_named
from bench.tasks import Sizes, kinds, measure, prepare
from gateway.settings import Settings

TINY = Sizes(tasks=300, requests=4, per_client=2, clients=4, paced_runs=1, paced_seconds=0.5, pause=0.0,
             restarted_events=200)


def test_the_tasks_benchmark_runs_at_a_tiny_size(settings: Settings, tmp_path: Path):
    folder = settings.data_dir if not settings.database_url else tmp_path / "postgres"
    folder.mkdir(parents=True, exist_ok=True)
    store = Store("PostgreSQL" if settings.database_url else "SQLite",
                  settings.model_copy(update={"data_dir": folder, "dev_mode": True}), folder, settings.database_url)
    report = Report()
    try:
        prepare(store, scale_named("40"), TINY, report)
        measure(store, TINY, report)
    finally:
        store.app.close()
    [recorded] = [r for r in report.rows if r.section == "Recording"]
    assert recorded.what.startswith("300 tasks") and recorded.figure > 0
    catch_ups = [r for r in report.rows if r.section == "Views"]
    assert len(catch_ups) == 3 and all(r.figure > 0 and r.base for r in catch_ups)
    # Every query the benchmark times answered without error, each beside `me`, for callers that see tasks.
    timed = [r for r in report.rows if r.section == "Tasks"]
    assert len(timed) == 3 * len(kinds()) and all(r.figure > 0 and r.base for r in timed)
    [shown] = report.notes["Tasks"]
    totals = [int(part.rsplit(" ", 1)[1].replace(",", "")) for part in shown.split(": ", 1)[1].split("; ")]
    assert len(totals) == 4 and all(total > 0 for total in totals), shown
