"""Subscriptions, locations and resource groups."""

from __future__ import annotations

import time
import uuid
from typing import Any

from wizard.rehearsal.http_types import ArmError, Request, Response, being_deleted, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.scenario import normalize_location

GROUP_DELETE_SECONDS = 30.0  # Azure seconds for an empty group
RESOURCE_DELETE_SECONDS = 20.0  # and for each resource in it
_GEO = {"eastus2": ("Virginia", "36.6681", "-78.3889"), "centralus": ("Iowa", "41.5908", "-93.6208"),
        "westcentralus": ("Wyoming", "40.890", "-110.234")}


def require_subscription(req: Request, write: bool = False) -> dict[str, Any]:
    """Unknown subscription -> 404; a disabled one is read-only, as in ARM."""
    sub = req.world.scenario.subscription(req.params["sub"])
    if sub is None:
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{req.params['sub']}' could not be found.")
    if write and sub.get("state", "Enabled") != "Enabled":
        raise ArmError(409, "ReadOnlyDisabledSubscription",
                       f"The subscription '{sub['subscriptionId']}' is disabled and therefore marked as read only. "
                       "You cannot perform any write actions on this subscription until it is re-enabled.")
    return sub


def subscription_body(req: Request, sub: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub['subscriptionId']}", "subscriptionId": sub["subscriptionId"],
        "tenantId": req.world.scenario.tenant_id, "displayName": sub["displayName"],
        "state": sub.get("state", "Enabled"), "authorizationSource": "RoleBased",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                 "spendingLimit": "Off"},
        "managedByTenants": [], "tags": {},
    }


def list_subscriptions(req: Request) -> Response:
    return Response(200, {"value": [subscription_body(req, s) for s in req.world.scenario.subscriptions]})


def get_subscription(req: Request) -> Response:
    return Response(200, subscription_body(req, require_subscription(req)))


def list_locations(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    out = []
    for name, region in req.world.scenario.regions.items():
        city, lat, lon = _GEO.get(name, ("Unknown", "0", "0"))
        paired = region.get("pairedRegion")
        out.append({
            "id": f"/subscriptions/{sub}/locations/{name}", "name": name, "type": "Region",
            "displayName": region.get("displayName", name),
            "regionalDisplayName": region.get("regionalDisplayName", region.get("displayName", name)),
            "metadata": {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": "US",
                         "longitude": lon, "latitude": lat, "physicalLocation": city,
                         "pairedRegion": [{"name": paired, "id": f"/subscriptions/{sub}/locations/{paired}"}]
                         if paired else []},
            "availabilityZoneMappings": [{"logicalZone": z, "physicalZone": f"{name}-az{z}"}
                                         for z in region.get("zones", [])],
        })
    return Response(200, {"value": out})


def put_resource_group(req: Request) -> Response:
    sub = require_subscription(req, write=True)["subscriptionId"]
    body = req.body or {}
    location = str(body.get("location") or "")
    if not location:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    if req.world.scenario.region(location) is None:
        raise ArmError(400, "LocationNotAvailableForResourceGroup",
                       f"The provided location '{location}' is not available for resource group. List of available "
                       f"regions is '{','.join(req.world.scenario.regions)}'.")
    existing = req.world.model.resource_group(sub, req.params["rg"])
    if existing and existing.get("properties", {}).get("provisioningState") == "Deleting":
        raise being_deleted(existing["name"])
    if existing and normalize_location(existing["location"]) != normalize_location(location):
        raise ArmError(409, "InvalidResourceGroupLocation",
                       f"Invalid resource group location '{location}'. The Resource group already exists in location "
                       f"'{existing['location']}'.")
    rg, created = req.world.model.put_resource_group(sub, req.params["rg"], location, body.get("tags"))
    return Response(201 if created else 200, rg)


def get_resource_group(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    rg = req.world.model.resource_group(sub, req.params["rg"])
    if rg is None:
        if req.method == "HEAD":
            return Response(404)
        raise not_found("ResourceGroup", req.params["rg"])
    return Response(204) if req.method == "HEAD" else Response(200, rg)


def delete_resource_group(req: Request) -> Response:
    """Asynchronous, as in ARM: 202 with a Location to poll; the group reads Deleting until
    it and everything in it are gone (then 404 ResourceGroupNotFound)."""
    sub = require_subscription(req, write=True)["subscriptionId"]
    rg = req.world.model.resource_group(sub, req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    token = uuid.uuid4().hex
    if rg.get("properties", {}).get("provisioningState") != "Deleting":
        contents = req.world.model.resources_in_group(sub, rg["name"])
        azure_seconds = GROUP_DELETE_SECONDS + sum(RESOURCE_DELETE_SECONDS for _ in contents)
        req.world.model.start_group_delete(sub, rg["name"], token, time.time() + azure_seconds / req.world.pace)
    else:
        token = next((k for k, v in req.world.model.data["operations"].items()
                      if v.get("kind") == "deleteGroup" and v.get("group") == f"{sub}/{rg['name']}".lower()), token)
    location = (f"{req.world.base_url}/subscriptions/{sub}/operationresults/{token}"
                f"?api-version={req.query.get('api-version', '')}")
    return Response(202, None, {"Location": location, "Retry-After": "0"})


def list_resource_groups(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    return Response(200, {"value": req.world.model.resource_groups(sub)})


def register(router: Router) -> None:
    router.add("GET", "/subscriptions", list_subscriptions)
    router.add("GET", "/subscriptions/{sub}", get_subscription)
    router.add("GET", "/subscriptions/{sub}/locations", list_locations)
    router.add("GET", "/subscriptions/{sub}/resourcegroups", list_resource_groups)
    router.add("PUT", "/subscriptions/{sub}/resourcegroups/{rg}", put_resource_group)
    router.add("GET,HEAD", "/subscriptions/{sub}/resourcegroups/{rg}", get_resource_group)
    router.add("DELETE", "/subscriptions/{sub}/resourcegroups/{rg}", delete_resource_group)
