"""An id a command is given in any spelling UUID() accepts (upper case, braces, no hyphens) names one
aggregate, and what is recorded is that aggregate's own id: a later lookup by the stored id finds it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest


def spellings(aggregate_id: str) -> list[str]:
    canonical = UUID(aggregate_id)
    return [str(canonical).upper(), "{" + str(canonical) + "}", canonical.hex.upper()]


@pytest.mark.parametrize("spelling", range(3))
def test_a_penalty_records_the_case_it_was_given_as_that_case_s_own_id(story, spelling):
    org = story.register()
    case = story.open_inspection(org)
    given = spellings(case)[spelling]
    story.penalize(org, date(2024, 5, 1), case_id=given)
    imposed = [e for e in story.events_of(org) if e.type.endswith("PenaltyImposed")]
    assert imposed[-1].data["case_id"] == str(story.case(case).id) != given


@pytest.mark.parametrize("spelling", range(3))
def test_an_attached_party_organization_records_its_host_s_own_id(story, spelling):
    host, org = story.register(), story.register()
    party = story.ctx(date(2022, 1, 1), by="party_building")
    story.app.count_party_members(party, host, members=5)
    story.app.set_up_party_organization(party, host, form="single", name="党支部")
    story.app.set_up_party_organization(party, org, form="attached", name="挂靠党支部",
                                        host_organization_id=spellings(host)[spelling])
    events = [e for e in story.events_of(org) if e.type.endswith("PartyOrganizationSetUp")]
    assert events[-1].data["host_organization_id"] == str(UUID(host))


def test_a_sample_draw_records_the_population_by_their_own_ids(story):
    orgs = [story.register() for _ in range(3)]
    draw = story.app.draw_inspection_sample(
        story.ctx(date(2024, 3, 1), by="inspection"), year=2024, jurisdiction="yuzhong",
        population=[spellings(o)[0] for o in orgs], seed="seed-2024")
    assert sorted(story.app.sample_draw(draw.aggregate_id).population) == sorted(str(UUID(o)) for o in orgs)
