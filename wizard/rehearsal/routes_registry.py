"""Container registry names: global, 5-50 letters and digits (Registries_CheckNameAvailability;
answers shaped as the 2025-11-01 spec examples RegistryCheckNameAvailable.json and
RegistryCheckNameNotAvailable.json: ``nameAvailable`` false, reason ``AlreadyExists``, "The
registry <name> is already in use."). Someone else's names come from the scenario
(``containerRegistry.takenNames``); the session's own registries count too."""

from __future__ import annotations

import re

from wizard.rehearsal.http_types import ArmError, Request, Response
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription

REGISTRY = "microsoft.containerregistry/registries"
NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")


def check_name(req: Request) -> Response:
    require_subscription(req)
    body = req.body or {}
    name = str(body.get("name", ""))
    if str(body.get("type", "")).lower() != REGISTRY:
        raise ArmError(400, "InvalidRequestContent", "The type must be Microsoft.ContainerRegistry/registries.")
    if not NAME.match(name):
        return Response(200, {"nameAvailable": False, "reason": "Invalid", "message": "Registry names may contain "
                              "only alpha numeric characters and must be between 5 and 50 characters."})
    taken = {n.lower() for n in (req.world.scenario.raw.get("containerRegistry") or {}).get("takenNames", [])}
    with req.world.model.lock:
        taken |= {str(r.get("name", "")).lower() for r in req.world.model.data["resources"].values()
                  if str(r.get("type", "")).lower() == REGISTRY}
    if name.lower() in taken:
        return Response(200, {"nameAvailable": False, "reason": "AlreadyExists",
                              "message": f"The registry {name} is already in use."})
    return Response(200, {"nameAvailable": True})


def register(router: Router) -> None:
    router.add("POST", "/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability", check_name)
