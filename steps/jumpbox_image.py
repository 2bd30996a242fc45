"""Step 6: how operators reach the private API server. By default a hardened jump box image,
built by Azure Image Builder inside a small builder network peered to the hub, its downloads
allowed by the hub firewall (the regulated reference, walkthrough.md §6, with the builder
network Azure now recommends, facts-2026-12.md §7). Or no jump box: Bastion native-client
tunnelling (the general reference). Or an image the operator already has."""

from __future__ import annotations

from typing import Any, Mapping

from checks import allowed_types, hub_link, image_build, naming, network, providers
from steps import jumpbox_template as tpl
from steps.jumpbox_users import check_cloud_init, cloud_init, default_users, parse_users, users_error
from steps.prerequisites import region_error
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.arm_template import group_types
from wizard.engine.contract import (ArmDeployment, Check, Choice, Field, FieldKind, Finding, GroupTemplate,
                                    ImageBuild, OutputSpec, StepContext, StepDefinition)

MODES = (Choice("image", "Build a jump box image (regulated reference)", "A hardened Ubuntu image with the cluster "
                "tools; the jump box runs in the spoke and is reached through Bastion. About 35 minutes of build."),
         Choice("bastion-tunnel", "No jump box: Bastion tunnelling", "az aks bastion tunnels from your machine "
                "through the hub's Bastion (Standard or Premium). Nothing to build or patch."),
         Choice("existing-image", "Use an image I have", "A managed image or gallery image id you built before."))
ROLE_MODES = (Choice("custom", "Custom least-privilege roles", "Two roles with exactly the actions the builder needs "
                     "(join the subnet; write images)."),
              Choice("builtin", "Built-in roles", "Network Contributor and Contributor: broader, for when you may "
                     "not create role definitions."))
BUILDER_PROVIDERS = {"Microsoft.VirtualMachineImages": "Azure Image Builder",
                     "Microsoft.ContainerInstance": "the build's container (in the container-instance subnet)"}


def _building(a: Mapping[str, Any]) -> bool:
    return a.get("access_mode") == "image"


def _region(ctx: StepContext) -> str:
    return str(ctx.output("hub", "location") or ctx.output("prerequisites", "region", "eastus2"))


def _sub(ctx: StepContext) -> str:
    return ctx.azure.subscription_id if ctx.azure else str(ctx.output("prerequisites", "subscription_id", ""))


def _tools_error(value: Any, ctx: StepContext) -> str | None:
    known = [t["key"] for t in tpl.data()["tools"] if not t.get("always")]
    unknown = [t.strip() for t in str(value).split(",") if t.strip() and t.strip() not in known]
    return f"Unknown tool(s): {', '.join(unknown)}. Choose from {', '.join(known)}." if unknown else None


def _timeout_error(value: Any, ctx: StepContext) -> str | None:
    return None if 30 <= int(value) <= 960 else "Build timeout must be 30-960 minutes (Image Builder's maximum is 960)."


def _image_id_error(value: Any, ctx: StepContext) -> str | None:
    text = str(value or "")
    if "/providers/microsoft.compute/images/" in text.lower() or "/providers/microsoft.compute/galleries/" in text.lower():
        return None
    return "Give the image's resource id (/subscriptions/…/providers/Microsoft.Compute/images/<name>, or a gallery image)."


