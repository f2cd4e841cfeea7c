"""The auditor's GraphQL fields on the demo data: the global event log, a view as of a moment, the chain's
verification; and the read audit: reads of personal data recorded append-only, visible to auditors only."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from projections.audit.chain import table_exists
from projections.runtime.db import ViewDatabase
from projections.audit.event_log import LogFilter, event_log
from projections.audit.read_audit import READS_TABLE, Reader, create_reads_table, list_reads, record_reads

AUDITOR = "audit-qian"
OLD_NAME, NEW_NAME = "重庆市渝中区上清寺新市民服务中心", "重庆市渝中区新市民服务中心"  # renamed 2019-05-14
WITH_ID_NUMBER = "上清寺路自治物业中心"  # its legal representative's ID number is on record
LOG = """query($filter: EventLogFilter, $after: Int!, $first: Int!) {
  eventLog(filter: $filter, after: $after, first: $first) {
    events { position type recordedAt organizationId actor { username department } data }
    hasNextPage nextAfter upTo } }"""
AS_OF = """query($view: String!, $at: DateTime!, $table: String, $first: Int!) {
  viewAsOf(view: $view, at: $at, table: $table, first: $first) { view at position tables { table rows } table rows hasMore } }"""
VERIFY = "{ verifyChain { intact algorithm sealedHead storeHead sealed unsealed firstUnsealed totalFindings" \
         " firstFinding { kind position detail } findings { kind position } } }"
READS = """query($org: ID, $user: String, $after: Int!) {
  personalDataReads(organizationId: $org, username: $user, after: $after, first: 1000) {
    reads { position readAt userId username department organizationId organizationName what via } nextAfter } }"""
ORGANIZATION = "query($org: ID!) { organization(id: $org) { name legalRepresentative { name idNumber phone } } }"


def caught_up(gateway) -> None:
    """The embedded projections have applied (and sealed) every stored event."""
    runtime = gateway.client.app.state.runtime
    assert runtime.wait_for("event_history", gateway.app.head_position(), timeout=30)


def log(gateway, user=AUDITOR, after=0, first=1000, **filters) -> dict:
    return gateway.data(user, LOG, {"filter": filters or None, "after": after, "first": first})["eventLog"]


def reads(gateway, org=None, user=None, after=0) -> list[dict]:
    return gateway.data(AUDITOR, READS, {"org": org, "user": user, "after": after})["personalDataReads"]["reads"]


def last_read(gateway) -> int:
    """The position of the last recorded read: reads after it are the test's own."""
    db = ViewDatabase(gateway.app)
    with db.transaction(commit=False) as tx:
        return int(tx.row(f"SELECT COALESCE(MAX(position), 0) AS p FROM {READS_TABLE}")["p"])


# -- eventLog ---------------------------------------------------------------------------------------------


def test_the_event_log_pages_through_every_business_event_in_position_order(gateway):
    caught_up(gateway)
    whole = log(gateway)
    assert not whole["hasNextPage"] and whole["nextAfter"] is None
    positions = [e["position"] for e in whole["events"]]
    assert positions == sorted(positions) and len(positions) == len(set(positions)) > 100
    assert whole["upTo"] == gateway.app.head_position()
    # the same events as the store itself gives (technical events left out by both)
    assert positions == [e.position for e in event_log(gateway.app, limit=1000).events]

    paged, after = [], 0
    while True:
        page = log(gateway, after=after, first=37)
        paged += [e["position"] for e in page["events"]]
        if page["nextAfter"] is None:
            assert not page["hasNextPage"]
            break
        assert page["hasNextPage"] and len(page["events"]) == 37 and page["nextAfter"] == paged[-1]
        after = page["nextAfter"]
    assert paged == positions


