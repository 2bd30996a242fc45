"""Who is signed in and what they may do: token identity, subscription state, Azure RBAC
at subscription scope and Entra rights to create groups."""

from __future__ import annotations

from typing import Any

from checks.roles import GROUP_CREATOR_DIRECTORY_ROLES, ROLE_NAMES, SUFFICIENT_ROLE_SETS
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


def check_entra_group_rights(ctx: StepContext) -> Finding:
    graph = _azure(ctx).graph()
    policy = graph.authorization_policy()
    defaults = policy.get("defaultUserRolePermissions", {}) if isinstance(policy, dict) else {}
    members_can = bool(defaults.get("allowedToCreateSecurityGroups"))
    roles = graph.my_directory_roles()
    held = sorted(GROUP_CREATOR_DIRECTORY_ROLES[r.get("roleTemplateId", "")] for r in roles
                  if r.get("roleTemplateId") in GROUP_CREATOR_DIRECTORY_ROLES)
    evidence = {"members_can_create_security_groups": members_can, "directory_roles": held}
    if members_can or held:
        how = f"you hold {', '.join(held)}" if held else "the tenant lets members create security groups"
        return Finding(CheckStatus.PASS, f"You can create the cluster-admin group ({how}).", evidence)
    return Finding(CheckStatus.WARN, "You cannot create Entra security groups in this tenant.", evidence,
                   "Ask a Groups Administrator to create the cluster-admin group, and supply its object id in the "
                   "Entra ID step; or override this warning if you will do so.")
