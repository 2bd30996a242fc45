"""Will the groups' "Allowed resource types" assignments let this step's resources in?

Read from ARM, not assumed: the assignments that apply to each target group (its own, and those
inherited from the subscription and management groups above it), built-in
``a08ec900-254a-4555-9bf5-e42af04b5c5c``, enforced. Its mode is Indexed, so only top-level types
count (child and extension types are never evaluated). A session whose policy step ran before an
option needed a new type (the spoke's flow-log storage account) is the case this catches:
otherwise ARM's preflight refuses the whole deployment with RequestDisallowedByPolicy."""

from __future__ import annotations

import json
from typing import Any, Mapping

from checks.policy import ALLOWED_TYPES, assignment_facts
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import Finding, StepContext


def _allowed_lists(ctx: StepContext, group: str) -> list[tuple[dict[str, Any], list[str]]]:
    """(the assignment's facts, its allowed types as written) for each enforced allow-list over
    ``group``."""
    assert ctx.azure is not None
    assignments = ctx.azure.policy().policy_assignments
    try:
        found = call(group, lambda: list(assignments.list_for_resource_group(group)))
    except AzureCallFailed as exc:
        if exc.failure.status == 404:  # the group does not exist yet: nothing applies to it but what is above
            return []
        raise
    out = []
    for item in found:
        facts = assignment_facts(item)
        if not facts["definition"].lower().endswith(ALLOWED_TYPES) or facts["enforcement"].lower() == "donotenforce":
            continue
        written = (facts["parameters"].get("listOfResourceTypesAllowed") or {}).get("value") or []
        out.append((facts, [str(t) for t in written]))
    return out


def _update_command(facts: Mapping[str, Any], written: list[str], missing: list[str]) -> str:
    """The az command that adds ``missing`` to the assignment (its parameter replaced whole)."""
    value = json.dumps({"listOfResourceTypesAllowed": {"value": sorted(set(written) | set(missing))}})
    rid = str(facts["id"])
    scope = rid[:rid.lower().find("/providers/microsoft.authorization/")]
    return f"az policy assignment update --name {facts['name']} --scope {scope} --params '{value}'"


def check_allowed_types(ctx: StepContext, planned: Mapping[str, set[str]]) -> Finding:
    """``planned``: resource group -> the top-level resource types the step deploys there."""
    refused: list[str] = []
    commands: list[str] = []
    evidence: dict[str, Any] = {"planned": {g: sorted(t) for g, t in planned.items()}}
    for group, types in planned.items():
        for facts, written in _allowed_lists(ctx, group):
            allowed = {t.lower() for t in written}
            missing = sorted(t for t in types if t.lower() not in allowed)
            if missing:
                refused.append(f"{', '.join(missing)} in {group} (assignment {facts['display_name'] or facts['name']})")
                commands.append(_update_command(facts, written, missing))
    if refused:
        return Finding.fail("An allow-list would refuse " + "; ".join(refused) + ".",
                            "Turn off the option that needs the type (press 2), or have the policy's owner add it to "
                            "the assignment (audited in Azure's activity log): " + " ; ".join(commands),
                            refused=refused, commands=commands, **evidence)
    return Finding.ok("Every resource type this step deploys is allowed in its resource groups.", **evidence)
