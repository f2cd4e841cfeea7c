"""Dropping a view's tables on SQLite does not zero the freed pages first (the SQLite here is built with
secure_delete on): a view's rows are derived from the log, which keeps every event, and zeroing the
largest view's pages wrote it to the WAL a second time (2.7 s to drop, 2.0 s to commit, on the city). The
connection goes back to the pool with its own setting."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from domain.application import Supervision
from projections.runtime.db import ViewDatabase

ROWS = 2_000  # about 2 MB of rows: 500 pages of 4 KiB


pytestmark = pytest.mark.parametrize("store_env", ["sqlite"], indirect=True)  # PostgreSQL drops by unlinking


@pytest.fixture
def app(make_app) -> Supervision:  # noqa: ANN001
    return make_app()


def _filled(db: ViewDatabase, table: str) -> None:
    with db.transaction() as tx:
        tx.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, body TEXT)")
        for i in range(ROWS):
            tx.execute(f"INSERT INTO {table} (id, body) VALUES (?, ?)", (i, f"{i:08d}" * 128))


def _wal_bytes_written_by(db: ViewDatabase, wal: Path, drop) -> int:  # noqa: ANN001
    with closing(sqlite3.connect(wal.with_name(wal.name.removesuffix("-wal")))) as connection:
        assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
    assert wal.stat().st_size == 0
    with db.transaction() as tx:
        drop(tx)
    return wal.stat().st_size


def _setting(db: ViewDatabase) -> int:
    with db.transaction(commit=False) as tx:
        found = tx.row("PRAGMA secure_delete")
    assert found is not None
    return int(found["secure_delete"])


def test_a_dropped_view_is_not_written_again_as_zeros(app: Supervision, tmp_path: Path) -> None:
    db = ViewDatabase(app)
    wal = tmp_path / "events.sqlite-wal"
    _filled(db, "zeroed")
    _filled(db, "dropped")

    def zeroing(tx) -> None:  # noqa: ANN001 - SQLite's own DROP with secure_delete on
        tx.execute("PRAGMA secure_delete = ON")
        tx.execute("DROP TABLE zeroed")
        tx.execute(f"PRAGMA secure_delete = {before}")

    before = _setting(db)
    zeroed = _wal_bytes_written_by(db, wal, zeroing)
    dropped = _wal_bytes_written_by(db, wal, lambda tx: tx.drop("dropped"))
    assert zeroed > ROWS * 1024  # the table's pages, written again
    assert dropped < zeroed / 10, (dropped, zeroed)


def test_the_connection_keeps_its_own_setting(app: Supervision) -> None:
    db = ViewDatabase(app)
    with db.transaction() as tx:
        tx.execute("PRAGMA secure_delete = ON")
    _filled(db, "first")
    _filled(db, "second")
    with db.transaction() as tx:
        tx.drop("first")
    assert _setting(db) == 1

    class Failed(Exception):
        pass

    with pytest.raises(Failed), db.transaction() as tx:
        tx.drop("second")
        raise Failed
    assert _setting(db) == 1
    with db.transaction(commit=False) as tx:
        assert tx.row("SELECT name FROM sqlite_master WHERE name = 'second'") is not None  # rolled back
