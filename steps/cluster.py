"""Step 8: the AKS cluster and its services: Log Analytics, a private registry, a private Key
Vault with the step-2 certificates, the identities and their roles, App Gateway with its WAF,
the private cluster itself, the jump box and the cluster's policy assignments, as one
subscription deployment across the workload and spoke groups (walkthrough.md §8; what is
current instead of the references' values is said in each builder module and the lesson).
After it, a posture check reads every resource back and proves the checklist items."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

from checks import allowed_types, cluster_inputs, key_vault_name, kubernetes_version, naming, posture
from checks import region as region_checks
from checks import providers, registry_name, spoke_plan
from steps import cluster_services as svc
from steps import cluster_template as tpl
from steps import spoke_template
from steps.node_pools import NodePool
from steps.prerequisites import region_error
from steps.tls_material import INGRESS_PEM, LISTENER_PFX
from wizard.engine.arm_template import group_types
from wizard.engine.contract import (ArmDeployment, Check, Choice, Field, FieldKind, Finding, GroupTemplate, OutputSpec,
                                    StepContext, StepDefinition)

VERSION_CHECK = "cluster.kubernetes-version"
UPGRADE_CHANNELS = (
    Choice("patch", "Patch (recommended)", "AKS applies new patches of the chosen minor in the maintenance window; "
           "minor upgrades stay your decision."),
    Choice("stable", "Stable", "Also moves to the newest minor but one (N-1) when AKS declares it stable."),
    Choice("rapid", "Rapid", "Follows the newest minor as soon as it is GA: for test clusters."),
    Choice("none", "None", "Nothing is upgraded for you; a version out of support stops being supported."))
NODE_OS_CHANNELS = (
    Choice("NodeImage", "Node image (recommended)", "A fresh, patched node image weekly, rolled out with surge in "
           "the window; no kured needed."),
    Choice("SecurityPatch", "Security patches", "Only security updates, applied in place on the nodes."),
    Choice("Unmanaged", "Unmanaged", "The OS's own unattended upgrades; reboots need kured. Not recommended."))
DAYS = tuple(Choice(d, d) for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
RETENTION = range(30, 731)  # Log Analytics PerGB2018: 30 to 730 days


def _region(ctx: StepContext) -> str:
    return str(ctx.output("spoke", "location") or ctx.output("prerequisites", "region", "eastus2"))


def _group(ctx: StepContext) -> str:
    return str(ctx.output("policy", "workload_resource_group") or "rg-bu0001a0008")


def _suffix(ctx: StepContext) -> str:
    return tpl.suffix(ctx.azure.subscription_id if ctx.azure else "", _group(ctx))


def _named(kind: str) -> Callable[[Any, StepContext], str | None]:
    return lambda value, ctx: naming.name_error(kind, str(value))


def _between(label: str, low: int, high: int) -> Callable[[Any, StepContext], str | None]:
    return lambda v, ctx: None if low <= int(v) <= high else f"{label} must be between {low} and {high} (got {v})."


def _at_least_start(start_key: str, label: str) -> Callable[[Any, StepContext], str | None]:
    def check(value: Any, ctx: StepContext) -> str | None:
        start = ctx.answers.get(start_key)
        if start is not None and int(value) < int(start):
            return f"{label} ({value}) must be at least the minimum ({start})."
        return None
    return check


def _time(value: Any, ctx: StepContext) -> str | None:
    text = str(value)
    hh, _, mm = text.partition(":")
    if len(text) == 5 and hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60:
        return None
    return f"Start time {text!r}: write HH:MM in UTC, for example 21:00."


def _replica(value: Any, ctx: StepContext) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    return svc.replica_region_error(text, str(ctx.answers.get("location") or _region(ctx))) or region_error(text, ctx)


def _pools(a: Mapping[str, Any]) -> tuple[NodePool, ...]:
    pools = [NodePool("npsystem", str(a["system_vm_size"]), int(a["system_count"]), int(a["system_max"]), 33, "System"),
             NodePool("npuser01", str(a["user_vm_size"]), int(a["user_count"]), int(a["user_max"]), 33, "User")]
    if a.get("jumpbox_vm_size"):
        pools.append(NodePool("jumpbox", str(a["jumpbox_vm_size"]), 2, 2, 0, "Jump box"))
    return tuple(pools)


def _minor(ctx: StepContext) -> str:
    """The minor the template names: the operator's, or the newest the check found offered."""
    wanted = str(ctx.answers.get("kubernetes_version") or kubernetes_version.NEWEST)
    if wanted != kubernetes_version.NEWEST:
        return wanted
    kept = (ctx.checks.get(VERSION_CHECK) or {}).get("evidence") or {}
    if not kept.get("minor"):
        raise ValueError("The Kubernetes version check has not run yet: run the checks (c) before the preview.")
    return str(kept["minor"])


