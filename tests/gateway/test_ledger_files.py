"""The Excel ledger in and the organizations' list out, as an operator meets them on the CLI: a dry run writes
nothing and names every problem by row and column; a real run records each good row whole, once; bad files
end in one line and exit code 2 with nothing recorded; an export imports back into an empty store."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from domain.context import Actor, Context, Department
from domain.commands.registration import PartyCount
from domain.credit_code import make_credit_code
from domain.errors import InvalidInput
from domain.people import Person
from gateway.cli import app
from gateway.demo import load_demo
from gateway.files.ledger import COLUMNS
from gateway.settings import Settings
from gateway.storage import open_application
from projections.runtime.db import ViewDatabase
from projections.runtime.runner import ViewRunner
from projections.views.catalog import all_views
from tests.gateway.conftest import cli_on_store

runner = CliRunner()
HEADERS = [c.header for c in COLUMNS]
GOOD_CODE = make_credit_code("social_group", "500103", 41)


def lianjian(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path, monkeypatch) -> Settings:
    """The CLI's environment on an empty SQLite or PostgreSQL store."""
    monkeypatch.delenv("LIANJIAN_IMPORT_MAX_BYTES", raising=False)
    return cli_on_store(request, tmp_path, monkeypatch)


@pytest.fixture
def sqlite_store(request, tmp_path, monkeypatch) -> Settings:
    monkeypatch.delenv("LIANJIAN_IMPORT_MAX_BYTES", raising=False)
    return cli_on_store(request, tmp_path, monkeypatch)


def filed(name: str, on: object = date(2019, 3, 12), community: str = "上清寺路", members: object = None) -> dict:
    return {"名称": name, "类型": "社区社会组织", "法定代表人或负责人": "王负责", "区": "yuzhong",
            "街道": "shangqingsi", "社区": community, "登记或备案日期": on, "党员人数": members}


def registered(name: str, code: str = GOOD_CODE, **more: object) -> dict:
    return {"名称": name, "类型": "社会团体", "统一社会信用代码": code, "法定代表人或负责人": "李代表",
            "身份证号码": "50010319850202123X", "联系电话": "13900139000", "住所": "渝中区人民路1号",
            "区": "yuzhong", "街道": "shangqingsi", "宗旨": "服务社区", "业务范围": "志愿服务",
            "注册资金": 30000, "登记或备案日期": date(2016, 5, 4), **more}


def ledger(path: Path, rows: list[dict], headers: list[str] = HEADERS) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "社会组织"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def stored_events(settings: Settings) -> int:
    application = open_application(settings)
    try:
        return application.recorder.max_notification_id() or 0
    finally:
        application.close()


def registry(settings: Settings) -> list[dict]:
    application = open_application(settings)
    try:
        ViewRunner(application, all_views()).catch_up()
        table = next(v for v in all_views() if v.name == "civil_affairs_registry").t("organizations")
        with ViewDatabase(application).transaction(commit=False) as tx:
            return tx.rows(f"SELECT * FROM {table} ORDER BY name")
    finally:
        application.close()


# -- a real run, twice --------------------------------------------------------------------------------------

def test_a_ledger_imports_each_row_once_and_the_same_file_again_records_nothing(store, tmp_path):
    path = ledger(tmp_path / "台账.xlsx", [registered("渝中区测试公益协会"), filed("上清寺社区志愿者服务队", members=3)])
    first = lianjian("import", str(path))
    assert first.exit_code == 0, first.output
    assert "Recorded 2 rows (社会组织 rows 2, 3)" in first.output
    after_first = stored_events(store)
    rows = {r["name"]: r for r in registry(store)}
    assert rows["上清寺社区志愿者服务队"]["party_members"] == 3
    assert rows["渝中区测试公益协会"]["credit_code"] == GOOD_CODE

    again = lianjian("import", str(path))
    copy = tmp_path / "another name.xlsx"
    copy.write_bytes(path.read_bytes())
    renamed = lianjian("import", str(copy))
    assert again.exit_code == renamed.exit_code == 0, again.output + renamed.output
    assert "Recorded 0 rows; already recorded by an earlier import: 2 (社会组织 rows 2, 3)" in again.output
    assert "already recorded by an earlier import: 2" in renamed.output
    assert stored_events(store) == after_first


