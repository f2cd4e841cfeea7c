"""Rebuild a view from the log, and check a live view against a rebuild, row by row."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.application import Supervision
from projections.runtime.collector import collector_paused
from projections.runtime import view_schemas
from projections.runtime.runner import ViewRunner
from projections.runtime.shares import Share
from projections.views.base import View

SCRATCH = "scratch_"
# Events a rebuild applies per transaction (a share: of its own). Larger than a worker's batch: an
# organization's row is written once a batch, however many of its events the batch holds, and the
# fixed cost of each batch (its queries, its commit) is spread wider. On the city (895,056 events,
# --jobs 2) 25,000 took PostgreSQL from 55-63 s to 48-50 s and SQLite from 60-69 s to 53-55 s, for
# about 75 MB more memory a process. On SQLite a share's transaction holds the write lock that
# commands wait for about 0.4 s (0.16 s at 10,000): fair for a rebuild, not for a worker that runs
# beside the commands all day, which keeps BATCH_SIZE.
REBUILD_BATCH = 25_000


@dataclass
class Difference:
    view: str
    table: str
    key: str
    live: dict[str, Any] | None
    rebuilt: dict[str, Any] | None

    def __str__(self) -> str:
        if self.live is None:
            return f"{self.view}.{self.table} [{self.key}]: missing from the live view"
        if self.rebuilt is None:
            return f"{self.view}.{self.table} [{self.key}]: in the live view but not in the log"
        changed = {k: (self.live.get(k), v) for k, v in self.rebuilt.items() if self.live.get(k) != v}
        return f"{self.view}.{self.table} [{self.key}]: " + ", ".join(
            f"{k} live={a!r} rebuilt={b!r}" for k, (a, b) in changed.items()
        )


@dataclass
class CheckResult:
    view: str
    position: int
    differences: list[Difference] = field(default_factory=list)


RunShares = Callable[[list[str], int, int], None]


def rebuild(app: Supervision, live: View | Sequence[View], jobs: int = 1, run_shares: RunShares | None = None) -> int:
    """Build the views anew in a scratch area, in one pass over the log, then swap each in with its
    position in one transaction.

    With ``jobs`` > 1, ``run_shares(view names, jobs, position)`` runs that many processes side by
    side, each calling ``rebuild_share`` for one share of the organizations, and returns when all
    have finished (raising if any failed: the live views are then as they were).
    The caller holds the views' exclusive locks, so no worker applies events to them meanwhile.
    Returns the position the rebuilt views have reached.
    """
    lives = [live] if isinstance(live, View) else list(live)
    scratches = [scratch_of(view) for view in lives]
    shares = [Share(i, jobs, app.mapper.to_domain_event) for i in range(jobs)] if jobs > 1 else []
    runner = _fresh(app, scratches, shares)
    until = app.head_position()
    if shares:
        if run_shares is None:
            raise ValueError("a rebuild in shares needs a way to run them")
        run_shares([view.name for view in lives], jobs, until)
        for scratch in scratches:
            reached = {runner.db.position(share.tracked_as(scratch.tracking_name)) for share in shares}
            if until and reached != {until}:
                raise RuntimeError(f"{scratch.name}: the shares reached {sorted(reached)}, not {until}")
        position = until
    else:
        with collector_paused():
            runner.catch_up(until=until)
        position = min(runner.positions[scratch.tracking_name] for scratch in scratches)
    db = runner.db
    with db.transaction() as tx:
        for view, scratch in zip(lives, scratches, strict=True):
            _swap_in(tx, db, view, scratch, position, shares)
    return position


def rebuild_share(app: Supervision, live: Sequence[View], index: int, count: int, until: int) -> int:
    """One process's part of a rebuild side by side: share ``index`` of ``count`` of the organizations,
    applied to the scratch views up to ``until``. Returns how many events it applied."""
    scratches = [scratch_of(view) for view in live]
    share = Share(index, count, app.mapper.to_domain_event)
    # A share keeps about 1/count of what it reads: it reads count times as many, for full batches.
    runner = ViewRunner(app, scratches, batch_size=REBUILD_BATCH * count, share=share)
    try:
        with collector_paused():
            return runner.catch_up(until=until)
    finally:
        runner.close()


def scratch_of(live: View) -> View:
    """The view's copy in the scratch area, without its lookup indexes: they are made once over the
    whole table when it is swapped in (cheaper than keeping them row by row), its key meanwhile.
    On PostgreSQL without autovacuum until then: it vacuumed the tables half filled, taking CPU from the
    rebuild, and the swap's renames waited a second (deadlock_timeout) for it to be cancelled."""
    scratch = type(live)(prefix=SCRATCH + live.prefix)
    scratch.indexes = {}  # type: ignore[misc]
    scratch.autovacuum = False
    return scratch


