"""Idempotency: a command retried with the same key is not applied twice; a key names one command only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import IdempotencyKeyReused, InvalidInput, NotEligibleForFunding
from domain.receipts import IDEMPOTENCY_KEY_MAX

ON = date(2024, 3, 1)


def disburse(story, project: str, amount: str, key: str | None, on: date = ON):
    return story.app.disburse_funding(story.ctx(on, by="finance"), project, amount=Decimal(amount), idempotency_key=key)


@pytest.fixture
def project(story) -> str:
    return story.fund(story.register(), on=date(2024, 1, 10), amount="200000")


def test_a_retried_disbursement_is_paid_once(story, project: str) -> None:
    first = disburse(story, project, "50000", key="fin-2024-0301-001")
    events = story.event_count()

    retry = disburse(story, project, "50000", key="fin-2024-0301-001")

    assert retry.replayed and not first.replayed
    assert (retry.aggregate_id, retry.event_ids) == (first.aggregate_id, first.event_ids)
    assert story.event_count() == events
    assert story.project(project).disbursed == Decimal("50000.00")


def test_a_retried_registration_registers_once(story) -> None:
    fields = story.registration_fields(name="重庆市民悦社会工作服务中心")

    first = story.app.register_organization(story.ctx(ON), idempotency_key="reg-1", **fields)
    retry = story.app.register_organization(story.ctx(ON), idempotency_key="reg-1", **fields)

    assert retry.replayed
    assert retry.aggregate_id == first.aggregate_id
    assert story.app.organization_ids() == [first.aggregate_id]


def test_the_same_key_for_another_command_is_refused(story, project: str) -> None:
    disburse(story, project, "50000", key="fin-001")
    events = story.event_count()

    with pytest.raises(IdempotencyKeyReused):
        story.app.suspend_funding(story.ctx(ON, by="finance"), project, idempotency_key="fin-001")

    assert story.event_count() == events


@pytest.mark.parametrize(
    ("amount", "on"),
    [("50001", ON), ("50000", date(2024, 3, 2))],
    ids=["another amount", "another business date"],
)
def test_the_same_key_with_other_details_is_refused(story, project: str, amount: str, on: date) -> None:
    disburse(story, project, "50000", key="fin-001")

    with pytest.raises(IdempotencyKeyReused):
        disburse(story, project, amount, key="fin-001", on=on)

    assert story.project(project).disbursed == Decimal("50000.00")


def test_without_a_key_a_repeat_is_a_new_command(story, project: str) -> None:
    disburse(story, project, "50000", key=None)
    again = disburse(story, project, "50000", key=None)

    assert not again.replayed
    assert story.project(project).disbursed == Decimal("100000.00")


def test_a_refused_command_leaves_no_receipt_so_its_key_can_be_used_once_allowed(story) -> None:
    org = story.register()
    story.app.add_to_serious_list(story.ctx(date(2023, 1, 1)), org, ground="large_fine")
    award = dict(purchasing_unit="上清寺街道办事处", project_name="社区服务", amount=Decimal("1000"),
                 period_start=date(2025, 2, 1), period_end=date(2025, 12, 31))
    with pytest.raises(NotEligibleForFunding):
        story.app.award_funding(story.ctx(date(2025, 2, 1), by="finance"), org, idempotency_key="award-1", **award)
    story.app.remove_from_serious_list(story.ctx(date(2025, 1, 1)), org)

    result = story.app.award_funding(story.ctx(date(2025, 2, 1), by="finance"), org, idempotency_key="award-1", **award)

    assert not result.replayed
    assert story.project(result.aggregate_id).amount == Decimal("1000.00")


@pytest.mark.parametrize("key", ["", "k" * (IDEMPOTENCY_KEY_MAX + 1)])
def test_a_key_has_one_to_two_hundred_characters(story, project: str, key: str) -> None:
    with pytest.raises(InvalidInput, match="idempotency key"):
        disburse(story, project, "100", key=key)


def test_a_retry_after_a_restart_still_finds_the_first_result(story_on, sqlite_env) -> None:
    before = story_on(sqlite_env)
    project = before.fund(before.register(), on=date(2024, 1, 10))
    first = disburse(before, project, "50000", key="fin-restart")

    after = story_on(sqlite_env)
    retry = disburse(after, project, "50000", key="fin-restart")

    assert retry.replayed and retry.event_ids == first.event_ids
    assert after.project(project).disbursed == Decimal("50000.00")


def test_keys_are_shared_by_every_service_on_the_store(story_on, sqlite_env) -> None:
    one, other = story_on(sqlite_env), story_on(sqlite_env)
    project = one.fund(one.register(), on=date(2024, 1, 10))
    disburse(one, project, "50000", key="shared-key")

    with pytest.raises(IdempotencyKeyReused):
        other.app.suspend_funding(other.ctx(ON, by="finance"), project, idempotency_key="shared-key")

    assert other.project(project).status == "active"