def test_the_event_log_filters_by_department_actor_type_and_time(gateway):
    caught_up(gateway)
    finance = log(gateway, department="finance")["events"]
    assert finance and {e["actor"]["department"] for e in finance} == {"finance"}
    expected = event_log(gateway.app, LogFilter(department="finance"), limit=1000).events
    assert [e["position"] for e in finance] == [e.position for e in expected]

    by_li = log(gateway, actor="sqs-li")["events"]
    assert by_li and {e["actor"]["username"] for e in by_li} == {"sqs-li"}

    renames = log(gateway, type="Organization.RegistrationChanged", actor="ca-zhang")["events"]
    rename = next(e for e in renames if e["data"].get("changes", {}).get("name") == NEW_NAME)
    assert {e["type"] for e in renames} == {"Organization.RegistrationChanged"}
    assert {e["type"].split(".")[0] for e in log(gateway, type="FundingProject")["events"]} == {"FundingProject"}

    # recorded 2019-05-14 01:00 UTC = 09:00 Asia/Shanghai, which is what a time without zone means
    assert rename["recordedAt"] == "2019-05-14T01:00:00+00:00"
    since = log(gateway, since="2019-05-14T09:00:00", until="2019-05-14T09:00:01")["events"]
    assert [e["position"] for e in since] == [rename["position"]]
    assert log(gateway, since="2019-05-14T09:00:01", until="2019-05-15T00:00:00+08:00")["events"] == []
    assert [e["position"] for e in log(gateway, since="2019-05-14T01:00:00Z", until="2019-05-14T01:00:01Z")["events"]] \
        == [rename["position"]]
    window = log(gateway, since="2020-01-01T00:00:00", until="2021-01-01T00:00:00")["events"]
    assert window and all("2019-12-31T16:00:00+00:00" <= e["recordedAt"] < "2020-12-31T16:00:00+00:00" for e in window)


@pytest.mark.parametrize("filters, after, first", [
    ({"department": "nowhere"}, 0, 10),
    ({"type": "Organization.Painted"}, 0, 10),
    ({"since": "2021-01-01T00:00:00", "until": "2020-01-01T00:00:00"}, 0, 10),
    ({"since": "last tuesday"}, 0, 10),
    ({"until": "2020-13-01T00:00:00"}, 0, 10),
    (None, -1, 10),
    (None, 0, 0),
    (None, 0, 1001),
])
def test_bad_log_requests_are_bad_user_input(gateway, filters, after, first):
    assert gateway.code(AUDITOR, LOG, {"filter": filters, "after": after, "first": first}) == "BAD_USER_INPUT"


# -- viewAsOf ---------------------------------------------------------------------------------------------


def organization_row(gateway, at: str) -> dict:
    org = gateway.org_id(NEW_NAME)
    found = gateway.data(AUDITOR, AS_OF, {"view": "civil_affairs_registry", "at": at, "table": "organizations",
                                          "first": 1000})["viewAsOf"]
    assert not found["hasMore"]
    return found | {"row": next(r for r in found["rows"] if r["org_id"] == org)}


def test_a_view_as_of_a_moment_shows_the_old_name_before_the_rename(gateway):
    caught_up(gateway)
    before = organization_row(gateway, "2019-05-14T08:59:59")  # Asia/Shanghai: a second before it was recorded
    after = organization_row(gateway, "2019-05-14T09:00:00")
    assert before["row"]["name"] == OLD_NAME and after["row"]["name"] == NEW_NAME
    assert before["at"] == "2019-05-14T08:59:59+08:00"
    assert after["position"] > before["position"]
    assert before["view"] == "civil_affairs_registry" and before["table"] == "organizations"
    counts = {t["table"]: t["rows"] for t in before["tables"]}
    assert set(counts) == {"organizations", "penalties", "annual_duties", "credit_list_history"}
    assert counts["organizations"] == len(before["rows"])

    # the live view is untouched, and the scratch tables are gone once read
    now = gateway.data(AUDITOR, "query($org: ID!) { organization(id: $org) { name } }",
                       {"org": gateway.org_id(NEW_NAME)})["organization"]
    assert now["name"] == NEW_NAME
    db = ViewDatabase(gateway.app)
    with db.transaction(commit=False) as tx:
        assert not table_exists(tx, db, "asof_civil_affairs_registry__organizations")


