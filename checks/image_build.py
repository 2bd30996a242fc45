"""Preflight checks for the jump box image: the base image, the build VM's quota, the rights the
builder's roles need, and the two alternatives to building (Bastion tunnelling, an existing
image). Each asks Azure; none assumes."""

from __future__ import annotations

from typing import Any

from checks.access import assigned_roles
from checks.hub_link import NET_API
from checks.region import capability, vm_skus
from checks.roles import OWNER, USER_ACCESS_ADMINISTRATOR
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import Finding, StepContext

COMPUTE_API = "2026-04-01"  # Microsoft.Compute/images (assets/azure/api-versions.json)
TUNNEL_SKUS = ("Standard", "Premium")


def _azure(ctx: StepContext) -> Any:
    assert ctx.azure is not None, "this check needs an Azure session"
    return ctx.azure


def _version_key(name: str) -> list[int]:
    return [int(p) for p in name.split(".") if p.isdigit()]


def check_base_image(ctx: StepContext, region: str, publisher: str, offer: str, sku: str) -> Finding:
    """The newest version of the base image in the region, and whether Canonical has
    deprecated it (a deprecated image cannot start new VMs; the build would fail)."""
    images = _azure(ctx).compute().virtual_machine_images
    urn = f"{publisher}:{offer}:{sku}"
    try:
        versions = call(urn, images.list, region, publisher, offer, sku)
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return Finding.fail(f"The base image {urn} is not offered in {region}.",
                                "Choose another base image (press 2), or another region in the hub step.", urn=urn)
        raise
    names = sorted((v.name for v in versions or []), key=_version_key)
    if not names:
        return Finding.fail(f"The base image {urn} has no versions in {region}.", "Choose another base image (press 2).",
                            urn=urn)
    latest = names[-1]
    image = call(urn, images.get, region, publisher, offer, sku, latest)
    status = getattr(image, "image_deprecation_status", None)
    raw = getattr(status, "image_state", None) or "Active"
    state = str(getattr(raw, "value", raw))  # the SDK's enum, or a plain string
    evidence = {"urn": urn, "region": region, "latest": latest, "image_state": state, "versions": len(names)}
    if state == "Deprecated":
        return Finding.fail(f"{urn} {latest} is deprecated: Azure no longer creates VMs from it.",
                            "Choose a current base image (press 2): Ubuntu 24.04 LTS is the default.", **evidence)
    if state == "ScheduledForDeprecation":
        when = getattr(status, "scheduled_deprecation_time", None)
        return Finding.warn(f"{urn} {latest} is scheduled for deprecation"
                            + (f" on {when:%Y-%m-%d}" if when else "") + ".",
                            "Choose a newer base image (press 2), or override: the image you build keeps working, "
                            "but it cannot be rebuilt from this base after that date.", **evidence)
    return Finding.ok(f"{urn} is current in {region} (latest {latest}, {state}).", **evidence)


def check_build_quota(ctx: StepContext, region: str, vm_size: str) -> Finding:
    """One build VM runs for the build's length; with a container-instance subnet there is
    no proxy VM (facts-2026-12.md §7)."""
    azure = _azure(ctx)
    sku = vm_skus(ctx, region, [vm_size]).get(vm_size.lower())
    if sku is None:
        return Finding.fail(f"{vm_size} is not offered in {region}.", "Choose another build VM size (press 2), e.g. "
                            "Standard_D2ds_v4.", region=region, vm_size=vm_size)
    vcpus = int(capability(sku, "vCPUs") or 0)
    usages = {u.name.value: u for u in azure.compute().usage.list(region)}
    rows, short = [], []
    for key in ("cores", sku.family):
        usage = usages.get(key)
        if usage is None:
            continue
        free = int(usage.limit) - int(usage.current_value)
        rows.append({"quota": key, "limit": usage.limit, "used": usage.current_value, "free": free, "needed": vcpus})
        if free < vcpus:
            short.append(f"{usage.name.localized_value or key}: {free} free, {vcpus} needed")
    evidence = {"region": region, "vm_size": vm_size, "vcpus": vcpus, "quotas": rows}
    if short:
        return Finding.fail(f"Not enough quota for the build VM ({vm_size}) in {region}: " + "; ".join(short) + ".",
                            "Request more vCPU quota for that family (Portal > Quotas > Compute), or choose a build "
                            "VM size of another family (press 2).", **evidence)
    return Finding.ok(f"Quota for one {vm_size} build VM ({vcpus} vCPUs) in {region}.", **evidence)


