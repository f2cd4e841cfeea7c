"""What the auditor's console asks beyond the first audit fields, on both stores: the log by organization and
position range, a view as of a moment for one organization or street, the views it can rebuild, and the
stored checkpoints beside the chain's verification."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import Settings
from projections.audit.checkpoints import CHECKPOINT_TABLE, load_signing_key, write_checkpoint
from projections.runtime.db import ViewDatabase
from tests.gateway.conftest import _gateway
from tests.gateway.test_audit_graphql import AUDITOR, NEW_NAME, VERIFY, caught_up, log, verified

AS_OF_FOR = """query($view: String!, $at: DateTime!, $table: String, $org: ID, $street: String) {
  viewAsOf(view: $view, at: $at, table: $table, first: 1000, organizationId: $org, street: $street) {
    table rows hasMore } }"""
CHECKPOINTS = "{ verifyChain { intact checkpoints { position hash algorithm createdAt keyId problem } } }"


def test_the_console_fields_answer_alike_on_both_stores(settings: Settings, tmp_path: Path) -> None:
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url):
        caught_up(gw)
        org = gw.org_id(NEW_NAME)
        everything = log(gw)["events"]

        # the log of one organization, and a range of positions (both ends included)
        own = log(gw, organizationId=org)["events"]
        assert own and [e["position"] for e in own] == [e["position"] for e in everything
                                                        if e["organizationId"] == org]
        low, high = everything[3]["position"], everything[9]["position"]
        ranged = log(gw, fromPosition=low, toPosition=high)["events"]
        assert [e["position"] for e in ranged] == [e["position"] for e in everything[3:10]]
        assert [e["position"] for e in log(gw, fromPosition=high, toPosition=high)["events"]] == [high]
        for bad in ({"fromPosition": high, "toPosition": low}, {"fromPosition": 0}, {"organizationId": "nobody"}):
            errors = gw.call(AUDITOR, "query($f: EventLogFilter) { eventLog(filter: $f) { upTo } }", {"f": bad})
            assert errors["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
        assert "toPosition < fromPosition" in gw.call(
            AUDITOR, "query($f: EventLogFilter) { eventLog(filter: $f) { upTo } }",
            {"f": {"fromPosition": high, "toPosition": low}})["errors"][0]["message"]

        # a view as of a moment, for one organization, or one street, where its table has the column
        def as_of(**variables):
            return gw.data(AUDITOR, AS_OF_FOR, {"view": "civil_affairs_registry", "at": "2019-05-14T09:00:00",
                                                "table": None, "org": None, "street": None} | variables)["viewAsOf"]
        whole = as_of()["rows"]
        [mine] = as_of(org=org)["rows"]
        assert mine["org_id"] == org and mine["name"] == NEW_NAME
        street = mine["street"]
        assert [r["org_id"] for r in as_of(street=street)["rows"]] == [r["org_id"] for r in whole
                                                                      if r["street"] == street]
        assert len(as_of(street=street)["rows"]) < len(whole)
        assert as_of(street="no-such-street")["rows"] == []
        penalties = as_of(table="penalties", org=org)
        assert penalties["table"] == "penalties" and all(r["org_id"] == org for r in penalties["rows"])
        bad = gw.call(AUDITOR, AS_OF_FOR, {"view": "civil_affairs_registry", "at": "2020-01-01", "table": "penalties",
                                           "org": None, "street": street})["errors"][0]
        assert bad["extensions"]["code"] == "BAD_USER_INPUT" and "no street column" in bad["message"]

        # the views the console offers, with what each table can be chosen by
        views = {v["name"]: v for v in gw.data(AUDITOR, "{ auditViews { name tables { name columns byOrganization"
                                                        " byStreet } } }")["auditViews"]}
        assert "civil_affairs_registry" in views and "event_history" in views
        tables = {t["name"]: t for t in views["civil_affairs_registry"]["tables"]}
        assert list(tables)[0] == "organizations" and tables["organizations"]["byStreet"]
        assert tables["penalties"]["byOrganization"] and not tables["penalties"]["byStreet"]
        assert "PRIMARY" not in tables["annual_duties"]["columns"] and "year" in tables["annual_duties"]["columns"]
        assert gw.code("sqs-li", "{ auditViews { name } }") == "FORBIDDEN"

        # the stored checkpoints, each checked: agreeing, then one whose hash was changed
        verified(gw)
        assert gw.data(AUDITOR, CHECKPOINTS)["verifyChain"]["checkpoints"] == []
        kept = write_checkpoint(gw.app, load_signing_key(tmp_path / "key.pem", create=True))
        report = gw.data(AUDITOR, CHECKPOINTS)["verifyChain"]
        assert report["intact"] and report["checkpoints"] == [{
            "position": kept.position, "hash": kept.hash, "algorithm": kept.algorithm, "createdAt": kept.created_at,
            "keyId": kept.key_id, "problem": None}]
        db = ViewDatabase(gw.app)
        with db.transaction() as tx:
            tx.execute(f"UPDATE {CHECKPOINT_TABLE} SET hash = ?", ("0" * 64,))
        [altered] = gw.data(AUDITOR, CHECKPOINTS)["verifyChain"]["checkpoints"]
        assert altered["problem"] and "signature" in altered["problem"]
        assert gw.code("sqs-li", VERIFY) == "FORBIDDEN"
