"""Template builders for the cluster's services (issue 9, step 8; the step itself is not built
yet): the cluster's Log Analytics workspace, the container registry and the Key Vault, each
reached only through a private endpoint in the spoke's private-endpoint subnet, registered in
the spoke's private DNS zone. One small function per resource, as the hub and spoke builders.

Current values, not the references' (reference/facts-2026-12.md §11-12): Key Vault at
api-version 2026-05-15 (all control-plane versions before 2026-02-01 retire on 2027-02-27) with
``enableRbacAuthorization`` sent explicitly (the SDK's docstring still says the default is
false); ACR Premium (private endpoints and zone redundancy need it) with the admin user and
public access off and trusted Azure services allowed (ACR's importImage into a registry behind a
private endpoint needs that exception); private endpoint group ids ``registry`` and ``vault``."""

from __future__ import annotations

from typing import Any, Mapping

WORKSPACE_API = "2025-02-01"  # Microsoft.OperationalInsights/workspaces, stable
REGISTRY_API = "2025-11-01"  # Microsoft.ContainerRegistry/registries, stable (facts §12)
VAULT_API = "2026-05-15"  # Microsoft.KeyVault/vaults, stable, after the 2026-02-01 RBAC default (facts §11)
PE_API = "2025-07-01"  # Microsoft.Network/privateEndpoints (and privateDnsZoneGroups)
RETENTION_DAYS = (7, 90)  # Key Vault's soft-delete window


def log_analytics_workspace(name: str, region: str, retention_days: int) -> dict[str, Any]:
    return {"type": "Microsoft.OperationalInsights/workspaces", "apiVersion": WORKSPACE_API, "name": name,
            "location": region, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": retention_days,
                                                "publicNetworkAccessForIngestion": "Enabled",
                                                "publicNetworkAccessForQuery": "Enabled"}}


def container_registry(name: str, region: str) -> dict[str, Any]:
    """Premium; no admin user, no public access; trusted services may import into it. A geo-replica
    is a separate resource (``registry_replication``) and never in the home region."""
    return {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": REGISTRY_API, "name": name,
            "location": region, "sku": {"name": "Premium"},
            "properties": {"adminUserEnabled": False, "publicNetworkAccess": "Disabled", "zoneRedundancy": "Enabled",
                           "networkRuleBypassOptions": "AzureServices", "dataEndpointEnabled": False,
                           "policies": {"exportPolicy": {"status": "enabled"}}}}


def replica_region_error(replica: str, home: str) -> str | None:
    """A geo-replica in the registry's own region is no replica: ARM accepts it and nothing is
    replicated, so the decision is refused instead."""
    if replica and replica.replace(" ", "").lower() == home.replace(" ", "").lower():
        return (f"The geo-replica must be in another region than the registry's home ({home}): a replica there "
                "adds nothing. Choose another region or leave it empty.")
    return None


def registry_replication(registry: str, region: str) -> dict[str, Any]:
    return {"type": "Microsoft.ContainerRegistry/registries/replications", "apiVersion": REGISTRY_API,
            "name": f"{registry}/{region}", "location": region,
            "dependsOn": [f"[resourceId('Microsoft.ContainerRegistry/registries', '{registry}')]"],
            "properties": {"zoneRedundancy": "Enabled"}}


def key_vault(name: str, region: str, tenant_id: str, retention_days: int, purge_protection: bool) -> dict[str, Any]:
    """Azure RBAC (sent explicitly), no public access, soft delete for ``retention_days``. Purge
    protection is sent only when chosen: once on it cannot be turned off, and it makes cleanup
    unable to purge the vault (the name stays taken until the retention ends).

    With public access off Key Vault still takes private-endpoint traffic and trusted Azure
    services (the SDKs' publicNetworkAccess description: "all traffic except private endpoint
    traffic and that that originates from trusted services will be blocked"), which is how App
    Gateway reads its listener certificate: hence ``bypass: AzureServices``, as the general
    reference notes ("Required for AppGW communication")."""
    props: dict[str, Any] = {"tenantId": tenant_id, "sku": {"family": "A", "name": "standard"},
                             "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
                             "softDeleteRetentionInDays": retention_days,
                             "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}
    if purge_protection:
        props["enablePurgeProtection"] = True
    return {"type": "Microsoft.KeyVault/vaults", "apiVersion": VAULT_API, "name": name, "location": region,
            "properties": props}


def certificate_secret(vault: str, name: str, parameter: str, content_type: str) -> dict[str, Any]:
    """A certificate stored as a Key Vault secret (App Gateway reads its listener PFX this way,
    the ingress controller its certificate through the CSI driver). The value comes only from
    the secureString template parameter ``parameter``: it never appears in the template, the
    journal (which redacts secure values) or the rehearsal's state (a secret's value is
    write-only)."""
    return {"type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": VAULT_API, "name": f"{vault}/{name}",
            "dependsOn": [f"[resourceId('Microsoft.KeyVault/vaults', '{vault}')]"],
            "properties": {"value": f"[parameters('{parameter}')]", "contentType": content_type}}


def private_endpoint(name: str, region: str, subnet_id: str, target_type: str, target: str,
                     group_id: str) -> dict[str, Any]:
    target_id = f"[resourceId('{target_type}', '{target}')]"
    return {"type": "Microsoft.Network/privateEndpoints", "apiVersion": PE_API, "name": name, "location": region,
            "dependsOn": [target_id],
            "properties": {"subnet": {"id": subnet_id}, "privateLinkServiceConnections": [{
                "name": f"to-{target}", "properties": {"privateLinkServiceId": target_id, "groupIds": [group_id]}}]}}


def private_dns_zone_group(endpoint: str, zone_id: str) -> dict[str, Any]:
    """Registers the endpoint's address in the spoke's private DNS zone (so the name resolves to it)."""
    return {"type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "apiVersion": PE_API,
            "name": f"{endpoint}/default",
            "dependsOn": [f"[resourceId('Microsoft.Network/privateEndpoints', '{endpoint}')]"],
            "properties": {"privateDnsZoneConfigs": [{"name": zone_id.rsplit("/", 1)[-1].replace(".", "_"),
                                                      "properties": {"privateDnsZoneId": zone_id}}]}}


def services(a: Mapping[str, Any], spoke: Mapping[str, Any], tenant_id: str) -> list[dict[str, Any]]:
    """The services' resources for the workload group, from the cluster's decisions ``a`` and the
    spoke step's outputs (its private-endpoint subnet and private DNS zones)."""
    region = str(a["location"])
    subnet = str((spoke.get("subnet_ids") or {}).get("private_endpoints", ""))
    zones = spoke.get("private_dns_zone_ids") or {}
    registry, vault = str(a["registry_name"]), str(a["key_vault_name"])
    out = [log_analytics_workspace(str(a["workspace_name"]), region, int(a["log_retention_days"])),
           container_registry(registry, region)]
    if a.get("registry_replica_region"):
        out.append(registry_replication(registry, str(a["registry_replica_region"])))
    out += [key_vault(vault, region, tenant_id, int(a["key_vault_retention_days"]), bool(a["key_vault_purge_protection"])),
            private_endpoint(f"pe-{registry}", region, subnet, "Microsoft.ContainerRegistry/registries", registry,
                             "registry"),
            private_dns_zone_group(f"pe-{registry}", str(zones.get("acr", ""))),
            private_endpoint(f"pe-{vault}", region, subnet, "Microsoft.KeyVault/vaults", vault, "vault"),
            private_dns_zone_group(f"pe-{vault}", str(zones.get("keyVault", "")))]
    return out
