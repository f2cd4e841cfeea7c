"""The ledger uploaded through the gateway (POST /files/ledger) and lists exported through GraphQL (`export`), as
the dashboard's officers use them: each row checked against the uploader's role and street, a bad file refused
whole with its code and nothing written, the same file twice recorded once, the upload's own size limit; an
export holding exactly the caller's rows."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from gateway.settings import Settings
from tests.gateway.conftest import Gateway, _gateway, seed_jiangbei
from tests.gateway.test_ledger_files import BAD_FILES, filed, ledger, registered

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(gw: Gateway, user: str | None, content: bytes, *, dry_run: bool, name: str = "台账.xlsx",
           media: str = XLSX, accept: str = "application/json"):
    headers = {"Content-Type": media, "X-File-Name": quote(name), "Accept": accept}
    if user is not None:
        headers["Authorization"] = f"Bearer {gw.issuer.issue(user)}"
    return gw.client.post(f"/files/ledger?dryRun={'true' if dry_run else 'false'}", content=content, headers=headers)


def head(gw: Gateway) -> int:
    return gw.app.head_position()


def names_in_registry(gw: Gateway, user: str) -> set[str]:
    data = gw.data(user, "{ organizations(first: 200) { edges { node { name street } } } }")
    return {e["node"]["name"] for e in data["organizations"]["edges"]}


# -- scope and idempotency, on both stores ---------------------------------------------------------------------

def test_a_street_officer_imports_only_its_own_streets_rows_and_the_same_file_once(settings: Settings,
                                                                                   tmp_path: Path) -> None:
    content = ledger(tmp_path / "台账.xlsx", [
        filed("上清寺社区读书会"),                                                   # row 2: its street, filed
        {**filed("化龙桥社区舞蹈队"), "街道": "hualongqiao"},                      # row 3: another street
        registered("渝中区上传测试协会"),                                           # row 4: a registration
        filed("上清寺社区棋社", members=3),                                          # row 5: a party count
    ]).read_bytes()
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url):
        before = head(gw)
        checked = upload(gw, "sqs-li", content, dry_run=True)
        assert checked.status_code == 200, checked.text
        report = checked.json()
        problems = {(p["row"], p["column"]): p for p in report["problems"]}
        assert set(problems) == {(3, "街道"), (4, "类型"), (5, "党员人数")}, report["problems"]
        assert problems[(3, "街道")]["value"] == "hualongqiao" and "outside your jurisdiction" in problems[(3, "街道")]["why"]
        assert "may not record registerOrganization" in problems[(4, "类型")]["why"]
        assert "may not record countPartyMembers" in problems[(5, "党员人数")]["why"]
        assert report["dryRun"] and report["recorded"] == [] and head(gw) == before  # a dry run writes nothing

        first = upload(gw, "sqs-li", content, dry_run=False).json()
        assert first["recorded"] == [{"sheet": "社会组织", "row": 2}] and first["rowsWithProblems"] == 3
        after_first = head(gw)
        names = names_in_registry(gw, "ca-zhang")  # the page shows it once the answer has come
        assert "上清寺社区读书会" in names
        assert not names & {"化龙桥社区舞蹈队", "渝中区上传测试协会", "上清寺社区棋社"}
        event = next(e for e in gw.app.recorded_events() if e.type == "Organization.Filed"
                     and e.data.get("name") == "上清寺社区读书会")
        assert event.ctx.actor.username == "sqs-li" and "台账.xlsx" in event.ctx.reason

        again = upload(gw, "sqs-li", content, dry_run=False, name="copy.xlsx").json()
        assert again["recorded"] == [] and {"sheet": "社会组织", "row": 2} in again["already"]
        assert head(gw) == after_first  # the same content records nothing the second time

        # Civil affairs registers the registration (and may not file: its rows are problems of their own).
        by_district = upload(gw, "ca-zhang", content, dry_run=False).json()
        assert by_district["recorded"] == [{"sheet": "社会组织", "row": 4}]
        assert "may not record fileCommunityOrganization" in {p["row"]: p for p in by_district["problems"]}[3]["why"]


def test_the_export_holds_the_callers_rows_only_on_both_stores(settings: Settings, tmp_path: Path) -> None:
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url):
        seed_jiangbei(gw)
        for user, streets in (("sqs-li", {"shangqingsi"}), ("ca-zhang", None), ("jb-sqs-zhou", {"shangqingsi"})):
            rows = exported(gw, user, "ORGANIZATIONS")
            district = {"jb-sqs-zhou": "jiangbei"}.get(user, "yuzhong")
            listed = gw.data(user, "{ organizations(first: 200) { totalCount edges { node { name } } } }")
            assert sorted(r["名称"] for r in rows) == sorted(e["node"]["name"] for e in listed["organizations"]["edges"])
            assert {r["区"] for r in rows} == {district}, user
            if streets:
                assert {r["街道"] for r in rows} == streets, user
            assert all(r["身份证号码"] is None and r["联系电话"] is None for r in rows)
        for what, field in (("ALERTS", "alerts(first: 200) { alerts { id } }"),
                            ("INSPECTIONS", "inspectionCases(first: 200) { id }")):
            rows = exported(gw, "sqs-li", what)
            listed = gw.data("sqs-li", "{ " + field + " }")
            ids = [a["id"] for a in (listed.get("alerts") or {}).get("alerts", listed.get("inspectionCases", []))]
            key = "预警ID" if what == "ALERTS" else "案件ID"
            assert sorted(r[key] for r in rows) == sorted(ids) and rows, what
        funding = exported(gw, "jb-fin-zheng", "FUNDING")
        assert {r["项目名称"] for r in funding} == {"邻里互助项目"}
        for user in ("sqs-li", "ca-zhang", "jb-sqs-zhou", "fin-chen"):  # the tasks each one's `tasks` gives, in order
            listed = gw.data(user, "{ tasks(first: 100) { tasks { id street } } }")["tasks"]["tasks"]
            rows = exported(gw, user, "TASKS")
            assert [r["事项ID"] for r in rows] == [t["id"] for t in listed], user
            if "sqs" in user:
                assert {r["街道"] for r in rows} == {"shangqingsi"}, user


def exported(gw: Gateway, user: str | None, what: str, fmt: str = "XLSX", **arguments: object) -> list[dict]:
    query = ("query($list: ExportList!, $format: ExportFormat!, $filter: OrganizationFilter, $street: String) {"
             " export(list: $list, format: $format, filter: $filter, street: $street)"
             " { fileName mediaType rows contentBase64 } }")
    answer = gw.data(user, query, {"list": what, "format": fmt, **arguments})["export"]
    content = base64.b64decode(answer["contentBase64"])
    if fmt == "CSV":
        import csv

        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(values[0], row)) for row in values[1:]]
    assert answer["rows"] == len(rows) and answer["fileName"].endswith("." + fmt.lower())
    return rows


# -- who may, on a shared gateway (nothing recorded) -----------------------------------------------------------------

def test_the_export_filters_and_formats_like_the_list(gateway: Gateway) -> None:
    filtered = exported(gateway, "ca-zhang", "ORGANIZATIONS", "CSV", filter={"kind": "community", "street": "shangqingsi"})
    assert filtered and {(r["类型"], r["街道"]) for r in filtered} == {("社区社会组织", "shangqingsi")}
    listed = gateway.data("ca-zhang", '{ organizations(filter: {kind: "community", street: "shangqingsi"}, first: 200)'
                                     " { totalCount } }")
    assert len(filtered) == listed["organizations"]["totalCount"]


def test_the_export_takes_the_arguments_of_its_list(gateway: Gateway) -> None:
    query = "query($l: ExportList!, $f: OrganizationFilter, $s: String) { export(list: $l, filter: $f, street: $s) { rows } }"
    assert gateway.code("ca-zhang", query, {"l": "ALERTS", "f": {"kind": "community"}}) == "BAD_USER_INPUT"
    assert gateway.code("ca-zhang", query, {"l": "ORGANIZATIONS", "s": "shangqingsi"}) == "BAD_USER_INPUT"
    assert gateway.code("ca-zhang", query, {"l": "INSPECTIONS", "s": "x" * 500}) == "BAD_USER_INPUT"
    streets = {r["街道"] for r in exported(gateway, "ca-zhang", "INSPECTIONS", street="shangqingsi")}
    assert streets <= {"shangqingsi"}


@pytest.mark.parametrize(("user", "what"), [(None, "ORGANIZATIONS"), ("fin-chen", "INSPECTIONS"),
                                            ("insp-zhao", "FUNDING"), (None, "ALERTS")])
def test_a_role_that_may_not_list_may_not_export(gateway: Gateway, user: str | None, what: str) -> None:
    code = gateway.code(user, "query($l: ExportList!) { export(list: $l) { rows } }", {"l": what})
    assert code == "FORBIDDEN"


RECORDS_LEDGER_ROWS = {"ca-zhang", "sqs-li", "hlq-wang"}  # civil affairs registers, street offices file
OTHER_OFFICERS = ("fin-chen", "insp-zhao", "party-liu", "tax-he", "mr-xu", "ps-guo", "audit-qian")


def test_who_may_upload(gateway: Gateway, tmp_path: Path) -> None:
    content = ledger(tmp_path / "l.xlsx", [filed("上清寺社区读书会")]).read_bytes()
    before = head(gateway)
    for user in RECORDS_LEDGER_ROWS:
        assert upload(gateway, user, content, dry_run=True).status_code == 200, user
    for user, status, code in ((None, 401, "UNAUTHENTICATED"),
                               *((officer, 403, "FORBIDDEN") for officer in OTHER_OFFICERS)):
        for dry_run in (True, False):
            answer = upload(gateway, user, content, dry_run=dry_run)
            assert answer.status_code == status, (user, answer.text)
            assert answer.json()["errors"][0]["extensions"]["code"] == code
    bad_token = gateway.client.post("/files/ledger", content=content,
                                    headers={"Content-Type": XLSX, "Authorization": "Bearer nonsense"})
    assert bad_token.status_code == 401 and bad_token.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert head(gateway) == before


REASONS = {"not excel": "NOT_XLSX", "a zip without a workbook": "NOT_XLSX", "encrypted": "ENCRYPTED",
           "truncated": "DAMAGED", "formula": "FORMULA", "merged cells": "MERGED_CELLS",
           "hidden sheet": "HIDDEN_SHEETS", "missing header": "MISSING_COLUMNS", "unknown header": "UNKNOWN_COLUMNS"}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_a_4xx_with_its_code_and_nothing_written(gateway: Gateway, tmp_path: Path, case: str) -> None:
    make, message = BAD_FILES[case]
    content = make(tmp_path / "bad.xlsx").read_bytes()
    before = head(gateway)
    for dry_run in (True, False):
        answer = upload(gateway, "sqs-li", content, dry_run=dry_run)
        assert answer.status_code == 422, answer.text
        error = answer.json()["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": REASONS[case]}
        assert message in error["message"]
    assert head(gateway) == before


def test_an_upload_that_is_not_the_file_itself_is_refused(gateway: Gateway, tmp_path: Path) -> None:
    content = ledger(tmp_path / "l.xlsx", [filed("上清寺社区读书会")]).read_bytes()
    form = upload(gateway, "sqs-li", content, dry_run=True, media="multipart/form-data; boundary=x")
    assert form.status_code == 415 and form.json()["errors"][0]["extensions"]["reason"] == "UNSUPPORTED_MEDIA_TYPE"
    bad_flag = gateway.client.post("/files/ledger?dryRun=maybe", content=content, headers={
        "Content-Type": XLSX, "Authorization": f"Bearer {gateway.issuer.issue('sqs-li')}"})
    assert bad_flag.status_code == 400 and bad_flag.json()["errors"][0]["extensions"]["reason"] == "BAD_PARAMETER"


def test_the_template_downloads_and_checks_clean(gateway: Gateway) -> None:
    answer = gateway.client.get("/files/ledger-template.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert load_workbook(io.BytesIO(answer.content)).sheetnames == ["社会组织", "政府购买服务", "行政处罚", "填写说明"]
    report = upload(gateway, "ca-zhang", answer.content, dry_run=True).json()
    # The example row is a filing with a party count: civil affairs records neither.
    assert {p["column"] for p in report["problems"]} == {"类型", "党员人数"} and report["rows"] == 1


# -- the size limit, and progress ------------------------------------------------------------------------------------

def test_the_upload_limit_at_the_limit_and_one_byte_over(tmp_path: Path) -> None:
    content = ledger(tmp_path / "l.xlsx", [filed(f"上清寺社区队伍{i}") for i in range(30)]).read_bytes()
    assert len(content) > 4096  # above the GraphQL cap below: an upload's cap is its own
    for gw in _gateway(tmp_path / "data", upload_max_bytes=len(content), max_request_bytes=4096):
        before = head(gw)
        at = upload(gw, "sqs-li", content, dry_run=True)
        assert at.status_code == 200 and at.json()["rows"] == 30, at.text
        over = upload(gw, "sqs-li", content + b"\0", dry_run=False)
        assert over.status_code == 413, over.text
        error = over.json()["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "TOO_LARGE"}
        assert "LIANJIAN_UPLOAD_MAX_BYTES" in error["message"]
        chunked = gw.client.post("/files/ledger?dryRun=false", content=iter([content, b"\0"]), headers={
            "Content-Type": XLSX, "Authorization": f"Bearer {gw.issuer.issue('sqs-li')}"})  # no Content-Length
        assert chunked.status_code == 413 and chunked.json()["errors"][0]["extensions"]["reason"] == "TOO_LARGE"
        assert head(gw) == before
        graphql = gw.client.post("/graphql", content=b" " * 5000, headers={"Content-Type": "application/json"})
        assert graphql.status_code == 413 and "LIANJIAN_MAX_REQUEST_BYTES" in graphql.text  # GraphQL keeps its own


def test_a_real_run_streams_its_progress_and_then_the_report(fresh_gateway: Gateway, tmp_path: Path) -> None:
    rows = [filed(f"上清寺社区队伍{i}") for i in range(40)]
    content = ledger(tmp_path / "l.xlsx", rows).read_bytes()
    answer = upload(fresh_gateway, "sqs-li", content, dry_run=False, accept="application/x-ndjson")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in answer.text.splitlines()]
    progress = [line["progress"] for line in lines if "progress" in line]
    assert progress[0] == {"done": 0, "total": 40} and progress[-1] == {"done": 40, "total": 40}
    assert "checking" in lines[0] and len(lines[-1]["report"]["recorded"]) == 40
    assert {f"上清寺社区队伍{i}" for i in range(40)} <= names_in_registry(fresh_gateway, "sqs-li")


def test_the_credit_lists_and_the_event_log_export_to_whom_they_may(gateway: Gateway) -> None:
    listed = exported(gateway, "sqs-li", "CREDIT_LISTS")
    everywhere = exported(gateway, "audit-qian", "CREDIT_LISTS")
    assert listed and len(listed) <= len(everywhere) and {r["名单"] for r in everywhere} <= {"abnormal", "serious"}
    log = exported(gateway, "audit-qian", "EVENTS", "CSV")
    stored = [e for e in gateway.app.recorded_events() if e.type in ("Organization.Registered", "Alert.Raised")]
    for kind in ("Organization.Registered", "Alert.Raised"):  # every one of the log's, in position order
        assert sum(r["事项"] == kind for r in log) == sum(e.type == kind for e in stored) > 0
    assert [int(r["位置"]) for r in log] == sorted(int(r["位置"]) for r in log)
    query = "query($l: ExportList!, $s: String) { export(list: $l, street: $s) { rows } }"
    assert gateway.code("sqs-li", query, {"l": "EVENTS"}) == "FORBIDDEN"  # the whole log: the audit office only
    assert gateway.code("audit-qian", query, {"l": "EVENTS", "s": "shangqingsi"}) == "BAD_USER_INPUT"
    assert gateway.code("audit-qian", query, {"l": "CREDIT_LISTS", "s": "shangqingsi"}) == "BAD_USER_INPUT"
