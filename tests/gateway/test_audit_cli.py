"""The auditor's commands as a user meets them: seal, verify, checkpoint, replay, asof, log and dossier;
tampering ends in exit code 1 naming the position, bad input in a one-line error (exit code 2)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from domain.clock import SHANGHAI, clock_set_to
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.people import Person
from gateway.cli import app
from gateway.settings import Settings
from gateway.storage import open_application
from projections.runtime.db import ViewDatabase
from tests.gateway.conftest import cli_on_store

runner = CliRunner()
OFFICER = Actor("ca-1", "民政干部", Department.CIVIL_AFFAIRS, "officer")
OLD, NEW = "重庆市民悦社会工作服务中心", "重庆市渝中区民悦社会工作服务中心"
ID_NUMBER, PHONE = "50010319850202123X", "13900139000"
AUDIT_COMMANDS = ["log", "dossier", "asof", "replay", "seal", "checkpoint", "verify", "reads"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path, monkeypatch) -> Settings:
    """The CLI's environment on SQLite or PostgreSQL, holding one organization renamed in 2021."""
    monkeypatch.delenv("LIANJIAN_AUDIT_KEY", raising=False)
    settings = cli_on_store(request, tmp_path, monkeypatch)
    application = open_application(settings)

    def on(day: date, command, *args, **kwargs):
        with clock_set_to(lambda: datetime.combine(day, time(9), tzinfo=SHANGHAI)):
            return command(Context(OFFICER, "依法办理 <审核>", day, "渝中民发〔2021〕8号"), *args,
                           **kwargs)

    org = on(date(2019, 3, 1), application.register_organization, name=OLD, kind="private_non_enterprise",
             credit_code=make_credit_code("private_non_enterprise", "500103", 7), domicile="渝中区人民路1号",
             purpose="社会工作服务", business_scope="社会工作",
             legal_representative=Person("孙代表", ID_NUMBER, PHONE),
             funds=Decimal("30000"), district="yuzhong", street="shangqingsi").aggregate_id
    on(date(2021, 5, 10), application.change_registration, org, name=NEW)
    application.close()
    return settings


def lianjian(*args: str):
    return runner.invoke(app, list(args))


def sql(settings: Settings, *statements: str) -> list[dict]:
    """Run SQL on the store as someone with database access; the rows of the last statement."""
    application = open_application(settings)
    db = ViewDatabase(application)
    try:
        with db.transaction() as tx:
            for statement in statements[:-1]:
                tx.execute(statement.replace("{events}", db.events_table)
                           .replace("{position}", "notification_id" if db.is_postgres else "rowid"))
            last = statements[-1].replace("{events}", db.events_table).replace(
                "{position}", "notification_id" if db.is_postgres else "rowid")
            return tx.rows(last) if last.lstrip().upper().startswith("SELECT") else (tx.execute(last) or [])
    finally:
        application.close()


