"""Generic resource reads: one resource by id, and the resources in a group.

Registered last: the specific routes (deployments, authorization) must win first."""

from __future__ import annotations

import json
import re

from wizard.rehearsal.http_types import ArmError, Request, Response, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription


def get_resource(req: Request) -> Response:
    require_subscription(req)
    rg = req.world.model.resource_group(req.params["sub"], req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    found = req.world.model.resource(req.path)
    if found is None:
        if req.method == "HEAD":
            return Response(404)
        tail = req.path.split("/providers/", 1)[-1]
        raise not_found("Resource", tail, rg["name"])
    return Response(204) if req.method == "HEAD" else Response(200, found)


# Network resources refuse deletion while another resource uses them (codes as the network
# provider returns them); anything else goes at once.
IN_USE = {
    "microsoft.network/publicipaddresses": ("PublicIPAddressInUse", "Public IP address {id} can not be deleted "
                                            "since it is still allocated to resource {user}."),
    "microsoft.network/virtualnetworks": ("InUseSubnetCannotBeDeleted", "Subnet of {id} is in use by {user} and "
                                          "cannot be deleted. In order to delete the subnet, delete all the resources "
                                          "within the subnet."),
    "microsoft.network/virtualnetworks/subnets": ("InUseSubnetCannotBeDeleted", "Subnet {id} is in use by {user} "
                                                  "and cannot be deleted."),
    "microsoft.network/networksecuritygroups": ("InUseNetworkSecurityGroupCannotBeDeleted", "Network security group "
                                                "{id} cannot be deleted because it is in use by the following "
                                                "resources: {user}."),
    "microsoft.network/firewallpolicies": ("FirewallPolicyInUse", "Firewall policy {id} cannot be deleted because "
                                           "it is associated with firewall {user}."),
}


def _user_of(req: Request, sub: str, rg: str, rid: str) -> str | None:
    needle = rid.lower()
    for other in req.world.model.resources_in_group(sub, rg):
        if other["id"].lower() == needle or other["id"].lower().startswith(needle + "/"):
            continue
        if needle in json.dumps(other.get("properties", {})).lower():
            return str(other["id"])
    return None


def delete_resource(req: Request) -> Response:
    """200 when deleted, 204 when there was nothing to delete (ARM's contract for DELETE)."""
    sub = require_subscription(req, write=True)["subscriptionId"]
    rg = req.world.model.resource_group(sub, req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    found = req.world.model.resource(req.path)
    if found is None:
        return Response(204)
    refusal = IN_USE.get(str(found.get("type", "")).lower())
    user = _user_of(req, sub, rg["name"], str(found["id"])) if refusal else None
    if refusal and user:
        code, message = refusal
        raise ArmError(400, code, message.format(id=found["id"], user=user))
    req.world.model.delete_resource(str(found["id"]))
    return Response(200)


def list_group_resources(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    rg = req.world.model.resource_group(sub, req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    items = [{k: v for k, v in r.items() if k in ("id", "name", "type", "location", "sku", "kind", "tags",
                                                      "zones", "identity")}
             for r in req.world.model.resources_in_group(sub, rg["name"])]
    return Response(200, {"value": items})


_TYPE_FILTER = re.compile(r"^\s*resourceType\s+eq\s+'([^']+)'\s*$", re.I)


def list_subscription_resources(req: Request) -> Response:
    """Resources - List: a subscription's top-level resources, optionally ``$filter=resourceType
    eq '<type>'`` (the one filter the wizard uses; ARM refuses a filter it cannot parse)."""
    sub = require_subscription(req)["subscriptionId"]
    wanted = None
    if req.query.get("$filter"):
        match = _TYPE_FILTER.match(req.query["$filter"])
        if match is None:
            raise ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter '{req.query['$filter']}' specified "
                           "in the query string.")
        wanted = match.group(1).lower()
    items = []
    for group in req.world.model.resource_groups(sub):
        for r in req.world.model.resources_in_group(sub, group["name"]):
            if wanted is None or str(r.get("type", "")).lower() == wanted:
                items.append({k: v for k, v in r.items() if k in ("id", "name", "type", "location", "sku", "kind",
                                                                  "tags", "zones", "identity")})
    return Response(200, {"value": items})


def register(router: Router) -> None:
    router.add("GET", "/subscriptions/{sub}/resources", list_subscription_resources)
    router.add("GET", "/subscriptions/{sub}/resourcegroups/{rg}/resources", list_group_resources)
    router.add("GET,HEAD", "/subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}/{rest*}", get_resource)
    router.add("DELETE", "/subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}/{rest*}", delete_resource)
