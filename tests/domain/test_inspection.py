"""Inspections (双随机一公开): the yearly sample drawn from a recorded seed, cases, findings and rectification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import Supervision
from domain.errors import Conflict, InspectionNotOpen, InvalidInput, OrganizationNotFound, RuleViolation
from domain.inspection import RectificationState
from domain.sampling import draw_sample, sample_size
from domain.settings import LocalitySettings

OPENED = date(2024, 4, 1)


def inspector(story, on: date):
    return story.ctx(on, by="inspection")


@pytest.fixture
def org(story) -> str:
    return story.register(on=date(2019, 5, 1), name="重庆市渝中区上清寺致远社会公益事业发展促进会")


@pytest.fixture
def case(story, org: str) -> str:
    return story.open_inspection(org, on=OPENED)


def order(story, case: str, on: date = date(2024, 4, 10), deadline: date = date(2024, 5, 10)) -> None:
    story.app.order_rectification(inspector(story, on), case, requirements="补齐财务账目", deadline=deadline)


# -- opening and closing a case -----------------------------------------------------------------


def test_an_inspection_opened_by_two_inspectors_puts_the_organization_under_investigation(story, org: str) -> None:
    case = story.open_inspection(org, on=OPENED, inspectors=["赵六", "王五"])

    opened = story.case(case)
    assert opened.inspectors == ["王五", "赵六"]
    assert opened.is_open and opened.opened_on == OPENED
    assert story.org(org).open_inspection_cases == [case]


@pytest.mark.parametrize("inspectors", [[], ["王五"], ["王五", "王五"], ["王五", " 王五 "]])
def test_an_inspection_needs_two_different_inspectors(story, org: str, inspectors: list[str]) -> None:
    with pytest.raises(InvalidInput, match="at least 2 different inspectors"):
        story.open_inspection(org, inspectors=inspectors)

    assert story.org(org).open_inspection_cases == []


def test_the_number_of_inspectors_follows_the_locality(story_with) -> None:
    story = story_with(LocalitySettings(min_inspectors=3))
    org = story.register()

    with pytest.raises(InvalidInput, match="at least 3"):
        story.open_inspection(org, inspectors=["王五", "赵六"])
    story.open_inspection(org, inspectors=["王五", "赵六", "孙七"])

    assert len(story.org(org).open_inspection_cases) == 1


def test_closing_the_case_ends_the_investigation(story, org: str, case: str) -> None:
    story.app.close_inspection(inspector(story, date(2024, 4, 20)), case, conclusion="未发现问题")

    assert story.case(case).closed_on == date(2024, 4, 20)
    assert story.org(org).open_inspection_cases == []


def test_a_closed_case_takes_nothing_more(story, case: str) -> None:
    story.find_problems(case)
    story.app.close_inspection(inspector(story, date(2024, 4, 20)), case, conclusion="已责令改正")

    with pytest.raises(InspectionNotOpen):
        order(story, case, on=date(2024, 4, 21))
    with pytest.raises(InspectionNotOpen):
        story.app.record_inspection_findings(inspector(story, date(2024, 4, 21)), case, findings="补充", problems_found=False)
    with pytest.raises(InspectionNotOpen):
        story.app.close_inspection(inspector(story, date(2024, 4, 21)), case, conclusion="再次结案")


def test_a_case_event_cannot_predate_its_opening(story, case: str) -> None:
    with pytest.raises(InvalidInput, match="predate"):
        story.find_problems(case, on=date(2024, 3, 31))


def test_an_inactive_organization_is_not_inspected(story, org: str) -> None:
    story.app.revoke_registration(story.ctx(date(2024, 1, 1)), org, ground="fraud")

    with pytest.raises(RuleViolation):
        story.open_inspection(org)


# -- findings and rectification -----------------------------------------------------------------


def test_rectification_is_ordered_only_after_problems_are_found(story, case: str) -> None:
    story.app.record_inspection_findings(inspector(story, date(2024, 4, 2)), case, findings="运作规范", problems_found=False)
    with pytest.raises(RuleViolation, match="after findings of problems"):
        order(story, case)

    story.find_problems(case, on=date(2024, 4, 3))
    order(story, case)

    ordered = story.case(case)
    assert ordered.rectification == RectificationState.ORDERED
    assert ordered.rectification_deadline == date(2024, 5, 10)
    assert ordered.findings == ["运作规范", "财务账目不全"]


def test_a_later_clean_finding_does_not_erase_earlier_problems(story, case: str) -> None:
    story.find_problems(case)
    story.app.record_inspection_findings(inspector(story, date(2024, 4, 5)), case, findings="其余正常", problems_found=False)

    order(story, case)

    assert story.case(case).rectification == RectificationState.ORDERED


def test_the_deadline_is_after_the_order_and_only_one_order_is_pending(story, case: str) -> None:
    story.find_problems(case)
    with pytest.raises(InvalidInput, match="deadline"):
        order(story, case, on=date(2024, 4, 10), deadline=date(2024, 4, 10))
    order(story, case)

    with pytest.raises(RuleViolation, match="already pending"):
        order(story, case, on=date(2024, 4, 11), deadline=date(2024, 6, 1))


def test_a_rectification_is_overdue_only_after_its_deadline(story, case: str) -> None:
    story.find_problems(case)
    order(story, case, deadline=date(2024, 5, 10))

    with pytest.raises(RuleViolation, match="has not passed"):
        story.app.record_rectification_overdue(inspector(story, date(2024, 5, 10)), case)
    story.app.record_rectification_overdue(inspector(story, date(2024, 5, 11)), case)

    assert story.case(case).rectification == RectificationState.OVERDUE


def test_a_confirmed_rectification_cannot_then_be_overdue(story, case: str) -> None:
    story.find_problems(case)
    order(story, case)
    story.app.confirm_rectification(inspector(story, date(2024, 5, 1)), case)

    with pytest.raises(RuleViolation, match="no rectification order is pending"):
        story.app.record_rectification_overdue(inspector(story, date(2024, 6, 1)), case)

    assert story.case(case).rectification == RectificationState.CONFIRMED


def test_confirmation_needs_a_pending_order(story, case: str) -> None:
    with pytest.raises(RuleViolation):
        story.app.confirm_rectification(inspector(story, date(2024, 5, 1)), case)


def test_a_pending_order_blocks_closing_until_confirmed(story, org: str, case: str) -> None:
    story.find_problems(case)
    order(story, case)
    with pytest.raises(RuleViolation, match="pending rectification"):
        story.app.close_inspection(inspector(story, date(2024, 4, 20)), case, conclusion="结案")

    story.app.confirm_rectification(inspector(story, date(2024, 5, 1)), case)
    story.app.close_inspection(inspector(story, date(2024, 5, 2)), case, conclusion="整改到位，结案")

    assert not story.case(case).is_open
    assert story.org(org).open_inspection_cases == []


def test_a_penalty_from_the_case_is_noted_on_it(story, org: str, case: str) -> None:
    story.find_problems(case)

    story.app.impose_penalty(inspector(story, date(2024, 4, 15)), org, kind="fine", amount=Decimal("2000"), case_id=case)

    (penalty,) = story.org(org).penalties
    assert story.case(case).penalty_ids == [penalty.penalty_id]
    assert penalty.department == "inspection" and penalty.amount == Decimal("2000.00")


def test_a_penalty_cannot_cite_another_organizations_case(story, org: str, case: str) -> None:
    other = story.register()

    with pytest.raises(InvalidInput, match="another organization"):
        story.app.impose_penalty(inspector(story, date(2024, 4, 15)), other, kind="warning", case_id=case)

    assert story.org(other).penalties == [] and story.case(case).penalty_ids == []


# -- the yearly random sample -------------------------------------------------------------------


@pytest.fixture
def street(story) -> list[str]:
    """上清寺街道's 74 organizations: 6 registered, 68 filed."""
    return [story.register() for _ in range(6)] + [story.file() for _ in range(68)]


