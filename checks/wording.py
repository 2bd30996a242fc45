"""How a finding counts things: "Both names", not "All 2 names"; "The name", not "All 1 names"."""

from __future__ import annotations


def all_of(count: int, singular: str, plural: str) -> str:
    """The subject of a sentence about every one of ``count`` things."""
    if count == 1:
        return f"The {singular}"
    if count == 2:
        return f"Both {plural}"
    return f"All {count} {plural}"
