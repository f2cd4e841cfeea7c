"""Tamper evidence, part 2: walk the stored events beside the chain and name what changed.

Every stored event and every chain row is visited once, in position order:

- a chain row whose event is gone                 -> removed   at that position
- an event whose bytes no longer hash to its row  -> altered   (same event id and version)
- the event sealed at Q now standing at P         -> reordered (a swap, or a renumbering)
- an event never sealed standing at a sealed
  position or in a gap before the sealed head     -> inserted
- a row that does not link to the one before      -> rewritten (the chain itself was edited)
- events after the last sealed position           -> unsealed  (reported apart: not yet sealed, not tampering)

Each row's hash is recomputed from its own ``prev_hash`` and the event, and the link to the row before is
checked apart, so one change is reported once, at its own position, not again at every later event.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from domain.application import Supervision
from projections.audit.chain import GENESIS, ChainRow, ChainTables, hasher, link, notification_entry
from projections.audit.checkpoints import Checkpoint, check_against, stored_checkpoints

BATCH_SIZE = 2000
MAX_FINDINGS = 1000  # kept in the report; all are counted


@dataclass(frozen=True)
class Finding:
    kind: str  # removed | altered | reordered | inserted | rewritten | checkpoint
    position: int
    detail: str

    def __str__(self) -> str:
        return f"#{self.position} {self.kind}: {self.detail}"


@dataclass
class VerifyReport:
    algorithm: str | None
    sealed_head: int = 0  # last sealed position when the walk began
    store_head: int = 0  # last stored position when the walk began
    checked: int = 0  # sealed events whose hash was recomputed
    unsealed: int = 0  # stored events after the sealed head
    first_unsealed: int | None = None
    findings: list[Finding] = field(default_factory=list)
    total_findings: int = 0
    checkpoints_checked: int = 0
    seconds: float = 0.0

    @property
    def intact(self) -> bool:
        return self.total_findings == 0

    @property
    def full(self) -> bool:
        """True once MAX_FINDINGS are kept: later ones are only counted (and not looked into)."""
        return len(self.findings) >= MAX_FINDINGS

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def add(self, kind: str, position: int, detail: str) -> None:
        self.total_findings += 1
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(kind, position, detail))


def verify(app: Supervision, checkpoint: Checkpoint | None = None, public_key: str | None = None,
           batch_size: int = BATCH_SIZE) -> VerifyReport:
    """Walk the whole chain; check the stored checkpoints and, if given, a checkpoint kept outside."""
    started = time.perf_counter()
    tables = ChainTables(app)
    if not tables.exists():
        report = VerifyReport(algorithm=None, store_head=app.head_position())
        _count_unsealed(app, report, after=0, batch_size=batch_size)
    else:
        with tables.db.transaction(commit=False) as tx:
            algorithm = tables.algorithm(tx)
            sealed_head, _ = tables.head(tx)
        # Read the store's head after the chain's: every sealed event was stored before it was sealed.
        report = VerifyReport(algorithm=algorithm, sealed_head=sealed_head, store_head=app.head_position())
        _walk(app, tables, report, batch_size)
        for kept in stored_checkpoints(app):  # a truncated chain falls short of the checkpoints it had
            problem = check_against(app, kept, tables=tables)
            report.checkpoints_checked += 1
            if problem:
                report.add("checkpoint", kept.position, f"stored checkpoint of {kept.created_at}: {problem}")
    if checkpoint is not None:
        problem = check_against(app, checkpoint, key=public_key)
        report.checkpoints_checked += 1
        if problem:
            report.add("checkpoint", checkpoint.position, f"kept checkpoint of {checkpoint.created_at}: {problem}")
    report.findings.sort(key=lambda f: f.position)
    report.seconds = time.perf_counter() - started
    return report


def _walk(app: Supervision, tables: ChainTables, report: VerifyReport, batch_size: int) -> None:
    assert report.algorithm is not None
    new_hash = hasher(report.algorithm)
    sealed_head = report.sealed_head
    events = _events(app, max(report.store_head, sealed_head), batch_size)
    rows = _rows(tables, sealed_head, batch_size)
    event, row = next(events, None), next(rows, None)
    previous = ChainRow(0, "", 0, GENESIS.hex(), "", 0)  # the chain row visited last
    while event is not None or row is not None:
        if row is not None and (event is None or row.position < event.id):
            _check_link(report, row, previous)
            report.add("removed", row.position,
                       f"the event sealed here ({row.originator_id} v{row.originator_version}) is gone")
            previous, row = row, next(rows, None)
        elif row is None or event.id < row.position:
            if event.id > sealed_head:
                report.unsealed += 1
                report.first_unsealed = report.first_unsealed or event.id
            elif row is not None and previous.position < event.id <= row.prev_position:
                pass  # its chain row was removed: reported once, as "rewritten", when the next row is visited
            elif report.full:
                report.add("inserted", event.id, "")
            else:
                moved = tables.position_of(str(event.originator_id), event.originator_version)
                where = f"; it was sealed at #{moved}" if moved is not None else ""
                report.add("inserted" if moved is None else "reordered", event.id,
                           f"{event.originator_id} v{event.originator_version} stands where the chain has no"
                           f" entry{where}")
            event = next(events, None)
        else:
            _check_link(report, row, previous)
            report.checked += 1
            digest = link(new_hash, notification_entry(event), bytes.fromhex(row.prev_hash)).hex()
            if digest != row.hash:
                _classify(report, tables, event, row)
            previous = row
            event, row = next(events, None), next(rows, None)


def _check_link(report: VerifyReport, row: ChainRow, previous: ChainRow) -> None:
    """Does this chain row follow the one visited before it?"""
    if row.prev_position > previous.position:
        first, last = previous.position + 1, row.prev_position
        span = f"#{first}" if first == last else f"#{first} to #{last}"
        report.add("rewritten", first, f"the chain entries of {span} were removed from the chain")
    elif row.prev_position != previous.position or row.prev_hash != previous.hash:
        at = previous.position or row.position
        report.add("rewritten", at, f"the chain entry at #{previous.position} no longer leads to #{row.position}:"
                                    " a chain entry was edited")


def _classify(report: VerifyReport, tables: ChainTables, event: Any, row: ChainRow) -> None:
    event_id = str(event.originator_id)
    if (event_id, event.originator_version) == (row.originator_id, row.originator_version):
        report.add("altered", row.position,
                   f"{event_id} v{event.originator_version}: its stored bytes no longer hash to its chain entry")
        return
    if report.full:
        report.add("reordered", row.position, "")
        return
    moved = tables.position_of(event_id, event.originator_version)
    if moved is not None:
        report.add("reordered", row.position,
                   f"{event_id} v{event.originator_version} was sealed at #{moved}; the event sealed here was"
                   f" {row.originator_id} v{row.originator_version}")
    else:
        report.add("inserted", row.position,
                   f"{event_id} v{event.originator_version} was never sealed; the event sealed here was"
                   f" {row.originator_id} v{row.originator_version}")


def _events(app: Supervision, upto: int, batch_size: int) -> Iterator[Any]:
    position = 1
    while position <= upto:
        batch = app.recorder.select_notifications(position, batch_size, stop=upto)
        if not batch:
            return
        yield from batch
        position = batch[-1].id + 1


def _rows(tables: ChainTables, upto: int, batch_size: int) -> Iterator[ChainRow]:
    after = 0
    while after < upto:
        with tables.db.transaction(commit=False) as tx:
            batch = tables.rows(tx, after, upto, batch_size)
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def _count_unsealed(app: Supervision, report: VerifyReport, after: int, batch_size: int) -> None:
    for event in _events(app, report.store_head, batch_size):
        if event.id > after:
            report.unsealed += 1
            report.first_unsealed = report.first_unsealed or event.id