@pytest.mark.parametrize("command", AUDIT_COMMANDS)
def test_every_audit_command_has_help(command):
    result = lianjian(command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_seal_then_verify_is_intact_and_tampering_exits_1_naming_the_position(store):
    assert "chain: none yet" in lianjian("verify").output
    sealed = lianjian("seal", "--once")
    assert sealed.exit_code == 0, sealed.output
    assert "sealed 6 events; the chain ends at #6" in sealed.output
    intact = lianjian("verify")
    assert intact.exit_code == 0, intact.output
    assert "INTACT" in intact.output and "checked 6 sealed events" in intact.output

    sql(store, "DELETE FROM {events} WHERE {position} = 4")
    tampered = lianjian("verify")
    assert tampered.exit_code == 1
    assert "TAMPERED: 1 findings; the first: #4 removed" in tampered.output


def test_a_kept_checkpoint_exposes_a_rewritten_chain(store, tmp_path):
    kept = tmp_path / "kept.json"
    made = lianjian("checkpoint", "--output", str(kept))
    assert made.exit_code == 0, made.output
    printed = json.loads(made.stdout)
    assert printed["position"] == 6 and printed == json.loads(kept.read_text())
    assert (store.data_dir / "audit-signing-key.pem").exists()
    assert lianjian("verify", "--checkpoint", str(kept)).exit_code == 0

    sql(store, "DELETE FROM audit_chain", "DELETE FROM audit_chain_meta", "DELETE FROM audit_checkpoints")
    assert lianjian("seal", "--once", "--algorithm", "sm3").exit_code == 0  # a new chain, another algorithm
    result = lianjian("verify", "--checkpoint", str(kept))
    assert result.exit_code == 1
    assert "#6 checkpoint" in result.output and "rewritten" in result.output

    wrong = lianjian("seal", "--once", "--algorithm", "sha256")
    assert wrong.exit_code == 2
    assert wrong.output.strip() == "lianjian: this store's chain is sealed with sm3, not sha256"
    kept.write_text("{not json")
    broken = lianjian("verify", "--checkpoint", str(kept))
    assert broken.exit_code == 2 and broken.output.startswith("lianjian: not a Lianjian checkpoint")


def test_replay_prints_rows_per_table_and_keeps_or_drops_them(store):
    result = lianjian("replay", "civil_affairs_registry", "--at", "2020-01-01")
    assert result.exit_code == 0, result.output
    assert "civil_affairs_registry as of 2020-01-01 00:00:00 Asia/Shanghai: events up to #3" in result.output
    assert "asof_civil_affairs_registry__organizations" in result.output and "kept for inspection" in result.output
    assert sql(store, "SELECT name FROM asof_civil_affairs_registry__organizations") == [{"name": OLD}]
    assert "dropped" in lianjian("replay", "civil_affairs_registry", "--at", "2022-01-01", "--drop").output


@pytest.mark.parametrize(("args", "message"), [
    (["replay", "civil_affairs_registry", "--at", "2020-02-30"], "lianjian: --at: '2020-02-30' is not a date or time"),
    (["replay", "no_such_view", "--at", "2020-01-01"], "lianjian: no view 'no_such_view'"),
    (["log", "--since", "last week"], "lianjian: --since: 'last week' is not a date or time"),
    (["log", "--department", "police"], "lianjian: no department 'police'"),
    (["asof", OLD], "lianjian: give --at TIME or --version N"),
    (["asof", NEW, "--at", "2010-01-01"], "lianjian: " + NEW + " was first recorded 2019-03-01"),
    (["dossier", NEW, "--format", "docx"], "lianjian: --format must be one of json, csv, html or pdf"),
    (["dossier", "不存在的组织"], "lianjian: no organization '不存在的组织'"),
])
def test_bad_input_is_a_one_line_error(store, args, message):
    result = lianjian(*args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(message)
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_asof_shows_the_old_name_before_the_rename(store):
    before = lianjian("asof", NEW, "--at", "2020-01-01")
    assert before.exit_code == 0, before.output
    assert "as of version 1 of 2" in before.output and OLD in before.output and ID_NUMBER not in before.output
    after = lianjian("asof", NEW, "--version", "2", "--show-personal-data")
    assert NEW in after.output and ID_NUMBER in after.output


def test_log_filters_and_points_to_the_next_page(store):
    first = lianjian("log", "--limit", "1")
    assert first.exit_code == 0
    assert "Organization.Registered" in first.output and "next page: --after 1" in first.output
    second = lianjian("log", "--after", "1", "--since", "2021-01-01", "--department", "civil_affairs")
    assert "Organization.RegistrationChanged" in second.output and "end of the log (head #6)" in second.output
    none = lianjian("log", "--type", "FundingProject")
    assert "no events" in none.output


def test_dossier_as_json_csv_and_printable_html(store, tmp_path):
    as_json = lianjian("dossier", NEW)
    assert as_json.exit_code == 0, as_json.output
    dossier = json.loads(as_json.stdout)
    assert dossier["organization"]["name"] == NEW
    assert dossier["organization"]["legal_representative"] == {"name": "孙代表", "id_number": "[masked]",
                                                               "phone": "[masked]"}
    assert [e["event"] for e in dossier["events"]] == ["Organization.Registered", "Organization.RegistrationChanged"]
    assert dossier["events"][0]["actor"]["department"] == "civil_affairs"
    assert dossier["events"][0]["legal_basis"] == "渝中民发〔2021〕8号"
    assert ID_NUMBER not in as_json.stdout and PHONE not in as_json.stdout

    shown = json.loads(lianjian("dossier", NEW, "--show-personal-data").stdout)
    assert shown["organization"]["legal_representative"]["id_number"] == ID_NUMBER

    lianjian("seal", "--once")
    out = tmp_path / "dossier.csv"
    written = lianjian("dossier", NEW, "--format", "csv", "--output", str(out))
    assert written.exit_code == 0 and "Wrote" in written.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["event"] for r in rows] == ["Organization.Registered", "Organization.RegistrationChanged"]
    assert all(len(r["chain_hash"]) == 64 for r in rows)  # sealed: each row names its chain hash
    assert rows[0]["recorded_at"] == "2019-03-01 09:00:00"

    page = lianjian("dossier", NEW, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    assert "依法办理 &lt;审核&gt;" in page and "<审核>" not in page  # every value escaped
    assert ID_NUMBER not in page and NEW in page


def test_showing_personal_data_on_the_command_line_is_a_recorded_read(store):
    import getpass

    assert "no reads" in lianjian("reads").output
    assert lianjian("dossier", NEW).exit_code == 0  # masked: nothing to record
    assert lianjian("asof", NEW, "--version", "1").exit_code == 0
    assert "no reads" in lianjian("reads").output

    assert lianjian("dossier", NEW, "--show-personal-data").exit_code == 0
    assert lianjian("events", NEW, "--show-personal-data").exit_code == 0
    assert lianjian("asof", NEW, "--version", "2", "--show-personal-data").exit_code == 0
    recorded = sql(store, "SELECT username, user_id, department, org_id, what, via FROM personal_data_reads"
                          " ORDER BY position")
    application = open_application(store)
    org_id = str(application.find_organization(NEW).id)
    application.close()
    me = getpass.getuser()
    assert [(r["username"], r["department"], r["org_id"], r["what"], r["via"]) for r in recorded] == [
        (me, None, org_id, what, "cli") for what in ("dossier", "events", "asof")]
    assert recorded[0]["user_id"].startswith(f"{me}@")

    listed = lianjian("reads", "--organization", NEW, "--limit", "2")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count(org_id) == 2 and "dossier" in listed.output and "next page: --after 2" in listed.output
    assert "asof" in lianjian("reads", "--after", "2", "--user", me).output

