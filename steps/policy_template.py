"""ARM template pieces of the policy step, one small builder per resource. The facts (type
lists, plans) are data: ``assets/azure/baseline-policy.json`` and ``defender-plans.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
POLICY_API = "2025-03-01"  # newest stable Microsoft.Authorization/policy in the REST specs (facts-2026-12 §2)
PRICINGS_API = "2024-01-01"  # the only stable Microsoft.Security/pricings version (facts-2026-12 §1)
_DATA = Path(__file__).resolve().parents[1] / "assets" / "azure" / "baseline-policy.json"


@lru_cache(maxsize=1)
def baseline() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


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


def group_template(group_name: str, types: list[str], enforcement: str) -> dict[str, Any]:
    return {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {},
            "resources": [allowed_resource_types_assignment(group_name, types, enforcement)]}


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
