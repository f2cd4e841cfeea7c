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
