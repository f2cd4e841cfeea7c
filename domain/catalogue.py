"""The event catalogue (docs/events.md), generated from the aggregate classes themselves."""

from __future__ import annotations

import dataclasses
import inspect

from eventsourcing.domain import Aggregate, CommandMethodDecorator

from domain.alerts import Alert
from domain.funding import FundingProject
from domain.indexes import CreditCodeIndex, NameIndex
from domain.inspection import InspectionCase
from domain.organization import Organization
from domain.receipts import CommandReceipt
from domain.sampling import SampleDraw

BUSINESS_AGGREGATES: tuple[type[Aggregate], ...] = (Organization, FundingProject, InspectionCase, SampleDraw, Alert)
TECHNICAL_AGGREGATES: tuple[type[Aggregate], ...] = (NameIndex, CreditCodeIndex, CommandReceipt)
COMMON_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def event_classes(aggregate: type[Aggregate]) -> list[tuple[type, str]]:
    """(event class, one-line description) for each event the aggregate defines, creation first."""
    described: dict[str, str] = {}
    for attribute in vars(aggregate).values():
        if isinstance(attribute, CommandMethodDecorator):
            # @event("Name"), or @event(DeclaredClass) for an event whose shape is declared (class_version)
            name = attribute.event_cls_name or getattr(attribute.given_event_cls, "__name__", None)
            if name:
                doc = inspect.getdoc(attribute.decorated_func) or ""
                described[name] = doc.splitlines()[0] if doc else ""
    classes = {
        name: value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, aggregate.Event) and name != "Event"
    }
    if len([c for c in classes.values() if issubclass(c, Aggregate.Created)]) > 1:
        classes.pop("Created", None)  # the library's default, unused where creation events are named
    init_doc = (inspect.getdoc(vars(aggregate).get("__init__")) or "").split("\n")[0]
    found = [
        (value, described.get(name) or _own_doc(value) or (init_doc if name == "Created" else ""))
        for name, value in classes.items()
    ]
    found.sort(key=lambda pair: not issubclass(pair[0], Aggregate.Created))
    return found


def _own_doc(event_class: type) -> str:
    # The library subclasses declared event classes and documents them with their signature.
    for klass in event_class.__mro__:
        if klass.__module__.startswith("eventsourcing"):
            break
        doc = klass.__dict__.get("__doc__")
        if doc and not doc.startswith(klass.__name__ + "("):
            return doc.strip().splitlines()[0]
    return ""


def event_fields(event_class: type) -> list[tuple[str, str]]:
    if not dataclasses.is_dataclass(event_class):
        return []
    return [
        (f.name, f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type)))
        for f in dataclasses.fields(event_class)
        if f.name not in COMMON_FIELDS
    ]


def render_catalogue() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from the code by `lianjian docs`; `tests/test_docs.py` fails when it drifts.",
        "",
        "Every event also has `originator_id` (the aggregate), `originator_version` (its position in",
        "that aggregate) and `timestamp` (when it was recorded, UTC). Business events carry `ctx`: the actor",
        "(user id, username, department, role), the reason, the legal basis where there is one, and",
        "`occurred_on`, the business date the change took effect.",
        "",
    ]
    for heading, aggregates in (("Business events", BUSINESS_AGGREGATES), ("Technical events", TECHNICAL_AGGREGATES)):
        lines += [f"## {heading}", ""]
        for aggregate in aggregates:
            lines += [f"### {aggregate.__name__}", "", (aggregate.__dict__.get("__doc__") or "").strip().splitlines()[0], ""]
            lines += ["| event | meaning | fields |", "|---|---|---|"]
            for event_class, description in event_classes(aggregate):
                fields = ", ".join(f"`{name}`: {kind}" for name, kind in event_fields(event_class))
                fields = fields.replace("|", "\\|")  # a union type's bar would end the table cell
                lines.append(f"| `{aggregate.__name__}.{event_class.__name__}` | {description} | {fields} |")
            lines.append("")
    return "\n".join(lines)
