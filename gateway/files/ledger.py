"""The street's Excel ledger (台账) of organizations, imported as the ordinary commands.

Each row of the organizations sheet is one command, 成立登记 (register_organization) or 备案
(file_community_organization), with its party members counted in the same transaction: a row goes in whole or
not at all. Before anything is written, every row is checked the way the domain would check it (the aggregate's
own methods, on a copy in memory), and against the store and the rest of the file (names and credit codes taken,
known communities); a dry run stops there.

Provenance: each command's reason names the import (its id follows from the file's content), the file's name and
SHA-256, the sheet and the row; the events keep their shape (docs/evolution.md), and history, the event log and
the dossier show where a fact came from. The idempotency key is the content hash and the row, so the same file
imported again records nothing new; a copy under another name finds its rows already recorded.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from domain import clock
from domain.application import Supervision
from domain.commands.registration import PartyCount
from domain.context import Actor, Context, Department
from domain.errors import DomainError, IdempotencyKeyReused, InvalidInput, OrganizationNotFound
from domain.indexes import NameIndex
from domain.organization import Organization
from domain.people import Person
from domain.receipts import CommandReceipt
from gateway.files.workbook import (
    Sheet, WorkbookRefused, code_cell, count_cell, date_cell, money_cell, read_workbook, text_cell,
)

ORGANIZATIONS_SHEET = "社会组织"
INSTRUCTIONS_SHEET = "填写说明"
SHEET_SYNONYMS = (ORGANIZATIONS_SHEET, "社会组织台账", "台账", "组织台账", "organizations")
FILING_BASIS = "民发〔2017〕191号"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    synonyms: tuple[str, ...]
    parse: Callable[[Any], Any]
    required: bool = False
    note: str = ""


KINDS = {"社会团体": "social_group", "民办非企业单位": "private_non_enterprise", "社会服务机构": "private_non_enterprise",
         "民非": "private_non_enterprise", "基金会": "foundation", "社区社会组织": "community", "社区组织": "community"}
KIND_NAMES = {"social_group": "社会团体", "private_non_enterprise": "民办非企业单位", "foundation": "基金会",
              "community": "社区社会组织"}


def _kind(value: Any) -> str:
    text = text_cell(value) or ""
    kind = KINDS.get(text, text if text in KIND_NAMES else None)
    if kind is None:
        raise ValueError(f"not a kind of organization ({'、'.join(KIND_NAMES.values())})")
    return kind


def _text(value: Any) -> str | None:
    return text_cell(value)


def _place(value: Any) -> str | None:
    code = code_cell(value)
    return None if code is None else code.lower()


COLUMNS = (
    Column("name", "名称", ("组织名称", "社会组织名称", "单位名称"), _text, True, "登记或备案的全称"),
    Column("kind", "类型", ("组织类型", "社会组织类型", "组织形式"), _kind, True, "、".join(KIND_NAMES.values())),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码"), code_cell, False,
           "登记的组织必填，18位；社区社会组织留空"),
    Column("person", "法定代表人或负责人", ("法定代表人", "负责人", "法人代表", "法定代表人/负责人"), _text, True),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "证件号码"), code_cell),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式"), code_cell),
    Column("domicile", "住所", ("地址", "住址", "办公地址", "注册地址"), _text, False, "登记的组织必填"),
    Column("district", "区", ("所属区", "区县", "所属区县"), _place, True, "代码，如 yuzhong"),
    Column("street", "街道", ("所属街道", "街道办事处"), _place, True, "代码，如 shangqingsi"),
    Column("community", "社区", ("所属社区",), _text, False, "须为本街道已有的社区"),
    Column("category", "服务类别", ("类别", "服务领域", "分类"), _text, False, "如 志愿服务、文体娱乐"),
    Column("purpose", "宗旨", ("业务宗旨",), _text, False, "登记的组织必填"),
    Column("business_scope", "业务范围", ("服务范围",), _text, False, "登记的组织必填"),
    Column("funds", "注册资金", ("开办资金", "注册资本", "原始基金", "注册资金(元)"), money_cell, False,
           "元；登记的组织必填"),
    Column("supervising_unit", "业务主管单位", ("主管单位",), _text),
    Column("on", "登记或备案日期", ("登记日期", "备案日期", "成立日期", "成立登记日期"), date_cell, True,
           "如 2020-01-31；不得晚于今天"),
    Column("party_members", "党员人数", ("党员数", "党员"), count_cell, False, "整数；导入之日统计"),
)
# What an export of the registry carries beyond the ledger (lianjian export organizations): read back, ignored.
EXPORT_ONLY = ("状态", "等级", "活动异常名录", "严重违法失信名单", "党组织", "注销或撤销日期", "组织ID")
_BY_HEADER = {h: c for c in COLUMNS for h in (c.header, *c.synonyms)}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    value: str
    why: str

    def line(self) -> str:
        shown = self.value if len(self.value) <= 40 else self.value[:39] + "…"
        return f"{self.sheet} row {self.row}, {self.column or '-'} [{shown}]: {self.why}"


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    command: str = ""  # register_organization or file_community_organization
    already: bool = False  # recorded by an earlier import of the same content
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    import_id: str
    file_name: str
    sha256: str
    rows: int
    problems: list[Problem]
    recorded: list[int] = field(default_factory=list)  # row numbers recorded by this run
    already: list[int] = field(default_factory=list)  # rows an earlier import of this content recorded
    dry_run: bool = True


class Importer:
    """One file's import: read, check every row, and (unless a dry run) record the rows that passed."""

    def __init__(self, app: Supervision, path: Path, *, max_bytes: int, login: str | None = None) -> None:
        self.app = app
        self.path = path
        self.sha256, sheets = read_workbook(path, max_bytes)
        self.import_id = "imp-" + self.sha256[:12]
        self.sheet = _organizations_sheet(path.name, sheets)
        self.columns = _columns(path.name, self.sheet)
        self.login = login or _login()
        self.problems: list[Problem] = []
        self.rows: list[Row] = []

    # -- checking ------------------------------------------------------------------------------------

    def check(self) -> list[Row]:
        """Every row parsed and checked; the ones without a problem are returned, in order."""
        names: dict[str, int] = {}
        codes: dict[str, int] = {}
        communities = self._known_communities()
        good: list[Row] = []
        for number, cells in self.sheet.rows:
            row = self._parse(number, cells)
            if row is None:
                continue
            self.rows.append(row)
            if CommandReceipt.create_id(self.idempotency_key(row)) in self.app.repository:
                row.already = True
                names.setdefault(NameIndex.create_id(row.values["name"]), number)
                continue
            before = len(self.problems)
            self._check_row(row, names, codes, communities)
            if len(self.problems) == before:
                good.append(row)
        return good

    def _problem(self, row: int, column: str, value: Any, why: str) -> None:
        self.problems.append(Problem(self.sheet.title, row, column, "" if value is None else str(value), why))

    def _parse(self, number: int, cells: list[Any]) -> Row | None:
        values: dict[str, Any] = {}
        ok = True
        for header, cell in zip(self.sheet.headers, cells):
            column = self.columns.get(header)
            if column is None:
                continue
            try:
                values[column.field] = None if text_cell(cell) is None else column.parse(cell)
            except (ValueError, OverflowError) as error:
                self._problem(number, header, cell, str(error))
                ok = False
                continue
            if column.required and values[column.field] is None:
                self._problem(number, header, cell, "required")
                ok = False
        return Row(number, values) if ok else None

    def _check_row(self, row: Row, names: dict[str, int], codes: dict[str, int], communities: dict[str, set[str]]) -> None:
        v, n = row.values, row.number
        header = {c.field: c.header for c in COLUMNS}
        if v["on"] > clock.today():
            self._problem(n, header["on"], v["on"], "a date in the future")
            return
        key = NameIndex.create_id(v["name"])
        if key in names:
            self._problem(n, header["name"], v["name"], f"the name appears twice in the file (row {names[key]})")
        names.setdefault(key, n)
        if v.get("credit_code"):
            if v["credit_code"] in codes:
                self._problem(n, header["credit_code"], v["credit_code"],
                              f"the credit code appears twice in the file (row {codes[v['credit_code']]})")
            codes.setdefault(v["credit_code"], n)
        for what, reference in (("name", v["name"]), ("credit_code", v.get("credit_code"))):
            if reference and self._in_store(reference):
                self._problem(n, header[what], reference, "already registered in the store")
        known = communities.get(f"{v['district']}/{v['street']}")
        if v.get("community") and known and v["community"] not in known:
            self._problem(n, header["community"], v["community"],
                          f"not a community of street {v['street']} ({'、'.join(sorted(known))})")
        try:
            self._command(row)
            self._simulate(row)
        except DomainError as error:
            self._problem(n, _column_of(error), "", str(error))

    def _in_store(self, reference: str) -> bool:
        try:
            self.app.find_organization(reference)
        except (OrganizationNotFound, DomainError):
            return False
        return True

    def _known_communities(self) -> dict[str, set[str]]:
        """The communities each street's organizations in the store already name: once a street has some, a
        community not among them is a typo (a street new to the store takes the file's communities as given)."""
        known: dict[str, set[str]] = {}
        for org_id in self.app.organization_ids():
            org = self.app.organization(org_id)
            if org.community:
                known.setdefault(f"{org.district}/{org.street}", set()).add(org.community)
        return known

    def _command(self, row: Row) -> None:
        """The command's name and arguments, as the service takes them."""
        v = row.values
        person = Person(v["person"], v.get("id_number"), v.get("phone"))
        common = dict(name=v["name"], district=v["district"], street=v["street"], community=v.get("community"),
                      category=v.get("category"))
        if v["kind"] == "community":
            if v.get("credit_code"):
                raise InvalidInput("a community organization is filed, without a credit code")
            row.command, row.fields = "file_community_organization", dict(common, person_in_charge=person)
            return
        missing = [c.header for c in COLUMNS if c.field in ("credit_code", "domicile", "purpose", "business_scope",
                                                            "funds") and v.get(c.field) is None]
        if missing:
            raise InvalidInput(f"a registered organization needs {'、'.join(missing)}")
        row.command = "register_organization"
        row.fields = dict(common, kind=v["kind"], credit_code=v["credit_code"], domicile=v["domicile"],
                          purpose=v["purpose"], business_scope=v["business_scope"], legal_representative=person,
                          funds=v["funds"], supervising_unit=v.get("supervising_unit"))

    def _simulate(self, row: Row) -> None:
        """The domain's own checks, on an aggregate in memory: nothing is saved."""
        ctx, party = self._contexts(row)
        create = Organization.file if row.command == "file_community_organization" else Organization.register
        org = create(ctx, **row.fields)
        if party is not None:
            org.count_party_members(party.ctx, members=party.members)

    # -- recording -----------------------------------------------------------------------------------

    def _contexts(self, row: Row) -> tuple[Context, PartyCount | None]:
        registering = row.command == "register_organization"
        department = Department.CIVIL_AFFAIRS if registering else Department.STREET_OFFICE
        basis = None if registering else FILING_BASIS
        ctx = Context(self._actor(department), self._reason(row, "准予成立登记" if registering else "准予备案"),
                      row.values["on"], basis)
        members = row.values.get("party_members")
        party = None
        if members:  # none counted (0 or empty): nothing to record
            party = PartyCount(Context(self._actor(Department.PARTY_BUILDING), self._reason(row, "党员人数"),
                                       clock.today()), members)
        return ctx, party

    def _actor(self, department: Department) -> Actor:
        return Actor(f"import:{self.login}", self.login, department, "import")

    def _reason(self, row: Row, what: str) -> str:
        name = self.path.name if len(self.path.name) <= 80 else self.path.name[:79] + "…"
        return (f"台账导入{what}（导入 {self.import_id}，文件 {name}，sha256 {self.sha256}，"
                f"{self.sheet.title} 第{row.number}行）")

    def idempotency_key(self, row: Row) -> str:
        return f"ledger:{self.sha256}:{self.sheet.title}:{row.number}"

    def run(self, *, dry_run: bool, progress: Callable[[Iterable[Row]], Iterable[Row]] = iter) -> ImportReport:
        good = self.check()
        report = ImportReport(self.import_id, self.path.name, self.sha256, len(self.sheet.rows), self.problems,
                              dry_run=dry_run)
        report.already = [row.number for row in self.rows if row.already]
        if dry_run:
            return report
        for row in progress(good):
            ctx, party = self._contexts(row)
            command = getattr(self.app, row.command)
            try:
                result = command(ctx, idempotency_key=self.idempotency_key(row), party_count=party, **row.fields)
            except IdempotencyKeyReused:
                report.already.append(row.number)  # the same content under another name, or another day
                continue
            except DomainError as error:
                self._problem(row.number, _column_of(error), "", str(error))
                continue
            (report.already if result.replayed else report.recorded).append(row.number)
        return report


