"""One event a view cannot apply stops that view alone, loudly, until the cause is removed.

The event is planted below the domain's checks (written through the library, as no command could write it
now): a registration whose domicile holds a NUL, which PostgreSQL's text refuses. The two views that store
the domicile (the registry and the street office) stop at the event before it; on SQLite, which can hold a
NUL, the same two are made to fail on it by the row-building code refusing it. The other views, the rules
and the sealer go on past it and show the registrations after it; /readyz and /metrics name the failed
views, the event and the error; the error is logged once per view, not at every retry; `lianjian rebuild`
of a failed view ends with a clear message and a non-zero exit. Once the code is mended (the rows built with
the NUL replaced), the views resume by themselves, backing off meanwhile, and equal their rebuild."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import projections.views.rows as rows
from domain.application import Supervision
from domain.organization import Organization
from gateway.app import create_app
from gateway.cli import app as cli
from gateway.settings import Settings
from projections.audit.sealer import SEALER_NAME
from projections.rules.joint import RULES_NAME
from projections.runtime.db import ViewDatabase
from projections.runtime.rebuild import check
from projections.views.catalog import all_views
from tests.domain.conftest import Story

BROKEN = {"civil_affairs_registry", "street_office"}  # the views that store a registration's domicile
mended = rows.registration_row


def refusing_nul(org: Any) -> dict[str, Any]:
    """SQLite stores a NUL; the row-building code refuses it here, as PostgreSQL does."""
    if "\x00" in (org.domicile or ""):
        raise ValueError("a text column cannot hold NUL (0x00)")
    return mended(org)


def nul_replaced(org: Any) -> dict[str, Any]:
    """The mend, as deployed: a NUL shown as U+FFFD."""
    row = mended(org)
    return row | {"domicile": row["domicile"].replace("\x00", "\ufffd")} if row.get("domicile") else row


def plant_unstorable_registration(app: Supervision, story: Story) -> int:
    """A registration recorded through the library, bypassing the aggregate's checks; its position."""
    fields = story.registration_fields(domicile="渝中区\x00上清寺路1号") | dict(
        community=None, activity_area=None, supervising_unit=None, category=None, role=None)
    org = Organization._create(Organization.Registered, ctx=story.ctx(date(2020, 3, 1)), **fields)
    return app.save(org)[-1].notification.id


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def served(settings: Settings) -> Callable[[], TestClient]:
    return lambda: TestClient(create_app(settings.model_copy(update={"dev_mode": True,
                                                                       "tick_interval_seconds": 10**9})))


def test_a_view_that_cannot_apply_an_event_stops_alone_and_resumes_once_mended(
        settings, served, child_env, monkeypatch, caplog) -> None:
    caplog.set_level(logging.ERROR, logger="lianjian.projections")
    if not settings.database_url:
        monkeypatch.setattr(rows, "registration_row", refusing_nul)
    names = [view.name for view in all_views()]

    with served() as client:
        runtime = client.app.state.runtime
        app, db, worker = runtime.app, ViewDatabase(runtime.app), runtime.projections.worker
        story = Story(app)
        before = story.register()
        bad = plant_unstorable_registration(app, story)
        after = story.register()
        head = app.head_position()
        runtime.nudge()
        healthy = [name for name in names if name not in BROKEN]
        wait_until(lambda: all(db.position(name) == head for name in healthy)
                   and {f.view for f in worker.failures()} == BROKEN)
        wait_until(lambda: worker.position(RULES_NAME) == head and worker.position(SEALER_NAME) == head)
        time.sleep(3.5)  # retried meanwhile (after 1 s and 3 s): still failed, and said so once

        for name in BROKEN:
            assert db.position(name) == bad - 1
        with db.transaction(commit=False) as tx:
            disclosed = {r["org_id"] for r in tx.rows("SELECT org_id FROM public_disclosure__organizations")}
            registered = {r["org_id"] for r in tx.rows("SELECT org_id FROM civil_affairs_registry__organizations")}
        assert {before, after} <= disclosed  # the registration after the bad event is shown by the others
        assert before in registered and after not in registered

        ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "degraded"
        failed = {f["view"]: f for f in body["failed"]}
        assert set(failed) == BROKEN
        for failure in failed.values():
            assert failure["position"] == bad and failure["event_type"] == "Organization.Registered"
            assert failure["event_id"].endswith("/1") and "NUL" in failure["error"], failure
        metrics = client.get("/metrics").text
        for name in names:
            assert f'lianjian_view_failed{{view="{name}"}} {1.0 if name in BROKEN else 0.0}' in metrics
            assert f'lianjian_view_failed_position{{view="{name}"}} {float(bad) if name in BROKEN else 0.0}' in metrics
        errors = [r for r in caplog.records if r.levelno == logging.ERROR and "stopped at event" in r.getMessage()]
        assert sorted(r.args[0] for r in errors) == sorted(BROKEN), [r.getMessage() for r in errors]

    # A rebuild of a failed view cannot swap in half a view: it says why and exits non-zero.
    rebuilt = CliRunner().invoke(cli, ["rebuild", "civil_affairs_registry", "--wait", "5"], env=child_env)
    assert rebuilt.exit_code == 2, rebuilt.output
    assert f"civil_affairs_registry stopped at event {bad} (Organization.Registered" in rebuilt.output

    with served() as client:  # started again, still failing: not said again
        runtime = client.app.state.runtime
        app, db, worker = runtime.app, ViewDatabase(runtime.app), runtime.projections.worker
        wait_until(lambda: {f.view for f in worker.failures()} == BROKEN)
        monkeypatch.setattr(rows, "registration_row", nul_replaced)  # the mend, deployed while it runs
        wait_until(lambda: all(db.position(name) == head for name in names) and not worker.failures(), timeout=60)
        assert client.get("/readyz").json() | {"views": None} == {"status": "ready", "head": head, "views": None,
                                                                  "failed": []}
        for view in all_views():
            if view.name in BROKEN:
                assert not check(app, view).differences
        errors = [r for r in caplog.records if r.levelno == logging.ERROR and "stopped at event" in r.getMessage()]
        assert len(errors) == len(BROKEN)
