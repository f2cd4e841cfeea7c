"""The projection commands as an operator uses them: catch up, lag, rebuild, check, tick."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application
from projections.views.catalog import ALL_VIEWS
from projections.runtime.db import ViewDatabase
from projections.views.history import EventHistoryView
from projections.views.registry import CivilAffairsRegistry
from projections.views.street_office import StreetOfficeView

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
    application = open_application(Settings())
    load_demo(application)
    application.close()
    return tmp_path / "data"


def test_project_once_then_lag_shows_every_view_caught_up(data_dir):
    done = runner.invoke(app, ["project", "--once"])
    assert done.exit_code == 0, done.output
    assert "civil_affairs_registry: active" in done.output and "joint_supervision_rules: active" in done.output
    lag = runner.invoke(app, ["lag"])
    assert lag.exit_code == 0
    rows = [line.split() for line in lag.output.splitlines()[1:]]
    assert rows and all(row[3] == "0" for row in rows), lag.output  # no events behind
    assert {row[0] for row in rows} >= {"civil_affairs_registry", "joint_alerts", "event_history"}


def test_check_finds_a_tampered_view_row_and_rebuild_repairs_it(data_dir):
    assert runner.invoke(app, ["project", "--once", "--no-rules"]).exit_code == 0
    assert runner.invoke(app, ["rebuild", "--check"]).exit_code == 0

    application = open_application(Settings())
    registry = CivilAffairsRegistry()
    with ViewDatabase(application).transaction() as tx:
        tx.execute(f"UPDATE {registry.t('organizations')} SET party_members = 99 WHERE name = ?", ("春森腰鼓队",))
    application.close()

    checked = runner.invoke(app, ["rebuild", "--check", "civil_affairs_registry"])
    assert checked.exit_code == 1
    assert "civil_affairs_registry: 1 differences" in checked.output
    assert "party_members live=99 rebuilt=" in checked.output

    rebuilt = runner.invoke(app, ["rebuild", "civil_affairs_registry"])
    assert rebuilt.exit_code == 0 and "rebuilt to position" in rebuilt.output
    assert runner.invoke(app, ["rebuild", "--check", "civil_affairs_registry"]).exit_code == 0


def test_rebuild_in_two_processes_repairs_views_of_both_and_leaves_them_current(data_dir):
    assert runner.invoke(app, ["project", "--once", "--no-rules"]).exit_code == 0
    application = open_application(Settings())
    head = application.head_position()
    street, history = StreetOfficeView(), EventHistoryView()
    with ViewDatabase(application).transaction() as tx:  # tampered rows, in either process's share
        tx.execute(f"DELETE FROM {street.t('organizations')} WHERE name = ?", ("春森腰鼓队",))
        tx.execute(f"DELETE FROM {history.t('events')} WHERE position > ?", (head - 20,))
    application.close()
    assert runner.invoke(app, ["rebuild", "--check"]).exit_code == 1

    # The CLI's own process, as an operator runs it: its children are processes of their own.
    done = subprocess.run([sys.executable, "-m", "gateway", "rebuild", "--jobs", "2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("rebuilt to position") == len(ALL_VIEWS)
    assert "share 1 of 2" in done.stdout and "share 2 of 2" in done.stdout
    assert runner.invoke(app, ["rebuild", "--check"]).exit_code == 0
    application = open_application(Settings())
    db = ViewDatabase(application)
    assert {db.position(view.name) for view in ALL_VIEWS} == {head}
    application.close()


def test_unknown_view_and_bad_date_are_one_line_errors(data_dir):
    unknown = runner.invoke(app, ["rebuild", "no_such_view"])
    assert unknown.exit_code == 2 and unknown.output.startswith("lianjian: no view 'no_such_view'")
    bad = runner.invoke(app, ["tick", "--today", "31/05/2026"])
    assert bad.exit_code == 2 and "--today must be a date" in bad.output


def test_tick_applies_the_time_rules_once(data_dir):
    first = runner.invoke(app, ["tick", "--today", "2027-06-02"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["tick", "--today", "2027-06-02"])
    assert "0 missing-report proposals" in again.output and "0 rectifications overdue" in again.output
    assert first.output != again.output  # the first tick found something to do in a year's time
