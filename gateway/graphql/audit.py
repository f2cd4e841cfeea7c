"""The auditor's query fields (docs/audit.md): the global event log, a view as of a moment, the hash chain's
verification and the read audit. Merged into the root Query by gateway/graphql/schema.py.

Who may ask is auth/policy.py's QUERY_FIELDS (the audit office: every department, every district, personal
data unmasked). Times without a zone are Asia/Shanghai. The two slow fields (a replay, a walk of the whole
chain) run in a worker thread, so the server keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from auth import policy
from auth.policy import Area, Scope
from domain.clock import SHANGHAI, as_utc
from gateway.graphql.context import caller, runtime
from gateway.graphql.errors import BAD_USER_INPUT, coded, translate_errors
from gateway.graphql.read_audit import events_shown, record, row_has_personal_data
from gateway.graphql.types import HistoryEvent
from projections.audit.event_log import LogFilter
from projections.views.history import BUSINESS_EVENTS
from projections.audit.read_audit import list_reads

MAX_LOG_PAGE = 1000
MAX_ROWS = 1000
MAX_READS_PAGE = 1000
EVENT_KINDS = frozenset(BUSINESS_EVENTS) | {e.split(".")[0] for e in BUSINESS_EVENTS}


def off_the_loop(work: Callable[..., Any], *args: Any) -> Any:
    """Long work (a view replayed, the chain walked): done here when the operation already runs in a thread
    of its own; on the event loop (operations inline, gateway.graphql.schema), in a thread, awaited."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work(*args)
    return asyncio.to_thread(work, *args)


def _aware(moment: datetime | None) -> datetime | None:
    """A moment given without zone is Asia/Shanghai; in UTC, as stored times are."""
    if moment is None or moment is strawberry.UNSET:
        return None
    return as_utc(moment)


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET or value in (None, "") else value


def _size(first: int, most: int) -> int:
    if not 1 <= first <= most:
        raise coded(f"first must be from 1 to {most}", BAD_USER_INPUT)
    return first


def _cursor(after: int) -> int:
    if after < 0:
        raise coded("after is a position, 0 or more", BAD_USER_INPUT)
    return after


def _organization_id(value: Any) -> str | None:
    """An organization's id as stored (a UUID's text), or None when none is given."""
    if _given(value) is None:
        return None
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise coded("organizationId is not an organization's id", BAD_USER_INPUT) from None


def _positions(first: int | None, last: int | None) -> tuple[int | None, int | None]:
    """A range of global positions, both ends included."""
    first, last = _given(first), _given(last)
    for name, value in (("fromPosition", first), ("toPosition", last)):
        if value is not None and value < 1:
            raise coded(f"{name} is a position, 1 or more", BAD_USER_INPUT)
    if first is not None and last is not None and last < first:
        raise coded("the position range ends before it starts (toPosition < fromPosition)", BAD_USER_INPUT)
    return first, last


# -- types -----------------------------------------------------------------------------------------------


@strawberry.input(description="Which events of the global log: all given conditions hold.")
class EventLogFilter:
    department: str | None = strawberry.field(default=strawberry.UNSET,
                                              description="The acting user's department, e.g. finance.")
    actor: str | None = strawberry.field(default=strawberry.UNSET, description="The acting user's id or username.")
    type: str | None = strawberry.field(default=strawberry.UNSET, description="An event type"
                                        " (Organization.Registered), or every event of one kind (Organization).")
    since: datetime | None = strawberry.field(default=strawberry.UNSET,
                                              description="Recorded at or after (no zone: Asia/Shanghai).")
    until: datetime | None = strawberry.field(default=strawberry.UNSET,
                                              description="Recorded before (exclusive; no zone: Asia/Shanghai).")
    organization_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                             description="Events of one organization.")
    from_position: int | None = strawberry.field(default=strawberry.UNSET,
                                                 description="At this global position or after.")
    to_position: int | None = strawberry.field(default=strawberry.UNSET,
                                               description="At this global position or before.")


@strawberry.type
class EventLogPage:
    events: list[HistoryEvent]
    has_next_page: bool
    next_after: int | None = strawberry.field(description="Pass as `after` for the next page; null at the end.")
    up_to: int = strawberry.field(description="The log is read from the event history view, which has applied"
                                              " every event up to this position.")


