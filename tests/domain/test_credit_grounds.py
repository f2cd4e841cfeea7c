"""Every ground of 民政部令第60号 applied by the registration authority in the command that records the fact, at
its boundaries (the large-fine threshold and one fen under it, the three-year window's last day and the day
after), on both stores. Each listing event cites the causing event and the article and item applied."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import CreditListRuleViolation, NotEligibleForEvaluation, NotEligibleForFunding, RuleViolation
from domain.settings import LocalitySettings


@pytest.fixture
def stored(story_on, store_env):
    """A story on a fresh SQLite or PostgreSQL store."""
    return story_on(store_env)


def listings(story, org: str) -> list[tuple[str, str, int, int, list[str]]]:
    return [(e.type.split("AddedTo")[1], e.data["ground"], e.data["article"], e.data["item"], e.data["causes"])
            for e in story.events_of(org) if e.type.startswith("Organization.AddedTo")]


def penalty_event(story, org: str) -> str:
    return [e.event_id for e in story.events_of(org) if e.type == "Organization.PenaltyImposed"][-1]


@pytest.mark.parametrize(("amount", "expected"), [
    ("50000.00", ("SeriousList", "large_fine", 14, 4)),  # the threshold itself: 5万元以上
    ("49999.99", ("AbnormalList", "warning_or_small_fine", 10, 5)),  # one fen under it: 不满5万元
])
def test_a_civil_affairs_fine_lists_by_its_amount_at_the_threshold(stored, amount, expected):
    org = stored.register()
    stored.penalize(org, date(2024, 3, 1), kind="fine", amount=Decimal(amount))

    assert listings(stored, org) == [(*expected, [penalty_event(stored, org)])]


def test_the_threshold_is_the_localitys(story_with):
    story = story_with(LocalitySettings(large_fine=Decimal("30000")))
    org = story.register()
    story.penalize(org, date(2024, 3, 1), kind="fine", amount=Decimal("30000"))

    assert [entry[1] for entry in listings(story, org)] == ["large_fine"]


@pytest.mark.parametrize(("second_on", "serious"), [
    (date(2024, 2, 29), True),  # the window's last day: still within three years of 2021-03-01
    (date(2024, 3, 1), False),  # the day after
])
def test_a_second_minor_penalty_within_three_years_is_the_serious_list(stored, second_on, serious):
    org = stored.register(on=date(2020, 1, 1))
    stored.penalize(org, date(2021, 3, 1), kind="warning")
    stored.app.remove_from_abnormal_list(stored.ctx(date(2021, 9, 1)), org)  # six months, nothing to rectify
    stored.penalize(org, second_on, kind="fine", amount=Decimal("1000"))

    grounds = [entry[1] for entry in listings(stored, org)]
    assert grounds == ["warning_or_small_fine", "warning_or_small_fine"] + (
        ["repeated_minor_penalties"] if serious else [])
    assert stored.org(org).on_serious_list is serious


def test_a_partners_penalty_counts_toward_the_repeated_ground_though_it_listed_nothing(stored):
    org = stored.register(on=date(2020, 1, 1))
    stored.penalize(org, date(2023, 1, 5), kind="warning", by="tax")
    assert listings(stored, org) == []  # another department's penalty is a proposal (the rules raise it)

    stored.penalize(org, date(2024, 1, 5), kind="warning")

    assert [(e[0], e[1], e[2], e[3]) for e in listings(stored, org)] == [
        ("AbnormalList", "warning_or_small_fine", 10, 5), ("SeriousList", "repeated_minor_penalties", 14, 5)]


@pytest.mark.parametrize(("kind", "extra", "item"), [
    ("stop_activities", {"stop_days": 30}, 3),
    ("revocation", {}, 7),
])
def test_an_order_to_stop_or_a_revocation_penalty_is_the_serious_list(stored, kind, extra, item):
    org = stored.register()
    stored.penalize(org, date(2024, 3, 1), kind=kind, **extra)

    [(credit_list, _, article, listed_item, causes)] = listings(stored, org)
    assert (credit_list, article, listed_item, causes) == ("SeriousList", 14, item, [penalty_event(stored, org)])


@pytest.mark.parametrize(("ground", "item"), [("fraudulent_change", 2), ("fraud", 7), ("no_activity_first_year", 7)])
def test_a_revoked_registration_is_the_serious_list_in_the_same_command(stored, ground, item):
    org = stored.register(on=date(2020, 1, 1))
    revoked = stored.app.revoke_registration(stored.ctx(date(2024, 3, 1)), org, ground=ground)

    [(_, _, article, listed_item, causes)] = listings(stored, org)
    assert (article, listed_item, causes) == (14, item, [revoked.event_ids[0]])
    assert revoked.event_ids[-1].endswith(f"/{stored.org(org).version}")  # one command, both events


def test_a_confiscation_lists_nothing(stored):
    org = stored.register()
    stored.penalize(org, date(2024, 3, 1), kind="confiscation", amount=Decimal("80000"))

    assert listings(stored, org) == []


def test_a_new_ground_restarts_the_clock_and_the_refusal_names_the_new_date(stored):
    org = stored.register()
    stored.penalize(org, date(2024, 1, 10), kind="warning")
    stored.penalize(org, date(2024, 4, 1), kind="warning", by="tax")  # a proposal only: no new ground
    stored.app.add_to_abnormal_list(stored.ctx(date(2024, 4, 1)), org, ground="warning_or_small_fine")

    before = stored.event_count()
    with pytest.raises(CreditListRuleViolation, match="until 2024-10-01"):
        stored.app.remove_from_abnormal_list(stored.ctx(date(2024, 9, 30)), org)
    assert stored.event_count() == before  # refused: nothing recorded
    stored.app.remove_from_abnormal_list(stored.ctx(date(2024, 10, 1)), org)
    assert not stored.org(org).on_abnormal_list


def test_the_serious_list_is_left_on_request_only_from_its_date(stored):
    org = stored.register()
    stored.penalize(org, date(2022, 6, 1), kind="stop_activities", stop_days=10)

    with pytest.raises(CreditListRuleViolation, match="until 2024-06-01"):
        stored.app.remove_from_serious_list(stored.ctx(date(2024, 5, 31)), org)
    stored.app.remove_from_serious_list(stored.ctx(date(2024, 6, 1)), org)
    assert not stored.org(org).on_serious_list


def test_escalation_cites_the_abnormal_listing_it_escalates(stored):
    org = stored.register()
    listed = stored.app.add_to_abnormal_list(stored.ctx(date(2022, 5, 20)), org, ground="annual_report_missing")

    stored.app.escalate_to_serious_list(stored.ctx(date(2024, 5, 20)), org)

    assert listings(stored, org)[-1] == ("SeriousList", "abnormal_two_years", 14, 1, [listed.event_ids[0]])


def test_an_escalated_listing_is_left_only_with_its_duties_verified(stored):
    from domain.errors import InvalidInput

    org, fined = stored.register(), stored.register()
    stored.app.add_to_abnormal_list(stored.ctx(date(2022, 5, 20)), org, ground="annual_report_missing")
    stored.app.escalate_to_serious_list(stored.ctx(date(2024, 5, 20)), org)
    version = stored.org(org).version
    with pytest.raises(CreditListRuleViolation, match="until 2026-05-20"):  # the day before two years
        stored.app.remove_from_serious_list(stored.ctx(date(2026, 5, 19)), org, duties_verified_on=date(2026, 5, 19))
    with pytest.raises(CreditListRuleViolation, match="duties behind that listing are verified"):  # dates alone
        stored.app.remove_from_serious_list(stored.ctx(date(2026, 5, 20)), org)
    with pytest.raises(InvalidInput):  # verified before the listing
        stored.app.remove_from_serious_list(stored.ctx(date(2026, 5, 20)), org, duties_verified_on=date(2024, 5, 19))
    assert stored.org(org).version == version  # nothing recorded
    stored.app.remove_from_serious_list(stored.ctx(date(2026, 5, 20)), org, duties_verified_on=date(2026, 5, 18))
    [exit_] = [e for e in stored.events_of(org) if e.type == "Organization.RemovedFromSeriousList"]
    assert exit_.data["duties_verified_on"] == date(2026, 5, 18) and exit_.data["how"] == "on_request"

    stored.penalize(fined, date(2022, 6, 1), kind="fine", amount=Decimal("60000"))
    with pytest.raises(InvalidInput, match="escalated from the abnormal list only"):
        stored.app.remove_from_serious_list(stored.ctx(date(2024, 6, 1)), fined, duties_verified_on=date(2024, 6, 1))
    stored.app.remove_from_serious_list(stored.ctx(date(2024, 6, 1)), fined)  # a fine's listing: its date alone


def test_a_court_notice_is_recorded_once(stored):
    org = stored.register()
    stored.app.record_court_dishonest_debtor(stored.ctx(date(2024, 3, 1)), org, notice="(2024)渝0103执123号")

    with pytest.raises(RuleViolation, match="already recorded"):
        stored.app.record_court_dishonest_debtor(stored.ctx(date(2024, 3, 2)), org, notice="(2024)渝0103执123号")
    assert stored.org(org).court_notices == ["(2024)渝0103执123号"]
    assert listings(stored, org) == []  # the rules propose it to civil affairs


# -- consequences (联合惩戒) ------------------------------------------------------------------------


def test_no_new_award_while_on_the_abnormal_list_by_default_and_from_the_day_it_is_left(stored):
    org = stored.register()
    stored.penalize(org, date(2024, 1, 10), kind="warning")

    with pytest.raises(NotEligibleForFunding, match="abnormal activities list"):
        stored.fund(org, on=date(2024, 7, 9))
    stored.app.remove_from_abnormal_list(stored.ctx(date(2024, 7, 10)), org)
    stored.fund(org, on=date(2024, 7, 10))


def test_a_locality_may_let_the_abnormal_list_be_awarded_but_never_the_serious_list(story_with):
    story = story_with(LocalitySettings(abnormal_list_bars_award=False))
    abnormal, serious = story.register(), story.register()
    story.penalize(abnormal, date(2024, 1, 10), kind="warning")
    story.penalize(serious, date(2024, 1, 10), kind="fine", amount=Decimal("50000"))

    story.fund(abnormal, on=date(2024, 2, 1))
    with pytest.raises(NotEligibleForFunding, match="serious"):
        story.fund(serious, on=date(2024, 2, 1))


# -- objections (异议) and annulled penalties ----------------------------------------------------------


def listing_ids(story, org: str) -> list[str]:
    return [e.event_id for e in story.events_of(org) if e.type.startswith("Organization.AddedTo")]


def warned_and_objected(story, warned_on: date, objected_on: date) -> tuple[str, str, str]:
    """An organization warned by civil affairs (so listed), and its objection to that listing: the ids of the
    organization, the listing and the objection."""
    org = story.register(on=date(2020, 1, 1))
    story.penalize(org, warned_on, kind="warning")
    [listing] = listing_ids(story, org)
    story.app.file_objection(story.ctx(objected_on), org, listing_event=listing, documents="异议申请书")
    [objection_id] = story.org(org).objections
    return org, listing, objection_id


def test_an_upheld_objection_withdraws_the_listing_which_then_counts_for_nothing(stored):
    org, listing, objection_id = warned_and_objected(stored, date(2023, 1, 5), date(2023, 1, 10))

    stored.app.decide_objection(stored.ctx(date(2023, 1, 20)), org, objection_id=objection_id, upheld=True,
                                reason="处罚对象认定错误")

    assert not stored.org(org).on_abnormal_list and stored.org(org).objections == {}
    [withdrawn] = [e for e in stored.events_of(org) if e.type == "Organization.ListingWithdrawn"]
    assert (withdrawn.data["listing_event"], withdrawn.data["why"]) == (listing, "objection_upheld")
    assert withdrawn.type != "Organization.RemovedFromAbnormalList"
    # The erroneous listing's penalty counts toward no repeated-penalty window: a second warning is one, not two.
    stored.penalize(org, date(2024, 1, 5), kind="warning")
    assert not stored.org(org).on_serious_list and stored.org(org).on_abnormal_list


def test_a_rejected_objection_records_its_reason_and_the_listing_stands(stored):
    org, _, objection_id = warned_and_objected(stored, date(2024, 1, 5), date(2024, 1, 8))

    stored.app.decide_objection(stored.ctx(date(2024, 1, 9)), org, objection_id=objection_id, upheld=False,
                                reason="事实清楚，证据确凿")

    assert stored.org(org).on_abnormal_list
    decided = [e for e in stored.events_of(org) if e.type == "Organization.ObjectionDecided"]
    assert [(e.data["upheld"], e.data["reason"]) for e in decided] == [(False, "事实清楚，证据确凿")]


def test_an_objection_needs_a_listing_in_force_and_is_decided_once(stored):
    org = stored.register()
    before = stored.event_count()
    with pytest.raises(CreditListRuleViolation, match="no listing"):
        stored.app.file_objection(stored.ctx(date(2024, 1, 8)), org, listing_event=f"{org}/1", documents="材料")
    with pytest.raises(CreditListRuleViolation, match="no pending objection"):
        stored.app.decide_objection(stored.ctx(date(2024, 1, 9)), org, objection_id="x", upheld=True, reason="无")
    assert stored.event_count() == before


def test_an_objection_is_due_within_the_working_days(stored):
    org, _, _ = warned_and_objected(stored, date(2024, 1, 5), date(2024, 1, 5))  # objected on a Friday

    [objection] = stored.org(org).objections.values()
    assert objection["due_on"] == date(2024, 1, 19)  # ten working days: two weeks of Monday to Friday


def test_an_annulled_penalty_withdraws_what_rested_on_it_and_the_repeated_ground_is_worked_out_again(stored):
    org = stored.register(on=date(2020, 1, 1))
    first = stored.penalize(org, date(2023, 1, 5), kind="warning")
    stored.penalize(org, date(2024, 1, 5), kind="warning")  # the abnormal list again, and the serious list
    assert stored.org(org).on_serious_list

    stored.app.annul_penalty(stored.ctx(date(2024, 3, 1)), org, penalty_id=first, decision="渝中府复决〔2024〕3号")

    # The first warning's listing rested on it alone; the repeated ground no longer holds; the second stands.
    withdrawn = [e.data["ground"] for e in stored.events_of(org) if e.type == "Organization.ListingWithdrawn"]
    assert withdrawn == ["warning_or_small_fine", "repeated_minor_penalties"]
    assert not stored.org(org).on_serious_list
    assert stored.org(org).abnormal_listing.grounds == ["warning_or_small_fine"]
    assert stored.org(org).abnormal_listing.listed_on == date(2024, 1, 5)  # the spell's dates worked out again


def test_a_penalty_is_annulled_once_and_by_the_department_that_imposed_it(stored):
    org = stored.register()
    penalty = stored.penalize(org, date(2024, 1, 5), kind="warning", by="tax")
    with pytest.raises(RuleViolation, match="department that imposed"):
        stored.app.annul_penalty(stored.ctx(date(2024, 2, 1), by="market_regulation"), org, penalty_id=penalty,
                                 decision="复议决定")
    stored.app.annul_penalty(stored.ctx(date(2024, 2, 1), by="tax"), org, penalty_id=penalty, decision="复议决定")
    with pytest.raises(RuleViolation, match="already annulled"):
        stored.app.annul_penalty(stored.ctx(date(2024, 2, 2), by="tax"), org, penalty_id=penalty, decision="复议决定")


def test_a_listed_organization_weighs_more_in_the_draw_which_re_runs_from_its_record(stored):
    population = [stored.register() for _ in range(6)]
    listed = population[0]
    stored.penalize(listed, date(2024, 1, 5), kind="warning")
    result = stored.app.draw_inspection_sample(stored.ctx(date(2024, 2, 1), by="inspection"), year=2024,
                                               jurisdiction="shangqingsi", population=population, seed="2024-渝中")
    draw = stored.app.sample_draw(result.aggregate_id)

    assert draw.weights == {listed: 3}  # LocalitySettings.listed_draw_weight
    assert draw.rerun() == draw.drawn


def test_the_weight_raises_the_chance_of_being_drawn():
    from domain.sampling import draw_sample  # the pure draw: many seeds, the same population

    population = [f"org-{n:02d}" for n in range(20)]
    seeds = [f"seed-{n}" for n in range(400)]
    plain = sum("org-00" in draw_sample(population, Decimal("0.05"), seed) for seed in seeds)
    weighted = sum("org-00" in draw_sample(population, Decimal("0.05"), seed, {"org-00": 3}) for seed in seeds)
    assert plain < 40 < weighted  # 1 in 20 drawn: about 20 of 400 alone; about three times as often weighted


def test_no_honours_on_the_serious_list_from_its_first_day_and_again_once_it_is_left(stored):
    org = stored.register()
    stored.app.confer_honour(stored.ctx(date(2022, 5, 31)), org, title="先进社会组织")
    stored.penalize(org, date(2022, 6, 1), kind="stop_activities", stop_days=10)

    with pytest.raises(CreditListRuleViolation, match="no honours"):
        stored.app.confer_honour(stored.ctx(date(2022, 6, 1)), org, title="先进社会组织")
    stored.app.remove_from_serious_list(stored.ctx(date(2024, 6, 1)), org)
    stored.app.confer_honour(stored.ctx(date(2024, 6, 1)), org, title="先进社会组织")


def test_no_evaluation_grade_on_the_serious_list(stored):
    org = stored.register(on=date(2018, 1, 1))
    stored.penalize(org, date(2022, 6, 1), kind="stop_activities", stop_days=10)
    [penalty] = stored.org(org).penalties
    stored.app.record_penalty_executed(stored.ctx(date(2022, 6, 11)), org, penalty_id=penalty.penalty_id)

    with pytest.raises(NotEligibleForEvaluation, match="serious"):
        stored.app.award_grade(stored.ctx(date(2024, 5, 31)), org, score=950)
    stored.app.remove_from_serious_list(stored.ctx(date(2024, 6, 1)), org)
    stored.app.award_grade(stored.ctx(date(2024, 6, 1)), org, score=950)


def test_each_serious_exit_cites_why(stored):
    on_request, revoked = stored.register(on=date(2019, 1, 1)), stored.register(on=date(2019, 1, 1))
    stored.penalize(on_request, date(2022, 6, 1), kind="fine", amount=Decimal("60000"))
    stored.app.revoke_registration(stored.ctx(date(2024, 3, 1)), revoked, ground="fraud")
    with pytest.raises(CreditListRuleViolation, match="until 2026-03-01"):
        stored.app.remove_from_serious_list(stored.ctx(date(2024, 3, 2)), revoked)
    # Deregistration ends a listing that rests on the revocation in the same command: no request follows.
    done = stored.app.deregister(stored.ctx(date(2024, 5, 1)), revoked, liquidation_completed_on=date(2024, 4, 30))
    assert [e.split("/")[1] for e in done.event_ids] == ["4", "5"] and stored.org(revoked).serious_listing is None
    with pytest.raises(CreditListRuleViolation, match="not on the serious list"):
        stored.app.remove_from_serious_list(stored.ctx(date(2024, 5, 2)), revoked)

    stored.app.remove_from_serious_list(stored.ctx(date(2024, 6, 1)), on_request)

    for org, how in ((on_request, "on_request"), (revoked, "deregistered")):
        [removed] = [e for e in stored.events_of(org) if e.type == "Organization.RemovedFromSeriousList"]
        assert removed.data["how"] == how
    [exit_] = [e for e in stored.events_of(revoked) if e.type == "Organization.RemovedFromSeriousList"]
    assert exit_.ctx.occurred_on == date(2024, 5, 1)  # the deregistration's day


def test_deregistering_keeps_a_serious_listing_that_does_not_rest_on_a_revocation(stored):
    fined = stored.register(on=date(2019, 1, 1))
    stored.penalize(fined, date(2022, 6, 1), kind="fine", amount=Decimal("60000"))
    stored.app.deregister(stored.ctx(date(2023, 5, 1)), fined, liquidation_completed_on=date(2023, 4, 30))
    assert stored.org(fined).serious_listing is not None  # a large fine's listing runs its two years


def test_a_version_1_serious_list_exit_reads_back_as_unrecorded(story_on, sqlite_env):
    """RemovedFromSeriousList version 1 did not say why: the upcast says so (docs/evolution.md)."""
    from datetime import datetime, timezone
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent

    story = story_on(sqlite_env)
    org = story.register(on=date(2019, 1, 1))
    story.penalize(org, date(2020, 6, 1), kind="fine", amount=Decimal("60000"))
    mapper = story.app.mapper
    state = mapper.transcoder.encode({"timestamp": datetime(2023, 1, 2, tzinfo=timezone.utc),
                                      "ctx": story.ctx(date(2023, 1, 2))})  # as version 1 stored it
    story.app.recorder.insert_events([StoredEvent(
        originator_id=UUID(org), originator_version=story.org(org).version + 1,
        topic="domain.organization:Organization.RemovedFromSeriousList",
        state=mapper.compressor.compress(state) if mapper.compressor else state)])

    reopened = story_on(sqlite_env)
    assert not reopened.org(org).on_serious_list
    assert reopened.events_of(org)[-1].data["how"] == "unrecorded"


# -- 第十条第（四）项: a charity qualified to raise funds publicly, in breach of the public fundraising rules ----

def test_the_public_fundraising_ground_needs_the_qualification_and_a_verified_remedy(stored):
    from domain.credit_lists import abnormal_list_exit_due

    org = stored.register(on=date(2019, 1, 1))
    version = stored.org(org).version
    with pytest.raises(CreditListRuleViolation, match="no public fundraising qualification"):
        stored.app.add_to_abnormal_list(stored.ctx(date(2026, 3, 2)), org, ground="public_fundraising_breach")
    assert stored.org(org).version == version  # nothing recorded

    stored.app.record_public_fundraising_qualification(stored.ctx(date(2025, 6, 1)), org, certificate="渝民募〔2025〕3号")
    with pytest.raises(RuleViolation, match="already recorded"):
        stored.app.record_public_fundraising_qualification(stored.ctx(date(2025, 6, 2)), org,
                                                           certificate="渝民募〔2025〕3号")
    done = stored.app.add_to_abnormal_list(stored.ctx(date(2026, 3, 2)), org, ground="public_fundraising_breach")
    [listed] = [e for e in stored.events_of(org) if e.event_id == done.event_ids[0]]
    assert (listed.data["article"], listed.data["item"]) == (10, 4)
    # 《慈善组织公开募捐管理办法》第二十一条: it no longer qualifies, or has not fundraised for six months — a duty
    # owed: six months do not end the listing; the verified remedy does.
    assert not abnormal_list_exit_due(stored.org(org).abnormal_listing, date(2026, 9, 3), stored.app.settings)
    stored.app.remove_from_abnormal_list(stored.ctx(date(2026, 4, 1)), org, verified_on=date(2026, 3, 30))
    assert not stored.org(org).on_abnormal_list
