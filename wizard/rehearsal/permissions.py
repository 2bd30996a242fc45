"""Azure RBAC as ARM's preflight applies it to a template: every resource a deployment writes
needs ``<type>/write`` at the resource's scope, granted by a role assignment at or above it.

A permission block grants an action when one of its ``actions`` matches and none of its
``notActions`` does (wildcards, case-insensitive) - that is why Contributor (``*`` but not
``Microsoft.Authorization/*/Write``) cannot write policy or role assignments. A refusal reads
as ARM's: "Authorization failed for template resource '<name>' of type '<type>'. The client
'<upn>' with object id '<oid>' does not have permission to perform action '<type>/write' at
scope '<id>'." (the wording in Azure-Samples/azure-search-openai-demo#1483 and
Azure/Azure-Landing-Zones#4197)."""

from __future__ import annotations

import fnmatch
from typing import Any

from wizard.rehearsal.http_types import ArmError
from wizard.rehearsal.role_catalog import BUILT_IN_ROLES, role_guid_by_name


def _matches(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _blocks(scenario: Any, scope: str) -> list[dict[str, Any]]:
    """The permission blocks of the caller's role assignments whose scope contains ``scope``."""
    out = []
    for assignment in scenario.role_assignments:
        at = str(assignment.get("scope", "")).rstrip("/").lower()
        if not (scope.lower() == at or scope.lower().startswith(at + "/")):
            continue
        guid = str(assignment.get("roleDefinitionId", "")).rsplit("/", 1)[-1] or role_guid_by_name(
            str(assignment.get("role", ""))) or ""
        role = BUILT_IN_ROLES.get(guid.lower())
        if role:
            out.append(role)
    return out


def may(scenario: Any, action: str, scope: str) -> bool:
    return any(any(_matches(a, action) for a in block["actions"]) and
               not any(_matches(n, action) for n in block["notActions"]) for block in _blocks(scenario, scope))


def require(scenario: Any, action: str, scope: str) -> None:
    """Raise ARM's AuthorizationFailed for an action the signed-in user may not perform."""
    if may(scenario, action, scope):
        return
    user = scenario.user
    raise ArmError(403, "AuthorizationFailed", f"The client '{user['userPrincipalName']}' with object id "
                   f"'{user['oid']}' does not have authorization to perform action '{action}' over scope '{scope}' "
                   "or the scope is invalid. If access was recently granted, please refresh your credentials.")


def write_refusal(scenario: Any, resource_type: str, name: str, resource_id: str) -> dict[str, Any] | None:
    """The detail ARM's preflight gives a resource the caller may not write, or None."""
    action = f"{resource_type}/write"
    if resource_type.lower() == "microsoft.resources/resourcegroups":
        action = "Microsoft.Resources/subscriptions/resourceGroups/write"
    if may(scenario, action, resource_id):
        return None
    user = scenario.user
    return {"code": "AuthorizationFailed", "target": resource_id,
            "message": f"Authorization failed for template resource '{name}' of type '{resource_type}'. The client "
                       f"'{user['userPrincipalName']}' with object id '{user['oid']}' does not have permission to "
                       f"perform action '{action}' at scope '{resource_id}'."}