@strawberry.type
class TableRows:
    table: str
    rows: int


@strawberry.type
class ViewAsOf:
    view: str
    at: datetime
    position: int = strawberry.field(description="The last event applied: recorded at or before `at`.")
    tables: list[TableRows] = strawberry.field(description="Rows per table of the view as it stood.")
    table: str = strawberry.field(description="The table whose rows are given.")
    rows: list[JSON] = strawberry.field(description="That table's rows in key order, columns as stored.")
    has_more: bool


@strawberry.type
class ChainFinding:
    kind: str = strawberry.field(description="altered | removed | reordered | inserted | rewritten | checkpoint")
    position: int
    detail: str


@strawberry.type
class ChainCheckpoint:
    position: int
    hash: str
    algorithm: str
    created_at: str = strawberry.field(description="When it was signed, as signed (ISO-8601).")
    key_id: str = strawberry.field(description="The signing key: the first 16 hex digits of its SHA-256.")
    problem: str | None = strawberry.field(description="Null when the chain agrees with it and its signature"
                                                       " verifies; else why not.")


@strawberry.type
class ChainReport:
    intact: bool = strawberry.field(description="No event altered, removed, inserted or reordered (unsealed"
                                                " events do not count).")
    algorithm: str | None
    sealed_head: int = strawberry.field(description="The last sealed position.")
    store_head: int = strawberry.field(description="The last stored position.")
    sealed: int = strawberry.field(description="Sealed events whose hash was recomputed.")
    unsealed: int = strawberry.field(description="Events after the last sealed position: not yet sealed.")
    first_unsealed: int | None
    checkpoints_checked: int
    total_findings: int
    first_finding: ChainFinding | None
    findings: list[ChainFinding] = strawberry.field(description="In position order; at most the first 1000.")
    checkpoints: list[ChainCheckpoint] = strawberry.field(description="The signed checkpoints stored beside the"
                                                                      " chain, in position order, each checked.")
    seconds: float


@strawberry.type
class AuditTable:
    name: str
    columns: list[str]
    by_organization: bool = strawberry.field(description="viewAsOf can choose its rows by organizationId.")
    by_street: bool = strawberry.field(description="viewAsOf can choose its rows by street.")


@strawberry.type
class AuditView:
    name: str
    tables: list[AuditTable] = strawberry.field(description="The first is viewAsOf's default table.")


@strawberry.type
class PersonalDataRead:
    position: int
    read_at: datetime
    user_id: str
    username: str
    department: str | None
    organization_id: strawberry.ID
    organization_name: str | None
    what: str = strawberry.field(description="What showed it: organization.legalRepresentative,"
                                             " organizationHistory, eventLog, viewAsOf, dossier, ...")
    via: str = strawberry.field(description="graphql or cli")


@strawberry.type
class PersonalDataReadPage:
    reads: list[PersonalDataRead]
    has_next_page: bool
    next_after: int | None = strawberry.field(description="Pass as `after` for the next page; null at the end.")


# -- resolvers -------------------------------------------------------------------------------------------


