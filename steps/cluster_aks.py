"""Template builders for the AKS cluster itself (step 8): the managed cluster, its node pools,
its maintenance windows and its diagnostic settings. One small function per resource.

Current values, not the references' (reference/facts-2026-12.md §4): the stable api-version
2026-08-01 (the references' preview versions stopped working when AKS deprecated them); the
Kubernetes version as a minor only, resolved from what the region offers by the check; Azure
CNI Overlay with the Cilium dataplane and Cilium network policy (Azure NPM on Linux retires);
Azure Linux as the node OS; maintenance windows under the names AKS reads for each channel
(``aksManagedAutoUpgradeSchedule``, ``aksManagedNodeOSUpgradeSchedule``)."""

from __future__ import annotations

from typing import Any, Mapping

AKS_API = "2026-08-01"  # Microsoft.ContainerService/managedClusters (and maintenanceConfigurations), stable
DIAGNOSTICS_API = "2021-05-01-preview"  # Microsoft.Insights/diagnosticSettings: the newest (and only) published
SYSTEM_TAINT = "CriticalAddonsOnly=true:NoSchedule"
ZONES = ["1", "2", "3"]
# The control-plane logs the baseline keeps (B cluster-stamp.bicep): who did what (kube-audit-admin,
# without the read-only noise of kube-audit), Entra sign-ins (guard) and the autoscaler's decisions.
CLUSTER_LOGS = ("kube-audit-admin", "guard", "cluster-autoscaler")


def agent_pool(name: str, mode: str, vm_size: str, count: int, max_count: int, os_disk_gb: int,
               subnet_id: str, max_pods: int) -> dict[str, Any]:
    """One node pool across zones 1-3 on ephemeral OS disks, autoscaled from ``count`` to
    ``max_count``, surging a third of its nodes during an upgrade. The system pool carries the
    CriticalAddonsOnly taint, so only system pods (and what tolerates it) run there."""
    pool: dict[str, Any] = {
        "name": name, "mode": mode, "vmSize": vm_size, "count": count, "minCount": count, "maxCount": max_count,
        "enableAutoScaling": True, "type": "VirtualMachineScaleSets", "osType": "Linux", "osSKU": "AzureLinux",
        "osDiskType": "Ephemeral", "osDiskSizeGB": os_disk_gb, "availabilityZones": ZONES,
        "vnetSubnetID": subnet_id, "maxPods": max_pods, "enableNodePublicIP": False,
        "upgradeSettings": {"maxSurge": "33%"}}
    if mode == "System":
        pool["nodeTaints"] = [SYSTEM_TAINT]
    return pool


