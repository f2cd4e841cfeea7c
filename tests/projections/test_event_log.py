"""The global event log an auditor pages through, on SQLite and PostgreSQL: filters by department, actor,
event type and recorded time; a position cursor that walks every match exactly once."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from domain.application import Supervision
from domain.clock import SHANGHAI, clock_set_to
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import InvalidInput
from domain.people import Person
from projections.audit.asof import parse_moment
from projections.audit.event_log import LogFilter, event_log

CIVIL = Actor("ca-1", "民政干部", Department.CIVIL_AFFAIRS, "officer")
CIVIL_2 = Actor("ca-2", "民政科长", Department.CIVIL_AFFAIRS, "head")
PARTY = Actor("pb-1", "党建指导员", Department.PARTY_BUILDING, "officer")


def on(app: Supervision, day: date, actor: Actor, command, *args, **kwargs):
    with clock_set_to(lambda: datetime.combine(day, time(9), tzinfo=SHANGHAI)):
        return command(Context(actor, "依法办理", day, "渝中民发〔2022〕5号"), *args, **kwargs)


@pytest.fixture
def app(make_app) -> Supervision:
    """Five organizations registered 2020–2024 by two civil affairs officers; party members counted 2025."""
    app = make_app()
    for n in range(5):
        org = on(app, date(2020 + n, 4, 1), CIVIL if n % 2 == 0 else CIVIL_2, app.register_organization,
                 name=f"日志测试组织{n}", kind="social_group",
                 credit_code=make_credit_code("social_group", "500103", n + 1), domicile="渝中区",
                 purpose="公益", business_scope="服务", legal_representative=Person("张三"),
                 funds=Decimal("30000"), district="yuzhong", street="shangqingsi").aggregate_id
        on(app, date(2025, 1, 5), PARTY, app.count_party_members, org, members=n + 1)
    return app


def types(page) -> list[str]:
    return [e.type for e in page.events]


def test_the_unfiltered_log_leaves_out_index_events_unless_asked(app):
    page = event_log(app)
    assert len(page.events) == 10 and page.next_after is None and page.head == 20
    assert set(types(page)) == {"Organization.Registered", "Organization.PartyMembersCounted"}
    everything = event_log(app, LogFilter(include_technical=True), limit=1000)
    assert len(everything.events) == 20
    assert [e.position for e in everything.events] == list(range(1, 21))


def test_filters_by_department_actor_type_and_time(app):
    assert set(types(event_log(app, LogFilter(department="party_building")))) == {"Organization.PartyMembersCounted"}
    by_head = event_log(app, LogFilter(actor="ca-2"))
    assert len(by_head.events) == 2 and all(e.ctx.actor.username == "民政科长" for e in by_head.events)
    assert len(event_log(app, LogFilter(actor="民政科长")).events) == 2
    assert len(event_log(app, LogFilter(event_type="Organization.Registered")).events) == 5
    assert len(event_log(app, LogFilter(event_type="Organization")).events) == 10
    assert event_log(app, LogFilter(event_type="Organization.Regis")).events == []
    until = parse_moment("2022-12-31", end_of_day=True)
    ranged = event_log(app, LogFilter(since=parse_moment("2021-01-01"), until=until))
    assert [e.recorded_at.astimezone(SHANGHAI).year for e in ranged.events] == [2021, 2022]
    combined = event_log(app, LogFilter(department="civil_affairs", actor="ca-1", since=parse_moment("2022-01-01")))
    assert [e.recorded_at.astimezone(SHANGHAI).year for e in combined.events] == [2022, 2024]


def test_pages_walk_every_match_once_by_position_cursor(app):
    seen, after, pages = [], 0, 0
    while True:
        page = event_log(app, LogFilter(event_type="Organization"), after=after, limit=3)
        seen += [e.position for e in page.events]
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == 4
    assert seen == sorted(set(seen)) and len(seen) == 10


def test_bad_filters_are_refused_in_words(app):
    with pytest.raises(InvalidInput, match="no department 'police'"):
        LogFilter(department="police")
    with pytest.raises(InvalidInput, match="not after its start"):
        LogFilter(since=parse_moment("2022-01-01"), until=parse_moment("2021-01-01"))
    with pytest.raises(InvalidInput, match="must carry a zone"):
        LogFilter(since=datetime(2022, 1, 1))
    with pytest.raises(InvalidInput, match="1 to 1000"):
        event_log(app, limit=0)
    with pytest.raises(InvalidInput, match="position"):
        event_log(app, after=-1)
