"""Entra ID preflight for the identity step, read through Microsoft Graph (GET only): may the
caller create what the decisions ask for, do adopted ids name security groups, are the
chosen names and the break-glass UPN free, is the UPN's domain verified.

Graph facts (facts-2026-12 §3; microsoft-graph-docs-contrib api/group-post-groups.md,
api/user-post-users.md, resources/groups-overview.md): a security group has ``securityEnabled``
true, ``mailEnabled`` false and no "Unified" in ``groupTypes`` (that is a Microsoft 365 group);
Graph does not keep security groups' mailNicknames unique, so the wizard must look before it
creates; a UPN must be in a verified domain of the tenant."""

from __future__ import annotations

import re
from typing import Any, Iterable

from checks.access import check_entra_group_rights
from checks.roles import GROUP_CREATOR_DIRECTORY_ROLES, USER_CREATOR_DIRECTORY_ROLES
from wizard.azure.graph import GraphError
from wizard.engine.contract import CheckStatus, Finding, StepContext

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NICKNAME_FORBIDDEN = set('@()\\[]";:.<>, ')
UPN_LOCAL = re.compile(r"^[A-Za-z0-9'._\-!#^~]{1,64}$")
_PIM = ("Only active role assignments count: if you are eligible for a role in Privileged Identity Management, "
        "activate it and re-run the checks.")


def _graph(ctx: StepContext) -> Any:
    assert ctx.azure is not None
    return ctx.azure.graph()


# -- validators (field level; no Azure) --------------------------------------------------------
def guid_error(value: str, label: str) -> str | None:
    if not GUID.match(value.strip()):
        return f"{label} must be an object id: a GUID like 3f2a…-…-…-…-…… (36 characters), not a name."
    return None


def group_name_error(value: str, label: str) -> str | None:
    """The group's display name is also its mailNickname, which Graph limits to 64 ASCII
    characters without ``@ () \\ [] " ; : . <> ,`` or spaces."""
    text = value.strip()
    if not text:
        return f"{label} is required."
    bad = sorted(set(text) & NICKNAME_FORBIDDEN)
    if bad:
        shown = ", ".join("a space" if c == " " else repr(c) for c in bad)
        return f"{label} cannot contain {shown}: Entra uses it as the group's mail nickname."
    if not text.isascii():
        return f"{label} must be plain ASCII: Entra uses it as the group's mail nickname."
    if len(text) > 64:
        return f"{label} is {len(text)} characters; a mail nickname takes at most 64."
    return None


def upn_error(value: str, label: str) -> str | None:
    local, at, domain = value.strip().partition("@")
    if not at or not local or not domain or "." not in domain:
        return f"{label} must look like name@domain (a verified domain of your tenant)."
    if not UPN_LOCAL.match(local):
        return (f"{label}: the part before @ may use letters, digits and ' . - _ ! # ^ ~ only (at most 64).")
    return None


# -- reads -------------------------------------------------------------------------------------
def verified_domains(ctx: StepContext) -> list[dict[str, Any]]:
    return [d for d in _graph(ctx).get("domains").get("value", []) if d.get("isVerified")]


def default_domain(ctx: StepContext) -> str:
    """The tenant's default verified domain (where a new user's UPN belongs); the signed-in
    user's UPN suffix only when Graph cannot say."""
    try:
        domains = verified_domains(ctx)
    except GraphError:
        domains = []
    chosen = next((d for d in domains if d.get("isDefault")), domains[0] if domains else None)
    if chosen:
        return str(chosen["id"])
    assert ctx.azure is not None
    return ctx.azure.actor().upn.rpartition("@")[2]


def _find(ctx: StepContext, collection: str, prop: str, value: str) -> list[dict[str, Any]]:
    quoted = value.replace("'", "''")
    return list(_graph(ctx).get(f"{collection}?$filter={prop} eq '{quoted}'").get("value", []))


