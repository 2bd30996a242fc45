"""Built-in role and directory-role ids the checks rely on (azure-facts.md §5; facts-2026-12 §3)."""

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

# Entra directory role templates (MicrosoftDocs/entra-docs, permissions-reference.md) that may
# create security groups whatever the tenant's "Users can create security groups" setting says
# (Directory Writers: microsoft.directory/groups/create; Intune Administrator:
# microsoft.directory/groups.security/create).
GROUP_CREATOR_DIRECTORY_ROLES: dict[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
    "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
}

# The least privileged roles Graph lists for GET /policies/authorizationPolicy
# (microsoft-graph-docs-contrib includes/rbac-for-apis/rbac-authorization-policy-apis-read.md),
# in Graph's order; Global Administrator can read it too. Used to explain a 403.
AUTHORIZATION_POLICY_READER_ROLES: dict[str, str] = {
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
    "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f": "Security Operator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
}