def _defender(ctx: StepContext) -> bool:
    return "Containers" in (ctx.output("policy", "defender_plans") or {})


def _jump_box(ctx: StepContext) -> bool:
    return bool(ctx.output("jumpbox-image", "image_id"))


NEEDED = (
    ("spoke", "spoke_vnet_id", "the spoke VNet"), ("spoke", "subnet_ids.nodes", "the node subnet"),
    ("spoke", "subnet_ids.app_gateway", "the App Gateway subnet"),
    ("spoke", "subnet_ids.private_endpoints", "the private-endpoint subnet"),
    ("spoke", "private_dns_zone_ids.acr", "the registry's private DNS zone"),
    ("spoke", "private_dns_zone_ids.keyVault", "Key Vault's private DNS zone"),
    ("spoke", "private_dns_zone_ids.aks", "the API server's private DNS zone"),
    ("spoke", "app_gateway_public_ip_id", "App Gateway's public IP"), ("spoke", "ingress_ip", "the ingress IP"),
    ("identity", "admin_group_id", "the cluster-admin group"),
    ("identity", "k8s_rbac_tenant_id", "the Kubernetes RBAC tenant"),
    ("tls-certificates", "public_host", "the listener host"), ("tls-certificates", "backend_host", "the ingress host"),
    ("tls-certificates", "ingress_certificate_path", "the ingress certificate"),
    ("jumpbox-image", "access_mode", "the jump box decision"),
)


def _needed(ctx: StepContext) -> tuple[tuple[str, str, str], ...]:
    extra: tuple[tuple[str, str, str], ...] = ()
    if ctx.output("spoke", "api_server_mode") == "vnet-integration":
        extra += (("spoke", "subnet_ids.api_server", "the API server subnet"),)
    if _jump_box(ctx):
        extra += (("spoke", "subnet_ids.management", "the management subnet"),
                  ("jumpbox-image", "admin_user", "the jump box's admin user"),
                  ("jumpbox-image", "cloud_init", "the jump box's cloud-init"))
    return NEEDED + extra


def _earlier_outputs(ctx: StepContext) -> Finding:
    finding = cluster_inputs.check_earlier_outputs(ctx, _needed(ctx))
    store = ctx.secrets
    lost = [name for name in (LISTENER_PFX, INGRESS_PEM)
            if store is None or store.get_bytes(name) is None]  # type: ignore[attr-defined]
    if finding.status.value == "pass" and lost:
        return Finding.fail("The secret store lacks " + ", ".join(lost) + " from the TLS step.",
                            "Run the TLS certificates step again (2).", missing=lost)
    return finding


