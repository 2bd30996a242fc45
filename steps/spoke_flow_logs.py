"""VNet flow logs for the spoke, opt-in: the decisions, and the storage account and flow log
the spoke's deployment adds when the operator turns them on (``assets/azure/spoke-network.json``
``flowLogs``).

The reference wrote NSG flow logs for every NSG; Azure has refused new ones since 30 June 2025,
so this is the current equivalent: one flow log on the whole VNet, written to a Standard storage
account in the spoke's region, optionally processed by Traffic Analytics into the hub's Log
Analytics workspace. Off by default: it costs money per GB, and a learner's rehearsal does not
need it. The flow log lives under the region's Network Watcher, which the subscription may
already have (``checks.network_watcher``)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from checks import naming, network_watcher
from steps import spoke_template as tpl
from wizard.engine.contract import Check, Field, FieldKind, Finding, GroupTemplate, StepContext

STORAGE_API = "2025-06-01"  # Microsoft.Storage/storageAccounts, stable (assets/azure/api-versions.json)
WORKSPACE_API = "2025-02-01"  # Microsoft.OperationalInsights/workspaces, to read the customer id
CHECK_ID = "spoke.network-watcher"


def spec() -> dict[str, Any]:
    return tpl.layout()["flowLogs"]


def wanted(a: Mapping[str, Any]) -> bool:
    return bool(a.get("flow_logs"))


def _subscription(ctx: StepContext) -> str:
    return ctx.azure.subscription_id if ctx.azure else str(ctx.output("prerequisites", "subscription_id", ""))


def default_storage_name(ctx: StepContext) -> str:
    """Globally unique in practice: the prefix, the region and the subscription's first digits."""
    region = re.sub(r"[^a-z0-9]", "", str(ctx.output("hub", "location") or "eastus2").lower())
    return (spec()["storagePrefix"] + region[:10] + re.sub(r"[^a-z0-9]", "", _subscription(ctx).lower())[:8])[:24]


def cost_note() -> str:
    p = spec()["prices"]
    return (f"About US${p['perGbCollected']:.2f} per GB of flows after {p['freeGbPerMonth']} GB a month free, plus "
            f"storage; Traffic Analytics adds US${p['trafficAnalyticsPerGbProcessed']:.2f} per GB processed "
            f"(list prices, {p['retrieved']}).")


def _retention(value: Any, ctx: StepContext) -> str | None:
    top = spec()["maxRetentionDays"]
    return None if 0 <= int(value) <= top else f"Retention must be 0 (keep forever) to {top} days."


FIELDS = (
    Field("flow_logs", "VNet flow logs", "Records every flow in and out of the spoke's network interfaces to a storage "
          "account: evidence for an incident or an audit. NSG flow logs, the reference's choice, can no longer be "
          "created. " + cost_note(), default=False, kind=FieldKind.BOOL),
    Field("flow_logs_storage", "Flow log storage account", "3-24 lower-case letters and digits, unique across Azure; "
          "Standard, in the spoke's region, as flow logs require.", default=default_storage_name,
          validators=(lambda v, ctx: naming.name_error("storage_account", str(v)),), visible_when=wanted),
    Field("flow_logs_retention_days", "Flow log retention (days)", "How long the storage account keeps flow records "
          "(0 keeps them until you delete them).", default=lambda ctx: spec()["retentionDays"], kind=FieldKind.INT,
          validators=(_retention,), visible_when=wanted),
    Field("traffic_analytics", "Traffic Analytics", "Aggregates the flows hourly into the hub's Log Analytics "
          "workspace (top talkers, blocked flows, maps).", default=False, kind=FieldKind.BOOL, visible_when=wanted),
)


def _watcher(ctx: StepContext) -> tuple[dict[str, str], bool]:
    region = str(ctx.answers["location"])
    return network_watcher.planned_watcher(ctx.checks or {}, CHECK_ID, spec()["watcherResourceGroup"],
                                           spec()["watcherNamePrefix"] + region, region)


