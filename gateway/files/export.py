"""Lists leave as files: a typed .xlsx (dates as dates, money as yuan numbers, Chinese headers, the header row
frozen, an autofilter) or a formula-safe CSV (projections/audit/spreadsheet.py). The organizations' export
carries the ledger's own columns (gateway/files/ledger.py), so an export imports back into an empty store."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.application import Supervision
from gateway.files.ledger import COLUMNS, KIND_NAMES, ORGANIZATIONS_SHEET
from projections.audit.spreadsheet import SpreadsheetWriter
from projections.runtime.db import ViewDatabase

FORMATS = ("xlsx", "csv")
DATE, MONEY, NUMBER, TEXT = "date", "money", "number", "text"
YUAN_FORMAT = '"¥"#,##0.00'


@dataclass(frozen=True)
class Table:
    """A list to export: its sheet's title, its columns (header, type) and its rows."""

    title: str
    columns: tuple[tuple[str, str], ...]
    rows: Iterable[list[Any]]


# -- organizations: the registry view, filtered as the GraphQL `organizations` query filters -------------------

ORGANIZATION_FILTERS = ("credit_code", "kind", "status", "street", "community", "grade")
CREDIT_LIST_CONDITIONS = {"abnormal": "on_abnormal_list = 1", "serious": "on_serious_list = 1",
                          "any": "(on_abnormal_list = 1 OR on_serious_list = 1)"}
_LEDGER_TYPES = {"on": DATE, "funds": MONEY, "party_members": NUMBER}
EXTRA_COLUMNS = (("状态", TEXT), ("等级", NUMBER), ("活动异常名录", TEXT), ("严重违法失信名单", TEXT), ("组织ID", TEXT))


def organizations_table(app: Supervision, *, personal_data: bool = False, name: str | None = None,
                        credit_list: str | None = None, **filters: Any) -> Table:
    """Every organization of the registry view matching the filters, ordered by name. ID numbers and phones
    only with ``personal_data`` (the caller records the read)."""
    where, params = ["1 = 1"], []
    for column in ORGANIZATION_FILTERS:
        value = filters.get(column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value.upper() if column == "credit_code" else value)
    if name and name.strip():
        where.append("name LIKE ?")
        params.append("%" + name.strip().replace("%", "").replace("_", "") + "%")
    if credit_list is not None:
        if credit_list not in CREDIT_LIST_CONDITIONS:
            raise ValueError(f"--credit-list is one of {', '.join(CREDIT_LIST_CONDITIONS)}, not {credit_list!r}")
        where.append(CREDIT_LIST_CONDITIONS[credit_list])
    db = ViewDatabase(app)
    from projections.views.catalog import all_views

    table = next(v for v in all_views() if v.name == "civil_affairs_registry").t("organizations")
    with db.transaction(commit=False) as tx:
        rows = tx.rows(f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY name, org_id", params)
    columns = tuple((c.header, _LEDGER_TYPES.get(c.field, TEXT)) for c in COLUMNS) + EXTRA_COLUMNS
    return Table(ORGANIZATIONS_SHEET, columns, (_organization(r, personal_data) for r in rows))


def _organization(r: dict[str, Any], personal_data: bool) -> list[Any]:
    values = {
        "name": r["name"], "kind": KIND_NAMES.get(r["kind"], r["kind"]), "credit_code": r["credit_code"],
        "person": r["representative_name"],
        "id_number": r["representative_id_number"] if personal_data else None,
        "phone": r["representative_phone"] if personal_data else None,
        "domicile": r["domicile"], "district": r["district"], "street": r["street"], "community": r["community"],
        "category": r["category"], "purpose": r["purpose"], "business_scope": r["business_scope"],
        "funds": None if r["funds_fen"] is None else Decimal(int(r["funds_fen"])) / 100,
        "supervising_unit": r["supervising_unit"], "on": _day(r["registered_on"] or r["filed_on"]),
        "party_members": int(r["party_members"]) or None,
    }
    return [values[c.field] for c in COLUMNS] + [
        r["status"], r["grade"], "是" if r["on_abnormal_list"] else "", "是" if r["on_serious_list"] else "", r["org_id"],
    ]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


# -- writing ---------------------------------------------------------------------------------------------------

def write(table: Table, fmt: str, out: Path) -> int:
    """Write the table to ``out`` as xlsx or csv; the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"--format is one of {', '.join(FORMATS)}, not {fmt!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_xlsx(table, out) if fmt == "xlsx" else write_csv(table, out)


def write_xlsx(table: Table, out: Path) -> int:
    """openpyxl's write-only workbook: rows streamed to the file, memory flat in the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title)
    sheet.freeze_panes = "A2"
    for i, (header, kind) in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = 12 if kind != TEXT else max(10, 2 * len(header) + 4)
    bold = Font(bold=True)
    header_cells = []
    for header, _ in table.columns:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    formats = [{DATE: "yyyy-mm-dd", MONEY: YUAN_FORMAT}.get(kind) for _, kind in table.columns]
    count = 0
    for row in table.rows:
        cells = []
        for value, number_format in zip(row, formats):
            if number_format is None or value is None:
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{count + 1}"
    book.save(out)
    return count


def write_csv(table: Table, out: Path) -> int:
    """UTF-8 with a byte-order mark (spreadsheets then read the Chinese as UTF-8); no cell runs as a formula."""
    count = 0
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = SpreadsheetWriter(handle)
        writer.writerow(header for header, _ in table.columns)
        for row in table.rows:
            writer.writerow("" if v is None else v.isoformat() if isinstance(v, date) else v for v in row)
            count += 1
    return count
