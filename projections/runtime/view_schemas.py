"""The shape each view's tables were built in. A release that changes a view's tables (a column, a table, an
index, the rows' keys) would otherwise meet tables of the old shape, or new tables empty of the past: the view
is rebuilt from the log once, by the process that holds it, before it applies another event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from domain.application import Supervision
from projections.runtime.db import Tx, ViewDatabase, table_exists
from projections.views.base import View

SCHEMAS = "lianjian_view_schemas"
SCHEMAS_TABLE = f"CREATE TABLE IF NOT EXISTS {SCHEMAS} (view TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)"


def fingerprint(view: View) -> str:
    """What the view's tables are declared as: a change of any of it is a change of shape."""
    declared = {"tables": view.tables, "keys": view.keys, "indexes": view.indexes}
    return hashlib.sha256(json.dumps(declared, sort_keys=True, default=list).encode()).hexdigest()[:32]


def record(tx: Tx, view: View) -> None:
    """The view's tables are now of its declared shape (made empty, or rebuilt)."""
    tx.execute(SCHEMAS_TABLE)
    tx.execute(f"INSERT INTO {SCHEMAS} (view, fingerprint) VALUES (?, ?)"
               " ON CONFLICT (view) DO UPDATE SET fingerprint = EXCLUDED.fingerprint",
               (view.tracking_name, fingerprint(view)))


def made(tx: Tx, db: ViewDatabase, view: View) -> None:
    """Make a live view's tables; a view whose tables are made here is of its declared shape. Tables that
    were there already keep the shape recorded for them, or none (a store from before fingerprints)."""
    new = view.prefix == "" and not table_exists(tx, db, view.t(next(iter(view.tables))))
    view.create(tx)
    if new:
        tx.execute(SCHEMAS_TABLE)
        tx.execute(f"INSERT INTO {SCHEMAS} (view, fingerprint) VALUES (?, ?) ON CONFLICT (view) DO NOTHING",
                   (view.tracking_name, fingerprint(view)))


def outdated(app: Supervision, views: Sequence[View]) -> list[View]:
    """The views whose tables hold rows built to another shape: recorded with another fingerprint, or with none
    though they have applied events (built by a release from before fingerprints). Views that have applied
    nothing are recorded as they are."""
    db = ViewDatabase(app)
    applied = {view.tracking_name: db.position(view.tracking_name) for view in views}
    with db.schema() as tx:
        tx.execute(SCHEMAS_TABLE)
        known = {row["view"]: row["fingerprint"] for row in tx.rows(f"SELECT view, fingerprint FROM {SCHEMAS}")}
        stale = []
        for view in views:
            if known.get(view.tracking_name) == fingerprint(view):
                continue
            if view.tracking_name in known or applied[view.tracking_name] > 0:
                stale.append(view)
            else:
                record(tx, view)
    return stale


def bring_up_to_date(app: Supervision, views: Sequence[View]) -> list[str]:
    """Rebuild the views built to another shape (the caller holds their locks); their names."""
    from projections.runtime.rebuild import rebuild  # rebuild records the new shape when it swaps in

    stale = outdated(app, views)
    if stale:
        rebuild(app, stale)
    return [view.name for view in stale]