def check(ctx: StepContext) -> Finding:
    region = str(ctx.answers["location"])
    return network_watcher.check_network_watcher(ctx, region, spec()["watcherResourceGroup"],
                                                 spec()["watcherNamePrefix"] + region)


CHECKS = (Check(CHECK_ID, "The region's Network Watcher, for the flow log", check, needs_azure=True,
                applies_when=wanted),)


def storage_id(ctx: StepContext) -> str:
    return (f"/subscriptions/{_subscription(ctx)}/resourceGroups/{ctx.answers['resource_group']}/providers/"
            f"Microsoft.Storage/storageAccounts/{ctx.answers['flow_logs_storage']}")


def vnet_id(ctx: StepContext) -> str:
    return (f"/subscriptions/{_subscription(ctx)}/resourceGroups/{ctx.answers['resource_group']}/providers/"
            f"Microsoft.Network/virtualNetworks/{ctx.answers['vnet_name']}")


def storage_account(name: str, region: str) -> dict[str, Any]:
    """Standard (flow logs refuse Premium), no public blob access, TLS 1.2, shared keys off, and a
    firewall that denies by default except to trusted Azure services such as Network Watcher."""
    return {"type": "Microsoft.Storage/storageAccounts", "apiVersion": STORAGE_API, "name": name,
            "location": region, "sku": {"name": spec()["storageSku"]}, "kind": "StorageV2",
            "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False,
                           "supportsHttpsTrafficOnly": True, "allowSharedKeyAccess": False,
                           "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}}


def network_watcher_resource(name: str, region: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/networkWatchers", "apiVersion": tpl.NET_API, "name": name,
            "location": region, "properties": {}}


def flow_log(ctx: StepContext, watcher: str, created: bool) -> dict[str, Any]:
    a, region = ctx.answers, str(ctx.answers["location"])
    days = int(a["flow_logs_retention_days"])
    props: dict[str, Any] = {"targetResourceId": vnet_id(ctx), "storageId": storage_id(ctx), "enabled": True,
                             "retentionPolicy": {"days": days, "enabled": days > 0},
                             "format": {"type": "JSON", "version": 2}}
    workspace = str(ctx.output("hub", "log_analytics_id") or "")
    if a.get("traffic_analytics") and workspace:
        props["flowAnalyticsConfiguration"] = {"networkWatcherFlowAnalyticsConfiguration": {
            "enabled": True, "workspaceResourceId": workspace, "workspaceRegion": region,
            "workspaceId": f"[reference('{workspace}', '{WORKSPACE_API}').customerId]",
            "trafficAnalyticsInterval": spec()["trafficAnalyticsIntervalMinutes"]}}
    body: dict[str, Any] = {"type": "Microsoft.Network/networkWatchers/flowLogs", "apiVersion": tpl.NET_API,
                            "name": f"{watcher}/fl-{a['vnet_name']}", "location": region, "properties": props}
    if created:
        body["dependsOn"] = [f"[resourceId('Microsoft.Network/networkWatchers', '{watcher}')]"]
    return body


def watcher_template(ctx: StepContext) -> dict[str, Any]:
    """The flow log in the watcher's group, and the watcher itself when the region has none."""
    watcher, create = _watcher(ctx)
    region = str(ctx.answers["location"])
    resources = ([network_watcher_resource(watcher["name"], region)] if create else []) + \
        [flow_log(ctx, watcher["name"], create)]
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": resources,
            "outputs": {"flowLogId": {"type": "string", "value": f"[resourceId('Microsoft.Network/networkWatchers/"
                                                                  f"flowLogs', '{watcher['name']}', "
                                                                  f"'fl-{ctx.answers['vnet_name']}')]"}}}


GROUP = GroupTemplate(key="flowlogs", resource_group=lambda ctx: _watcher(ctx)[0]["resource_group"],
                      location=lambda ctx: _watcher(ctx)[0]["group_location"], template=watcher_template,
                      parameters=lambda ctx: {}, depends_on=("spoke",), wanted=lambda ctx: wanted(ctx.answers))
