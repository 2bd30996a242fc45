"""The built-in Azure roles the wizard's permission checks reason about (real GUIDs; actions as
MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles lists them)."""

from __future__ import annotations

from typing import Any

BUILT_IN_ROLES: dict[str, dict[str, Any]] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": {
        "roleName": "Owner", "description": "Grants full access to manage all resources, including the "
        "ability to assign roles in Azure RBAC.", "actions": ["*"], "notActions": []},
    "b24988ac-6180-42a0-ab88-20f7382dd24c": {
        "roleName": "Contributor", "description": "Grants full access to manage all resources, but does not "
        "allow you to assign roles in Azure RBAC.", "actions": ["*"],
        "notActions": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                       "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
                       "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action"]},
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": {
        "roleName": "User Access Administrator", "description": "Lets you manage user access to Azure resources.",
        "actions": ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], "notActions": []},
    "36243c78-bf99-498c-9df9-86d9f8d28608": {
        "roleName": "Resource Policy Contributor", "description": "Users with rights to create/modify resource "
        "policy, create support ticket and read resources/hierarchy.",
        "actions": ["*/read", "Microsoft.Authorization/policyassignments/*", "Microsoft.Authorization/policydefinitions/*",
                    "Microsoft.Authorization/policyexemptions/*", "Microsoft.Authorization/policysetdefinitions/*",
                    "Microsoft.PolicyInsights/*", "Microsoft.Support/*"], "notActions": []},
    "fb1c8493-542b-48eb-b624-b4c8fea62acd": {  # built-in-roles/security.md
        "roleName": "Security Admin", "description": "Security Admin Role",
        "actions": ["Microsoft.Authorization/*/read", "Microsoft.Authorization/policyAssignments/*",
                    "Microsoft.Authorization/policyDefinitions/*", "Microsoft.Authorization/policyExemptions/*",
                    "Microsoft.Authorization/policySetDefinitions/*", "Microsoft.Insights/alertRules/*",
                    "Microsoft.Management/managementGroups/read", "Microsoft.operationalInsights/workspaces/*/read",
                    "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Microsoft.Security/*", "Microsoft.IoTSecurity/*", "Microsoft.Support/*"], "notActions": []},
    "4d97b98b-1d4f-4787-a291-c67834d212e7": {  # built-in-roles/networking.md
        "roleName": "Network Contributor", "description": "Lets you manage networks, but not access to them.",
        "actions": ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Network/*",
                    "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
                    "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"], "notActions": []},
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": {
        "roleName": "Reader", "description": "View all resources, but does not allow you to make any changes.",
        "actions": ["*/read"], "notActions": []},
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": {  # built-in-roles/containers.md
        "roleName": "AcrPull", "description": "Pull artifacts from a container registry.",
        "actions": ["Microsoft.ContainerRegistry/registries/pull/read"], "notActions": []},
    "4633458b-17de-408a-b874-0445c86b69e6": {  # built-in-roles/security.md (data actions only)
        "roleName": "Key Vault Secrets User", "description": "Read secret contents. Only works for key vaults "
        "that use the 'Azure role-based access control' permission model.", "actions": [], "notActions": [],
        "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action",
                        "Microsoft.KeyVault/vaults/secrets/readMetadata/action"]},
    "b12aa53e-6015-4669-85d0-8515ebb3ae7f": {  # built-in-roles/networking.md
        "roleName": "Private DNS Zone Contributor", "description": "Lets you manage private DNS zone resources, "
        "but not the virtual networks they are linked to.",
        "actions": ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
                    "Microsoft.Network/privateDnsZones/*", "Microsoft.Network/privateDnsOperationResults/*",
                    "Microsoft.Network/privateDnsOperationStatuses/*", "Microsoft.Network/virtualNetworks/read",
                    "Microsoft.Network/virtualNetworks/join/action", "Microsoft.ResourceHealth/availabilityStatuses/read",
                    "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Microsoft.Support/*"], "notActions": []},
}


def role_guid_by_name(name: str) -> str | None:
    for guid, role in BUILT_IN_ROLES.items():
        if role["roleName"].lower() == name.lower():
            return guid
    return None


def role_definition_body(guid: str, scope: str) -> dict[str, Any] | None:
    role = BUILT_IN_ROLES.get(guid.lower())
    if role is None:
        return None
    prefix = scope.rstrip("/")
    return {
        "id": f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "name": guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": role["roleName"], "type": "BuiltInRole", "description": role["description"],
            "assignableScopes": ["/"],
            "permissions": [{"actions": role["actions"], "notActions": role["notActions"],
                             "dataActions": [], "notDataActions": []}],
            "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2024-01-01T00:00:00.0000000Z",
        },
    }