def _names(a: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    return {"Destination resource group": ("resource_group", str(a["resource_group"])),
            "Builder VNet": ("virtual_network", str(a["builder_vnet_name"]))}


def _ids(ctx: StepContext) -> tuple[str, str]:
    a, sub = ctx.answers, _sub(ctx)
    group = f"/subscriptions/{sub}/resourceGroups/{a['resource_group']}/providers"
    return (f"{group}/Microsoft.VirtualMachineImages/imageTemplates/{tpl.template_name(a, sub)}",
            f"{group}/Microsoft.Compute/images/{tpl.image_name(a, sub)}")


def _builder_vnet_id(ctx: StepContext) -> str:
    a = ctx.answers
    return (f"/subscriptions/{_sub(ctx)}/resourceGroups/{a['builder_resource_group']}/providers/"
            f"Microsoft.Network/virtualNetworks/{a['builder_vnet_name']}")


def _template_exists(ctx: StepContext) -> bool:
    """Image Builder refuses a PUT to a template that exists, so an existing one (same plan,
    same name) is used as it is."""
    if ctx.azure is None:
        return False
    rid = _ids(ctx)[0]
    try:
        call(rid, ctx.azure.resources().resources.get_by_id, rid, api_version=tpl.AIB_API)
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return False
        raise
    return True


def _dns(ctx: StepContext) -> list[str]:
    return [str(ctx.output("hub", "firewall_private_ip"))] if ctx.output("hub", "dns_proxy") else []


def _check_network(ctx: StepContext) -> Finding:
    a = ctx.answers
    spec = tpl.data()["builder"]
    subnets = {spec["buildSubnet"]["name"]: str(a["build_subnet"]), spec["containerSubnet"]["name"]:
               str(a["container_subnet"])}
    # The range against the hub first: moving the subnets into a range that must move anyway
    # would be wasted work.
    planned = {"builder address space": str(a["builder_address_space"])}
    apart = hub_link.check_no_overlap_with_peers(ctx, _builder_vnet_id(ctx), planned)
    if apart.status.value != "pass":
        return apart
    inside = network.check_subnets_in_vnet([str(a["builder_address_space"])], subnets,
                                           space_label="Builder address space")
    if inside.status.value != "pass":
        return inside
    for name, prefix in subnets.items():
        small = network.subnet_size_error(name, prefix, spec["minPrefix"])
        if small:
            return Finding.fail(small, "Use a /28 or larger (press 2): the build VM, the container and Azure's five "
                                "reserved addresses share it.", subnets=subnets)
    return apart


def _check_users(ctx: StepContext) -> Finding:
    users = parse_users(ctx.answers["users"])
    return check_cloud_init(cloud_init(users, bool(ctx.answers.get("sudo"))))


def _check_base(ctx: StepContext) -> Finding:
    base = tpl.base_image(str(ctx.answers["base_image"]))
    return image_build.check_base_image(ctx, str(ctx.answers["location"]), base["publisher"], base["offer"],
                                        base["sku"])


def _common_outputs(ctx: StepContext) -> dict[str, Any]:
    a = ctx.answers
    users = parse_users(a["users"]) if a.get("users") else []
    return {"access_mode": a["access_mode"], "location": a["location"],
            "cloud_init": cloud_init(users, bool(a.get("sudo"))) if users else "",
            "users": [u.login for u in users], "key_fingerprints": {u.login: u.key.fingerprint for u in users},
            # The scale set's admin account (the first user): Azure wants one with an SSH key
            # even when cloud-init makes the others. A public key, not a secret.
            "admin_user": users[0].login if users else "", "admin_ssh_key": users[0].key.line if users else ""}


def _outputs_without_build(ctx: StepContext) -> dict[str, Any]:
    out = _common_outputs(ctx)
    out["image_id"] = str(ctx.answers.get("existing_image_id") or "") if ctx.answers["access_mode"] == \
        "existing-image" else ""
    return out


def _outputs(groups: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    builder, made = groups.get("builder", {}), groups.get("template", {})
    identity = groups.get("identity", {})
    return {**_common_outputs(ctx), "image_id": made.get("imageId"), "image_template_id": made.get("templateId"),
            "builder_subnet_id": builder.get("buildSubnetId"), "builder_vnet_id": builder.get("vnetId"),
            "builder_identity_id": identity.get("identityId"), "base_image": ctx.answers["base_image"]}


def _verify_image(ctx: StepContext) -> Finding:
    if not _building(ctx.answers):
        return Finding.ok("No image is built for this choice.")
    rid = str(ctx.output("jumpbox-image", "image_id"))
    assert ctx.azure is not None
    found = call(rid, ctx.azure.resources().resources.get_by_id, rid, api_version=image_build.COMPUTE_API).as_dict()
    state = (found.get("properties") or {}).get("provisioningState")
    if state != "Succeeded":
        return Finding.fail(f"The image {rid.rsplit('/', 1)[-1]} is {state}.", "Run the step again.", image_id=rid)
    return Finding.ok(f"The image {rid.rsplit('/', 1)[-1]} is ready ({found.get('location')}).", image_id=rid)


def _deployment() -> ArmDeployment:
    def groups_rg(key: str) -> Any:
        return lambda ctx: str(ctx.answers[key])

    location = lambda ctx: str(ctx.answers["location"])  # noqa: E731
    return ArmDeployment(
        deployment_base_name="jumpbox-image",
        location=location,
        groups=(
            GroupTemplate(key="identity", resource_group=groups_rg("resource_group"), location=location,
                          template=lambda ctx: tpl.identity_template(str(ctx.answers["location"])),
                          parameters=lambda ctx: {}),
            GroupTemplate(key="builder", resource_group=groups_rg("builder_resource_group"), location=location,
                          template=lambda ctx: tpl.builder_template(ctx.answers, ctx.outputs.get("hub") or {}, _dns(ctx)),
                          parameters=lambda ctx: {}, inputs=(("builderPrincipalId", "identity", "principalId"),),
                          after_resources=_role_after),
            GroupTemplate(key="hub", resource_group=lambda ctx: str(ctx.output("hub", "resource_group")),
                          location=location,
                          template=lambda ctx: tpl.hub_template(ctx.answers, ctx.outputs.get("hub") or {},
                                                                _builder_vnet_id(ctx)),
                          parameters=lambda ctx: {}, depends_on=("builder",)),
            GroupTemplate(key="template", resource_group=groups_rg("resource_group"), location=location,
                          template=lambda ctx: tpl.template_group(ctx.answers, _sub(ctx), _template_exists(ctx)),
                          parameters=lambda ctx: {}, depends_on=("hub",),
                          inputs=(("builderPrincipalId", "identity", "principalId"),
                                  ("buildSubnetId", "builder", "buildSubnetId"),
                                  ("containerSubnetId", "builder", "containerSubnetId")),
                          after_resources=_role_after),
        ),
        outputs=_outputs,
        subscription_resources=lambda ctx: [tpl.custom_role_definition(k, _sub(ctx)) for k in tpl.data()["roles"]["custom"]]
        if ctx.answers.get("builder_roles") == "custom" else [],
    )


def _role_after(ctx: StepContext) -> tuple[str, ...]:
    """Custom roles are outer resources of the same deployment: the groups whose assignments
    name them wait for them. Built-in roles exist already."""
    if ctx.answers.get("builder_roles") != "custom":
        return ()
    return tuple(f"[{tpl.role_definition_id(key, 'custom')}]" for key in tpl.data()["roles"]["custom"])


JUMPBOX_IMAGE = StepDefinition(
    id="jumpbox-image",
    title="Jump box image",
    summary="How operators reach the private API server: a hardened image built by Azure Image Builder "
            "(~35 min), Bastion tunnelling, or your own image.",
    lesson="jumpbox-image.md",
    built=True,
    needs=("hub",),
    after=("policy",),
    fields=(
        Field("access_mode", "Reaching the private cluster", "The API server has no public address: kubectl must run "
              "inside the network or through a tunnel.", default="image", kind=FieldKind.CHOICE, choices=MODES),
        Field("existing_image_id", "Existing image id", "A managed image (or gallery image) in the hub's region.",
              default="", validators=(_image_id_error,), visible_when=lambda a: a.get("access_mode") == "existing-image"),
        Field("location", "Region", "The hub's region, where the cluster and its jump box run (and where an "
              "image you build is built and kept).", default=_region,
              validators=(region_error,)),
        Field("resource_group", "Image resource group", "Where the builder identity, the template and the image live: "
              "the policy step's workload group, whose allow-list admits them.",
              default=lambda ctx: str(ctx.output("policy", "workload_resource_group") or "rg-bu0001a0008"),
              validators=(lambda v, ctx: naming.name_error("resource_group", str(v)),), visible_when=_building),
        Field("builder_resource_group", "Builder network resource group", "The network team's spoke group.",
              default=lambda ctx: str(ctx.output("policy", "spoke_resource_group") or
                                      f"rg-enterprise-networking-spokes-{_region(ctx)}"),
              validators=(lambda v, ctx: naming.name_error("resource_group", str(v)),), visible_when=_building),
        Field("builder_vnet_name", "Builder VNet name", "A small spoke of its own, peered to the hub. The "
              "reference's naming: vnet-spoke-<business unit and application id>-<instance>; BU0001A0005 is business "
              "unit 0001's application 0005 (the image builds), beside the cluster's BU0001A0008.",
              default=tpl.data()["builder"]["vnetName"],
              validators=(lambda v, ctx: naming.name_error("virtual_network", str(v)),), visible_when=_building),
        Field("builder_address_space", "Builder address space", "A small range of its own (a /27 holds both /28 "
              "subnets) that overlaps neither the hub (10.200.0.0/24 by default) nor any network peered to it (the "
              "cluster's spoke is 10.240.0.0/16 by default).", default=tpl.data()["builder"]["addressSpace"],
              validators=(network.cidr_validator("Builder address space"), hub_link.outside_hub(
                  "Builder address space")), visible_when=_building),
        Field("build_subnet", "Build VM subnet", "The temporary build VM's NIC.",
              default=tpl.data()["builder"]["buildSubnet"]["prefix"],
              validators=(network.cidr_validator("Build VM subnet"),), visible_when=_building),
        Field("container_subnet", "Build container subnet", "Image Builder's container, delegated to "
              "Microsoft.ContainerInstance (no proxy VM needed).",
              default=tpl.data()["builder"]["containerSubnet"]["prefix"],
              validators=(network.cidr_validator("Build container subnet"),), visible_when=_building),
        Field("builder_roles", "Builder identity's roles", "What the build's identity may do.", default="custom",
              kind=FieldKind.CHOICE, choices=ROLE_MODES, visible_when=_building),
        Field("base_image", "Base image", "Ubuntu 18.04, the reference's base, reached end of life in 2023.",
              default="ubuntu-24.04", kind=FieldKind.CHOICE,
              choices=tuple(Choice(b["key"], b["label"], b["detail"]) for b in tpl.data()["baseImages"]),
              visible_when=_building),
        Field("vm_size", "Build VM size", "Runs only during the build (Gen2 base images need a Gen2 size).",
              default=tpl.data()["build"]["vmSize"], visible_when=_building),
        Field("timeout_minutes", "Build timeout (minutes)", "Image Builder stops a build that runs longer.",
              default=tpl.data()["build"]["timeoutMinutes"], kind=FieldKind.INT, validators=(_timeout_error,),
              visible_when=_building),
        Field("tools", "Tools on the image", "Comma-separated; the firewall allows only what these need.",
              default=", ".join(t["key"] for t in tpl.data()["tools"] if t.get("default")),
              validators=(_tools_error,), visible_when=_building),
        Field("users", "Jump box users", "login=path of a .pub file, comma-separated; RSA (2048 bits or more) or "
              "Ed25519 public keys only.", default=default_users, validators=(users_error,),
              visible_when=lambda a: a.get("access_mode") != "bastion-tunnel"),
        Field("sudo", "Users may sudo", "The reference gives operators no sudo: the image holds what they need.",
              default=False, kind=FieldKind.BOOL, visible_when=lambda a: a.get("access_mode") != "bastion-tunnel"),
    ),
    checks=(
        Check("jumpbox.hub", "The hub and its firewall policy exist", hub_link.check_hub_ready, needs_azure=True,
              applies_when=_building, not_applicable="No build network for this choice."),
        Check("jumpbox.providers", "Image Builder's resource providers are registered",
              lambda ctx: providers.check_namespaces(ctx, BUILDER_PROVIDERS), fix=providers.register_missing,
              fix_label="Register", needs_azure=True, applies_when=_building,
              not_applicable="Nothing is built for this choice."),
        Check("jumpbox.base-image", "The base image is current in the region", _check_base, needs_azure=True,
              applies_when=_building, not_applicable="Nothing is built for this choice."),
        Check("jumpbox.quota", "Quota for the build VM", lambda ctx: image_build.check_build_quota(
              ctx, str(ctx.answers["location"]), str(ctx.answers["vm_size"])), needs_azure=True,
              applies_when=_building, not_applicable="Nothing is built for this choice."),
        Check("jumpbox.rights", "You may give the builder identity its roles", lambda ctx: image_build.
              check_builder_rights(ctx, ctx.answers.get("builder_roles") == "custom"), needs_azure=True,
              applies_when=_building, not_applicable="No builder identity for this choice."),
        Check("jumpbox.network", "The builder network fits and overlaps nothing", _check_network, needs_azure=True,
              applies_when=_building, not_applicable="No build network for this choice."),
        Check("jumpbox.users", "cloud-init holds valid public keys only", _check_users,
              applies_when=lambda a: a.get("access_mode") != "bastion-tunnel",
              not_applicable="No jump box users with Bastion tunnelling."),
        Check("jumpbox.names", "Resource names follow Azure's rules", lambda ctx: naming.check_names(_names(ctx.answers)),
              applies_when=_building, not_applicable="Nothing is named for this choice."),
        Check("jumpbox.allowed-types", "The groups' allow-lists admit every resource type",
              lambda ctx: allowed_types.check_allowed_types(
                  ctx, group_types(JUMPBOX_IMAGE.action.deployment, ctx)),  # type: ignore[union-attr]
              needs_azure=True, applies_when=_building, not_applicable="Nothing is deployed for this choice."),
        Check("jumpbox.bastion", "The hub's Bastion allows tunnelling", image_build.check_bastion_tunnel,
              needs_azure=True, applies_when=lambda a: a.get("access_mode") == "bastion-tunnel",
              not_applicable="Only for Bastion tunnelling."),
        Check("jumpbox.existing-image", "The image exists in the region", lambda ctx: image_build.check_existing_image(
              ctx, str(ctx.answers["existing_image_id"]), str(ctx.answers["location"])), needs_azure=True,
              applies_when=lambda a: a.get("access_mode") == "existing-image", not_applicable="Only for an existing image."),
    ),
    action=ImageBuild(deployment=_deployment(), template_id=lambda ctx: _ids(ctx)[0],
                      image_id=lambda ctx: _ids(ctx)[1], wanted=_building,
                      outputs_without_build=_outputs_without_build, expected_minutes=35),
    verify=(Check("jumpbox.verify-image", "The image is ready", _verify_image, needs_azure=True),),
    outputs=(OutputSpec("access_mode", "Access"), OutputSpec("image_id", "Jump box image id"),
             OutputSpec("users", "Jump box users")),
)
