"""Unique keys as tiny aggregates with derived ids (the library's idiom for uniqueness):
saving one in the same transaction as the organization makes a duplicate fail atomically."""

from __future__ import annotations

import unicodedata
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SupervisedAggregate
from domain.context import Context
from domain.errors import DuplicateOrganization


def _normalized_name(name: str) -> str:
    # Full-width and half-width forms of the same name are the same name (NFKC), spacing aside.
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


class NameIndex(SupervisedAggregate):
    """Which organization holds a name (names are unique within the registration authority)."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, "lianjian:name:" + _normalized_name(name))

    def __init__(self, ctx: Context, name: str, organization_id: UUID) -> None:
        """An organization took a name that no one held before."""
        self.name = name
        self.organization_id: UUID | None = organization_id

    @event("Released")
    def release(self, ctx: Context) -> None:
        """The organization changed its name; the old one is free again."""
        self.organization_id = None

    def claim(self, ctx: Context, organization_id: UUID) -> None:
        """Take a released name; a name held by an organization cannot be taken."""
        if self.organization_id is not None:
            raise DuplicateOrganization(f"the name {self.name} is already taken")
        self._claimed(ctx=ctx, organization_id=organization_id)

    @event("Claimed")
    def _claimed(self, ctx: Context, organization_id: UUID) -> None:
        """A released name was taken by another organization."""
        self.organization_id = organization_id


class CreditCodeIndex(SupervisedAggregate):
    """Which organization holds a unified social credit code."""

    @staticmethod
    def create_id(credit_code: str) -> UUID:
        return uuid5(NAMESPACE_URL, "lianjian:credit-code:" + credit_code.upper())

    def __init__(self, ctx: Context, credit_code: str, organization_id: UUID) -> None:
        """An organization was registered under a credit code."""
        self.credit_code = credit_code
        self.organization_id = organization_id
