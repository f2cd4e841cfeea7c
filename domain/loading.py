"""Loading aggregates: by id for each aggregate type, an organization also by credit code or name, and an
organization as the aggregate cache holds it for a caller that checks it before a command."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.alerts import Alert
from domain.command_runner import CommandRunner
from domain.errors import FundingProjectNotFound, InspectionCaseNotFound, InvalidInput, NotFound, OrganizationNotFound
from domain.funding import FundingProject
from domain.indexes import CreditCodeIndex, NameIndex
from domain.inspection import InspectionCase
from domain.organization import Organization
from domain.sampling import SampleDraw


class AggregateLoading(CommandRunner):
    """The aggregates by id; within a command's decision, as the runner hands them out."""

    def organization(self, organization_id: UUID | str) -> Organization:
        return self._get(Organization, organization_id, OrganizationNotFound)

    def cached_organization(self, organization_id: UUID | str) -> tuple[Organization, bool]:
        """The organization as this process's cache holds it, without asking the store for newer events,
        and True; or, when it is not cached, loaded, and False. For a caller that checks it before a
        command on it (``reusing(org, as_cached=True)``): the command's save finds out if it was behind."""
        with self._loading_as_cached() as taken:  # loaded as a speculative decision loads it
            org = self.organization(organization_id)
        return org, bool(taken)

    def funding_project(self, project_id: UUID | str) -> FundingProject:
        return self._get(FundingProject, project_id, FundingProjectNotFound)

    def inspection_case(self, case_id: UUID | str) -> InspectionCase:
        return self._get(InspectionCase, case_id, InspectionCaseNotFound)

    def sample_draw(self, draw_id: UUID | str) -> SampleDraw:
        return self._get(SampleDraw, draw_id, NotFound)

    def alert(self, alert_id: UUID | str) -> Alert:
        return self._get(Alert, alert_id, NotFound)

    def find_organization(self, reference: str) -> Organization:
        """By id, unified social credit code, or exact name (full- or half-width alike)."""
        reference = (reference or "").strip()
        if not reference:
            raise InvalidInput("name an organization by id, credit code or name")
        try:
            return self.organization(UUID(reference))
        except (ValueError, OrganizationNotFound):
            pass
        for index_id in (CreditCodeIndex.create_id(reference), NameIndex.create_id(reference)):
            try:
                index = self.repository.get(index_id)
            except AggregateNotFoundError:
                continue
            if index.organization_id is not None:
                return self.organization(index.organization_id)
        raise OrganizationNotFound(f"no organization {reference!r}")
