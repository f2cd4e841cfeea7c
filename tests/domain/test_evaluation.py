"""Evaluation (社会组织评估): who may be evaluated, which grade a score earns, and what happens to grades."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput, NotEligibleForEvaluation, OrganizationInactive, RuleViolation
from domain.evaluation import grade_for_score, grade_valid_until
from domain.settings import DEFAULT_SETTINGS, LocalitySettings

REGISTERED = date(2020, 3, 1)
EVALUATED = date(2023, 6, 1)


def award(story, org: str, on: date = EVALUATED, score: int = 950) -> None:
    story.app.award_grade(story.ctx(on), org, score=score)


def refusals(story, org: str, on: date = EVALUATED) -> list[str]:
    return story.org(org).evaluation_refusals(on, story.app.settings)


def test_a_clean_organization_registered_three_years_ago_is_graded(story) -> None:
    org = story.register(on=REGISTERED)

    award(story, org, score=950)

    graded = story.org(org)
    assert graded.grade == 5
    assert graded.grade_awarded_on == EVALUATED
    assert graded.grade_valid_until == date(2028, 6, 1)


def test_registered_less_than_two_full_years_is_not_eligible_until_the_anniversary(story) -> None:
    org = story.register(on=date(2021, 6, 2))

    with pytest.raises(NotEligibleForEvaluation, match="less than 2 full years"):
        award(story, org, on=date(2023, 6, 1))
    award(story, org, on=date(2023, 6, 2))

    assert story.org(org).grade == 5


def test_a_failed_annual_inspection_last_year_makes_it_ineligible(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.conclude_annual_inspection(story.ctx(date(2023, 4, 1)), org, year=2022, result="unqualified")

    with pytest.raises(NotEligibleForEvaluation, match="failed the annual inspection of 2022"):
        award(story, org, on=date(2023, 6, 1))


def test_a_failed_inspection_two_years_back_no_longer_counts(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.conclude_annual_inspection(story.ctx(date(2022, 4, 1)), org, year=2021, result="unqualified")
    story.app.conclude_annual_inspection(story.ctx(date(2023, 4, 1)), org, year=2022, result="qualified")

    award(story, org, on=date(2023, 6, 1))

    assert story.org(org).grade == 5


def test_basically_qualified_two_years_running_makes_it_ineligible(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.conclude_annual_inspection(story.ctx(date(2022, 4, 1)), org, year=2021, result="basically_qualified")
    story.app.conclude_annual_inspection(story.ctx(date(2023, 4, 1)), org, year=2022, result="basically_qualified")

    with pytest.raises(NotEligibleForEvaluation, match="basically qualified in both 2021 and 2022"):
        award(story, org)


def test_basically_qualified_once_is_still_eligible(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.conclude_annual_inspection(story.ctx(date(2022, 4, 1)), org, year=2021, result="qualified")
    story.app.conclude_annual_inspection(story.ctx(date(2023, 4, 1)), org, year=2022, result="basically_qualified")

    award(story, org)

    assert story.org(org).grade == 5


def test_a_penalty_last_year_makes_it_ineligible_even_when_executed(story) -> None:
    org = story.register(on=REGISTERED)
    penalty = story.penalize(org, date(2022, 5, 1), kind="warning", by="tax")
    story.app.record_penalty_executed(story.ctx(date(2022, 5, 10)), org, penalty_id=penalty)

    with pytest.raises(NotEligibleForEvaluation, match="penalized in 2022"):
        award(story, org, on=date(2023, 6, 1))
    award(story, org, on=date(2024, 6, 1))

    assert story.org(org).grade == 5


def test_an_unexecuted_penalty_makes_it_ineligible_until_executed(story) -> None:
    org = story.register(on=REGISTERED)
    penalty = story.penalize(org, date(2021, 5, 1), kind="fine", amount="3000", by="tax")  # a proposal, no listing

    with pytest.raises(NotEligibleForEvaluation, match="not yet executed"):
        award(story, org)
    story.app.record_penalty_executed(story.ctx(date(2023, 5, 1)), org, penalty_id=penalty)
    award(story, org)

    assert story.org(org).grade == 5


def test_an_open_inspection_case_makes_it_ineligible_until_closed(story) -> None:
    org = story.register(on=REGISTERED)
    case = story.open_inspection(org, on=date(2023, 5, 1))

    with pytest.raises(NotEligibleForEvaluation, match="under investigation"):
        award(story, org)
    story.app.close_inspection(story.ctx(date(2023, 5, 20), by="inspection"), case, conclusion="未发现问题")
    award(story, org)

    assert story.org(org).grade == 5


def test_the_abnormal_list_makes_it_ineligible(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.add_to_abnormal_list(story.ctx(date(2023, 1, 5)), org, ground="no_party_organization")

    with pytest.raises(NotEligibleForEvaluation, match="abnormal activities list"):
        award(story, org)


def test_the_serious_list_makes_it_ineligible(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.add_to_serious_list(story.ctx(date(2023, 1, 5)), org, ground="court_dishonest_debtor")

    with pytest.raises(NotEligibleForEvaluation, match="serious illegal and dishonest list"):
        award(story, org)


def test_every_reason_is_named_at_once(story) -> None:
    org = story.register(on=date(2022, 1, 1))
    story.penalize(org, date(2022, 5, 1), kind="warning")
    story.app.add_to_abnormal_list(story.ctx(date(2022, 5, 1)), org, ground="warning_or_small_fine")

    with pytest.raises(NotEligibleForEvaluation) as refused:
        award(story, org)

    assert len(refused.value.reasons) == 4  # too young, penalized last year, unexecuted, abnormal list


def test_a_filed_community_organization_is_never_evaluated(story) -> None:
    org = story.file(on=date(2015, 1, 1))

    assert refusals(story, org) == ["only registered organizations are evaluated"]
    with pytest.raises(RuleViolation, match="filed, not registered"):
        award(story, org)


def test_a_converted_organization_counts_its_years_from_registration_not_filing(story) -> None:
    org = story.file(on=date(2015, 1, 1))
    story.app.convert_to_registration(
        story.ctx(date(2022, 1, 1)), org, kind="social_group", credit_code=story.next_credit_code(),
        domicile="渝中区学田湾1号", purpose="文体活动", business_scope="合唱", legal_representative=story.org(org).person_in_charge,
        funds="30000",
    )

    assert refusals(story, org, date(2023, 6, 1)) == ["registered less than 2 full years"]
    assert refusals(story, org, date(2024, 1, 1)) == []


@pytest.mark.parametrize(
    ("score", "grade"),
    [(1000, 5), (900, 5), (899, 4), (800, 4), (799, 3), (700, 3), (600, 2), (599, 1), (500, 1), (499, None), (0, None)],
)
def test_the_grade_cut_offs_on_the_thousand_point_scale(score: int, grade: int | None) -> None:
    assert grade_for_score(score, DEFAULT_SETTINGS) == grade


def test_another_locality_cuts_grades_elsewhere(story_with) -> None:
    lenient = LocalitySettings(grade_cutoffs=((5, 850), (4, 750), (3, 650), (2, 550), (1, 450)))
    story = story_with(lenient)
    org = story.register(on=REGISTERED)

    story.app.award_grade(story.ctx(EVALUATED), org, score=860)

    assert grade_for_score(860, DEFAULT_SETTINGS) == 4
    assert story.org(org).grade == 5


def test_a_score_below_the_lowest_cut_off_earns_no_grade(story) -> None:
    org = story.register(on=REGISTERED)

    with pytest.raises(RuleViolation, match="earns no grade"):
        award(story, org, score=499)

    assert story.org(org).grade is None


@pytest.mark.parametrize("score", [-1, 1001, True, 900.0, "900"])
def test_a_score_is_a_whole_number_from_0_to_1000(story, score: object) -> None:
    org = story.register(on=REGISTERED)

    with pytest.raises(InvalidInput):
        award(story, org, score=score)  # type: ignore[arg-type]


def test_a_grade_is_valid_five_years_or_as_the_locality_says() -> None:
    assert grade_valid_until(date(2024, 2, 29), DEFAULT_SETTINGS) == date(2029, 2, 28)
    assert grade_valid_until(date(2024, 6, 1), LocalitySettings(grade_valid_years=3)) == date(2027, 6, 1)


def test_a_grade_can_be_lowered_but_not_raised_or_kept(story) -> None:
    org = story.register(on=REGISTERED)
    award(story, org, score=820)  # 4A

    for not_lower in (4, 5, 0):
        with pytest.raises(InvalidInput):
            story.app.lower_grade(story.ctx(date(2024, 1, 1)), org, grade=not_lower)
    story.app.lower_grade(story.ctx(date(2024, 1, 1)), org, grade=2)

    lowered = story.org(org)
    assert lowered.grade == 2
    assert lowered.grade_valid_until == date(2028, 6, 1)


def test_a_cancelled_grade_is_gone(story) -> None:
    org = story.register(on=REGISTERED)
    award(story, org)

    story.app.cancel_grade(story.ctx(date(2024, 1, 1)), org)

    cancelled = story.org(org)
    assert (cancelled.grade, cancelled.grade_awarded_on, cancelled.grade_valid_until) == (None, None, None)


def test_only_a_graded_organization_can_lose_its_grade(story) -> None:
    org = story.register(on=REGISTERED)

    with pytest.raises(RuleViolation, match="holds no evaluation grade"):
        story.app.cancel_grade(story.ctx(date(2024, 1, 1)), org)
    with pytest.raises(RuleViolation, match="holds no evaluation grade"):
        story.app.lower_grade(story.ctx(date(2024, 1, 1)), org, grade=1)


def test_a_revoked_organization_can_still_lose_its_grade(story) -> None:
    org = story.register(on=REGISTERED)
    award(story, org)
    story.app.revoke_registration(story.ctx(date(2024, 1, 1)), org, ground="fraud")

    story.app.cancel_grade(story.ctx(date(2024, 1, 2)), org)

    assert story.org(org).grade is None


def test_a_revoked_organization_is_not_graded(story) -> None:
    org = story.register(on=REGISTERED)
    story.app.revoke_registration(story.ctx(date(2023, 1, 1)), org, ground="fraud")

    with pytest.raises(OrganizationInactive):
        award(story, org)
