"""Step 3: Microsoft Entra ID groups: who may administer the cluster's Kubernetes API, an
optional namespace reader group, and a break-glass user - created through Microsoft Graph, or
adopted from the identity team by object id (walkthrough.md §3, facts-2026-12 §3)."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from checks import directory
from wizard.engine.contract import (SIGNED_IN_USER, Check, Choice, DirectoryObjects, EntraGroup, EntraMembership,
                                    EntraUser, Field, FieldKind, Finding, OutputSpec, StepContext, StepDefinition)

# The general reference's names (mspnp/aks-baseline docs/deploy/03-microsoft-entra-id.md).
ADMIN_GROUP = "cluster-admins-bu0001a000800"
READER_GROUP = "cluster-ns-a0008-readers-bu0001a000800"
BREAK_GLASS_LOCAL = "bu0001a000800-admin"
PASSWORD_SECRET = "identity.break-glass.password"

GROUP_MODES = (Choice("create", "Create it", "The wizard creates the security group, with you as its owner."),
               Choice("adopt", "Adopt an existing group", "Give the object id of a security group your identity "
                      "team made; nothing is created and you need no directory rights."))
READER_MODES = GROUP_MODES + (Choice("none", "No reader group", "Only the admin group gets access to begin with."),)
BREAK_GLASS = (Choice("create", "Create it", "A cloud-only account in the admin group for when group sign-in "
                      "breaks; its temporary password must be changed at first sign-in."),
               Choice("skip", "Skip", "No extra account to guard; if the admin group's sign-in breaks, an Entra "
                      "administrator must repair it before anyone reaches the cluster."))
RBAC_MODELS = (Choice("azure", "Azure RBAC for Kubernetes", "Access is Azure role assignments on the cluster, "
                      "audited in the Activity Log; needs the cluster's own tenant."),
               Choice("kubernetes", "Kubernetes RBAC", "Access is RoleBindings in the cluster for the admin group "
                      "(adminGroupObjectIDs); works with another tenant, as the regulated reference does."))


def _signed_in_tenant(ctx: StepContext) -> str:
    return ctx.azure.tenant_id if ctx.azure is not None else ""


def _is(field: str, value: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda a: a.get(field) == value


def _text(check: Callable[[str, str], str | None], label: str) -> Callable[[Any, StepContext], str | None]:
    return lambda value, ctx: check(str(value), label)


def _rbac_model_error(value: Any, ctx: StepContext) -> str | None:
    tenant = str(ctx.answers.get("k8s_tenant_id") or "")
    if value == "azure" and ctx.azure is not None and tenant and tenant.lower() != ctx.azure.tenant_id.lower():
        return ("Azure RBAC for Kubernetes needs the cluster's own tenant; with another tenant for Kubernetes "
                "sign-in, choose Kubernetes RBAC.")
    return None


def _upn_default(ctx: StepContext) -> str:
    return f"{BREAK_GLASS_LOCAL}@{directory.default_domain(ctx)}" if ctx.azure is not None else ""


def _creates_groups(a: Mapping[str, Any]) -> bool:
    return a.get("admin_group_mode") == "create" or a.get("reader_group_mode") == "create"


def _ids_to_ask(a: Mapping[str, Any]) -> list[str]:
    out = ["the cluster-admin security group"] if a.get("admin_group_mode") == "create" else []
    return out + (["the namespace reader security group"] if a.get("reader_group_mode") == "create" else [])


def _adopted(a: Mapping[str, Any]) -> bool:
    return a.get("admin_group_mode") == "adopt" or a.get("reader_group_mode") == "adopt"


def _per_group(ctx: StepContext, mode: str, check: Callable[[StepContext, str, str], Finding], field: str) -> Finding:
    """Run ``check`` for each group whose decision is ``mode`` (adopt: on its id; create: on its name)."""
    a = ctx.answers
    findings = [check(ctx, str(a[f"{prefix}_{field}"]), label)
                for prefix, label in (("admin_group", "Cluster-admin group"), ("reader_group", "Reader group"))
                if a.get(f"{prefix}_mode") == mode]
    return _worst(findings)


def _check_adopted(ctx: StepContext) -> Finding:
    return _per_group(ctx, "adopt", directory.check_adopted_group, "id")


def _check_names(ctx: StepContext) -> Finding:
    return _per_group(ctx, "create", directory.check_group_name_free, "name")


def _worst(findings: list[Finding]) -> Finding:
    """One finding for a check that looks at one or two groups: the worst status, and the
    sentences (and remedies) of every group at that status."""
    order = {"fail": 0, "error": 0, "warn": 1, "pass": 2}
    worst = min(findings, key=lambda f: order.get(f.status.value, 3))
    same = [f for f in findings if f.status is worst.status]
    return Finding(worst.status, " ".join(f.summary for f in same), {"groups": [dict(f.evidence) for f in findings]},
                   " ".join(f.remedy for f in same if f.remedy))


def _outputs(ids: Mapping[str, str], ctx: StepContext) -> dict[str, Any]:
    a = ctx.answers
    return {"admin_group_id": ids["admin_group"], "reader_group_id": ids.get("reader_group", ""),
            "k8s_rbac_tenant_id": a["k8s_tenant_id"], "azure_tenant_id": _signed_in_tenant(ctx),
            "rbac_model": a["rbac_model"],
            "break_glass_upn": a["break_glass_upn"] if a.get("break_glass") == "create" else ""}


def _group(key: str, prefix: str, description: str) -> EntraGroup:
    return EntraGroup(
        key=key, display_name=lambda ctx: str(ctx.answers[f"{prefix}_name"]),
        mail_nickname=lambda ctx: str(ctx.answers[f"{prefix}_name"]), description=lambda ctx: description,
        adopt_id=lambda ctx: str(ctx.answers[f"{prefix}_id"]) if ctx.answers.get(f"{prefix}_mode") == "adopt" else None,
        wanted=lambda ctx: ctx.answers.get(f"{prefix}_mode") in ("create", "adopt"))


IDENTITY = StepDefinition(
    id="identity",
    title="Entra ID groups",
    summary="Cluster-admin group, namespace readers and a break-glass user, made through Microsoft Graph.",
    lesson="identity.md",
    built=True,
    needs=("prerequisites",),
    fields=(
        Field("k8s_tenant_id", "Tenant for Kubernetes sign-in", "Who may sign in to the cluster's API. Your own "
              "tenant by default; another tenant keeps cluster access apart from Azure access, but then only "
              "Kubernetes RBAC works.", default=_signed_in_tenant,
              validators=(_text(directory.guid_error, "Tenant for Kubernetes sign-in"),)),
        Field("rbac_model", "Authorization model", "Which model the cluster step uses for API access; recorded "
              "here so later steps follow it.", default="azure", kind=FieldKind.CHOICE, choices=RBAC_MODELS,
              validators=(_rbac_model_error,)),
        Field("admin_group_mode", "Cluster-admin group", "Its members get cluster-admin on the Kubernetes API; "
              "local accounts will be disabled, so this group is the way in.", default="create",
              kind=FieldKind.CHOICE, choices=GROUP_MODES),
        Field("admin_group_name", "Cluster-admin group name", "Also its mail nickname: at most 64 plain "
              "characters, no spaces.", default=ADMIN_GROUP, visible_when=_is("admin_group_mode", "create"),
              validators=(_text(directory.group_name_error, "Cluster-admin group name"),)),
        Field("admin_group_id", "Cluster-admin group object id", "From Microsoft Entra admin center > Groups > "
              "the group > Object ID.", default="", visible_when=_is("admin_group_mode", "adopt"),
              validators=(_text(directory.guid_error, "Cluster-admin group object id"),)),
        Field("reader_group_mode", "Namespace reader group", "Read-only access to the workload's namespace "
              "(a0008) for the application team.", default="create", kind=FieldKind.CHOICE, choices=READER_MODES),
        Field("reader_group_name", "Reader group name", "Also its mail nickname.", default=READER_GROUP,
              visible_when=_is("reader_group_mode", "create"),
              validators=(_text(directory.group_name_error, "Reader group name"),)),
        Field("reader_group_id", "Reader group object id", "A security group's Object ID.", default="",
              visible_when=_is("reader_group_mode", "adopt"),
              validators=(_text(directory.guid_error, "Reader group object id"),)),
        Field("add_me", "Add me to the cluster-admin group", "The wizard reaches the private cluster through AKS run "
              "command with your own Entra identity; Kubernetes answers \"nodes is forbidden\" to anyone outside the "
              "admin group (mspnp/aks-baseline#146). Owning the group is not membership. Remove yourself later if "
              "day-2 access should go through the break-glass account or PIM.", default=True, kind=FieldKind.BOOL,
              visible_when=_is("admin_group_mode", "create")),
        Field("break_glass", "Break-glass user", "An emergency account in the admin group.", default="create",
              kind=FieldKind.CHOICE, choices=BREAK_GLASS),
        Field("break_glass_upn", "Break-glass user name (UPN)", "In a verified domain of the tenant; the reference "
              "names it bu0001a000800-admin.", default=_upn_default, visible_when=_is("break_glass", "create"),
              validators=(_text(directory.upn_error, "Break-glass user name"),)),
    ),
    checks=(
        Check("identity.tenant", "Kubernetes sign-in tenant",
              lambda ctx: directory.check_same_tenant(ctx, str(ctx.answers["k8s_tenant_id"]),
                                                      not _creates_groups(ctx.answers),
                                                      ctx.answers.get("break_glass") == "create"), needs_azure=True),
        Check("identity.rights", "You may create what the decisions ask for",
              lambda ctx: directory.check_rights(ctx, _creates_groups(ctx.answers),
                                                 ctx.answers.get("break_glass") == "create", _ids_to_ask(ctx.answers)),
              needs_azure=True),
        Check("identity.adopted-groups", "Adopted ids are security groups", _check_adopted, needs_azure=True,
              applies_when=_adopted, not_applicable="No group is adopted."),
        Check("identity.names-free", "Group names not taken", _check_names, needs_azure=True,
              applies_when=_creates_groups, not_applicable="No group is created."),
        Check("identity.upn-domain", "Break-glass domain is verified",
              lambda ctx: directory.check_upn_domain(ctx, str(ctx.answers["break_glass_upn"])), needs_azure=True,
              applies_when=_is("break_glass", "create"), not_applicable="No break-glass user is created."),
        Check("identity.user-free", "Break-glass user does not exist yet",
              lambda ctx: directory.check_user_free(ctx, str(ctx.answers["break_glass_upn"])), needs_azure=True,
              applies_when=_is("break_glass", "create"), not_applicable="No break-glass user is created."),
    ),
    action=DirectoryObjects(
        objects=(
            _group("admin_group", "admin_group", "AKS baseline: cluster administrators (Kubernetes API)."),
            _group("reader_group", "reader_group", "AKS baseline: read-only access to namespace a0008."),
            EntraUser(key="break_glass", user_principal_name=lambda ctx: str(ctx.answers["break_glass_upn"]),
                      display_name=lambda ctx: "AKS baseline break-glass administrator",
                      mail_nickname=lambda ctx: str(ctx.answers["break_glass_upn"]).partition("@")[0],
                      password_secret=PASSWORD_SECRET, wanted=lambda ctx: ctx.answers.get("break_glass") == "create"),
            EntraMembership(key="break_glass_membership", group="admin_group", member="break_glass",
                            wanted=lambda ctx: ctx.answers.get("break_glass") == "create"),
            EntraMembership(key="operator_membership", group="admin_group", member=SIGNED_IN_USER,
                            wanted=lambda ctx: ctx.answers.get("admin_group_mode") == "create"
                            and bool(ctx.answers.get("add_me"))),
        ),
        outputs=_outputs,
    ),
    outputs=(OutputSpec("admin_group_id", "Cluster-admin group id"), OutputSpec("reader_group_id", "Reader group id"),
             OutputSpec("k8s_rbac_tenant_id", "Kubernetes RBAC tenant"), OutputSpec("azure_tenant_id", "Azure tenant"),
             OutputSpec("rbac_model", "Authorization model"), OutputSpec("break_glass_upn", "Break-glass user")),
)