# -- checks ------------------------------------------------------------------------------------
def check_rights(ctx: StepContext, creates_groups: bool, creates_user: bool, ids_to_ask: Iterable[str]) -> Finding:
    """The caller may create what the decisions ask for. A FAIL says which ids to obtain from
    the identity team; when only the tenant setting is unknown, a WARN (the create may work).
    Both the groups and the user are judged, so one run of the checks names every gap."""
    if not creates_groups and not creates_user:
        return Finding.ok("Nothing is created in the directory: every group is adopted and no user is made.")
    roles = _my_roles(ctx)
    evidence: dict[str, Any] = {"active_directory_roles": sorted(roles.values()) if roles is not None else None}
    problems: list[tuple[CheckStatus, str, str]] = []
    if creates_groups:
        problems += _group_problems(ctx, roles, list(ids_to_ask), evidence)
    if creates_user:
        problems += _user_problems(roles, evidence)
    if not problems:
        return Finding.ok("You may create the groups and the user the decisions ask for.", **evidence)
    status = CheckStatus.FAIL if any(p[0] is CheckStatus.FAIL for p in problems) else CheckStatus.WARN
    remedy = " ".join(p[2] for p in problems)
    if status is CheckStatus.WARN:  # only a warning can be overridden: say so only then
        remedy += " If you know you may, override this warning (o) with how you know."
    return Finding(status, " ".join(p[1] for p in problems), evidence, remedy + " " + _PIM)


def _group_problems(ctx: StepContext, roles: dict[str, str] | None, ids: list[str],
                    evidence: dict[str, Any]) -> list[tuple[CheckStatus, str, str]]:
    adopt = (f"Ask your identity team for the object id of {' and '.join(ids)}, then choose Adopt for it in the "
             "decisions (press 2); adopting needs no directory rights.")
    if _is_guest(ctx) and not _group_creator(roles):
        return [(CheckStatus.FAIL, "You are a guest in this tenant: the setting that lets members create security "
                 "groups does not apply to guests, and you hold no role that may.",
                 adopt + " Or sign in with an account of this tenant.")]
    groups = check_entra_group_rights(ctx)
    evidence["groups"] = groups.evidence
    if groups.status is CheckStatus.PASS:
        return []
    if groups.evidence.get("members_can_create_security_groups") is False:
        return [(CheckStatus.FAIL, "You may not create security groups in this tenant: members may not, and you "
                 "hold no role that may.", adopt)]
    return [(CheckStatus.WARN, groups.summary, adopt)]


def _user_problems(roles: dict[str, str] | None, evidence: dict[str, Any]) -> list[tuple[CheckStatus, str, str]]:
    skip = "Skip the break-glass user in the decisions (press 2) and ask an administrator to create one."
    if roles is None:
        return [(CheckStatus.WARN, "Your directory roles could not be read, so whether you may create the "
                 "break-glass user is unknown.", "Creating users needs User Administrator; without it, "
                 + skip[0].lower() + skip[1:])]
    held = sorted(name for rid, name in USER_CREATOR_DIRECTORY_ROLES.items() if rid in roles)
    evidence["user_creator_roles"] = held
    if held:
        return []
    return [(CheckStatus.FAIL, "You hold no role that may create users (User Administrator or Global "
             "Administrator), so the break-glass user cannot be created.", skip)]


def _is_guest(ctx: StepContext) -> bool:
    me = _graph(ctx).get("me?$select=id,userType")
    return str(me.get("userType", "Member")) == "Guest"


def _group_creator(roles: dict[str, str] | None) -> bool:
    return any(rid in GROUP_CREATOR_DIRECTORY_ROLES for rid in roles or {})


def _my_roles(ctx: StepContext) -> dict[str, str] | None:
    """Active directory roles by template id, or None when Graph refuses to list them."""
    try:
        listed = _graph(ctx).my_directory_roles()
    except GraphError as exc:
        if exc.status != 403:
            raise
        return None
    return {str(r.get("roleTemplateId", "")).lower(): str(r.get("displayName", "")) for r in listed}


