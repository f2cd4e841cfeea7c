"""Checks for the plain values commands carry: names, money, free text."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput

NAME_MAX = 100
TEXT_MAX = 2000
MONEY_PLACES = Decimal("0.01")
MONEY_MAX = Decimal("1000000000000")  # a trillion yuan: far beyond any grant, catches typos


def checked_name(name: str, what: str = "name") -> str:
    """A non-empty name of at most NAME_MAX characters, with surrounding space removed."""
    if not isinstance(name, str):
        raise InvalidInput(f"the {what} must be text")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput(f"the {what} must not be empty")
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(f"the {what} is longer than {NAME_MAX} characters")
    return cleaned


def checked_text(text: str | None, what: str, *, required: bool = False) -> str | None:
    if text is None or not str(text).strip():
        if required:
            raise InvalidInput(f"the {what} must not be empty")
        return None
    cleaned = str(text).strip()
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
