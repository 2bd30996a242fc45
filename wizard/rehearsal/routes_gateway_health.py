"""Application Gateway's backend health: ``POST …/applicationGateways/{name}/backendhealth``.

As Azure answers it (ApplicationGateways_BackendHealth, applicationGateway.json 2026-03-01: a
long-running POST, final state via ``Location``): 202 with a Location, then 200 with
ApplicationGatewayBackendHealth (``backendAddressPools[].backendHttpSettingsCollection[]
.servers[]`` with ``address``, ``health`` and ``healthProbeLog``). The rehearsal asks its
cluster model what Azure's probe would find: a request from the gateway's subnet to each
backend address with the settings' host name, through the internal load balancer, the
ingress controller, the Ingress rule and the network policies (``kube_traffic``). A backend
no cluster answers for is Unhealthy, with the reason in the probe log."""

from __future__ import annotations

import ipaddress
import time
import uuid
from typing import Any, Mapping

from wizard.rehearsal import kube_surroundings, kube_traffic, permissions
from wizard.rehearsal.http_types import ArmError, Request, Response, not_found
from wizard.rehearsal.kube_store import Objects
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_registry import retry_after, still_running
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.scenario import normalize_location

GATEWAY = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/applicationGateways/{name}"
RESULTS = "/subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/operationResults/{op}"
ACTION = "Microsoft.Network/applicationGateways/backendhealth/action"
PROBE_SECONDS = 30.0  # Azure probes every backend once before it answers


def gateway_source(model: Any, props: Mapping[str, Any]) -> str:
    """The address the gateway's probes come from: one in its subnet (Azure keeps the first four)."""
    configs = props.get("gatewayIPConfigurations") or [{}]
    subnet_id = str(((configs[0].get("properties") or {}).get("subnet") or {}).get("id", ""))
    subnet = model.resource(subnet_id) or {}
    prefix = str((subnet.get("properties") or {}).get("addressPrefix") or "")
    if not prefix:
        vnet = model.resource(subnet_id.rsplit("/subnets/", 1)[0]) or {}
        prefix = next((str((s.get("properties") or {}).get("addressPrefix", "")) for s in
                       (vnet.get("properties") or {}).get("subnets") or []
                       if str(s.get("name", "")).lower() == subnet_id.rsplit("/", 1)[-1].lower()), "")
    return str(ipaddress.ip_network(prefix, strict=False)[4]) if prefix else ""


def part_named(props: Mapping[str, Any], collection: str, ref: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The gateway part (pool, settings, listener…) a sub-resource reference points at."""
    name = str((ref or {}).get("id", "")).rsplit("/", 1)[-1].lower()
    return next((x for x in props.get(collection) or [] if str(x.get("name", "")).lower() == name), {})


def reach_backend(world: Any, source: str, address: str, port: int, host: str) -> kube_traffic.Reach | None:
    """What a request from ``source`` to a backend ``address`` finds, in the cluster whose model
    has something listening there; None when no modelled cluster does. Backend health and the
    front end both ask this."""
    model = world.model
    with model.lock:
        everything = list(model.data["resources"].values())
        images = model.data.get("registryImages") or {}
        for cluster_id, data in (model.data.get("kube") or {}).items():
            cluster = model.resource(cluster_id)
            if cluster is None:
                continue
            around = kube_surroundings.surroundings(cluster, everything, images, world.scenario.tenant_id)()
            reach = kube_traffic.through_ingress(Objects(data), around, source, address, port, host)
            if reach.arrived or not reach.why.startswith("nothing listens"):
                return reach
    return None


def _server(req: Request, address: str, port: int, host: str, source: str) -> dict[str, Any]:
    reach = reach_backend(req.world, source, address, port, host)
    if reach is not None and reach.arrived:
        return {"address": address, "health": "Healthy", "healthProbeLog": "Success. Received 200 status code"}
    if reach is not None:
        return {"address": address, "health": "Unhealthy", "healthProbeLog": reach.why}
    return {"address": address, "health": "Unhealthy", "healthProbeLog": "Cannot connect to backend server. Check "
            f"whether any NSG/UDR/Firewall is blocking access to the server ({address}: nothing listens there)."}


def _health(req: Request, gateway: Mapping[str, Any]) -> dict[str, Any]:
    props, rid = gateway.get("properties") or {}, str(gateway["id"])
    source = gateway_source(req.world.model, props)
    pools = []
    for pool in props.get("backendAddressPools") or []:
        pool_id = f"{rid}/backendAddressPools/{pool['name']}"
        used = [r for r in props.get("requestRoutingRules") or []
                if part_named(props, "backendAddressPools", (r.get("properties") or {}).get("backendAddressPool")) is pool]
        settings_list = [part_named(props, "backendHttpSettingsCollection", (r.get("properties") or {})
                              .get("backendHttpSettings")) for r in used] or list(props.get("backendHttpSettingsCollection") or [])
        collection = []
        for settings in settings_list:
            s = settings.get("properties") or {}
            servers = [_server(req, str(a.get("ipAddress") or a.get("fqdn") or ""), int(s.get("port", 443)),
                               str(s.get("hostName", "")), source)
                       for a in (pool.get("properties") or {}).get("backendAddresses") or []]
            collection.append({"backendHttpSettings": {"id": f"{rid}/backendHttpSettingsCollection/{settings['name']}"},
                               "servers": servers})
        pools.append({"backendAddressPool": {"id": pool_id}, "backendHttpSettingsCollection": collection})
    return {"backendAddressPools": pools}


def backend_health(req: Request) -> Response:
    require_subscription(req)
    if req.world.model.resource_group(req.params["sub"], req.params["rg"]) is None:
        raise not_found("ResourceGroup", req.params["rg"])
    rid = GATEWAY.format(**req.params)
    gateway = req.world.model.resource(rid)
    if gateway is None:
        raise not_found("Resource", f"Microsoft.Network/applicationGateways/{req.params['name']}", req.params["rg"])
    permissions.require(req.world.scenario, ACTION, rid)
    token = uuid.uuid4().hex
    req.world.model.put_operation(token, {"kind": "backendHealth", "gateway": rid.lower(), "body": _health(req, gateway),
                                          "doneAt": time.time() + PROBE_SECONDS / req.world.pace})
    loc = normalize_location(str(gateway.get("location", "")))
    url = (f"{req.world.base_url}/subscriptions/{req.params['sub']}/providers/Microsoft.Network/locations/{loc}/"
           f"operationResults/{token}?api-version={req.query.get('api-version', '')}")
    return Response(202, None, {"Location": url, "Retry-After": retry_after(req)})


def health_result(req: Request) -> Response:
    require_subscription(req)
    op = req.world.model.operation(req.params["op"])
    if op is None or op.get("kind") != "backendHealth":
        raise ArmError(404, "NotFound", f"Operation {req.params['op']} was not found.")
    if time.time() < float(op["doneAt"]):
        return still_running(req)
    return Response(200, op["body"])


def register(router: Router) -> None:
    router.add("POST", GATEWAY + "/backendhealth", backend_health)
    router.add("GET", RESULTS, health_result)
