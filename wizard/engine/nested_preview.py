"""What ARM's preview cannot see of a step's own nested deployments, said once and plainly.

ARM short-circuits a nested deployment whose parameters hold a ``reference()`` (the builder
identity's principal id, known only once the identity exists) or whose resource group the same
template creates: validate skips its resources and what-if lists the nested deployment itself
as ``Unsupported`` (diagnostic ``NestedDeploymentShortCircuited``, deployments spec 2024-07-01
onwards). Left as it is, the preview of the jump box step hid its network, its route table and
the image template, and repeated ARM's paragraph four times. The wizard knows its own template,
so it lists what each such deployment holds, still marked Unsupported (ARM has not predicted
it), and gives one note that says why."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from wizard.engine.contract import PlannedChange

DEPLOYMENTS = "microsoft.resources/deployments"
CODE = "NestedDeploymentShortCircuited"
_GROUP = re.compile(r"resource group '([^']+)'")


def short_name(nested: str, deployment: str) -> str:
    """``hub-default-1a2b3c-builder`` -> ``builder``: the part the step named."""
    return nested[len(deployment) + 1:] if nested.startswith(f"{deployment}-") else nested


def notes(preflight: Sequence[str], what_if: Sequence[str], skipped: Sequence[str] = ()) -> list[str]:
    """ARM's diagnostics as notes, one per kind. ``skipped``: the short names of the nested
    deployments ARM could not evaluate for a ``reference()`` (``expand``). Diagnostics of other
    kinds pass through."""
    everything = list(preflight) + list(what_if)
    ours = [d for d in everything if d.startswith(f"{CODE}:")]
    out = [f"ARM preflight: {d}" for d in preflight if not d.startswith(f"{CODE}:")]
    out += [f"What-if: {d}" for d in what_if if not d.startswith(f"{CODE}:")]
    groups = list(dict.fromkeys(m.group(1) for m in map(_GROUP.search, ours) if m))
    if groups:
        out.insert(0, "ARM skipped the nested deployments into resource groups this step creates ("
                   + ", ".join(groups) + "): they do not exist yet, so ARM validates their resources when "
                   f"each one starts ({CODE}).")
    if any(not _GROUP.search(d) for d in ours):
        which = f" ({', '.join(skipped)})" if skipped else ""
        one = len(skipped) == 1
        out.insert(0, f"ARM evaluates {len(skipped) or 'some'} nested deployment{'' if one else 's'}"
                   f"{which} only when {'it runs' if one else 'they run'}: {'its' if one else 'their'} inputs (such "
                   "as a new identity's principal id) exist only once earlier parts of this deployment are made. "
                   f"Validate and what-if skip {'it' if one else 'them'}, so {'its' if one else 'their'} resources "
                   "are listed under Unsupported from the wizard's own template: ARM has not predicted whether each "
                   f"is created or changed ({CODE}).")
    return list(dict.fromkeys(out))


def _resource_id(scope: str, rtype: str, name: str) -> str:
    """The id of a child or top-level resource named literally: types and names interleave."""
    namespace, *types = rtype.split("/")
    names = name.split("/")
    if len(types) != len(names):
        return ""
    return f"{scope}/providers/{namespace}/" + "/".join(f"{t}/{n}" for t, n in zip(types, names))


def _label(body: Mapping[str, Any]) -> str:
    props = body.get("properties")
    if not isinstance(props, Mapping):
        return ""
    return str(props.get("description") or props.get("roleName") or props.get("displayName") or "")


def held(change: PlannedChange, template: Mapping[str, Any], deployment: str) -> list[PlannedChange]:
    """The resources the Unsupported nested deployment ``change`` holds, as planned changes
    that say they were not predicted; [change] itself when the template does not hold it."""
    nested = next((r for r in template.get("resources", []) if isinstance(r, Mapping)
                   and str(r.get("type", "")).lower() == DEPLOYMENTS and r.get("name") == change.name), None)
    inner = ((nested or {}).get("properties") or {}).get("template")
    if not isinstance(inner, Mapping) or "/providers/" not in change.resource_id:
        return [change]
    scope = change.resource_id.split("/providers/", 1)[0]
    where = short_name(change.name, deployment)
    out: list[PlannedChange] = []
    for index, body in enumerate(r for r in inner.get("resources", []) if isinstance(r, Mapping)):
        rtype, name = str(body.get("type", "")), str(body.get("name", ""))
        literal = not name.startswith("[")
        rid = _resource_id(scope, rtype, name) if literal else ""
        out.append(PlannedChange(
            "Unsupported", rid or f"{change.resource_id}/resources/{index}", rtype,
            name.rsplit("/", 1)[-1] if literal else "(named when it runs)",
            reason=f"in the nested deployment '{where}', evaluated when it runs", label=_label(body)))
    return out or [change]


def expand(changes: Sequence[PlannedChange], template: Mapping[str, Any], deployment: str
           ) -> tuple[tuple[PlannedChange, ...], list[str]]:
    """(the changes with each short-circuited nested deployment replaced by what it holds,
    the short names of those ARM could not evaluate because of a ``reference()``)."""
    out: list[PlannedChange] = []
    referenced: list[str] = []
    for change in changes:
        if change.change_type == "Unsupported" and change.resource_type.lower() == DEPLOYMENTS \
                and "short-circuited" in change.reason:
            if "reference()" in change.reason:
                referenced.append(short_name(change.name, deployment))
            out.extend(held(change, template, deployment))
        else:
            out.append(change)
    return tuple(out), referenced
