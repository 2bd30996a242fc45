"""What a region offers: quota (compute and network usages), VM SKU availability and the
Kubernetes versions AKS supports there."""

from __future__ import annotations

import re
from typing import Any

from wizard.rehearsal import kubernetes_versions
from wizard.rehearsal.http_types import ArmError, Request, Response
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.scenario import normalize_location
from wizard.rehearsal.world import World

PIP_USAGES = {"publicipaddresses", "standardskupublicipaddresses"}


def _region(req: Request) -> tuple[str, dict[str, Any]]:
    loc = normalize_location(req.params["loc"])
    region = req.world.scenario.region(loc)
    if region is None:
        raise ArmError(404, "NoRegisteredProviderFound", f"No registered resource provider found for location '{loc}'.")
    return loc, region


def public_ips_in_model(world: World, sub: str, location: str) -> int:
    prefix = f"/subscriptions/{sub}/".lower()
    return sum(1 for rid, res in world.model.data["resources"].items()
               if rid.startswith(prefix) and res.get("type", "").lower() == "microsoft.network/publicipaddresses"
               and normalize_location(str(res.get("location", ""))) == location)


def compute_usages(req: Request) -> Response:
    require_subscription(req)
    _, region = _region(req)
    items = [{"unit": "Count", "currentValue": u.get("currentValue", 0), "limit": u.get("limit", 0),
              "name": {"value": name, "localizedValue": u.get("localizedName", name)}}
             for name, u in region.get("computeUsages", {}).items()]
    return Response(200, {"value": items})


def network_usage_items(world: World, sub: str, loc: str, region: dict[str, Any]) -> list[dict[str, Any]]:
    extra = public_ips_in_model(world, sub, loc)
    return [{"id": f"/subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/usages/{name}",
             "name": {"value": name, "localizedValue": u.get("localizedName", name)},
             "currentValue": u.get("currentValue", 0) + (extra if name.lower() in PIP_USAGES else 0),
             "limit": u.get("limit", 0), "unit": "Count"}
            for name, u in region.get("networkUsages", {}).items()]


def network_usages(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    loc, region = _region(req)
    return Response(200, {"value": network_usage_items(req.world, sub, loc, region)})


def _sku_entry(sku: dict[str, Any], loc: str, zones: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "virtualMachines", "name": sku["name"], "tier": sku.get("tier", "Standard"),
        "size": sku.get("size", sku["name"].removeprefix("Standard_")), "family": sku["family"],
        "locations": [loc], "locationInfo": [{"location": loc, "zones": list(zones), "zoneDetails": []}],
        "capabilities": [{"name": "vCPUs", "value": str(sku["vCPUs"])},
                         {"name": "MemoryGB", "value": str(sku["memoryGB"])},
                         {"name": "MaxResourceVolumeMB", "value": str(sku.get("maxResourceVolumeMB", 0))},
                         {"name": "PremiumIO", "value": "True"},
                         {"name": "HyperVGenerations", "value": "V1,V2"}],
        "restrictions": list(sku.get("restrictions", [])),
    }


def list_skus(req: Request) -> Response:
    require_subscription(req)
    flt = req.query.get("$filter", "")
    wanted = re.search(r"location\s+eq\s+'([^']+)'", flt, re.IGNORECASE)
    locations = [normalize_location(wanted.group(1))] if wanted else list(req.world.scenario.regions)
    items = []
    for loc in locations:
        region = req.world.scenario.region(loc)
        if region is None:
            continue
        for sku in req.world.scenario.vm_skus:
            items.append(_sku_entry(sku, loc, region.get("zones", [])))
    return Response(200, {"value": items})


def list_kubernetes_versions(req: Request) -> Response:
    """ManagedClusters_ListKubernetesVersions: the region's own list, else the scenario's
    (``kubernetesVersions.values``); the shape of KubernetesVersions_List.json (2026-08-01)."""
    require_subscription(req)
    _, region = _region(req)
    return Response(200, {"values": kubernetes_versions.offered(req.world, region)})


def register(router: Router) -> None:
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions",
               list_kubernetes_versions)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/usages", compute_usages)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/usages", network_usages)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.Compute/skus", list_skus)
