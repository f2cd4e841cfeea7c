"""Reading an uploaded workbook safely: the file is checked before any cell is trusted, and every way it can be
wrong is one clear refusal (``WorkbookRefused``), never a traceback or a half-read file.

Refused: a file over the size limit, one that is not an .xlsx (an old .xls, a CSV, anything else), an encrypted
workbook, a damaged or truncated one, one that unpacks to far more than it weighs, hidden sheets, merged cells
and formulas in any sheet (the importer wants values a person can see and check)."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
UNPACKED_RATIO = 40  # an .xlsx of text unpacks to some 5-10 times its size; far more is a zip bomb


class WorkbookRefused(ValueError):
    """The file cannot be imported at all; the message says why, in one line, and ``reason`` in a stable code
    (what an upload's JSON error carries: TOO_LARGE, NOT_XLSX, OLD_XLS, ENCRYPTED, DAMAGED, HIDDEN_SHEETS,
    MERGED_CELLS, FORMULA, NO_SHEET, UNKNOWN_COLUMNS, DUPLICATE_COLUMNS, MISSING_COLUMNS, UNREADABLE)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Sheet:
    """A sheet's header row and its data rows, each with its row number as Excel shows it."""

    title: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def read_workbook(path: Path, max_bytes: int) -> tuple[str, list[Sheet]]:
    """The workbook's visible sheets as values, and the file's SHA-256; refused with a reason otherwise."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise WorkbookRefused(f"{path}: cannot be read ({error.strerror})", "UNREADABLE") from None
    _within(path.name, size, max_bytes, "LIANJIAN_IMPORT_MAX_BYTES")  # before a byte of it is read
    return read_content(path.name, path.read_bytes(), max_bytes)


def read_content(name: str, content: bytes, max_bytes: int,
                 setting: str = "LIANJIAN_UPLOAD_MAX_BYTES") -> tuple[str, list[Sheet]]:
    """The same, for a file's bytes already in memory (an upload), named ``name`` in the messages."""
    import hashlib

    _within(name, len(content), max_bytes, setting)
    _check_container(name, content, max_bytes)
    sheets = _load(name, content)
    return hashlib.sha256(content).hexdigest(), sheets


def _within(name: str, size: int, max_bytes: int, setting: str) -> None:
    if size > max_bytes:
        raise WorkbookRefused(f"{name} is {size:,} bytes, over the import limit of {max_bytes:,} ({setting})",
                              "TOO_LARGE")


def _check_container(name: str, content: bytes, max_bytes: int) -> None:
    if content.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in content:
            raise WorkbookRefused(f"{name} is encrypted (password-protected): save it without a password", "ENCRYPTED")
        raise WorkbookRefused(f"{name} is an old-format .xls workbook: save it as .xlsx", "OLD_XLS")
    if not content.startswith(ZIP_MAGIC):
        raise WorkbookRefused(f"{name} is not an Excel workbook (.xlsx)", "NOT_XLSX")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            damaged = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise WorkbookRefused(f"{name} is damaged or truncated: it cannot be opened as a workbook", "DAMAGED") from None
    if damaged is not None:
        raise WorkbookRefused(f"{name} is damaged or truncated ({damaged} is corrupt)", "DAMAGED")
    if "xl/workbook.xml" not in names:
        raise WorkbookRefused(f"{name} is not an Excel workbook (.xlsx): it holds no workbook", "NOT_XLSX")
    if unpacked > UNPACKED_RATIO * max(max_bytes, len(content)):
        raise WorkbookRefused(f"{name} unpacks to {unpacked:,} bytes: too large to read", "TOO_LARGE")


def _load(name: str, content: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of unsupported extensions (data validation etc.)
            book = load_workbook(io.BytesIO(content), data_only=False, read_only=False)
    except Exception as error:  # noqa: BLE001 - whatever the parser meets in a damaged file, one refusal
        raise WorkbookRefused(f"{name} cannot be read as a workbook ({type(error).__name__})", "DAMAGED") from None
    hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
    if hidden:
        raise WorkbookRefused(f"{name} has hidden sheets ({', '.join(hidden)}): unhide or delete them", "HIDDEN_SHEETS")
    return [_sheet(name, ws) for ws in book.worksheets]


def _sheet(name: str, ws: Any) -> Sheet:
    if ws.merged_cells.ranges:
        first = sorted(str(r) for r in ws.merged_cells.ranges)[0]
        raise WorkbookRefused(f"{name}: sheet {ws.title} has merged cells ({first}): unmerge them", "MERGED_CELLS")
    rows: list[tuple[int, list[Any]]] = []
    headers: list[str] = []
    for number, cells in enumerate(ws.iter_rows(), start=1):
        values = []
        for cell in cells:
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                raise WorkbookRefused(f"{name}: sheet {ws.title} cell {cell.coordinate} holds a formula:"
                                      " paste it as values", "FORMULA")
            values.append(cell.value)
        if number == 1:
            headers = [header_text(v) for v in values]
            while headers and not headers[-1]:
                headers.pop()
            continue
        if any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in values):
            rows.append((number, values[: len(headers)] + [None] * (len(headers) - len(values))))
    return Sheet(ws.title, headers, rows)


# -- cell values, the variants a ledger keeps ----------------------------------------------------

def header_text(value: Any) -> str:
    """A header as written, without its width, spaces, required marks or unit: 「 金额（元）*」 -> 金额."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = re.sub(r"\s+|\*", "", text)
    return re.sub(r"\((元|人|天|万元|yyyy-mm-dd)\)$", "", text, flags=re.IGNORECASE)


_WIDE = {**{0xFF10 + i: ord("0") + i for i in range(10)}, **{0xFF21 + i: ord("A") + i for i in range(26)},
         **{0xFF41 + i: ord("a") + i for i in range(26)}, 0xFF0D: ord("-"), 0xFF0F: ord("/"), 0xFF0E: ord("."),
         0xFF0B: ord("+"), 0x3000: ord(" "), 0xFF0C: ord(",")}


def narrow(text: str) -> str:
    """Full-width digits, letters and separators as ASCII (codes, numbers, dates); other text untouched."""
    return text.translate(_WIDE)


def text_cell(value: Any) -> str | None:
    """A text cell, trimmed (trailing spaces and non-breaking ones); a number as its digits; empty: None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def code_cell(value: Any) -> str | None:
    text = text_cell(value)
    return None if text is None else narrow(text).replace(" ", "").upper()


_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def date_cell(value: Any) -> date:
    """A date as Excel stores it (a date cell, a serial number) or as people type it (2020-01-02, 2020/1/2,
    2020.1.2, 2020年1月2日, 20200102); ValueError with the reason otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise ValueError("not a date")
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = narrow(text_cell(value) or "")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _TEXT_DATE.match(text)
    if not match:
        raise ValueError("not a date (write 2020-01-31)")
    return date(*(int(part) for part in match.groups()))


def money_cell(value: Any) -> Decimal:
    """Yuan as a number cell or as text (¥1,200.00, 1200元); at most two decimals."""
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = narrow(text_cell(value) or "").replace(",", "").replace("¥", "").replace("￥", "").removesuffix("元")
        try:
            amount = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError("not an amount in yuan") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("an amount has at most two decimals (fen)")
    return amount.quantize(Decimal("0.01"))


def count_cell(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = narrow(text_cell(value) or "")
    if not text.isdigit():
        raise ValueError("not a whole number")
    return int(text)
