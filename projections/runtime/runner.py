"""Feeds the event log into views, exactly once: each batch's rows and tracking commit together."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from domain import clock
from domain.application import RecordedEvent, Supervision, event_type_name
from projections.runtime.db import ViewDatabase
from projections.runtime.share_reading import ShareReader
from projections.runtime.shares import Share
from projections.runtime.states import AggregateStates
from projections.views.base import View

BATCH_SIZE = 10_000  # events read and applied per transaction, at most: catching up, rows merge across many events


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
                 share: Share | None = None) -> None:
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
            for view in self.views:
                view.create(tx)
        for view in self.views:
            self.positions[view.tracking_name] = self.db.position(self.tracked_as(view))
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
            while True:
                start = min(self.positions.values(), default=0) + 1
                if until is not None and start > until:
                    break
                read_batch = self._reader.read_batch if self._reader is not None else self.app.read_batch
                events, last = read_batch(start, self.batch_size, stop=until, keep=self._wants)
                if not last:
                    break
                read += self._apply_batch(events, last)
        with self._caught_up:
            self._caught_up.notify_all()
        return read

    def _apply_batch(self, events: list[RecordedEvent], last: int) -> int:
        behind = [view for view in self.views if self.positions[view.tracking_name] < last]
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
        for view in self.views:
            self.positions[view.tracking_name] = max(self.positions[view.tracking_name], last)
        return len(events)

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
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._caught_up.wait(remaining)
        return True

    def lag(self) -> list[Lag]:
        head = self.app.head_position()
        report = []
        for view in self.views:
            position = self.db.position(view.tracking_name)
            seconds = 0.0
            if position < head:
                oldest = self.app.read_events(position + 1, 1)
                if oldest:
                    seconds = max(0.0, (clock.now() - oldest[0].recorded_at).total_seconds())
            behind = self.db.count_events_between(position, head)
            report.append(Lag(view.name, position, head, behind, seconds))
        return report
