"""The hash chain on SQLite and PostgreSQL: each kind of tampering with the stored events is found at its
exact position; unsealed events are reported apart; a chain sealed while four writers write verifies;
a gap left by a rolled-back insert is never sealed over too early; SM3 is selectable; signed checkpoints
expose a chain rewritten from scratch."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from domain.application import Supervision
from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import ConcurrentUpdate
from domain.people import Person
from gateway.storage import postgres_env
from projections.audit.chain import CHAIN_TABLE, GENESIS, ChainError, entry_bytes
from projections.audit.sealer import SEALER_NAME, ChainSealer, SealingWorker
from projections.audit.verify import verify
from projections.audit.checkpoints import Checkpoint, load_signing_key, write_checkpoint
from projections.runtime.db import ViewDatabase
from projections.runtime.worker import postgres_conninfo

OFFICER = Actor("ca-1", "民政干部", Department.CIVIL_AFFAIRS, "officer")


def ctx() -> Context:
    return Context(OFFICER, "依法办理", date(2024, 3, 1), "渝中民发〔2024〕3号")


def register(app: Supervision, serial: int) -> str:
    """Three events: the organization, its credit code index and its name index."""
    return app.register_organization(
        ctx(), name=f"测试社会组织{serial}", kind="social_group",
        credit_code=make_credit_code("social_group", "500103", serial), domicile="渝中区人民路1号",
        purpose="服务社区", business_scope="社会服务", legal_representative=Person("张三"),
        funds=Decimal("30000"), district="yuzhong", street="shangqingsi",
    ).aggregate_id


def store(app: Supervision, organizations: int = 4) -> list[str]:
    ids = [register(app, n + 1) for n in range(organizations)]
    for org_id in ids:
        app.count_party_members(ctx(), org_id, members=2)
    return ids


def sealed(app: Supervision, **options) -> ChainSealer:
    sealer = ChainSealer(app, **options)
    sealer.catch_up()
    return sealer


class Raw:
    """Tampering as someone with database access would do it: SQL on the events table."""

    def __init__(self, app: Supervision) -> None:
        self.db = ViewDatabase(app)
        self.table = self.db.events_table
        self.col = "notification_id" if self.db.is_postgres else "rowid"

    def run(self, *statements: tuple[str, tuple]) -> None:
        with self.db.transaction() as tx:
            for sql, params in statements:
                tx.execute(sql, params)

    def row(self, position: int) -> dict:
        with self.db.transaction(commit=False) as tx:
            return tx.row(f"SELECT originator_id, originator_version, topic, state FROM {self.table}"
                          f" WHERE {self.col} = ?", (position,))

    def positions(self) -> list[int]:
        with self.db.transaction(commit=False) as tx:
            return [r["p"] for r in tx.rows(f"SELECT {self.col} AS p FROM {self.table} ORDER BY {self.col}")]

    def set_state(self, position: int, state: bytes) -> None:
        self.run((f"UPDATE {self.table} SET state = ? WHERE {self.col} = ?", (state, position)))

    def delete(self, position: int) -> None:
        self.run((f"DELETE FROM {self.table} WHERE {self.col} = ?", (position,)))

    def swap(self, a: int, b: int) -> None:
        self.run(
            (f"UPDATE {self.table} SET {self.col} = -1 WHERE {self.col} = ?", (a,)),
            (f"UPDATE {self.table} SET {self.col} = ? WHERE {self.col} = ?", (a, b)),
            (f"UPDATE {self.table} SET {self.col} = ? WHERE {self.col} = -1", (b,)),
        )

    def forged_copy(self, of: int) -> tuple:
        """A well-formed event row (a copy of another) under an id no one ever recorded."""
        found = self.row(of)
        new_id = uuid.uuid4()
        return (new_id if self.db.is_postgres else new_id.hex, found["originator_version"], found["topic"],
                bytes(found["state"]))

    def insert_at(self, position: int, values: tuple) -> None:
        self.run((f"INSERT INTO {self.table} ({self.col}, originator_id, originator_version, topic, state)"
                  " VALUES (?, ?, ?, ?, ?)", (position, *values)))

    def insert_shifting(self, position: int, values: tuple) -> None:
        """Insert in the middle: renumber every later event one up, then put the forged one in the hole."""
        self.run(
            (f"UPDATE {self.table} SET {self.col} = -({self.col} + 1) WHERE {self.col} >= ?", (position,)),
            (f"UPDATE {self.table} SET {self.col} = -{self.col} WHERE {self.col} < 0", ()),
        )
        self.insert_at(position, values)


def test_an_untouched_store_verifies_and_every_event_is_checked(make_app):
    app = make_app()
    store(app)
    sealed(app)
    report = verify(app)
    assert report.intact, report.findings
    assert report.algorithm == "sha256"
    assert report.checked == report.sealed_head == app.head_position() == 16
    assert report.unsealed == 0


def test_changed_bytes_are_found_at_their_position(make_app):
    app = make_app()
    store(app)
    sealed(app)
    raw = Raw(app)
    target = 4  # the second organization's registration
    state = bytes(raw.row(target)["state"])
    assert b"shangqingsi" in state
    raw.set_state(target, state.replace(b"shangqingsi", b"hualongqiao"))  # still valid JSON, same length
    report = verify(app)
    assert not report.intact
    assert report.total_findings == 1
    assert (report.first.kind, report.first.position) == ("altered", target)


def test_a_deleted_event_is_found_at_its_position(make_app):
    app = make_app()
    store(app)
    sealed(app)
    Raw(app).delete(7)
    report = verify(app)
    assert [(f.kind, f.position) for f in report.findings] == [("removed", 7)]


def test_two_swapped_events_are_found_at_the_first(make_app):
    app = make_app()
    store(app)
    sealed(app)
    Raw(app).swap(5, 11)
    report = verify(app)
    assert (report.first.kind, report.first.position) == ("reordered", 5)
    assert [(f.kind, f.position) for f in report.findings] == [("reordered", 5), ("reordered", 11)]
    assert "sealed at #11" in report.first.detail


def test_an_event_inserted_in_the_middle_is_found_at_its_position(make_app):
    app = make_app()
    store(app)
    sealed(app)
    raw = Raw(app)
    raw.insert_shifting(6, raw.forged_copy(of=6))
    report = verify(app)
    assert (report.first.kind, report.first.position) == ("inserted", 6)
    assert "never sealed" in report.first.detail
    # Every later event now stands one place off its seal.
    assert {f.kind for f in report.findings[1:]} == {"reordered"}


def test_events_written_after_sealing_are_unsealed_not_tampered(make_app):
    app = make_app()
    store(app, organizations=2)
    sealed(app)
    head = app.head_position()
    register(app, 99)
    report = verify(app)
    assert report.intact
    assert (report.unsealed, report.first_unsealed) == (3, head + 1)
    assert report.checked == head


def test_a_store_without_a_chain_reports_everything_unsealed(make_app):
    app = make_app()
    store(app, organizations=1)
    report = verify(app)
    assert report.intact and report.algorithm is None
    assert report.unsealed == app.head_position()


def test_edited_and_removed_chain_entries_are_named(make_app):
    app = make_app()
    store(app)
    sealed(app)
    db = ViewDatabase(app)
    with db.transaction() as tx:
        tx.execute(f"DELETE FROM {CHAIN_TABLE} WHERE position IN (9, 10)")
        tx.execute(f"UPDATE {CHAIN_TABLE} SET hash = ? WHERE position = 3", ("00" * 32,))
    found = [(f.kind, f.position) for f in verify(app).findings]
    # Entry 3 no longer hashes its event, and entry 4 no longer follows it; 9 and 10 are gone from the chain.
    assert found == [("altered", 3), ("rewritten", 3), ("rewritten", 9)]


def test_sm3_is_selectable_and_the_documented_format_recomputes_the_chain(make_app):
    app = make_app()
    store(app, organizations=2)
    sealed(app, algorithm="sm3")
    report = verify(app)
    assert report.intact and report.algorithm == "sm3" and report.checked == 8
    # An outside re-implementation of docs/audit.md: hash = SM3(entry || previous hash).
    previous = GENESIS
    db = ViewDatabase(app)
    with db.transaction(commit=False) as tx:
        chain = tx.rows(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position")
    for n, row in zip(app.recorder.select_notifications(1, 100), chain, strict=True):
        oid, topic = str(n.originator_id).encode(), n.topic.encode()
        entry = (n.id.to_bytes(8, "big") + len(oid).to_bytes(4, "big") + oid
                 + n.originator_version.to_bytes(8, "big") + len(topic).to_bytes(4, "big") + topic
                 + len(n.state).to_bytes(8, "big") + n.state)
        assert entry == entry_bytes(n.id, n.originator_id, n.originator_version, n.topic, n.state)
        previous = hashlib.new("sm3", entry + previous).digest()
        assert row["hash"] == previous.hex()
    # The chain keeps its algorithm.
    with pytest.raises(ChainError, match="sealed with sm3"):
        ChainSealer(app, algorithm="sha256")
    with pytest.raises(ChainError, match="unknown hash algorithm"):
        ChainSealer(make_app(), algorithm="md5")


def test_a_checkpoint_verifies_and_exposes_a_chain_rewritten_from_scratch(make_app, tmp_path):
    app = make_app()
    store(app)
    sealed(app)
    key = load_signing_key(tmp_path / "key.pem", create=True)
    kept = Checkpoint.from_json(write_checkpoint(app, key).to_json())  # what the auditor keeps
    assert kept.signature_valid() and kept.position == 16
    assert verify(app, checkpoint=kept).intact

    # Someone alters an event, then rebuilds the whole chain (and removes the stored checkpoints).
    raw = Raw(app)
    raw.set_state(4, bytes(raw.row(4)["state"]).replace(b"shangqingsi", b"hualongqiao"))
    db = ViewDatabase(app)
    with db.transaction() as tx:
        tx.execute(f"DELETE FROM {CHAIN_TABLE}")
        tx.execute("DELETE FROM audit_checkpoints")
    sealed(app)
    assert verify(app).intact  # consistent in itself…
    report = verify(app, checkpoint=kept)  # …but not with what the auditor kept
    assert [(f.kind, f.position) for f in report.findings] == [("checkpoint", 16)]
    assert "rewritten" in report.first.detail

    forged = Checkpoint(**{**json.loads(kept.to_json()), "hash": "ab" * 32})
    assert not forged.signature_valid()
    assert "signature" in verify(app, checkpoint=forged).first.detail
    assert "not the expected one" in verify(app, checkpoint=kept, public_key="00" * 32).first.detail


def test_stored_checkpoints_expose_a_rewritten_chain(make_app, tmp_path):
    app = make_app()
    store(app)
    sealed(app)
    write_checkpoint(app, load_signing_key(tmp_path / "key.pem", create=True))
    raw = Raw(app)
    raw.set_state(2, bytes(raw.row(2)["state"]) + b" ")
    with ViewDatabase(app).transaction() as tx:
        tx.execute(f"DELETE FROM {CHAIN_TABLE}")
    sealed(app)
    report = verify(app)
    assert [(f.kind, f.position) for f in report.findings] == [("checkpoint", 16)]


def test_a_sealer_worker_seals_each_event_within_a_second(make_app):
    app = make_app()
    worker = SealingWorker(app, poll_interval=0.1, on_change=lambda *_: None)
    worker.step()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    windows = []
    try:
        for n in range(5):
            position = app.count_party_members(ctx(), register(app, n + 1), members=1).position
            written = time.perf_counter()
            while (worker.position(SEALER_NAME) or 0) < position:
                assert time.perf_counter() - written < 1.0, "not sealed within a second"
                time.sleep(0.005)
            windows.append(time.perf_counter() - written)
    finally:
        worker.stop()
        thread.join(timeout=10)
        worker.close()
    assert max(windows) < 1.0
    assert verify(app).intact


def test_a_chain_sealed_while_four_writers_write_verifies(make_app):
    writers = [make_app() for _ in range(4)]
    app = make_app()
    shared = register(app, 1000)  # all writers also change this one: conflicts roll back, leaving gaps
    worker = SealingWorker(app, poll_interval=0.05, on_change=lambda *_: None, batch_size=7)
    worker.step()
    sealing = threading.Thread(target=worker.run, daemon=True)
    sealing.start()
    errors: list[BaseException] = []

    def write(writer: Supervision, w: int) -> None:
        try:
            for n in range(12):
                register(writer, w * 100 + n + 1)
                try:
                    writer.count_party_members(ctx(), shared, members=w * 100 + n)
                except ConcurrentUpdate:
                    pass
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=write, args=(writer, w)) for w, writer in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    head = app.head_position()
    deadline = time.monotonic() + 10
    while (worker.position(SEALER_NAME) or 0) < head and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    sealing.join(timeout=10)
    worker.close()
    assert not errors
    report = verify(app)
    assert report.intact, report.findings[:5]
    assert report.unsealed == 0
    stored = Raw(app).positions()
    assert report.checked == len(stored) >= 4 * 12 * 3 + 3
    with ViewDatabase(app).transaction(commit=False) as tx:
        chain = [r["position"] for r in tx.rows(f"SELECT position FROM {CHAIN_TABLE} ORDER BY position")]
    assert chain == stored  # the chain's order is the store's order, gaps and all


@pytest.mark.postgres
def test_the_sealer_waits_for_an_insert_in_flight_and_seals_over_a_rolled_back_gap(postgres_url):
    """Only PostgreSQL draws positions from a sequence, so only there can a gap appear, or fill late."""
    app = Supervision(env=postgres_env(postgres_url))
    store(app, organizations=1)
    raw = Raw(app)
    sealer = sealed(app)
    conninfo = postgres_conninfo(app) | {"autocommit": False}
    insert = (f"INSERT INTO {raw.table} (originator_id, originator_version, topic, state)"
              " VALUES (%s, %s, %s, %s) RETURNING notification_id")

    # A rolled-back insert leaves a gap that stays a gap.
    with psycopg.connect(**conninfo) as rolled_back:
        gap = rolled_back.execute(insert, raw.forged_copy(of=1)).fetchone()[0]
        rolled_back.rollback()
    # A slow writer that skips the library's table lock takes the next number and has not committed…
    slow = psycopg.connect(**conninfo)
    slow_position = slow.execute(insert, raw.forged_copy(of=2)).fetchone()[0]
    # …while a faster one commits a later number.
    with psycopg.connect(**conninfo) as fast:
        fast_position = fast.execute(insert, raw.forged_copy(of=3)).fetchone()[0]
        fast.commit()
    assert gap < slow_position < fast_position

    done = threading.Event()
    thread = threading.Thread(target=lambda: (sealer.catch_up(), done.set()), daemon=True)
    thread.start()
    time.sleep(0.5)
    assert not done.is_set(), "the sealer must not seal past a position that may still commit"
    assert sealer.position < gap
    slow.commit()
    slow.close()
    thread.join(timeout=10)
    assert done.is_set()
    assert sealer.position == fast_position
    with ViewDatabase(app).transaction(commit=False) as tx:
        chain = [r["position"] for r in tx.rows(f"SELECT position FROM {CHAIN_TABLE} ORDER BY position")]
    assert gap not in chain and slow_position in chain
    assert verify(app).intact

    # An event slipped into the gap afterwards is an insertion at exactly that position.
    raw.insert_at(gap, raw.forged_copy(of=1))
    report = verify(app)
    assert [(f.kind, f.position) for f in report.findings] == [("inserted", gap)]
    app.close()


@pytest.mark.postgres
def test_the_outside_check_in_the_docs_recomputes_the_chain(postgres_url, tmp_path, monkeypatch):
    """docs/audit.md shows an auditor's own check with nothing but psycopg and hashlib: it must work."""
    import re
    from pathlib import Path

    app = Supervision(env=postgres_env(postgres_url))
    store(app, organizations=2)
    sealed(app, algorithm="sm3")
    monkeypatch.chdir(tmp_path)
    kept = write_checkpoint(app, load_signing_key(tmp_path / "k.pem", create=True))
    (tmp_path / "checkpoint.json").write_text(kept.to_json())
    docs = (Path(__file__).resolve().parents[2] / "docs" / "audit.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", docs, re.S).group(1)
    code = code.replace("postgresql://auditor@db/lianjian", postgres_url)
    printed: list[str] = []
    exec(code, {"print": printed.append})  # noqa: S102 - the documented snippet, as an auditor would run it
    assert printed == ["intact"]
    raw = Raw(app)
    raw.set_state(3, bytes(raw.row(3)["state"]) + b" ")
    exec(code, {"print": printed.append})  # noqa: S102
    assert printed[-1] == "CHANGED since the checkpoint"
    app.close()
