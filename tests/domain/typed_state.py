"""An aggregate's state with its types spelled out, so a str never passes for an enum member equal to it."""

from __future__ import annotations

from typing import Any


def typed(value: Any) -> Any:
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return (type(value).__name__, typed(vars(value)))
    return (type(value).__name__, value)
