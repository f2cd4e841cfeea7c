"""Mutations of the credit system: proposals accepted or declined, and the court's notice recorded. Merged
into the schema's Mutation type beside gateway/graphql/mutations.py."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.application import Supervision
from gateway.graphql.errors import translate_errors
from gateway.graphql.mutations import CommandInput, _alert, _on_org, _organization, _record
from gateway.graphql.types import CommandResult


@strawberry.type
class CreditMutation:
    @strawberry.mutation(description="采纳 a proposal: records the command it proposes (e.g. a listing citing the "
                                     "proposal and its causes) and the acceptance, at once.")
    @translate_errors
    def accept_proposal(self, info: Info, command: CommandInput, alert_id: strawberry.ID) -> CommandResult:
        return _record(info, "acceptProposal", command,
                       lambda app, ctx, key: app.accept_proposal(ctx, alert_id, idempotency_key=key),
                       target=_alert(alert_id))

    @strawberry.mutation(description="不予采纳 a proposal, with the reason; exemptionDocument: the supervising "
                                     "unit's certification that the organization bears no direct responsibility.")
    @translate_errors
    def decline_proposal(self, info: Info, command: CommandInput, alert_id: strawberry.ID, reason: str,
                         exemption_document: str | None = None) -> CommandResult:
        return _record(info, "declineProposal", command,
                       lambda app, ctx, key: app.decline_proposal(ctx, alert_id, reason=reason,
                                                                  exemption_document=exemption_document,
                                                                  idempotency_key=key),
                       target=_alert(alert_id))

    @strawberry.mutation(description="失信被执行人: the court's notice recorded, by its number; the rules propose "
                                     "the serious list to civil affairs.")
    @translate_errors
    def record_court_dishonest_debtor(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                                      notice: str) -> CommandResult:
        return _record(info, "recordCourtDishonestDebtor", command,
                       _on_org(Supervision.record_court_dishonest_debtor, organization_id, notice=notice),
                       target=_organization(organization_id))

    @strawberry.mutation(description="异议 to a listing in force (its event id), recorded by civil affairs on the "
                                     "organization's behalf with its documents' reference.")
    @translate_errors
    def file_objection(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                       listing_event: str, documents: str) -> CommandResult:
        return _record(info, "fileObjection", command, _on_org(
            Supervision.file_objection, organization_id, listing_event=listing_event, documents=documents),
            target=_organization(organization_id))

    @strawberry.mutation(description="An objection decided: upheld withdraws the listing as erroneous; rejected "
                                     "records the reason.")
    @translate_errors
    def decide_objection(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                         objection_id: str, upheld: bool, reason: str) -> CommandResult:
        return _record(info, "decideObjection", command, _on_org(
            Supervision.decide_objection, organization_id, objection_id=objection_id, upheld=upheld, reason=reason),
            target=_organization(organization_id))

    @strawberry.mutation(description="行政复议/诉讼: a penalty annulled (by the department that imposed it); the "
                                     "listings that rested on it are withdrawn.")
    @translate_errors
    def annul_penalty(self, info: Info, command: CommandInput, organization_id: strawberry.ID, penalty_id: str,
                      decision: str) -> CommandResult:
        return _record(info, "annulPenalty", command, _on_org(
            Supervision.annul_penalty, organization_id, penalty_id=penalty_id, decision=decision),
            target=_organization(organization_id))

    @strawberry.mutation(description="表彰奖励: an honour conferred; refused while on the serious list.")
    @translate_errors
    def confer_honour(self, info: Info, command: CommandInput, organization_id: strawberry.ID,
                      title: str) -> CommandResult:
        return _record(info, "conferHonour", command, _on_org(Supervision.confer_honour, organization_id, title=title),
                       target=_organization(organization_id))

    @strawberry.mutation(description="公开募捐资格: a charity's qualification to raise funds from the public, by its "
                                     "certificate's number (the ground public_fundraising_breach then applies).")
    @translate_errors
    def record_public_fundraising_qualification(self, info: Info, command: CommandInput,
                                                organization_id: strawberry.ID, certificate: str) -> CommandResult:
        return _record(info, "recordPublicFundraisingQualification", command, _on_org(
            Supervision.record_public_fundraising_qualification, organization_id, certificate=certificate),
                       target=_organization(organization_id))
