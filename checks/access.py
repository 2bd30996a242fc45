"""Who is signed in and what they may do: token identity, subscription state, Azure RBAC
at subscription scope and Entra rights to create groups."""

from __future__ import annotations

from typing import Any

from checks.roles import (AUTHORIZATION_POLICY_READER_ROLES, GROUP_CREATOR_DIRECTORY_ROLES, ROLE_NAMES,
                          SUFFICIENT_ROLE_SETS)
from wizard.azure.graph import GraphError
from wizard.engine.contract import CheckStatus, Finding, StepContext


def _azure(ctx: StepContext) -> Any:
    assert ctx.azure is not None
    return ctx.azure


def check_signed_in(ctx: StepContext) -> Finding:
    actor = _azure(ctx).actor()
    if actor.object_id == "unknown":
        return Finding.fail("The access token carries no identity.", "Sign in again with `az login`.")
    return Finding.ok(f"Signed in as {actor.upn or actor.name} (tenant {actor.tenant_id}).", **actor.as_record())


def check_subscription_enabled(ctx: StepContext) -> Finding:
    azure = _azure(ctx)
    sub = azure.subscriptions().subscriptions.get(azure.subscription_id).as_dict()
    state = str(sub.get("state", "Unknown"))
    evidence = {"subscription_id": azure.subscription_id, "name": sub.get("displayName"), "state": state}
    if state != "Enabled":
        return Finding(CheckStatus.FAIL, f"Subscription {sub.get('displayName')} is {state}.", evidence,
                       "Choose an Enabled subscription, or re-enable this one in the Azure portal (billing).")
    return Finding(CheckStatus.PASS, f"Subscription {sub.get('displayName')} is Enabled.", evidence)


def assigned_roles(ctx: StepContext) -> tuple[set[str], list[dict[str, str]]]:
    """Role definition GUIDs assigned to the caller at the subscription or above."""
    azure = _azure(ctx)
    actor = azure.actor()
    scope = f"/subscriptions/{azure.subscription_id}"
    found: set[str] = set()
    rows: list[dict[str, str]] = []
    for assignment in azure.authorization().role_assignments.list_for_scope(
            scope, filter=f"assignedTo('{actor.object_id}')"):
        a_scope = str(getattr(assignment, "scope", "") or "")
        if a_scope.lower() != scope.lower() and a_scope.startswith("/subscriptions/"):
            continue  # below the subscription (a resource group): not enough for the baseline
        guid = str(getattr(assignment, "role_definition_id", "")).rsplit("/", 1)[-1].lower()
        found.add(guid)
        rows.append({"role": ROLE_NAMES.get(guid, guid), "scope": a_scope})
    return found, rows


def check_rbac(ctx: StepContext) -> Finding:
    found, rows = assigned_roles(ctx)
    evidence = {"assignments": rows}
    if any(required <= found for required in SUFFICIENT_ROLE_SETS):
        names = sorted(ROLE_NAMES[g] for g in found if g in ROLE_NAMES)
        return Finding(CheckStatus.PASS, "Roles at subscription scope: " + ", ".join(names), evidence)
    narrow = SUFFICIENT_ROLE_SETS[1]
    missing = sorted(ROLE_NAMES[g] for g in narrow - found)
    azure = _azure(ctx)
    sub, assignee = azure.subscription_id, azure.actor().object_id
    example = (f'az role assignment create --assignee {assignee} --role "{missing[0]}" '
               f"--scope /subscriptions/{sub}")
    return Finding(CheckStatus.FAIL, "Missing at subscription scope: " + ", ".join(missing) + " (or Owner).", evidence,
                   "Ask a subscription Owner to assign " + ", ".join(missing) + " to you (or Owner), for example: "
                   f"{example} - wait a few minutes for it to apply, then re-run the checks. Contributor alone "
                   "cannot create the role and policy assignments the baseline needs.")


POLICY_READ = "GET /v1.0/policies/authorizationPolicy"
ROLES_READ = "GET /v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole"

_PIM_NOTE = ("If you are only eligible for Groups Administrator or User Administrator in Privileged Identity "
             "Management, activate the role and re-run the checks: eligible roles that are not active do not show.")


def _creator_roles(roles: list[dict[str, Any]]) -> list[str]:
    return sorted(GROUP_CREATOR_DIRECTORY_ROLES[str(r.get("roleTemplateId", "")).lower()] for r in roles
                  if str(r.get("roleTemplateId", "")).lower() in GROUP_CREATOR_DIRECTORY_ROLES)


