"""Built-in role and directory-role ids the checks rely on (azure-facts.md §5)."""

from __future__ import annotations

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RESOURCE_POLICY_CONTRIBUTOR = "36243c78-bf99-498c-9df9-86d9f8d28608"

ROLE_NAMES: dict[str, str] = {
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
    RESOURCE_POLICY_CONTRIBUTOR: "Resource Policy Contributor",
}

# Either set is enough to deploy the baseline: Owner alone, or the three narrower roles.
SUFFICIENT_ROLE_SETS: tuple[frozenset[str], ...] = (
    frozenset({OWNER}),
    frozenset({CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, RESOURCE_POLICY_CONTRIBUTOR}),
)

# Entra directory role templates that may create security groups when members cannot.
GROUP_CREATOR_DIRECTORY_ROLES: dict[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}