def _swap_in(tx: Any, db: Any, live: View, scratch: View, position: int, shares: Sequence[Share] = ()) -> None:
    live.drop(tx)
    for table in live.tables:
        tx.execute(f"ALTER TABLE {scratch.t(table)} RENAME TO {live.t(table)}")
        tx.enable_autovacuum(live.t(table))  # it analyzes the new rows soon after: they are all new to it
        if db.is_postgres:
            _rename_indexes(tx, live.t(table), scratch.prefix, live.prefix)
        else:  # SQLite keeps an index's name across a table's rename and cannot rename it: drop it
            for row in tx.rows("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                               " AND sql IS NOT NULL", (live.t(table),)):
                if row["name"].startswith(scratch.prefix):
                    tx.execute(f'DROP INDEX "{row["name"]}"')
    live.create(tx)  # the live view's own indexes, under its own names
    db.forget_position(tx, live.tracking_name)
    db.forget_position(tx, scratch.tracking_name)
    for share in shares:
        db.forget_position(tx, share.tracked_as(scratch.tracking_name))
    if position:
        tx.track(live.tracking_name, position)
    view_schemas.record(tx, live)  # rebuilt to the shape it is declared in now


def check(app: Supervision, live: View, attempts: int = 5) -> CheckResult:
    """Rebuild into a scratch area up to the live view's position and compare every row."""
    scratch = scratch_of(live)
    runner = _fresh(app, scratch)
    db = runner.db
    for _ in range(attempts):
        position = db.position(live.tracking_name)
        runner.catch_up(until=position)
        with db.transaction(commit=False) as tx:
            if db_position(tx, db, live.tracking_name) != position:
                continue  # the live view moved on while we rebuilt: try again at its new position
            live_rows = live.dump(tx)
            rebuilt_rows = scratch.dump(tx)
        break
    else:
        raise RuntimeError(f"{live.name} kept moving; stop its worker or try again")
    with db.transaction() as tx:
        scratch.drop(tx)
        db.forget_position(tx, scratch.tracking_name)
    result = CheckResult(live.name, position)
    for table in live.tables:
        result.differences += _compare(live, table, live_rows[table], rebuilt_rows[table])
    return result


def _rename_indexes(tx: Any, table: str, old_prefix: str, new_prefix: str) -> None:
    # PostgreSQL keeps an index's name when its table is renamed; the next scratch build would collide.
    for row in tx.rows(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?", (table,)
    ):
        name = row["indexname"]
        if name.startswith(old_prefix):
            tx.execute(f'ALTER INDEX "{name}" RENAME TO "{new_prefix + name[len(old_prefix):]}"')


def db_position(tx: Any, db: Any, name: str) -> int:
    found = tx.row(f"SELECT notification_id FROM {db.tracking_table} WHERE application_name = ?", (name,))
    return int(found["notification_id"]) if found and found["notification_id"] is not None else 0


def _fresh(app: Supervision, scratch: View | Sequence[View], shares: Sequence[Share] = ()) -> ViewRunner:
    scratches = [scratch] if isinstance(scratch, View) else list(scratch)
    runner = ViewRunner(app, [])
    with runner.db.transaction() as tx:
        for view in scratches:
            view.drop(tx)
            runner.db.forget_position(tx, view.tracking_name)
            for share in shares:
                runner.db.forget_position(tx, share.tracked_as(view.tracking_name))
    return ViewRunner(app, scratches, batch_size=REBUILD_BATCH)


def _compare(view: View, table: str, live: list[dict[str, Any]], rebuilt: list[dict[str, Any]]) -> list[Difference]:
    key_columns = [c.strip() for c in view.keys[table].split(",")]

    def key(row: dict[str, Any]) -> str:
        return "/".join(str(row[c]) for c in key_columns)

    json_columns = view.json_columns.get(table, ())

    def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
        if a == b or a is None or b is None or not json_columns:
            return a == b
        return all(a.get(c) == b.get(c) or (c in json_columns and _json_value(a.get(c)) == _json_value(b.get(c)))
                   for c in a.keys() | b.keys())

    live_by_key = {key(r): r for r in live}
    rebuilt_by_key = {key(r): r for r in rebuilt}
    differences = []
    for k in sorted(set(live_by_key) | set(rebuilt_by_key)):
        a, b = live_by_key.get(k), rebuilt_by_key.get(k)
        if not same(a, b):
            differences.append(Difference(view.name, table, k, a, b))
    return differences


def _json_value(text: Any) -> Any:
    """A JSON column's value; text that is not JSON stands for itself (and so still differs)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return ("not JSON", text)