def test_the_events_name_the_import_file_hash_and_row(sqlite_store, tmp_path):
    path = ledger(tmp_path / "march.xlsx", [filed("上清寺社区志愿者服务队")])
    assert lianjian("import", str(path)).exit_code == 0
    history = lianjian("events", "上清寺社区志愿者服务队").output
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert f"导入 imp-{digest[:12]}，文件 march.xlsx，sha256 {digest}，社会组织 第2行" in history
    assert "2019-03-12  Organization.Filed" in history


def test_a_row_whose_party_count_is_refused_records_nothing_of_the_row(store):
    """The party count shares the registration's transaction: refused, the organization is not recorded."""
    application = open_application(store)
    officer = Actor("ca", "ca", Department.CIVIL_AFFAIRS, "officer")
    party = Actor("p", "p", Department.PARTY_BUILDING, "officer")
    ctx = Context(officer, "准予成立登记", date(2016, 5, 4))
    try:
        with pytest.raises(InvalidInput):
            application.register_organization(
                ctx, party_count=PartyCount(Context(party, "党员人数", date(2016, 5, 4)), -1),
                name="渝中区测试公益协会", kind="social_group", credit_code=GOOD_CODE, domicile="渝中区人民路1号",
                purpose="服务社区", business_scope="志愿服务", legal_representative=Person("李代表"),
                funds=Decimal("30000"), district="yuzhong", street="shangqingsi")
        assert (application.recorder.max_notification_id() or 0) == 0
    finally:
        application.close()


# -- a dry run ------------------------------------------------------------------------------------------------

def test_a_dry_run_reports_every_problem_by_row_and_column_and_writes_nothing(sqlite_store, tmp_path):
    ledger(tmp_path / "first.xlsx", [filed("已有的队伍")])
    assert lianjian("import", str(tmp_path / "first.xlsx")).exit_code == 0
    before = stored_events(sqlite_store)
    bad_code = GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")
    path = ledger(tmp_path / "bad.xlsx", [
        registered("校验码错误协会", code=bad_code),
        filed("未来的队伍", on=date.today() + timedelta(days=30)),
        filed("社区写错的队伍", community="上清寺里"),
        filed("已有的队伍"),
        filed("重复的队伍"),
        filed("重复的队伍"),
        filed("好的队伍"),
    ])
    result = lianjian("import", str(path), "--dry-run")
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"社会组织 row 2, 统一社会信用代码 [" in out and "fails its check character" in out
    assert "社会组织 row 3, 登记或备案日期 [" in out and "a date in the future" in out
    assert "社会组织 row 4, 社区 [上清寺里]: not a community of street shangqingsi" in out
    assert "社会组织 row 5, 名称 [已有的队伍]: already registered in the store" in out
    assert "社会组织 row 7, 名称 [重复的队伍]: the name appears twice in the file (row 6)" in out
    assert "row 8" not in out and "row 6," not in out
    assert "7 rows, 5 with problems" in out and "Dry run: nothing was recorded." in out
    assert stored_events(sqlite_store) == before

    real = lianjian("import", str(path))  # the real run records the good rows and reports the others
    assert real.exit_code == 1 and "Recorded 2 rows (社会组织 rows 6, 8)" in real.output
    assert {r["name"] for r in registry(sqlite_store)} == {"已有的队伍", "重复的队伍", "好的队伍"}


