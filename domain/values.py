"""Checks for the plain values commands carry: names, identifiers, money, free text."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import InvalidInput

NAME_MAX = 100
TEXT_MAX = 2000
MONEY_PLACES = Decimal("0.01")
MONEY_MAX = Decimal("1000000000000")  # a trillion yuan: far beyond any grant, catches typos

# Characters no text a command takes may hold: control characters (C0 and DEL, which PostgreSQL's text cannot
# hold or which corrupt what is shown; C1 alike), and lone surrogates, which no database can encode. Multi-line
# free text keeps tab and newline; single-line values (names, codes, identifiers) also refuse the bidirectional
# overrides and isolates, which make a name read differently from what it is (U+202A-U+202E, U+2066-U+2069).
_FORBIDDEN_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_FORBIDDEN_MULTI_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def refuse_forbidden_characters(text: str, what: str, *, multiline: bool = False) -> str:
    """``text`` as it is, when it holds none of the characters above (tab and newline are allowed when
    ``multiline``); else InvalidInput naming the field and the character."""
    found = (_FORBIDDEN_MULTI_LINE if multiline else _FORBIDDEN_SINGLE_LINE).search(text)
    if found is not None:
        raise InvalidInput(f"the {what} contains a character it may not hold (U+{ord(found.group()):04X})")
    return text


def checked_identifier(value: Any, what: str, max_length: int = NAME_MAX) -> str:
    """A one-line code or identifier (a ground, a kind, a seed, an id) as given: text, not empty, at most
    ``max_length`` characters, none of them forbidden above."""
    if not isinstance(value, str):
        raise InvalidInput(f"the {what} must be text")
    if not value.strip():
        raise InvalidInput(f"the {what} must not be empty")
    if len(value) > max_length:
        raise InvalidInput(f"the {what} is longer than {max_length} characters")
    return refuse_forbidden_characters(value, what)


def checked_name(name: str, what: str = "name") -> str:
    """A non-empty name of at most NAME_MAX characters, with surrounding space removed."""
    if not isinstance(name, str):
        raise InvalidInput(f"the {what} must be text")
    cleaned = " ".join(refuse_forbidden_characters(name, what).split())
    if not cleaned:
        raise InvalidInput(f"the {what} must not be empty")
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(f"the {what} is longer than {NAME_MAX} characters")
    return cleaned


def checked_text(text: str | None, what: str, *, required: bool = False, multiline: bool = False) -> str | None:
    """Free text with surrounding space removed (None when there is none); ``multiline`` text (a purpose,
    findings, a resolution) may hold tabs and line breaks, a one-line text (an address) may not."""
    cleaned = "" if text is None else refuse_forbidden_characters(str(text), what, multiline=multiline).strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"the {what} must not be empty")
        return None
    if len(cleaned) > TEXT_MAX:
        raise InvalidInput(f"the {what} is longer than {TEXT_MAX} characters")
    return cleaned


def positive_money(amount: Decimal | str | int, what: str = "amount") -> Decimal:
    """A positive amount of yuan with at most two decimal places. Floats are refused: money is exact."""
    if isinstance(amount, float) or isinstance(amount, bool):
        raise InvalidInput(f"the {what} must be an exact decimal, not a float")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"the {what} is not a number: {amount!r}") from None
    if not value.is_finite():
        raise InvalidInput(f"the {what} must be a finite number")
    if value <= 0:
        raise InvalidInput(f"the {what} must be positive")
    if value > MONEY_MAX:
        raise InvalidInput(f"the {what} is implausibly large")
    if value != value.quantize(MONEY_PLACES):
        raise InvalidInput(f"the {what} has more than two decimal places (分)")
    return value.quantize(MONEY_PLACES)
