"""Rebuilding a view swaps in a fresh copy, indexes and all, as often as asked, on both stores."""

from __future__ import annotations

import gc
import json

import pytest

from gateway.demo import load_demo
from projections.views.catalog import all_views, view_by_name
from projections.runtime.rebuild import check, rebuild, rebuild_share
from projections.runtime.runner import ViewRunner
from projections.runtime.shares import Share


def test_views_rebuild_twice_and_still_equal_the_log(make_app):
    app = make_app()
    load_demo(app)
    views = all_views()
    ViewRunner(app, views).catch_up()
    for view in views:
        first = rebuild(app, view)
        second = rebuild(app, view)  # the scratch area's names are free again after a swap
        assert first == second == app.head_position()
        assert check(app, view).differences == []


def test_a_rebuild_in_shares_writes_each_row_once_and_equals_the_log(make_app):
    """Three shares of the organizations, each its own application (as its own process would be):
    together they make every view equal to the log, and the views end at the head, shares forgotten."""
    app = make_app()
    load_demo(app)
    views = all_views()
    runner = ViewRunner(app, views)
    runner.catch_up()
    with runner.db.transaction() as tx:  # a damaged row, which the rebuild must repair
        tx.execute(f"DELETE FROM {views[0].t('organizations')} WHERE org_id IN"
                   f" (SELECT org_id FROM {views[0].t('organizations')} ORDER BY org_id LIMIT 3)")
    applied: list[int] = []

    def run_shares(names, count, until):
        assert names == [view.name for view in views] and until == app.head_position()
        for index in range(count):
            applied.append(rebuild_share(make_app(), [view_by_name(name) for name in names], index, count, until))

    assert rebuild(app, views, jobs=3, run_shares=run_shares) == app.head_position()
    assert len(applied) == 3 and all(applied) and sum(applied) <= app.head_position()
    for view in views:
        assert check(app, view).differences == [], view.name
        assert runner.db.position(view.tracking_name) == app.head_position()
    with runner.db.transaction(commit=False) as tx:
        left = tx.rows(f"SELECT application_name FROM {runner.db.tracking_table} WHERE application_name LIKE ?",
                       ("%~%",))
    assert left == []


def test_a_failed_share_leaves_the_live_views_as_they_were(make_app):
    app = make_app()
    load_demo(app)
    views = all_views()
    ViewRunner(app, views).catch_up()

    def run_shares(names, count, until):
        rebuild_share(make_app(), [view_by_name(name) for name in names], 0, count, until)
        raise RuntimeError("share 2 of 2 died")

    with pytest.raises(RuntimeError, match="died"):
        rebuild(app, views, jobs=2, run_shares=run_shares)
    assert all(check(app, view).differences == [] for view in views)


def test_a_share_restarted_midway_refuses_to_go_on(make_app):
    """A share remembers whose each aggregate is from its first event: it cannot resume midway."""
    app = make_app()
    load_demo(app)
    scratch = type(all_views()[0])(prefix="half_")
    ViewRunner(app, [scratch], share=Share(0, 2, app.mapper.to_domain_event)).catch_up(until=50)
    with pytest.raises(ValueError, match="from its beginning"):
        ViewRunner(app, [scratch], share=Share(0, 2, app.mapper.to_domain_event))


def test_check_compares_json_columns_by_value_not_by_spelling(make_app):
    """History rows written by the standard library's encoder (", " and ": ") match their rebuilt twins,
    written by orjson (no spaces); a changed value inside the JSON is still a difference."""
    app = make_app()
    load_demo(app)
    history = view_by_name("event_history")
    runner = ViewRunner(app, [history])
    runner.catch_up()
    table = history.t("events")
    with runner.db.transaction() as tx:
        rows = tx.rows(f"SELECT position, data FROM {table} WHERE data LIKE ? ORDER BY position", ("%:%",))
        assert rows and all(": " not in row["data"] for row in rows)  # orjson's spelling
        respelled = [(json.dumps(json.loads(row["data"]), ensure_ascii=False, sort_keys=True), row["position"])
                     for row in rows]
        for data, position in respelled:
            tx.execute(f"UPDATE {table} SET data = ? WHERE position = ?", (data, position))
    assert check(app, history).differences == []
    first = rows[0]["position"]
    with runner.db.transaction() as tx:
        changed = json.loads(rows[0]["data"])
        changed["tampered"] = True
        tx.execute(f"UPDATE {table} SET data = ? WHERE position = ?", (json.dumps(changed), first))
    differences = check(app, history).differences
    assert [d.key for d in differences] == [str(first)]


def test_a_rebuild_turns_the_collector_off_only_while_it_applies_events(make_app, monkeypatch):
    """A rebuild applies events with the cyclic garbage collector off: sound only while applying events
    makes next to no cyclic garbage (a handler that left a cycle per event would leak a city's worth)."""
    app = make_app()
    load_demo(app)
    views = all_views()
    collector_on_while_applying: list[bool] = []
    apply_batch = ViewRunner._apply_batch

    def watched(runner, events, last):
        collector_on_while_applying.append(gc.isenabled())
        return apply_batch(runner, events, last)

    monkeypatch.setattr(ViewRunner, "_apply_batch", watched)
    gc.collect()
    assert gc.isenabled()
    rebuild(app, views)
    assert collector_on_while_applying and not any(collector_on_while_applying)
    assert gc.isenabled()


