"""The street's Excel ledger (台账) of organizations, imported as the ordinary commands.

Each row of the organizations sheet (社会组织) is one command, 成立登记 (register_organization) or 备案
(file_community_organization), with its party members counted in the same transaction: a row goes in whole or
not at all. The optional sheets 政府购买服务 and 行政处罚 (gateway/files/facts.py) add a project's award or a past
penalty a row, recorded after the organizations in business-date order. Before anything is written, every row is checked the way the domain would check it (the aggregate's
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
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from auth import policy
from auth.principal import Principal
from domain import clock
from domain.application import Supervision
from domain.commands.registration import PartyCount
from domain.context import Actor, Context, Department
from domain.errors import DomainError, IdempotencyKeyReused, InvalidInput, OrganizationNotFound
from domain.indexes import NameIndex
from domain.organization import Organization
from domain.people import Person
from domain.receipts import CommandReceipt
from gateway.files.facts import FUNDING, PENALTIES, Fact
from gateway.files.sheets import Column, Problem, SheetSpec, one_of, place, read_row, text
from gateway.files.workbook import (Sheet, WorkbookRefused, code_cell, count_cell, date_cell, money_cell,
                                    read_content, read_workbook)

ORGANIZATIONS_SHEET = "社会组织"
INSTRUCTIONS_SHEET = "填写说明"
SHEET_SYNONYMS = (ORGANIZATIONS_SHEET, "社会组织台账", "台账", "组织台账", "organizations")
FILING_BASIS = "民发〔2017〕191号"


KINDS = {"社会团体": "social_group", "民办非企业单位": "private_non_enterprise", "社会服务机构": "private_non_enterprise",
         "民非": "private_non_enterprise", "基金会": "foundation", "社区社会组织": "community", "社区组织": "community"}
# The GraphQL mutation each fact's command is, as auth/policy.py names what a role may record.
MUTATIONS = {"award_funding": "awardFunding", "impose_penalty": "imposePenalty"}
KIND_NAMES = {"social_group": "社会团体", "private_non_enterprise": "民办非企业单位", "foundation": "基金会",
              "community": "社区社会组织"}


_kind = one_of(KINDS, "a kind of organization")


COLUMNS = (
    Column("name", "名称", ("组织名称", "社会组织名称", "单位名称"), text, True, "登记或备案的全称"),
    Column("kind", "类型", ("组织类型", "社会组织类型", "组织形式"), _kind, True, "、".join(KIND_NAMES.values())),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码"), code_cell, False,
           "登记的组织必填，18位；社区社会组织留空"),
    Column("person", "法定代表人或负责人", ("法定代表人", "负责人", "法人代表", "法定代表人/负责人"), text, True),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "证件号码"), code_cell),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式"), code_cell),
    Column("domicile", "住所", ("地址", "住址", "办公地址", "注册地址"), text, False, "登记的组织必填"),
    Column("district", "区", ("所属区", "区县", "所属区县"), place, True, "代码，如 yuzhong"),
    Column("street", "街道", ("所属街道", "街道办事处"), place, True, "代码，如 shangqingsi"),
    Column("community", "社区", ("所属社区",), text, False, "须为本街道已有的社区"),
    Column("category", "服务类别", ("类别", "服务领域", "分类"), text, False, "如 志愿服务、文体娱乐"),
    Column("purpose", "宗旨", ("业务宗旨",), text, False, "登记的组织必填"),
    Column("business_scope", "业务范围", ("服务范围",), text, False, "登记的组织必填"),
    Column("funds", "注册资金", ("开办资金", "注册资本", "原始基金", "注册资金(元)"), money_cell, False,
           "元；登记的组织必填"),
    Column("supervising_unit", "业务主管单位", ("主管单位",), text),
    Column("on", "登记或备案日期", ("登记日期", "备案日期", "成立日期", "成立登记日期"), date_cell, True,
           "如 2020-01-31；不得晚于今天"),
    Column("party_members", "党员人数", ("党员数", "党员"), count_cell, False, "整数；导入之日统计"),
)
# What an export of the registry carries beyond the ledger (lianjian export organizations): read back, ignored.
EXPORT_ONLY = ("状态", "等级", "活动异常名录", "严重违法失信名单", "党组织", "注销或撤销日期", "组织ID")
ORGANIZATIONS = SheetSpec(SHEET_SYNONYMS, COLUMNS, EXPORT_ONLY)


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
    recorded: list[tuple[str, int]] = field(default_factory=list)  # (sheet, row) recorded by this run
    already: list[tuple[str, int]] = field(default_factory=list)  # rows an earlier import of this content recorded
    dry_run: bool = True


class Importer:
    """One file's import: read, check every row, and (unless a dry run) record the rows that passed."""

    def __init__(self, app: Supervision, path: Path | None = None, *, max_bytes: int, login: str | None = None,
                 upload: tuple[str, bytes] | None = None, principal: Principal | None = None) -> None:
        """A file on disk (``path``: the CLI), or an ``upload``'s name and bytes. With a ``principal`` (an upload
        through the gateway) every command is that user's, and a row it may not record (auth/policy.py: its role,
        its jurisdiction) is a problem of the row; without one the import is the operator's, each command
        recorded by the department that records it."""
        self.app = app
        self.name, content = upload if upload is not None else (path.name, None)
        self.sha256, sheets = (read_workbook(path, max_bytes) if content is None
                               else read_content(self.name, content, max_bytes))
        self.import_id = "imp-" + self.sha256[:12]
        self.fact_sheets = [(spec, sheet, spec.columns_of(self.name, sheet))
                            for spec in (FUNDING, PENALTIES) if (sheet := spec.find(sheets)) is not None]
        found = _organizations_sheet(self.name, sheets, required=not self.fact_sheets)
        # A file of facts alone (an export of the funding list, say) is about organizations already stored.
        self.sheet = found or Sheet(ORGANIZATIONS_SHEET, [], [])
        self.columns = ORGANIZATIONS.columns_of(self.name, found) if found else {}
        self.principal = principal
        self.login = principal.username if principal is not None else login or _login()
        self.problems: list[Problem] = []
        self.rows: list[Row] = []
        self.facts: list[Fact] = []
        # The organizations the facts may name, as checked: this file's (by name and credit code) as simulated in
        # memory, or the store's (a copy); and the file's rows that had problems.
        self._orgs: dict[str, Organization] = {}
        self._refused: dict[str, int] = {}

    # -- checking ------------------------------------------------------------------------------------

    def check(self) -> tuple[list[Row], list[Fact]]:
        """Every row parsed and checked; those without a problem are returned, organizations in the file's
        order, facts in business-date order."""
        names: dict[str, int] = {}
        codes: dict[str, int] = {}
        communities = self._known_communities()
        good: list[Row] = []
        for number, cells in self.sheet.rows:
            values = read_row(self.sheet, self.columns, number, cells, self.problems)
            if values is None:
                self._refused[NameIndex.create_id(text(cells_name(self.sheet, self.columns, cells)) or "?")] = number
                continue
            row = Row(number, values)
            self.rows.append(row)
            if self._recorded_before(self.sheet.title, number):
                row.already = True
                names.setdefault(NameIndex.create_id(values["name"]), number)
                continue
            before = len(self.problems)
            org = self._check_row(row, names, codes, communities)
            if len(self.problems) == before and org is not None:
                good.append(row)
                self._orgs[NameIndex.create_id(org.name)] = org
                if org.credit_code:
                    self._orgs[org.credit_code] = org
            else:
                self._refused[NameIndex.create_id(values["name"])] = number
        return good, self._check_facts()

    def _recorded_before(self, sheet: str, number: int) -> bool:
        return CommandReceipt.create_id(self.idempotency_key(sheet, number)) in self.app.repository

    def _problem(self, row: int, column: str, value: Any, why: str, sheet: str | None = None) -> None:
        self.problems.append(Problem(sheet or self.sheet.title, row, column, "" if value is None else str(value), why))

    def _check_row(self, row: Row, names: dict[str, int], codes: dict[str, int],
                   communities: dict[str, set[str]]) -> Organization | None:
        v, n = row.values, row.number
        header = ORGANIZATIONS.header
        if self._not_allowed(row):
            return None  # and nothing more is said of a row the uploader may not record (another street's)
        if v["on"] > clock.today():
            self._problem(n, header("on"), v["on"], "a date in the future")
            return None
        key = NameIndex.create_id(v["name"])
        if key in names:
            self._problem(n, header("name"), v["name"], f"the name appears twice in the file (row {names[key]})")
        names.setdefault(key, n)
        if v.get("credit_code"):
            if v["credit_code"] in codes:
                self._problem(n, header("credit_code"), v["credit_code"],
                              f"the credit code appears twice in the file (row {codes[v['credit_code']]})")
            codes.setdefault(v["credit_code"], n)
        for what, reference in (("name", v["name"]), ("credit_code", v.get("credit_code"))):
            if reference and self._in_store(reference) is not None:
                self._problem(n, header(what), reference, "already registered in the store")
        known = communities.get(f"{v['district']}/{v['street']}")
        if v.get("community") and known and v["community"] not in known:
            self._problem(n, header("community"), v["community"],
                          f"not a community of street {v['street']} ({'、'.join(sorted(known))})")
        try:
            self._command(row)
            return self._simulate(row)
        except DomainError as error:
            self._problem(n, _column_of(error), "", str(error))
            return None

    def _not_allowed(self, row: Row) -> bool:
        """An uploader's row that the policy does not let it record is a problem of the row: a command its role
        may not give (a party count included), or a place outside where it acts (another street's row)."""
        if self.principal is None:
            return False
        v, header, before = row.values, ORGANIZATIONS.header, len(self.problems)
        mutation = "fileCommunityOrganization" if v["kind"] == "community" else "registerOrganization"
        if not policy.may_record(self.principal, mutation):
            self._problem(row.number, header("kind"), KIND_NAMES[v["kind"]],
                          f"your role ({policy.who(self.principal)}) may not record {mutation}")
        elif not policy.acts_in(self.principal, v["district"], v["street"]):
            self._problem(row.number, header("street"), v["street"],
                          f"{v['district']}/{v['street']} is outside your jurisdiction ({self.principal.jurisdiction})")
        if v.get("party_members") and not policy.may_record(self.principal, "countPartyMembers"):
            self._problem(row.number, header("party_members"), v["party_members"],
                          f"your role ({policy.who(self.principal)}) may not record countPartyMembers:"
                          " leave it empty for the party-building office")
        return len(self.problems) > before

    def _fact_not_allowed(self, fact: Fact) -> bool:
        """An uploader records a fact only as its own department, and only one its role may record."""
        if self.principal is None:
            return False
        mutation = MUTATIONS[fact.command]
        if policy.may_record(self.principal, mutation) and fact.department == self.principal.department:
            return False
        column = fact.spec.header("department" if fact.spec is PENALTIES else "purchasing_unit")
        value = fact.values.get("department" if fact.spec is PENALTIES else "purchasing_unit")
        self._problem(fact.number, column, value, f"your department ({self.principal.department}) may not record"
                      f" {mutation}{'' if fact.spec is FUNDING else ' for ' + str(fact.department)}", fact.sheet)
        return True

    def _in_reach(self, org: Organization | None) -> Organization | None:
        """An organization of the store that a fact may name: for an uploader, one it acts on (else it reads as
        missing, so that the answer does not tell it exists)."""
        if org is None or self.principal is None or policy.may_act_on_organization(self.principal, org.district,
                                                                                   org.street):
            return org
        return None

    def _in_store(self, reference: str) -> Organization | None:
        try:
            return self.app.find_organization(reference)
        except (OrganizationNotFound, DomainError):
            return None

    def _known_communities(self) -> dict[str, set[str]]:
        """The communities each street's organizations in the store already name (the registry view, as far as
        it has caught up): once a street has some, a community not among them is a typo (a street new to the
        store takes the file's communities as given)."""
        from projections.audit.chain import table_exists
        from projections.runtime.db import ViewDatabase
        from projections.views.catalog import all_views

        table = next(v for v in all_views() if v.name == "civil_affairs_registry").t("organizations")
        db = ViewDatabase(self.app)
        known: dict[str, set[str]] = {}
        with db.transaction(commit=False) as tx:
            if not table_exists(tx, db, table):
                return known
            for r in tx.rows(f"SELECT DISTINCT district, street, community FROM {table} WHERE community IS NOT NULL"):
                known.setdefault(f"{r['district']}/{r['street']}", set()).add(r["community"])
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

    def _simulate(self, row: Row) -> Organization:
        """The domain's own checks, on an aggregate in memory: nothing is saved."""
        ctx, party = self._contexts(row)
        create = Organization.file if row.command == "file_community_organization" else Organization.register
        org = create(ctx, **row.fields)
        if party is not None:
            org.count_party_members(party.ctx, members=party.members)
        return org

    def _check_facts(self) -> list[Fact]:
        """The funding and penalty rows, in business-date order, each checked on its organization's copy."""
        facts: list[Fact] = []
        for spec, sheet, columns in self.fact_sheets:
            for number, cells in sheet.rows:
                values = read_row(sheet, columns, number, cells, self.problems)
                if values is not None:
                    facts.append(Fact(spec, sheet.title, number, values))
        facts.sort(key=lambda f: f.on)
        good: list[Fact] = []
        for fact in facts:
            self.facts.append(fact)
            if self._recorded_before(fact.sheet, fact.number):
                fact.already = True
                continue
            reference, header = fact.values["organization"], fact.spec.header("organization")
            if fact.on > clock.today():
                self._problem(fact.number, fact.spec.header("on"), fact.on, "a date in the future", fact.sheet)
                continue
            if self._fact_not_allowed(fact):
                continue
            refused = self._refused.get(NameIndex.create_id(reference))
            org = self._orgs.get(NameIndex.create_id(reference)) or self._orgs.get(reference.upper())
            if org is None and refused is None:
                stored = self._in_reach(self._in_store(reference))
                org = self._orgs[NameIndex.create_id(reference)] = deepcopy(stored) if stored is not None else None
            if org is None:
                why = (f"its organization's row ({self.sheet.title} row {refused}) is not imported" if refused
                       else "no such organization in the file or the store")
                self._problem(fact.number, header, reference, why, fact.sheet)
                continue
            try:
                fact.simulate(org, self._fact_context(fact), self.app.settings)
            except DomainError as error:
                self._problem(fact.number, "", "", str(error), fact.sheet)
                continue
            good.append(fact)
        return good

    # -- recording -----------------------------------------------------------------------------------

    def _contexts(self, row: Row) -> tuple[Context, PartyCount | None]:
        registering = row.command == "register_organization"
        department = Department.CIVIL_AFFAIRS if registering else Department.STREET_OFFICE
        basis = None if registering else FILING_BASIS
        ctx = Context(self._actor(department), self._reason(self.sheet.title, row.number,
                                                            "准予成立登记" if registering else "准予备案"),
                      row.values["on"], basis)
        members = row.values.get("party_members")
        party = None
        if members:  # none counted (0 or empty): nothing to record
            party = PartyCount(Context(self._actor(Department.PARTY_BUILDING),
                                       self._reason(self.sheet.title, row.number, "党员人数"), clock.today()), members)
        return ctx, party

    def _fact_context(self, fact: Fact) -> Context:
        return Context(self._actor(fact.department), self._reason(fact.sheet, fact.number, fact.what), fact.on,
                       fact.values.get("basis"))

    def _actor(self, department: Department) -> Actor:
        if self.principal is not None:
            return self.principal.to_actor()  # the policy let it record every command it gives (_not_allowed)
        return Actor(f"import:{self.login}", self.login, department, "import")

    def _reason(self, sheet: str, number: int, what: str) -> str:
        name = self.name if len(self.name) <= 80 else self.name[:79] + "…"
        return f"台账导入{what}（导入 {self.import_id}，文件 {name}，sha256 {self.sha256}，{sheet} 第{number}行）"

    def idempotency_key(self, sheet: str, number: int) -> str:
        return f"ledger:{self.sha256}:{sheet}:{number}"

    def run(self, *, dry_run: bool, progress: Callable[[Iterable[Any]], Iterable[Any]] = iter) -> ImportReport:
        good, facts = self.check()
        total = len(self.sheet.rows) + sum(len(sheet.rows) for _, sheet, _ in self.fact_sheets)
        report = ImportReport(self.import_id, self.name, self.sha256, total, self.problems, dry_run=dry_run)
        report.already = [(self.sheet.title, r.number) for r in self.rows if r.already] + [
            (f.sheet, f.number) for f in self.facts if f.already]
        if dry_run:
            return report
        ids: dict[str, str] = {}  # the file's organizations recorded now: name key or credit code -> id
        for item in progress([*good, *facts]):
            if isinstance(item, Row):
                sheet, number = self.sheet.title, item.number
                ctx, party = self._contexts(item)
                call = lambda key, r=item, c=ctx, p=party: getattr(self.app, r.command)(  # noqa: E731
                    c, idempotency_key=key, party_count=p, **r.fields)
            else:
                sheet, number = item.sheet, item.number
                org_id = self._organization_id(item.values["organization"], ids)
                if org_id is None:
                    self._problem(number, item.spec.header("organization"), item.values["organization"],
                                  "its organization was not recorded", sheet)
                    continue
                call = lambda key, f=item, o=org_id: getattr(self.app, f.command)(  # noqa: E731
                    self._fact_context(f), o, idempotency_key=key, **f.arguments())
            try:
                result = call(self.idempotency_key(sheet, number))
            except IdempotencyKeyReused:
                report.already.append((sheet, number))  # the same content under another name, or another day
                continue
            except DomainError as error:
                self._problem(number, _column_of(error), "", str(error), sheet)
                continue
            (report.already if result.replayed else report.recorded).append((sheet, number))
            if isinstance(item, Row):
                ids[NameIndex.create_id(item.values["name"])] = result.aggregate_id
                if item.values.get("credit_code"):
                    ids[item.values["credit_code"]] = result.aggregate_id
        return report

    def _organization_id(self, reference: str, ids: dict[str, str]) -> str | None:
        found = ids.get(NameIndex.create_id(reference)) or ids.get(reference.upper())
        if found is None:
            stored = self._in_reach(self._in_store(reference))
            found = str(stored.id) if stored is not None else None
        return found


