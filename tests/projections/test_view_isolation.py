"""A runner whose batch fails finds the event and the view: that view stops exactly before the event (its rows
equal a replay of the log up to there, nothing of the events after it), the others apply the whole batch;
exactly once either way. A failed view tried again on its own resumes once it can apply the event and then
equals its rebuild. Where failures are not isolated (a rebuild), the failure is raised, naming the view."""

from __future__ import annotations

from datetime import date

import pytest

from domain.application import Supervision
from projections.runtime import failures
from projections.runtime.rebuild import check
from projections.runtime.runner import ViewFailed, ViewRunner
from projections.views.catalog import all_views
from projections.views.registry import CivilAffairsRegistry
from tests.domain.conftest import Story

MARKER = "故障标记"
REGISTRY = CivilAffairsRegistry.name


@pytest.fixture
def failing_registry(monkeypatch):  # noqa: ANN201
    """The registry cannot apply an event naming MARKER (a handler's bug); ``mend()`` deploys the fix."""
    original = CivilAffairsRegistry.apply

    def apply(self, tx, event, state):  # noqa: ANN001, ANN202
        if MARKER in str(event.data.get("name", "")):
            raise KeyError(f"no column for {MARKER}")
        return original(self, tx, event, state)

    monkeypatch.setattr(CivilAffairsRegistry, "apply", apply)
    return lambda: monkeypatch.setattr(CivilAffairsRegistry, "apply", original)


def history(story: Story) -> tuple[list[str], int]:
    """Organizations, one of them named with MARKER, then changes to the others after it; its position."""
    app = story.app
    orgs = [story.register(name=f"重庆市渝中区隔离测试协会{i}") for i in range(4)]
    bad = story.register(name=f"重庆市渝中区{MARKER}协会")
    position = app.head_position() - 2  # the organization's own event: its name index and code index follow
    assert app.read_events(position, 1)[0].aggregate_id == bad
    for i, org in enumerate(orgs):  # renamed after it: none of this may reach the stopped view
        app.change_registration(story.ctx(date(2021, 1, 1)), org, name=f"重庆市渝中区改名协会{i}")
    return orgs, position


def test_the_failed_view_stops_exactly_before_the_event_and_the_others_go_on(make_app, failing_registry) -> None:
    app = make_app()
    orgs, bad = history(Story(app))
    runner = ViewRunner(app, all_views(), isolate=True, retry_interval=3600)  # one batch for the whole log
    runner.catch_up()
    head = app.head_position()
    assert runner.positions[REGISTRY] == bad - 1
    assert all(position == head for name, position in runner.positions.items() if name != REGISTRY)
    [failure] = runner.failures()
    assert (failure.view, failure.position, failure.event_type) == (REGISTRY, bad, "Organization.Registered")
    assert MARKER in failure.error and failures.current(runner.db, [REGISTRY]) == [failure]
    registry = next(view for view in all_views() if view.name == REGISTRY)
    assert not check(app, registry).differences  # its rows are the log's up to the event before, no more
    assert runner.catch_up() == 0  # not due yet: nothing read again


def test_a_failed_view_resumes_on_its_own_once_mended_and_equals_its_rebuild(make_app, failing_registry) -> None:
    app = make_app()
    story = Story(app)
    history(story)
    runner = ViewRunner(app, all_views(), isolate=True, retry_interval=0)
    runner.catch_up()
    assert runner.failures()
    runner.catch_up()  # tried again at once: still failing, and the others still current
    assert runner.failures() and runner.positions["public_disclosure"] == app.head_position()
    failing_registry()  # the fix, deployed
    story.register(name="重庆市渝中区修复后协会")
    runner.catch_up()
    assert not runner.failures() and not failures.current(runner.db, [REGISTRY])
    assert set(runner.positions.values()) == {app.head_position()}
    for view in all_views():
        assert not check(app, view).differences, view.name


def test_a_new_runner_takes_up_a_recorded_failure_and_tries_it_at_once(make_app, failing_registry) -> None:
    app = make_app()
    _, bad = history(Story(app))
    ViewRunner(app, all_views(), isolate=True).catch_up()
    failing_registry()
    restarted = ViewRunner(app, all_views(), isolate=True)  # a server started again with new code
    assert [f.position for f in restarted.failures()] == [bad]
    restarted.catch_up()
    assert not restarted.failures() and restarted.positions[REGISTRY] == app.head_position()


def test_a_rebuild_raises_naming_the_view_and_the_event(make_app, failing_registry) -> None:
    app = make_app()
    _, bad = history(Story(app))
    with pytest.raises(ViewFailed, match=rf"{REGISTRY} stopped at event {bad} \(Organization.Registered .*{MARKER}"):
        ViewRunner(app, all_views()).catch_up()


def test_a_failing_processor_stops_no_other_and_is_not_made_again_before_its_backoff(make_app, monkeypatch) -> None:
    """The views, the rules and the sealer each catch up apart: one failing stops none of the others, and it is
    made again (the rules re-read the whole log to do so) only when its backoff allows, not at every step."""
    from eventsourcing.persistence import OperationalError

    from projections.audit.sealer import SEALER_NAME, SealingWorker
    from projections.rules.joint import RULES_NAME, JointSupervisionRules

    app = make_app()
    Story(app).register()
    made: list[str] = []
    monkeypatch.setattr(ViewRunner, "catch_up", lambda self, until=None: (_ for _ in ()).throw(
        OperationalError("the views' database is gone")))
    rules_init = JointSupervisionRules.__init__

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        made.append("rules")
        rules_init(self, *args, **kwargs)

    monkeypatch.setattr(JointSupervisionRules, "__init__", counted)
    worker = SealingWorker(app, all_views(), with_rules=True, poll_interval=3600)
    try:
        with pytest.raises(OperationalError):
            worker.step()
        head = app.head_position()
        assert worker.position(RULES_NAME) == head and worker.position(SEALER_NAME) == head
        worker.step()  # the views' runner is not made again yet, so nothing fails; the rules are kept
        assert made == ["rules"]
        assert worker.position("civil_affairs_registry") is None  # dropped, waiting for its backoff
    finally:
        worker.close()
