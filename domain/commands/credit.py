"""Penalties and credit lists: 行政处罚 by any department, the abnormal and the serious list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.base import event_id
from domain.command_runner import CommandResult
from domain.commands.base import Commands
from domain.context import Context, Department
from domain.credit_lists import ListingEntry, PenaltyKind, entries_in_force, penalty_events
from domain.errors import InvalidInput
from domain.organization import Organization, RevocationGround


def list_as_registration_authority(ctx: Context, org: Organization, grounds: list[str], cause: str) -> None:
    """登记管理机关应当列入: a fact civil affairs records itself lists in the same command, citing it. A fact
    another department records reaches civil affairs as a proposal instead (projections/rules/joint.py)."""
    if ctx.actor.department != Department.CIVIL_AFFAIRS:
        return
    for ground in grounds:
        org.put_on_list(ctx, ground=ground, causes=[cause])


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
            cause = event_id(org.id, org.version)
            if kind == PenaltyKind.REVOCATION:
                org.revoke_registration(ctx, ground=RevocationGround.SERIOUS_PENALTY)
            grounds = [ground for _, ground in org.penalty_listing_grounds(penalty_id, self.settings)]
            list_as_registration_authority(ctx, org, grounds, cause)
            return changed

        return self._run("impose_penalty", payload, idempotency_key, decide)

    def record_penalty_executed(
        self, ctx: Context, organization_id: str, *, penalty_id: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "record_penalty_executed", "record_penalty_executed", ctx, organization_id, idempotency_key,
            penalty_id=penalty_id,
        )

    def confer_honour(
        self, ctx: Context, organization_id: str, *, title: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """表彰奖励, refused while the organization is on the serious list."""
        return self._on_organization("confer_honour", "confer_honour", ctx, organization_id, idempotency_key,
                                     title=title)

    def record_public_fundraising_qualification(
        self, ctx: Context, organization_id: str, *, certificate: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """公开募捐资格 of a charity, by its certificate: the ground of 第十条第（四）项 may then apply."""
        return self._on_organization("record_public_fundraising_qualification",
                                     "record_public_fundraising_qualification", ctx, organization_id,
                                     idempotency_key, certificate=certificate)

    def record_court_dishonest_debtor(
        self, ctx: Context, organization_id: str, *, notice: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """The court's notice of 失信被执行人 recorded; the rules propose the serious list to civil affairs."""
        return self._on_organization(
            "record_court_dishonest_debtor", "record_court_dishonest_debtor", ctx, organization_id,
            idempotency_key, notice=notice,
        )

    def _with_history(
        self, command: str, ctx: Context, organization_id: str, key: str | None, payload: dict[str, object],
        act: Callable[[Organization, dict[str, list[ListingEntry]], dict[str, str]], None],
    ) -> CommandResult:
        """A command that decides on the listings in force and the penalties' event ids (from its events)."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            events = list(self.events.get(org.id, lte=org.version))
            act(org, entries_in_force(events), penalty_events(events))
            return [org]

        return self._run(command, {"ctx": ctx, "id": str(organization_id), **payload}, key, decide)

    def file_objection(
        self, ctx: Context, organization_id: str, *, listing_event: str, documents: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """异议 to a listing in force, recorded by civil affairs on the organization's behalf."""
        objection_id = uuid4().hex
        return self._with_history(
            "file_objection", ctx, organization_id, idempotency_key,
            {"listing_event": listing_event, "documents": documents},
            lambda org, entries, _: org.file_objection(
                ctx, objection_id=objection_id, listing_event=listing_event, documents=documents, entries=entries,
                settings=self.settings),
        )

    def decide_objection(
        self, ctx: Context, organization_id: str, *, objection_id: str, upheld: bool, reason: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Upheld: the listing withdrawn as erroneous; rejected: the reason recorded."""
        return self._with_history(
            "decide_objection", ctx, organization_id, idempotency_key,
            {"objection_id": objection_id, "upheld": upheld, "reason": reason},
            lambda org, entries, penalties: org.decide_objection(
                ctx, objection_id=objection_id, upheld=upheld, reason=reason, entries=entries, penalty_ids=penalties),
        )

    def annul_penalty(
        self, ctx: Context, organization_id: str, *, penalty_id: str, decision: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """行政复议/诉讼: a penalty annulled; what rested on it withdrawn, derived grounds worked out again."""
        return self._with_history(
            "annul_penalty", ctx, organization_id, idempotency_key, {"penalty_id": penalty_id, "decision": decision},
            lambda org, entries, penalties: org.annul_penalty(
                ctx, penalty_id=penalty_id, decision=decision, entries=entries, penalty_ids=penalties,
                settings=self.settings),
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
        self, ctx: Context, organization_id: str, *, duties_verified_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_serious_list", "remove_from_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings, duties_verified_on=duties_verified_on,
        )
