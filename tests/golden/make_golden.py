"""Write the golden store of this release: `python -m tests.golden.make_golden` (once per release that
changes what is stored; never rewrite an older one).

It loads the demo into an empty embedded store as `lianjian demo --no-serve` does (views caught up, rules
applied, chain sealed), then keeps what later releases must be able to read:
- ``<release>/events.sqlite``: the library's SQLite event table and the audit chain, as this release wrote
  them (the views, their tracking and the snapshots are derived and left out);
- ``<release>/events.jsonl``: the same stored events (their state as the UTF-8 JSON it is) and chain rows as
  lines of JSON, to be inserted into a
  PostgreSQL store through the library's recorder (tests/test_golden_store.py).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from gateway.cli import _catch_up_and_seal
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import SQLITE_FILE, open_application

HERE = Path(__file__).resolve().parent
KEPT_TABLES = ("stored_events", "audit_chain", "audit_chain_meta")


def make(release: str) -> Path:
    folder = HERE / release
    if folder.exists():
        raise SystemExit(f"{folder} exists: a golden store is written once, never rewritten")
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch))
        application = open_application(settings)
        load_demo(application)
        _catch_up_and_seal(application)
        application.close()
        store = sqlite3.connect(Path(scratch) / SQLITE_FILE)
        tables = [row[0] for row in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            if table not in KEPT_TABLES:
                store.execute(f'DROP TABLE "{table}"')
        store.commit()
        store.execute("VACUUM")
        folder.mkdir(parents=True)
        with open(folder / "events.jsonl", "w", encoding="utf-8") as out:
            for position, originator_id, version, topic, state in store.execute(
                    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"):
                out.write(json.dumps({"event": {"position": position, "originator_id": originator_id,
                                                "originator_version": version, "topic": topic,
                                                "state": state.decode("utf-8")}}, ensure_ascii=False) + "\n")
            columns = ("position", "originator_id", "originator_version", "hash", "prev_hash", "prev_position",
                       "sealed_at")
            for row in store.execute(f"SELECT {', '.join(columns)} FROM audit_chain ORDER BY position"):
                out.write(json.dumps({"chain": dict(zip(columns, row))}) + "\n")
            for name, value in store.execute("SELECT name, value FROM audit_chain_meta ORDER BY name"):
                out.write(json.dumps({"chain_meta": {"name": name, "value": value}}) + "\n")
        store.close()
        shutil.copyfile(Path(scratch) / SQLITE_FILE, folder / "events.sqlite")
    return folder


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "v0.1.0"))
