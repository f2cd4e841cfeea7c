"""A runner loads the aggregate states a batch continues before its transaction, never inside it: inside, on
SQLite, the transaction holds the store's one writer connection, and a second connection from the library's
pool (served in turn) could wait on a command that waits for the writer, both for the pool's timeout."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from domain.context import Actor, Context
from gateway.demo import load_demo
from projections.views.catalog import all_views
from projections.runtime.rebuild import check
from projections.runtime.runner import ViewRunner

PARTY = Actor("party-liu", "party-liu", "party_building", "officer")


def test_a_runner_with_empty_states_loads_them_before_its_transaction(make_app, monkeypatch) -> None:
    app = make_app()
    load_demo(app)
    ViewRunner(app, all_views()).catch_up()
    org_ids = [i for i in app.organization_ids() if app.organization(i).is_active][:5]
    for n, org_id in enumerate(org_ids * 2):  # organizations with histories, each changed twice
        app.count_party_members(Context(PARTY, "测试", date(2026, 11, 20)), org_id, members=n)

    runner = ViewRunner(app, all_views())  # a server just started: no states held
    inside = [False]
    loads: list[bool] = []  # for each aggregate loaded: was a transaction of the runner's open?
    begin, load = runner.db.transaction, app.repository.get

    @contextmanager
    def transaction(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with begin(*args, **kwargs) as tx:
            inside[0] = True
            try:
                yield tx
            finally:
                inside[0] = False

    def get(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        loads.append(inside[0])
        return load(*args, **kwargs)

    monkeypatch.setattr(runner.db, "transaction", transaction)
    monkeypatch.setattr(app.repository, "get", get)
    runner.catch_up()
    assert len(loads) >= len(org_ids) and not any(loads), loads
    monkeypatch.undo()
    for view in all_views():
        assert check(app, view).differences == [], view.name