def draw(story, population: list[str], year: int = 2024, seed: str = "2024-上清寺-公证处-0417", **extra):
    result = story.app.draw_inspection_sample(
        story.ctx(date(2024, 4, 17), by="inspection"), year=year, jurisdiction="shangqingsi",
        population=population, seed=seed, **extra,
    )
    return story.app.sample_draw(result.aggregate_id)


@pytest.mark.parametrize(("population", "size"), [(0, 0), (1, 1), (33, 1), (34, 2), (74, 3), (100, 3), (101, 4)])
def test_the_sample_is_at_least_three_percent_rounded_up(population: int, size: int) -> None:
    assert sample_size(population, Decimal("0.03")) == size


def test_a_recorded_draw_reruns_to_the_same_organizations(story, street: list[str]) -> None:
    drawn = draw(story, street)

    assert len(drawn.drawn) == 3
    assert set(drawn.drawn) <= set(street)
    assert drawn.rerun() == drawn.drawn
    assert draw_sample(street, Decimal("0.03"), "2024-上清寺-公证处-0417") == drawn.drawn


def test_anyone_can_rerun_the_draw_from_the_stored_record(story_on, sqlite_env) -> None:
    writer = story_on(sqlite_env)
    population = [writer.file() for _ in range(40)]
    drawn_then = draw(writer, population).drawn

    reader = Supervision(env=sqlite_env)  # another service, reading the same store
    (draw_id,) = [e.aggregate_id for e in reader.recorded_events() if e.type == "SampleDraw.Drawn"]
    stored = reader.sample_draw(draw_id)
    reader.close()

    assert stored.drawn == drawn_then
    assert stored.rerun() == drawn_then
    assert (stored.seed, stored.ratio, len(stored.population)) == ("2024-上清寺-公证处-0417", Decimal("0.03"), 40)


