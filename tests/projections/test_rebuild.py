"""Rebuilding a view swaps in a fresh copy, indexes and all, as often as asked, on both stores."""

from __future__ import annotations

from gateway.demo import load_demo
from projections.catalog import all_views
from projections.rebuild import check, rebuild
from projections.runner import ViewRunner


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