def test_a_view_as_of_gives_its_default_table_a_page_at_a_time(gateway):
    page = gateway.data(AUDITOR, AS_OF, {"view": "event_history", "at": "2016-01-01", "first": 3})["viewAsOf"]
    assert page["table"] == "events" and len(page["rows"]) == 3 and page["hasMore"]
    assert [r["position"] for r in page["rows"]] == sorted(r["position"] for r in page["rows"])
    assert page["tables"] == [{"table": "events", "rows": page["tables"][0]["rows"]}]
    empty = gateway.data(AUDITOR, AS_OF, {"view": "event_history", "at": "2000-01-01T00:00:00", "first": 3})
    assert empty["viewAsOf"]["position"] == 0 and empty["viewAsOf"]["rows"] == []


@pytest.mark.parametrize("variables", [
    {"view": "no_such_view", "at": "2020-01-01T00:00:00"},
    {"view": "civil_affairs_registry", "at": "2020-01-01T00:00:00", "table": "no_such_table"},
    {"view": "civil_affairs_registry", "at": "not a date"},
    {"view": "civil_affairs_registry", "at": "2020-02-30T00:00:00"},
    {"view": "civil_affairs_registry", "at": "2020-01-01T00:00:00", "first": 0},
])
def test_bad_view_as_of_requests_are_bad_user_input(gateway, variables):
    assert gateway.code(AUDITOR, AS_OF, {"first": 10, "table": None} | variables) == "BAD_USER_INPUT"


# -- verifyChain ------------------------------------------------------------------------------------------


def verified(gateway, sealed_through: int | None = None) -> dict:
    """verifyChain once the server's sealer has sealed every stored event (it seals as events come)."""
    head = gateway.app.head_position() if sealed_through is None else sealed_through
    deadline = time.monotonic() + 30
    while True:
        report = gateway.data(AUDITOR, VERIFY)["verifyChain"]
        if report["sealedHead"] >= head or time.monotonic() > deadline:
            return report
        time.sleep(0.1)


def test_verify_chain_is_intact_then_names_a_tampered_event_at_its_position(fresh_gateway):
    report = verified(fresh_gateway)
    assert report["intact"] and report["totalFindings"] == 0 and report["firstFinding"] is None
    assert report["algorithm"] == "sha256" and report["unsealed"] == 0 and report["firstUnsealed"] is None
    assert report["sealed"] == report["sealedHead"] == report["storeHead"] == fresh_gateway.app.head_position()

    rename = next(e for e in log(fresh_gateway, type="Organization.RegistrationChanged")["events"]
                  if e["data"].get("changes", {}).get("name") == NEW_NAME)
    db = ViewDatabase(fresh_gateway.app)
    column = "notification_id" if db.is_postgres else "rowid"
    with db.transaction() as tx:
        state = bytes(tx.row(f"SELECT state FROM {db.events_table} WHERE {column} = ?", (rename["position"],))["state"])
        assert NEW_NAME.encode() in state
        forged = state.replace(NEW_NAME.encode(), "重庆市渝中区新市民服务机构".encode())  # same length, valid JSON
        tx.execute(f"UPDATE {db.events_table} SET state = ? WHERE {column} = ?", (forged, rename["position"]))

    tampered = fresh_gateway.data(AUDITOR, VERIFY)["verifyChain"]
    assert not tampered["intact"] and tampered["totalFindings"] == 1
    assert tampered["firstFinding"]["kind"] == "altered"
    assert tampered["firstFinding"]["position"] == rename["position"]
    assert "no longer hash" in tampered["firstFinding"]["detail"]
    assert tampered["findings"] == [{"kind": "altered", "position": rename["position"]}]


# -- the read audit ---------------------------------------------------------------------------------------


def test_reading_a_legal_representative_unmasked_is_recorded_and_masked_is_not(gateway):
    org = gateway.org_id(WITH_ID_NUMBER)
    start = last_read(gateway)

    seen = gateway.data("ca-zhang", ORGANIZATION, {"org": org})["organization"]["legalRepresentative"]
    assert seen["idNumber"] and "*" not in seen["idNumber"]  # civil affairs sees it whole
    [read] = reads(gateway, org=org, after=start)
    assert read["username"] == "ca-zhang" and read["department"] == "civil_affairs"
    assert read["what"] == "organization.legalRepresentative" and read["via"] == "graphql"
    assert read["organizationId"] == org and read["organizationName"] == WITH_ID_NUMBER
    assert read["userId"] and abs(datetime.fromisoformat(read["readAt"]) - datetime.now(timezone.utc)).total_seconds() < 60

    masked = gateway.data("fin-chen", ORGANIZATION, {"org": org})["organization"]["legalRepresentative"]
    assert "*" in masked["idNumber"]  # finance sees it masked: no read of personal data
    gateway.data("ca-zhang", "query($org: ID!) { organization(id: $org) { name legalRepresentative { name } } }",
                 {"org": org})  # the name alone, no ID or phone number asked for
    gateway.data(None, "query($org: ID!) { organization(id: $org) { name } }", {"org": org})
    assert [r["position"] for r in reads(gateway, org=org, after=start)] == [read["position"]]
    assert reads(gateway, user="fin-chen", after=start) == []


