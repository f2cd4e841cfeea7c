"""How the application writes to the store: the library's save without its per-aggregate Protocol checks,
snapshots taken of the aggregate just saved, and the stored events' JSON transcoder."""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from domain.organization import Organization
from domain.transcodings import StoredJSONTranscoder, register_domain_transcodings

SNAPSHOT_INTERVAL = 50  # each snapshot costs a write; 50 keeps that under 2% of commands
log = logging.getLogger(__name__)


class SavingApplication(Application[UUID]):
    """The library's Application with our save, snapshots and transcoder."""

    # An organization lives for decades: a snapshot every SNAPSHOT_INTERVAL events (domain/snapshots.py)
    # means loading one reads a snapshot and fewer than that many events.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Organization: SNAPSHOT_INTERVAL}

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's save, but an aggregate's events are collected without first asking whether it is a
        domain event and whether it can collect events: isinstance checks against runtime Protocols, a
        measurable share of a command's CPU (docs/performance.md). Ours are all the library's Aggregates;
        anything else is collected the library's way, in the order given."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):  # a plain class check
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, still called by its save
        return recordings

    def _take_snapshots(self, processing_event: Any) -> None:
        """The library reloads an aggregate to snapshot it at the exact version that is a multiple of the
        interval; a snapshot at any version will do, and the aggregate just saved is at hand. A snapshot that
        cannot be taken is logged, never an error of the command: its events are already stored."""
        if self.snapshots is None:
            return
        first_new: dict[Any, int] = {}
        for event in processing_event.events:
            first_new.setdefault(event.originator_id, event.originator_version)
        for aggregate_id, aggregate in processing_event.aggregates.items():
            interval = self.snapshotting_intervals.get(type(aggregate))
            if not interval or aggregate_id not in first_new:
                continue
            if (first_new[aggregate_id] - 1) // interval < aggregate.version // interval:  # crossed a multiple
                try:
                    self.snapshots.put([type(aggregate).Snapshot.take(aggregate)])
                except Exception:  # noqa: BLE001 - logged; the events are the record
                    log.warning("no snapshot of %s at version %s", aggregate_id, aggregate.version, exc_info=True)

    def construct_transcoder(self) -> JSONTranscoder:
        transcoder = StoredJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)
