"""Small statistics the benchmarks share."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The value under which ``share`` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
