"""Typed domain errors. Each carries a stable code that the gateway and CLI map to their own errors."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused by a rule of the domain."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value does not have the form the domain requires (a name, a code, an amount, a date)."""


class InvalidCreditCode(InvalidInput):
    """A unified social credit code (统一社会信用代码) fails GB 32100-2015."""


class NotFound(DomainError):
    code = "NOT_FOUND"


class OrganizationNotFound(NotFound):
    pass


class FundingProjectNotFound(NotFound):
    pass


class InspectionCaseNotFound(NotFound):
    pass


class RuleViolation(DomainError):
    """The command is well formed but the organization's state does not allow it."""

    code = "BAD_USER_INPUT"


class OrganizationInactive(RuleViolation):
    """Deregistered, revoked, banned or a cancelled filing: nothing more changes."""


class NotEligibleForFunding(RuleViolation):
    """Revoked, deregistered, banned or on the serious list (严重违法失信名单)."""


class NotEligibleForEvaluation(RuleViolation):
    """Fails one of the evaluation eligibility rules; the message names which."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("not eligible for evaluation: " + "; ".join(reasons))
        self.reasons = reasons


class InspectionNotOpen(RuleViolation):
    pass


class CreditListRuleViolation(RuleViolation):
    pass


class Conflict(DomainError):
    code = "CONFLICT"


class ConcurrentUpdate(Conflict):
    """Another writer changed the same aggregate first; reload and retry."""


class StaleCopy(ConcurrentUpdate):
    """The caller's copy of an aggregate, taken from the cache as it was (``Supervision.cached_organization``),
    was behind the store: load it again, check again what was checked on it, and retry."""


class DuplicateOrganization(Conflict):
    """The name or credit code is already taken by another organization."""


class IdempotencyKeyReused(Conflict):
    """The idempotency key was used before for a different command."""
