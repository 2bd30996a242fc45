"""What AKS makes beside a cluster: its node resource group, holding a scale set per node pool
and the kubelet identity (the ``MC_`` group, or the name the template gives). AKS owns these:
the session did not create them, and they go when the cluster goes. The names follow AKS's
patterns (``aks-<pool>-<8 digits>-vmss``, ``<cluster>-agentpool``) and the group carries the
tags AKS sets on it (``aks-managed-cluster-name``, ``aks-managed-cluster-rg``)."""

from __future__ import annotations

from typing import Any

from wizard.rehearsal.resource_ids import parse_resource_id

UAMI = "Microsoft.ManagedIdentity/userAssignedIdentities"


def _digits(text: str) -> str:
    return str(sum(ord(c) * (i + 1) for i, c in enumerate(text)) % 100_000_000).zfill(8)


def made_by_aks(cluster: dict[str, Any]) -> tuple[str, str, dict[str, str], list[dict[str, Any]]]:
    """(group name, location, tags, resources) for a cluster's state as stored."""
    props = cluster.get("properties") or {}
    parsed = parse_resource_id(str(cluster["id"]))
    sub, group, location = parsed.subscription_id, str(props["nodeResourceGroup"]), str(cluster.get("location", ""))
    base = f"/subscriptions/{sub}/resourceGroups/{group}/providers"
    kubelet = ((props.get("identityProfile") or {}).get("kubeletidentity") or {})
    out: list[dict[str, Any]] = []
    if kubelet.get("resourceId"):
        out.append({"id": kubelet["resourceId"], "name": str(kubelet["resourceId"]).rsplit("/", 1)[-1], "type": UAMI,
                    "location": location, "properties": {"principalId": kubelet.get("objectId"),
                                                         "clientId": kubelet.get("clientId")}})
    for pool in props.get("agentPoolProfiles") or []:
        name = f"aks-{pool.get('name')}-{_digits(str(cluster['id']) + str(pool.get('name')))}-vmss"
        out.append({"id": f"{base}/Microsoft.Compute/virtualMachineScaleSets/{name}", "name": name,
                    "type": "Microsoft.Compute/virtualMachineScaleSets", "location": location,
                    "zones": pool.get("availabilityZones") or [],
                    "sku": {"name": pool.get("vmSize"), "capacity": pool.get("count")},
                    "properties": {"provisioningState": "Succeeded", "orchestrationMode": "Uniform"}})
    tags = {"aks-managed-cluster-name": str(cluster["name"]), "aks-managed-cluster-rg": str(parsed.resource_group)}
    return group, location, tags, out
