"""Where personal data leaves the gateway, the read is recorded (projections/audit/read_audit.py keeps it).

A resolver that built its objects as the policy allows calls one of these once, before it returns: a read
is recorded for each organization whose ID or phone numbers the caller was shown unmasked *and* asked for
(a list of organizations that shows only names records nothing). Writing the record is part of the
answer: if it fails, the resolver fails (UNAVAILABLE), and the data does not leave.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from gateway.graphql.context import caller, runtime
from projections.audit.read_audit import VIA_GRAPHQL, record_reads

PERSON_FIELDS = ("idNumber", "phone")


def asks_for(info: Info, field: str, within: Sequence[str] = ()) -> bool:
    """Does the query select ``field`` anywhere below this resolver's field (fragments included), and, when
    ``within`` names subfields, one of them under it?"""

    def found(selections: Iterable[Any], name: str, below: Sequence[str]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField) and selection.name == name:
                if not below or any(found(selection.selections, sub, ()) for sub in below):
                    return True
            if found(selection.selections, name, below):
                return True
        return False

    return any(found(selected.selections, field, within) for selected in info.selected_fields)


def record(info: Info, org_ids: Iterable[Any], what: str) -> None:
    """Record that the caller was shown the personal data of these organizations through ``what``."""
    ids = [str(i) for i in org_ids if i]
    if ids:
        record_reads(runtime(info).db, caller(info), ids, what, via=VIA_GRAPHQL)


def organizations_shown(info: Info, organizations: Iterable[Any], what: str) -> None:
    """Organizations whose legal representative (ID, phone) was built unmasked and asked for."""
    shown = [o.id for o in organizations if o is not None and o.personal_data_shown]
    if shown and asks_for(info, "legalRepresentative", PERSON_FIELDS):
        record(info, shown, what)


def events_shown(info: Info, events: Iterable[Any], what: str) -> None:
    """Events whose data held a person shown unmasked, when the event data was asked for."""
    shown = [e.organization_id or e.aggregate_id for e in events if e.personal_data_shown]
    if shown and asks_for(info, "data"):
        record(info, shown, what)


def has_personal_data(value: Any) -> bool:
    """Does this value (event data, a row) hold an ID or phone number of a person?"""
    if isinstance(value, dict):
        if set(value) == {"name", "id_number", "phone"}:
            return bool(value.get("id_number") or value.get("phone"))
        return any(has_personal_data(v) for v in value.values())
    if isinstance(value, list):
        return any(has_personal_data(v) for v in value)
    return False


def row_has_personal_data(row: dict[str, Any]) -> bool:
    """A view row with personal data: an ``…id_number`` or ``…phone`` column set, or event data holding a
    person (the event history's ``data`` column)."""
    for column, value in row.items():
        if value in (None, ""):
            continue
        if column.endswith(("id_number", "phone")):
            return True
        if column == "data" and isinstance(value, str) and value.startswith("{"):
            try:
                if has_personal_data(json.loads(value)):
                    return True
            except ValueError:
                continue
    return False
