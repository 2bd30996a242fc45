"""Will the groups' "Allowed resource types" assignments let this step's resources in?

Read from ARM, not assumed: the assignments that apply to each target group (its own, and those
inherited from the subscription and management groups above it), built-in
``a08ec900-254a-4555-9bf5-e42af04b5c5c``, enforced. Its mode is Indexed, so only top-level types
count (child and extension types are never evaluated). A session whose policy step ran before an
option needed a new type (the spoke's flow-log storage account) is the case this catches:
otherwise ARM's preflight refuses the whole deployment with RequestDisallowedByPolicy."""

from __future__ import annotations

from typing import Any, Mapping

from checks.policy import ALLOWED_TYPES, assignment_facts, listed
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import Finding, StepContext


def _allowed_lists(ctx: StepContext, group: str) -> list[tuple[str, set[str]]]:
    """(assignment name, allowed types lower-cased) for each enforced allow-list over ``group``."""
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
        out.append((str(facts["display_name"] or facts["name"]),
                    set(listed(facts["parameters"], "listOfResourceTypesAllowed"))))
    return out


def check_allowed_types(ctx: StepContext, planned: Mapping[str, set[str]]) -> Finding:
    """``planned``: resource group -> the top-level resource types the step deploys there."""
    refused: list[str] = []
    evidence: dict[str, Any] = {"planned": {g: sorted(t) for g, t in planned.items()}}
    for group, types in planned.items():
        for name, allowed in _allowed_lists(ctx, group):
            missing = sorted(t for t in types if t.lower() not in allowed)
            if missing:
                refused.append(f"{', '.join(missing)} in {group} (assignment {name})")
    if refused:
        return Finding.fail("An allow-list would refuse " + "; ".join(refused) + ".",
                            "Run the policy step again (its lists include every type the wizard deploys), or turn off "
                            "the option that needs the type (press 2).", refused=refused, **evidence)
    return Finding.ok("Every resource type this step deploys is allowed in its resource groups.", **evidence)
