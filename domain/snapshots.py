"""Snapshots of an aggregate's state, so loading an organization with decades of history reads one
snapshot and the few events since, not every event.

A snapshot is derived data: the events stay the record, and any snapshot can be dropped and taken
again. The library writes the state as JSON, which would turn an enum member into a plain string
(JSON writes str subclasses as strings) and a year-keyed dict into string keys; ``StateSnapshot``
wraps those values so that they come back as they were. When an aggregate's attributes change,
raise its ``class_version`` and give it ``upcast_vN_vN+1`` (the library's upcasting of snapshots).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from domain.credit_lists import Listing, PenaltyRecord


class EnumMember:
    """An enum member on its way into a snapshot (written as its class and value)."""

    __slots__ = ("member",)

    def __init__(self, member: Enum) -> None:
        self.member = member


class KeyedByInt:
    """A dict with integer keys (years) on its way into a snapshot (written as pairs)."""

    __slots__ = ("items",)

    def __init__(self, items: dict[int, Any]) -> None:
        self.items = items


def snapshot_value(value: Any) -> Any:
    """``value`` with every enum member and int-keyed dict in it wrapped, at any depth."""
    if isinstance(value, Enum):
        return EnumMember(value)
    if type(value) is list:
        return [snapshot_value(item) for item in value]
    if type(value) is dict:
        wrapped = {key: snapshot_value(item) for key, item in value.items()}
        return KeyedByInt(wrapped) if any(type(key) is int for key in value) else wrapped
    return value


class StateSnapshot(Snapshot):
    @classmethod
    def take(cls, aggregate: Any) -> StateSnapshot:
        snapshot = super().take(aggregate)
        for name, value in list(snapshot.state.items()):
            snapshot.state[name] = snapshot_value(value)
        return snapshot


class EnumMemberAsPair(Transcoding):
    type = EnumMember
    name = "enum"

    def encode(self, obj: EnumMember) -> list[str]:
        return [get_topic(type(obj.member)), obj.member.value]

    def decode(self, data: list[str]) -> Enum:
        return resolve_topic(data[0])(data[1])


class KeyedByIntAsPairs(Transcoding):
    type = KeyedByInt
    name = "int_keyed"

    def encode(self, obj: KeyedByInt) -> list[list[Any]]:
        return [[key, item] for key, item in obj.items.items()]

    def decode(self, data: list[list[Any]]) -> dict[Any, Any]:
        return {key: item for key, item in data}


class DataclassAsDict(Transcoding):
    """A dataclass of the domain's by its fields (enum members inside kept as such)."""

    def __init__(self, cls: type, name: str) -> None:
        assert is_dataclass(cls)
        self.type = cls
        self.name = name
        self._fields = [f.name for f in fields(cls)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: snapshot_value(getattr(obj, name)) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


SNAPSHOT_TRANSCODINGS = (
    EnumMemberAsPair(), KeyedByIntAsPairs(), DataclassAsDict(Listing, "listing"),
    DataclassAsDict(PenaltyRecord, "penalty_record"),
)