def test_lists_histories_and_the_log_record_only_what_was_shown_unmasked(gateway):
    start = last_read(gateway)
    names = "{ organizations(first: 200) { edges { node { name } } } }"
    gateway.data("ca-zhang", names)
    assert reads(gateway, after=start) == []  # names only

    people = "{ organizations(first: 200) { edges { node { id legalRepresentative { idNumber } } } } }"
    nodes = [e["node"] for e in gateway.data("sqs-li", people)["organizations"]["edges"]]
    shown = {n["id"] for n in nodes if n["legalRepresentative"] and n["legalRepresentative"]["idNumber"]}
    assert shown  # the street officer sees its own street's registrations whole
    recorded = reads(gateway, user="sqs-li", after=start)
    assert {r["organizationId"] for r in recorded} == shown
    assert {r["what"] for r in recorded} == {"organizations.legalRepresentative"}

    history = "query($org: ID!) { organizationHistory(id: $org) { events { type data } } }"
    org = gateway.org_id(WITH_ID_NUMBER)
    mark = last_read(gateway)
    gateway.data("fin-chen", history, {"org": org})  # finance: its own events, masked
    assert reads(gateway, after=mark) == []
    gateway.data("ca-zhang", history, {"org": org})
    assert [(r["username"], r["what"], r["organizationId"]) for r in reads(gateway, after=mark)] == [
        ("ca-zhang", "organizationHistory", org)]

    mark = last_read(gateway)
    page = log(gateway, type="Organization.Registered", first=5)
    with_people = {e["organizationId"] for e in page["events"]
                   if any(isinstance(v, dict) and (v.get("id_number") or v.get("phone")) for v in e["data"].values())}
    assert with_people
    logged = reads(gateway, after=mark)
    assert {r["organizationId"] for r in logged} == with_people
    assert {(r["username"], r["what"]) for r in logged} == {(AUDITOR, "eventLog")}


def test_a_view_as_of_with_personal_data_is_recorded(gateway):
    mark = last_read(gateway)
    gateway.data(AUDITOR, AS_OF, {"view": "party_building", "at": "2020-01-01T00:00:00", "table": None, "first": 5})
    assert reads(gateway, after=mark) == []  # no personal data in that view
    rows = gateway.data(AUDITOR, AS_OF, {"view": "civil_affairs_registry", "at": "2020-01-01T00:00:00",
                                         "table": "organizations", "first": 5})["viewAsOf"]["rows"]
    recorded = reads(gateway, after=mark)
    assert {r["organizationId"] for r in recorded} == {r["org_id"] for r in rows if r["representative_id_number"]
                                                        or r["representative_phone"]}
    assert {r["what"] for r in recorded} == {"viewAsOf"}


def test_the_reads_are_for_auditors_only_and_page_by_position(gateway):
    gateway.data("ca-zhang", ORGANIZATION, {"org": gateway.org_id(WITH_ID_NUMBER)})
    for user in ("ca-zhang", "sqs-li", "fin-chen", "party-liu", "tax-he", None):
        assert gateway.code(user, "{ personalDataReads { reads { what } } }") == "FORBIDDEN"
    everything = reads(gateway)
    assert len(everything) >= 2
    first = gateway.data(AUDITOR, "{ personalDataReads(first: 1) { reads { position } nextAfter } }")
    page = first["personalDataReads"]
    assert page["reads"] == [{"position": everything[0]["position"]}] and page["nextAfter"] == everything[0]["position"]
    assert [r["position"] for r in reads(gateway, after=page["nextAfter"])] == [r["position"] for r in everything[1:]]
    assert gateway.code(AUDITOR, '{ personalDataReads(organizationId: "not-an-id") { reads { what } } }') \
        == "BAD_USER_INPUT"