def _organizations_sheet(name: str, sheets: list[Sheet]) -> Sheet:
    for sheet in sheets:
        if sheet.title.strip() in SHEET_SYNONYMS:
            return sheet
    data = [s for s in sheets if s.title.strip() != INSTRUCTIONS_SHEET]
    if not data:
        raise WorkbookRefused(f"{name} has no sheet of organizations")
    return data[0]


def _columns(name: str, sheet: Sheet) -> dict[str, Column]:
    """The sheet's headers mapped to the ledger's columns; unknown and missing headers refuse the file."""
    columns: dict[str, Column] = {}
    unknown = []
    for header in sheet.headers:
        column = _BY_HEADER.get(header)
        if column is None:
            if header not in EXPORT_ONLY:
                unknown.append(header or "(empty)")
            continue
        if column in columns.values():
            raise WorkbookRefused(f"{name}: sheet {sheet.title} has two columns for {column.header} ({header})")
        columns[header] = column
    if unknown:
        raise WorkbookRefused(f"{name}: sheet {sheet.title} has unknown columns: {', '.join(unknown)}"
                              " (docs/import.md lists the columns)")
    missing = [c.header for c in COLUMNS if c.required and c not in columns.values()]
    if missing:
        raise WorkbookRefused(f"{name}: sheet {sheet.title} lacks the columns: {', '.join(missing)}")
    return columns