def network_profile(spoke: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay (pods from a private CIDR) or flat Azure CNI, as the spoke step planned it; Cilium
    for both dataplane and policy; every packet out goes through the hub firewall (UDR)."""
    profile: dict[str, Any] = {"networkPlugin": "azure", "networkDataplane": "cilium", "networkPolicy": "cilium",
                               "outboundType": "userDefinedRouting", "loadBalancerSku": "standard",
                               "serviceCidr": spoke["service_cidr"], "dnsServiceIP": spoke["dns_service_ip"]}
    if spoke.get("network_model") == "overlay":
        profile["networkPluginMode"] = "overlay"
        profile["podCidr"] = spoke["pod_cidr"]
    return profile


def api_server_profile(spoke: Mapping[str, Any], private_zone_id: str, run_command: bool) -> dict[str, Any]:
    """A private API server with the spoke's own private DNS zone and no public FQDN; VNet
    integrated (its own delegated subnet) where the spoke planned it, else private link."""
    profile: dict[str, Any] = {"enablePrivateCluster": True, "privateDNSZone": private_zone_id,
                               "enablePrivateClusterPublicFQDN": False, "disableRunCommand": not run_command}
    if spoke.get("api_server_mode") == "vnet-integration":
        profile["enableVnetIntegration"] = True
        profile["subnetId"] = (spoke.get("subnet_ids") or {}).get("api_server", "")
    return profile


def addons(workspace_id: str) -> dict[str, Any]:
    return {"azurepolicy": {"enabled": True, "config": {"version": "v2"}},
            "azureKeyvaultSecretsProvider": {"enabled": True, "config": {"enableSecretRotation": "true",
                                                                         "rotationPollInterval": "2m"}},
            "omsagent": {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": workspace_id,
                                                     "useAADAuth": "true"}}}


def security_profile(workspace_id: str, defender: bool) -> dict[str, Any]:
    profile: dict[str, Any] = {"workloadIdentity": {"enabled": True},
                               "imageCleaner": {"enabled": True, "intervalHours": 120}}
    if defender:
        profile["defender"] = {"logAnalyticsWorkspaceResourceId": workspace_id,
                               "securityMonitoring": {"enabled": True}}
    return profile


def managed_cluster(a: Mapping[str, Any], spoke: Mapping[str, Any], identity: Mapping[str, Any],
                    names: Mapping[str, str], minor: str, defender: bool) -> dict[str, Any]:
    """``a``: the step's decisions; ``spoke``: the spoke step's outputs; ``identity``: the
    identity step's (admin group, tenant, RBAC model); ``names``: the step's resource names."""
    control_plane = f"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{names['control_plane']}')]"
    workspace = f"[resourceId('Microsoft.OperationalInsights/workspaces', '{names['workspace']}')]"
    nodes = str((spoke.get("subnet_ids") or {}).get("nodes", ""))
    pods = int(spoke.get("max_pods") or 250)
    zone = str((spoke.get("private_dns_zone_ids") or {}).get("aks", ""))
    return {
        "type": "Microsoft.ContainerService/managedClusters", "apiVersion": AKS_API, "name": names["cluster"],
        "location": a["location"], "sku": {"name": "Base", "tier": "Standard"},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {control_plane: {}}},
        # No dependsOn: the identity and the workspace come from the services group, deployed first.
        "properties": {
            "kubernetesVersion": minor, "dnsPrefix": names["cluster"], "nodeResourceGroup": names["node_group"],
            "agentPoolProfiles": [
                agent_pool("npsystem", "System", a["system_vm_size"], int(a["system_count"]), int(a["system_max"]),
                           64, nodes, pods),
                agent_pool("npuser01", "User", a["user_vm_size"], int(a["user_count"]), int(a["user_max"]),
                           120, nodes, pods)],
            "enableRBAC": True,
            "aadProfile": {"managed": True, "enableAzureRBAC": identity.get("rbac_model") == "azure",
                           "adminGroupObjectIDs": [identity.get("admin_group_id")],
                           "tenantID": identity.get("k8s_rbac_tenant_id")},
            "disableLocalAccounts": True,
            "apiServerAccessProfile": api_server_profile(spoke, zone, bool(a.get("run_command", True))),
            "networkProfile": network_profile(spoke),
            "oidcIssuerProfile": {"enabled": True},
            "securityProfile": security_profile(workspace, defender),
            "addonProfiles": addons(workspace),
            "autoUpgradeProfile": {"upgradeChannel": a["upgrade_channel"],
                                   "nodeOSUpgradeChannel": a["node_os_channel"]},
            "autoScalerProfile": {"balance-similar-node-groups": "true", "expander": "random",
                                  "max-graceful-termination-sec": "600", "scale-down-unneeded-time": "10m"},
            # managed Prometheus (opt-in): the metrics add-on, its rule and workspace in cluster_monitoring
            "azureMonitorProfile": {"metrics": {"enabled": bool(a.get("prometheus")),
                                                "kubeStateMetrics": {"metricLabelsAllowlist": "",
                                                                     "metricAnnotationsAllowList": ""}}},
        },
    }


def maintenance_window(cluster: str, name: str, day: str, start: str, hours: int) -> dict[str, Any]:
    """A weekly window (``name`` says for which channel AKS uses it); times in UTC."""
    return {"type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations", "apiVersion": AKS_API,
            "name": f"{cluster}/{name}",
            "dependsOn": [f"[resourceId('Microsoft.ContainerService/managedClusters', '{cluster}')]"],
            "properties": {"maintenanceWindow": {"schedule": {"weekly": {"intervalWeeks": 1, "dayOfWeek": day}},
                                                 "durationHours": hours, "startTime": start, "utcOffset": "+00:00"}}}


def cluster_diagnostics(cluster: str, workspace: str) -> dict[str, Any]:
    """Control-plane logs to the cluster's workspace (an extension resource on the cluster)."""
    cluster_id = f"resourceId('Microsoft.ContainerService/managedClusters', '{cluster}')"
    return {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": DIAGNOSTICS_API, "name": "default",
            "scope": f"[{cluster_id}]", "dependsOn": [f"[{cluster_id}]"],
            "properties": {"workspaceId": f"[resourceId('Microsoft.OperationalInsights/workspaces', '{workspace}')]",
                           "logs": [{"category": c, "enabled": True} for c in CLUSTER_LOGS],
                           "metrics": [{"category": "AllMetrics", "enabled": True}]}}