def check_builder_rights(ctx: StepContext, custom_roles: bool) -> Finding:
    """The builder identity gets role assignments (and, with custom roles, the roles
    themselves): Owner or User Access Administrator at subscription scope may make both."""
    held, rows = assigned_roles(ctx)
    evidence = {"assignments": rows, "custom_roles": custom_roles}
    if held & {OWNER, USER_ACCESS_ADMINISTRATOR}:
        what = "create the two custom roles and assign them" if custom_roles else "assign the built-in roles"
        return Finding.ok(f"You may {what} to the builder identity.", **evidence)
    return Finding.fail(
        "The builder identity needs role assignments, which take Owner or User Access Administrator; you hold "
        "neither at subscription scope." + (" Creating custom roles needs the same." if custom_roles else ""),
        "Ask a subscription Owner for User Access Administrator, or choose 'No jump box' (Bastion tunnelling) in the "
        "decisions (press 2).", **evidence)


def check_bastion_tunnel(ctx: StepContext) -> Finding:
    """``az aks bastion`` needs the hub's Bastion to allow native-client tunnelling, which the
    Developer and Basic SKUs cannot."""
    bastion_id = str(ctx.output("hub", "bastion_id") or "")
    if not bastion_id:
        return Finding.fail("The hub has no Bastion, so there is nothing to tunnel through.",
                            "Deploy the hub with Bastion (step 5), or build a jump box image (press 2).")
    found = call(bastion_id, _azure(ctx).resources().resources.get_by_id, bastion_id, api_version=NET_API).as_dict()
    sku = str((found.get("sku") or {}).get("name", "Basic"))
    tunnelling = bool((found.get("properties") or {}).get("enableTunneling"))
    evidence = {"bastion": bastion_id, "sku": sku, "enable_tunneling": tunnelling}
    if sku not in TUNNEL_SKUS:
        return Finding.fail(f"The hub's Bastion is {sku}; native-client tunnelling needs Standard or Premium.",
                            "Re-run the hub step with Bastion Standard, or build a jump box image (press 2).", **evidence)
    if not tunnelling:
        return Finding.fail("The hub's Bastion has native-client tunnelling switched off.",
                            "Re-run the hub step with tunnelling on, or build a jump box image (press 2).", **evidence)
    return Finding.ok(f"The hub's Bastion ({sku}) allows tunnelling: az aks bastion reaches the private API "
                      "server from your machine.", **evidence)


def check_existing_image(ctx: StepContext, image_id: str, region: str) -> Finding:
    try:
        found = call(image_id, _azure(ctx).resources().resources.get_by_id, image_id,
                     api_version=COMPUTE_API).as_dict()
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return Finding.fail(f"There is no image at {image_id}.", "Check the id (press 2): "
                                "az image list --query [].id shows yours.", image_id=image_id)
        raise
    where = str(found.get("location", "")).replace(" ", "").lower()
    evidence = {"image_id": image_id, "location": where}
    if where and where != region.lower():
        return Finding.fail(f"The image is in {where}; the jump box will be in {region}.",
                            "Copy the image to this region (an Azure Compute Gallery replicates it) or build one "
                            "here (press 2).", **evidence)
    return Finding.ok(f"The image exists in {region}.", **evidence)