_FIELD_HEADERS = {c.field: c.header for c in COLUMNS} | {"legal_representative": "法定代表人或负责人",
                                                         "person_in_charge": "法定代表人或负责人"}


def _column_of(error: DomainError) -> str:
    """The ledger column a domain refusal is about, as far as its message names the field."""
    message = str(error).lower()
    for hint, header in (("credit code", "统一社会信用代码"), ("id card", "身份证号码"), ("phone", "联系电话"),
                         ("registered funds", "注册资金"), ("domicile", "住所"), ("purpose", "宗旨"),
                         ("business scope", "业务范围"), ("community", "社区"), ("street", "街道"),
                         ("district", "区"), ("party members", "党员人数"), ("person", "法定代表人或负责人"),
                         ("name", "名称")):
        if hint in message:
            return header
    return ""


def _login() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except (KeyError, OSError):
        return "unknown"


# -- the template --------------------------------------------------------------------------------------

EXAMPLE_ROWS = (
    ("上清寺社区志愿者服务队", "社区社会组织", None, "王负责", None, None, None, "yuzhong", "shangqingsi", "上清寺路",
     "志愿服务", None, None, None, None, date(2019, 3, 12), 2),
)


def write_template(out: Path) -> None:
    """The ledger template: the organizations sheet with its Chinese headers, and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = ORGANIZATIONS_SHEET
    sheet.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in EXAMPLE_ROWS:
        sheet.append(list(example))
    for cell in sheet["P"][1:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["列名", "必填", "也可写作", "说明"])
    for c in COLUMNS:
        notes.append([c.header, "是" if c.required else "", "、".join(c.synonyms), c.note])
    for line in ("", "每行一个社会组织；第一行为列名（带*者必填，列名后的*和单位可省略）。",
                 "日期可写作 2020-01-31、2020/1/31、2020年1月31日 或 Excel 日期；数字可为全角。",
                 "不得合并单元格、隐藏工作表或使用公式（请粘贴为数值）。",
                 "先运行 lianjian import 文件.xlsx --dry-run 检查，无误后再导入；同一文件重复导入不会重复记录。"):
        notes.append([line])
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
