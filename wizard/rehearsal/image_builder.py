"""Azure Image Builder as the rehearsal models it: what the provider refuses when a deployment
writes an image template, the ``run`` action, and the build's course in simulated time.

Checked against Azure's own material:

- a PUT to a template that exists fails with ``Conflict`` "Update/Upgrade of image templates is
  currently not supported..." (MicrosoftDocs image-builder-troubleshoot.md; azure-cli#24893:
  PUT is not supported, only PATCH of tags and identity), so a changed plan needs a new name;
- the template needs exactly one user-assigned identity (the REST spec's
  ImageTemplateIdentity: ``UserAssigned`` or ``None``; the service requires one to build);
  ``buildTimeoutInMinutes`` is 0-960 (spec: minimum 0, maximum 960);
- networking (reference/facts-2026-12.md §7): the container-instance subnet must be delegated
  to Microsoft.ContainerInstance/containerGroups and sit in the build subnet's VNet, and
  ``proxyVmSize`` is not allowed with it;
- the build's states are the spec's RunState and RunSubState enums; deleting a template while
  it builds fails with ``OperationNotAllowed`` (danielsollondon/azvmimagebuilder#38);
- a build whose identity lacks the image rights fails only when it distributes, at the very
  end (mspnp/aks-jumpbox-imagebuilder README), and blocked downloads fail the customisation
  (the same README: the firewall's egress rules must let the build's package sources through).

The wording of the identity and network refusals is this module's; their codes are the
provider's generic ``InvalidParameter``."""

from __future__ import annotations

import ipaddress
import time
from typing import Any, Callable, Mapping

from wizard.rehearsal.deployment_schedule import iso_time
from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id
from wizard.rehearsal.role_catalog import BUILT_IN_ROLES
from wizard.rehearsal.runtime_properties import stable_guid

TEMPLATE = "microsoft.virtualmachineimages/imagetemplates"
ACI_DELEGATION = "microsoft.containerinstance/containergroups"
# Azure minutes per sub-state of a typical Linux build with a package upgrade and a few CLIs.
STAGES: tuple[tuple[str, float], ...] = (("Queued", 1.0), ("Building", 5.0), ("Customizing", 20.0),
                                         ("Distributing", 8.0))
UPDATE_REFUSED = ("Update/Upgrade of image templates is currently not supported. Please change the name of the "
                  "template you are submitting. If you have previously tried to submit a template and it failed to "
                  "provision, you must delete it first and then resubmit. For more information, go to "
                  "https://aka.ms/azvmimagebuilderts.")
Finder = Callable[[str], "Mapping[str, Any] | None"]


def _props(body: Mapping[str, Any]) -> Mapping[str, Any]:
    props = body.get("properties")
    return props if isinstance(props, Mapping) else {}


def _invalid(message: str) -> dict[str, Any]:
    return {"code": "InvalidParameter", "message": message}


def _subnet(find: Finder, subnet_id: str) -> Mapping[str, Any] | None:
    try:
        vnet_id = parse_resource_id(subnet_id).parent_id or ""
    except ResourceIdError:
        return None
    vnet = find(vnet_id) or {}
    name = subnet_id.rsplit("/", 1)[-1].lower()
    return next((s for s in _props(vnet).get("subnets") or [] if str(s.get("name", "")).lower() == name), None)


def write_error(rid: str, body: Mapping[str, Any], find: Finder, existing: Mapping[str, Any] | None
                ) -> dict[str, Any] | None:
    """The provider's refusal of a template write (``existing``: the template already in
    Azure, not one the same deployment wrote), or None."""
    if existing is not None:
        return {"code": "Conflict", "message": UPDATE_REFUSED}
    identity = body.get("identity") or {}
    assigned = identity.get("userAssignedIdentities") or {}
    if str(identity.get("type", "")).lower() != "userassigned" or len(assigned) != 1:
        return _invalid(f"Image template {rid.rsplit('/', 1)[-1]} needs exactly one user-assigned managed identity "
                        "(identity.type UserAssigned): the build runs as it.")
    identity_id = next(iter(assigned))
    if find(identity_id) is None:
        return _invalid(f"The user-assigned identity {identity_id} of image template {rid.rsplit('/', 1)[-1]} "
                        "was not found.")
    props = _props(body)
    timeout = int(props.get("buildTimeoutInMinutes", 0) or 0)
    if not 0 <= timeout <= 960:
        return _invalid(f"buildTimeoutInMinutes must be between 0 and 960; got {timeout}.")
    vnet = (props.get("vmProfile") or {}).get("vnetConfig") or {}
    build_subnet, aci_subnet = str(vnet.get("subnetId", "")), str(vnet.get("containerInstanceSubnetId", ""))
    if aci_subnet and vnet.get("proxyVmSize"):
        return _invalid("proxyVmSize cannot be set together with containerInstanceSubnetId: with a container "
                        "instance subnet Image Builder creates no proxy VM.")
    if aci_subnet and not build_subnet:
        return _invalid("containerInstanceSubnetId needs subnetId too: a container-instance subnet alone is not "
                        "supported.")
    for label, sid in (("subnetId", build_subnet), ("containerInstanceSubnetId", aci_subnet)):
        if sid and _subnet(find, sid) is None:
            return _invalid(f"The subnet {sid} given as vnetConfig.{label} was not found.")
    if aci_subnet:
        if aci_subnet.lower().rsplit("/subnets/", 1)[0] != build_subnet.lower().rsplit("/subnets/", 1)[0]:
            return _invalid("containerInstanceSubnetId must be in the same virtual network as subnetId.")
        delegations = _props(_subnet(find, aci_subnet) or {}).get("delegations") or []
        services = {str(_props(d).get("serviceName", "")).lower() for d in delegations}
        if ACI_DELEGATION not in services:
            return _invalid(f"The subnet {aci_subnet} must be delegated to Microsoft.ContainerInstance/containerGroups "
                            "to hold Image Builder's build container.")
    return None


