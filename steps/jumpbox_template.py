"""The jump box image build's ARM templates, one small builder per resource. What the build
installs, its network, its roles and its firewall rules are data
(``assets/azure/jumpbox-image.json``); this module turns decisions and that data into resources.

Four groups deploy, in order: the builder identity (workload group); the build network and its
peering (spoke group), with the identity's right to join it; the hub's side of the peering and
the build's egress rules in the hub's firewall policy (hub group); then the identity's right
to write images and the Image Builder template (workload group). Image Builder refuses any PUT
to a template that exists (``Conflict``), so the template's name carries a digest of what it
builds, and a template that exists already is not written again."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from steps.spoke_template import NET_API, SCHEMA, application_rule, network_rule, peering, security_rule

AIB_API = "2025-10-01"  # Microsoft.VirtualMachineImages/imageTemplates, stable (facts-2026-12.md §7)
IDENTITY_API = "2024-11-30"  # Microsoft.ManagedIdentity/userAssignedIdentities, stable
ROLES_API = "2022-04-01"  # Microsoft.Authorization roleDefinitions/roleAssignments, stable
IDENTITY_NAME = "mi-aks-jumpbox-imagebuilder"
_ASSETS = Path(__file__).resolve().parents[1] / "assets" / "azure"


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return json.loads((_ASSETS / "jumpbox-image.json").read_text(encoding="utf-8"))


def base_image(key: str) -> dict[str, Any]:
    return next(b for b in data()["baseImages"] if b["key"] == key)


def tool_keys(a: Mapping[str, Any]) -> list[str]:
    """The tools decided, plus those every image gets (upgrade, sshd hardening), in data order."""
    chosen = {t.strip() for t in str(a.get("tools", "")).split(",") if t.strip()}
    return [t["key"] for t in data()["tools"] if t.get("always") or t["key"] in chosen]


def digest(a: Mapping[str, Any], subscription: str) -> str:
    """Eight hex digits of what the image is built from and where it goes: a changed plan is
    a new template (Image Builder cannot update one), the same plan the same template."""
    keys = ("base_image", "vm_size", "timeout_minutes", "tools", "resource_group", "builder_vnet_name", "location")
    blob = json.dumps({k: str(a.get(k)) for k in keys} | {"sub": subscription}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


def template_name(a: Mapping[str, Any], subscription: str) -> str:
    return f"{data()['build']['templateName']}-{digest(a, subscription)}"


def image_name(a: Mapping[str, Any], subscription: str) -> str:
    return f"{data()['build']['imageName']}-{digest(a, subscription)}"


def role_names(subscription: str) -> dict[str, str]:
    """Custom role names are unique in the whole directory, so each subscription gets its own
    (Image Builder's quick starts met RoleDefinitionWithSameNameExists this way)."""
    custom = data()["roles"]["custom"]
    return {key: f"{spec['roleName']} ({subscription[:8]})" for key, spec in custom.items()}


def role_definition_id(key: str, mode: str) -> str:
    """An ARM expression for the role the identity gets: the custom one, or the built-in fallback."""
    if mode == "builtin":
        guid = data()["roles"]["builtin"][key]["guid"]
        return f"subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{guid}')"
    return f"subscriptionResourceId('Microsoft.Authorization/roleDefinitions', guid(subscription().id, 'aib-{key}'))"


def custom_role_definition(key: str, subscription: str) -> dict[str, Any]:
    spec = data()["roles"]["custom"][key]
    return {"type": "Microsoft.Authorization/roleDefinitions", "apiVersion": ROLES_API,
            "name": f"[guid(subscription().id, 'aib-{key}')]",
            "properties": {"roleName": role_names(subscription)[key], "description": spec["description"],
                           "type": "CustomRole", "assignableScopes": ["[subscription().id]"],
                           "permissions": [{"actions": spec["actions"], "notActions": []}]}}


def user_assigned_identity(region: str) -> dict[str, Any]:
    return {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": IDENTITY_API,
            "name": IDENTITY_NAME, "location": region}


def identity_template(region: str) -> dict[str, Any]:
    ref = f"resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{IDENTITY_NAME}')"
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {},
            "resources": [user_assigned_identity(region)],
            "outputs": {"identityId": {"type": "string", "value": f"[{ref}]"},
                        "principalId": {"type": "string", "value": f"[reference({ref}).principalId]"}}}


