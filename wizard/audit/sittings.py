"""Who was acting at each record, and what the session was, read from the log itself.

Only ``session.started`` and ``session.resumed`` name the actor (from the token's claims, once
per sitting), so a reviewer asking "who approved this?" would otherwise have to scroll back and
find the sitting a record belongs to. The export does that walk once, here: every record is
attributed to the actor of the latest session record before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from wizard.audit.kinds import (CHECK_OVERRIDDEN, DECISION_RECORDED, PREVIEW_APPROVED, REMEDY_APPLIED,
                                SESSION_RESUMED, SESSION_STARTED)
from wizard.audit.record import AuditRecord

__all__ = ["OPERATOR_ACTS", "SESSION_FIELDS", "Sitting", "actor_of", "session_facts", "sittings"]

OPERATOR_ACTS: frozenset[str] = frozenset({DECISION_RECORDED, PREVIEW_APPROVED, CHECK_OVERRIDDEN, REMEDY_APPLIED})
"""Kinds that record something the operator did, so the export names who did it."""

SESSION_FIELDS: tuple[tuple[str, str], ...] = (
    ("mode", "Mode"),
    ("scenario", "Scenario"),
    ("tool_version", "Tool version"),
    ("cloud", "Cloud"),
    ("tenant_id", "Tenant"),
    ("subscription_id", "Subscription"),
)
"""The session records' fields a review header shows, with their labels."""


@dataclass(frozen=True)
class Sitting:
    """One ``session.started`` or ``session.resumed`` record: a period of work by one actor."""

    seq: int
    ts: str
    kind: str
    data: Mapping[str, Any]

    @property
    def actor(self) -> Mapping[str, Any] | None:
        actor = self.data.get("actor")
        return actor if isinstance(actor, Mapping) else None


def sittings(records: Iterable[AuditRecord]) -> list[Sitting]:
    return [Sitting(r.seq, r.ts, r.kind, r.data) for r in records if r.kind in (SESSION_STARTED, SESSION_RESUMED)]


def actor_of(lines: Iterable[tuple[int, AuditRecord]]) -> dict[int, Sitting | None]:
    """``{line number: the sitting in effect at that record}`` for ``(line, record)`` pairs in
    file order; None before any session record. Keyed by line, not seq, so even a broken log
    (duplicated or missing seqs) attributes each line to what precedes it in the file."""
    out: dict[int, Sitting | None] = {}
    current: Sitting | None = None
    for line, record in lines:
        if record.kind in (SESSION_STARTED, SESSION_RESUMED):
            current = Sitting(record.seq, record.ts, record.kind, record.data)
        out[line] = current
    return out


def session_facts(records: Iterable[AuditRecord]) -> dict[str, list[tuple[int, Any]]]:
    """For each header field, its values in order with the seq where each first appears: one
    entry when every sitting agrees, more when e.g. a resume ran a newer tool version."""
    facts: dict[str, list[tuple[int, Any]]] = {key: [] for key, _ in SESSION_FIELDS}
    for sitting in sittings(records):
        for key, _ in SESSION_FIELDS:
            if key not in sitting.data or sitting.data[key] in (None, ""):
                continue
            values = facts[key]
            if not values or values[-1][1] != sitting.data[key]:
                values.append((sitting.seq, sitting.data[key]))
    return facts
