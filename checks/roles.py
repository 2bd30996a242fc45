"""Built-in role and directory-role ids the checks rely on (azure-facts.md §5; facts-2026-12 §3)."""

from __future__ import annotations

import json
from pathlib import Path

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RESOURCE_POLICY_CONTRIBUTOR = "36243c78-bf99-498c-9df9-86d9f8d28608"
SECURITY_ADMIN = "fb1c8493-542b-48eb-b624-b4c8fea62acd"  # regulated reference subscription.bicep (securityAdminRole)

ROLE_NAMES: dict[str, str] = {
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
    RESOURCE_POLICY_CONTRIBUTOR: "Resource Policy Contributor",
    SECURITY_ADMIN: "Security Admin",
}

# Either set is enough to deploy the baseline: Owner alone, or the three narrower roles.
SUFFICIENT_ROLE_SETS: tuple[frozenset[str], ...] = (
    frozenset({OWNER}),
    frozenset({CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, RESOURCE_POLICY_CONTRIBUTOR}),
)

# Entra directory roles are facts kept as data (assets/azure/entra-directory-roles.json, with
# their sources): the roles that may create security groups whatever the tenant's "Users can
# create security groups" setting says, and the roles Graph lets read the authorization policy
# (Global Administrator can too). The rehearsal's Graph reads the same file.
_ENTRA = json.loads((Path(__file__).resolve().parents[1] / "assets" / "azure" / "entra-directory-roles.json")
                    .read_text(encoding="utf-8"))
GLOBAL_ADMINISTRATOR: str = _ENTRA["globalAdministrator"]
GROUP_CREATOR_DIRECTORY_ROLES: dict[str, str] = dict(_ENTRA["groupCreators"])
USER_CREATOR_DIRECTORY_ROLES: dict[str, str] = dict(_ENTRA["userCreators"])
AUTHORIZATION_POLICY_READER_ROLES: dict[str, str] = dict(_ENTRA["authorizationPolicyReaders"])
