"""ARM template pieces of the policy step, one small builder per resource. The facts (type
lists, plans, the custom definitions and the initiative) are data:
``assets/azure/baseline-policy.json``, ``baseline-policy-definitions.json`` and
``defender-plans.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection

RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
POLICY_API = "2025-03-01"  # newest stable Microsoft.Authorization/policy in the REST specs (facts-2026-12 §2)
PRICINGS_API = "2024-01-01"  # the only stable Microsoft.Security/pricings version (facts-2026-12 §1)
ROLE_ASSIGNMENTS_API = "2022-04-01"  # stable Microsoft.Authorization/roleAssignments (assets/azure/api-versions.json)
_ASSETS = Path(__file__).resolve().parents[1] / "assets" / "azure"


@lru_cache(maxsize=1)
def baseline() -> dict[str, Any]:
    return json.loads((_ASSETS / "baseline-policy.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def custom() -> dict[str, Any]:
    return json.loads((_ASSETS / "baseline-policy-definitions.json").read_text(encoding="utf-8"))


def definitions_assigned_to(group_key: str) -> list[dict[str, Any]]:
    return [d for d in custom()["definitions"] if d["assign"] == group_key]


def initiative() -> dict[str, Any]:
    return dict(custom()["initiatives"][0])


def _definition_id(key: str) -> str:
    """The id of a custom definition, as an ARM expression (valid at any scope of the subscription)."""
    return f"subscriptionResourceId('Microsoft.Authorization/policyDefinitions', guid(subscription().id, '{key}'))"


def _set_id(key: str) -> str:
    return f"subscriptionResourceId('Microsoft.Authorization/policySetDefinitions', guid(subscription().id, '{key}'))"


def _assignment_id(key: str) -> str:
    return f"subscriptionResourceId('Microsoft.Authorization/policyAssignments', guid(subscription().id, '{key}'))"


def definition_ids(group_key: str) -> tuple[str, ...]:
    """What a group's deployment waits for: the custom definitions it assigns."""
    return tuple(f"[{_definition_id(d['key'])}]" for d in definitions_assigned_to(group_key))


def definition_outputs(initiative_assigned: bool) -> dict[str, str]:
    """The ids the step reports (the spoke step assigns the NIC rule with its VNet)."""
    out = {f"definition:{d['key']}": f"[{_definition_id(d['key'])}]" for d in custom()["definitions"]}
    out["initiative"] = f"[{_set_id(initiative()['key'])}]"
    if initiative_assigned:
        out["initiative_assignment"] = f"[{_assignment_id(initiative()['key'])}]"
    return out


def _with_region(value: Any, region: str) -> Any:
    """The data's ``{region}`` placeholder (a deployIfNotExists deployment's location)."""
    if isinstance(value, str):
        return value.replace("{region}", region)
    if isinstance(value, list):
        return [_with_region(v, region) for v in value]
    if isinstance(value, dict):
        return {k: _with_region(v, region) for k, v in value.items()}
    return value


def _escaped(value: Any) -> Any:
    """A policy rule's own ``[parameters(...)]`` must reach Azure Policy, not be evaluated by
    ARM: a leading ``[[`` is ARM's escape for a literal ``[``."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[["):
        return "[" + value
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def policy_definition(definition: dict[str, Any], region: str) -> dict[str, Any]:
    """One of the reference's custom definitions, named as the reference names it."""
    return {
        "type": "Microsoft.Authorization/policyDefinitions", "apiVersion": POLICY_API,
        "name": f"[guid(subscription().id, '{definition['key']}')]",
        "properties": {
            "policyType": "Custom", "mode": definition["mode"], "displayName": definition["displayName"],
            "description": definition["description"],
            "metadata": {"version": "1.0.0", "category": definition["category"], "source": "aks-baseline-wizard"},
            "parameters": definition["parameters"],
            "policyRule": _escaped(_with_region(definition["policyRule"], region)),
        },
    }


def policy_set_definition(init: dict[str, Any]) -> dict[str, Any]:
    """The reference's Defender initiative over its deployIfNotExists definitions."""
    return {
        "type": "Microsoft.Authorization/policySetDefinitions", "apiVersion": POLICY_API,
        "name": f"[guid(subscription().id, '{init['key']}')]",
        "dependsOn": [f"[{_definition_id(key)}]" for key in init["definitions"]],
        "properties": {
            "policyType": "Custom", "displayName": init["displayName"], "description": init["description"],
            "metadata": {"version": "1.0.0", "category": init["category"], "source": "aks-baseline-wizard"},
            "policyDefinitions": [{"policyDefinitionId": f"[{_definition_id(key)}]", "policyDefinitionReferenceId": key}
                                  for key in init["definitions"]],
        },
    }


def initiative_assignment(init: dict[str, Any], region: str, enforcement: str) -> dict[str, Any]:
    """The initiative at subscription scope. Its policies deploy (deployIfNotExists), so Azure
    requires a managed identity, and a location for it."""
    return {
        "type": "Microsoft.Authorization/policyAssignments", "apiVersion": POLICY_API,
        "name": f"[guid(subscription().id, '{init['key']}')]", "location": region,
        "identity": {"type": "SystemAssigned"},
        "dependsOn": [f"[{_set_id(init['key'])}]"],
        "properties": {
            "displayName": init["displayName"], "description": init["description"],
            "policyDefinitionId": f"[{_set_id(init['key'])}]", "enforcementMode": enforcement,
        },
    }


