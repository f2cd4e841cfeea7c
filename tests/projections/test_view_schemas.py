"""A release that changes a view's tables rebuilds that view from the log once, in the worker that holds it,
before it applies another event; the other views are left as they are. A store whose views were built before
their shapes were recorded is rebuilt once; a new store records the shapes and rebuilds nothing."""

from __future__ import annotations

from datetime import date

from domain.context import Actor, Context, Department
from gateway.demo import load_demo
from projections.runtime.db import ViewDatabase
from projections.runtime.rebuild import check
from projections.runtime.view_schemas import SCHEMAS, fingerprint, outdated
from projections.runtime.worker import ProjectionWorker
from projections.views.base import handles
from projections.views.catalog import all_views
from projections.views.public_disclosure import PublicDisclosure

PARTY = Actor("party-1", "党建干部", Department.PARTY_BUILDING, "officer")


class PublicDisclosureNext(PublicDisclosure):
    """The public view as a later release declares it: a table more, filled from past events."""

    tables = {**PublicDisclosure.tables, "party_counts": "org_id TEXT PRIMARY KEY, members BIGINT NOT NULL"}
    keys = {**PublicDisclosure.keys, "party_counts": "org_id"}

    @handles("Organization.PartyMembersCounted")
    def party_counted(self, tx, event, org) -> None:  # noqa: ANN001
        self.upsert(tx, "party_counts", {"org_id": event.aggregate_id, "members": event.data["members"]}, ["org_id"])


def _worker(app, views):  # noqa: ANN001, ANN202
    worker = ProjectionWorker(app, views, on_change=lambda name, state: None)
    worker.run_until_idle()
    worker.close()


def _rows(app, table: str) -> int:  # noqa: ANN001
    with ViewDatabase(app).transaction(commit=False) as tx:
        return tx.row(f"SELECT COUNT(*) AS n FROM {table}")["n"]


def test_a_changed_view_is_rebuilt_once_and_the_others_are_left_alone(make_app):
    app = make_app()
    load_demo(app)
    _worker(app, all_views())
    assert outdated(app, all_views()) == []
    registry_position = ViewDatabase(app).position("civil_affairs_registry")
    app.count_party_members(Context(PARTY, "年度统计", date(2026, 5, 1)), app.organization_ids()[0], members=4)

    later = [PublicDisclosureNext() if v.name == "public_disclosure" else v for v in all_views()]
    assert [v.name for v in outdated(app, later)] == ["public_disclosure"]
    _worker(app, later)

    new = next(v for v in later if v.name == "public_disclosure")
    assert _rows(app, new.t("party_counts")) > 0  # filled from events older than the release
    assert not check(app, new).differences
    assert outdated(app, later) == []  # once: its new shape is recorded
    assert ViewDatabase(app).position("civil_affairs_registry") > registry_position  # applied on, not rebuilt


def test_views_built_before_shapes_were_recorded_are_rebuilt_once(make_app):
    app = make_app()
    load_demo(app)
    _worker(app, all_views())
    with ViewDatabase(app).transaction() as tx:
        tx.execute(f"DELETE FROM {SCHEMAS}")  # as a store written by an earlier release
    assert {v.name for v in outdated(app, all_views())} == {v.name for v in all_views()}
    _worker(app, all_views())
    assert outdated(app, all_views()) == []
    for view in all_views():
        assert not check(app, view).differences, view.name


def test_a_new_store_records_its_shapes_and_rebuilds_nothing(make_app):
    app = make_app()
    assert outdated(app, all_views()) == []
    with ViewDatabase(app).transaction(commit=False) as tx:
        recorded = {row["view"]: row["fingerprint"] for row in tx.rows(f"SELECT view, fingerprint FROM {SCHEMAS}")}
    assert recorded == {v.tracking_name: fingerprint(v) for v in all_views()}


def test_views_made_and_caught_up_by_a_runner_are_of_their_shape_for_the_worker_after(make_app):
    from projections.runtime.runner import ViewRunner

    app = make_app()
    load_demo(app)
    ViewRunner(app, all_views()).catch_up()  # made here: their shapes recorded as they are made
    assert outdated(app, all_views()) == []  # so the worker that takes them over rebuilds nothing
