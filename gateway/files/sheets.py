"""A ledger's sheets: their columns (header, synonyms, how a cell is read), the header row mapped to them, and a
row read into values with each problem named by sheet, row and column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.files.workbook import Sheet, WorkbookRefused, code_cell, text_cell


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    synonyms: tuple[str, ...]
    parse: Callable[[Any], Any]
    required: bool = False
    note: str = ""


@dataclass(frozen=True)
class SheetSpec:
    """A kind of sheet: the titles it goes by, its columns, and the headers an export adds that are ignored."""

    titles: tuple[str, ...]
    columns: tuple[Column, ...]
    ignored: tuple[str, ...] = ()

    def find(self, sheets: list[Sheet]) -> Sheet | None:
        return next((s for s in sheets if s.title.strip() in self.titles), None)

    def header(self, field: str) -> str:
        return next(c.header for c in self.columns if c.field == field)

    def columns_of(self, file_name: str, sheet: Sheet) -> dict[str, Column]:
        """The sheet's headers mapped to the columns; unknown, doubled and missing headers refuse the file."""
        by_header = {h: c for c in self.columns for h in (c.header, *c.synonyms)}
        columns: dict[str, Column] = {}
        unknown = []
        for header in sheet.headers:
            column = by_header.get(header)
            if column is None:
                if header not in self.ignored:
                    unknown.append(header or "(empty)")
                continue
            if column in columns.values():
                raise WorkbookRefused(f"{file_name}: sheet {sheet.title} has two columns for {column.header} ({header})", "DUPLICATE_COLUMNS")
            columns[header] = column
        if unknown:
            raise WorkbookRefused(f"{file_name}: sheet {sheet.title} has unknown columns: {', '.join(unknown)}"
                                  " (docs/files.md lists the columns)", "UNKNOWN_COLUMNS")
        missing = [c.header for c in self.columns if c.required and c not in columns.values()]
        if missing:
            raise WorkbookRefused(f"{file_name}: sheet {sheet.title} lacks the columns: {', '.join(missing)}", "MISSING_COLUMNS")
        return columns


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


def read_row(sheet: Sheet, columns: dict[str, Column], number: int, cells: list[Any],
             problems: list[Problem]) -> dict[str, Any] | None:
    """The row's values by field; None, with its problems added, when a cell cannot be read or is missing."""
    values: dict[str, Any] = {}
    ok = True
    for header, cell in zip(sheet.headers, cells):
        column = columns.get(header)
        if column is None:
            continue
        try:
            values[column.field] = None if text_cell(cell) is None else column.parse(cell)
        except (ValueError, OverflowError) as error:
            problems.append(Problem(sheet.title, number, header, str(cell), str(error)))
            ok = False
            continue
        if column.required and values[column.field] is None:
            problems.append(Problem(sheet.title, number, header, "", "required"))
            ok = False
    return values if ok else None


def text(value: Any) -> str | None:
    return text_cell(value)


def place(value: Any) -> str | None:
    """A district's or street's code: lower case, half-width."""
    code = code_cell(value)
    return None if code is None else code.lower()


def one_of(names: dict[str, str], what: str) -> Callable[[Any], str]:
    """A cell naming one of ``names`` (Chinese words or the codes themselves), read as its code."""

    def parse(value: Any) -> str:
        cell = text_cell(value) or ""
        code = names.get(cell, cell if cell in names.values() else None)
        if code is None:
            raise ValueError(f"not {what} ({'、'.join(names)})")
        return code

    return parse
