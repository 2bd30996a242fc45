"""Template builders for the cluster's identities and their role assignments (issue 9, step 8;
the step itself is not built yet). Which identity gets which role where is data
(``assets/azure/cluster-roles.json``); this module turns an entry into ARM resources.

Role assignment names are GUIDs derived from the scope, the principal and the role: a recreated
identity (a new principal id) gets a new assignment, where a name kept from before would meet
``RoleAssignmentUpdateNotPermitted``, and deploying again with the same identity finds its own
assignment instead of ``RoleAssignmentExists``. ``principalType`` is always sent: ARM otherwise
looks the principal up in Entra ID, which fails (``PrincipalNotFound``) for an identity created
seconds earlier in the same deployment."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

IDENTITY_API = "2024-11-30"  # Microsoft.ManagedIdentity/userAssignedIdentities (and federated credentials), stable
ROLES_API = "2022-04-01"  # Microsoft.Authorization/roleAssignments, stable
_DATA = Path(__file__).resolve().parents[1] / "assets" / "azure" / "cluster-roles.json"
AKS_TOKEN_AUDIENCE = "api://AzureADTokenExchange"
PRINCIPALS = {"controlPlane": "control-plane", "kubelet": "kubelet", "appGateway": "App Gateway",
              "ingress": "ingress controller"}  # how the descriptions name each identity  # the audience every workload-identity federation uses


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def user_assigned_identity(name: str, region: str) -> dict[str, Any]:
    return {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": IDENTITY_API, "name": name,
            "location": region}


def federated_credential(identity: str, issuer: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Lets the Kubernetes service account ``namespace/service_account`` of the cluster whose OIDC
    issuer is ``issuer`` (an ARM expression: known once the cluster exists) act as ``identity``."""
    return {"type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
            "apiVersion": IDENTITY_API, "name": f"{identity}/{namespace}-{service_account}",
            "dependsOn": [f"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{identity}')]"],
            "properties": {"issuer": issuer, "subject": f"system:serviceaccount:{namespace}:{service_account}",
                           "audiences": [AKS_TOKEN_AUDIENCE]}}


def role_definition_id(role: str) -> str:
    guid = data()["roles"][role]["guid"]
    return f"subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')"


def role_assignment(entry: Mapping[str, Any], principal_id: str, scope: str, depends: list[str]) -> dict[str, Any]:
    """One entry of cluster-roles.json. ``principal_id`` and ``scope`` are ARM expressions (without
    brackets): the principal's id and the id of the resource the role is granted on."""
    role = str(entry["role"])
    return {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": ROLES_API,
            "name": f"[guid({scope}, {principal_id}, {role_definition_id(role)})]", "scope": f"[{scope}]",
            "dependsOn": depends,
            "properties": {"roleDefinitionId": f"[{role_definition_id(role)}]", "principalId": f"[{principal_id}]",
                           "principalType": "ServicePrincipal",
                           "description": f"{data()['roles'][role]['name']} for the "
                                          f"{PRINCIPALS.get(entry['principal'], entry['principal'])} identity: "
                                          f"{entry['why']}"}}


def assignments_for(group: str) -> list[dict[str, Any]]:
    """The entries whose scope lives in ``group`` ("workload" or "spoke"): each group's template
    makes its own (ARM places an extension resource in the deployment's own group only)."""
    return [dict(e) for e in data()["assignments"] if e["group"] == group]