def test_catching_up_views_rules_and_the_sealer_makes_next_to_no_cyclic_garbage(make_app):
    """What makes pausing the collector sound (projections.runtime.collector): a worker with every view, the
    rules and the chain's sealer leaves next to nothing for it after catching up the demo's events (a
    handler that left a cycle per event would leak a city's worth during a rebuild)."""
    from projections.audit.sealer import SealingWorker

    app = make_app()
    worker = SealingWorker(app, all_views(), with_rules=True, pause_collector=True)
    worker.run_until_idle()  # setting up its tables leaves a caught exception's cycle, once
    load_demo(app)
    gc.collect()
    gc.disable()
    try:
        assert worker.run_until_idle() >= app.head_position()
        garbage = gc.collect()
    finally:
        gc.enable()
        worker.close()
    assert garbage <= app.head_position() // 20, f"{garbage} objects in cycles after {app.head_position()} events"


def test_a_worker_of_its_own_pauses_the_collector_only_while_it_catches_up(make_app, monkeypatch):
    from projections.runtime.worker import ProjectionWorker

    app = make_app()
    load_demo(app)
    seen: list[bool] = []
    catch_up = ViewRunner.catch_up
    monkeypatch.setattr(ViewRunner, "catch_up", lambda runner, until=None: seen.append(gc.isenabled())
                        or catch_up(runner, until))
    for pause, expected in ((True, False), (False, True)):
        seen.clear()
        worker = ProjectionWorker(app, [view_by_name("party_building")], pause_collector=pause)
        worker.step()
        worker.close()
        assert seen == [expected] and gc.isenabled()


@pytest.mark.postgres
@pytest.mark.parametrize("store_env", ["postgres"], indirect=True)
def test_autovacuum_is_off_while_a_rebuild_fills_the_tables_and_on_once_they_are_live(make_app):
    """Autovacuum on half-filled scratch tables took CPU from the rebuild, and the swap's renames waited for
    it to be cancelled (a second each, deadlock_timeout)."""
    app = make_app()
    load_demo(app)
    view = view_by_name("event_history")
    seen: dict[str, list[str] | None] = {}

    def run_shares(names, count, until):
        for index in range(count):
            rebuild_share(make_app(), [view_by_name(name) for name in names], index, count, until)
        with ViewRunner(app, []).db.transaction(commit=False) as tx:
            seen["scratch"] = _options(tx, "scratch_" + view.t("events"))

    rebuild(app, view, jobs=2, run_shares=run_shares)
    with ViewRunner(app, []).db.transaction(commit=False) as tx:
        seen["live"] = _options(tx, view.t("events"))
    assert seen == {"scratch": ["autovacuum_enabled=false"], "live": None}
    assert check(app, view).differences == []


def _options(tx, table: str) -> list[str] | None:
    found = tx.row("SELECT reloptions FROM pg_class WHERE relname = ?", (table,))
    assert found is not None, table
    return found["reloptions"]


def index_columns(runner: ViewRunner, table: str) -> set[tuple[str, ...]]:
    """The column lists of the table's indexes, as the database reports them."""
    with runner.db.transaction(commit=False) as tx:
        if runner.db.is_postgres:
            names = [r["indexname"] for r in tx.rows(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?", (table,))]
            return {tuple(r["attname"] for r in tx.rows(
                "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                " WHERE c.relname = ? ORDER BY array_position(i.indkey::int2[], a.attnum)", (name,)))
                for name in names}
        names = [r["name"] for r in tx.rows(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,))]
        return {tuple(r["name"] for r in tx.rows(f'SELECT name FROM pragma_index_info("{name}") ORDER BY seqno'))
                for name in names}


def test_every_view_has_its_lookup_indexes_after_catching_up_and_after_a_rebuild(make_app):
    """The indexes a view declares (the registry's by district and by street in name order, which the
    gateway's searches read) are made with its tables, and made again over a rebuilt copy."""
    app = make_app()
    load_demo(app)
    views = all_views()
    runner = ViewRunner(app, views)
    runner.catch_up()
    declared = [(view, table, tuple(c.split()[0] for c in columns.split(",")))  # "open DESC": the column open
                for view in views for table, looked_up in view.indexes.items() for columns in looked_up]
    assert any(columns == ("district", "name", "org_id") for _, _, columns in declared)
    for view, table, columns in declared:
        assert columns in index_columns(runner, view.t(table)), (view.name, table, columns)
    for view in views:
        rebuild(app, view)
    for view, table, columns in declared:
        assert columns in index_columns(runner, view.t(table)), ("after a rebuild", view.name, table, columns)
