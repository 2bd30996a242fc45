"""The cluster step's three resource-group templates, from its decisions and the earlier
steps' outputs. They deploy in this order, as one subscription deployment:

1. ``services`` (workload group): the workspace, registry, Key Vault with the two certificates
   as secrets, their private endpoints, and the three identities.
2. ``spoke`` (spoke group): the control-plane identity's rights on the spoke's network and its
   private API zone. AKS checks them when the cluster is created, so they come first.
3. ``access`` (workload group): Key Vault Secrets User for App Gateway and the ingress
   controller, before App Gateway first reads its certificate.
4. ``cluster`` (workload group): the cluster, its maintenance windows and diagnostics, the
   ingress identity's federation with the cluster's OIDC issuer, the WAF policy and App
   Gateway, the jump box, and the Kubernetes policy assignments.
5. ``pull`` (workload group): AcrPull for the kubelet identity AKS made with the cluster.

Groups 2, 3 and 5 take principal ids from the groups before them, so ARM previews their
contents only once those exist (the preview lists them from the wizard's own template)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Mapping

from steps import cluster_aks as aks
from steps import cluster_gateway as gateway
from steps import cluster_identities as ids
from steps import cluster_monitoring
from steps import cluster_policy
from steps import cluster_services as svc
from steps.cluster_jumpbox import jumpbox_scale_set
from steps.spoke_template import route_table_name

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
LISTENER_SECRET = "gateway-listener-pfx"  # the secret App Gateway reads its listener certificate from
INGRESS_SECRET = "ingress-tls"  # the secret the ingress controller mounts (key and certificate, PEM)
# The ingress certificate's public part, which App Gateway trusts for its backend, read from Key
# Vault like the listener certificate (the general reference keeps it there too). Inline in the
# template, its base64 would carry the key's modulus in the same encoding as the private key's
# own first lines, which no secret scan can tell apart from a leak.
INGRESS_ROOT_SECRET = "ingress-root"
INGRESS_NAMESPACE, INGRESS_SERVICE_ACCOUNT = "a0008", "traefik-ingress-controller"  # the general reference's
UAMI = "Microsoft.ManagedIdentity/userAssignedIdentities"


def suffix(subscription_id: str, resource_group: str) -> str:
    """Eight characters that make the global names (registry, vault) this subscription's own,
    stable across runs, as the references' ``uniqueString(resourceGroup().id)`` is."""
    return hashlib.sha256(f"{subscription_id}/{resource_group}".lower().encode()).hexdigest()[:8]


def names(a: Mapping[str, Any]) -> dict[str, str]:
    cluster = str(a["cluster_name"])
    return {"cluster": cluster, "workspace": str(a["workspace_name"]), "registry": str(a["registry_name"]),
            "vault": str(a["key_vault_name"]), "control_plane": f"mi-{cluster}-controlplane",
            "app_gateway_identity": "mi-appgateway-frontend", "ingress_identity": "podmi-ingress-controller",
            "app_gateway": f"apw-{cluster}", "waf_policy": f"waf-{cluster}", "node_group": f"rg-{cluster}-nodepools",
            "jumpbox": "vmss-jumpboxes"}


def _template(resources: list[dict[str, Any]], outputs: dict[str, Any],
              parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
            "resources": resources, "outputs": outputs}


def _out(value: str, kind: str = "string") -> dict[str, str]:
    return {"type": kind, "value": value}


# Each identity's principal id, handed from the services group to the groups that assign it
# roles. A role assignment's name must be known before the deployment starts (ARM allows
# reference() only in properties and outputs), and it includes the principal id so that a
# recreated identity gets a new assignment: hence a parameter fed from an earlier group.
PRINCIPAL_OUTPUTS = {"controlPlane": "control_plane", "appGateway": "app_gateway_identity",
                     "ingress": "ingress_identity"}


def _local_principal(identity: str) -> str:
    return f"reference(resourceId('{UAMI}', '{identity}'), '{ids.IDENTITY_API}').principalId"


