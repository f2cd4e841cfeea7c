"""`lianjian tick` beside a running `lianjian project`: it never applies a view a worker holds (both at once
met each other's rows: a duplicate key), it waits for the worker instead; with no worker running it applies
the views itself; a worker that holds the views but does not move them ends the wait with a clear error."""

from __future__ import annotations

import threading

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.demo import load_demo
from gateway.storage import open_application
from projections.runtime.db import ViewDatabase
from projections.runtime.rebuild import check
from projections.runtime.worker import ProjectionWorker
from projections.views.catalog import all_views

runner = CliRunner()


@pytest.fixture
def env(settings, monkeypatch):
    """The CLI on the test's store (SQLite or PostgreSQL), holding the demo, no view applied yet."""
    if settings.database_url:
        monkeypatch.setenv("LIANJIAN_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
        monkeypatch.setenv("LIANJIAN_DATA_DIR", str(settings.data_dir))
    application = open_application(settings)
    load_demo(application)
    yield application
    application.close()


def test_tick_waits_for_the_worker_that_holds_the_views(env):
    worker = ProjectionWorker(env, all_views(), poll_interval=0.05)
    worker.step()  # the worker holds every view now, and has applied the demo
    head_before = env.head_position()
    # The views fall behind: a command recorded after the worker's step.
    env.count_party_members(_ctx(), env.organization_ids()[0], members=9)
    assert env.head_position() > head_before
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        ticked = runner.invoke(app, ["tick", "--today", "2026-06-01", "--wait", "30"])
    finally:
        worker.stop()
        thread.join(10)
    assert ticked.exit_code == 0, ticked.output
    assert all(state == "active" for state in worker.states.values()), worker.states  # nothing taken from it
    worker.run_until_idle()
    for view in all_views():
        assert not check(env, view).differences, view.name
    worker.close()


def test_tick_applies_the_views_itself_when_no_worker_runs(env):
    db = ViewDatabase(env)
    head = env.head_position()
    assert all(db.position(v.tracking_name) < head for v in all_views())
    ticked = runner.invoke(app, ["tick", "--today", "2026-06-01", "--wait", "5"])
    assert ticked.exit_code == 0, ticked.output
    assert all(db.position(v.tracking_name) >= head for v in all_views())  # applied before the rules read them


def test_tick_gives_up_clearly_when_the_worker_holding_the_views_does_not_move(env):
    worker = ProjectionWorker(env, all_views())
    worker.step()
    env.count_party_members(_ctx(), env.organization_ids()[0], members=9)  # behind, and nobody applies it
    try:
        ticked = runner.invoke(app, ["tick", "--today", "2026-06-01", "--wait", "0.5"])
    finally:
        worker.close()
    assert ticked.exit_code == 2, ticked.output
    assert "views still behind the log" in ticked.output


def _ctx():
    from datetime import date

    from domain.context import Actor, Context, Department

    return Context(Actor("party-1", "党建干部", Department.PARTY_BUILDING, "officer"), "年度统计", date(2026, 5, 1))
