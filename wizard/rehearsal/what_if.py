"""What-if: the planned resources compared with the model, in ARM's WhatIfOperationResult shape.

Only properties the template declares are compared (Azure adds runtime ones), so deploying
the same template twice shows NoChange, and changing a parameter shows exactly which
property paths would change."""

from __future__ import annotations

from typing import Any

from wizard.rehearsal.scenario import normalize_location
from wizard.rehearsal.template_evaluation import Plan
from wizard.rehearsal.world import World


def _norm(path: str, value: Any) -> Any:
    if path == "location" and isinstance(value, str):
        return normalize_location(value)
    return value


def property_deltas(path: str, before: Any, after: Any) -> list[dict[str, Any]]:
    """Deltas for the keys ``after`` declares; keys only in ``before`` are Azure's, not the template's."""
    before, after = _norm(path, before), _norm(path, after)
    if isinstance(after, dict) and isinstance(before, dict):
        out: list[dict[str, Any]] = []
        for key, value in after.items():
            sub = f"{path}.{key}" if path else key
            if key not in before:
                out.append({"path": sub, "propertyChangeType": "Create", "after": value})
            else:
                out.extend(property_deltas(sub, before[key], value))
        return out
    if isinstance(after, list) and isinstance(before, list):
        if _declared_equal(before, after):
            return []
        children = []
        for i in range(max(len(before), len(after))):
            if i >= len(before):
                children.append({"path": str(i), "propertyChangeType": "Create", "after": after[i]})
            elif i >= len(after):
                children.append({"path": str(i), "propertyChangeType": "Delete", "before": before[i]})
            else:
                inner = property_deltas("", before[i], after[i])
                if inner:
                    children.append({"path": str(i), "propertyChangeType": "Modify", "children": inner})
        return [{"path": path, "propertyChangeType": "Array", "children": children}]
    if before != after:
        if before is None:
            return [{"path": path, "propertyChangeType": "Create", "after": after}]
        return [{"path": path, "propertyChangeType": "Modify", "before": before, "after": after}]
    return []


def _declared_equal(before: Any, after: Any) -> bool:
    if isinstance(after, dict) and isinstance(before, dict):
        return all(k in before and _declared_equal(before[k], v) for k, v in after.items())
    if isinstance(after, list) and isinstance(before, list):
        return len(after) == len(before) and all(_declared_equal(b, a) for b, a in zip(before, after))
    return bool(before == after)


def what_if_changes(plan: Plan, world: World, groups: list[tuple[str, str]]) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    planned_ids = set()
    for res in plan.resources:
        if res.type.lower() == "microsoft.resources/deployments":
            continue
        planned_ids.add(res.id.lower())
        current = world.model.resource(res.id)
        if current is None:
            changes.append({"resourceId": res.id, "changeType": "Create", "before": None, "after": res.state})
            continue
        declared = {k: v for k, v in res.declared.items()}
        deltas = []
        for key, value in declared.items():
            deltas.extend(property_deltas(key, current.get(key), value))
        changes.append({"resourceId": res.id, "changeType": "Modify" if deltas else "NoChange",
                        "before": current, "after": res.state if deltas else current,
                        "delta": deltas if deltas else None})
    for sub, rg in groups:
        for existing in world.model.resources_in_group(sub, rg):
            if existing["id"].lower() not in planned_ids:
                changes.append({"resourceId": existing["id"], "changeType": "Ignore", "before": existing,
                                "after": None})
    return changes
