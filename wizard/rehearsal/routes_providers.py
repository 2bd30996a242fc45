"""Resource providers: state, resource types with locations and zone mappings, registration.

Registration takes about one Azure minute, so a learner sees "Registering" first and the
wizard's fix-and-recheck loop has something real to wait for."""

from __future__ import annotations

import time
from typing import Any

from wizard.rehearsal.api_versions import load_catalog
from wizard.rehearsal.http_types import ArmError, Request, Response
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.world import World

REGISTRATION_AZURE_SECONDS = 60.0


def provider_state(world: World, sub: str, namespace: str) -> str:
    override = world.model.provider_override(sub, namespace)
    if override is not None:
        if override["registrationState"] == "Registering":
            if (time.time() - override["since"]) * world.pace >= REGISTRATION_AZURE_SECONDS:
                return "Registered"
        return str(override["registrationState"])
    spec = _spec(world, namespace)
    return str((spec or {}).get("registrationState", "NotRegistered"))


def _spec(world: World, namespace: str) -> dict[str, Any] | None:
    for name, spec in world.scenario.providers.items():
        if name.lower() == namespace.lower():
            return spec
    return None


def _canonical(world: World, namespace: str) -> str | None:
    for name in list(world.scenario.providers) + list(world.scenario.resource_types):
        if name.lower() == namespace.lower():
            return name
    return None


def provider_body(world: World, sub: str, namespace: str) -> dict[str, Any]:
    scenario = world.scenario
    types = next((v for k, v in scenario.resource_types.items() if k.lower() == namespace.lower()), [])
    regions = scenario.regions
    resource_types = []
    for rtype in types:
        full = f"{namespace}/{rtype}"
        entry: dict[str, Any] = {
            "resourceType": rtype,
            "locations": [r.get("displayName", n) for n, r in regions.items()
                          if full.lower() not in {t.lower() for t in r.get("unavailableResourceTypes", [])}],
            "apiVersions": list(load_catalog().of(full) or ()),
            "capabilities": "SupportsTags, SupportsLocation",
        }
        if scenario.is_zonal(full):
            entry["zoneMappings"] = [{"location": r.get("displayName", n), "zones": list(r.get("zones", []))}
                                     for n, r in regions.items() if r.get("zones")]
        resource_types.append(entry)
    return {
        "id": f"/subscriptions/{sub}/providers/{namespace}", "namespace": namespace,
        "registrationState": provider_state(world, sub, namespace),
        "registrationPolicy": "RegistrationRequired", "resourceTypes": resource_types,
    }


def list_providers(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    names = list(dict.fromkeys(list(req.world.scenario.providers) + list(req.world.scenario.resource_types)))
    return Response(200, {"value": [provider_body(req.world, sub, n) for n in names]})


def get_provider(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    name = _canonical(req.world, req.params["ns"])
    if name is None:
        raise ArmError(404, "InvalidResourceNamespace",
                       f"The resource namespace '{req.params['ns']}' is invalid.")
    return Response(200, provider_body(req.world, sub, name))


def register_provider(req: Request) -> Response:
    sub = require_subscription(req, write=True)["subscriptionId"]
    name = _canonical(req.world, req.params["ns"])
    if name is None:
        raise ArmError(404, "InvalidResourceNamespace",
                       f"The resource namespace '{req.params['ns']}' is invalid.")
    if provider_state(req.world, sub, name) != "Registered":
        req.world.model.set_provider(sub, name, {"registrationState": "Registering", "since": time.time()})
    return Response(200, provider_body(req.world, sub, name))


def register(router: Router) -> None:
    router.add("GET", "/subscriptions/{sub}/providers", list_providers)
    router.add("GET", "/subscriptions/{sub}/providers/{ns}", get_provider)
    router.add("POST", "/subscriptions/{sub}/providers/{ns}/register", register_provider)