def test_the_reads_table_is_made_on_startup_and_refuses_update_and_delete(fresh_gateway):
    db = ViewDatabase(fresh_gateway.app)
    with db.transaction(commit=False) as tx:
        assert table_exists(tx, db, READS_TABLE)  # before any read was recorded
    fresh_gateway.data("ca-zhang", ORGANIZATION, {"org": fresh_gateway.org_id(WITH_ID_NUMBER)})
    for statement in (f"UPDATE {READS_TABLE} SET username = 'someone-else'", f"DELETE FROM {READS_TABLE}"):
        with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
            tx.execute(statement)
    assert [r.username for r in list_reads(db).reads] == ["ca-zhang"]


# -- the read audit's table, on SQLite and PostgreSQL -----------------------------------------------------


def test_reads_are_appended_and_listed_on_both_stores(make_app):
    app = make_app()
    db = ViewDatabase(app)
    create_reads_table(db)
    create_reads_table(db)  # idempotent: every start makes sure
    zhang, li = Reader("u-1", "ca-zhang", "civil_affairs"), Reader("u-2", "sqs-li", "street_office")
    assert record_reads(db, zhang, ["org-b", "org-a", "org-a", ""], "organizations.legalRepresentative") == 2
    assert record_reads(db, li, ["org-a"], "organizationHistory") == 1
    assert record_reads(db, li, [], "organizationHistory") == 0

    other = ViewDatabase(make_app())  # another process sees them
    every = list_reads(other).reads
    assert [(r.username, r.department, r.org_id, r.what, r.via) for r in every] == [
        ("ca-zhang", "civil_affairs", "org-a", "organizations.legalRepresentative", "graphql"),
        ("ca-zhang", "civil_affairs", "org-b", "organizations.legalRepresentative", "graphql"),
        ("sqs-li", "street_office", "org-a", "organizationHistory", "graphql"),
    ]
    assert [r.position for r in every] == sorted({r.position for r in every})
    assert all(r.read_at.tzinfo is not None and r.read_at.utcoffset().total_seconds() == 0 for r in every)
    assert [r.username for r in list_reads(other, org_id="org-a").reads] == ["ca-zhang", "sqs-li"]
    assert [r.org_id for r in list_reads(other, username="u-2").reads] == ["org-a"]
    page = list_reads(other, limit=2)
    assert len(page.reads) == 2 and page.next_after == every[1].position
    assert [r.position for r in list_reads(other, after=page.next_after).reads] == [every[2].position]


@pytest.mark.parametrize("statement", [
    "UPDATE {t} SET username = 'someone-else' WHERE org_id = 'org-a'",
    "UPDATE {t} SET read_at = '2000-01-01T00:00:00+00:00'",
    "DELETE FROM {t} WHERE org_id = 'org-a'",
    "DELETE FROM {t}",
])
def test_the_database_refuses_to_change_or_remove_a_read_on_both_stores(make_app, statement):
    app = make_app()
    db = ViewDatabase(app)
    record_reads(db, Reader("u-1", "ca-zhang", "civil_affairs"), ["org-a", "org-b"], "dossier")
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute(statement.format(t=READS_TABLE))
    assert [(r.username, r.org_id) for r in list_reads(ViewDatabase(make_app())).reads] == [
        ("ca-zhang", "org-a"), ("ca-zhang", "org-b")]


@pytest.mark.postgres
def test_truncating_the_reads_is_refused_on_postgres(postgres_url):
    from domain.application import Supervision
    from gateway.storage import postgres_env

    app = Supervision(env=postgres_env(postgres_url))  # SQLite has no TRUNCATE to refuse
    db = ViewDatabase(app)
    record_reads(db, Reader("u-1", "ca-zhang", "civil_affairs"), ["org-a"], "dossier")
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute(f"TRUNCATE {READS_TABLE}")
    assert len(list_reads(db).reads) == 1
