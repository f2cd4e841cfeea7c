"""Running a command: one decision on loaded aggregates, its events and idempotency receipt saved in one
transaction. Decisions are taken first on the aggregate cache's copies as they are (speculative), and again
on copies loaded afresh when the save shows the cache was behind; concurrent writers conflict; a retried
command with an idempotency key returns its first result."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Cache, LRUCache
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.base import event_id
from domain.errors import ConcurrentUpdate, DomainError, IdempotencyKeyReused, InvalidInput, NotFound, StaleCopy
from domain.receipts import IDEMPOTENCY_KEY_MAX, CommandReceipt
from domain.saving import SavingApplication

# The caller's copy of an aggregate for the next command (``reusing``), and whether it was taken from the cache
# as it was.
_REUSED: ContextVar[tuple[Aggregate, bool] | None] = ContextVar("lianjian_reused_aggregate", default=None)
# Within a speculative decision: the aggregates it took from the cache as they were, with their versions.
_SPECULATED: ContextVar[list[tuple[UUID, int]] | None] = ContextVar("lianjian_speculated", default=None)
A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class CommandResult:
    """What a command recorded: the aggregate it created or changed, and its new events' ids."""

    aggregate_id: str
    event_ids: list[str]
    replayed: bool = False  # True when an idempotent retry returned the first result
    position: int | None = None  # global position of the last event recorded (None when replayed)


def mutate_in_turn(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    """The library's project_aggregate without its per-event isinstance check against a runtime
    Protocol, which cost more than the mutation itself: our events are all the library's own."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class CommandRunner(SavingApplication):
    """``_run`` for the commands, and ``_get`` for their decisions to load aggregates with."""

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
        without asking the store for newer events (a round trip that was a large share of a PostgreSQL
        command's time). In one process the cache is always current; another process's writes make the save
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

    # -- idempotency and conflicts ------------------------------------------------------------------

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

    # -- the aggregate cache and loading --------------------------------------------------------------

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

    @contextmanager
    def _loading_as_cached(self) -> Iterator[list[tuple[UUID, int]]]:
        """Loads meanwhile take the cache's copies as they are, as a speculative decision's do; the list
        yielded fills with the copies so taken."""
        taken: list[tuple[UUID, int]] = []
        token = _SPECULATED.set(taken)
        try:
            yield taken
        finally:
            _SPECULATED.reset(token)

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
