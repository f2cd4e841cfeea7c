"""Who did it, why, on what legal basis and with effect from when: carried by every event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.errors import InvalidInput
from domain.values import refuse_forbidden_characters

REASON_MAX = 500
LEGAL_BASIS_MAX = 200


class Department(StrEnum):
    CIVIL_AFFAIRS = "civil_affairs"  # 区民政局
    STREET_OFFICE = "street_office"  # 街道办事处
    FINANCE = "finance"  # 财政局 / 购买主体
    INSPECTION = "inspection"  # 执法 / 抽查
    PARTY_BUILDING = "party_building"  # 党工委 / 两新工委
    MARKET_REGULATION = "market_regulation"  # 市场监管
    PUBLIC_SECURITY = "public_security"  # 公安
    TAX = "tax"  # 税务
    AUDIT = "audit"  # 审计
    SYSTEM = "system"  # Lianjian's own rules (time-based proposals)


@dataclass(frozen=True)
class Actor:
    """The user who gave the command, as the identity provider named them."""

    user_id: str
    username: str
    department: Department
    role: str

    def __post_init__(self) -> None:
        if not self.user_id or not self.username:
            raise InvalidInput("an actor needs a user id and a username")
        for what, value in (("user id", self.user_id), ("username", self.username), ("role", self.role)):
            if not isinstance(value, str):
                raise InvalidInput(f"the actor's {what} must be text")
            refuse_forbidden_characters(value, f"actor's {what}")
        object.__setattr__(self, "department", Department(self.department))


_DEPARTMENTS = {department.value: department for department in Department}


def stored_actor(user_id: str, username: str, department: str, role: str) -> Actor:
    """An actor read back from a stored event: checked when the command was given, so not again."""
    actor = object.__new__(Actor)
    actor.__dict__.update(user_id=user_id, username=username, department=_DEPARTMENTS[department], role=role)
    return actor


@dataclass(frozen=True)
class Context:
    """The circumstances of one command: the actor, the reason, the legal basis and the business date.

    ``occurred_on`` is the date the change took effect in the world (业务日期); the time it was
    recorded is the event's own timestamp.
    """

    actor: Actor
    reason: str
    occurred_on: date
    legal_basis: str | None = None  # e.g. 渝中民发〔2025〕12号

    def __post_init__(self) -> None:
        reason = refuse_forbidden_characters(self.reason or "", "reason", multiline=True).strip()
        if not reason:
            raise InvalidInput("a reason is required")
        if len(reason) > REASON_MAX:
            raise InvalidInput(f"the reason is longer than {REASON_MAX} characters")
        object.__setattr__(self, "reason", reason)
        basis = refuse_forbidden_characters(self.legal_basis or "", "legal basis").strip() or None
        if basis is not None and len(basis) > LEGAL_BASIS_MAX:
            raise InvalidInput(f"the legal basis is longer than {LEGAL_BASIS_MAX} characters")
        object.__setattr__(self, "legal_basis", basis)
        if not isinstance(self.occurred_on, date) or isinstance(self.occurred_on, datetime):
            raise InvalidInput("occurred_on must be a date")


def stored_context(actor: Actor, reason: str, occurred_on: date, legal_basis: str | None) -> Context:
    """A context read back from a stored event: checked when the command was given, so not again."""
    ctx = object.__new__(Context)
    ctx.__dict__.update(actor=actor, reason=reason, occurred_on=occurred_on, legal_basis=legal_basis)
    return ctx
