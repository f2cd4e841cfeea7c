"""Every release reads the stores that earlier releases wrote: each golden store under tests/golden/ is loaded
(the SQLite file as it is; the same rows inserted into PostgreSQL through the library's recorder), every
aggregate is rebuilt from its events, every view is rebuilt from the log and equals a replay, and the
audit chain verifies intact. Stored events are never rewritten: a changed event shape reads through the
library's upcasting (docs/evolution.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.application import Supervision
from gateway.settings import Settings
from gateway.storage import SQLITE_FILE, open_application
from projections.audit.chain import CHAIN_TABLE, META_TABLE, ChainTables
from projections.audit.verify import verify
from projections.runtime.db import ViewDatabase
from projections.runtime.rebuild import check, rebuild
from projections.runtime.runner import ViewRunner
from projections.views.catalog import all_views

GOLDEN = Path(__file__).resolve().parent / "golden"
RELEASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "events.sqlite").exists())
HUB = "重庆市渝中区上清寺致远社会公益事业发展促进会"
CHAIN_COLUMNS = ("position", "originator_id", "originator_version", "hash", "prev_hash", "prev_position",
                 "sealed_at")


def lines(release: str) -> list[dict]:
    with open(GOLDEN / release / "events.jsonl", encoding="utf-8") as rows:
        return [json.loads(line) for line in rows]


def insert_rows(application: Supervision, release: str) -> None:
    """The release's stored events through the library's recorder, then its chain rows, as stored."""
    rows = lines(release)
    events = [r["event"] for r in rows if "event" in r]
    application.recorder.insert_events([
        StoredEvent(originator_id=UUID(e["originator_id"]), originator_version=e["originator_version"],
                    topic=e["topic"], state=e["state"].encode("utf-8")) for e in events])
    tables = ChainTables(application)
    tables.create()
    with tables.db.transaction() as tx:
        for r in rows:
            if "chain" in r:
                tx.execute(f"INSERT INTO {CHAIN_TABLE} ({', '.join(CHAIN_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [r["chain"][c] for c in CHAIN_COLUMNS])
            elif "chain_meta" in r:
                tx.execute(f"INSERT INTO {META_TABLE} (name, value) VALUES (?, ?)"
                           " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                           (r["chain_meta"]["name"], r["chain_meta"]["value"]))
    assert [e.position for e in application.read_events(1, len(events))] == [e["position"] for e in events]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def golden_settings(request, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data") if request.param == "sqlite" else Settings(
        database_url=request.getfixturevalue("postgres_url"))


def opened(golden_settings: Settings, release: str) -> Supervision:
    """The release's golden store, opened: the SQLite file as it is, or its rows inserted into PostgreSQL."""
    if golden_settings.database_url is None:
        golden_settings.data_dir.mkdir(parents=True)
        shutil.copyfile(GOLDEN / release / "events.sqlite", golden_settings.data_dir / SQLITE_FILE)
    application = open_application(golden_settings)
    if golden_settings.database_url is not None:
        insert_rows(application, release)
    return application


@pytest.mark.parametrize("release", RELEASES)
def test_a_golden_store_loads_rebuilds_and_verifies(golden_settings, release):
    application = opened(golden_settings, release)
    try:
        stored = sum(1 for r in lines(release) if "event" in r)
        assert application.head_position() == stored

        report = verify(application)
        assert report.intact, report.findings[:3]
        assert (report.checked, report.unsealed) == (stored, 0)

        # Every aggregate reads back from its events (any event the code can no longer decode fails here).
        organizations = [application.organization(i) for i in application.organization_ids()]
        assert len(organizations) >= 84 and HUB in {o.name for o in organizations}

        views = all_views()
        ViewRunner(application, views)  # the views' tables, made by this release
        rebuild(application, views)
        for view in views:
            assert not check(application, view).differences, view.name
        registry = next(v for v in views if v.name == "civil_affairs_registry")
        with ViewDatabase(application).transaction(commit=False) as tx:
            counted = tx.row(f"SELECT COUNT(*) AS n FROM {registry.t('organizations')} WHERE street = ?",
                             ("shangqingsi",))
        assert counted["n"] == 74
    finally:
        application.close()


# The article and item of 民政部令第60号 each ground applies, written here from the measures themselves.
ARTICLE_ITEM = {"annual_report_missing": (10, 1), "annual_report_late": (10, 1), "no_party_organization": (10, 2),
                "rectification_overdue": (10, 3), "warning_or_small_fine": (10, 5),
                "unreachable_at_domicile": (10, 6), "abnormal_two_years": (14, 1),
                "fraudulent_change_revoked": (14, 2), "ordered_to_stop_activities": (14, 3), "large_fine": (14, 4),
                "repeated_minor_penalties": (14, 5), "court_dishonest_debtor": (14, 6),
                "certificate_revoked": (14, 7)}


@pytest.mark.parametrize("release", ["v0.1.0"])  # the release that stored these events at version 1
def test_a_golden_stores_version_1_listings_read_back_with_the_article_and_item_applied(golden_settings, release):
    """The upcast in place (docs/evolution.md): AddedToAbnormalList/AddedToSeriousList version 1 stored the ground
    alone; they read back as version 2, citing the article and item their ground implies and no causes."""
    application = opened(golden_settings, release)
    try:
        stored = [r["event"] for r in lines(release) if "event" in r and r["event"]["topic"].endswith(
            ("Organization.AddedToAbnormalList", "Organization.AddedToSeriousList"))]
        assert stored and all("article" not in json.loads(e["state"]) for e in stored)  # version 1, as stored
        for e in stored:
            (event,) = application.events.get(UUID(e["originator_id"]), gt=e["originator_version"] - 1,
                                              lte=e["originator_version"])
            assert (event.article, event.item) == ARTICLE_ITEM[event.ground]
            assert (event.causes, event.proposal_id) == ([], None)
        listed = [application.organization(e["originator_id"]) for e in stored]
        assert any(o.abnormal_listing and o.abnormal_listing.entry_event for o in listed)
        # SampleDraw.Drawn version 1 drew without weights: it reads back with none, and its draw re-runs as drawn.
        draws = [r["event"] for r in lines(release)
                 if "event" in r and r["event"]["topic"].endswith("SampleDraw.Drawn")]
        for e in draws:
            draw = application.sample_draw(e["originator_id"])
            assert draw.weights == {} and draw.rerun() == draw.drawn == json.loads(e["state"])["drawn"]
    finally:
        application.close()
