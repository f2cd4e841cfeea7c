"""A command decides first on the aggregate cache's copies as they are, asking the store nothing before it
saves (in one process the cache is current). Two applications on one store stand for two processes: when
the other one wrote meanwhile, the save collides and the command is decided again on the store's state; a
refusal made on a copy behind the store is not final either. Nothing another writer recorded is lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.application import Supervision
from domain.context import Actor, Context
from domain.errors import RuleViolation, StaleCopy
from domain.people import Person
from gateway.storage import AGGREGATE_CACHE

PARTY = Actor("party-1", "party-liu", "party_building", "officer")
CLERK = Actor("sqs-li", "sqs-li", "street_office", "officer")
ON = date(2026, 11, 20)


@pytest.fixture
def two_processes(store_env: dict[str, str]) -> Iterator[tuple[Supervision, Supervision, str]]:
    """Two applications on one store, each with the server's aggregate cache, and an organization that
    both have cached."""
    first, second = (Supervision(env=store_env | AGGREGATE_CACHE) for _ in range(2))
    org_id = first.file_community_organization(
        Context(CLERK, "社区社会组织备案", date(2020, 3, 2)), name="推测测试志愿服务队",
        person_in_charge=Person("王秀英"), district="yuzhong", street="shangqingsi", community="学田湾").aggregate_id
    first.organization(org_id), second.organization(org_id)
    yield first, second, org_id
    first.close()
    second.close()


def count(app: Supervision, org_id: str, members: int) -> Any:
    return app.count_party_members(Context(PARTY, "党员人数统计", ON), org_id, members=members)


def reads_of_events(app: Supervision, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every read of an aggregate's events from the store, from now on."""
    reads: list[Any] = []
    recorder = app.recorder
    original: Callable[..., Any] = recorder.select_events

    def select_events(*args: Any, **kwargs: Any) -> Any:
        reads.append(args[0] if args else kwargs.get("originator_id"))
        return original(*args, **kwargs)

    monkeypatch.setattr(recorder, "select_events", select_events)
    return reads


def test_in_one_process_a_command_reads_nothing_before_it_saves(two_processes, monkeypatch) -> None:
    first, _, org_id = two_processes
    reads = reads_of_events(first, monkeypatch)
    result = count(first, org_id, 4)
    assert reads == []  # decided on the cached copy, as it was
    assert first.organization(org_id).party_members == 4
    assert result.event_ids == [f"{org_id}/{first.organization(org_id).version}"]


def test_a_command_on_a_copy_behind_the_store_is_decided_again_on_the_store(two_processes) -> None:
    first, second, org_id = two_processes
    version = second.organization(org_id).version
    count(second, org_id, 7)  # the other process; the first one's copy is now behind
    result = count(first, org_id, 9)  # no conflict: decided again on the organization as stored
    assert result.event_ids == [f"{org_id}/{version + 2}"]
    stored = [e.data.get("members") for e in first.history(org_id) if e.type.endswith("PartyMembersCounted")]
    assert stored[-2:] == [7, 9]  # nothing the other process recorded is lost
    assert second.organization(org_id).party_members == 9


def test_a_refusal_made_on_a_copy_behind_the_store_is_not_final(two_processes) -> None:
    first, second, org_id = two_processes
    with pytest.raises(RuleViolation):  # refused on the store's state: too few members
        first.set_up_party_organization(Context(PARTY, "成立党支部", ON), org_id, form="single",
                                        name="推测测试志愿服务队党支部")
    count(second, org_id, 5)
    first.set_up_party_organization(Context(PARTY, "成立党支部", ON), org_id, form="single",
                                    name="推测测试志愿服务队党支部")
    assert second.organization(org_id).party_organization is not None


def test_a_checked_copy_behind_the_store_is_never_decided_on_behind_the_checkers_back(two_processes) -> None:
    first, second, org_id = two_processes
    checked, as_cached = first.cached_organization(org_id)
    assert as_cached
    count(second, org_id, 3)
    with first.reusing(checked, as_cached=True), pytest.raises(StaleCopy):
        count(first, org_id, 5)  # the caller must check the organization as it is now, then try again
    assert first.organization(org_id).party_members == 3


def test_an_organization_only_read_by_a_decision_is_checked_against_the_store(two_processes) -> None:
    # Funding saves only the new project: the organization's copy, behind the store, must not decide it.
    first, second, org_id = two_processes
    second.cancel_filing(Context(CLERK, "撤销备案", ON), org_id)
    with pytest.raises(RuleViolation, match="filing_cancelled|cancelled"):
        first.award_funding(Context(Actor("fin-chen", "fin-chen", "finance", "officer"), "政府购买服务", ON), org_id,
                            purchasing_unit="渝中区民政局", project_name="社区养老服务", amount=Decimal("50000.00"),
                            period_start=date(2026, 12, 1), period_end=date(2027, 11, 30))
