"""Azure Policy as the rehearsal enforces it: the deny assignments a deployment meets.

Only what the baseline assigns (and what a scenario seeds at subscription or management-group
scope) is evaluated, and only rules the rehearsal can evaluate exactly:

- **Allowed resource types** (built-in ``a08ec900-254a-4555-9bf5-e42af04b5c5c``): mode
  *Indexed*, so only resource types that support tags and location are judged ("Only resource
  types that support 'tags' and 'location' will be affected by this policy" - its description
  in Azure/azure-policy built-in-policies/policyDefinitions/General/AllowedResourceTypes_Deny.json).
  The rehearsal judges every top-level resource (child types such as subnets are not indexed)
  except nested deployments and extension resources (role assignments, which take no tags).
- **Custom deny definitions** stored in the subscription (the baseline's: public AKS API,
  Application Gateway without WAF_v2, public IPs on NICs and scale sets), and the deny members
  of an assigned initiative, when their rule is in the language ``policy_conditions`` models.
  A rule it cannot judge is skipped, never guessed.

An assignment with ``enforcementMode: DoNotEnforce`` is evaluated but never denies, as Azure
does (compliance only). A refusal is ARM's ``RequestDisallowedByPolicy`` with the assignment
and definition named in ``Policy identifiers`` (the shape of real refusals quoted in
microsoft/vscode-apimanagement#348 and Azure/azure-powershell#14563) and a ``PolicyViolation``
``additionalInfo`` entry."""

from __future__ import annotations

import json
from typing import Any, Iterable

from wizard.rehearsal import policy_conditions as conditions
from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id

ALLOWED_RESOURCE_TYPES = "a08ec900-254a-4555-9bf5-e42af04b5c5c"
ASSIGNMENT_TYPE = "microsoft.authorization/policyassignments"
NOT_INDEXED = {"microsoft.resources/deployments", "microsoft.resources/resourcegroups"}


def _scope_of(assignment_id: str) -> str:
    return assignment_id.lower().split("/providers/microsoft.authorization/policyassignments/")[0]


def assignments_over(model: Any, scenario: Any, sub: str, resource_group: str | None) -> list[dict[str, Any]]:
    """Assignments whose scope contains the resource: the subscription's, the group's, and
    those a scenario places above the subscription (management groups)."""
    scopes = {f"/subscriptions/{sub}".lower()}
    if resource_group:
        scopes.add(f"/subscriptions/{sub}/resourcegroups/{resource_group}".lower())
    with model.lock:
        found = [v for k, v in model.data["resources"].items()
                 if k.split("/providers/")[-1].startswith("microsoft.authorization/policyassignments/")
                 and _scope_of(k) in scopes]
    return found + [a for a in scenario.raw.get("policyAssignments", []) if "/managementgroups/" in
                    str(a.get("id", "")).lower()]


def _definition_name(assignment: dict[str, Any]) -> str:
    return str((assignment.get("properties") or {}).get("policyDefinitionId", "")).rsplit("/", 1)[-1].lower()


def _allowed_types(assignment: dict[str, Any]) -> list[str]:
    params = (assignment.get("properties") or {}).get("parameters") or {}
    value = (params.get("listOfResourceTypesAllowed") or {}).get("value") or []
    return [str(t).lower() for t in value]


def _enforced(assignment: dict[str, Any]) -> bool:
    return str((assignment.get("properties") or {}).get("enforcementMode", "Default")).lower() != "donotenforce"


def refusal(resource_name: str, resource_id: str, assignment: dict[str, Any], definition_id: str = "",
            definition_name: str = "Allowed resource types") -> dict[str, Any]:
    definition_id = definition_id or str((assignment.get("properties") or {}).get("policyDefinitionId", ""))
    identifiers = [{"policyAssignment": {"name": assignment.get("name"), "id": assignment.get("id")},
                    "policyDefinition": {"name": definition_name, "id": definition_id}}]
    return {
        "code": "RequestDisallowedByPolicy", "target": resource_name,
        "message": f"Resource '{resource_name}' was disallowed by policy. Policy identifiers: "
                   f"'{json.dumps(identifiers, separators=(',', ':'))}'.",
        "additionalInfo": [{"type": "PolicyViolation", "info": {
            "policyDefinitionId": definition_id, "policyDefinitionName": definition_id.rsplit("/", 1)[-1],
            "policyDefinitionDisplayName": definition_name, "policyDefinitionEffect": "deny",
            "policyAssignmentId": assignment.get("id"), "policyAssignmentName": assignment.get("name"),
            "policyAssignmentDisplayName": (assignment.get("properties") or {}).get("displayName"),
            "policyAssignmentScope": _scope_of(str(assignment.get("id", ""))), "resourceId": resource_id}}],
    }


def _members(model: Any, assignment: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(definition, parameter values) of each custom policy an assignment applies: the
    definition itself, or each member of an initiative (members that take parameters from the
    initiative are skipped: the rehearsal does not map them)."""
    target = str((assignment.get("properties") or {}).get("policyDefinitionId", ""))
    found = model.resource(target) if target.lower().startswith("/subscriptions/") else None
    if found is None:
        return []
    if str(found.get("type", "")).lower() != "microsoft.authorization/policysetdefinitions":
        return [(found, conditions.parameter_values(found, assignment))]
    out = []
    for member in (found.get("properties") or {}).get("policyDefinitions") or []:
        definition = model.resource(str(member.get("policyDefinitionId", "")))
        if definition is not None and not member.get("parameters"):
            out.append((definition, conditions.parameter_values(definition, {})))
    return out


def _custom_denial(model: Any, assignment: dict[str, Any], body: dict[str, Any], name: str,
                   resource_id: str) -> dict[str, Any] | None:
    for definition, values in _members(model, assignment):
        try:
            if conditions.effect_of(definition, values) != "deny":
                continue
            rule = (definition.get("properties") or {}).get("policyRule") or {}
            if conditions.matches(rule.get("if") or {}, body, values):
                display = str((definition.get("properties") or {}).get("displayName") or definition.get("name"))
                return refusal(name, resource_id, assignment, str(definition.get("id", "")), display)
        except conditions.NotEvaluable:
            continue
    return None


def denials(model: Any, scenario: Any, resource_id: str, resource_type: str, name: str,
            body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The refusals ARM's preflight gives a resource: the deny assignments already in force
    over it (one the same deployment creates is not in force yet when ARM validates)."""
    if resource_type.lower() in NOT_INDEXED:
        return []
    try:
        parsed = parse_resource_id(resource_id)
    except ResourceIdError:
        return []
    if len(parsed.types) != 1:  # child resources are not indexed
        return []
    if resource_id.lower().count("/providers/") > 1 or resource_type.lower().startswith("microsoft.authorization/"):
        return []  # extension resources (a role assignment on a VNet) have neither tags nor location
    judged = {"type": resource_type, "name": name, **(body or {})}
    for assignment in assignments_over(model, scenario, parsed.subscription_id, parsed.resource_group):
        if not _enforced(assignment):
            continue
        if _definition_name(assignment) == ALLOWED_RESOURCE_TYPES:
            if resource_type.lower() not in _allowed_types(assignment):
                return [refusal(name, resource_id, assignment)]
            continue
        refused = _custom_denial(model, assignment, judged, name, resource_id)
        if refused is not None:
            return [refused]
    return []