def role_assignment(key: str, mode: str, scope: str | None, depends: list[str]) -> dict[str, Any]:
    """Named from the scope, the identity's principal and the role: a recreated identity (a
    new principal) gets a new assignment instead of RoleAssignmentUpdateNotPermitted."""
    body: dict[str, Any] = {
        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": ROLES_API,
        "name": f"[guid({scope or 'resourceGroup().id'}, parameters('builderPrincipalId'), "
                f"{role_definition_id(key, mode)})]",
        "dependsOn": depends,
        "properties": {"roleDefinitionId": f"[{role_definition_id(key, mode)}]",
                       "principalId": "[parameters('builderPrincipalId')]", "principalType": "ServicePrincipal",
                       # what the portal and the preview show instead of the assignment's GUID
                       "description": f"{data()['roles'][mode][key]['roleName']} for the image builder identity"}}
    if scope:
        body["scope"] = f"[{scope}]"
    return body


def builder_route_table(region: str, firewall_ip: str) -> dict[str, Any]:
    """The build's own route table (not the spoke's: each step removes only what it made)."""
    return {"type": "Microsoft.Network/routeTables", "apiVersion": NET_API, "name": f"rt-imagebuilder-to-{region}-hub-fw",
            "location": region, "properties": {"disableBgpRoutePropagation": True, "routes": [{
                "name": "r-nexthop-to-fw", "properties": {"addressPrefix": "0.0.0.0/0",
                                                          "nextHopType": "VirtualAppliance",
                                                          "nextHopIpAddress": firewall_ip}}]}}


def builder_nsg(a: Mapping[str, Any], region: str) -> dict[str, Any]:
    places = {"BUILD_SUBNET": str(a["build_subnet"]), "CONTAINER_SUBNET": str(a["container_subnet"])}
    rules = []
    for rule in data()["builder"]["nsgRules"]:
        rule = [places.get(str(x), x) for x in rule]
        rules.append(security_rule(rule, ""))
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API,
            "name": data()["builder"]["nsgName"], "location": region, "properties": {"securityRules": rules}}


def builder_vnet(a: Mapping[str, Any], region: str, dns_servers: list[str]) -> dict[str, Any]:
    spec = data()["builder"]
    nsg = f"[resourceId('Microsoft.Network/networkSecurityGroups', '{spec['nsgName']}')]"
    route = f"[resourceId('Microsoft.Network/routeTables', 'rt-imagebuilder-to-{region}-hub-fw')]"

    def subnet(name: str, prefix: str, delegation: str | None) -> dict[str, Any]:
        props: dict[str, Any] = {"addressPrefix": prefix, "defaultOutboundAccess": False,
                                 "networkSecurityGroup": {"id": nsg}, "routeTable": {"id": route}}
        if delegation:
            props["delegations"] = [{"name": "aci", "properties": {"serviceName": delegation}}]
        return {"name": name, "properties": props}

    props: dict[str, Any] = {"addressSpace": {"addressPrefixes": [str(a["builder_address_space"])]}, "subnets": [
        subnet(spec["buildSubnet"]["name"], str(a["build_subnet"]), None),
        subnet(spec["containerSubnet"]["name"], str(a["container_subnet"]), spec["containerSubnet"]["delegation"])]}
    if dns_servers:
        props["dhcpOptions"] = {"dnsServers": dns_servers}
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": NET_API, "name": str(a["builder_vnet_name"]),
            "location": region, "dependsOn": [nsg, route], "properties": props}


def builder_template(a: Mapping[str, Any], hub: Mapping[str, Any], dns_servers: list[str]) -> dict[str, Any]:
    region, vnet = str(a["location"]), str(a["builder_vnet_name"])
    vnet_ref = f"resourceId('Microsoft.Network/virtualNetworks', '{vnet}')"
    spec = data()["builder"]
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"builderPrincipalId": {"type": "string"}},
            "resources": [
                builder_route_table(region, str(hub["firewall_private_ip"])), builder_nsg(a, region),
                builder_vnet(a, region, dns_servers), peering(vnet, str(hub["hub_vnet_id"]), [f"[{vnet_ref}]"]),
                role_assignment("networkJoiner", str(a["builder_roles"]), vnet_ref, [f"[{vnet_ref}]"])],
            "outputs": {
                "vnetId": {"type": "string", "value": f"[{vnet_ref}]"},
                "buildSubnetId": {"type": "string", "value": f"[resourceId('Microsoft.Network/virtualNetworks/subnets', "
                                                             f"'{vnet}', '{spec['buildSubnet']['name']}')]"},
                "containerSubnetId": {"type": "string", "value": f"[resourceId('Microsoft.Network/virtualNetworks/"
                                                                 f"subnets', '{vnet}', '{spec['containerSubnet']['name']}')]"}}}


