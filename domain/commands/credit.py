"""Penalties and credit lists: 行政处罚 by any department, the abnormal and the serious list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context
from domain.credit_lists import PenaltyKind
from domain.errors import InvalidInput
from domain.organization import RevocationGround


class CreditCommands(Commands):
    """Penalties, and the abnormal and serious lists."""

    def impose_penalty(
        self, ctx: Context, organization_id: str, *, kind: str, amount: Decimal | None = None,
        stop_days: int | None = None, case_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """行政处罚 by any department; a revocation penalty also revokes the registration."""
        payload = {"ctx": ctx, "id": str(organization_id), "kind": kind, "amount": amount,
                   "stop_days": stop_days, "case_id": case_id}

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            changed: list[Aggregate] = [org]
            penalty_id = uuid4().hex
            if case_id is not None:
                case = self.inspection_case(case_id)
                if case.organization_id != org.id:
                    raise InvalidInput("that inspection case is about another organization")
                case.note_penalty(ctx, penalty_id=penalty_id)
                changed.append(case)
            org.impose_penalty(  # the case's id as loaded: any spelling UUID() accepts is one case
                ctx, penalty_id=penalty_id, kind=kind, amount=amount, stop_days=stop_days,
                case_id=str(case.id) if case_id is not None else None,
            )
            if kind == PenaltyKind.REVOCATION:
                org.revoke_registration(ctx, ground=RevocationGround.SERIOUS_PENALTY)
            return changed

        return self._run("impose_penalty", payload, idempotency_key, decide)

    def record_penalty_executed(
        self, ctx: Context, organization_id: str, *, penalty_id: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "record_penalty_executed", "record_penalty_executed", ctx, organization_id, idempotency_key,
            penalty_id=penalty_id,
        )

    def add_to_abnormal_list(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "add_to_abnormal_list", "add_to_abnormal_list", ctx, organization_id, idempotency_key, ground=ground
        )

    def remove_from_abnormal_list(
        self, ctx: Context, organization_id: str, *, verified_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_abnormal_list", "remove_from_abnormal_list", ctx, organization_id, idempotency_key,
            verified_on=verified_on, settings=self.settings,
        )

    def escalate_to_serious_list(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "escalate_to_serious_list", "escalate_to_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings,
        )

    def add_to_serious_list(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "add_to_serious_list", "add_to_serious_list", ctx, organization_id, idempotency_key, ground=ground
        )

    def remove_from_serious_list(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_serious_list", "remove_from_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings,
        )
