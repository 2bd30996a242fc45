"""Keep secure parameter values out of a preview. ARM's what-if should mask them itself, but it
has shown them in plain text for some resource types (Azure/arm-template-whatif#4, #309): a
preview is shown, stored in the session's state and audited, so the wizard masks them again
before anything sees it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

from wizard.engine.contract import PlannedChange

MASK = "(secure value, not shown)"


def _masked(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return MASK if any(s and s in value for s in secrets) else value
    if isinstance(value, list):
        return [_masked(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v, secrets) for k, v in value.items()}
    return value


def mask(changes: Iterable[PlannedChange], secrets: Iterable[str]) -> tuple[PlannedChange, ...]:
    known = frozenset(s for s in secrets if len(s) >= 4)  # a 1-3 character value would mask ordinary text
    if not known:
        return tuple(changes)
    return tuple(replace(c, deltas=tuple(replace(d, before=_masked(d.before, known), after=_masked(d.after, known))
                                         for d in c.deltas)) for c in changes)