def _names(a: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    n = tpl.names(a)
    return {"AKS cluster": ("aks_cluster", n["cluster"]), "DNS prefix": ("dns_prefix", n["cluster"]),
            "Log Analytics workspace": ("log_analytics", n["workspace"]),
            "Container registry": ("container_registry", n["registry"]), "Key Vault": ("key_vault", n["vault"]),
            "Control-plane identity": ("managed_identity", n["control_plane"]),
            "Node resource group": ("resource_group", n["node_group"]),
            "Application Gateway": ("application_gateway", n["app_gateway"])}


def _check_names(ctx: StepContext) -> Finding:
    return naming.check_names(_names(ctx.answers))


def _secure(ctx: StepContext) -> dict[str, Any]:
    """The certificates for Key Vault, as secureString parameters only (read from the 0600 store)."""
    import base64

    assert ctx.secrets is not None
    pfx = ctx.secrets.get_bytes(LISTENER_PFX)  # type: ignore[attr-defined]
    pem = ctx.secrets.get_bytes(INGRESS_PEM)  # type: ignore[attr-defined]
    if pfx is None or pem is None:
        raise ValueError("The TLS step's certificates are missing from the secret store: run step 2 again.")
    return {"listenerPfx": base64.b64encode(pfx).decode(), "ingressPem": pem.decode(),
            "ingressRoot": tpl.ingress_root(pem)}


def _outputs(groups: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    services, cluster, n = groups.get("services", {}), groups.get("cluster", {}), tpl.names(ctx.answers)
    return {"cluster_id": cluster.get("clusterId"), "cluster_name": n["cluster"], "resource_group": _group(ctx),
            "location": ctx.answers["location"], "kubernetes_version": _minor(ctx),
            "node_resource_group": cluster.get("nodeResourceGroup"), "private_fqdn": cluster.get("privateFqdn"),
            "oidc_issuer": cluster.get("oidcIssuer"), "kubelet_object_id": cluster.get("kubeletObjectId"),
            "registry_id": services.get("registryId"), "registry_name": n["registry"],
            "registry_login_server": services.get("loginServer"), "key_vault_id": services.get("keyVaultId"),
            "key_vault_name": n["vault"], "key_vault_uri": services.get("keyVaultUri"),
            "key_vault_purge_protection": bool(ctx.answers["key_vault_purge_protection"]),
            "workspace_id": services.get("workspaceId"), "ingress_client_id": services.get("ingressClientId"),
            "ingress_identity_id": services.get("ingressIdentityId"),
            "ingress_namespace": tpl.INGRESS_NAMESPACE, "ingress_service_account": tpl.INGRESS_SERVICE_ACCOUNT,
            "ingress_tls_object": tpl.INGRESS_SECRET, "app_gateway_id": cluster.get("appGatewayId"),
            "waf_policy_id": cluster.get("wafPolicyId"), "run_command": bool(ctx.answers["run_command"]),
            "defender": _defender(ctx), "jumpbox": n["jumpbox"] if _jump_box(ctx) else ""}


def _posture(item: Mapping[str, Any]) -> Check:
    def run(ctx: StepContext) -> Finding:
        off = {} if _defender(ctx) else {"defender": "Defender for Containers was left off in step 4"}
        return posture.check_item(ctx, str(item["id"]), "cluster", off)
    # advisory: a warning here is a control switched off by a recorded decision (Defender left
    # off in step 4), shown and audited with its reason; a failure still fails the step.
    return Check(f"cluster.posture.{item['id']}", item["title"], run, needs_azure=True, advisory=True)


def _pending(ctx: StepContext) -> StepContext:
    """The context for reading what the templates hold. The checks run side by side, so the
    version check's answer may not be in yet; which resources there are does not depend on it."""
    return replace(ctx, checks={**ctx.checks, VERSION_CHECK: {"evidence": {"minor": "pending"}}})


def _types(ctx: StepContext) -> dict[str, set[str]]:
    """The resource types per group, for the allow-list check."""
    return group_types(CLUSTER.action, _pending(ctx))  # type: ignore[arg-type]


def _namespaces(ctx: StepContext) -> dict[str, str]:
    """Every resource provider the step's templates write to (managed Prometheus adds
    Microsoft.Monitor, which the prerequisites do not ask for), with what it is for here."""
    inner = _pending(ctx)
    found = {str(r.get("type", "")).split("/")[0] for g in GROUPS if g.included(inner)
             for r in g.template(inner).get("resources", [])}
    found -= {"Microsoft.Authorization", "Microsoft.Resources", ""}
    return {ns: providers.REQUIRED_PROVIDERS.get(ns, "managed Prometheus's Azure Monitor workspace"
                                                 if ns == "Microsoft.Monitor" else "this step's resources")
            for ns in sorted(found)}


GROUPS = (
    GroupTemplate(key="services", resource_group=_group, location=lambda ctx: str(ctx.answers["location"]),
                  template=lambda ctx: tpl.services_template(ctx.answers, ctx.outputs.get("spoke") or {},
                                                             ctx.azure.tenant_id if ctx.azure else ""),
                  parameters=_secure),
    GroupTemplate(key="spoke", resource_group=lambda ctx: str(ctx.output("spoke", "resource_group")),
                  location=lambda ctx: str(ctx.answers["location"]),
                  template=lambda ctx: tpl.spoke_template(ctx.answers, ctx.outputs.get("spoke") or {}),
                  parameters=lambda ctx: {}, depends_on=("services",),
                  inputs=(("controlPlanePrincipalId", "services", "controlPlanePrincipalId"),)),
    GroupTemplate(key="access", resource_group=_group, location=lambda ctx: str(ctx.answers["location"]),
                  template=lambda ctx: tpl.access_template(ctx.answers), parameters=lambda ctx: {},
                  depends_on=("services",), inputs=(("appGatewayPrincipalId", "services", "appGatewayPrincipalId"),
                                                    ("ingressPrincipalId", "services", "ingressPrincipalId"))),
    GroupTemplate(key="cluster", resource_group=_group, location=lambda ctx: str(ctx.answers["location"]),
                  template=lambda ctx: tpl.cluster_template(ctx.answers, ctx.outputs, _minor(ctx), _defender(ctx)),
                  parameters=lambda ctx: {}, depends_on=("spoke", "access")),
    GroupTemplate(key="pull", resource_group=_group, location=lambda ctx: str(ctx.answers["location"]),
                  template=lambda ctx: tpl.registry_pull_template(ctx.answers), parameters=lambda ctx: {},
                  depends_on=("cluster",), inputs=(("kubeletObjectId", "cluster", "kubeletObjectId"),)),
)

CLUSTER = StepDefinition(
    id="cluster",
    title="AKS cluster and services",
    summary="Private AKS cluster, registry, Key Vault, App Gateway WAF, identities, jump box and cluster policy "
            "(one deployment, ~20 min), then a posture check.",
    lesson="cluster.md",
    built=True,
    needs=("spoke", "identity", "tls-certificates", "jumpbox-image"),
    after=("policy",),
    fields=(
        Field("location", "Region", "The spoke's region: the cluster's nodes live in its subnets.", default=_region,
              validators=(region_error,)),
        Field("cluster_name", "Cluster name", "Also the DNS prefix of the API server's private name.",
              default=lambda ctx: f"aks-{_suffix(ctx)}", validators=(_named("aks_cluster"), _named("dns_prefix"))),
        Field("kubernetes_version", "Kubernetes version", "'newest' takes the newest GA minor the region offers "
              "today; a minor (1.36) is kept. Never a patch: AKS removes old patches, and pinned ones then fail.",
              default=kubernetes_version.NEWEST, validators=(kubernetes_version.version_error,)),
        Field("system_vm_size", "System pool VM size", "Runs only system pods (tainted CriticalAddonsOnly); the "
              "reference's D2d_v5 has a local disk for the ephemeral OS disk.", default="Standard_D2d_v5"),
        Field("system_count", "System pool nodes (minimum)", "Three: one per zone.", default=3, kind=FieldKind.INT,
              validators=(_between("System pool nodes", 1, 100),)),
        Field("system_max", "System pool nodes (maximum)", "The autoscaler's ceiling.", default=4, kind=FieldKind.INT,
              validators=(_between("System pool maximum", 1, 1000), _at_least_start("system_count", "The maximum"))),
        Field("user_vm_size", "User pool VM size", "Runs the workload.", default="Standard_D4d_v5"),
        Field("user_count", "User pool nodes (minimum)", "The autoscaler never goes below this.", default=2,
              kind=FieldKind.INT, validators=(_between("User pool nodes", 0, 1000),)),
        Field("user_max", "User pool nodes (maximum)", "Quota must cover this plus a third for upgrade surge.",
              default=5, kind=FieldKind.INT,
              validators=(_between("User pool maximum", 1, 1000), _at_least_start("user_count", "The maximum"))),
        Field("upgrade_channel", "Cluster auto-upgrade", "Kubernetes versions leave support within a year; a channel "
              "keeps the cluster supported without a person remembering.", default="patch", kind=FieldKind.CHOICE,
              choices=UPGRADE_CHANNELS),
        Field("node_os_channel", "Node OS upgrades", "Nodes need OS patches weekly.", default="NodeImage",
              kind=FieldKind.CHOICE, choices=NODE_OS_CHANNELS),
        Field("maintenance_day", "Maintenance day", "Both channels upgrade only in this weekly window (8 hours).",
              default="Tuesday", kind=FieldKind.CHOICE, choices=DAYS),
        Field("maintenance_start", "Maintenance start (UTC)", "The reference starts at 21:00.", default="21:00",
              validators=(_time,)),
        Field("workspace_name", "Log Analytics workspace", "Container Insights and the control-plane logs.",
              default=lambda ctx: f"la-aks-{_suffix(ctx)}", validators=(_named("log_analytics"),)),
        Field("log_retention_days", "Log retention (days)", "30 is included in the ingestion price; longer costs "
              "extra per GB and month.", default=30, kind=FieldKind.INT,
              validators=(_between("Log retention", RETENTION.start, RETENTION.stop - 1),)),
        Field("prometheus", "Managed Prometheus metrics", "Optional: the cluster's Prometheus metrics in an Azure "
              "Monitor workspace (for Grafana dashboards and alert rules), billed per million samples ingested. "
              "Container Insights and the control-plane logs are on either way.", default=False, kind=FieldKind.BOOL),
        Field("registry_name", "Container registry name", "Global: it becomes <name>.azurecr.io.",
              default=lambda ctx: f"acraks{_suffix(ctx)}", validators=(_named("container_registry"),)),
        Field("registry_replica_region", "Registry geo-replica region", "Optional: a copy of every image in another "
              "region, for pulls when the home region fails. Never the home region: ARM accepts that and "
              "replicates nothing.", default="", required=False, validators=(_replica,)),
        Field("key_vault_name", "Key Vault name", "Global, and a deleted vault keeps its name for the retention days.",
              default=lambda ctx: f"kv-aks-{_suffix(ctx)}", validators=(_named("key_vault"),)),
        Field("key_vault_retention_days", "Key Vault soft-delete retention (days)", "How long a deleted vault and "
              "its secrets can be recovered (7-90); the name stays taken as long.", default=7, kind=FieldKind.INT,
              validators=(_between("Soft-delete retention", *svc.RETENTION_DAYS),)),
        Field("key_vault_purge_protection", "Key Vault purge protection", "Once on it cannot be turned off, and "
              "nobody can purge the vault early: cleanup (step 12) then leaves it soft-deleted until the retention "
              "ends. Production: on. Learning: off.", default=False, kind=FieldKind.BOOL),
        Field("run_command", "Keep AKS run command on", "The wizard reaches the private API server through run "
              "command in steps 9 and 10. Anyone with the Azure role can run commands (Activity Log records them); "
              "the workload step offers to turn it off once validated.", default=True, kind=FieldKind.BOOL),
        Field("jumpbox_vm_size", "Jump box VM size", "Two instances from step 6's image, used only when step 6 built "
              "one; a local disk holds the ephemeral OS disk.", default="Standard_D2d_v5"),
    ),
    checks=(
        Check("cluster.earlier-outputs", "Earlier steps' outputs are there", _earlier_outputs),
        Check(VERSION_CHECK, "Kubernetes version offered",
              lambda ctx: kubernetes_version.check_kubernetes_version(ctx, str(ctx.answers["location"]),
                                                                      str(ctx.answers["kubernetes_version"])),
              needs_azure=True),
        Check("cluster.vm-sizes", "VM sizes offered in zones 1-3",
              lambda ctx: region_checks.check_vm_sizes(ctx, str(ctx.answers["location"]), _pools(ctx.answers)),
              needs_azure=True),
        Check("cluster.zones", "Region has zones 1-3",
              lambda ctx: region_checks.check_region_zones(ctx, str(ctx.answers["location"]), _pools(ctx.answers)),
              needs_azure=True),
        Check("cluster.quota", "vCPU quota: maximum + surge",
              lambda ctx: region_checks.check_vcpu_quota(ctx, str(ctx.answers["location"]), _pools(ctx.answers)),
              needs_azure=True),
        Check("cluster.api-server", "API server VNet integration",
              lambda ctx: spoke_plan.check_api_server_mode(
                  str(ctx.answers["location"]), str(ctx.output("spoke", "api_server_mode") or "vnet-integration"),
                  spoke_template.layout()["apiServerVnetIntegrationUnavailable"]["regions"],
                  spoke_template.layout()["apiServerVnetIntegrationUnavailable"]["source"])),
        Check("cluster.key-vault-name", "Key Vault name is free",
              lambda ctx: key_vault_name.check_vault_name(ctx, str(ctx.answers["key_vault_name"])),
              fix=key_vault_name.purge_deleted, fix_label="Purge the deleted vault", needs_azure=True),
        Check("cluster.registry-name", "Registry name is free",
              lambda ctx: registry_name.check_registry_name(ctx, str(ctx.answers["registry_name"])), needs_azure=True),
        Check("cluster.app-gateway-subnet", "App Gateway subnet is free",
              lambda ctx: cluster_inputs.check_app_gateway_subnet(
                  ctx, str((ctx.output("spoke", "subnet_ids") or {}).get("app_gateway", ""))), needs_azure=True),
        Check("cluster.certificate-host", "Certificate names the host",
              cluster_inputs.check_listener_host),
        Check("cluster.role-rights", "You may assign roles",
              lambda ctx: cluster_inputs.check_role_rights(ctx, [_group(ctx), str(ctx.output("spoke", "resource_group"))]),
              needs_azure=True),
        Check("cluster.providers", "Resource providers registered",
              lambda ctx: providers.check_namespaces(ctx, _namespaces(ctx)), fix=providers.register_missing,
              fix_label="Register missing providers", needs_azure=True),
        Check("cluster.names", "Names follow Azure's rules", _check_names),
        Check("cluster.allowed-types", "Allow-lists admit all types",
              lambda ctx: allowed_types.check_allowed_types(ctx, _types(ctx)), needs_azure=True),
    ),
    action=ArmDeployment(deployment_base_name="cluster-BU0001A0008", location=lambda ctx: str(ctx.answers["location"]),
                         groups=GROUPS, outputs=_outputs),
    verify=tuple(_posture(item) for item in posture.data()["items"]),
    outputs=(OutputSpec("cluster_name", "Cluster"), OutputSpec("kubernetes_version", "Kubernetes version"),
             OutputSpec("private_fqdn", "API server (private)"), OutputSpec("registry_login_server", "Registry"),
             OutputSpec("key_vault_uri", "Key Vault"), OutputSpec("app_gateway_id", "App Gateway id"),
             OutputSpec("ingress_client_id", "Ingress identity (client id)"), OutputSpec("jumpbox", "Jump box")),
)