def _read_roles(graph: Any) -> tuple[list[dict[str, Any]] | None, GraphError | None]:
    """The caller's active directory roles, or the 403 that refused them; any other error raises
    (the runner reports it as an error with Graph's code)."""
    try:
        return graph.my_directory_roles(), None
    except GraphError as exc:
        if exc.status != 403:
            raise
        return None, exc


def _why_policy_denied(exc: GraphError) -> str:
    if exc.code == "AccessDenied":
        return ("the sign-in token lacks the Policy.Read.All permission it requires; Azure CLI sign-ins are "
                "pre-authorized for a limited set of Graph permissions")
    examples = " or ".join(list(AUTHORIZATION_POLICY_READER_ROLES.values())[:2])
    if exc.code == "Authorization_RequestDenied":
        return f"your account holds none of the roles allowed to read it, such as {examples}"
    return f"it needs Policy.Read.All in the token and a role such as {examples}"


def check_entra_group_rights(ctx: StepContext) -> Finding:
    graph = _azure(ctx).graph()
    try:
        policy = graph.authorization_policy()
    except GraphError as exc:
        if exc.status != 403:
            raise
        return _group_rights_without_policy(graph, exc)
    defaults = policy.get("defaultUserRolePermissions", {}) if isinstance(policy, dict) else {}
    members_can = bool(defaults.get("allowedToCreateSecurityGroups"))
    roles, roles_denied = _read_roles(graph)
    held = _creator_roles(roles) if roles is not None else []
    evidence: dict[str, Any] = {"members_can_create_security_groups": members_can,
                                "directory_roles": held if roles is not None else None}
    if roles_denied is not None:
        evidence["denied"] = [roles_denied.as_evidence()]
    if members_can or held:
        how = f"you hold {', '.join(held)}" if held else "the tenant lets members create security groups"
        return Finding(CheckStatus.PASS, f"You can create the cluster-admin group ({how}).", evidence)
    summary = "You cannot create Entra security groups in this tenant."
    if roles_denied is not None:
        summary = ("Members may not create security groups in this tenant, and your directory roles could not be "
                   f"read ({roles_denied.status} {roles_denied.code}).")
    return Finding(CheckStatus.WARN, summary, evidence,
                   "Ask a Groups Administrator to create the cluster-admin group, and supply its object id in the "
                   "Entra ID step; or override this warning if you will do so. " + _PIM_NOTE)


def _group_rights_without_policy(graph: Any, policy_denied: GraphError) -> Finding:
    """Graph refused the authorization policy (403): fall back to what any member may read, their
    own active directory roles. Never an error: not knowing the tenant setting is a warning."""
    roles, roles_denied = _read_roles(graph)
    denied = [policy_denied.as_evidence()] + ([roles_denied.as_evidence()] if roles_denied is not None else [])
    held = _creator_roles(roles) if roles is not None else []
    evidence: dict[str, Any] = {
        "members_can_create_security_groups": None,  # unknown: the policy could not be read
        "directory_roles": held if roles is not None else None,
        "active_directory_roles": sorted(str(r.get("displayName", "")) for r in roles) if roles is not None else None,
        "read": [ROLES_READ] if roles is not None else [],
        "denied": denied,
    }
    if held:
        return Finding(CheckStatus.PASS, f"You can create the cluster-admin group (you hold {', '.join(held)}; "
                       "the tenant's default user setting could not be read, and the role does not depend on it).",
                       evidence)
    summary = (f"Could not read the tenant's default user setting for creating security groups: Graph refused "
               f"{POLICY_READ} ({policy_denied.status} {policy_denied.code}; {_why_policy_denied(policy_denied)}). ")
    if roles_denied is not None:
        summary += (f"Your directory roles could not be read either ({roles_denied.status} {roles_denied.code}), "
                    "so whether you may create groups is unknown.")
    else:
        summary += "You hold no active directory role that can create groups either."
    remedy = ("Ask a Groups Administrator to create the cluster-admin security group and pass its object id in the "
              "Entra ID step; or ask an admin whether \"Users can create security groups in Azure portals, API or "
              "PowerShell\" is on (Microsoft Entra admin center > Groups > General) and, if it is, override this "
              "warning. " + _PIM_NOTE + " The Entra ID step also lets you adopt an existing group by its object id, "
              "which needs no directory rights.")
    return Finding(CheckStatus.WARN, summary, evidence, remedy)