def test_common_variants_of_a_ledger_are_read(sqlite_store, tmp_path):
    """Header synonyms with required marks and units, full-width digits, date serials and text dates, spaces."""
    headers = ["组织名称*", "组织类型", "信用代码", "负责人", "身份证号", "手机号码", "地址", "所属区", "所属街道",
               "所属社区", "类别", "业务宗旨", "业务范围", "开办资金（元）", "主管单位", "成立日期", "党员数"]
    wide_code = GOOD_CODE.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    rows = [
        {"组织名称*": "渝中区测试公益协会  ", "组织类型": "社会团体 ", "信用代码": wide_code, "负责人": "李代表",
         "身份证号": "５００１０３１９８５０２０２１２３x", "地址": "渝中区人民路1号", "所属区": "YUZHONG ",
         "所属街道": "shangqingsi", "业务宗旨": "服务社区", "业务范围": "志愿服务", "开办资金（元）": "￥30,000.00",
         "成立日期": 42494, "党员数": "３"},
        {"组织名称*": "春森路社区读书会", "组织类型": "社区社会组织", "负责人": "赵负责", "所属区": "yuzhong",
         "所属街道": "shangqingsi", "所属社区": "春森路", "成立日期": "2018年4月23日"},
        {"组织名称*": "春森路社区合唱团", "组织类型": "社区社会组织", "负责人": "钱负责", "所属区": "yuzhong",
         "所属街道": "shangqingsi", "所属社区": "春森路", "成立日期": "2018/5/2"},
    ]
    result = lianjian("import", str(ledger(tmp_path / "v.xlsx", rows, headers)))
    assert result.exit_code == 0, result.output
    got = {r["name"]: r for r in registry(sqlite_store)}
    assert set(got) == {"渝中区测试公益协会", "春森路社区读书会", "春森路社区合唱团"}
    society = got["渝中区测试公益协会"]
    assert (society["credit_code"], society["registered_on"][:10], society["funds_fen"], society["party_members"]) == (
        GOOD_CODE, "2016-05-04", 3000000, 3)
    assert society["representative_id_number"] == "50010319850202123X"
    assert got["春森路社区读书会"]["filed_on"][:10] == "2018-04-23"
    assert got["春森路社区合唱团"]["filed_on"][:10] == "2018-05-02"


# -- bad files ------------------------------------------------------------------------------------------------

def _formula(path: Path) -> Path:
    ledger(path, [filed("公式的队伍")])
    book = load_workbook(path)
    book.active["Q2"] = "=1+2"
    book.save(path)
    return path


def _merged(path: Path) -> Path:
    ledger(path, [filed("合并的队伍"), filed("另一支队伍")])
    book = load_workbook(path)
    book.active.merge_cells("H2:H3")
    book.save(path)
    return path


def _hidden(path: Path) -> Path:
    ledger(path, [filed("隐藏的队伍")])
    book = load_workbook(path)
    book.create_sheet("备用").sheet_state = "hidden"
    book.save(path)
    return path


