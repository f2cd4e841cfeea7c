"""Supervision.save collects events its own way (no runtime Protocol checks): what it stores must be what
the library's save stores, event for event, in the same order."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.application import Supervision


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Amended")
    def amend(self, text: str) -> None:
        self.text = text


def stored(app: Supervision) -> list[tuple[str, int, str, bytes]]:
    return [(str(r.originator_id), r.originator_version, r.topic, r.state)
            for r in app.recorder.select_notifications(start=1, limit=100)]


def test_what_save_stores_is_what_the_library_stores(tmp_path: Path) -> None:
    ours, theirs = (Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                     "SQLITE_DBNAME": str(tmp_path / f"{name}.sqlite")}) for name in ("a", "b"))
    first, second = Note("一"), Note("二")
    second.amend("二，改")
    loose = Note("散").collect_events()[0]  # a domain event given on its own, not an aggregate
    objects = (first, None, loose, second)
    copies = deepcopy(objects)

    recordings = ours.save(*objects)
    Application.save(theirs, *copies)

    assert stored(ours) == stored(theirs) and len(stored(ours)) == 4
    assert [r.notification.id for r in recordings] == [1, 2, 3, 4]
    assert not first.pending_events and not second.pending_events  # collected, as the library's save does
    assert ours.repository.get(second.id).text == "二，改"
