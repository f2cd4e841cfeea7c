"""Time travel: an organization as of a recorded time or a version, and any view as of a recorded time.

"As of T" means: every event recorded at or before T. For a view that is the prefix of the global order
up to the last position recorded at or before T (events are recorded in position order, within the
jitter of concurrent writers, so this is what the view showed at T); for an organization, its versions
up to the last one recorded at or before T. Times without a zone are Asia/Shanghai, where the regulators
work; a date alone means 00:00 of that day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.application import Supervision
from domain.clock import SHANGHAI, as_utc
from domain.errors import InvalidInput, NotFound
from domain.organization import Organization
from projections.views.catalog import view_by_name
from projections.runtime.db import Tx, ViewDatabase
from projections.runtime.runner import ViewRunner
from projections.views.base import View
from projections.runtime.worker import ExclusiveLock

ASOF = "asof_"  # prefix of the scratch tables a replay leaves: asof_<view>__<table>
SCAN_BATCH = 2000


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """'2020-01-01', '2020-01-01T08:30', '2020-01-01 08:30:00+00:00' -> an aware datetime.

    Without a zone the time is Asia/Shanghai. A date alone is 00:00 of that day, or with ``end_of_day``
    00:00 of the next (so an exclusive upper bound covers the whole day).
    """
    value = (text or "").strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day) + (timedelta(days=1) if end_of_day else timedelta())
        else:
            moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):  # OverflowError: the day after 9999-12-31
        raise InvalidInput(
            f"{text!r} is not a date or time like 2020-01-01 or 2020-01-01T08:30 (Asia/Shanghai unless a zone"
            " is given)"
        ) from None
    return as_utc(moment)


# -- organizations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationAsOf:
    organization: Organization
    version: int  # the last version included
    recorded_at: datetime  # when that version was recorded
    latest_version: int


def organization_as_of(app: Supervision, reference: str, *, at: datetime | None = None,
                       version: int | None = None) -> OrganizationAsOf:
    """The organization (by id, credit code or current name) as of a recorded time or a version."""
    if (at is None) == (version is None):
        raise InvalidInput("give either a time or a version")
    current = app.find_organization(reference)
    events = list(app.events.get(current.id))
    if version is not None:
        if not 1 <= version <= len(events):
            raise InvalidInput(f"{current.name} has versions 1 to {len(events)}, not {version}")
        chosen = version
    else:
        assert at is not None
        recorded = [e.originator_version for e in events if e.timestamp <= at]
        if not recorded:
            raise NotFound(f"{current.name} was first recorded {_shown(events[0].timestamp)}, after {_shown(at)}")
        chosen = max(recorded)
    organization = app.repository.get(current.id, version=chosen)
    return OrganizationAsOf(organization, chosen, events[chosen - 1].timestamp, len(events))


def _shown(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S Asia/Shanghai")


# -- views ----------------------------------------------------------------------------------------------


def position_at(app: Supervision, at: datetime) -> int:
    """The last global position recorded at or before ``at`` (0 when none was)."""
    found, start = 0, 1
    while notifications := app.recorder.select_notifications(start, SCAN_BATCH):
        for notification in notifications:
            if app.mapper.to_domain_event(notification).timestamp <= at:
                found = notification.id
        start = notifications[-1].id + 1
    return found


@dataclass(frozen=True)
class Replay:
    view: str
    at: datetime
    position: int  # the last event applied
    tables: dict[str, int]  # real (scratch) table name -> rows
    dropped: bool
    read: Any = None  # what ``read`` returned, if given


def replay_view(app: Supervision, name: str, at: datetime, *, drop: bool = False,
                read: Callable[[Tx, View], Any] | None = None) -> Replay:
    """Rebuild the view ``name`` into scratch tables (asof_<view>__<table>) as it was at ``at``.

    The tables stay for inspection (SQL on the same database) until the next replay of that view, or are
    dropped at once with ``drop``. One replay per view at a time. ``read(tx, view)``, if given, reads the
    scratch tables (``view.t(table)``) while the replay still holds them, before any drop; what it returns
    is ``Replay.read``.
    """
    try:
        view = view_by_name(name, prefix=ASOF)
    except KeyError as error:
        raise InvalidInput(str(error.args[0])) from None
    lock = ExclusiveLock(app, view.tracking_name)
    if not lock.try_acquire():
        raise InvalidInput(f"another replay of {name} is running; try again when it ends")
    try:
        position = position_at(app, at)
        runner = _fresh(app, view)
        if position:
            runner.catch_up(until=position)
        with runner.db.transaction(commit=drop) as tx:
            tables = {view.t(t): int(tx.row(f"SELECT COUNT(*) AS n FROM {view.t(t)}")["n"]) for t in view.tables}
            found = read(tx, view) if read is not None else None
            if drop:
                view.drop(tx)
                runner.db.forget_position(tx, view.tracking_name)
    finally:
        lock.release()
    return Replay(name, at, position, tables, drop, found)


def replay_rows(app: Supervision, name: str, table: str, where: str = "",
                params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of a replayed view's table (after ``replay_view`` without ``drop``)."""
    view = view_by_name(name, prefix=ASOF)
    db = ViewDatabase(app)
    with db.transaction(commit=False) as tx:
        return tx.rows(f"SELECT * FROM {view.t(table)} {where}", params)


def _fresh(app: Supervision, view: View) -> ViewRunner:
    db = ViewDatabase(app)
    with db.transaction() as tx:
        view.drop(tx)
        db.forget_position(tx, view.tracking_name)
    return ViewRunner(app, [view])

