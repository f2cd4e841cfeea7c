"""Idempotency: a command given with a key leaves a receipt, saved atomically with its events.

A retry with the same key finds the receipt and gets the first result back instead of applying again.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import SupervisedAggregate
from domain.values import checked_identifier

IDEMPOTENCY_KEY_MAX = 200


class CommandReceipt(SupervisedAggregate):
    """What a command given with an idempotency key recorded, so a retry returns it again."""

    @staticmethod
    def create_id(idempotency_key: str) -> UUID:
        # Every command given with a key looks its receipt up by this id first: the key is checked here.
        key = checked_identifier(idempotency_key, "idempotency key", IDEMPOTENCY_KEY_MAX)
        return uuid5(NAMESPACE_URL, "lianjian:command:" + key)

    def __init__(
        self, idempotency_key: str, command: str, fingerprint: str, aggregate_id: str, event_ids: list[str]
    ) -> None:
        """A command given with an idempotency key was applied; its result is kept here."""
        self.idempotency_key = idempotency_key
        self.command = command
        self.fingerprint = fingerprint
        self.aggregate_id = aggregate_id
        self.event_ids = event_ids