def _assignments(group: str, principals: Mapping[str, str], scopes: Mapping[str, str],
                 depends: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    out = []
    for entry in ids.assignments_for(group):
        if entry["principal"] in principals:
            out.append(ids.role_assignment(entry, principals[entry["principal"]], scopes[entry["scope"]],
                                           depends.get(entry["principal"], [])))
    return out


def services_template(a: Mapping[str, Any], spoke: Mapping[str, Any], tenant_id: str) -> dict[str, Any]:
    n, region = names(a), str(a["location"])
    resources = svc.services(a, spoke, tenant_id)
    resources += [svc.certificate_secret(n["vault"], LISTENER_SECRET, "listenerPfx", "application/x-pkcs12"),
                  svc.certificate_secret(n["vault"], INGRESS_SECRET, "ingressPem", "application/x-pem-file"),
                  svc.certificate_secret(n["vault"], INGRESS_ROOT_SECRET, "ingressRoot", "application/x-x509-ca-cert")]
    resources += [ids.user_assigned_identity(n[k], region)
                  for k in ("control_plane", "app_gateway_identity", "ingress_identity")]
    vault = f"resourceId('Microsoft.KeyVault/vaults', '{n['vault']}')"
    return _template(resources, {
        "workspaceId": _out(f"[resourceId('Microsoft.OperationalInsights/workspaces', '{n['workspace']}')]"),
        "registryId": _out(f"[resourceId('Microsoft.ContainerRegistry/registries', '{n['registry']}')]"),
        "loginServer": _out(f"[reference(resourceId('Microsoft.ContainerRegistry/registries', '{n['registry']}'), "
                            f"'{svc.REGISTRY_API}').loginServer]"),
        "keyVaultId": _out(f"[{vault}]"),
        "keyVaultUri": _out(f"[reference({vault}, '{svc.VAULT_API}').vaultUri]"),
        "ingressClientId": _out(f"[reference(resourceId('{UAMI}', '{n['ingress_identity']}'), "
                                f"'{ids.IDENTITY_API}').clientId]"),
        "ingressIdentityId": _out(f"[resourceId('{UAMI}', '{n['ingress_identity']}')]"),
        **{f"{key}PrincipalId": _out(f"[{_local_principal(n[name])}]") for key, name in PRINCIPAL_OUTPUTS.items()},
    }, {"listenerPfx": {"type": "securestring"}, "ingressPem": {"type": "securestring"},
        "ingressRoot": {"type": "securestring"}})


def spoke_template(a: Mapping[str, Any], spoke: Mapping[str, Any]) -> dict[str, Any]:
    """The control-plane identity is made by the services group: its principal id comes in as a
    parameter from that group's outputs (known once it is deployed, so ARM previews this group
    only then)."""
    scopes = {"spokeVnet": f"'{spoke['spoke_vnet_id']}'",
              "aksPrivateZone": f"'{(spoke.get('private_dns_zone_ids') or {}).get('aks', '')}'",
              "routeTable": f"resourceId('Microsoft.Network/routeTables', '{route_table_name(str(a['location']))}')"}
    return _template(_assignments("spoke", {"controlPlane": "parameters('controlPlanePrincipalId')"}, scopes, {}), {},
                     {"controlPlanePrincipalId": {"type": "string"}})


def access_template(a: Mapping[str, Any]) -> dict[str, Any]:
    """Key Vault Secrets User for App Gateway and the ingress controller, before App Gateway
    first reads its certificate."""
    vault = f"resourceId('Microsoft.KeyVault/vaults', '{names(a)['vault']}')"
    principals = {p: f"parameters('{p}PrincipalId')" for p in ("appGateway", "ingress")}
    return _template(_assignments("workload", principals, {"keyVault": vault}, {}), {},
                     {f"{p}PrincipalId": {"type": "string"} for p in principals})


def registry_pull_template(a: Mapping[str, Any]) -> dict[str, Any]:
    """AcrPull for the kubelet identity AKS made with the cluster (its object id comes from the
    cluster group's outputs)."""
    registry = f"resourceId('Microsoft.ContainerRegistry/registries', '{names(a)['registry']}')"
    return _template(_assignments("workload", {"kubelet": "parameters('kubeletObjectId')"}, {"registry": registry}, {}),
                     {}, {"kubeletObjectId": {"type": "string"}})


def ingress_root(pem: bytes) -> str:
    """The ingress certificate (public part, DER in base64) from the stored PEM (key and chain)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(pem)
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def cluster_template(a: Mapping[str, Any], outputs: Mapping[str, Mapping[str, Any]], minor: str,
                     defender: bool) -> dict[str, Any]:
    n, region = names(a), str(a["location"])
    spoke, tls = outputs.get("spoke") or {}, outputs.get("tls-certificates") or {}
    cluster_ref = f"resourceId('Microsoft.ContainerService/managedClusters', '{n['cluster']}')"
    resources = [aks.managed_cluster(a, spoke, outputs.get("identity") or {}, n, minor, defender),
                 aks.maintenance_window(n["cluster"], "aksManagedAutoUpgradeSchedule", str(a["maintenance_day"]),
                                        str(a["maintenance_start"]), 8),
                 aks.maintenance_window(n["cluster"], "aksManagedNodeOSUpgradeSchedule", str(a["maintenance_day"]),
                                        str(a["maintenance_start"]), 8),
                 aks.cluster_diagnostics(n["cluster"], n["workspace"])]
    kubelet = f"reference({cluster_ref}, '{aks.AKS_API}').identityProfile.kubeletidentity.objectId"
    issuer = f"[reference({cluster_ref}, '{aks.AKS_API}').oidcIssuerProfile.issuerURL]"
    federation = ids.federated_credential(n["ingress_identity"], issuer, INGRESS_NAMESPACE, INGRESS_SERVICE_ACCOUNT)
    federation["dependsOn"] = [f"[{cluster_ref}]"]  # the identity exists already (services group)
    secrets = f"https://{n['vault'].lower()}.vault.azure.net/secrets"
    resources += [federation, gateway.waf_policy(n["waf_policy"], region),
                  gateway.application_gateway(n, region, spoke, {"public": str(tls.get("public_host", "")),
                                                                 "backend": str(tls.get("backend_host", ""))},
                                              f"{secrets}/{LISTENER_SECRET}", f"{secrets}/{INGRESS_ROOT_SECRET}")]
    jump = outputs.get("jumpbox-image") or {}
    if jump.get("image_id") and (spoke.get("subnet_ids") or {}).get("management"):
        resources.append(jumpbox_scale_set(n["jumpbox"], region, spoke["subnet_ids"]["management"],
                                           str(jump["image_id"]), str(jump.get("cloud_init", "")),
                                           str(jump.get("admin_user", "")), str(jump.get("admin_ssh_key", "")),
                                           str(a["jumpbox_vm_size"]), 2))
    if a.get("prometheus"):
        resources += cluster_monitoring.prometheus(n["cluster"], region)
    resources += cluster_policy.assignments(n["cluster"], n["registry"])
    return _template(resources, {
        "clusterId": _out(f"[{cluster_ref}]"),
        "oidcIssuer": _out(issuer),
        "nodeResourceGroup": _out(f"[reference({cluster_ref}, '{aks.AKS_API}').nodeResourceGroup]"),
        "privateFqdn": _out(f"[reference({cluster_ref}, '{aks.AKS_API}').privateFQDN]"),
        "kubeletObjectId": _out(f"[{kubelet}]"),
        "appGatewayId": _out(f"[resourceId('Microsoft.Network/applicationGateways', '{n['app_gateway']}')]"),
        "wafPolicyId": _out("[resourceId('Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies', "
                            f"'{n['waf_policy']}')]"),
    })
