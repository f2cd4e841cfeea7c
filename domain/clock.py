"""The recording clock: when an event is recorded.

Events get their recorded time from here rather than straight from the system clock, so tests can move
time and the demo loader can record its history as it happened. Always timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


_clock: ContextVar[Clock] = ContextVar("lianjian_clock", default=system_clock)


def now() -> datetime:
    """The current recording time, timezone-aware UTC."""
    moment = _clock.get()()
    if moment.tzinfo is None:
        raise ValueError("the recording clock must return timezone-aware datetimes")
    return moment.astimezone(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A moment someone gave, in UTC: without a zone it is Asia/Shanghai's. One at the calendar's very ends
    (0001-01-01 east of UTC, 9999-12-31 west of it) has no UTC time: refused as bad input, not a crash."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidInput(f"{moment.isoformat()} is outside the calendar once in UTC") from None


def today() -> date:
    """Today's business date in Asia/Shanghai, where the regulators work."""
    return now().astimezone(SHANGHAI).date()


@contextmanager
def clock_set_to(clock: Clock) -> Iterator[None]:
    """Record events with ``clock`` inside the block (tests, demo history)."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)
