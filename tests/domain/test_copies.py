"""The aggregate cache hands out copies: a copy must equal its original and share nothing mutable."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.application import Supervision
from domain.base import IMMUTABLE
from gateway.demo import load_demo


def mutable_parts(value: Any, seen: set[int] | None = None) -> list[Any]:
    """Every list, dict, set or non-frozen object reachable from ``value``."""
    seen = set() if seen is None else seen
    if isinstance(value, IMMUTABLE) or id(value) in seen:
        return []
    seen.add(id(value))
    found: list[Any] = []
    if isinstance(value, (list, set, tuple)):
        found += [value] if not isinstance(value, tuple) else []
        for item in value:
            found += mutable_parts(item, seen)
    elif isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found += mutable_parts(item, seen)
    elif hasattr(value, "__dict__"):
        params = getattr(type(value), "__dataclass_params__", None)
        if params is None or not params.frozen:
            found.append(value)
        for item in vars(value).values():
            found += mutable_parts(item, seen)
    return found


def test_copies_of_every_demo_aggregate_equal_their_originals_and_share_nothing_mutable(tmp_path: Path) -> None:
    app = Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "x.sqlite")})
    load_demo(app)
    ids = {UUID(e.aggregate_id) for e in app.recorded_events() if e.version == 1}
    kinds: set[str] = set()
    for aggregate_id in ids:
        original = app.repository.get(aggregate_id)
        copied = copy.deepcopy(original)
        assert type(copied) is type(original)
        assert vars(copied) == vars(original), type(original).__name__
        originals = {id(part) for part in mutable_parts(vars(original))}
        assert not [part for part in mutable_parts(vars(copied)) if id(part) in originals], type(original).__name__
        kinds.add(type(original).__name__)
    assert {"Organization", "FundingProject", "InspectionCase"} <= kinds
    # And the copy's containers really are its own.
    org = next(app.repository.get(i) for i in ids if type(app.repository.get(i)).__name__ == "Organization"
               and app.repository.get(i).annual_reports)
    copied = copy.deepcopy(org)
    copied.annual_reports[1900] = None
    copied.penalties.append("x")
    assert 1900 not in org.annual_reports and "x" not in org.penalties
    app.close()
