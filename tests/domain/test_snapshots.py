"""Snapshots: an organization loaded from a snapshot and the events since is the organization replayed
from all its events, attribute by attribute and type by type."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.application import SNAPSHOT_INTERVAL, Supervision, mutate_in_turn
from domain.context import Actor, Context
from domain.organization import Organization
from gateway.demo import load_demo
from typed_state import typed

PARTY = Actor("party-liu", "party-liu", "party_building", "officer")


def replayed(app: Supervision, org_id: UUID) -> Organization:
    events = app.events.get(org_id)
    return mutate_in_turn(None, events)


def test_an_organization_from_its_snapshot_is_the_organization_replayed(tmp_path: Path) -> None:
    app = Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "x.sqlite")})
    load_demo(app)
    orgs = [UUID(e.aggregate_id) for e in app.recorded_events() if e.type in ("Organization.Registered",
                                                                              "Organization.Filed")]
    # Enough commands that every organization crosses a snapshot, listings and penalties included.
    for org_id in orgs:
        org = app.organization(org_id)
        for n in range(SNAPSHOT_INTERVAL - org.version % SNAPSHOT_INTERVAL + 2):
            if org.is_active:
                app.count_party_members(Context(PARTY, "快照测试", date(2026, 11, 20)), str(org_id), members=n)
    assert app.snapshots is not None
    snapshotted, rich = 0, 0
    for org_id in orgs:
        snapshots = list(app.snapshots.get(org_id, desc=True, limit=1))
        if not snapshots:
            continue
        snapshotted += 1
        fresh = Supervision(env=app.env)  # no cache: the snapshot and the events since
        from_snapshot = fresh.repository.get(org_id, projector_func=mutate_in_turn)
        expected = replayed(app, org_id)
        assert typed(vars(from_snapshot)) == typed(vars(expected)), org_id
        state = vars(expected)
        rich += bool(state["penalties"] or state["abnormal_listing"] or state["serious_listing"] or
                     state["annual_reports"])
        fresh.close()
    assert snapshotted >= len(orgs) // 2
    assert rich >= 5  # penalties, listings and year-keyed reports went through a snapshot
    app.close()
