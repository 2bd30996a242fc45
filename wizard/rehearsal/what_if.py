"""What-if: the planned resources compared with the model, in ARM's WhatIfOperationResult shape.

A deployment PUTs each resource whole, so what-if compares what the last template said about
a resource (the model keeps it) with what the new one says: a property the new template no
longer sets is a Delete, a new one a Create, a different value a Modify. Values Azure adds at
creation (provisioning state, addresses, ids) are not the template's, so they never show as
deltas, and a Create's ``after`` holds only what the template sets (with id, name, type and
apiVersion), as ARM's does. Nested deployments are expanded: ARM reports their resources,
never the deployments themselves. Resources in the target groups that the template does not
mention are Ignore in Incremental mode and Delete in Complete mode.

Values from the deployments specification (2025-04-01, 2026-06-01): changeType Create, Delete,
Ignore, Deploy, NoChange, Modify, Unsupported; propertyChangeType Create, Delete, Modify,
Array, NoEffect. A changed item in a list of plain values is a Delete and a Create at its
index, as ARM prints them (``- 0: "a"`` / ``+ 0: "b"``)."""

from __future__ import annotations

import json

from typing import Any

from wizard.rehearsal.scenario import normalize_location
from wizard.rehearsal.template_evaluation import DEPLOYMENT_TYPE, Plan, PlannedResource
from wizard.rehearsal.world import World

RESOURCE_GROUP = "microsoft.resources/resourcegroups"
IDENTITY_KEYS = ("id", "name", "type", "apiVersion")
# Properties a template may send but Azure never takes from it: ARM marks them NoEffect.
READ_ONLY = frozenset({"provisioningState", "resourceGuid", "etag"})
LINKED_REASON = ("Changes to the resources of nested deployment '{name}' cannot be analyzed because its template "
                 "is linked (templateLink) and the rehearsal cannot fetch it.")


def _norm(path: str, value: Any) -> Any:
    if path == "location" and isinstance(value, str):
        return normalize_location(value)
    return value


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def property_deltas(path: str, before: Any, after: Any) -> list[dict[str, Any]]:
    """Deltas between what was declared and what will be declared at ``path``."""
    before, after = _norm(path, before), _norm(path, after)
    if isinstance(after, dict) and isinstance(before, dict):
        out: list[dict[str, Any]] = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{path}.{key}" if path else key
            if key not in after:
                kind = "NoEffect" if key in READ_ONLY else "Delete"
                out.append({"path": sub, "propertyChangeType": kind, "before": before[key]})
            elif key not in before:
                kind = "NoEffect" if key in READ_ONLY else "Create"
                out.append({"path": sub, "propertyChangeType": kind, "after": after[key]})
            else:
                out.extend(property_deltas(sub, before[key], after[key]))
        return out
    if isinstance(after, list) and isinstance(before, list):
        children = _array_children(before, after)
        return [{"path": path, "propertyChangeType": "Array", "children": children}] if children else []
    if before == after:
        return []
    if _leaf(path) in READ_ONLY:
        return [{"path": path, "propertyChangeType": "NoEffect", "before": before, "after": after}]
    return [{"path": path, "propertyChangeType": "Modify", "before": before, "after": after}]


def _array_children(before: list[Any], after: list[Any]) -> list[dict[str, Any]]:
    """Children of an Array delta, each at its index: objects that differ are a Modify with
    their own children; plain values that differ are a Delete and a Create."""
    children: list[dict[str, Any]] = []
    for i in range(max(len(before), len(after))):
        if i >= len(before):
            children.append({"path": str(i), "propertyChangeType": "Create", "after": after[i]})
        elif i >= len(after):
            children.append({"path": str(i), "propertyChangeType": "Delete", "before": before[i]})
        elif isinstance(before[i], dict) and isinstance(after[i], dict):
            inner = _relative(property_deltas("", before[i], after[i]))
            if inner:
                children.append({"path": str(i), "propertyChangeType": "Modify", "children": inner})
        elif before[i] != after[i]:
            children.append({"path": str(i), "propertyChangeType": "Delete", "before": before[i]})
            children.append({"path": str(i), "propertyChangeType": "Create", "after": after[i]})
    return children


