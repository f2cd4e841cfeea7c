"""Party building: party members, the party organization and its instructor."""

from __future__ import annotations

from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context
from domain.errors import InvalidInput, RuleViolation


class PartyBuildingCommands(Commands):
    """Party members, party organization and party instructor."""

    def count_party_members(
        self, ctx: Context, organization_id: str, *, members: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "count_party_members", "count_party_members", ctx, organization_id, idempotency_key, members=members
        )

    def set_up_party_organization(
        self, ctx: Context, organization_id: str, *, form: str, name: str,
        host_organization_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        if host_organization_id is not None:
            host = self.organization(host_organization_id)
            if host.id == self.organization(organization_id).id:
                raise InvalidInput("an organization cannot attach its party organization to itself")
            if host.party_organization is None:
                raise RuleViolation(f"{host.name} has no party organization to attach to")
            host_organization_id = str(host.id)  # as loaded: any spelling UUID() accepts is one organization
        return self._on_organization(
            "set_up_party_organization", "set_up_party_organization", ctx, organization_id, idempotency_key,
            form=form, name=name, settings=self.settings, host_organization_id=host_organization_id,
        )

    def appoint_party_instructor(
        self, ctx: Context, organization_id: str, *, name: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "appoint_party_instructor", "appoint_party_instructor", ctx, organization_id, idempotency_key, name=name
        )
