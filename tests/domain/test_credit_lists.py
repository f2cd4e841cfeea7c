"""Credit lists (社会组织信用信息管理办法): the 活动异常名录 and the 严重违法失信名单, as rules and as recorded facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.credit_lists import (
    REQUIRES_RECTIFICATION,
    AbnormalGround,
    CreditList,
    Listing,
    PenaltyRecord,
    SeriousGround,
    abnormal_auto_exit_on,
    abnormal_list_exit_due,
    abnormal_list_removal_deadline,
    credit_list_grounds_for_penalty,
    serious_list_escalation_due,
    serious_list_exit_refusal,
)
from domain.errors import CreditListRuleViolation, InvalidInput, OrganizationInactive
from domain.settings import DEFAULT_SETTINGS, LocalitySettings

S = DEFAULT_SETTINGS
NEEDS_NO_RECTIFICATION = [g for g in AbnormalGround if g not in REQUIRES_RECTIFICATION]


def minor(on: date, kind: str = "warning", amount: str | None = None) -> PenaltyRecord:
    return PenaltyRecord("earlier", kind, Decimal(amount) if amount else None, "tax", on)


def removal_how(story, organization_id: str) -> list[tuple[str, object]]:
    return [
        (e.data["how"], e.data["verified_on"])
        for e in story.events_of(organization_id)
        if e.type == "Organization.RemovedFromAbnormalList"
    ]


# -- the rules, as pure functions ---------------------------------------------------------------


@pytest.mark.parametrize("ground", sorted(REQUIRES_RECTIFICATION))
def test_a_ground_that_needs_rectification_never_ends_by_itself(ground: str) -> None:
    listing = Listing(date(2020, 1, 1), date(2020, 1, 1), [ground])

    assert abnormal_auto_exit_on(listing, S) is None
    assert not abnormal_list_exit_due(listing, date(2030, 1, 1), S)


def test_a_warning_alone_ends_six_months_after_listing_not_a_day_earlier() -> None:
    listing = Listing(date(2024, 3, 15), date(2024, 3, 15), [AbnormalGround.WARNING_OR_SMALL_FINE])

    assert abnormal_auto_exit_on(listing, S) == date(2024, 9, 15)
    assert not abnormal_list_exit_due(listing, date(2024, 9, 14), S)
    assert abnormal_list_exit_due(listing, date(2024, 9, 15), S)


def test_six_months_from_the_end_of_august_is_the_end_of_february() -> None:
    listing = Listing(date(2023, 8, 31), date(2023, 8, 31), [AbnormalGround.WARNING_OR_SMALL_FINE])

    assert abnormal_auto_exit_on(listing, S) == date(2024, 2, 29)


def test_a_new_ground_while_listed_restarts_the_six_months() -> None:
    listing = Listing(date(2024, 1, 10), date(2024, 1, 10), [AbnormalGround.WARNING_OR_SMALL_FINE])

    listing.add_ground(AbnormalGround.WARNING_OR_SMALL_FINE, date(2024, 4, 1))

    assert listing.listed_on == date(2024, 1, 10)
    assert not abnormal_list_exit_due(listing, date(2024, 7, 10), S)
    assert abnormal_list_exit_due(listing, date(2024, 10, 1), S)


def test_a_ground_recorded_late_does_not_move_the_clock_back() -> None:
    listing = Listing(date(2024, 4, 1), date(2024, 4, 1), [AbnormalGround.WARNING_OR_SMALL_FINE])

    listing.add_ground(AbnormalGround.WARNING_OR_SMALL_FINE, date(2024, 2, 1))

    assert listing.clock_started_on == date(2024, 4, 1)


def test_a_new_ground_that_needs_rectification_stops_the_automatic_exit() -> None:
    listing = Listing(date(2024, 1, 10), date(2024, 1, 10), [AbnormalGround.WARNING_OR_SMALL_FINE])

    listing.add_ground(AbnormalGround.UNREACHABLE_AT_DOMICILE, date(2024, 2, 1))

    assert abnormal_auto_exit_on(listing, S) is None


def test_two_years_on_the_abnormal_list_is_due_for_escalation_on_the_anniversary() -> None:
    listing = Listing(date(2022, 5, 20), date(2022, 5, 20), [AbnormalGround.ANNUAL_REPORT_MISSING])

    assert not serious_list_escalation_due(listing, date(2024, 5, 19), S)
    assert serious_list_escalation_due(listing, date(2024, 5, 20), S)


def test_new_grounds_do_not_postpone_escalation() -> None:
    listing = Listing(date(2022, 5, 20), date(2022, 5, 20), [AbnormalGround.ANNUAL_REPORT_MISSING])
    listing.add_ground(AbnormalGround.NO_PARTY_ORGANIZATION, date(2024, 1, 1))

    assert serious_list_escalation_due(listing, date(2024, 5, 20), S)


@pytest.mark.parametrize(
    ("verified_on", "deadline"),
    [
        (date(2024, 3, 11), date(2024, 3, 18)),  # Monday → next Monday
        (date(2024, 3, 14), date(2024, 3, 21)),  # Thursday → next Thursday, over the weekend
        (date(2024, 3, 15), date(2024, 3, 22)),  # Friday → next Friday
        (date(2024, 3, 16), date(2024, 3, 22)),  # Saturday → the Friday after: the weekend does not count
        (date(2024, 3, 17), date(2024, 3, 22)),  # Sunday → the same Friday
    ],
)
def test_removal_on_request_is_due_within_five_working_days(verified_on: date, deadline: date) -> None:
    assert abnormal_list_removal_deadline(verified_on, S) == deadline


def test_the_removal_deadline_follows_the_locality() -> None:
    assert abnormal_list_removal_deadline(date(2024, 3, 14), LocalitySettings(abnormal_removal_working_days=3)) == (
        date(2024, 3, 19)
    )


def test_the_serious_list_keeps_an_organization_two_years_after_its_latest_ground() -> None:
    listing = Listing(date(2022, 6, 1), date(2022, 6, 1), [SeriousGround.LARGE_FINE])

    refusal = serious_list_exit_refusal(listing, date(2024, 5, 31), S, deregistered=False)

    assert refusal is not None and "2024-06-01" in refusal
    assert serious_list_exit_refusal(listing, date(2024, 6, 1), S, deregistered=False) is None


def test_a_new_serious_ground_restarts_the_two_years() -> None:
    listing = Listing(date(2022, 6, 1), date(2022, 6, 1), [SeriousGround.LARGE_FINE])
    listing.add_ground(SeriousGround.COURT_DISHONEST_DEBTOR, date(2023, 1, 1))

    assert serious_list_exit_refusal(listing, date(2024, 6, 1), S, deregistered=False) is not None
    assert serious_list_exit_refusal(listing, date(2025, 1, 1), S, deregistered=False) is None


def test_deregistration_ends_a_listing_for_revocation_at_once() -> None:
    listing = Listing(date(2024, 6, 1), date(2024, 6, 1), [SeriousGround.CERTIFICATE_REVOKED])

    assert serious_list_exit_refusal(listing, date(2024, 7, 1), S, deregistered=True) is None
    assert serious_list_exit_refusal(listing, date(2024, 7, 1), S, deregistered=False) is not None


def test_deregistration_does_not_end_a_listing_for_another_ground() -> None:
    listing = Listing(date(2024, 6, 1), date(2024, 6, 1), [SeriousGround.LARGE_FINE])

    assert serious_list_exit_refusal(listing, date(2024, 7, 1), S, deregistered=True) is not None


# -- which lists a penalty is a ground for ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "amount", "expected"),
    [
        ("warning", None, [(CreditList.ABNORMAL, AbnormalGround.WARNING_OR_SMALL_FINE)]),
        ("fine", "0.01", [(CreditList.ABNORMAL, AbnormalGround.WARNING_OR_SMALL_FINE)]),
        ("fine", "49999.99", [(CreditList.ABNORMAL, AbnormalGround.WARNING_OR_SMALL_FINE)]),
        ("fine", "50000", [(CreditList.SERIOUS, SeriousGround.LARGE_FINE)]),
        ("fine", "50000.01", [(CreditList.SERIOUS, SeriousGround.LARGE_FINE)]),
        ("stop_activities", None, [(CreditList.SERIOUS, SeriousGround.ORDERED_TO_STOP_ACTIVITIES)]),
        ("revocation", None, [(CreditList.SERIOUS, SeriousGround.CERTIFICATE_REVOKED)]),
        ("confiscation", "8000", []),
    ],
)
def test_a_first_penalty_is_a_ground_for(kind: str, amount: str | None, expected: list) -> None:
    grounds = credit_list_grounds_for_penalty(kind, amount and Decimal(amount), date(2024, 5, 1), [], S)

    assert grounds == expected


def test_a_second_minor_penalty_within_three_years_is_also_a_serious_ground() -> None:
    earlier = [minor(date(2022, 1, 1), "fine", "3000")]

    grounds = credit_list_grounds_for_penalty("warning", None, date(2024, 5, 1), earlier, S)

    assert grounds == [
        (CreditList.ABNORMAL, AbnormalGround.WARNING_OR_SMALL_FINE),
        (CreditList.SERIOUS, SeriousGround.REPEATED_MINOR_PENALTIES),
    ]


def test_a_minor_penalty_exactly_three_years_earlier_no_longer_counts() -> None:
    on_the_edge = [minor(date(2021, 5, 1))]
    just_inside = [minor(date(2021, 5, 2))]

    outside = credit_list_grounds_for_penalty("warning", None, date(2024, 5, 1), on_the_edge, S)
    inside = credit_list_grounds_for_penalty("warning", None, date(2024, 5, 1), just_inside, S)

    assert (CreditList.SERIOUS, SeriousGround.REPEATED_MINOR_PENALTIES) not in outside
    assert (CreditList.SERIOUS, SeriousGround.REPEATED_MINOR_PENALTIES) in inside


def test_an_earlier_large_fine_or_confiscation_is_not_a_minor_penalty() -> None:
    earlier = [minor(date(2023, 1, 1), "fine", "50000"), minor(date(2023, 2, 1), "confiscation", "100")]

    grounds = credit_list_grounds_for_penalty("warning", None, date(2024, 5, 1), earlier, S)

    assert grounds == [(CreditList.ABNORMAL, AbnormalGround.WARNING_OR_SMALL_FINE)]


def test_a_penalty_recorded_after_the_new_one_is_not_counted() -> None:
    later = [minor(date(2024, 6, 1))]

    grounds = credit_list_grounds_for_penalty("warning", None, date(2024, 5, 1), later, S)

    assert (CreditList.SERIOUS, SeriousGround.REPEATED_MINOR_PENALTIES) not in grounds


def test_the_large_fine_threshold_follows_the_locality() -> None:
    strict = LocalitySettings(large_fine=Decimal("10000"))

    grounds = credit_list_grounds_for_penalty("fine", Decimal("20000"), date(2024, 5, 1), [], strict)

    assert grounds == [(CreditList.SERIOUS, SeriousGround.LARGE_FINE)]


# -- the same rules, recorded on an organization -------------------------------------------------


@pytest.mark.parametrize("ground", list(AbnormalGround))
def test_an_organization_enters_the_abnormal_list_for(story, ground: str) -> None:
    org = story.register(on=date(2020, 3, 1))
    if ground == AbnormalGround.PUBLIC_FUNDRAISING_BREACH:  # a ground only for a charity qualified to raise funds
        story.app.record_public_fundraising_qualification(story.ctx(date(2023, 1, 2)), org, certificate="民募1号")

    story.app.add_to_abnormal_list(story.ctx(date(2024, 3, 15)), org, ground=ground)

    listed = story.org(org)
    assert listed.on_abnormal_list and not listed.on_serious_list
    assert listed.abnormal_listing.grounds == [ground]
    assert listed.abnormal_listing.listed_on == date(2024, 3, 15)


def test_a_filed_community_organization_can_be_listed_too(story) -> None:
    org = story.file(on=date(2021, 1, 1))

    story.app.add_to_abnormal_list(story.ctx(date(2024, 3, 15)), org, ground="unreachable_at_domicile")

    assert story.org(org).on_abnormal_list


def test_an_unknown_ground_is_refused(story) -> None:
    org = story.register()

    with pytest.raises(InvalidInput, match="unknown abnormal-list ground"):
        story.app.add_to_abnormal_list(story.ctx(date(2024, 3, 15)), org, ground="bad_manners")


@pytest.mark.parametrize(
    "ground",
    [
        SeriousGround.ORDERED_TO_STOP_ACTIVITIES,
        SeriousGround.LARGE_FINE,
        SeriousGround.REPEATED_MINOR_PENALTIES,
        SeriousGround.COURT_DISHONEST_DEBTOR,
    ],
)
def test_an_organization_enters_the_serious_list_for(story, ground: str) -> None:
    org = story.register()

    story.app.add_to_serious_list(story.ctx(date(2024, 3, 15)), org, ground=ground)

    assert story.org(org).serious_listing.grounds == [ground]


def test_certificate_revoked_is_a_serious_ground_only_once_revoked(story) -> None:
    org = story.register(on=date(2020, 3, 1))
    with pytest.raises(CreditListRuleViolation):
        story.app.add_to_serious_list(story.ctx(date(2024, 3, 1)), org, ground="certificate_revoked")

    revoked = story.app.revoke_registration(story.ctx(date(2024, 3, 1)), org, ground="fraud")

    # Civil affairs revoked it: the same command lists it, citing the revocation and 第十四条第（七）项.
    assert story.org(org).serious_listing.grounds == ["certificate_revoked"]
    listing = [e for e in story.events_of(org) if e.type == "Organization.AddedToSeriousList"]
    assert [(e.data["article"], e.data["item"], e.data["causes"]) for e in listing] == [
        (14, 7, [revoked.event_ids[0]])]


def test_a_fraudulent_change_is_a_serious_ground_only_when_revoked_for_it(story) -> None:
    revoked_for_fraud = story.register()
    revoked_for_change = story.register()
    story.app.revoke_registration(story.ctx(date(2024, 3, 1)), revoked_for_fraud, ground="fraud")
    story.app.revoke_registration(story.ctx(date(2024, 3, 1)), revoked_for_change, ground="fraudulent_change")

    with pytest.raises(CreditListRuleViolation):
        story.app.add_to_serious_list(story.ctx(date(2024, 3, 2)), revoked_for_fraud, ground="fraudulent_change_revoked")

    assert story.org(revoked_for_change).serious_listing.grounds == ["fraudulent_change_revoked"]
    assert story.org(revoked_for_fraud).serious_listing.grounds == ["certificate_revoked"]


def test_two_years_on_the_abnormal_list_cannot_be_entered_by_hand(story) -> None:
    org = story.register()

    with pytest.raises(CreditListRuleViolation, match="escalation"):
        story.app.add_to_serious_list(story.ctx(date(2024, 3, 15)), org, ground="abnormal_two_years")


def test_a_warning_listing_ends_by_itself_six_months_on_and_not_a_day_before(story) -> None:
    org = story.register()
    story.app.add_to_abnormal_list(story.ctx(date(2024, 3, 15)), org, ground="warning_or_small_fine")

    with pytest.raises(CreditListRuleViolation):
        story.app.remove_from_abnormal_list(story.ctx(date(2024, 9, 14)), org)
    story.app.remove_from_abnormal_list(story.ctx(date(2024, 9, 15)), org)

    assert not story.org(org).on_abnormal_list
    assert removal_how(story, org) == [("automatic", None)]


def test_a_missing_annual_report_keeps_the_listing_until_the_duty_is_verified(story) -> None:
    org = story.register()
    story.app.add_to_abnormal_list(story.ctx(date(2023, 6, 1)), org, ground="annual_report_missing")

    with pytest.raises(CreditListRuleViolation):
        story.app.remove_from_abnormal_list(story.ctx(date(2024, 6, 1)), org)
    story.app.remove_from_abnormal_list(story.ctx(date(2024, 6, 7)), org, verified_on=date(2024, 6, 3))

    assert not story.org(org).on_abnormal_list
    assert removal_how(story, org) == [("on_request", date(2024, 6, 3))]


def test_a_new_ground_while_listed_restarts_the_clock_of_the_recorded_listing(story) -> None:
    org = story.register()
    story.app.add_to_abnormal_list(story.ctx(date(2024, 1, 10)), org, ground="warning_or_small_fine")
    story.app.add_to_abnormal_list(story.ctx(date(2024, 4, 1)), org, ground="warning_or_small_fine")

    with pytest.raises(CreditListRuleViolation):
        story.app.remove_from_abnormal_list(story.ctx(date(2024, 7, 10)), org)
    story.app.remove_from_abnormal_list(story.ctx(date(2024, 10, 1)), org)

    assert not story.org(org).on_abnormal_list


@pytest.mark.parametrize(
    ("verified_on", "removed_on"),
    [
        (date(2024, 1, 9), date(2024, 2, 1)),  # verified before the listing
        (date(2024, 2, 2), date(2024, 2, 1)),  # verified after the removal
    ],
)
def test_the_verification_lies_between_listing_and_removal(story, verified_on: date, removed_on: date) -> None:
    org = story.register()
    story.app.add_to_abnormal_list(story.ctx(date(2024, 1, 10)), org, ground="annual_report_late")

    with pytest.raises(InvalidInput):
        story.app.remove_from_abnormal_list(story.ctx(removed_on), org, verified_on=verified_on)

    assert story.org(org).on_abnormal_list


def test_removal_from_a_list_it_is_not_on_is_refused(story) -> None:
    org = story.register()

    with pytest.raises(CreditListRuleViolation):
        story.app.remove_from_abnormal_list(story.ctx(date(2024, 1, 10)), org, verified_on=date(2024, 1, 10))
    with pytest.raises(CreditListRuleViolation):
        story.app.remove_from_serious_list(story.ctx(date(2024, 1, 10)), org)


def test_still_listed_two_years_on_it_moves_to_the_serious_list(story) -> None:
    org = story.register()
    story.app.add_to_abnormal_list(story.ctx(date(2022, 5, 20)), org, ground="annual_report_missing")

    with pytest.raises(CreditListRuleViolation, match="escalation is due on 2024-05-20"):
        story.app.escalate_to_serious_list(story.ctx(date(2024, 5, 19)), org)
    story.app.escalate_to_serious_list(story.ctx(date(2024, 5, 20)), org)

    escalated = story.org(org)
    assert not escalated.on_abnormal_list
    assert escalated.serious_listing.grounds == ["abnormal_two_years"]
    assert escalated.serious_listing.listed_on == date(2024, 5, 20)
    assert removal_how(story, org) == [("escalated", None)]


def test_escalation_needs_an_abnormal_listing(story) -> None:
    org = story.register()

    with pytest.raises(CreditListRuleViolation):
        story.app.escalate_to_serious_list(story.ctx(date(2024, 5, 20)), org)


def test_the_serious_list_is_left_on_request_two_years_after_the_latest_ground(story) -> None:
    org = story.register()
    story.app.add_to_serious_list(story.ctx(date(2022, 6, 1)), org, ground="large_fine")
    story.app.add_to_serious_list(story.ctx(date(2023, 1, 1)), org, ground="court_dishonest_debtor")

    with pytest.raises(CreditListRuleViolation, match="2025-01-01"):
        story.app.remove_from_serious_list(story.ctx(date(2024, 12, 31)), org)
    story.app.remove_from_serious_list(story.ctx(date(2025, 1, 1)), org)

    assert not story.org(org).on_serious_list


def test_a_revoked_organization_leaves_the_serious_list_once_deregistered(story) -> None:
    org = story.register(on=date(2020, 3, 1))
    story.penalize(org, date(2024, 3, 1), kind="revocation")
    story.app.add_to_serious_list(story.ctx(date(2024, 3, 1)), org, ground="certificate_revoked")
    with pytest.raises(CreditListRuleViolation):
        story.app.remove_from_serious_list(story.ctx(date(2024, 4, 1)), org)

    story.app.deregister(story.ctx(date(2024, 6, 1)), org, liquidation_completed_on=date(2024, 5, 30))

    assert not story.org(org).on_serious_list  # the deregistration itself records the exit


def test_a_listing_cannot_end_before_its_latest_ground(story) -> None:
    org = story.register()
    story.app.add_to_abnormal_list(story.ctx(date(2024, 3, 15)), org, ground="annual_report_late")

    with pytest.raises(InvalidInput):
        story.app.remove_from_abnormal_list(story.ctx(date(2024, 3, 14)), org, verified_on=date(2024, 3, 14))


def test_a_deregistered_organization_cannot_be_listed_again(story) -> None:
    org = story.register()
    story.app.deregister(story.ctx(date(2024, 6, 1)), org, liquidation_completed_on=date(2024, 5, 30))

    with pytest.raises(OrganizationInactive):
        story.app.add_to_abnormal_list(story.ctx(date(2024, 7, 1)), org, ground="unreachable_at_domicile")
    with pytest.raises(OrganizationInactive):
        story.app.add_to_serious_list(story.ctx(date(2024, 7, 1)), org, ground="court_dishonest_debtor")