@translate_errors
def _event_log(info: Info, filter: EventLogFilter | None, after: int, first: int) -> EventLogPage:
    principal, rt = caller(info), runtime(info)
    policy.require_query(principal, "eventLog")
    size, after = _size(first, MAX_LOG_PAGE), _cursor(after)
    f = filter or EventLogFilter()
    department, actor, kind = _given(f.department), _given(f.actor), _given(f.type)
    since, until = _aware(f.since), _aware(f.until)
    LogFilter(department=department, actor=actor, event_type=kind, since=since, until=until)  # checks them
    if kind is not None and kind not in EVENT_KINDS:
        raise coded(f"no event type {kind!r}; see docs/events.md", BAD_USER_INPUT)
    org_id, (lowest, highest) = _organization_id(f.organization_id), _positions(f.from_position, f.to_position)
    where, params = ["e.position > ?"], [after]
    for condition, value in (("e.department = ?", department), ("(e.user_id = ? OR e.username = ?)", actor),
                             ("(e.type = ? OR e.aggregate_type = ?)", kind), ("e.org_id = ?", org_id),
                             ("e.position >= ?", lowest), ("e.position <= ?", highest)):
        if value is not None:
            where.append(condition)
            params += [value] * condition.count("?")
    for condition, moment in (("e.recorded_at >= ?", since), ("e.recorded_at < ?", until)):
        if moment is not None:
            where.append(condition)
            params.append(moment.isoformat())
    # Only the audit office may ask today; should the matrix ever open the log wider, it stays in the
    # caller's share of history.
    own = policy.own_events_only(principal)
    if own:
        where.append("e.department = ?")
        params.append(own)
    if policy.scope(principal, Area.HISTORY) in (Scope.DISTRICT, Scope.STREET):
        district, street = policy.registry_filter(principal)
        where.append("o.district = ?")
        params.append(district or "\x00")
        if street:
            where.append("o.street = ?")
            params.append(street)
    events_table = rt.view("event_history").t("events")
    registry = rt.view("civil_affairs_registry").t("organizations")
    with rt.db.transaction(commit=False) as tx:
        rows = tx.rows(f"SELECT e.*, o.district AS org_district, o.street AS org_street FROM {events_table} e"
                       f" LEFT JOIN {registry} o ON o.org_id = e.org_id WHERE {' AND '.join(where)}"
                       " ORDER BY e.position LIMIT ?", [*params, size + 1])
    events = [HistoryEvent.from_row(r, principal, r["org_district"], r["org_street"]) for r in rows[:size]]
    events_shown(info, events, "eventLog")
    more = len(rows) > size
    return EventLogPage(events=events, has_next_page=more, next_after=events[-1].position if more else None,
                        up_to=rt.db.position("event_history"))


@translate_errors
def _view_as_of(info: Info, view: str, at: datetime, table: str | None, first: int, organization_id: str | None,
                street: str | None) -> ViewAsOf:
    from projections.audit.asof import ASOF, replay_view
    from projections.views.catalog import view_by_name

    principal, rt = caller(info), runtime(info)
    policy.require_query(principal, "viewAsOf")
    size = _size(first, MAX_ROWS)
    try:
        known = view_by_name(view)
    except KeyError as error:
        raise coded(str(error.args[0]), BAD_USER_INPUT) from None
    chosen = table or next(iter(known.tables))
    if chosen not in known.tables:
        raise coded(f"{view} has no table {chosen!r}; its tables are: {', '.join(known.tables)}", BAD_USER_INPUT)
    moment = _aware(at)
    assert moment is not None
    where, params = [], []
    for column, value in (("org_id", _organization_id(organization_id)), ("street", _given(street))):
        if value is None:
            continue
        if column not in known.columns(chosen):
            raise coded(f"{view}'s table {chosen} has no {column} column to choose rows by", BAD_USER_INPUT)
        where.append(f"{column} = ?")
        params.append(value)
    chosen_rows = f"WHERE {' AND '.join(where)}" if where else ""

    def read(tx: Any, scratch: Any) -> list[dict[str, Any]]:
        return tx.rows(f"SELECT * FROM {scratch.t(chosen)} {chosen_rows} ORDER BY {scratch.keys[chosen]} LIMIT ?",
                       (*params, size + 1))

    # The scratch tables are dropped once read: the answer is the rows (`lianjian replay` keeps them).
    replay = replay_view(rt.app, view, moment, drop=True, read=read)
    rows: list[dict[str, Any]] = replay.read[:size]
    record(info, [r.get("org_id") for r in rows if row_has_personal_data(r)], "viewAsOf")
    short = {view_by_name(view, prefix=ASOF).t(t): t for t in known.tables}
    counts = [TableRows(table=short.get(name, name), rows=n) for name, n in replay.tables.items()]
    return ViewAsOf(view=view, at=moment.astimezone(SHANGHAI), position=replay.position, tables=counts, table=chosen,
                    rows=[{k: _json(v) for k, v in r.items()} for r in rows], has_more=len(replay.read) > size)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return str(value)  # Decimal from PostgreSQL sums, dates


