"""Properties Azure adds when it creates a resource (addresses, ids, states).

Later steps read these the way they would from real Azure: the spoke's route table points
at the firewall's private IP, the AKS step reads the workspace's customerId. They are
derived deterministically from names, so a rerun of a rehearsal gives the same answers."""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import uuid
from typing import Any, Callable

from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id

Finder = Callable[[str], "dict[str, Any] | None"]


def stable_guid(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).lower().encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def public_ip_for(name: str) -> str:
    """203.0.113.0/24 is TEST-NET-3: never routable, obviously fake, deterministic by name."""
    digest = hashlib.sha256(name.lower().encode()).digest()
    return f"203.0.113.{digest[0] % 250 + 4}"


def _subnet_prefix(subnet_id: str, find: Finder) -> str | None:
    child = find(subnet_id)
    if child is not None:
        prefix = child.get("properties", {}).get("addressPrefix")
        if prefix:
            return str(prefix)
    try:
        parsed = parse_resource_id(subnet_id)
    except ResourceIdError:
        return None
    if parsed.parent_id is None:
        return None
    vnet = find(parsed.parent_id)
    for subnet in (vnet or {}).get("properties", {}).get("subnets", []) or []:
        if str(subnet.get("name", "")).lower() == parsed.name.lower():
            return subnet.get("properties", {}).get("addressPrefix")
    return None


def fourth_address(prefix: str) -> str:
    """Azure reserves .0-.3 of every subnet; the firewall takes the first free one, .4."""
    return str(ipaddress.ip_network(prefix, strict=False).network_address + 4)


def enrich(resource: dict[str, Any], find: Finder) -> dict[str, Any]:
    """Return a copy of ``resource`` with the runtime properties Azure would have added."""
    out = copy.deepcopy(resource)
    props = out.setdefault("properties", {})
    if not isinstance(props, dict):
        props = out["properties"] = {}
    rtype = str(out.get("type", "")).lower()
    rid = str(out["id"])
    props["provisioningState"] = "Succeeded"
    identity = out.get("identity")
    if isinstance(identity, dict) and "systemassigned" in str(identity.get("type", "")).lower():
        # Entra ID makes the service principal; the tenant id comes from the scenario (not known here)
        identity.setdefault("principalId", stable_guid("system-identity", rid))
    if rtype == "microsoft.network/publicipaddresses":
        props.setdefault("ipAddress", public_ip_for(out["name"]))
        props.setdefault("publicIPAllocationMethod", "Static")
        props.setdefault("publicIPAddressVersion", "IPv4")
    elif rtype == "microsoft.operationalinsights/workspaces":
        props.setdefault("customerId", stable_guid("workspace", rid))
    elif rtype == "microsoft.network/virtualnetworks":
        for subnet in props.get("subnets", []) or []:
            subnet["id"] = f"{rid}/subnets/{subnet.get('name')}"
            subnet.setdefault("type", "Microsoft.Network/virtualNetworks/subnets")
            subnet.setdefault("properties", {})["provisioningState"] = "Succeeded"
    elif rtype == "microsoft.network/azurefirewalls":
        for config in props.get("ipConfigurations", []) or []:
            cprops = config.setdefault("properties", {})
            config.setdefault("id", f"{rid}/azureFirewallIpConfigurations/{config.get('name')}")
            subnet_id = (cprops.get("subnet") or {}).get("id")
            if subnet_id:
                prefix = _subnet_prefix(str(subnet_id), find)
                if prefix:
                    cprops["privateIPAddress"] = fourth_address(prefix)
            cprops["provisioningState"] = "Succeeded"
    elif rtype == "microsoft.network/bastionhosts":
        props.setdefault("dnsName", f"bst-{stable_guid('bastion', rid)}.bastion.azure.com")
    elif rtype == "microsoft.managedidentity/userassignedidentities":
        props.setdefault("principalId", stable_guid("principal", rid))
        props.setdefault("clientId", stable_guid("client", rid))
    elif rtype == "microsoft.containerregistry/registries":
        props.setdefault("loginServer", f"{out['name'].lower()}.azurecr.io")
    elif rtype == "microsoft.keyvault/vaults":
        props.setdefault("vaultUri", f"https://{out['name'].lower()}.vault.azure.net/")
    elif rtype == "microsoft.keyvault/vaults/secrets":
        # A secret's value is write-only: ARM never returns it (the Secrets_Get response in
        # keyvault.json has no value), so the rehearsal does not keep it either - the model is a
        # file outside the session's 0600 secret store.
        props.pop("value", None)
        parts = rid.split("/")
        vault, name = parts[-3], parts[-1]  # .../vaults/{vault}/secrets/{name}
        version = stable_guid("secret-version", rid).replace("-", "")
        props["secretUri"] = f"https://{vault.lower()}.vault.azure.net/secrets/{name}"
        props["secretUriWithVersion"] = f"{props['secretUri']}/{version}"
    elif rtype == "microsoft.containerservice/managedclusters":
        props.setdefault("fqdn", f"{out['name'].lower()}-{stable_guid('fqdn', rid)[:8]}.hcp."
                                 f"{str(out.get('location', '')).lower()}.azmk8s.io")
        try:
            rg = parse_resource_id(rid).resource_group
        except ResourceIdError:
            rg = None
        props.setdefault("nodeResourceGroup", f"MC_{rg}_{out['name']}_{out.get('location', '')}")
        props.setdefault("powerState", {"code": "Running"})
        _cluster_runtime(out, props, rid)
        if (props.get("oidcIssuerProfile") or {}).get("enabled"):
            props["oidcIssuerProfile"]["issuerURL"] = (
                f"https://{out.get('location', '')}.oic.prod-aks.azure.com/{stable_guid('oidc', rid)}/")
    return out


def _cluster_runtime(cluster: dict[str, Any], props: dict[str, Any], rid: str) -> None:
    """What AKS adds to a cluster it created (ManagedClusterProperties, managedClusters.json
    2026-08-01): the kubelet identity it makes in the node resource group (``identityProfile``,
    keyed ``kubeletidentity``), the private API server name for a private cluster (in the
    bring-your-own zone when one is given) and no public FQDN when that is switched off."""
    name, node_group = str(cluster["name"]), str(props["nodeResourceGroup"])
    sub = rid.split("/")[2]
    kubelet_id = (f"/subscriptions/{sub}/resourceGroups/{node_group}/providers/Microsoft.ManagedIdentity/"
                  f"userAssignedIdentities/{name}-agentpool")
    props.setdefault("identityProfile", {"kubeletidentity": {
        "resourceId": kubelet_id, "clientId": stable_guid("client", kubelet_id),
        "objectId": stable_guid("principal", kubelet_id)}})
    api = props.get("apiServerAccessProfile") or {}
    if not api.get("enablePrivateCluster"):
        return
    prefix = str(props.get("dnsPrefix") or name).lower()
    zone = str(api.get("privateDNSZone") or "system")
    tail = zone.rsplit("/", 1)[-1] if zone.lower() not in ("system", "none") else \
        f"{stable_guid('zone', rid)}.privatelink.{str(cluster.get('location', '')).lower()}.azmk8s.io"
    props["privateFQDN"] = f"{prefix}-{stable_guid('fqdn', rid)[:8]}.{tail}"
    if not api.get("enablePrivateClusterPublicFQDN", True):
        props.pop("fqdn", None)
