"""Time travel across a rename and a revocation, on SQLite and PostgreSQL: an organization as of a recorded
time or version, and a department view replayed into scratch tables as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest

from domain.application import Supervision
from domain.clock import SHANGHAI, clock_set_to
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import InvalidInput, NotFound
from domain.people import Person
from projections.audit.asof import organization_as_of, parse_moment, position_at, replay_rows, replay_view
from projections.runtime.db import ViewDatabase

OFFICER = Actor("ca-1", "民政干部", Department.CIVIL_AFFAIRS, "officer")
OLD_NAME = "重庆市民悦社会工作服务中心"
NEW_NAME = "重庆市渝中区民悦社会工作服务中心"
OTHER = "重庆市渝中区春森社会工作服务中心"
REGISTRY = "civil_affairs_registry"


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=SHANGHAI)


@dataclass
class Story:
    org: str
    other: str
    renamed_at: int  # position of the rename
    revoked_at: int  # position of the revocation


def record(app: Supervision, day: date, command, *args, **kwargs):
    with clock_set_to(lambda: at_nine(day)):
        return command(Context(OFFICER, "依法办理", day, "渝中民发〔2021〕8号"), *args, **kwargs)


def register(app: Supervision, day: date, name: str, serial: int) -> str:
    return record(app, day, app.register_organization, name=name, kind="private_non_enterprise",
                  credit_code=make_credit_code("private_non_enterprise", "500103", serial),
                  domicile="渝中区人民路1号", purpose="社会工作服务", business_scope="社会工作",
                  legal_representative=Person("孙代表", "50010319850202123X", "13900139000"),
                  funds=Decimal("30000"), district="yuzhong", street="shangqingsi").aggregate_id


@pytest.fixture
def story(make_app) -> tuple[Supervision, Story]:
    """Registered 2019-03-01, a second one 2020-06-01, renamed 2021-05-10, revoked 2023-02-01."""
    app = make_app()
    org = register(app, date(2019, 3, 1), OLD_NAME, 1)
    other = register(app, date(2020, 6, 1), OTHER, 2)
    renamed = record(app, date(2021, 5, 10), app.change_registration, org, name=NEW_NAME)
    revoked = record(app, date(2023, 2, 1), app.revoke_registration, org, ground="fraud")
    return app, Story(org, other, renamed.position, revoked.position)


def test_times_without_a_zone_are_shanghai_and_a_date_is_its_midnight():
    assert parse_moment("2020-01-01") == datetime(2020, 1, 1, tzinfo=SHANGHAI)
    assert parse_moment("2020-01-01", end_of_day=True) == datetime(2020, 1, 2, tzinfo=SHANGHAI)
    assert parse_moment("2020-01-01T08:30") == datetime(2020, 1, 1, 8, 30, tzinfo=SHANGHAI)
    assert parse_moment("2020-01-01T00:30:00+00:00") == datetime(2020, 1, 1, 0, 30, tzinfo=timezone.utc)
    for bad in ("2020-02-30", "yesterday", "", "2020/01/01"):
        with pytest.raises(InvalidInput, match="is not a date or time"):
            parse_moment(bad)


def test_an_organization_as_of_a_time_before_and_after_its_rename_and_revocation(story):
    app, s = story
    before = organization_as_of(app, s.org, at=parse_moment("2020-01-01"))
    assert (before.organization.name, before.organization.status.value, before.version) == (OLD_NAME, "registered", 1)
    assert before.recorded_at == at_nine(date(2019, 3, 1))
    renamed = organization_as_of(app, NEW_NAME, at=parse_moment("2022-01-01"))
    assert (renamed.organization.name, renamed.organization.status.value) == (NEW_NAME, "registered")
    revoked = organization_as_of(app, s.org, at=parse_moment("2024-01-01"))
    assert (revoked.organization.name, revoked.organization.status.value) == (NEW_NAME, "revoked")
    assert revoked.version == revoked.latest_version == 4  # the revocation, and its serious listing
    # "At or before": the very moment of the rename already shows the new name.
    assert organization_as_of(app, s.org, at=at_nine(date(2021, 5, 10))).organization.name == NEW_NAME


def test_an_organization_as_of_a_version(story):
    app, s = story
    assert organization_as_of(app, s.org, version=1).organization.name == OLD_NAME
    assert organization_as_of(app, s.org, version=2).organization.status.value == "registered"
    assert organization_as_of(app, s.org, version=3).organization.status.value == "revoked"
    assert organization_as_of(app, s.org, version=4).organization.on_serious_list  # listed in the same command
    with pytest.raises(InvalidInput, match="versions 1 to 4"):
        organization_as_of(app, s.org, version=5)
    with pytest.raises(NotFound, match="was first recorded 2019-03-01 09:00:00"):
        organization_as_of(app, s.org, at=parse_moment("2019-01-01"))
    with pytest.raises(InvalidInput, match="either a time or a version"):
        organization_as_of(app, s.org)


def test_the_position_at_a_time_is_the_last_recorded_at_or_before_it(story):
    app, s = story
    assert position_at(app, parse_moment("2019-01-01")) == 0
    assert position_at(app, parse_moment("2021-05-10T09:00")) == s.renamed_at
    assert position_at(app, parse_moment("2021-05-10T08:59")) < s.renamed_at
    assert position_at(app, parse_moment("2030-01-01")) == app.head_position()


def test_a_view_replayed_as_of_a_date_shows_the_old_name_and_status(story):
    app, s = story

    def registry_as_of(day: str) -> dict[str, tuple[str, str]]:
        replay_view(app, REGISTRY, parse_moment(day))
        rows = replay_rows(app, REGISTRY, "organizations")
        return {r["org_id"]: (r["name"], r["status"]) for r in rows}

    assert registry_as_of("2020-01-01") == {s.org: (OLD_NAME, "registered")}  # the other one came later
    assert registry_as_of("2022-01-01") == {s.org: (NEW_NAME, "registered"), s.other: (OTHER, "registered")}
    assert registry_as_of("2024-01-01")[s.org] == (NEW_NAME, "revoked")
    assert registry_as_of("2018-01-01") == {}


def test_a_replay_reports_rows_per_table_and_can_drop_its_tables(story):
    app, s = story
    kept = replay_view(app, "street_office", parse_moment("2022-01-01"))
    assert kept.position == s.renamed_at and not kept.dropped
    assert kept.tables["asof_street_office__organizations"] == 2
    dropped = replay_view(app, "street_office", parse_moment("2022-01-01"), drop=True)
    assert dropped.tables == kept.tables and dropped.dropped
    db = ViewDatabase(app)
    with db.transaction(commit=False) as tx, pytest.raises(Exception):  # noqa: B017 - "no such table" differs
        tx.rows("SELECT * FROM asof_street_office__organizations")
    with pytest.raises(InvalidInput, match="no view 'nope'"):
        replay_view(app, "nope", parse_moment("2022-01-01"))
