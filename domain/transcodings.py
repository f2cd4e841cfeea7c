"""How the domain's value objects are written into stored events (JSON), and read back."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.context import Context, stored_actor, stored_context
from domain.people import Person
from domain.snapshots import SNAPSHOT_TRANSCODINGS


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class PersonAsDict(Transcoding):
    type = Person
    name = "person"

    def encode(self, obj: Person) -> dict[str, Any]:
        return {"name": obj.name, "id_number": obj.id_number, "phone": obj.phone}

    def decode(self, data: dict[str, Any]) -> Person:
        return Person(**data)


class ContextAsDict(Transcoding):
    """Flat, so the stored JSON reads plainly: who, department, role, why, basis, effective date."""

    type = Context
    name = "ctx"

    def encode(self, obj: Context) -> dict[str, Any]:
        return {
            "user_id": obj.actor.user_id,
            "username": obj.actor.username,
            "department": str(obj.actor.department),
            "role": obj.actor.role,
            "reason": obj.reason,
            "legal_basis": obj.legal_basis,
            "occurred_on": obj.occurred_on,
        }

    def decode(self, data: dict[str, Any]) -> Context:
        actor = stored_actor(data["user_id"], data["username"], data["department"], data["role"])
        return stored_context(actor, data["reason"], data["occurred_on"], data["legal_basis"])


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), PersonAsDict(), ContextAsDict(), *SNAPSHOT_TRANSCODINGS):
        transcoder.register(transcoding)