def builder_rule_collection_group(policy_name: str, a: Mapping[str, Any]) -> dict[str, Any]:
    """What the build may reach through the firewall, from the builder network only; the
    rules of tools not chosen are left out."""
    fw, tools = data()["firewall"], set(tool_keys(a)) | {"always"}
    sources = [str(a["builder_address_space"])]
    net, app = fw["networkRules"], fw["applicationRules"]
    region = str(a["location"])
    return {"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": NET_API,
            "name": f"{policy_name}/{fw['ruleCollectionGroup']['name']}",
            "properties": {"priority": fw["ruleCollectionGroup"]["priority"], "ruleCollections": [
                {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": net["name"],
                 "priority": net["priority"], "action": {"type": "Allow"},
                 "rules": [network_rule(r, sources) for r in net["rules"]]},
                {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": app["name"],
                 "priority": app["priority"], "action": {"type": "Allow"},
                 "rules": [application_rule(r, sources, region) for r in app["rules"] if r.get("tool") in tools]}]}}


def hub_template(a: Mapping[str, Any], hub: Mapping[str, Any], builder_vnet_id: str) -> dict[str, Any]:
    hub_vnet = str(hub["hub_vnet_id"]).rsplit("/", 1)[-1]
    policy = str(hub["firewall_policy_id"]).rsplit("/", 1)[-1]
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {}, "resources": [
        peering(hub_vnet, builder_vnet_id, []), builder_rule_collection_group(policy, a)]}


def _customizers(a: Mapping[str, Any]) -> list[dict[str, Any]]:
    by_key = {t["key"]: t for t in data()["tools"]}
    return [{"type": "Shell", "name": key, "inline": list(by_key[key]["inline"])} for key in tool_keys(a)]


def image_template(a: Mapping[str, Any], subscription: str, build_subnet_id: str, container_subnet_id: str
                   ) -> dict[str, Any]:
    build, base = data()["build"], base_image(str(a["base_image"]))
    region = str(a["location"])
    identity = f"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{IDENTITY_NAME}')]"
    image_id = (f"[resourceId('Microsoft.Compute/images', '{image_name(a, subscription)}')]")
    return {"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": AIB_API,
            "name": template_name(a, subscription), "location": region,
            "dependsOn": [f"[resourceId('Microsoft.Authorization/roleAssignments', guid(resourceGroup().id, "
                          f"parameters('builderPrincipalId'), {role_definition_id('imageContributor', str(a['builder_roles']))}))]"],
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}},
            "properties": {
                "buildTimeoutInMinutes": int(a["timeout_minutes"]),
                "vmProfile": {"vmSize": str(a["vm_size"]), "osDiskSizeGB": build["osDiskGb"],
                              "vnetConfig": {"subnetId": build_subnet_id,
                                             "containerInstanceSubnetId": container_subnet_id}},
                "source": {"type": "PlatformImage", "publisher": base["publisher"], "offer": base["offer"],
                           "sku": base["sku"], "version": "latest"},
                "customize": _customizers(a),
                "distribute": [{"type": "ManagedImage", "runOutputName": image_name(a, subscription),
                                "imageId": image_id, "location": region,
                                "artifactTags": {"source": "aks-baseline-wizard", "baseImage": base["key"]}}]}}


def template_group(a: Mapping[str, Any], subscription: str, exists: bool) -> dict[str, Any]:
    """The image right and the template; an existing template is not written again."""
    resources: list[dict[str, Any]] = [role_assignment("imageContributor", str(a["builder_roles"]), None, [])]
    if not exists:
        resources.append(image_template(a, subscription, "[parameters('buildSubnetId')]",
                                        "[parameters('containerSubnetId')]"))
    name = template_name(a, subscription)
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"builderPrincipalId": {"type": "string"}, "buildSubnetId": {"type": "string"},
                           "containerSubnetId": {"type": "string"}},
            "resources": resources,
            "outputs": {"templateId": {"type": "string", "value":
                                       f"[resourceId('Microsoft.VirtualMachineImages/imageTemplates', '{name}')]"},
                        "imageId": {"type": "string", "value":
                                    f"[resourceId('Microsoft.Compute/images', '{image_name(a, subscription)}')]"}}}
