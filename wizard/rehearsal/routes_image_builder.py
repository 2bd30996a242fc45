"""Image Builder's run action and its operation, and the marketplace image catalogue.

``POST …/imageTemplates/{name}/run`` answers 202 with ``Azure-AsyncOperation`` and
``Location`` (the LRO headers azure-mgmt-imagebuilder's ``begin_run`` reads); the build then
follows ``image_builder.plan_run`` in simulated time and the template's ``lastRunStatus``
reports it. Marketplace images answer as Compute's VirtualMachineImages operations do: the
versions of a publisher/offer/sku in a region, and one version with its
``imageDeprecationStatus``."""

from __future__ import annotations

import time
import uuid

from wizard.rehearsal import image_builder, permissions, routes_resources
from wizard.rehearsal.http_types import ArmError, Request, Response, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.scenario import normalize_location

TEMPLATES = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.VirtualMachineImages/imageTemplates/{name}"
IMAGES = ("/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/publishers/{publisher}/artifacttypes/"
          "vmimage/offers/{offer}/skus/{sku}/versions")


def _template(req: Request) -> dict:
    rg = req.world.model.resource_group(req.params["sub"], req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    found = req.world.model.resource(req.path.rsplit("/run", 1)[0] if req.path.lower().endswith("/run") else req.path)
    if found is None:
        raise not_found("Resource", f"Microsoft.VirtualMachineImages/imageTemplates/{req.params['name']}", rg["name"])
    return found


def run_template(req: Request) -> Response:
    sub = require_subscription(req, write=True)["subscriptionId"]
    template = _template(req)
    rid = str(template["id"])
    permissions.require(req.world.scenario, "Microsoft.VirtualMachineImages/imageTemplates/run/action", rid)
    status = (template.get("properties") or {}).get("lastRunStatus") or {}
    if status.get("runState") in ("Running", "Canceling"):
        raise ArmError(409, "Conflict", f"Image template {template['name']} is already running a build; wait for it to "
                       "finish or cancel it.")
    model, now = req.world.model, time.time()
    with model.lock:
        run = image_builder.plan_run(template, model.data["resources"], req.world.scenario.raw.get("platformImages", {}),
                                     now, req.world.pace)
        model.data.setdefault("builds", {})[rid.lower()] = run
    model.put_resource_group(sub, image_builder.staging_group(rid), str(template.get("location", "")),
                             {"createdBy": "AzureVMImageBuilder", "imageTemplateName": str(template["name"])})
    token = uuid.uuid4().hex
    model.put_operation(token, {"kind": "imageBuild", "template": rid.lower()})
    loc = normalize_location(str(template.get("location", "")))
    url = (f"{req.world.base_url}/subscriptions/{sub}/providers/Microsoft.VirtualMachineImages/locations/{loc}/"
           f"operations/{token}?api-version={req.query.get('api-version', '')}")
    model.advance()
    return Response(202, None, {"Azure-AsyncOperation": url, "Location": url, "Retry-After": "15"})


def run_operation(req: Request) -> Response:
    require_subscription(req)
    op = req.world.model.operation(req.params["op"])
    if op is None or op.get("kind") != "imageBuild":
        raise ArmError(404, "NotFound", f"Operation {req.params['op']} was not found.")
    with req.world.model.lock:
        run = dict(req.world.model.data.get("builds", {}).get(op["template"]) or {})
    if not run:
        raise ArmError(404, "NotFound", f"Operation {req.params['op']} was not found.")
    status = image_builder.run_status(run, time.time())
    state = {"Running": "InProgress"}.get(status["runState"], status["runState"])
    body = {"name": req.params["op"], "status": state, "startTime": status["startTime"]}
    if status.get("endTime"):
        body["endTime"] = status["endTime"]
    if state == "Failed":
        body["error"] = {"code": "ImageBuildFailed", "message": status["message"]}
    return Response(200, body)


def delete_template(req: Request) -> Response:
    """A template cannot be deleted while it builds; deleting it removes its staging group."""
    found = req.world.model.resource(req.path)
    if found is not None and ((found.get("properties") or {}).get("lastRunStatus") or {}).get("runState") == "Running":
        raise ArmError(409, "OperationNotAllowed", "Operation 'Microsoft.VirtualMachineImages/imageTemplates/delete' "
                       "is not allowed in provisioningState: 'provisioned', runState: 'running'")
    answer = routes_resources.delete_resource(req)
    if found is not None:
        sub, model = req.params["sub"], req.world.model
        staging = image_builder.staging_group(str(found["id"]))
        with model.lock:
            model.data.get("builds", {}).pop(str(found["id"]).lower(), None)
            if model.data["resourceGroups"].get(f"{sub}/{staging}".lower()):
                model.start_group_delete(sub, staging, uuid.uuid4().hex, time.time())
    return answer


def _versions(req: Request) -> dict[str, str]:
    require_subscription(req)
    loc = normalize_location(req.params["loc"])
    if req.world.scenario.region(loc) is None:
        raise ArmError(404, "NoRegisteredProviderFound", f"No registered resource provider found for location '{loc}'.")
    key = f"{req.params['publisher']}:{req.params['offer']}:{req.params['sku']}".lower()
    catalogue = {k.lower(): v for k, v in req.world.scenario.raw.get("platformImages", {}).items() if ":" in k}
    entry = catalogue.get(key)
    if entry is None:
        raise ArmError(404, "NotFound", f"Artifact: VMImage was not found.")
    return dict(entry.get("versions") or {})


def _image_id(req: Request, version: str) -> str:
    p = req.params
    return (f"/Subscriptions/{p['sub']}/Providers/Microsoft.Compute/Locations/{normalize_location(p['loc'])}/Publishers/"
            f"{p['publisher']}/ArtifactTypes/VMImage/Offers/{p['offer']}/Skus/{p['sku']}/Versions/{version}")


def list_image_versions(req: Request) -> Response:
    versions = _versions(req)
    loc = normalize_location(req.params["loc"])
    return Response(200, [{"name": v, "location": loc, "id": _image_id(req, v)} for v in sorted(versions)])


def get_image_version(req: Request) -> Response:
    versions = _versions(req)
    version = req.params["version"]
    if version not in versions:
        raise ArmError(404, "NotFound", "Artifact: VMImage was not found.")
    state = versions[version]
    props = {"hyperVGeneration": "V2", "architecture": "x64", "osDiskImage": {"operatingSystem": "Linux"},
             "dataDiskImages": [], "imageDeprecationStatus": {"imageState": state}}
    if state == "ScheduledForDeprecation":
        props["imageDeprecationStatus"]["scheduledDeprecationTime"] = "2027-01-15T00:00:00+00:00"
    return Response(200, {"name": version, "location": normalize_location(req.params["loc"]),
                          "id": _image_id(req, version), "properties": props})


def register(router: Router) -> None:
    router.add("POST", f"{TEMPLATES}/run", run_template)
    router.add("DELETE", TEMPLATES, delete_template)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.VirtualMachineImages/locations/{loc}/operations/{op}",
               run_operation)
    router.add("GET", IMAGES, list_image_versions)
    router.add("GET", f"{IMAGES}/{{version}}", get_image_version)
