"""Registration and filing: 成立登记 and 备案, their changes and conversion, and the ends of an organization;
the name and credit-code indexes that keep both unique are changed in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain.base import event_id
from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.commands.credit import list_as_registration_authority
from domain.context import Context
from domain.errors import DuplicateOrganization
from domain.indexes import CreditCodeIndex, NameIndex
from domain.organization import Organization


@dataclass(frozen=True)
class PartyCount:
    """党员人数 counted, under its own context (the party-building office's, on its own date)."""

    ctx: Context
    members: int


def _count(org: Organization, party_count: PartyCount | None) -> None:
    if party_count is not None:
        org.count_party_members(party_count.ctx, members=party_count.members)


def _payload(ctx: Context, fields: dict[str, Any], party_count: PartyCount | None) -> dict[str, Any]:
    """The command's payload for its idempotency fingerprint; without a count, as it always was."""
    payload = {"ctx": ctx, **fields}
    if party_count is not None:
        payload.update(party_ctx=party_count.ctx, party_members=party_count.members)
    return payload


class RegistrationCommands(Commands):
    """成立登记, 备案, their changes, 转登记, and 注销, 撤销, 取缔."""

    def register_organization(
        self, ctx: Context, *, idempotency_key: str | None = None, party_count: PartyCount | None = None,
        **fields: Any,
    ) -> CommandResult:
        """成立登记; with ``party_count``, its party members counted in the same transaction (a ledger's row
        is recorded whole or not at all)."""

        def decide() -> list[Aggregate]:
            org = Organization.register(ctx, **fields)
            self._ensure_name_free(org.name)
            _count(org, party_count)
            return [org, self._code_claim(ctx, org), self._name_claim(ctx, org.name, org.id)]

        return self._run(
            "register_organization", _payload(ctx, fields, party_count), idempotency_key, decide,
            check_conflict=lambda: self._check_duplicates(fields.get("name"), fields.get("credit_code")),
        )

    def file_community_organization(
        self, ctx: Context, *, idempotency_key: str | None = None, party_count: PartyCount | None = None,
        **fields: Any,
    ) -> CommandResult:
        """备案; with ``party_count`` as for a registration."""

        def decide() -> list[Aggregate]:
            org = Organization.file(ctx, **fields)
            self._ensure_name_free(org.name)
            _count(org, party_count)
            return [org, self._name_claim(ctx, org.name, org.id)]

        return self._run(
            "file_community_organization", _payload(ctx, fields, party_count), idempotency_key, decide,
            check_conflict=lambda: self._check_duplicates(fields.get("name"), None),
        )

    def _ensure_name_free(self, name: str) -> None:
        try:
            index = self.repository.get(NameIndex.create_id(name))
        except AggregateNotFoundError:
            return
        if index.organization_id is not None:
            raise DuplicateOrganization(f"the name {name} is already taken")

    def _name_claim(self, ctx: Context, name: str, organization_id: UUID) -> NameIndex:
        try:
            index = self.repository.get(NameIndex.create_id(name))
        except AggregateNotFoundError:
            return NameIndex(ctx=ctx, name=name, organization_id=organization_id)
        index.claim(ctx=ctx, organization_id=organization_id)
        return index

    def _code_claim(self, ctx: Context, org: Organization) -> CreditCodeIndex:
        """The registered organization's credit code, taken in its index unless another holds it."""
        assert org.credit_code is not None
        code_index = CreditCodeIndex(ctx=ctx, credit_code=org.credit_code, organization_id=org.id)
        if self._exists(code_index.id):
            raise DuplicateOrganization(f"credit code {org.credit_code} is already registered")
        return code_index

    def _check_duplicates(self, name: Any, credit_code: Any) -> None:
        if isinstance(name, str) and name.strip():
            self._ensure_name_free(name)
        if isinstance(credit_code, str) and self._exists(CreditCodeIndex.create_id(credit_code.strip())):
            raise DuplicateOrganization(f"credit code {credit_code} is already registered")

    def _renamed(self, ctx: Context, org: Organization, old_name: str) -> list[Aggregate]:
        """Index changes when a change of registration or filing renames the organization."""
        if NameIndex.create_id(org.name) == NameIndex.create_id(old_name):
            return []  # the same name in other forms (full- or half-width, spacing): its index entry stays
        self._ensure_name_free(org.name)
        old = self.repository.get(NameIndex.create_id(old_name))
        old.release(ctx=ctx)
        return [old, self._name_claim(ctx, org.name, org.id)]

    def change_registration(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **changes: Any
    ) -> CommandResult:
        """变更登记."""
        return self._change("change_registration", ctx, organization_id, idempotency_key, changes)

    def change_filing(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **changes: Any
    ) -> CommandResult:
        """备案变更."""
        return self._change("change_filing", ctx, organization_id, idempotency_key, changes)

    def _change(
        self, command: str, ctx: Context, organization_id: str, key: str | None, changes: dict[str, Any]
    ) -> CommandResult:
        """A change of registration or filing (the organization's method of the command's name); a new
        name moves the organization's name index entry."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            old_name = org.name
            getattr(org, command)(ctx, **changes)
            return [org, *self._renamed(ctx, org, old_name)]

        return self._run(command, {"ctx": ctx, "id": str(organization_id), **changes}, key, decide)

    def convert_to_registration(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """转登记."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            org.convert_to_registration(ctx, **fields)
            return [org, self._code_claim(ctx, org)]

        return self._run(
            "convert_to_registration", {"ctx": ctx, "id": str(organization_id), **fields}, idempotency_key, decide
        )

    def deregister(
        self, ctx: Context, organization_id: str, *, liquidation_completed_on: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """注销登记."""
        return self._on_organization(
            "deregister", "deregister", ctx, organization_id, idempotency_key,
            liquidation_completed_on=liquidation_completed_on,
        )

    def revoke_registration(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """撤销登记; recorded by civil affairs, it also lists the organization on the serious list."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            revoke_and_list(ctx, org, ground)
            return [org]

        return self._run(
            "revoke_registration", {"ctx": ctx, "id": str(organization_id), "ground": ground}, idempotency_key, decide
        )

    def request_revocation(
        self, ctx: Context, organization_id: str, *, ground: str, facts: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """撤销登记建议 by any other department: civil affairs gets it as a proposal to accept or decline."""
        return self._on_organization("request_revocation", "request_revocation", ctx, organization_id,
                                     idempotency_key, ground=ground, facts=facts)

    def cancel_filing(self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """撤销备案."""
        return self._on_organization("cancel_filing", "cancel_filing", ctx, organization_id, idempotency_key)

    def ban_organization(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        """取缔."""
        return self._on_organization("ban_organization", "ban", ctx, organization_id, idempotency_key)


def revoke_and_list(ctx: Context, org: Organization, ground: str) -> None:
    """撤销登记 by civil affairs, and in the same command the serious listing it is a ground for, citing it."""
    org.revoke_registration(ctx, ground=ground)
    list_as_registration_authority(ctx, org, [org.revocation_listing_ground()], event_id(org.id, org.version))