@translate_errors
def _verify_chain(info: Info) -> ChainReport:
    from projections.audit.checkpoints import check_against, stored_checkpoints
    from projections.audit.verify import verify

    policy.require_query(caller(info), "verifyChain")
    app = runtime(info).app
    report = verify(app)
    findings = [ChainFinding(kind=f.kind, position=f.position, detail=f.detail) for f in report.findings]
    checkpoints = [ChainCheckpoint(position=c.position, hash=c.hash, algorithm=c.algorithm, created_at=c.created_at,
                                   key_id=c.key_id, problem=check_against(app, c)) for c in stored_checkpoints(app)]
    return ChainReport(
        intact=report.intact, algorithm=report.algorithm, sealed_head=report.sealed_head,
        store_head=report.store_head, sealed=report.checked, unsealed=report.unsealed,
        first_unsealed=report.first_unsealed, checkpoints_checked=report.checkpoints_checked,
        total_findings=report.total_findings, first_finding=findings[0] if findings else None, findings=findings,
        checkpoints=checkpoints, seconds=round(report.seconds, 3),
    )


@translate_errors
def _personal_data_reads(info: Info, first: int, after: int, organization_id: str | None,
                         username: str | None) -> PersonalDataReadPage:
    principal, rt = caller(info), runtime(info)
    policy.require_query(principal, "personalDataReads")
    size, after = _size(first, MAX_READS_PAGE), _cursor(after)
    org_id = _organization_id(organization_id)
    page = list_reads(rt.db, after=after, limit=size, org_id=org_id, username=username or None)
    names: dict[str, str] = {}
    ids = sorted({r.org_id for r in page.reads})
    if ids:
        registry = rt.view("civil_affairs_registry").t("organizations")
        with rt.db.transaction(commit=False) as tx:
            found = tx.rows(f"SELECT org_id, name FROM {registry} WHERE org_id IN ({', '.join('?' for _ in ids)})", ids)
        names = {r["org_id"]: r["name"] for r in found}
    reads = [PersonalDataRead(position=r.position, read_at=r.read_at, user_id=r.user_id, username=r.username,
                              department=r.department, organization_id=strawberry.ID(r.org_id),
                              organization_name=names.get(r.org_id), what=r.what, via=r.via) for r in page.reads]
    return PersonalDataReadPage(reads=reads, has_next_page=page.next_after is not None, next_after=page.next_after)


@translate_errors
def _audit_views(info: Info) -> list[AuditView]:
    from projections.views.catalog import all_views

    policy.require_query(caller(info), "auditViews")
    return [AuditView(name=v.name, tables=[
        AuditTable(name=t, columns=v.columns(t), by_organization="org_id" in v.columns(t),
                   by_street="street" in v.columns(t)) for t in v.tables]) for v in all_views()]


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The global event log (business events), oldest first, a page at a time;"
                                  " the cursor is a global position. Audit only.")
    def event_log(self, info: Info, filter: EventLogFilter | None = None, after: int = 0,
                  first: int = 100) -> EventLogPage:
        return _event_log(info, filter, after, first)

    @strawberry.field(description="A department view as it stood at a moment (no zone: Asia/Shanghai), rebuilt"
                                  " from the log into scratch tables: rows of one table, counts of all. Audit only.")
    def view_as_of(self, info: Info, view: str, at: datetime, table: str | None = None, first: int = 100,
                   organization_id: Annotated[strawberry.ID | None, strawberry.argument(
                       description="Only this organization's rows (tables with an org_id column).")] = None,
                   street: Annotated[str | None, strawberry.argument(
                       description="Only this street's rows (tables with a street column).")] = None) -> ViewAsOf:
        return off_the_loop(_view_as_of, info, view, at, table, first, organization_id, street)

    @strawberry.field(description="The views viewAsOf can rebuild, with their tables. Audit only.")
    def audit_views(self, info: Info) -> list[AuditView]:
        return _audit_views(info)

    @strawberry.field(description="Walk the hash chain beside the stored events: intact, or what changed where."
                                  " Audit only.")
    def verify_chain(self, info: Info) -> ChainReport:
        return off_the_loop(_verify_chain, info)

    @strawberry.field(description="Who was shown which organization's personal data, when and through what;"
                                  " oldest first, a page at a time (the cursor is a position). Audit only.")
    def personal_data_reads(self, info: Info, first: int = 100, after: int = 0,
                            organization_id: strawberry.ID | None = None,
                            username: str | None = None) -> PersonalDataReadPage:
        return _personal_data_reads(info, first, after, organization_id, username)
