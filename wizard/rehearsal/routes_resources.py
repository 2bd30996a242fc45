"""Generic resource reads: one resource by id, and the resources in a group.

Registered last: the specific routes (deployments, authorization) must win first."""

from __future__ import annotations

from wizard.rehearsal.http_types import Request, Response, not_found
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


def list_group_resources(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    rg = req.world.model.resource_group(sub, req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    items = [{k: v for k, v in r.items() if k in ("id", "name", "type", "location", "sku", "kind", "tags",
                                                      "zones", "identity")}
             for r in req.world.model.resources_in_group(sub, rg["name"])]
    return Response(200, {"value": items})


def register(router: Router) -> None:
    router.add("GET", "/subscriptions/{sub}/resourcegroups/{rg}/resources", list_group_resources)
    router.add("GET,HEAD", "/subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}/{rest*}", get_resource)