# -- the build ------------------------------------------------------------------------------
def _principal_of(template: Mapping[str, Any], find: Finder) -> str:
    assigned = (template.get("identity") or {}).get("userAssignedIdentities") or {}
    identity = find(next(iter(assigned), "")) or {}
    return str(_props(identity).get("principalId", "")).lower()


def _role_actions(role_id: str, resources: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    guid = role_id.rsplit("/", 1)[-1].lower()
    if guid in BUILT_IN_ROLES:
        return list(BUILT_IN_ROLES[guid]["actions"]), list(BUILT_IN_ROLES[guid]["notActions"])
    custom = resources.get(role_id.lower()) or {}
    perms = (_props(custom).get("permissions") or [{}])[0]
    return list(perms.get("actions") or []), list(perms.get("notActions") or [])


def principal_may(resources: Mapping[str, Mapping[str, Any]], principal: str, action: str, scope: str) -> bool:
    """Whether a managed identity's role assignments (the ones deployments wrote) grant
    ``action`` at ``scope``."""
    import fnmatch

    target = scope.lower()
    for rid, res in resources.items():
        if str(res.get("type", "")).lower() != "microsoft.authorization/roleassignments":
            continue
        props = _props(res)
        at = rid.split("/providers/microsoft.authorization/roleassignments/")[0]
        if str(props.get("principalId", "")).lower() != principal or not (target == at or target.startswith(at + "/")):
            continue
        actions, not_actions = _role_actions(str(props.get("roleDefinitionId", "")), resources)
        if any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions) and \
                not any(fnmatch.fnmatchcase(action.lower(), n.lower()) for n in not_actions):
            return True
    return False


def _egress_allowed(resources: Mapping[str, Mapping[str, Any]], subnet: Mapping[str, Any]) -> bool:
    """Without a route to a firewall the build goes out directly; with one, some rule
    collection group must let the build subnet reach the blob storage it stages through."""
    route_table = resources.get(str((_props(subnet).get("routeTable") or {}).get("id", "")).lower())
    if route_table is None:
        return True
    try:
        prefix = ipaddress.ip_network(str(_props(subnet).get("addressPrefix")), strict=False)
    except ValueError:
        return True
    for res in resources.values():
        if str(res.get("type", "")).lower() != "microsoft.network/firewallpolicies/rulecollectiongroups":
            continue
        for collection in _props(res).get("ruleCollections") or []:
            for rule in collection.get("rules") or []:
                if "*.blob.core.windows.net" not in (rule.get("targetFqdns") or []):
                    continue
                for source in rule.get("sourceAddresses") or []:
                    try:
                        if prefix.subnet_of(ipaddress.ip_network(str(source), strict=False)):  # type: ignore[arg-type]
                            return True
                    except (ValueError, TypeError):
                        continue
    return False


def _platform_state(catalogue: Mapping[str, Any], source: Mapping[str, Any]) -> str:
    key = f"{source.get('publisher')}:{source.get('offer')}:{source.get('sku')}"
    versions = (catalogue.get(key) or {}).get("versions") or {}
    if not versions:
        return "Missing"
    wanted = str(source.get("version", "latest"))
    name = max(versions, key=lambda v: [int(p) for p in v.split(".") if p.isdigit()]) if wanted == "latest" else wanted
    return str(versions.get(name, "Missing"))