def remediation_role_assignment(init: dict[str, Any]) -> dict[str, Any]:
    """The initiative identity's role (the policies' ``roleDefinitionIds``): without it a
    remediation cannot change a plan. ``principalType`` because the identity is minutes old
    and Entra ID may not have replicated it (PrincipalNotFound otherwise)."""
    role = init["remediationRole"]
    return {
        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": ROLE_ASSIGNMENTS_API,
        "name": f"[guid(subscription().id, '{init['key']}', '{role}')]",
        "dependsOn": [f"[{_assignment_id(init['key'])}]"],
        "properties": {
            "roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}')]",
            "principalId": f"[reference({_assignment_id(init['key'])}, '{POLICY_API}', 'full').identity.principalId]",
            "principalType": "ServicePrincipal",
        },
    }


def _group_assignment(definition_id: str, id_expression: str, group_name: str, display: str, description: str,
                      enforcement: str) -> dict[str, Any]:
    """An assignment on one group, named from the definition and the group as the reference
    names it (``id_expression`` is the definition id inside an ARM expression), so a re-run
    updates it instead of adding a second."""
    return {
        "type": "Microsoft.Authorization/policyAssignments", "apiVersion": POLICY_API,
        "name": f"[guid({id_expression}, resourceGroup().name)]",
        "properties": {
            "displayName": f"[{group_name}] {display}"[:125], "description": f"{description} (aks-baseline-wizard)",
            "policyDefinitionId": definition_id, "enforcementMode": enforcement,
        },
    }


def custom_deny_assignment(definition: dict[str, Any], group_name: str, enforcement: str) -> dict[str, Any]:
    """A custom deny on one group."""
    expression = _definition_id(definition["key"])
    return _group_assignment(f"[{expression}]", expression, group_name, definition["displayName"],
                             definition["description"], enforcement)


def allowed_types(group_key: str) -> list[str]:
    return list(baseline()["groups"][group_key]["allowed"])


def allowed_resource_types_assignment(group_name: str, types: list[str], enforcement: str) -> dict[str, Any]:
    """The group's "Allowed resource types" deny: named deterministically from the definition
    and the group (as the reference names it), so a re-run updates rather than duplicates."""
    definition = baseline()["allowedResourceTypesDefinition"]
    return {
        "type": "Microsoft.Authorization/policyAssignments", "apiVersion": POLICY_API,
        "name": f"[guid('{definition}', resourceGroup().name)]",
        "properties": {
            "displayName": f"[{group_name}] Allowed resource types",
            "description": "Only the resource types the AKS baseline deploys in this group (aks-baseline-wizard).",
            "policyDefinitionId": definition, "enforcementMode": enforcement,
            "parameters": {"listOfResourceTypesAllowed": {"value": types}},
        },
    }


def builtin_audit_assignment(builtin: dict[str, Any], group_name: str, enforcement: str) -> dict[str, Any]:
    """One of the built-in audits the reference assigns to a group (its default effect)."""
    return _group_assignment(builtin["id"], f"'{builtin['id']}'", group_name, builtin["displayName"], builtin["why"],
                             enforcement)


def builtin_audits(group_key: str) -> list[dict[str, Any]]:
    return list(baseline()["builtInAssignments"].get(group_key, []))


def group_template(group_key: str, group_name: str, types: list[str], enforcement: str,
                   plans: Collection[str] = ()) -> dict[str, Any]:
    """A group's assignments, and their ids as an output (the step reports them). A deny that
    ``requires`` a Defender plan is assigned only when ``plans`` (what this step turns on) has it."""
    resources = [allowed_resource_types_assignment(group_name, types, enforcement)]
    resources += [builtin_audit_assignment(b, group_name, enforcement) for b in builtin_audits(group_key)]
    resources += [custom_deny_assignment(d, group_name, enforcement) for d in definitions_assigned_to(group_key)
                  if d.get("requires") in (None, *plans)]
    names = [str(r["name"])[1:-1] for r in resources]  # each name is an expression: "[guid(...)]"
    ids = ", ".join(f"resourceId('Microsoft.Authorization/policyAssignments', {n})" for n in names)
    return {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {}, "resources": resources,
            "outputs": {"assignmentIds": {"type": "array", "value": f"[createArray({ids})]"}}}


def defender_plans(choice: str) -> dict[str, dict[str, Any]]:
    """The plans a Defender choice enables ("off": none), with their sub-plans and extensions."""
    return dict(baseline()["defender"].get(choice, {}))


def defender_pricing(plan: str, settings: dict[str, Any]) -> dict[str, Any]:
    """One plan set to Standard. ``isEnabled`` is a string in this API ("True"/"False")."""
    props: dict[str, Any] = {"pricingTier": "Standard"}
    if settings.get("subPlan"):
        props["subPlan"] = settings["subPlan"]
    if settings.get("extensions"):
        props["extensions"] = [{"name": name, "isEnabled": "True"} for name in settings["extensions"]]
    return {"type": "Microsoft.Security/pricings", "apiVersion": PRICINGS_API, "name": plan, "properties": props}