def _truncated(path: Path) -> Path:
    content = ledger(path, [filed(f"队伍{i}") for i in range(50)]).read_bytes()
    path.write_bytes(content[: len(content) * 2 // 3])
    return path


def _encrypted(path: Path) -> Path:
    """What Excel writes for a password-protected workbook: an OLE compound file with an EncryptionInfo stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    path.write_bytes(header + "EncryptionInfo".encode("utf-16-le") + bytes(2048))
    return path


def _not_excel(path: Path) -> Path:
    path.write_text("名称,类型\n某队伍,社区社会组织\n", encoding="utf-8")
    return path


def _not_a_workbook_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return path


BAD_FILES = {
    "not excel": (_not_excel, "is not an Excel workbook"),
    "a zip without a workbook": (_not_a_workbook_zip, "holds no workbook"),
    "encrypted": (_encrypted, "is encrypted"),
    "truncated": (_truncated, "damaged or truncated"),
    "formula": (_formula, "cell Q2 holds a formula"),
    "merged cells": (_merged, "has merged cells (H2:H3)"),
    "hidden sheet": (_hidden, "has hidden sheets (备用)"),
    "missing header": (lambda p: ledger(p, [filed("x")], [h for h in HEADERS if h != "街道"]),
                       "lacks the columns: 街道"),
    "unknown header": (lambda p: ledger(p, [filed("x")], [*HEADERS, "备注栏"]), "unknown columns: 备注栏"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_ends_in_one_line_and_exit_2_with_nothing_recorded(case, sqlite_store, tmp_path):
    make, message = BAD_FILES[case]
    path = make(tmp_path / "bad.xlsx")
    for args in (["--dry-run"], []):
        result = lianjian("import", str(path), *args)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert stored_events(sqlite_store) == 0


def test_a_file_over_the_size_limit_is_refused(sqlite_store, tmp_path, monkeypatch):
    path = ledger(tmp_path / "big.xlsx", [filed(f"队伍{i}") for i in range(20)])
    monkeypatch.setenv("LIANJIAN_IMPORT_MAX_BYTES", str(path.stat().st_size - 1))
    result = lianjian("import", str(path))
    assert result.exit_code == 2 and "over the import limit" in result.output and "LIANJIAN_IMPORT_MAX_BYTES" in result.output
    monkeypatch.setenv("LIANJIAN_IMPORT_MAX_BYTES", str(path.stat().st_size))
    assert lianjian("import", str(path)).exit_code == 0
    assert stored_events(sqlite_store) > 0


def test_the_template_imports_as_published(sqlite_store, tmp_path):
    out = tmp_path / "template.xlsx"
    assert lianjian("import", "--template", str(out)).exit_code == 0
    assert load_workbook(out).sheetnames == ["社会组织", "政府购买服务", "行政处罚", "填写说明"]
    result = lianjian("import", str(out))
    assert result.exit_code == 0 and "Recorded 1 rows" in result.output


# -- export, and back ------------------------------------------------------------------------------------------

LEDGER_COLUMNS = ("name", "kind", "credit_code", "representative_name", "representative_id_number",
                  "representative_phone", "domicile", "district", "street", "community", "category", "purpose",
                  "business_scope", "funds_fen", "supervising_unit", "party_members")


def test_the_demos_organizations_exported_import_into_an_empty_store_as_the_same_rows(store, tmp_path, monkeypatch,
                                                                                      request):
    demo = open_application(store)
    load_demo(demo)
    demo.close()
    out = tmp_path / "organizations.xlsx"
    result = lianjian("export", "organizations", "-o", str(out), "--show-personal-data")
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    dates = [c.value for c in sheet["P"][1:]]
    assert all(hasattr(d, "year") for d in dates), "dates are typed"
    assert any(c.number_format == '"¥"#,##0.00' and isinstance(c.value, (int, float)) for c in sheet["N"][1:])
    exported = {r["name"]: r for r in registry(store)}

    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(tmp_path / "empty"))
    if store.database_url:
        monkeypatch.setenv("LIANJIAN_DATABASE_URL", _another_database(request))
    empty = Settings()
    result = lianjian("import", str(out))
    assert result.exit_code == 0, result.output
    imported = {r["name"]: r for r in registry(empty)}
    assert set(imported) == set(exported) and len(imported) == 84
    for name, row in exported.items():
        assert {c: imported[name][c] for c in LEDGER_COLUMNS} == {c: row[c] for c in LEDGER_COLUMNS}, name
        assert (imported[name]["registered_on"] or imported[name]["filed_on"])[:10] == (
            row["registered_on"] or row["filed_on"])[:10]


def _another_database(request: pytest.FixtureRequest) -> str:
    """A second empty PostgreSQL database on the test server, dropped afterwards."""
    import uuid

    import psycopg

    base, name = request.getfixturevalue("postgres_server"), "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    request.addfinalizer(drop)
    return f"{base}/{name}"


def test_the_csv_export_is_formula_safe_and_filtered(sqlite_store, tmp_path):
    ledger(tmp_path / "l.xlsx", [filed("@HYPERLINK队"), filed("好的队伍", community="学田湾")])
    assert lianjian("import", str(tmp_path / "l.xlsx")).exit_code == 0
    out = tmp_path / "o.csv"
    assert lianjian("export", "organizations", "-o", str(out), "--format", "csv").exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "'@HYPERLINK队" in text and "\n@" not in text
    assert lianjian("export", "organizations", "-o", str(out), "--format", "csv", "--community", "学田湾").exit_code == 0
    assert out.read_text(encoding="utf-8-sig").count("\n") == 2


# -- the other lists and the documents, on the demo ---------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("demo") / "data"
    application = open_application(Settings(data_dir=data))
    load_demo(application)
    from projections.audit.sealer import SealingWorker

    worker = SealingWorker(application, all_views(), with_rules=True)  # as `lianjian demo`: rules raise the alerts
    worker.run_until_idle()
    worker.close()
    application.close()
    return data


@pytest.fixture
def on_demo(demo_store, monkeypatch) -> Path:
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(demo_store))
    monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
    return demo_store


@pytest.mark.parametrize("what, title, header, count", [
    ("funding", "政府购买服务", "金额", 33), ("alerts", "联合监管预警", "预警日期", None),
    ("credit-lists", "信用名单", "列入日期", None), ("inspections", "检查案件", "立案日期", 5),
    ("events", "事件日志", "记录时间", None),
])
def test_each_list_exports_as_a_typed_workbook(on_demo, tmp_path, what, title, header, count):
    out = tmp_path / f"{what}.xlsx"
    result = lianjian("export", what, "-o", str(out))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)[title]
    headers = [c.value for c in sheet[1]]
    column = headers.index(header) + 1
    values = [r[column - 1].value for r in sheet.iter_rows(min_row=2)]
    assert values and (count is None or len(values) == count)
    typed = [v for v in values if v is not None]
    assert typed and all(isinstance(v, (int, float)) if header == "金额" else hasattr(v, "year") for v in typed)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")


def test_the_funding_list_of_one_street_and_its_sum(on_demo, tmp_path):
    out = tmp_path / "f.csv"
    assert lianjian("export", "funding", "-o", str(out), "--format", "csv", "--street", "hualongqiao").exit_code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and ",hualongqiao," in lines[1]
    refused = lianjian("export", "credit-lists", "-o", str(out), "--street", "hualongqiao")
    assert refused.exit_code == 2 and "no street" in refused.output


def _pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    text = "".join(p.extract_text() for p in reader.pages)
    return len(reader.pages), "".join(ch for ch in text if not ch.isspace() and ch != "\x00")


def test_the_monthly_report_and_the_dossier_print_in_chinese_with_page_numbers_and_data_position(on_demo, tmp_path):
    report = tmp_path / "m.pdf"
    result = lianjian("report", "monthly", "--street", "shangqingsi", "--month", "2026-06", "-o", str(report))
    assert result.exit_code == 0, result.output
    pages, text = _pdf_text(report)
    application = open_application(Settings(data_dir=on_demo))
    head = application.head_position()
    application.close()
    assert "shangqingsi街道2026年06月社会组织监管月报" in text
    assert f"数据截至事件#{head}" in text and f"第{pages}/{pages}页" in text
    for section in ("一、组织数量与本月变化", "二、信用名单列入与移出", "三、行政处罚", "四、政府购买服务", "五、检查",
                    "六、督办事项"):
        assert section in text
    application = open_application(Settings(data_dir=on_demo))
    from projections.views.alerts import AlertsView
    from projections.runtime.db import ViewDatabase

    with ViewDatabase(application).transaction(commit=False) as tx:
        rows = tx.rows(f"SELECT raised_on, resolved_on FROM {AlertsView().t('alerts')} WHERE street = 'shangqingsi'")
    application.close()
    assert lianjian("report", "monthly", "--street", "shangqingsi", "--month", "2026-10", "-o", str(report)).exit_code == 0
    _, text = _pdf_text(report)
    opened = sum(r["raised_on"].startswith("2026-10") for r in rows)
    closed = sum((r["resolved_on"] or "").startswith("2026-10") for r in rows)
    assert opened and f"本月新增{opened}件，办结{closed}件" in text
    # Its charts: the organizations by kind at the month's end, and the year's funding by month (exact yuan).
    assert "图1月末在册组织（按类型）" in text and "社区社会组织" in text
    assert "图2" in text and "2026年各月政府购买服务资金" in text and "10月" in text and "¥" in text

    dossier = tmp_path / "d.pdf"
    hub = "重庆市渝中区上清寺致远社会公益事业发展促进会"
    assert lianjian("dossier", hub, "--format", "pdf", "-o", str(dossier)).exit_code == 0
    pages, text = _pdf_text(dossier)
    assert pages > 1 and f"{hub}—社会组织档案" in text and "个人信息已遮蔽" in text and "[masked]" in text
    application = open_application(Settings(data_dir=on_demo))
    representative = application.find_organization(hub).legal_representative
    application.close()
    assert representative.id_number and representative.id_number not in text  # personal data stays masked
    bad = lianjian("report", "monthly", "--street", "shangqingsi", "--month", "2026-13")
    assert bad.exit_code == 2 and "--month is a month like 2026-11" in bad.output


# -- the sheets of facts: funding projects and past penalties ---------------------------------------------------

FUNDING_HEADERS = ["组织名称", "购买主体", "项目名称", "金额", "立项日期", "开始日期", "结束日期", "文号"]
PENALTY_HEADERS = ["组织名称", "处罚机关", "处罚种类", "金额", "停止活动天数", "处罚日期", "决定书文号"]


def with_facts(path: Path, funding: list[dict], penalties: list[dict]) -> Path:
    book = load_workbook(path)
    for title, headers, rows in (("政府购买服务", FUNDING_HEADERS, funding), ("行政处罚", PENALTY_HEADERS, penalties)):
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def project(org: str, amount: object = 200000, on: object = date(2020, 3, 2)) -> dict:
    return {"组织名称": org, "购买主体": "上清寺街道办事处", "项目名称": "社区服务项目", "金额": amount,
            "立项日期": on, "开始日期": date(2020, 3, 1), "结束日期": date(2020, 12, 31), "文号": "渝中财〔2020〕3号"}


def penalty(org: str, kind: str = "罚款", amount: object = 200, department: str = "税务") -> dict:
    return {"组织名称": org, "处罚机关": department, "处罚种类": kind, "金额": amount, "处罚日期": date(2023, 4, 10),
            "决定书文号": "渝中税罚〔2023〕7号"}


def test_funding_and_penalties_are_recorded_in_date_order_once_and_checked_first(store, tmp_path):
    first = ledger(tmp_path / "a.xlsx", [registered("渝中区测试公益协会")])
    assert lianjian("import", str(first)).exit_code == 0  # already in the store when the next file names it
    path = with_facts(ledger(tmp_path / "b.xlsx", [filed("上清寺社区志愿者服务队")]),
                      [project("上清寺社区志愿者服务队"), project("无此组织"), project(GOOD_CODE, amount="1.234"),
                       project(GOOD_CODE, on=date(2021, 5, 6))],
                      [penalty(GOOD_CODE), penalty("上清寺社区志愿者服务队", kind="警告", amount=None,
                                                   department="市场监管"),
                       penalty("上清寺社区志愿者服务队", kind="罚款", amount=None)])
    dry = lianjian("import", str(path), "--dry-run")
    assert dry.exit_code == 1, dry.output
    assert "政府购买服务 row 3, 组织名称 [无此组织]: no such organization in the file or the store" in dry.output
    assert "政府购买服务 row 4, 金额 [1.234]: an amount has at most two decimals" in dry.output
    assert "行政处罚 row 4" in dry.output and "fine or confiscated amount" in dry.output
    before = stored_events(store)
    real = lianjian("import", str(path))
    assert real.exit_code == 1, real.output
    assert "Recorded 5 rows (社会组织 rows 2; 政府购买服务 rows 2, 5; 行政处罚 rows 2, 3)" in real.output
    application = open_application(store)
    try:
        ViewRunner(application, all_views()).catch_up()
        views = {v.name: v for v in all_views()}
        with ViewDatabase(application).transaction(commit=False) as tx:
            projects = tx.rows(f"SELECT * FROM {views['finance_ledger'].t('projects')} ORDER BY awarded_on")
            penalties = tx.rows(f"SELECT * FROM {views['civil_affairs_registry'].t('penalties')} ORDER BY imposed_on")
        tax_fine = application.find_organization(GOOD_CODE).penalties[0]
    finally:
        application.close()
    assert [(p["org_name"], p["amount_fen"], p["awarded_on"][:10]) for p in projects] == [
        ("上清寺社区志愿者服务队", 20000000, "2020-03-02"), ("渝中区测试公益协会", 20000000, "2021-05-06")]
    assert sorted((p["kind"], p["department"], p["amount_fen"]) for p in penalties) == [
        ("fine", "tax", 20000), ("warning", "market_regulation", None)]
    assert tax_fine.imposed_on == date(2023, 4, 10)
    after = stored_events(store)
    assert after > before
    again = lianjian("import", str(path))
    assert "Recorded 0 rows" in again.output and stored_events(store) == after


def test_a_fact_about_an_organization_whose_row_is_refused_says_so(sqlite_store, tmp_path):
    path = with_facts(ledger(tmp_path / "c.xlsx", [filed("未来的队伍", on=date.today() + timedelta(days=3))]),
                      [project("未来的队伍")], [])
    result = lianjian("import", str(path), "--dry-run")
    assert "政府购买服务 row 2, 组织名称 [未来的队伍]: its organization's row (社会组织 row 2) is not imported" in result.output


def test_the_funding_list_exported_imports_into_a_store_holding_its_organizations(on_demo, tmp_path, monkeypatch):
    orgs, funding = tmp_path / "orgs.xlsx", tmp_path / "funding.xlsx"
    assert lianjian("export", "organizations", "-o", str(orgs)).exit_code == 0
    assert lianjian("export", "funding", "-o", str(funding)).exit_code == 0
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(tmp_path / "empty"))
    assert lianjian("import", str(orgs)).exit_code == 0
    result = lianjian("import", str(funding))
    assert result.exit_code == 0, result.output
    assert "Recorded 33 rows" in result.output


def test_an_export_as_a_realm_user_keeps_to_its_jurisdiction_and_masking_and_records_only_whole_reads(
        on_demo, tmp_path):
    street_officer, partner = tmp_path / "hlq.csv", tmp_path / "tax.csv"
    before = lianjian("reads", "--limit", "1000").output.count("export")
    assert lianjian("export", "organizations", "-o", str(street_officer), "--format", "csv", "--as", "hlq-wang",
                    "--show-personal-data").exit_code == 0
    assert lianjian("export", "organizations", "-o", str(partner), "--format", "csv", "--as", "tax-he",
                    "--show-personal-data").exit_code == 0
    import csv

    own = list(csv.DictReader(street_officer.open(encoding="utf-8-sig")))
    district = list(csv.DictReader(partner.open(encoding="utf-8-sig")))
    assert len(own) == 10 and {r["街道"] for r in own} == {"hualongqiao"}
    assert all(r["身份证号码"] and "*" not in r["身份证号码"] for r in own)
    assert len(district) == 84 and all("*" in r["身份证号码"] for r in district if r["身份证号码"])
    reads = lianjian("reads", "--limit", "1000").output.count("export") - before
    assert reads == 10  # the street officer's whole reads; the partner's masked ones are no reads
    assert lianjian("export", "alerts", "-o", str(partner), "--as", "tax-he").exit_code == 2
    unknown = lianjian("export", "organizations", "-o", str(partner), "--as", "nobody")
    assert unknown.exit_code == 2 and "no user 'nobody'" in unknown.output


def test_the_organizations_export_takes_the_searchs_filters(on_demo, tmp_path):
    out = tmp_path / "listed.csv"
    assert lianjian("export", "organizations", "-o", str(out), "--format", "csv", "--credit-list", "abnormal").exit_code == 0
    assert [line.split(",")[0] for line in out.read_text(encoding="utf-8-sig").splitlines()[1:]] == ["春森腰鼓队"]
    assert lianjian("export", "organizations", "-o", str(out), "--format", "csv", "--name", "腰鼓").exit_code == 0
    names = [line.split(",")[0] for line in out.read_text(encoding="utf-8-sig").splitlines()[1:]]
    assert "春森腰鼓队" in names and len(names) < 84 and all("腰鼓" in n for n in names)
    bad = lianjian("export", "organizations", "-o", str(out), "--credit-list", "grey")
    assert bad.exit_code == 2 and "a credit list is one of abnormal, serious, any" in bad.output


def test_an_export_after_an_upgrade_rebuilds_a_view_whose_shape_changed_first(demo_store, tmp_path, monkeypatch):
    """A release that changed a view's shape, run from the CLI before any server restarted: the export rebuilds
    the view (as a worker does at its start) instead of failing on a column the old tables lack."""
    import shutil
    import sqlite3

    from gateway.storage import SQLITE_FILE
    from projections.runtime.view_schemas import SCHEMAS

    data = tmp_path / "upgraded"
    shutil.copytree(demo_store, data)
    with sqlite3.connect(data / SQLITE_FILE) as db:  # the joint alerts view as an older release built it
        db.execute("ALTER TABLE joint_alerts__alerts RENAME COLUMN due_key TO due_sort")
        db.execute(f"UPDATE {SCHEMAS} SET fingerprint = 'older' WHERE view = 'joint_alerts'")
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(data))
    monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
    out = tmp_path / "tasks.csv"
    result = lianjian("export", "tasks", "-o", str(out), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) > 1
