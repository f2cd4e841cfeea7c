"""The command line as a user meets it: help everywhere, one-line errors, history that says who and why."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.context import Actor, Context
from domain.credit_code import make_credit_code
from domain.people import Person
from gateway.cli import app
from gateway.settings import Settings
from gateway.storage import open_application

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
    return tmp_path / "data"


@pytest.mark.parametrize("command", [[], ["demo"], ["events"], ["organizations"], ["docs"]])
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_an_unknown_organization_is_a_one_line_error(data_dir):
    result = runner.invoke(app, ["events", "不存在的组织"])
    assert result.exit_code == 2
    assert result.output.strip() == "lianjian: no organization '不存在的组织'"


def test_an_aggregate_cache_of_no_size_is_refused(data_dir, monkeypatch):
    monkeypatch.setenv("LIANJIAN_AGGREGATE_CACHE_SIZE", "0")  # the library would take 0 as "unbounded"
    result = runner.invoke(app, ["events", "x"])
    assert result.exit_code == 2
    assert "LIANJIAN_AGGREGATE_CACHE_SIZE: " in result.output  # the variable to mend, by name
    assert "greater than or equal to 1" in result.output and "Traceback" not in result.output


def test_a_setting_of_the_wrong_type_is_named_once(data_dir, monkeypatch):
    monkeypatch.setenv("LIANJIAN_PORT", "eighty")
    monkeypatch.setenv("LIANJIAN_DATABASE_URL", "mysql://root@localhost/lianjian")
    result = runner.invoke(app, ["events", "x"])
    assert result.exit_code == 2
    assert result.output.count("LIANJIAN_PORT: ") == 1 and "valid integer" in result.output
    assert result.output.count("LIANJIAN_DATABASE_URL") == 1  # its message names it already


def test_a_database_url_that_is_not_postgresql_is_refused(data_dir, monkeypatch):
    monkeypatch.setenv("LIANJIAN_DATABASE_URL", "mysql://root@localhost/lianjian")
    result = runner.invoke(app, ["events", "x"])
    assert result.exit_code == 2
    assert "must be a postgresql:// URL" in result.output
    assert "Traceback" not in result.output


def test_bad_input_through_the_real_console_never_shows_a_traceback(tmp_path):
    env = {"LIANJIAN_DATA_DIR": str(tmp_path), "LIANJIAN_GRADE_CUTOFFS": "banana", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "gateway", "events", "x"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("lianjian: configuration: LIANJIAN_GRADE_CUTOFFS: grade cut-offs")


def test_events_prints_who_when_what_and_why_with_personal_data_masked(data_dir):
    application = open_application(Settings())
    officer = Actor("ca-1", "ca-zhang", "civil_affairs", "officer")
    org_id = application.register_organization(
        Context(officer, "成立登记申请材料齐全", date(2014, 10, 20), "渝中民发〔2014〕12号"),
        name="重庆市渝中区上清寺致远社会公益事业发展促进会", kind="social_group",
        credit_code=make_credit_code("social_group", "500103", 1), domicile="渝中区上清寺路1号",
        purpose="培育社区社会组织", business_scope="孵化培育、公益服务",
        legal_representative=Person("王致远", "500103197001011234", "13800000001"), funds=Decimal("30000"),
        district="yuzhong", street="shangqingsi",
    ).aggregate_id
    application.close()

    result = runner.invoke(app, ["events", make_credit_code("social_group", "500103", 1)])

    assert result.exit_code == 0, result.output
    assert org_id in result.output
    assert "2014-10-20  Organization.Registered" in result.output
    assert "by ca-zhang (civil_affairs, officer); why: 成立登记申请材料齐全; basis: 渝中民发〔2014〕12号" in result.output
    assert "500103197001011234" not in result.output and "王致远 (personal data masked)" in result.output
    shown = runner.invoke(app, ["events", org_id, "--show-personal-data"])
    assert "500103197001011234" in shown.output


def test_docs_check_fails_when_the_catalogue_drifted(tmp_path):
    stale = tmp_path / "events.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert runner.invoke(app, ["docs", "--check", "--path", str(stale)]).exit_code == 2
    assert runner.invoke(app, ["docs", "--path", str(stale)]).exit_code == 0
    assert runner.invoke(app, ["docs", "--check", "--path", str(stale)]).exit_code == 0


@pytest.mark.parametrize(("args", "env", "logged"), [
    ([], None, False),  # off unless asked for: the proxy in front logs requests
    (["--access-log"], None, True),
    ([], "true", True),
    (["--no-access-log"], "true", False),  # the flag over the environment
    (["--workers", "2", "--access-log"], None, True),  # the worker processes' server too
])
def test_serve_writes_an_access_log_only_when_asked(data_dir, monkeypatch, args, env, logged):
    import uvicorn

    import gateway.app

    ran: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.append(options))
    monkeypatch.setattr(gateway.app, "create_served_app", lambda settings: object())
    monkeypatch.setenv("LIANJIAN_DEV_MODE", "false")  # set again by the workers' branch: undone after the test
    if env is not None:
        monkeypatch.setenv("LIANJIAN_ACCESS_LOG", env)
    result = runner.invoke(app, ["serve", *args])
    assert result.exit_code == 0, result.output
    assert [options["access_log"] for options in ran] == [logged]


@pytest.mark.parametrize(("value", "message"), [
    ("no_such_rule:5", "no rule 'no_such_rule'"),
    ("partner_penalty:0", "1..250 days"),
    ("partner_penalty", "1..250 days"),
])
def test_a_bad_task_deadline_setting_is_refused_by_name(data_dir, monkeypatch, value, message):
    monkeypatch.setenv("LIANJIAN_TASK_DUE_WORKING_DAYS", value)
    result = runner.invoke(app, ["events", "x"])
    assert result.exit_code == 2
    assert "LIANJIAN_TASK_DUE_WORKING_DAYS" in result.output and message in result.output


def test_task_deadline_settings_reach_the_locality(monkeypatch):
    from gateway.settings import Settings

    monkeypatch.setenv("LIANJIAN_TASK_DUE_WORKING_DAYS", " rectification_overdue:15 , partner_penalty:3")
    monkeypatch.setenv("LIANJIAN_TASK_REMINDER_WORKING_DAYS", "1")
    locality = Settings().locality()
    assert locality.task_due_working_days["rectification_overdue"] == 15
    assert locality.task_due_working_days["partner_penalty"] == 3
    assert locality.task_due_working_days["party_organization_missing"] == 20  # the default stays
    assert locality.task_reminder_working_days == 1
