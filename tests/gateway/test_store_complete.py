"""The embedded store as `lianjian demo --no-serve` leaves it: views caught up and the chain sealed; `verify`
tells an intact chain with old unsealed events apart (exit 3) from a sealed one (exit 0)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from domain.clock import clock_set_to
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.people import Person
from gateway.cli import _print_table, app
from gateway.settings import Settings
from gateway.storage import open_application

runner = CliRunner()
OFFICER = Actor("ca-1", "民政干部", Department.CIVIL_AFFAIRS, "officer")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cli_store(request, tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(tmp_path / "data"))
    if request.param == "postgres":
        monkeypatch.setenv("LIANJIAN_DATABASE_URL", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
    return Settings()


def test_demo_without_serving_leaves_views_current_and_the_chain_sealed(cli_store):
    loaded = runner.invoke(app, ["demo", "--no-serve"])
    assert loaded.exit_code == 0, loaded.output
    check = runner.invoke(app, ["rebuild", "--check"])
    assert check.exit_code == 0, check.output
    assert "equal at position" in check.output and "no such table" not in check.output
    verified = runner.invoke(app, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert "unsealed: none" in verified.output
    lag = runner.invoke(app, ["lag"])
    rows = [line.split() for line in lag.output.splitlines()[1:]]
    assert len(rows) == 9 and all(row[3] == "0" for row in rows), lag.output


def _register_at(settings: Settings, moment: datetime) -> None:
    application = open_application(settings)
    try:
        with clock_set_to(lambda: moment):
            application.register_organization(
                Context(OFFICER, "依法登记", moment.date(), None), name="渝中区测试协会", kind="social_group",
                credit_code=make_credit_code("social_group", "500103", 3), domicile="渝中区人民路1号",
                purpose="服务", business_scope="服务", legal_representative=Person("孙代表"),
                funds=Decimal("30000"), district="yuzhong", street="shangqingsi")
    finally:
        application.close()


def test_verify_exits_3_when_unsealed_events_are_older_than_the_window(cli_store):
    stored_at = datetime.now(timezone.utc) - timedelta(seconds=600)
    _register_at(cli_store, stored_at)
    late = runner.invoke(app, ["verify", "--window", "590"])  # stored 600 s ago: past a 590 s window
    assert late.exit_code == 3, late.output
    assert "INTACT" in late.output and "UNSEALED" in late.output and "lianjian seal" in late.output
    within = runner.invoke(app, ["verify", "--window", "900"])  # the same events, inside a 900 s window
    assert within.exit_code == 0, within.output
    assert "UNSEALED" not in within.output
    assert runner.invoke(app, ["seal", "--once"]).exit_code == 0
    sealed = runner.invoke(app, ["verify", "--window", "0"])
    assert sealed.exit_code == 0 and "unsealed: none" in sealed.output, sealed.output


def test_a_table_keeps_its_columns_apart_however_large_the_numbers(capsys):
    _print_table(("view", "position", "head", "behind", "seconds"),
                 [("street_office", "552", "462426561", "462426009", "123456.4"), ("x", "1", "2", "1", "0.0")])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines] == [["view", "position", "head", "behind", "seconds"],
                                                 ["street_office", "552", "462426561", "462426009", "123456.4"],
                                                 ["x", "1", "2", "1", "0.0"]]