def test_a_different_seed_draws_differently(street: list[str]) -> None:
    draws = {tuple(draw_sample(street, Decimal("0.03"), f"seed-{n}")) for n in range(20)}

    assert len(draws) > 1


def test_the_ratio_is_at_least_the_localitys(story, street: list[str]) -> None:
    with pytest.raises(InvalidInput, match="at least 0.03"):
        draw(story, street, ratio=Decimal("0.029"))

    bigger = draw(story, street, ratio=Decimal("0.1"))

    assert len(bigger.drawn) == 8


def test_a_locality_may_require_a_larger_sample(story_with) -> None:
    story = story_with(LocalitySettings(sample_ratio=Decimal("0.05")))
    population = [story.file() for _ in range(40)]

    with pytest.raises(InvalidInput):
        draw(story, population, ratio=Decimal("0.04"))
    drawn = draw(story, population)

    assert len(drawn.drawn) == 2


def test_a_year_is_drawn_once_per_jurisdiction(story, street: list[str]) -> None:
    draw(story, street, year=2024)

    with pytest.raises(Conflict):
        draw(story, street, year=2024, seed="another seed")
    draw(story, street, year=2025)
    story.app.draw_inspection_sample(
        story.ctx(date(2024, 4, 17), by="inspection"), year=2024, jurisdiction="hualongqiao",
        population=street[:5], seed="化龙桥",
    )


def test_only_known_organizations_are_drawn(story, street: list[str]) -> None:
    with pytest.raises(OrganizationNotFound):
        draw(story, [*street, "00000000-0000-0000-0000-000000000000"])


def test_a_case_from_the_sample_names_a_drawn_organization(story, street: list[str]) -> None:
    drawn = draw(story, street)
    chosen = drawn.drawn[0]
    not_drawn = next(i for i in street if str(story.org(i).id) not in drawn.drawn)

    case = story.open_inspection(chosen, sample_draw_id=str(drawn.id))
    with pytest.raises(InvalidInput, match="not drawn"):
        story.open_inspection(not_drawn, sample_draw_id=str(drawn.id))

    assert story.case(case).sample_draw_id == drawn.id


@given(
    population=st.lists(st.uuids().map(str), min_size=1, max_size=200, unique=True),
    ratio=st.decimals(min_value=Decimal("0.03"), max_value=1, places=3),
    seed=st.text(min_size=1, max_size=30),
    shuffle=st.randoms(use_true_random=False),
)
def test_a_draw_depends_only_on_the_population_ratio_and_seed(population, ratio, seed, shuffle) -> None:
    reordered = list(population)
    shuffle.shuffle(reordered)

    drawn = draw_sample(population, ratio, seed)

    assert drawn == draw_sample(reordered, ratio, seed)
    assert drawn == sorted(drawn) and len(set(drawn)) == len(drawn)
    assert set(drawn) <= set(population)
    assert len(drawn) == sample_size(len(population), ratio) >= len(population) * ratio
