"""Scenario-driven drift: Azure keeping a resource other than the template asked for. In real
subscriptions this is a policy with a Modify effect, an add-on that failed to install and was
left off, or a colleague's edit between the deployment and the check. The posture check reads
resources back to catch exactly this, so the rehearsal can make it happen.

A scenario lists ``drift`` entries: ``{"type": ..., "path": "properties.a.b", "value": ...,
"why": ...}``; the state stored for every matching resource a deployment writes gets ``value``
at ``path`` (what a later GET returns), while what the deployment was asked for is unchanged."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        nxt = body.get(part)
        if not isinstance(nxt, dict):
            nxt = body[part] = {}
        body = nxt
    body[parts[-1]] = value


def apply(schedule: Sequence[dict[str, Any]], rules: Sequence[Mapping[str, Any]]) -> None:
    for entry in schedule:
        for rule in rules:
            if str(rule.get("type", "")).lower() == str(entry.get("type", "")).lower() and entry.get("state"):
                _set(entry["state"], str(rule["path"]), rule.get("value"))
