"""Template builders for managed Prometheus (step 8, optional): an Azure Monitor workspace, the
data collection endpoint and rule that forward the cluster's Prometheus metrics to it, and the
rule's association with the cluster; the cluster itself turns metrics on
(``azureMonitorProfile.metrics``). The shapes are the general reference's (cluster-stamp.bicep,
0b468aa) at the current stable api-versions: Microsoft.Monitor/accounts 2023-04-03
(monitoringAccounts_API.json) and Microsoft.Insights data collection 2024-03-11
(dataCollection.json). The hub firewall already lets the nodes reach the ingestion endpoints
(``*.ingest.monitor.azure.com``, ``*.metrics.ingest.monitor.azure.com``: aks-egress-rules.json)."""

from __future__ import annotations

from typing import Any

MONITOR_API = "2023-04-03"
COLLECTION_API = "2024-03-11"
STREAM = "Microsoft-PrometheusMetrics"


def prometheus_names(cluster: str, region: str) -> dict[str, str]:
    """AKS's own naming for what ``az aks create --enable-azure-monitor-metrics`` makes."""
    tail = f"{region}-{cluster}"
    return {"workspace": f"amw-{cluster}", "endpoint": f"MSProm-{tail}"[:44], "rule": f"MSProm-{tail}"[:64],
            "association": f"MSProm-{tail}"[:64]}


def monitor_workspace(name: str, region: str) -> dict[str, Any]:
    return {"type": "Microsoft.Monitor/accounts", "apiVersion": MONITOR_API, "name": name, "location": region,
            "properties": {"publicNetworkAccess": "Enabled"}}


def collection_endpoint(name: str, region: str) -> dict[str, Any]:
    return {"type": "Microsoft.Insights/dataCollectionEndpoints", "apiVersion": COLLECTION_API, "name": name,
            "location": region, "kind": "Linux", "properties": {"networkAcls": {"publicNetworkAccess": "Enabled"}}}


def prometheus_rule(names: dict[str, str], region: str) -> dict[str, Any]:
    endpoint = f"resourceId('Microsoft.Insights/dataCollectionEndpoints', '{names['endpoint']}')"
    workspace = f"resourceId('Microsoft.Monitor/accounts', '{names['workspace']}')"
    return {"type": "Microsoft.Insights/dataCollectionRules", "apiVersion": COLLECTION_API, "name": names["rule"],
            "location": region, "kind": "Linux", "dependsOn": [f"[{endpoint}]", f"[{workspace}]"],
            "properties": {"dataCollectionEndpointId": f"[{endpoint}]",
                           "dataSources": {"prometheusForwarder": [{"name": "PrometheusDataSource", "streams": [STREAM],
                                                                    "labelIncludeFilter": {}}]},
                           "destinations": {"monitoringAccounts": [{"accountResourceId": f"[{workspace}]",
                                                                    "name": "MonitoringAccount1"}]},
                           "dataFlows": [{"streams": [STREAM], "destinations": ["MonitoringAccount1"]}]}}


def prometheus_association(names: dict[str, str], cluster: str) -> dict[str, Any]:
    """The rule applied to the cluster (an extension resource on it)."""
    cluster_id = f"resourceId('Microsoft.ContainerService/managedClusters', '{cluster}')"
    rule = f"resourceId('Microsoft.Insights/dataCollectionRules', '{names['rule']}')"
    return {"type": "Microsoft.Insights/dataCollectionRuleAssociations", "apiVersion": COLLECTION_API,
            "name": names["association"], "scope": f"[{cluster_id}]", "dependsOn": [f"[{cluster_id}]", f"[{rule}]"],
            "properties": {"dataCollectionRuleId": f"[{rule}]",
                           "description": "Forwards the cluster's Prometheus metrics to its Azure Monitor workspace."}}


def prometheus(cluster: str, region: str) -> list[dict[str, Any]]:
    names = prometheus_names(cluster, region)
    return [monitor_workspace(names["workspace"], region), collection_endpoint(names["endpoint"], region),
            prometheus_rule(names, region), prometheus_association(names, cluster)]
