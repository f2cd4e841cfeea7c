"""The same story on both event stores: what is saved comes back exactly; racing writers never both win."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.application import Supervision
from domain.context import Actor, Context
from domain.credit_code import make_credit_code
from domain.errors import ConcurrentUpdate, DuplicateOrganization
from domain.organization import Organization
from domain.people import Person

CIVIL_AFFAIRS = Actor("ca-1", "ca-zhang", "civil_affairs", "officer")
FINANCE = Actor("fin-1", "fin-chen", "finance", "officer")


def ctx(actor: Actor = CIVIL_AFFAIRS, on: date = date(2020, 1, 2), reason: str = "办理") -> Context:
    return Context(actor, reason, on, "渝中民发〔2020〕1号")


def register(app: Supervision, name: str = "重庆市民悦社会工作服务中心", serial: int = 7, **extra: Any) -> str:
    fields: dict[str, Any] = dict(
        name=name, kind="private_non_enterprise", credit_code=make_credit_code("private_non_enterprise", "500103", serial),
        domicile="渝中区上清寺路9号", purpose="专业社会工作服务", business_scope="社会工作服务、培训",
        legal_representative=Person("陈民悦", "500103198502021234", "13900000000"), funds=Decimal("100000.00"),
        district="yuzhong", street="shangqingsi", community="上清寺路",
    )
    fields.update(extra)
    return app.register_organization(ctx(on=date(2016, 3, 1)), **fields).aggregate_id


class LoadsThenWaits(Supervision):
    """A writer that, having loaded what it will change, waits for the other writer to load too."""

    barrier = threading.Barrier(2)

    def organization(self, organization_id: Any) -> Organization:
        org = super().organization(organization_id)
        self.barrier.wait(timeout=10)
        return org


class ChecksNameThenWaits(Supervision):
    """A writer that, having found a name free, waits for the other writer to find it free too."""

    barrier = threading.Barrier(2)

    def _ensure_name_free(self, name: str) -> None:
        super()._ensure_name_free(name)
        self.barrier.wait(timeout=10)


def race(*writers: Any) -> list[Any]:
    """Run the writers at once; return what each returned or raised."""
    outcomes: list[Any] = [None] * len(writers)

    def run(i: int) -> None:
        try:
            outcomes[i] = writers[i]()
        except Exception as error:  # the outcome under test
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_what_is_saved_comes_back_exactly(make_app):
    app = make_app()
    org_id = register(app)
    project = app.award_funding(
        ctx(FINANCE, date(2026, 3, 1)), org_id, purchasing_unit="上清寺街道办事处", project_name="社区社工服务",
        amount=Decimal("198000.00"), period_start=date(2026, 3, 1), period_end=date(2026, 12, 31),
    ).aggregate_id
    app.disburse_funding(ctx(FINANCE, date(2026, 4, 1)), project, amount=Decimal("99000.01"))

    reopened = make_app()
    org = reopened.organization(org_id)
    funding = reopened.funding_project(project)
    assert org.name == "重庆市民悦社会工作服务中心"
    assert org.legal_representative == Person("陈民悦", "500103198502021234", "13900000000")
    assert org.registered_on == date(2016, 3, 1)
    assert funding.disbursed == Decimal("99000.01") and isinstance(funding.disbursed, Decimal)
    assert funding.undisbursed == Decimal("98999.99")
    history = reopened.history(org_id)
    assert [e.type for e in history] == [
        "Organization.Registered", "FundingProject.Awarded", "FundingProject.TrancheDisbursed"
    ]
    assert history[1].ctx == ctx(FINANCE, date(2026, 3, 1))
    assert all(e.recorded_at.tzinfo is not None and e.recorded_at.utcoffset().total_seconds() == 0 for e in history)


def test_two_writers_racing_on_one_organization_one_wins_one_conflicts(make_app):
    org_id = register(make_app())
    LoadsThenWaits.barrier.reset()
    writers = []
    for domicile in ("渝中区上清寺路10号", "渝中区中山四路1号"):
        app = make_app(LoadsThenWaits)
        writers.append(lambda app=app, domicile=domicile: app.change_registration(
            ctx(on=date(2021, 5, 6)), org_id, domicile=domicile))

    outcomes = race(*writers)

    successes = [o for o in outcomes if not isinstance(o, Exception)]
    conflicts = [o for o in outcomes if isinstance(o, ConcurrentUpdate)]
    assert len(successes) == 1 and len(conflicts) == 1, outcomes
    org = make_app().organization(org_id)
    assert org.version == 2  # exactly one change was recorded: nothing overwritten, nothing lost
    assert successes[0].event_ids == [f"{org_id}/2"]


def test_a_retried_command_racing_itself_is_applied_once(make_app):
    org_id = register(make_app())
    LoadsThenWaits.barrier.reset()
    writers = []
    for _ in range(2):
        app = make_app(LoadsThenWaits)
        writers.append(lambda app=app: app.submit_annual_report(
            ctx(on=date(2021, 5, 6)), org_id, year=2020, idempotency_key="report-2020-minyue"))

    first, second = race(*writers)

    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first.event_ids == second.event_ids
    assert sorted([first.replayed, second.replayed]) == [False, True]
    assert make_app().organization(org_id).version == 2


def test_two_registrations_racing_for_one_name_one_is_refused(make_app):
    ChecksNameThenWaits.barrier.reset()
    apps = [make_app(ChecksNameThenWaits), make_app(ChecksNameThenWaits)]

    outcomes = race(
        lambda: register(apps[0], name="春森路社区逸家家庭社会工作服务中心", serial=11),
        lambda: register(apps[1], name="春森路社区逸家家庭社会工作服务中心", serial=12),
    )

    assert len([o for o in outcomes if isinstance(o, str)]) == 1, outcomes
    assert len([o for o in outcomes if isinstance(o, DuplicateOrganization)]) == 1, outcomes
    assert len(make_app().organization_ids()) == 1


@pytest.mark.parametrize("retries", [1, 3])
def test_idempotent_retries_record_nothing_new(make_app, retries):
    app = make_app()
    org_id = register(app)
    first = app.count_party_members(ctx(on=date(2022, 1, 1)), org_id, members=4, idempotency_key="party-2022")
    for _ in range(retries):
        again = make_app().count_party_members(
            ctx(on=date(2022, 1, 1)), org_id, members=4, idempotency_key="party-2022"
        )
        assert again.event_ids == first.event_ids and again.replayed
    assert make_app().organization(org_id).version == 2


class ChecksNameThenPauses(Supervision):
    """A writer that finds a name free, then pauses until told to go on."""

    checked = threading.Event()
    go_on = threading.Event()

    def _ensure_name_free(self, name: str) -> None:
        super()._ensure_name_free(name)
        self.checked.set()
        self.go_on.wait(timeout=10)


def test_a_name_taken_between_the_check_and_the_save_is_refused(make_app):
    ChecksNameThenPauses.checked.clear()
    ChecksNameThenPauses.go_on.clear()
    slow = make_app(ChecksNameThenPauses)
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(_attempt(slow)))
    thread.start()
    assert ChecksNameThenPauses.checked.wait(timeout=10)
    winner = register(make_app(), name="曾家岩太极拳剑队", serial=21)  # takes the name while the other waits
    ChecksNameThenPauses.go_on.set()
    thread.join(timeout=30)

    assert isinstance(outcome[0], DuplicateOrganization), outcome
    reopened = make_app()
    assert reopened.organization_ids() == [winner]
    assert str(reopened.find_organization("曾家岩太极拳剑队").id) == winner


def _attempt(app: Supervision):
    try:
        return register(app, name="曾家岩太极拳剑队", serial=22)
    except Exception as error:  # the outcome under test
        return error