def cells_name(sheet: Sheet, columns: dict[str, Column], cells: list[Any]) -> Any:
    """The name cell of a row that could not be read (so a fact naming it says why it is left out)."""
    for header, cell in zip(sheet.headers, cells):
        column = columns.get(header)
        if column is not None and column.field == "name":
            return cell
    return None


def _organizations_sheet(name: str, sheets: list[Sheet], *, required: bool) -> Sheet | None:
    found = ORGANIZATIONS.find(sheets)
    if found is not None:
        return found
    others = (INSTRUCTIONS_SHEET, *FUNDING.titles, *PENALTIES.titles)
    data = [s for s in sheets if s.title.strip() not in others]
    if not data and required:
        raise WorkbookRefused(f"{name} has no sheet of organizations", "NO_SHEET")
    return data[0] if data else None


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


def write_template(out: Path | BinaryIO) -> None:
    """The ledger template: the organizations sheet with its Chinese headers, the optional sheets of funding
    projects and penalties, and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = ORGANIZATIONS_SHEET
    for spec in (ORGANIZATIONS, FUNDING, PENALTIES):
        if spec is not ORGANIZATIONS:
            sheet = book.create_sheet(spec.titles[0])
        sheet.append([c.header + ("*" if c.required else "") for c in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    first = book[ORGANIZATIONS_SHEET]
    for example in EXAMPLE_ROWS:
        first.append(list(example))
    for cell in first["P"][1:]:
        cell.number_format = "yyyy-mm-dd"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["工作表", "列名", "必填", "也可写作", "说明"])
    for spec in (ORGANIZATIONS, FUNDING, PENALTIES):
        for c in spec.columns:
            notes.append([spec.titles[0], c.header, "是" if c.required else "", "、".join(c.synonyms), c.note])
    for line in ("", "社会组织表每行一个组织；政府购买服务、行政处罚两表可选，每行一项，按日期先后记录。",
                 "第一行为列名（带*者必填，列名后的*和单位可省略）。",
                 "日期可写作 2020-01-31、2020/1/31、2020年1月31日 或 Excel 日期；数字可为全角。",
                 "不得合并单元格、隐藏工作表或使用公式（请粘贴为数值）。",
                 "先运行 lianjian import 文件.xlsx --dry-run 检查，无误后再导入；同一文件重复导入不会重复记录。"):
        notes.append([line])
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
