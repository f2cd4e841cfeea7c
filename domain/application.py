"""The application service: every command of the domain, each loading aggregates, applying one
decision and saving the new events atomically. Concurrent writers conflict; retried commands with an
idempotency key are not applied twice."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, Cache, LRUCache, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.alerts import Alert
from domain.context import Context
from domain.credit_lists import PenaltyKind
from domain.errors import (
    ConcurrentUpdate,
    DomainError,
    DuplicateOrganization,
    FundingProjectNotFound,
    IdempotencyKeyReused,
    InspectionCaseNotFound,
    InvalidInput,
    NotFound,
    OrganizationNotFound,
    RuleViolation,
    StaleCopy,
)
from domain.funding import FundingProject
from domain.indexes import CreditCodeIndex, NameIndex
from domain.inspection import InspectionCase
from domain.organization import Organization, RevocationGround
from domain.people import Person
from domain.receipts import IDEMPOTENCY_KEY_MAX, CommandReceipt
from domain.sampling import SampleDraw
from domain.settings import DEFAULT_SETTINGS, LocalitySettings
from domain.transcodings import StoredJSONTranscoder, register_domain_transcodings

# The caller's copy of an aggregate for the next command (``reusing``), and whether it was taken from the cache
# as it was.
_REUSED: ContextVar[tuple[Aggregate, bool] | None] = ContextVar("lianjian_reused_aggregate", default=None)
# Within a speculative decision: the aggregates it took from the cache as they were, with their versions.
_SPECULATED: ContextVar[list[tuple[UUID, int]] | None] = ContextVar("lianjian_speculated", default=None)
A = TypeVar("A", bound=Aggregate)
SNAPSHOT_INTERVAL = 50  # each snapshot costs a write; 50 keeps that under 2% of commands
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandResult:
    """What a command recorded: the aggregate it created or changed, and its new events' ids."""

    aggregate_id: str
    event_ids: list[str]
    replayed: bool = False  # True when an idempotent retry returned the first result
    position: int | None = None  # global position of the last event recorded (None when replayed)


@dataclass(frozen=True)
class RecordedEvent:
    """One stored event as history shows it."""

    position: int  # in the global order of the store
    aggregate_id: str
    version: int
    type: str  # e.g. "Organization.Registered"
    recorded_at: datetime  # UTC
    ctx: Context | None
    data: dict[str, Any] = field(default_factory=dict)
    domain_event: Any = field(default=None, repr=False, compare=False)  # the decoded event object

    @property
    def event_id(self) -> str:
        return event_id(self.aggregate_id, self.version)


# Aggregates that keep keys unique or commands idempotent; not part of an organization's story.
TECHNICAL_AGGREGATES = frozenset({"NameIndex", "CreditCodeIndex", "CommandReceipt"})


def event_id(aggregate_id: UUID | str, version: int) -> str:
    return f"{aggregate_id}/{version}"


def event_type_name(topic: str) -> str:
    """'domain.organization:Organization.Registered' -> 'Organization.Registered'."""
    return topic.rsplit(":", 1)[-1]