def plan_run(template: Mapping[str, Any], resources: Mapping[str, Mapping[str, Any]], catalogue: Mapping[str, Any],
             now: float, pace: float) -> dict[str, Any]:
    """The build's course, fixed when the run is asked for (like a deployment's schedule):
    when each sub-state begins, and where and why it fails, if it will."""
    props = _props(template)

    def find(rid: str) -> Mapping[str, Any] | None:
        return resources.get(rid.lower())

    principal = _principal_of(template, find)
    vnet = (props.get("vmProfile") or {}).get("vnetConfig") or {}
    build_subnet = str(vnet.get("subnetId", ""))
    vnet_id = build_subnet.lower().rsplit("/subnets/", 1)[0]
    failure: tuple[str, str] | None = None
    if build_subnet and not principal_may(resources, principal, "Microsoft.Network/virtualNetworks/subnets/join/action",
                                          build_subnet):
        failure = ("Queued", f"Validation failed: the image template's identity (principal {principal}) may not join "
                             f"subnet {build_subnet}: it needs Microsoft.Network/virtualNetworks/subnets/join/action and "
                             f"Microsoft.Network/virtualNetworks/read on {vnet_id}.")
    state = _platform_state(catalogue, props.get("source") or {})
    if failure is None and state in ("Missing", "Deprecated"):
        source = props.get("source") or {}
        failure = ("Building", f"The platform image {source.get('publisher')}:{source.get('offer')}:{source.get('sku')}"
                               f":{source.get('version')} is {'not available' if state == 'Missing' else 'deprecated'} "
                               "in this region; new VMs cannot be created from it.")
    subnet = _subnet(find, build_subnet) if build_subnet else None
    if failure is None and subnet is not None and not _egress_allowed(resources, subnet):
        failure = ("Customizing", "Customization failed: the build VM could not reach *.blob.core.windows.net or the "
                                  "package mirrors (connection timed out): the firewall's rules do not let the build "
                                  "subnet out. See customization.log in the staging resource group's storage account.")
    distributions = props.get("distribute") or []
    for dist in distributions:
        target = str(dist.get("imageId", "")).lower().rsplit("/providers/", 1)[0]
        if failure is None and dist.get("type") == "ManagedImage" and not principal_may(
                resources, principal, "Microsoft.Compute/images/write", target or "/"):
            failure = ("Distributing", f"Distribute failed: the image template's identity (principal {principal}) "
                                       f"does not have Microsoft.Compute/images/write on {target}.")
    stages, at = [], 0.0
    for name, minutes in STAGES:
        stages.append({"subState": name, "start": at})
        at += minutes * 60.0
    return {"startWall": now, "pace": pace, "stages": stages, "end": at, "failure": failure,
            "images": [str(d.get("imageId")) for d in distributions if d.get("type") == "ManagedImage"],
            "source": dict(props.get("source") or {}), "location": template.get("location"), "done": False}


def _elapsed(run: Mapping[str, Any], now: float) -> float:
    return (now - float(run["startWall"])) * float(run["pace"])


def run_status(run: Mapping[str, Any], now: float) -> dict[str, Any]:
    """``lastRunStatus`` at ``now``: the sub-state reached, or the end."""
    elapsed, failure = _elapsed(run, now), run.get("failure")
    stages = run["stages"]
    fail_at = next((i for i, s in enumerate(stages) if failure and s["subState"] == failure[0]), None)
    end = stages[fail_at]["start"] + 30.0 if fail_at is not None else run["end"]
    started = iso_time(float(run["startWall"]))
    if elapsed >= end:
        state = "Failed" if failure else "Succeeded"
        last = failure[0] if failure else stages[-1]["subState"]
        return {"startTime": started, "endTime": iso_time(float(run["startWall"]) + end / float(run["pace"])),
                "runState": state, "runSubState": last, "message": failure[1] if failure else ""}
    current = [s for s in stages if s["start"] <= elapsed][-1]["subState"]
    return {"startTime": started, "runState": "Running", "runSubState": current, "message": ""}


def managed_image(image_id: str, run: Mapping[str, Any], template_id: str) -> dict[str, Any]:
    """The image a successful build leaves, as Microsoft.Compute/images reads it."""
    return {"id": image_id, "name": image_id.rsplit("/", 1)[-1], "type": "Microsoft.Compute/images",
            "location": run.get("location"), "tags": {"createdBy": "AzureVMImageBuilder",
                                                      "imageTemplateName": template_id.rsplit("/", 1)[-1]},
            "properties": {"hyperVGeneration": "V2", "provisioningState": "Succeeded",
                           "storageProfile": {"osDisk": {"osType": "Linux", "osState": "Generalized",
                                                         "diskSizeGB": 32, "storageAccountType": "Standard_LRS"},
                                              "dataDisks": [], "zoneResilient": True}}}


def settle(resources: dict[str, dict[str, Any]], builds: Mapping[str, dict[str, Any]],
           now: float | None = None) -> bool:
    """Bring every built template's ``lastRunStatus`` up to ``now`` and, when a build has
    succeeded, create its image (once). ``builds``: template id (lower case) -> its last
    run's plan. True when anything changed."""
    now = time.time() if now is None else now
    changed = False
    for key, run in builds.items():
        template = resources.get(key)
        if template is None:
            continue
        status = run_status(run, now)
        props = template.setdefault("properties", {})
        if props.get("lastRunStatus") != status:
            props["lastRunStatus"] = status
            changed = True
        if status["runState"] != "Running" and not run.get("done"):
            run["done"] = True
            if status["runState"] == "Succeeded":
                for image_id in run["images"]:
                    resources[image_id.lower()] = managed_image(image_id, run, str(template["id"]))
            changed = True
    return changed


def staging_group(template_id: str) -> str:
    parsed = parse_resource_id(template_id)
    return f"IT_{parsed.resource_group}_{parsed.name}_{stable_guid('staging', template_id)[:8]}"
