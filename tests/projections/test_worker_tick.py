"""Production (`lianjian project`, no embedded projections): the worker holding the rules' lock runs the
time-based rules every LIANJIAN_TICK_INTERVAL_SECONDS, and its standby does not, until it takes the lock over.
With the clock moved past a rectification deadline, the overdue fact is recorded once and its alert raised."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from domain.clock import SHANGHAI, clock_set_to
from domain.context import Actor, Context, Department
from domain.people import Person
from projections.runtime import worker as worker_module
from projections.runtime.worker import ProjectionWorker
from projections.views.alerts import AlertsView
from projections.views.catalog import all_views
from projections.runtime.db import ViewDatabase

OFFICERS = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}


def ctx(on: date, by: Department) -> Context:
    return Context(OFFICERS[by], "依法办理", on)


def overdue_rectification(app: Any) -> str:
    """An organization whose rectification was due on 2026-04-30 and never confirmed."""
    org = app.file_community_organization(
        ctx(date(2020, 3, 2), Department.STREET_OFFICE), name="春森腰鼓队", person_in_charge=Person("王秀英"),
        district="yuzhong", street="shangqingsi", community="学田湾").aggregate_id
    case = app.open_inspection(ctx(date(2026, 3, 2), Department.INSPECTION), org, inspectors=["赵检查", "孙检查"],
                               subject="群众投诉").aggregate_id
    app.record_inspection_findings(ctx(date(2026, 3, 3), Department.INSPECTION), case, findings="账目不清",
                                   problems_found=True)
    app.order_rectification(ctx(date(2026, 3, 4), Department.INSPECTION), case, requirements="建立账册",
                            deadline=date(2026, 4, 30))
    return case


def overdue_facts(app: Any, case: str) -> list[Any]:
    return [e for e in app.recorded_events()
            if e.aggregate_id == case and e.type == "InspectionCase.RectificationOverdue"]


def test_only_the_rules_holder_ticks_and_a_moved_clock_makes_the_deadline_pass(make_app, monkeypatch) -> None:
    app = make_app()
    case = overdue_rectification(app)
    ticks: list[tuple[str, date]] = []
    real_tick = worker_module.tick

    def counted(worker: str) -> Any:
        def tick(application: Any, today: date) -> Any:
            ticks.append((worker, today))
            return real_tick(application, today)
        return tick

    active = ProjectionWorker(make_app(), all_views(), with_rules=True, tick_interval=3600)
    standby = ProjectionWorker(make_app(), all_views(), with_rules=True, tick_interval=3600)
    try:
        with clock_set_to(lambda: datetime.combine(date(2026, 5, 1), time(9), tzinfo=SHANGHAI)):
            monkeypatch.setattr(worker_module, "tick", counted("active"))
            active.run_until_idle()
            monkeypatch.setattr(worker_module, "tick", counted("standby"))
            standby.run_until_idle()
            monkeypatch.setattr(worker_module, "tick", counted("active"))
            active.run_until_idle()  # within the interval: no second tick

            assert ticks == [("active", date(2026, 5, 1))]
            assert app.inspection_case(case).rectification == "overdue"
            overdue = overdue_facts(app, case)
            assert len(overdue) == 1 and overdue[0].ctx.actor.username == "lianjian-rules"
            with ViewDatabase(app).transaction(commit=False) as tx:
                alerts = tx.rows(f"SELECT rule FROM {AlertsView().t('alerts')} WHERE rule = 'rectification_overdue'")
            assert len(alerts) == 1  # the stream rules raised its alert, and the views show it

            active.close()  # the active worker stops: its standby takes the rules over, and ticks
            monkeypatch.setattr(worker_module, "tick", counted("standby"))
            standby.run_until_idle()
        assert ticks[1:] == [("standby", date(2026, 5, 1))]
        assert len(overdue_facts(app, case)) == 1
    finally:
        active.close()
        standby.close()
