"""Container registry names: global, 5-50 letters and digits (Registries_CheckNameAvailability;
answers shaped as the 2025-11-01 spec examples RegistryCheckNameAvailable.json and
RegistryCheckNameNotAvailable.json: ``nameAvailable`` false, reason ``AlreadyExists``, "The
registry <name> is already in use."). Someone else's names come from the scenario
(``containerRegistry.takenNames``); the session's own registries count too."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from wizard.rehearsal import permissions, source_registries
from wizard.rehearsal.http_types import ArmError, Request, Response, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.scenario import normalize_location

REGISTRIES = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}"
IMPORT_ACTION = "Microsoft.ContainerRegistry/registries/importImage/action"
IMPORT_SECONDS = 40.0  # an import of a few hundred megabytes, in Azure time
IMAGE_REF = re.compile(r"^(?P<repo>[a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::(?P<tag>[\w][\w.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))$")

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


# -- importImage ---------------------------------------------------------------------------
# Registries_ImportImage (containerregistry.json 2025-11-01; azure-mgmt-containerregistry
# 15.0.0's begin_import_image): ImportImageParameters {source {registryUri | resourceId,
# sourceImage, credentials {username, password}}, targetTags, mode NoForce (default) | Force};
# 202 with ``Location`` and ``Retry-After`` only (final-state-via location; the spec's examples
# ImportImageByTag/ByManifestDigest/FromPublicRegistry.json), then the operation's status. What ACR refuses, it refuses
# here: no right to import, a malformed image reference, a source that does not exist, a
# target tag that exists with NoForce, and Docker Hub's anonymous pull limit.

def retry_after(req: Request, azure_seconds: float = 5.0) -> str:
    """Retry-After on the rehearsal's clock: ARM's five seconds, at the rehearsal's pace (the
    SDK's poller honours the header, so Azure's own value would make a rehearsal wait in
    real seconds)."""
    return str(max(0, round(azure_seconds / req.world.pace)))


def still_running(req: Request) -> Response:
    """An operation's Location answering "not yet": 202, come back to the same URL after
    Retry-After (ARM's long-running operation pattern, on the rehearsal's clock)."""
    return Response(202, None, {"Location": f"{req.world.base_url}{req.path}?api-version="
                                            f"{req.query.get('api-version', '')}", "Retry-After": retry_after(req)})


def _images(req: Request, registry_id: str) -> dict[str, str]:
    return req.world.model.data.setdefault("registryImages", {}).setdefault(registry_id.lower(), {})


def _source_digest(req: Request, source: dict[str, Any], registry_id: str) -> str:
    image = str(source.get("sourceImage") or "")
    parsed = IMAGE_REF.match(image)
    if not parsed:
        raise ArmError(400, "InvalidParameter", f"The source image '{image}' is not a valid image reference "
                       "(repository:tag or repository@sha256:digest).")
    repo, ref = parsed["repo"], parsed["tag"] or parsed["digest"]
    if source.get("resourceId"):
        if str(source["resourceId"]).lower() != registry_id.lower() and req.world.model.resource(
                str(source["resourceId"])) is None:
            raise ArmError(404, "SourceRegistryNotFound", f"The source registry '{source['resourceId']}' was not found.")
        held = _images(req, str(source["resourceId"]))
        found = next((d for k, d in held.items() if k.split(":", 1)[0] == repo and
                      (d == ref or k == f"{repo}:{ref}")), None)
    else:
        uri = str(source.get("registryUri") or "").lower().removeprefix("https://").rstrip("/")
        if not uri:
            raise ArmError(400, "InvalidParameter", "Either source.registryUri or source.resourceId is required.")
        if source_registries.limited(req.world.scenario.raw, uri) and not (source.get("credentials") or {}).get(
                "password"):
            raise ArmError(429, "TooManyRequests", source_registries.RATE_LIMIT)
        found = source_registries.find(req.world.scenario.raw, uri, repo, ref)
    if found is None:
        # ACR relays the source registry's answer (MicrosoftDocs/azure-docs#90060 quotes it)
        raise ArmError(400, "InvalidParameters", 'Invalid message NotFound Not Found {"errors":[{"code":'
                       f'"MANIFEST_UNKNOWN","message":"manifest tagged by \\"{repo}:{ref}\\" is not found"}}]}}')
    return found


def import_image(req: Request) -> Response:
    sub = require_subscription(req, write=True)["subscriptionId"]
    rid = REGISTRIES.format(**req.params)
    registry = req.world.model.resource(rid)
    if registry is None:
        raise not_found("Resource", f"Microsoft.ContainerRegistry/registries/{req.params['name']}", req.params["rg"])
    rid = str(registry["id"])
    permissions.require(req.world.scenario, IMPORT_ACTION, rid)
    body = req.body or {}
    source, targets = dict(body.get("source") or {}), [str(t) for t in body.get("targetTags") or []]
    if not targets:
        raise ArmError(400, "InvalidParameter", "At least one target tag is required.")
    if any(not IMAGE_REF.match(t) or "@" in t for t in targets):
        raise ArmError(400, "InvalidParameter", f"The target tags {targets} must be repository:tag.")
    found = _source_digest(req, source, rid)
    held = _images(req, rid)
    if str(body.get("mode") or "NoForce") == "NoForce":
        clash = [t for t in targets if t in held and held[t] != found]
        if clash:
            # ACR's words (Azure/azure-cli#10938); the code is the rehearsal's, not verified
            raise ArmError(409, "Conflict", f"Tag {clash[0]} already exists in target registry.")
    token = uuid.uuid4().hex
    done_at = time.time() + IMPORT_SECONDS / req.world.pace
    req.world.model.put_operation(token, {"kind": "importImage", "registry": rid.lower(), "targets": targets,
                                          "digest": found, "doneAt": done_at})
    loc = normalize_location(str(registry.get("location", "")))
    url = (f"{req.world.base_url}/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/locations/{loc}/"
           f"operationResults/{token}?api-version={req.query.get('api-version', '')}")
    return Response(202, None, {"Location": url, "Retry-After": retry_after(req)})


def import_operation(req: Request) -> Response:
    """202 until the copy is done; then the tags point at the digest (200, no body)."""
    require_subscription(req)
    op = req.world.model.operation(req.params["op"])
    if op is None or op.get("kind") != "importImage":
        raise ArmError(404, "NotFound", f"Operation {req.params['op']} was not found.")
    if time.time() < float(op["doneAt"]):
        return still_running(req)
    with req.world.model.lock:
        held = req.world.model.data.setdefault("registryImages", {}).setdefault(op["registry"], {})
        for target in op["targets"]:
            held[target] = op["digest"]
    return Response(200, None)


def register(router: Router) -> None:
    router.add("POST", "/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability", check_name)
    router.add("POST", REGISTRIES + "/importImage", import_image)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/locations/{loc}/operationResults/{op}",
               import_operation)
