"""Feeds the event log into views, exactly once: each batch's rows and tracking commit together.

A view that cannot apply an event stops there, alone: when a batch fails, it is applied again in parts,
each part's rows and tracking committed together, until the event is found, which is then applied view by
view. A view that fails on event P has applied every event up to P-1 and is recorded as failed at P
(projections.runtime.failures); the others go on past P. A failed view is tried again on its own, backing
off, and rejoins the others once it applies P (new code deployed, say): no hand-written SQL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

from domain import clock
from domain.application import RecordedEvent, Supervision, event_type_name
from projections.runtime import failures, view_schemas
from projections.runtime.db import LockLost, ViewDatabase
from projections.runtime.failures import Backoff, ViewFailure
from projections.runtime.share_reading import ShareReader
from projections.runtime.shares import Share
from projections.runtime.states import AggregateStates
from projections.views.base import View

BATCH_SIZE = 10_000  # events read and applied per transaction, at most: catching up, rows merge across many events
MAX_BACKOFF_POLLS = 60  # a failed view is tried again after 1, 2, 4 ... poll intervals, at most this many
# The database itself failing (gone, locked, full): no event's fault, so no view is marked failed for it.
# Errors of the store or of the worker's lock, not of a view: the batch is retried whole, no view is marked.
INFRASTRUCTURE = (OperationalError, InterfaceError, OSError, psycopg.OperationalError, psycopg.InterfaceError,
                  sqlite3.OperationalError, sqlite3.InterfaceError, LockLost)
log = logging.getLogger("lianjian.projections")


class ViewFailed(Exception):
    """A view cannot apply an event, where failures are not isolated (a rebuild, a check)."""

    def __init__(self, failure: ViewFailure) -> None:
        super().__init__(f"{failure}; nothing was swapped in")
        self.failure = failure


@dataclass(frozen=True)
class Lag:
    view: str
    position: int  # last event applied
    head: int  # newest event in the store
    events_behind: int
    seconds_behind: float  # age of the oldest event not yet applied (0 when caught up)


class ViewRunner:
    """Applies new events to a set of views. Safe to call from several threads of one process."""

    pause_per_event = 0.0  # fault testing only (`lianjian project --pause-per-event`): widen each batch

    def __init__(self, app: Supervision, views: Sequence[View], batch_size: int = BATCH_SIZE,
                 share: Share | None = None, *, isolate: bool = False, retry_interval: float = 1.0) -> None:
        """``isolate``: a view that cannot apply an event is recorded as failed and the others go on (a
        worker); otherwise ViewFailed is raised (a rebuild must not swap in half a view)."""
        self.app = app
        self.views = list(views)
        self.share = share  # only this share of the organizations (a rebuild side by side)
        self.db = ViewDatabase(app)
        self.states = AggregateStates(app)
        for view in self.views:
            view.states = self.states
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._caught_up = threading.Condition()
        self.positions: dict[str, int] = {}
        with self.db.schema() as tx:
            failures.create_table(tx)
            for view in self.views:
                view_schemas.made(tx, self.db, view)
        for view in self.views:
            self.positions[view.tracking_name] = self.db.position(self.tracked_as(view))
        self.isolate = isolate
        self._retry_interval = retry_interval
        # Failed views (tracking name -> failure), each tried again when its backoff allows: at once for
        # those recorded by an earlier process (new code may have been deployed since).
        self.failed: dict[str, ViewFailure] = {}
        self._backoff: dict[str, Backoff] = {}
        if isolate:
            for failure in failures.current(self.db, self.positions):
                self.failed[failure.view] = failure
                self._backoff[failure.view] = self._new_backoff()
        if share is not None and any(self.positions.values()):
            raise ValueError("a share of the log is applied from its beginning, into empty views")
        self._wanted: dict[str, bool] = {}  # topic -> does any view (or the states) need the event
        self._followed: dict[str, bool] = {}  # topic -> does any view need any event of its aggregate
        # A share asks the database for its own events only, where a connection of its own can see them.
        self._reader = ShareReader(app, self.db, share, self._follows) if (
            share is not None and ShareReader.can_read(app, self.db)) else None

    def tracked_as(self, view: View) -> str:
        return view.tracking_name if self.share is None else self.share.tracked_as(view.tracking_name)

    def close(self) -> None:
        """Let go of a share's own connection (the runner reads through the application's after)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _follows(self, topic: str) -> bool:
        """Does any view need some event of the aggregate this event's topic belongs to?"""
        if topic not in self._followed:
            name = event_type_name(topic)
            aggregate = name.split(".")[0] + "."
            self._wanted[topic] = wanted = name.startswith("Organization.") or any(
                view.handles(name) for view in self.views)
            self._followed[topic] = wanted or any(
                t.startswith(aggregate) for view in self.views for t in view.handled_types())
        return self._followed[topic]

    def _wants(self, stored: object) -> bool:
        """Decode only events some view handles, and organizations' (see _apply_batch); in a share,
        only its own (it must see the first event of every aggregate whose events some view handles)."""
        topic: str = stored.topic  # type: ignore[attr-defined]
        if not self._follows(topic):
            return False
        if self.share is None:
            return self._wanted[topic]
        # a share learns whose an aggregate is from its first event, wanted or not
        return self.share.wants(stored) and self._wanted[topic]

    def catch_up(self, until: int | None = None) -> int:
        """Apply every event not yet applied (up to ``until``); return how many events were decoded
        (a share's: its own)."""
        read = 0
        with self._lock:
            read += self._retry_failed(until)
            while True:
                pack = [view for view in self.views if view.tracking_name not in self.failed]
                if not pack:
                    break
                start = min(self.positions[view.tracking_name] for view in pack) + 1
                if until is not None and start > until:
                    break
                events, last = self._read(start, until)
                if not last:
                    break
                read += self._apply_batch(events, last)
        with self._caught_up:
            self._caught_up.notify_all()
        return read

    def _read(self, start: int, stop: int | None) -> tuple[list[RecordedEvent], int]:
        read_batch = self._reader.read_batch if self._reader is not None else self.app.read_batch
        return read_batch(start, self.batch_size, stop=stop, keep=self._wants)

    def _apply_batch(self, events: list[RecordedEvent], last: int) -> int:
        return self._apply(events, last, [view for view in self.views if view.tracking_name not in self.failed])

    def _apply(self, events: list[RecordedEvent], last: int, views: Sequence[View]) -> int:
        behind = [view for view in views if self.positions[view.tracking_name] < last]
        try:
            self._commit(behind, events, last)
        except Exception as error:
            if isinstance(error, INFRASTRUCTURE) or self._moved_elsewhere(behind):
                raise  # not an event's fault: the caller retries the whole batch
            self.states.clear()  # advanced by the batch that rolled back
            self._isolate(behind, events, last)
        return len(events)

    def _commit(self, views: Sequence[View], events: list[RecordedEvent], last: int) -> None:
        """Apply the events to the views that are behind ``last`` and track them there, in one transaction."""
        behind = [view for view in views if self.positions[view.tracking_name] < last]
        if not behind:
            return
        # Views that have applied part of the batch already (after a rebuild, or a view added to a
        # running worker) are asked event by event; otherwise the views are looked up once per type.
        ahead = bool(events) and max((self.positions[view.tracking_name] for view in behind),
                                     default=0) >= events[0].position
        by_type: dict[str, list[View]] = {}
        applied: list[tuple[RecordedEvent, list[View]]] = []
        for event in events:
            if ahead:
                interested = [
                    view for view in behind
                    if event.position > self.positions[view.tracking_name] and view.handles(event.type)
                ]
            else:
                interested = by_type.get(event.type)  # type: ignore[assignment]
                if interested is None:
                    interested = by_type[event.type] = [view for view in behind if view.handles(event.type)]
            # Organizations are always followed, so views can read one as of any event (names, streets).
            if interested or event.type.startswith("Organization."):
                applied.append((event, interested))
        # Loaded before the transaction, which holds the store's writer: see AggregateStates.prepare.
        self.states.prepare(event for event, _ in applied)
        with self.db.transaction() as tx:
            for event, interested in applied:
                state = self.states.advance(event)
                for view in interested:
                    view.apply(tx, event, state)
                if self.pause_per_event:
                    time.sleep(self.pause_per_event)
            for view in behind:
                tx.track(self.tracked_as(view), last)
        for view in behind:
            self.positions[view.tracking_name] = last

    def _isolate(self, views: Sequence[View], events: list[RecordedEvent], last: int) -> None:
        """The batch failed: commit it in halves until the event that fails is found, apply that event to
        each view alone, and go on with the views that applied it."""
        views, done = list(views), 0
        while done < len(events) and views:
            end = len(events)
            while True:
                try:
                    self._commit(views, events[done:end], last if end == len(events) else events[end - 1].position)
                    done = end
                    break
                except Exception as error:
                    if isinstance(error, INFRASTRUCTURE):
                        raise
                    self.states.clear()
                    if end - done > 1:
                        end = done + (end - done) // 2
                        continue
                    views = self._one_by_one(views, events[done])
                    done += 1
                    break
        self._commit(views, [], last)  # the batch's last events may be ones no view wanted

    def _one_by_one(self, views: Sequence[View], event: RecordedEvent) -> list[View]:
        """Apply one event to each view alone; the views that applied it."""
        applied = []
        for view in views:
            try:
                self._commit([view], [event], event.position)
                applied.append(view)
            except Exception as error:
                if isinstance(error, INFRASTRUCTURE):
                    raise
                self.states.clear()
                self._fail(view, event, error)
        return applied

    def _fail(self, view: View, event: RecordedEvent, error: Exception) -> None:
        name = view.tracking_name
        failure = failures.failure_now(self.tracked_as(view), event.position, event.event_id, event.type, error)
        if not self.isolate:
            raise ViewFailed(failure) from error
        self._commit([view], [], event.position - 1)  # the events between that it does not handle
        recorded = failures.record(self.db, failure)
        if recorded is failure:  # new: said once, not at every retry
            log.error("view %s stopped at event %s (%s %s), the other views go on; it is tried again, backing"
                      " off, and resumes once it can apply the event: %s", name, event.position, event.type,
                      event.event_id, failure.error)
        self.failed[name] = recorded
        self._backoff.setdefault(name, self._new_backoff()).failed()

    def _new_backoff(self) -> Backoff:
        return Backoff(self._retry_interval, self._retry_interval * MAX_BACKOFF_POLLS)

    def _moved_elsewhere(self, views: Sequence[View]) -> bool:
        """Has another process moved one of these views (a worker that lost its lock)? Then this runner's
        positions are stale, and the batch failed for that, not for an event."""
        return any(self.db.position(self.tracked_as(view)) != self.positions[view.tracking_name] for view in views)

    def _retry_failed(self, until: int | None) -> int:
        """Try each failed view whose backoff allows on its own, up to where the others are."""
        read = 0
        for view in self.views:
            name = view.tracking_name
            if name in self.failed and self._backoff[name].ready():
                read += self._catch_up_alone(view, until)
        return read

    def _catch_up_alone(self, view: View, until: int | None) -> int:
        """A failed view, with aggregate states of its own (the others' are further on), up to the others'
        position; past the event it failed on, it is no longer failed and rejoins them."""
        name = view.tracking_name
        others = [self.positions[v.tracking_name] for v in self.views if v.tracking_name not in self.failed]
        target = min(others) if others else self.app.head_position()
        if until is not None:
            target = min(target, until)
        shared, read = self.states, 0
        self.states = view.states = AggregateStates(self.app)
        try:
            while self.positions[name] < target:
                events, last = self._read(self.positions[name] + 1, target)
                if not last:
                    break
                read += self._apply(events, last, [view])
                failure = self.failed.get(name)
                if failure is not None and self.positions[name] < failure.position:
                    break  # failed again
                if failure is not None:
                    log.warning("view %s applied event %s and goes on", name, failure.position)
                    del self.failed[name], self._backoff[name]
                    failures.clear(self.db, self.tracked_as(view))
        finally:
            self.states = view.states = shared
        return read

    def failures(self) -> list[ViewFailure]:
        """The views that stopped at an event they cannot apply."""
        return list(self.failed.values())

    def refresh_positions(self) -> None:
        """Re-read tracking from the database (after another process or a rebuild moved it)."""
        with self._lock:
            for view in self.views:
                self.positions[view.tracking_name] = self.db.position(self.tracked_as(view))

    def wait_for(self, view_name: str, position: int, timeout: float = 5.0) -> bool:
        """Block until the named view has applied ``position`` (read-your-writes); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._caught_up:
            while self.positions.get(view_name, 0) < position:
                if view_name in self.failed and self.failed[view_name].position <= position:
                    return False  # stopped before it: waiting would not help
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._caught_up.wait(remaining)
        return True

    def lag(self) -> list[Lag]:
        return view_lag(self.app, self.views, self.db)


def view_lag(app: Supervision, views: Sequence[View], db: ViewDatabase) -> list[Lag]:
    """Each view's position, and how far behind the log's head it is: read from the tracking positions alone,
    so a probe (readiness, metrics) need not make a runner, whose start makes every view's tables."""
    head = app.head_position()
    report = []
    for view in views:
        position = db.position(view.tracking_name)
        seconds = 0.0
        if position < head:
            oldest = app.read_events(position + 1, 1)
            if oldest:
                seconds = max(0.0, (clock.now() - oldest[0].recorded_at).total_seconds())
        behind = db.count_events_between(position, head)
        report.append(Lag(view.name, position, head, behind, seconds))
    return report