def check_adopted_group(ctx: StepContext, object_id: str, label: str) -> Finding:
    """An adopted id names an existing *security* group: not a Microsoft 365 group (its
    members get mailbox and Teams semantics, and AKS documents security groups), not a user."""
    problem = guid_error(object_id, label)
    if problem:
        return Finding.fail(problem, "Copy the group's Object ID from Microsoft Entra admin center > Groups.")
    try:
        found = dict(_graph(ctx).get(f"directoryObjects/{object_id}"))
    except GraphError as exc:
        if exc.status == 404:
            return Finding.fail(f"{label}: no directory object has id {object_id} in this tenant.",
                                "Check the id (Microsoft Entra admin center > Groups > the group > Object ID), and "
                                "that it is from the tenant you signed in to.", request=exc.as_evidence())
        raise
    kind = str(found.get("@odata.type", "")).rsplit(".", 1)[-1]
    evidence = {"id": object_id, "type": kind, "displayName": found.get("displayName"),
                "securityEnabled": found.get("securityEnabled"), "groupTypes": found.get("groupTypes")}
    if kind != "group":
        return Finding.fail(f"{label}: {object_id} is a {kind or 'directory object'} "
                            f"({found.get('displayName')}), not a group.",
                            "Give the object id of a security group.", **evidence)
    if "Unified" in (found.get("groupTypes") or []) or not found.get("securityEnabled"):
        what = "a Microsoft 365 group" if "Unified" in (found.get("groupTypes") or []) else "not security-enabled"
        return Finding.fail(f"{label}: {found.get('displayName')} is {what}; the cluster needs a security group.",
                            "Create or choose a security group (Group type: Security) and give its object id.",
                            **evidence)
    return Finding.ok(f"{label}: {found.get('displayName')} is a security group.", **evidence)


def check_group_name_free(ctx: StepContext, name: str, label: str) -> Finding:
    """Graph would create a second group with the same mailNickname; the wizard offers the
    existing one instead."""
    found = _find(ctx, "groups", "mailNickname", name) or _find(ctx, "groups", "displayName", name)
    if not found:
        return Finding.ok(f"{label}: no group is named {name} yet.", name=name)
    first = found[0]
    return Finding.fail(f"{label}: a group named {name} already exists (object id {first.get('id')}).",
                        f"Adopt it: choose Adopt in the decisions (press 2) and give {first.get('id')}; or choose "
                        "another name.", name=name, existing=[{"id": g.get("id"), "displayName": g.get("displayName")}
                                                              for g in found])


def check_upn_domain(ctx: StepContext, upn: str) -> Finding:
    domain = upn.rpartition("@")[2].lower()
    listed = list(_graph(ctx).get("domains").get("value", []))
    verified = sorted(str(d["id"]) for d in listed if d.get("isVerified"))
    evidence = {"domain": domain, "verified_domains": verified}
    if domain in {v.lower() for v in verified}:
        return Finding.ok(f"{domain} is a verified domain of the tenant.", **evidence)
    known = next((d for d in listed if str(d["id"]).lower() == domain), None)
    why = "is added to the tenant but not verified" if known else "is not a domain of this tenant"
    return Finding.fail(f"The break-glass user's domain {domain} {why}.",
                        f"Use one of the verified domains: {', '.join(verified) or 'none found'} (press 2 to change "
                        "the UPN).", **evidence)


def check_user_free(ctx: StepContext, upn: str) -> Finding:
    try:
        found = dict(_graph(ctx).get(f"users/{upn}"))
    except GraphError as exc:
        if exc.status == 404:
            return Finding.ok(f"No user {upn} exists yet.", upn=upn)
        raise
    return Finding.fail(f"A user {upn} already exists (object id {found.get('id')}).",
                        "Choose another UPN, or skip creating the break-glass user if this is yours (press 2).",
                        upn=upn, id=found.get("id"))


def check_same_tenant(ctx: StepContext, k8s_tenant: str, adopts_all: bool, creates_user: bool) -> Finding:
    """The wizard creates objects in the tenant you signed in to; for another tenant it can
    only use ids you bring from it."""
    assert ctx.azure is not None
    mine = ctx.azure.tenant_id
    evidence = {"signed_in_tenant": mine, "kubernetes_tenant": k8s_tenant}
    if k8s_tenant.lower() == mine.lower():
        return Finding.ok(f"Kubernetes API sign-in uses your tenant ({mine}).", **evidence)
    if adopts_all and not creates_user:
        return Finding.warn(f"Kubernetes API sign-in uses another tenant ({k8s_tenant}); the adopted group ids "
                            "cannot be verified from your tenant.",
                            "Make sure the ids come from that tenant. Kubernetes RBAC is used (Azure RBAC for "
                            "Kubernetes needs the cluster's own tenant).", **evidence)
    return Finding.fail(f"Kubernetes API sign-in uses another tenant ({k8s_tenant}), but the wizard can create "
                        f"directory objects only in the tenant you signed in to ({mine}).",
                        "Adopt group ids from that tenant and skip the break-glass user (press 2); or sign in to it "
                        f"with `az login --tenant {k8s_tenant} --allow-no-subscriptions` and create them there.",
                        **evidence)