def mutate_in_turn(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    """The library's project_aggregate without its per-event isinstance check against a runtime
    Protocol, which cost more than the mutation itself: our events are all the library's own."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class Supervision(Application[UUID]):
    """Lianjian's one application: the shared, immutable record of every department's facts."""

    # An organization lives for decades: a snapshot every SNAPSHOT_INTERVAL events (domain/snapshots.py)
    # means loading one reads a snapshot and fewer than that many events.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Organization: SNAPSHOT_INTERVAL}

    name = "Lianjian"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names tables after the class; subclasses (tests, tools) must open the same store.
        explicit = "name" in cls.__dict__
        super().__init_subclass__(**kwargs)
        if not explicit:
            cls.name = Supervision.name

    def __init__(self, env: dict[str, str] | None = None, settings: LocalitySettings | None = None) -> None:
        super().__init__(env)
        self.settings = settings or DEFAULT_SETTINGS

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's save, but an aggregate's events are collected without first asking whether it is a
        domain event and whether it can collect events: isinstance checks against runtime Protocols, about
        20 µs an aggregate in Python 3.11 (3.6% of a command's CPU through the gateway). Ours are all the
        library's Aggregates; anything else is collected the library's way, in the order given."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):  # a plain class check
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, still called by its save
        return recordings

    def _take_snapshots(self, processing_event: Any) -> None:
        """The library reloads an aggregate to snapshot it at the exact version that is a multiple of the
        interval; a snapshot at any version will do, and the aggregate just saved is at hand. A snapshot that
        cannot be taken is logged, never an error of the command: its events are already stored."""
        if self.snapshots is None:
            return
        first_new: dict[Any, int] = {}
        for event in processing_event.events:
            first_new.setdefault(event.originator_id, event.originator_version)
        for aggregate_id, aggregate in processing_event.aggregates.items():
            interval = self.snapshotting_intervals.get(type(aggregate))
            if not interval or aggregate_id not in first_new:
                continue
            if (first_new[aggregate_id] - 1) // interval < aggregate.version // interval:  # crossed a multiple
                try:
                    self.snapshots.put([type(aggregate).Snapshot.take(aggregate)])
                except Exception:  # noqa: BLE001 - logged; the events are the record
                    log.warning("no snapshot of %s at version %s", aggregate_id, aggregate.version, exc_info=True)

    def construct_transcoder(self) -> JSONTranscoder:
        transcoder = StoredJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    # -- the command runner -------------------------------------------------------------------------

    def _run(
        self,
        command: str,
        payload: dict[str, Any],
        idempotency_key: str | None,
        decide: Callable[[], list[Aggregate]],
        check_conflict: Callable[[], None] | None = None,
        *,
        speculate: bool = True,
    ) -> CommandResult:
        """Apply one decision; save its events, and the idempotency receipt, in one transaction.

        The decision is speculative at first: the aggregates it loads come from the cache as they are,
        without asking the store for newer events (a round trip that took a fifth of a PostgreSQL command's
        time). In one process the cache is always current; another process's writes make the save
        collide with them, and then the decision is taken again on aggregates loaded afresh, as it always
        used to be. A copy the caller checked (``reusing``) is not reloaded behind its back: StaleCopy."""
        fingerprint = ""
        if idempotency_key is not None:
            if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
                raise InvalidInput(f"an idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters")
            fingerprint = self._fingerprint(command, payload)
            earlier = self._earlier_result(idempotency_key, fingerprint)
            if earlier is not None:
                return earlier

        def again(reused_taken: bool) -> CommandResult:
            """Decide again on fast-forwarded copies; never behind the back of a caller who checked one."""
            if reused_taken:
                raise StaleCopy(f"{command}: the record changed since it was checked; check it again")
            return self._run(command, payload, idempotency_key, decide, check_conflict, speculate=False)

        reused = _REUSED.get()
        # A copy the caller checked after loading it afresh keeps the decision on the store's current state.
        speculated: list[tuple[UUID, int]] | None = [] if speculate and (reused is None or reused[1]) else None
        if speculated is not None and reused is not None:
            speculated.append((reused[0].id, reused[0].version))  # before the decision adds to it
        token = _SPECULATED.set(speculated)
        try:
            aggregates = decide()
        except DomainError:
            # A refusal must rest on the store's current state, not on a cached copy behind it.
            if not speculated or self._all_current(speculated):
                raise
            return again(reused is not None and _REUSED.get() is None)
        finally:
            _SPECULATED.reset(token)
        reused_taken = reused is not None and _REUSED.get() is None
        if speculated:
            # Copies only read (the organization a funding project is for, say) are not checked by the
            # save's versions.
            saved = {aggregate.id for aggregate in aggregates}
            if not self._all_current(copy for copy in speculated if copy[0] not in saved):
                return again(reused_taken)
        pending = [e for agg in aggregates for e in agg.pending_events]
        result = CommandResult(
            aggregate_id=str(aggregates[0].id),
            event_ids=[event_id(e.originator_id, e.originator_version) for e in pending],
        )
        to_save: list[Aggregate] = list(aggregates)
        if idempotency_key is not None:
            to_save.append(
                CommandReceipt(
                    idempotency_key=idempotency_key,
                    command=command,
                    fingerprint=fingerprint,
                    aggregate_id=result.aggregate_id,
                    event_ids=result.event_ids,
                )
            )
        try:
            recordings = self.save(*to_save)
        except IntegrityError:
            if idempotency_key is not None:
                earlier = self._earlier_result(idempotency_key, fingerprint)
                if earlier is not None:
                    return earlier
            if self._stored_already(pending):
                # Our own write: the library retries an insert whose commit was not acknowledged (the
                # connection dropped), and the retry collides with the events the first attempt committed.
                return result
            if speculated:  # perhaps only behind the store
                return again(reused_taken)
            if check_conflict is not None:
                check_conflict()
            raise ConcurrentUpdate(
                f"{command}: another writer changed the same record first; reload and try again"
            ) from None
        if self.repository.cache is not None:
            # The library leaves a fast-forwarding cache as it was before the save, so the next command
            # would read back and apply the events just written; the saved aggregates are current.
            for aggregate in aggregates:
                self.repository.cache.put(aggregate.id, aggregate)
        return replace(result, position=max(r.notification.id for r in recordings))

    def _stored_already(self, pending: list[Any]) -> bool:
        """Are exactly these events stored, at their versions (same time, same context, same data)?"""
        for event in pending:
            stored = list(self.events.get(event.originator_id, gt=event.originator_version - 1,
                                          lte=event.originator_version))
            if stored != [event]:
                return False
        return bool(pending)

    def _fingerprint(self, command: str, payload: dict[str, Any]) -> str:
        encoded = self.mapper.transcoder.encode({"command": command, **payload})
        return hashlib.sha256(encoded).hexdigest()

    def _earlier_result(self, key: str, fingerprint: str) -> CommandResult | None:
        try:
            receipt = self.repository.get(CommandReceipt.create_id(key))
        except AggregateNotFoundError:
            return None
        if receipt.fingerprint != fingerprint:
            raise IdempotencyKeyReused(f"idempotency key {key!r} was already used for another command")
        return CommandResult(receipt.aggregate_id, list(receipt.event_ids), replayed=True)

    def _all_current(self, copies: Iterable[tuple[UUID, int]]) -> bool:
        """Has the store no event newer than these versions of these aggregates?"""
        return not any(list(self.events.get(aggregate_id, gt=version, limit=1)) for aggregate_id, version in copies)

    def forget_cached(self) -> None:
        """Empty the aggregate cache: after a commit that failed, the copies saved into it are ahead of the
        store. Every aggregate is read afresh on its next command."""
        cache = self.repository.cache
        if cache is not None:
            # A new cache of the same size: the library's LRUCache.clear() resets its order, not its entries.
            self.repository.cache = LRUCache(cache.maxsize) if isinstance(cache, LRUCache) else Cache()

    def _cached_copy(self, aggregate_id: UUID) -> Aggregate | None:
        """A copy of the cached aggregate as it is, not fast-forwarded; None when it is not cached."""
        if self.repository.cache is None:
            return None
        try:
            cached = self.repository.cache.get(aggregate_id)
        except KeyError:
            return None
        return deepcopy(cached) if cached is not None else None

    @contextmanager
    def reusing(self, aggregate: Aggregate, *, as_cached: bool = False) -> Iterator[None]:
        """Commands given meanwhile (in this thread or task) take ``aggregate``, already loaded, once,
        instead of loading it again: a caller that loaded it to check a permission then has the check
        and the decision made on the same version of it (a change in between fails the save as a
        concurrent update), and pays for one load, not two. ``as_cached``: it came from
        ``cached_organization`` as the cache held it, and a save that collides raises StaleCopy."""
        token = _REUSED.set((aggregate, as_cached))
        try:
            yield
        finally:
            _REUSED.reset(token)

    def _get(self, cls: type[A], aggregate_id: UUID | str, not_found: type[NotFound]) -> A:
        try:
            uid = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        except ValueError:
            raise not_found(f"no {cls.__name__} with id {aggregate_id}") from None
        reused = _REUSED.get()
        if reused is not None and reused[0].id == uid and isinstance(reused[0], cls):
            _REUSED.set(None)  # once: a second load within the command gets its own copy
            return reused[0]  # type: ignore[return-value]
        speculated = _SPECULATED.get()
        if speculated is not None:
            copy = self._cached_copy(uid)
            if copy is not None:
                if not isinstance(copy, cls):
                    raise not_found(f"no {cls.__name__} with id {aggregate_id}")
                speculated.append((uid, copy.version))
                return copy
        try:
            aggregate = self.repository.get(uid, projector_func=mutate_in_turn)
        except AggregateNotFoundError:
            raise not_found(f"no {cls.__name__} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise not_found(f"no {cls.__name__} with id {aggregate_id}")
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    # -- reading --------------------------------------------------------------------------------

    def organization(self, organization_id: UUID | str) -> Organization:
        return self._get(Organization, organization_id, OrganizationNotFound)

    def cached_organization(self, organization_id: UUID | str) -> tuple[Organization, bool]:
        """The organization as this process's cache holds it, without asking the store for newer events,
        and True; or, when it is not cached, loaded, and False. For a caller that checks it before a
        command on it (``reusing(org, as_cached=True)``): the command's save finds out if it was behind."""
        taken: list[tuple[UUID, int]] = []
        token = _SPECULATED.set(taken)  # loaded as a speculative decision loads it
        try:
            org = self.organization(organization_id)
        finally:
            _SPECULATED.reset(token)
        return org, bool(taken)

    def funding_project(self, project_id: UUID | str) -> FundingProject:
        return self._get(FundingProject, project_id, FundingProjectNotFound)

    def inspection_case(self, case_id: UUID | str) -> InspectionCase:
        return self._get(InspectionCase, case_id, InspectionCaseNotFound)

    def sample_draw(self, draw_id: UUID | str) -> SampleDraw:
        return self._get(SampleDraw, draw_id, NotFound)

    def find_organization(self, reference: str) -> Organization:
        """By id, unified social credit code, or exact name (full- or half-width alike)."""
        reference = (reference or "").strip()
        if not reference:
            raise InvalidInput("name an organization by id, credit code or name")
        try:
            return self.organization(UUID(reference))
        except (ValueError, OrganizationNotFound):
            pass
        for index_id in (CreditCodeIndex.create_id(reference), NameIndex.create_id(reference)):
            try:
                index = self.repository.get(index_id)
            except AggregateNotFoundError:
                continue
            if index.organization_id is not None:
                return self.organization(index.organization_id)
        raise OrganizationNotFound(f"no organization {reference!r}")

    def read_events(self, start: int, limit: int, stop: int | None = None) -> list[RecordedEvent]:
        """Up to ``limit`` stored events from global position ``start`` (to ``stop``), decoded."""
        return self.read_batch(start, limit, stop)[0]

    def read_batch(self, start: int, limit: int, stop: int | None = None,
                   keep: Callable[[Any], bool] | None = None) -> tuple[list[RecordedEvent], int]:
        """``read_events`` decoding only the stored events ``keep`` accepts (it sees each one's
        originator id, version, topic and position before any decoding), and the position of the
        last event read, kept or not (0 when there was none)."""
        notifications = self.recorder.select_notifications(start=start, limit=limit, stop=stop)
        if not notifications:
            return [], 0
        return self.decoded(notifications, keep), notifications[-1].id

    def decoded(self, notifications: Sequence[Any], keep: Callable[[Any], bool] | None = None) -> list[RecordedEvent]:
        """Stored events (the library's notifications) as recorded events; only those ``keep`` accepts."""
        kept = notifications if keep is None else [n for n in notifications if keep(n)]
        return [self._decoded(notification) for notification in kept]

    def recorded_events(self, start: int = 1, batch: int = 500) -> Iterator[RecordedEvent]:
        """Every stored event from global position ``start`` on, decoded."""
        position = start
        while events := self.read_events(position, batch):
            yield from events
            position = events[-1].position + 1

    def _decoded(self, notification: Any) -> RecordedEvent:
        domain_event = self.mapper.to_domain_event(notification)
        data = {
            k: v
            for k, v in domain_event.__dict__.items()
            if k not in ("originator_id", "originator_version", "timestamp", "originator_topic", "ctx")
        }
        return RecordedEvent(
            position=notification.id,
            aggregate_id=str(notification.originator_id),
            version=notification.originator_version,
            type=event_type_name(notification.topic),
            recorded_at=domain_event.timestamp,
            ctx=getattr(domain_event, "ctx", None),
            data=data,
            domain_event=domain_event,
        )

    def head_position(self) -> int:
        """The global position of the newest stored event (0 when there is none)."""
        return self.recorder.max_notification_id() or 0

    def organization_ids(self) -> list[str]:
        """Ids of all organizations, in the order they were first recorded."""
        return [
            e.aggregate_id
            for e in self.recorded_events()
            if e.version == 1 and e.type in ("Organization.Registered", "Organization.Filed")
        ]

    def history(self, organization_id: UUID | str) -> list[RecordedEvent]:
        """The organization's own events and those of funding projects and inspections naming it."""
        org = self.organization(organization_id)
        target = str(org.id)
        related: set[str] = {target}
        found = []
        for recorded in self.recorded_events():
            if recorded.type.split(".")[0] in TECHNICAL_AGGREGATES:
                continue
            if recorded.aggregate_id in related or str(recorded.data.get("organization_id")) == target:
                related.add(recorded.aggregate_id)
                found.append(recorded)
        return found

    # -- registration and filing ----------------------------------------------------------------

    def register_organization(
        self, ctx: Context, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """成立登记."""

        def decide() -> list[Aggregate]:
            org = Organization.register(ctx, **fields)
            self._ensure_name_free(org.name)
            assert org.credit_code is not None
            code_index = CreditCodeIndex(ctx=ctx, credit_code=org.credit_code, organization_id=org.id)
            if self._exists(code_index.id):
                raise DuplicateOrganization(f"credit code {org.credit_code} is already registered")
            return [org, code_index, self._name_claim(ctx, org.name, org.id)]

        return self._run(
            "register_organization", {"ctx": ctx, **fields}, idempotency_key, decide,
            check_conflict=lambda: self._check_duplicates(fields.get("name"), fields.get("credit_code")),
        )

    def file_community_organization(
        self, ctx: Context, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """备案."""

        def decide() -> list[Aggregate]:
            org = Organization.file(ctx, **fields)
            self._ensure_name_free(org.name)
            return [org, self._name_claim(ctx, org.name, org.id)]

        return self._run(
            "file_community_organization", {"ctx": ctx, **fields}, idempotency_key, decide,
            check_conflict=lambda: self._check_duplicates(fields.get("name"), None),
        )

    def _ensure_name_free(self, name: str) -> None:
        try:
            index = self.repository.get(NameIndex.create_id(name))
        except AggregateNotFoundError:
            return
        if index.organization_id is not None:
            raise DuplicateOrganization(f"the name {name} is already taken")

    def _name_claim(self, ctx: Context, name: str, organization_id: UUID) -> NameIndex:
        try:
            index = self.repository.get(NameIndex.create_id(name))
        except AggregateNotFoundError:
            return NameIndex(ctx=ctx, name=name, organization_id=organization_id)
        index.claim(ctx=ctx, organization_id=organization_id)
        return index

    def _check_duplicates(self, name: Any, credit_code: Any) -> None:
        if isinstance(name, str) and name.strip():
            self._ensure_name_free(name)
        if isinstance(credit_code, str) and self._exists(CreditCodeIndex.create_id(credit_code.strip())):
            raise DuplicateOrganization(f"credit code {credit_code} is already registered")

    def _renamed(self, ctx: Context, org: Organization, old_name: str) -> list[Aggregate]:
        """Index changes when a change of registration or filing renames the organization."""
        if NameIndex.create_id(org.name) == NameIndex.create_id(old_name):
            return []  # the same name in other forms (full- or half-width, spacing): its index entry stays
        self._ensure_name_free(org.name)
        old = self.repository.get(NameIndex.create_id(old_name))
        old.release(ctx=ctx)
        return [old, self._name_claim(ctx, org.name, org.id)]

    def change_registration(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **changes: Any
    ) -> CommandResult:
        """变更登记."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            old_name = org.name
            org.change_registration(ctx, **changes)
            return [org, *self._renamed(ctx, org, old_name)]

        return self._run(
            "change_registration", {"ctx": ctx, "id": str(organization_id), **changes}, idempotency_key, decide
        )

    def change_filing(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **changes: Any
    ) -> CommandResult:
        """备案变更."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            old_name = org.name
            org.change_filing(ctx, **changes)
            return [org, *self._renamed(ctx, org, old_name)]

        return self._run(
            "change_filing", {"ctx": ctx, "id": str(organization_id), **changes}, idempotency_key, decide
        )

    def convert_to_registration(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None, **fields: Any
    ) -> CommandResult:
        """转登记."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            org.convert_to_registration(ctx, **fields)
            assert org.credit_code is not None
            code_index = CreditCodeIndex(ctx=ctx, credit_code=org.credit_code, organization_id=org.id)
            if self._exists(code_index.id):
                raise DuplicateOrganization(f"credit code {org.credit_code} is already registered")
            return [org, code_index]

        return self._run(
            "convert_to_registration", {"ctx": ctx, "id": str(organization_id), **fields}, idempotency_key, decide
        )

    def _on_organization(
        self, command: str, method: str, ctx: Context, organization_id: str, key: str | None, **kwargs: Any
    ) -> CommandResult:
        """A command that changes one organization by calling one of its methods."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            getattr(org, method)(ctx, **kwargs)
            return [org]

        payload = {"ctx": ctx, "id": str(organization_id), **kwargs}
        payload.pop("settings", None)
        return self._run(command, payload, key, decide)

    def deregister(
        self, ctx: Context, organization_id: str, *, liquidation_completed_on: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """注销登记."""
        return self._on_organization(
            "deregister", "deregister", ctx, organization_id, idempotency_key,
            liquidation_completed_on=liquidation_completed_on,
        )

    def revoke_registration(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """撤销登记."""
        return self._on_organization(
            "revoke_registration", "revoke_registration", ctx, organization_id, idempotency_key, ground=ground
        )

    def cancel_filing(self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """撤销备案."""
        return self._on_organization("cancel_filing", "cancel_filing", ctx, organization_id, idempotency_key)

    def ban_organization(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        """取缔."""
        return self._on_organization("ban_organization", "ban", ctx, organization_id, idempotency_key)

    # -- annual duty and evaluation -------------------------------------------------------------

    def submit_annual_report(
        self, ctx: Context, organization_id: str, *, year: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "submit_annual_report", "submit_annual_report", ctx, organization_id, idempotency_key, year=year
        )

    def conclude_annual_inspection(
        self, ctx: Context, organization_id: str, *, year: int, result: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "conclude_annual_inspection", "conclude_annual_inspection", ctx, organization_id,
            idempotency_key, year=year, result=result,
        )

    def award_grade(
        self, ctx: Context, organization_id: str, *, score: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "award_grade", "award_grade", ctx, organization_id, idempotency_key,
            score=score, settings=self.settings,
        )

    def lower_grade(
        self, ctx: Context, organization_id: str, *, grade: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization("lower_grade", "lower_grade", ctx, organization_id, idempotency_key, grade=grade)

    def cancel_grade(self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        return self._on_organization("cancel_grade", "cancel_grade", ctx, organization_id, idempotency_key)

    # -- funding --------------------------------------------------------------------------------

    def award_funding(
        self,
        ctx: Context,
        organization_id: str,
        *,
        purchasing_unit: str,
        project_name: str,
        amount: Decimal,
        period_start: date,
        period_end: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """政府购买服务: a project is awarded to an organization that may be funded."""
        fields = dict(
            purchasing_unit=purchasing_unit, project_name=project_name, amount=amount,
            period_start=period_start, period_end=period_end,
        )

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            org.ensure_in_being_on(ctx)
            return [FundingProject.award(ctx, organization_id=org.id, funding_refusal=org.funding_refusal, **fields)]

        return self._run(
            "award_funding", {"ctx": ctx, "id": str(organization_id), **fields}, idempotency_key, decide
        )

    def _on_project(
        self, command: str, ctx: Context, project_id: str, key: str | None,
        act: Callable[[FundingProject, str | None], None], **payload: Any,
    ) -> CommandResult:
        def decide() -> list[Aggregate]:
            project = self.funding_project(project_id)
            refusal = self.organization(project.organization_id).funding_refusal
            act(project, refusal)
            return [project]

        return self._run(command, {"ctx": ctx, "id": str(project_id), **payload}, key, decide)

    def disburse_funding(
        self, ctx: Context, project_id: str, *, amount: Decimal, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_project(
            "disburse_funding", ctx, project_id, idempotency_key,
            lambda p, refusal: p.disburse_tranche(ctx, amount=amount, funding_refusal=refusal), amount=amount,
        )

    def suspend_funding(self, ctx: Context, project_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        return self._on_project("suspend_funding", ctx, project_id, idempotency_key, lambda p, _: p.suspend(ctx))

    def resume_funding(self, ctx: Context, project_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        return self._on_project(
            "resume_funding", ctx, project_id, idempotency_key,
            lambda p, refusal: p.resume(ctx, funding_refusal=refusal),
        )

    def claw_back_funds(
        self, ctx: Context, project_id: str, *, amount: Decimal, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_project(
            "claw_back_funds", ctx, project_id, idempotency_key,
            lambda p, _: p.claw_back(ctx, amount=amount), amount=amount,
        )

    def close_funding_project(
        self, ctx: Context, project_id: str, *, evaluation: str, score: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._on_project(
            "close_funding_project", ctx, project_id, idempotency_key,
            lambda p, _: p.close(ctx, evaluation=evaluation, score=score), evaluation=evaluation, score=score,
        )

    # -- inspection -----------------------------------------------------------------------------

    def draw_inspection_sample(
        self, ctx: Context, *, year: int, jurisdiction: str, population: list[str], seed: str,
        ratio: Decimal | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """双随机抽查: the year's sample, drawn once per jurisdiction with a recorded seed."""

        def decide() -> list[Aggregate]:
            for org_id in population:
                self.organization(org_id)
            draw = SampleDraw.draw(
                ctx, year=year, jurisdiction=jurisdiction, population=[str(i) for i in population],
                seed=seed, settings=self.settings, ratio=ratio,
            )
            if self._exists(draw.id):
                raise DuplicateOrganization(f"the {year} sample for {jurisdiction} was already drawn")
            return [draw]

        return self._run(
            "draw_inspection_sample",
            {"ctx": ctx, "year": year, "jurisdiction": jurisdiction, "population": population, "seed": seed,
             "ratio": ratio},
            idempotency_key, decide,
        )

    def open_inspection(
        self, ctx: Context, organization_id: str, *, inspectors: list[str], subject: str,
        sample_draw_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """立案检查: the case and the organization's 'under investigation' are recorded together."""

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            draw_id = None
            if sample_draw_id is not None:
                draw = self.sample_draw(sample_draw_id)
                if str(org.id) not in draw.drawn:
                    raise InvalidInput(f"{org.name} was not drawn in that sample")
                draw_id = draw.id
            case = InspectionCase.open(
                ctx, organization_id=org.id, inspectors=inspectors, subject=subject,
                settings=self.settings, sample_draw_id=draw_id,
            )
            org.note_investigation_opened(ctx, case_id=str(case.id))
            return [case, org]

        return self._run(
            "open_inspection",
            {"ctx": ctx, "id": str(organization_id), "inspectors": inspectors, "subject": subject,
             "sample_draw_id": sample_draw_id},
            idempotency_key, decide,
        )

    def _on_case(
        self, command: str, ctx: Context, case_id: str, key: str | None,
        act: Callable[[InspectionCase], None], **payload: Any,
    ) -> CommandResult:
        def decide() -> list[Aggregate]:
            case = self.inspection_case(case_id)
            act(case)
            return [case]

        return self._run(command, {"ctx": ctx, "id": str(case_id), **payload}, key, decide)

    def record_inspection_findings(
        self, ctx: Context, case_id: str, *, findings: str, problems_found: bool, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "record_inspection_findings", ctx, case_id, idempotency_key,
            lambda c: c.record_findings(ctx, findings=findings, problems_found=problems_found),
            findings=findings, problems_found=problems_found,
        )

    def order_rectification(
        self, ctx: Context, case_id: str, *, requirements: str, deadline: date, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "order_rectification", ctx, case_id, idempotency_key,
            lambda c: c.order_rectification(ctx, requirements=requirements, deadline=deadline),
            requirements=requirements, deadline=deadline,
        )

    def confirm_rectification(
        self, ctx: Context, case_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "confirm_rectification", ctx, case_id, idempotency_key, lambda c: c.confirm_rectification(ctx)
        )

    def record_rectification_overdue(
        self, ctx: Context, case_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_case(
            "record_rectification_overdue", ctx, case_id, idempotency_key,
            lambda c: c.record_rectification_overdue(ctx),
        )

    def close_inspection(
        self, ctx: Context, case_id: str, *, conclusion: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """结案: the case closes and the organization is no longer under investigation by it."""

        def decide() -> list[Aggregate]:
            case = self.inspection_case(case_id)
            case.close(ctx, conclusion=conclusion)
            org = self.organization(case.organization_id)
            org.note_investigation_closed(ctx, case_id=str(case.id))
            return [case, org]

        return self._run(
            "close_inspection", {"ctx": ctx, "id": str(case_id), "conclusion": conclusion}, idempotency_key, decide
        )

    # -- penalties and credit lists -------------------------------------------------------------

    def impose_penalty(
        self, ctx: Context, organization_id: str, *, kind: str, amount: Decimal | None = None,
        stop_days: int | None = None, case_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """行政处罚 by any department; a revocation penalty also revokes the registration."""
        payload = {"ctx": ctx, "id": str(organization_id), "kind": kind, "amount": amount,
                   "stop_days": stop_days, "case_id": case_id}

        def decide() -> list[Aggregate]:
            org = self.organization(organization_id)
            changed: list[Aggregate] = [org]
            penalty_id = uuid4().hex
            if case_id is not None:
                case = self.inspection_case(case_id)
                if case.organization_id != org.id:
                    raise InvalidInput("that inspection case is about another organization")
                case.note_penalty(ctx, penalty_id=penalty_id)
                changed.append(case)
            org.impose_penalty(
                ctx, penalty_id=penalty_id, kind=kind, amount=amount, stop_days=stop_days, case_id=case_id
            )
            if kind == PenaltyKind.REVOCATION:
                org.revoke_registration(ctx, ground=RevocationGround.SERIOUS_PENALTY)
            return changed

        return self._run("impose_penalty", payload, idempotency_key, decide)

    def record_penalty_executed(
        self, ctx: Context, organization_id: str, *, penalty_id: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "record_penalty_executed", "record_penalty_executed", ctx, organization_id, idempotency_key,
            penalty_id=penalty_id,
        )

    def add_to_abnormal_list(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "add_to_abnormal_list", "add_to_abnormal_list", ctx, organization_id, idempotency_key, ground=ground
        )

    def remove_from_abnormal_list(
        self, ctx: Context, organization_id: str, *, verified_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_abnormal_list", "remove_from_abnormal_list", ctx, organization_id, idempotency_key,
            verified_on=verified_on, settings=self.settings,
        )

    def escalate_to_serious_list(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "escalate_to_serious_list", "escalate_to_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings,
        )

    def add_to_serious_list(
        self, ctx: Context, organization_id: str, *, ground: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "add_to_serious_list", "add_to_serious_list", ctx, organization_id, idempotency_key, ground=ground
        )

    def remove_from_serious_list(
        self, ctx: Context, organization_id: str, *, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "remove_from_serious_list", "remove_from_serious_list", ctx, organization_id, idempotency_key,
            settings=self.settings,
        )

    # -- joint supervision alerts ---------------------------------------------------------------

    def alert(self, alert_id: UUID | str) -> Alert:
        return self._get(Alert, alert_id, NotFound)

    def acknowledge_alert(self, ctx: Context, alert_id: str, *, idempotency_key: str | None = None) -> CommandResult:
        """签收 by one of the departments the alert is for."""

        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            alert.acknowledge(ctx)
            return [alert]

        return self._run("acknowledge_alert", {"ctx": ctx, "id": str(alert_id)}, idempotency_key, decide)

    def resolve_alert(
        self, ctx: Context, alert_id: str, *, resolution: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """办结, saying how the alert was dealt with."""

        def decide() -> list[Aggregate]:
            alert = self.alert(alert_id)
            alert.resolve(ctx, resolution=resolution)
            return [alert]

        return self._run(
            "resolve_alert", {"ctx": ctx, "id": str(alert_id), "resolution": resolution}, idempotency_key, decide
        )

    # -- party building -------------------------------------------------------------------------

    def count_party_members(
        self, ctx: Context, organization_id: str, *, members: int, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "count_party_members", "count_party_members", ctx, organization_id, idempotency_key, members=members
        )

    def set_up_party_organization(
        self, ctx: Context, organization_id: str, *, form: str, name: str,
        host_organization_id: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        if host_organization_id is not None:
            host = self.organization(host_organization_id)
            if str(host.id) == str(organization_id):
                raise InvalidInput("an organization cannot attach its party organization to itself")
            if host.party_organization is None:
                raise RuleViolation(f"{host.name} has no party organization to attach to")
        return self._on_organization(
            "set_up_party_organization", "set_up_party_organization", ctx, organization_id, idempotency_key,
            form=form, name=name, settings=self.settings, host_organization_id=host_organization_id,
        )

    def appoint_party_instructor(
        self, ctx: Context, organization_id: str, *, name: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._on_organization(
            "appoint_party_instructor", "appoint_party_instructor", ctx, organization_id, idempotency_key, name=name
        )


__all__ = ["CommandResult", "Person", "RecordedEvent", "Supervision", "event_id"]