def _relative(deltas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Paths computed from an empty prefix start with the key itself (no leading dot)."""
    return [dict(d, path=str(d["path"]).lstrip(".")) for d in deltas]


def _desired(res: PlannedResource) -> dict[str, Any]:
    """What the template will PUT: identity fields and the declared body, nothing else."""
    body = {"id": res.id, "name": res.name.split("/")[-1], "type": res.type}
    if res.api_version:
        body["apiVersion"] = res.api_version
    body.update(res.declared)
    return body


def _shaped_like(current: Any, desired: Any) -> Any:
    """The parts of ``current`` that ``desired`` also names: for a resource no template made,
    what Azure shows is mostly its own (defaults, runtime values), not dropped settings."""
    if isinstance(current, dict) and isinstance(desired, dict):
        return {k: _shaped_like(current[k], v) for k, v in desired.items() if k in current}
    return current


def _compared(previous: Any, current: Any, desired: Any) -> Any:
    """What ARM compares the new template with: the last template's body, and, where the new
    one sets a property the last one did not, the value Azure holds (AKS's kubelet identity,
    a default the service filled in). A template that sends a resource back as Azure reports
    it, with one property changed, then shows that one change, as ARM's what-if does."""
    if isinstance(previous, dict) and isinstance(desired, dict):
        now = current if isinstance(current, dict) else {}
        out = dict(previous)
        for key, value in desired.items():
            if key in previous:
                out[key] = _compared(previous[key], now.get(key), value)
            elif key in now:
                out[key] = now[key]
        return out
    if isinstance(previous, list) and isinstance(desired, list) and isinstance(current, list) \
            and len(previous) == len(desired) == len(current):
        return [_compared(p, c, d) for p, c, d in zip(previous, current, desired)]
    return previous


def _declared_only(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in IDENTITY_KEYS}


def _change(res: PlannedResource, world: World) -> dict[str, Any]:
    current = world.model.resource(res.id)
    desired = _desired(res)
    if current is None:
        return {"resourceId": res.id, "changeType": "Create", "after": desired}
    previous = world.model.declared(res.id)
    if previous is None and res.type.lower() == RESOURCE_GROUP:  # a group's PUT replaces its tags
        previous = {k: current[k] for k in ("location", "tags") if current.get(k)}
    elif previous is None:  # made outside a deployment: only what the template sets can be compared
        previous = _shaped_like(current, desired)
    else:
        previous = _compared(previous, current, desired)
    deltas = property_deltas("", _declared_only(previous), _declared_only(desired))
    deltas = _relative(deltas)
    effective = [d for d in deltas if d["propertyChangeType"] != "NoEffect"]
    after = dict(current, **{k: v for k, v in desired.items()})
    for key in [k for k in current if k not in desired and k not in IDENTITY_KEYS and k in previous]:
        after.pop(key, None)  # the PUT drops what the template no longer sets
    return {"resourceId": res.id, "changeType": "Modify" if effective else "NoChange",
            "before": current, "after": after if effective else current, "delta": deltas or None}


def _target_groups(plan: Plan, top_group: str | None) -> list[str]:
    groups = [top_group] if top_group else []
    for res in plan.resources:
        if res.type.lower() == DEPLOYMENT_TYPE and res.target_group:
            groups.append(res.target_group)
        if res.type.lower() == RESOURCE_GROUP:
            groups.append(res.name)
    return list(dict.fromkeys(g.lower() for g in groups))


def what_if_changes(plan: Plan, world: World, sub: str, top_group: str | None, mode: str = "Incremental",
                    unexpanded: dict[str, str] | None = None, skipped: set[str] | None = None
                    ) -> list[dict[str, Any]]:
    """``unexpanded``: nested deployments what-if cannot expand (their inputs are only known
    while the deployment runs), reported as Unsupported with ARM's reason; ``skipped``: the
    resources inside them, which what-if cannot see."""
    changes: list[dict[str, Any]] = []
    planned_ids: set[str] = {r.id.lower() for r in plan.resources}
    for res in plan.resources:
        if res.type.lower() == DEPLOYMENT_TYPE:
            reason = (unexpanded or {}).get(res.id)
            if res.linked:
                reason = LINKED_REASON.format(name=res.name)
            if reason:
                changes.append({"resourceId": res.id, "changeType": "Unsupported", "unsupportedReason": reason})
            continue
        if res.id.lower() in (skipped or set()):
            continue
        changes.append(_change(res, world))
    for group in _target_groups(plan, top_group):
        leftover = "Delete" if mode == "Complete" and top_group and group == top_group.lower() else "Ignore"
        for existing in world.model.resources_in_group(sub, group):
            if existing["id"].lower() not in planned_ids:
                changes.append({"resourceId": existing["id"], "changeType": leftover, "before": existing})
    return changes


MASK = "*******"  # what what-if prints for a value from a secure parameter (Azure/arm-template-whatif#379)


def secure_values(template: Any, parameters: Any) -> set[str]:
    """The values given for the template's secureString/secureObject parameters (as strings)."""
    declared = (template or {}).get("parameters") or {} if isinstance(template, dict) else {}
    out: set[str] = set()
    for name, spec in declared.items():
        if str((spec or {}).get("type", "")).lower() in ("securestring", "secureobject"):
            value = ((parameters or {}).get(name) or {}).get("value")
            if value not in (None, ""):
                out.add(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    return out


def mask_secure(value: Any, secrets: set[str]) -> Any:
    """What-if never shows a secure value: anything equal to one becomes the mask."""
    if not secrets:
        return value
    if isinstance(value, str):
        return MASK if value in secrets else value
    if isinstance(value, list):
        return [mask_secure(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: mask_secure(v, secrets) for k, v in value.items()}
    return value
