"""CSV that a spreadsheet opens as data: no cell it would run as a formula.

Excel, LibreOffice and Sheets read a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula (and a tab
or carriage return before one as the same); a reason of ``=HYPERLINK("…")`` would become a live link, and
worse. Such a text cell is written with a single quote before it (OWASP's advice), which the spreadsheet
shows as plain text. Every CSV Lianjian writes goes through ``SpreadsheetWriter``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralized(cell: Any) -> Any:
    """A text cell that would start a formula, quoted with a leading ``'``; anything else as it is (numbers
    are numbers, never formulas)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SpreadsheetWriter:
    """``csv.writer`` whose every text cell is neutralized."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralized(cell) for cell in row])
