"""How the domain's value objects are written into stored events (JSON), and read back."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError, Transcoding

from domain.context import Context, stored_actor, stored_context
from domain.people import Person, stored_person
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
        return stored_person(**data)


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


class StoredJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, reading with orjson: parsing every event with the standard
    library's decoder and a Python hook per object was most of the cost of reading the log.

    Writing is the library's own, so the stored bytes do not change; reading gives back the same
    objects, inner values first, as the hook did. What orjson refuses (NaN, some integers beyond 64
    bits) or reads as a float (other integers beyond 64 bits) is read by the library's decoder instead.
    """

    def decode(self, data: bytes) -> Any:
        try:
            parsed = orjson.loads(data)
            return self._revived(parsed)
        except (orjson.JSONDecodeError, _ReadAsFloat):
            return super().decode(data)

    def _revived(self, value: Any) -> Any:
        # Called for every dict and list of every event read (a rebuild reads a million): so the
        # branches are few and a marker's data, rarely nested, is decoded without another call.
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                try:
                    transcoding = self.names[value["_type_"]]
                except KeyError:
                    raise TranscodingNotRegisteredError(
                        f"Data serialized with name {value['_type_']!r} is not deserializable") from None
                data = value["_data_"]
                kind = type(data)
                return transcoding.decode(self._revived(data) if kind is dict or kind is list else data)
            items: Any = value.items()
        elif type(value) is list:
            items = enumerate(value)
        elif type(value) is float:
            raise _ReadAsFloat
        else:
            return value
        for key, item in items:  # replacing a key's value in place, never adding one
            kind = type(item)
            if kind is dict or kind is list:
                value[key] = self._revived(item)
            elif kind is float:
                raise _ReadAsFloat
        return value


class _ReadAsFloat(Exception):
    """orjson read a number as a float: our events store none (money is Decimal), but orjson reads an
    integer beyond 64 bits as one, silently; the library's decoder keeps it an int."""


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), PersonAsDict(), ContextAsDict(), *SNAPSHOT_TRANSCODINGS):
        transcoder.register(transcoding)
