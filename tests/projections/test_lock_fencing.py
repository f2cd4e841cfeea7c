"""A worker whose lock went stale cannot commit. Each taking of a view's lock takes its next epoch, and a
batch commits only in a transaction that finds its worker's epoch still current
(projections.runtime.db.Fence); the worker then reports standby.

The lock goes stale here the two ways it can: on PostgreSQL its session is terminated (pg_terminate_backend,
as a server crash ends every session) and another worker takes the lock on a new session; on SQLite the lock
file is removed while held, so another worker locks a new file. Both stores go through the same fenced commit.
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

import psycopg
import pytest

from domain.context import Actor, Context
from domain.people import Person
from projections.runtime.db import ViewDatabase
from projections.runtime.rebuild import check
from projections.runtime.worker import ExclusiveLock, ProjectionWorker, is_postgres, postgres_conninfo
from projections.views.registry import CivilAffairsRegistry

CLERK = Actor("sqs-li", "sqs-li", "street_office", "officer")
REGISTRY = CivilAffairsRegistry.name


def file_organizations(app: Any, first: int, n: int) -> None:
    for k in range(first, first + n):
        app.file_community_organization(
            Context(CLERK, "社区社会组织备案", date(2020, 3, 2)), name=f"锁测试志愿服务队{k}",
            person_in_charge=Person("王秀英"), district="yuzhong", street="shangqingsi", community="学田湾")


def make_stale(lock: ExclusiveLock) -> None:
    """End the lock behind its holder's back, as a database crash (or a removed lock file) would."""
    if is_postgres(lock.app):
        assert lock._conn is not None  # noqa: SLF001
        pid = lock._conn.info.backend_pid  # noqa: SLF001
        with psycopg.connect(**postgres_conninfo(lock.app)) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
    else:
        os.remove(lock._path)  # noqa: SLF001


def take_over(worker: ProjectionWorker) -> None:
    """The other worker takes the lock (a terminated session's locks go once its process has ended)."""
    deadline = time.monotonic() + 10
    while not worker.locks[REGISTRY].try_acquire():
        assert time.monotonic() < deadline, "the other worker could not take the stale lock"
        time.sleep(0.05)


def stolen_mid_batch(steal: list[Any]) -> CivilAffairsRegistry:
    """The registry, whose lock another worker takes while its holder works out a batch: ``steal`` holds
    the function that does it, called once, at the next event applied."""
    view = CivilAffairsRegistry()
    apply = view.apply

    def stealing_apply(tx: Any, event: Any, state: Any) -> None:
        while steal:
            steal.pop()()
        apply(tx, event, state)

    view.apply = stealing_apply  # type: ignore[method-assign]
    return view


def workers(make_app: Any, first_view: Any) -> tuple[Any, ProjectionWorker, ProjectionWorker, list[str]]:
    said: list[str] = []
    app = make_app()
    first = ProjectionWorker(make_app(), [first_view], on_change=lambda n, s: said.append(f"first {n}: {s}"))
    second = ProjectionWorker(make_app(), [CivilAffairsRegistry()],
                              on_change=lambda n, s: said.append(f"second {n}: {s}"))
    return app, first, second, said


def test_a_batch_under_a_lock_taken_meanwhile_rolls_back_and_its_worker_stands_by(make_app) -> None:
    """The lock goes stale while the first worker works out a batch: its commit is refused."""
    holder: list[ProjectionWorker] = []

    def steal() -> None:
        make_stale(holder[0].locks[REGISTRY])
        take_over(second)

    stealing: list[Any] = []
    app, first, second, said = workers(make_app, stolen_mid_batch(stealing))
    holder.append(first)
    db = ViewDatabase(app)
    try:
        file_organizations(app, 0, 3)
        first.step()
        assert said == [f"first {REGISTRY}: active"] and db.position(REGISTRY) == app.head_position()
        second.step()
        assert said[-1] == f"second {REGISTRY}: standby"

        before = db.position(REGISTRY)
        file_organizations(app, 3, 3)
        stealing.append(steal)  # the first worker still believes it holds the lock when its batch begins
        first.step()

        assert db.position(REGISTRY) == before  # its batch did not commit
        assert said[-1] == f"first {REGISTRY}: standby" and REGISTRY not in first.processors
        first.step()  # and it stays standing by: the other worker holds the lock now
        assert first.states[REGISTRY] == "standby" and REGISTRY not in first.processors

        second.step()
        assert second.states[REGISTRY] == "active" and db.position(REGISTRY) == app.head_position()
        assert check(app, CivilAffairsRegistry()).differences == []
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
@pytest.mark.parametrize("store_env", ["postgres"], indirect=True)  # a session's advisory lock
def test_a_worker_whose_lock_session_was_terminated_stands_by(make_app) -> None:
    """As after a crash of PostgreSQL: the first worker's step failed (its processors cleared, as run() does),
    its lock's session is gone, and the standby took the lock on the restarted server."""
    app, first, second, said = workers(make_app, CivilAffairsRegistry())
    db = ViewDatabase(app)
    try:
        file_organizations(app, 0, 3)
        first.step()
        second.step()
        make_stale(first.locks[REGISTRY])
        first.processors.clear()  # a step failed on the dead connection
        take_over(second)
        before = db.position(REGISTRY)
        file_organizations(app, 3, 3)

        first.step()

        assert db.position(REGISTRY) == before  # the first worker applied nothing
        assert first.states[REGISTRY] == "standby" and REGISTRY not in first.processors
        second.step()
        assert said[-1] == f"second {REGISTRY}: active" and db.position(REGISTRY) == app.head_position()
        assert check(app, CivilAffairsRegistry()).differences == []
    finally:
        first.close()
        second.close()


def test_each_taking_of_a_lock_has_a_newer_epoch(make_app) -> None:
    app = make_app()
    epochs = []
    for _ in range(3):
        lock = ExclusiveLock(app, "epoch_test")
        assert lock.try_acquire()
        epochs.append(lock.epoch)
        assert lock.try_acquire() and lock.epoch == epochs[-1]  # still held: the same epoch
        lock.release()
        assert lock.epoch is None
    assert epochs == sorted(set(epochs)) and len(epochs) == 3
