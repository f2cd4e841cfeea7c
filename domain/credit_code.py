"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from a 31-character alphabet (no I, O, S, V, Z): registration authority (1), organization
type (1), administrative division (6), organization code (9), check character (1).
"""

from __future__ import annotations

from domain.errors import InvalidCreditCode, InvalidInput
from domain.values import refuse_forbidden_characters

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CIVIL_AFFAIRS_AUTHORITY = "5"  # 民政: codes of registered social organizations start with 5
TYPE_BY_KIND = {"social_group": "1", "private_non_enterprise": "2", "foundation": "3"}


def check_character(first17: str) -> str:
    """The 18th character for the given first 17."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def checked_credit_code(code: str, kind: str | None = None) -> str:
    """The code upper-cased and verified; with ``kind``, also its authority and type characters."""
    if not isinstance(code, str):
        raise InvalidCreditCode("the credit code must be text")
    try:
        code = refuse_forbidden_characters(code, "credit code").strip().upper()
    except InvalidInput as error:
        raise InvalidCreditCode(error.message) from None
    if len(code) != 18:
        raise InvalidCreditCode(f"a credit code has 18 characters, not {len(code)}")
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise InvalidCreditCode(f"a credit code cannot contain {''.join(bad)}")
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode(f"credit code {code} fails its check character")
    if kind is not None:
        expected = CIVIL_AFFAIRS_AUTHORITY + TYPE_BY_KIND[kind]
        if code[:2] != expected:
            raise InvalidCreditCode(
                f"a {kind} registered by civil affairs has a code starting {expected}, not {code[:2]}"
            )
    return code


def make_credit_code(kind: str, division: str, serial: int) -> str:
    """A valid code for demo data and tests: civil affairs, ``kind``, 6-digit division, 9-char serial."""
    body = CIVIL_AFFAIRS_AUTHORITY + TYPE_BY_KIND[kind] + division + f"{serial:09d}"
    return body + check_character(body)
