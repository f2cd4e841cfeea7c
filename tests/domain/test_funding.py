"""Government purchase of services (政府购买服务): award, tranches, suspension, claw-back and closing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import FundingProjectNotFound, InvalidInput, NotEligibleForFunding, RuleViolation
from domain.funding import ProjectStatus

AWARDED = date(2024, 1, 10)


@pytest.fixture
def project(story) -> str:
    """¥200,000 awarded to 重庆市民悦社会工作服务中心 for 2024."""
    org = story.register(on=date(2019, 5, 1), name="重庆市民悦社会工作服务中心", kind="private_non_enterprise")
    return story.fund(org, on=AWARDED, amount="200000")


def pay(story, project: str, amount: str, on: date = date(2024, 3, 1)) -> None:
    story.app.disburse_funding(story.ctx(on, by="finance"), project, amount=Decimal(amount))


def test_an_award_is_recorded_with_its_terms(story, project: str) -> None:
    awarded = story.project(project)

    assert awarded.amount == Decimal("200000.00")
    assert awarded.status == ProjectStatus.ACTIVE
    assert (awarded.disbursed, awarded.clawed_back, awarded.undisbursed) == (0, 0, Decimal("200000.00"))
    assert awarded.awarded_on == AWARDED


def test_a_project_period_ends_after_it_starts(story) -> None:
    org = story.register()

    with pytest.raises(InvalidInput, match="ends before it starts"):
        story.app.award_funding(
            story.ctx(AWARDED, by="finance"), org, purchasing_unit="上清寺街道办事处", project_name="项目",
            amount=Decimal("1000"), period_start=date(2024, 12, 31), period_end=date(2024, 1, 1),
        )


def test_tranches_add_up_to_the_award_and_no_further(story, project: str) -> None:
    pay(story, project, "80000")
    pay(story, project, "100000")

    with pytest.raises(RuleViolation, match="only 20000.00 yuan"):
        pay(story, project, "20000.01")
    pay(story, project, "20000")

    paid = story.project(project)
    assert paid.disbursed == paid.amount
    assert paid.tranches == 3
    assert paid.undisbursed == 0


def test_a_single_tranche_beyond_the_award_is_refused(story, project: str) -> None:
    with pytest.raises(RuleViolation):
        pay(story, project, "200000.01")

    assert story.project(project).disbursed == 0


def test_a_suspended_project_pays_nothing_until_resumed(story, project: str) -> None:
    story.app.suspend_funding(story.ctx(date(2024, 2, 1), by="finance"), project)

    with pytest.raises(RuleViolation, match="suspended"):
        pay(story, project, "1000")
    story.app.resume_funding(story.ctx(date(2024, 3, 1), by="finance"), project)
    pay(story, project, "1000")

    assert story.project(project).disbursed == Decimal("1000.00")


def test_only_an_active_project_is_suspended_and_only_a_suspended_one_resumed(story, project: str) -> None:
    with pytest.raises(RuleViolation):
        story.app.resume_funding(story.ctx(date(2024, 2, 1), by="finance"), project)
    story.app.suspend_funding(story.ctx(date(2024, 2, 1), by="finance"), project)

    with pytest.raises(RuleViolation):
        story.app.suspend_funding(story.ctx(date(2024, 2, 2), by="finance"), project)


def test_a_project_does_not_resume_for_an_organization_now_on_the_serious_list(story, project: str) -> None:
    org = str(story.project(project).organization_id)
    story.app.suspend_funding(story.ctx(date(2024, 2, 1), by="finance"), project)
    story.app.add_to_serious_list(story.ctx(date(2024, 2, 5)), org, ground="large_fine")

    with pytest.raises(NotEligibleForFunding):
        story.app.resume_funding(story.ctx(date(2024, 3, 1), by="finance"), project)

    assert story.project(project).status == ProjectStatus.SUSPENDED


def test_claw_back_reaches_at_most_what_was_paid_and_not_yet_recovered(story, project: str) -> None:
    pay(story, project, "50000")
    story.app.claw_back_funds(story.ctx(date(2024, 6, 1), by="finance"), project, amount=Decimal("30000"))

    with pytest.raises(RuleViolation, match="only 20000.00 yuan"):
        story.app.claw_back_funds(story.ctx(date(2024, 6, 2), by="finance"), project, amount=Decimal("20000.01"))
    story.app.claw_back_funds(story.ctx(date(2024, 6, 2), by="finance"), project, amount=Decimal("20000"))

    recovered = story.project(project)
    assert recovered.clawed_back == recovered.disbursed == Decimal("50000.00")


def test_nothing_can_be_clawed_back_before_anything_is_paid(story, project: str) -> None:
    with pytest.raises(RuleViolation):
        story.app.claw_back_funds(story.ctx(date(2024, 6, 1), by="finance"), project, amount=Decimal("0.01"))


def test_funds_can_be_clawed_back_from_a_revoked_organization(story, project: str) -> None:
    org = str(story.project(project).organization_id)
    pay(story, project, "50000")
    story.app.revoke_registration(story.ctx(date(2024, 5, 1)), org, ground="fraud")

    story.app.claw_back_funds(story.ctx(date(2024, 6, 1), by="finance"), project, amount=Decimal("50000"))

    assert story.project(project).clawed_back == Decimal("50000.00")


def test_a_closed_project_pays_no_more_and_closes_once(story, project: str) -> None:
    pay(story, project, "150000")
    story.app.close_funding_project(
        story.ctx(date(2025, 1, 15), by="finance"), project, evaluation="服务目标基本达成", score=86
    )

    with pytest.raises(RuleViolation, match="closed"):
        pay(story, project, "50000", on=date(2025, 1, 20))
    with pytest.raises(RuleViolation, match="already closed"):
        story.app.close_funding_project(story.ctx(date(2025, 1, 20), by="finance"), project, evaluation="再次结项")

    closed = story.project(project)
    assert closed.status == ProjectStatus.CLOSED
    assert closed.closing_evaluation == "服务目标基本达成"
    assert closed.disbursed == Decimal("150000.00")


def test_a_suspended_project_can_be_closed(story, project: str) -> None:
    story.app.suspend_funding(story.ctx(date(2024, 2, 1), by="finance"), project)

    story.app.close_funding_project(story.ctx(date(2024, 3, 1), by="finance"), project, evaluation="提前终止")

    assert story.project(project).status == ProjectStatus.CLOSED


@pytest.mark.parametrize("score", [-1, 101, True, 90.0])
def test_a_closing_score_is_a_whole_number_from_0_to_100(story, project: str, score: object) -> None:
    with pytest.raises(InvalidInput):
        story.app.close_funding_project(
            story.ctx(date(2025, 1, 15), by="finance"), project, evaluation="结项", score=score  # type: ignore[arg-type]
        )


def test_a_closing_needs_an_evaluation(story, project: str) -> None:
    with pytest.raises(InvalidInput):
        story.app.close_funding_project(story.ctx(date(2025, 1, 15), by="finance"), project, evaluation="  ")


@pytest.mark.parametrize(
    "act",
    [
        lambda app, ctx, p: app.disburse_funding(ctx, p, amount=Decimal("10")),
        lambda app, ctx, p: app.suspend_funding(ctx, p),
        lambda app, ctx, p: app.claw_back_funds(ctx, p, amount=Decimal("10")),
        lambda app, ctx, p: app.close_funding_project(ctx, p, evaluation="结项"),
    ],
    ids=["disburse", "suspend", "claw_back", "close"],
)
def test_a_project_event_cannot_predate_the_award(story, project: str, act) -> None:
    pay(story, project, "100")
    version = story.project(project).version

    with pytest.raises(InvalidInput, match="predate"):
        act(story.app, story.ctx(date(2024, 1, 9), by="finance"), project)

    assert story.project(project).version == version


def test_a_resumption_cannot_predate_the_award(story, project: str) -> None:
    story.app.suspend_funding(story.ctx(date(2024, 2, 1), by="finance"), project)

    with pytest.raises(InvalidInput, match="predate"):
        story.app.resume_funding(story.ctx(date(2024, 1, 9), by="finance"), project)

    assert story.project(project).status == ProjectStatus.SUSPENDED


def test_a_float_tranche_is_refused(story, project: str) -> None:
    with pytest.raises(InvalidInput, match="float"):
        story.app.disburse_funding(story.ctx(date(2024, 3, 1), by="finance"), project, amount=0.1)  # type: ignore[arg-type]


def test_an_organization_id_is_not_a_project(story, project: str) -> None:
    org = str(story.project(project).organization_id)

    with pytest.raises(FundingProjectNotFound):
        pay(story, org, "100")
