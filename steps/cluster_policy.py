"""Template builder for the cluster's policy assignments (step 8): the Azure Policy for
Kubernetes definitions the baseline assigns on the workload resource group, from
``assets/azure/cluster-policy.json``. The Azure Policy add-on turns them into Gatekeeper
constraints inside the cluster."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from steps.policy_template import POLICY_API

_DATA = Path(__file__).resolve().parents[1] / "assets" / "azure" / "cluster-policy.json"


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def definition_id(entry: dict[str, Any]) -> str:
    return f"/providers/Microsoft.Authorization/{entry['kind']}/{entry['guid']}"


def kubernetes_policy_assignment(entry: dict[str, Any], cluster: str, registry: str) -> dict[str, Any]:
    """Named from the group, the definition and the cluster (the reference's scheme), so a re-run
    updates the same assignment and a second cluster in the group gets its own."""
    params: dict[str, Any] = {"effect": {"value": entry["effect"]},
                              "excludedNamespaces": {"value": list(data()["excludedNamespaces"])}}
    for name, value in (entry.get("parameters") or {}).items():
        params[name] = {"value": str(value).replace("{registry}", registry)}
    return {"type": "Microsoft.Authorization/policyAssignments", "apiVersion": POLICY_API,
            "name": f"[guid(resourceGroup().id, '{entry['guid']}', '{cluster}')]",
            "properties": {"displayName": f"[{cluster}] {entry['displayName']}", "description": entry["why"],
                           "policyDefinitionId": definition_id(entry), "parameters": params}}


def assignments(cluster: str, registry: str) -> list[dict[str, Any]]:
    return [kubernetes_policy_assignment(e, cluster, registry) for e in data()["assignments"]]
