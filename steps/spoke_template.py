"""The spoke's ARM templates, one small builder per resource. The layout, the security rules
and the egress rules are data (``assets/azure/spoke-network.json``, ``aks-egress-rules.json``);
this module only turns decisions and that data into resources.

Two groups deploy: the spoke's own (route table, NSGs, VNet, its side of the peering, the App
Gateway's public IP, private DNS zones and their links), then the hub's (its side of the
peering and the AKS egress rule collection group in the hub's firewall policy). The hub
step's template is not touched: the rule collection group is a child of the existing policy."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
NET_API = "2025-07-01"  # Microsoft.Network, stable: the first where new subnets default to no outbound access
DNS_API = "2024-06-01"  # Microsoft.Network/privateDnsZones, stable (assets/azure/api-versions.json)
ZONES = ["1", "2", "3"]
_ASSETS = Path(__file__).resolve().parents[1] / "assets" / "azure"


@lru_cache(maxsize=1)
def layout() -> dict[str, Any]:
    return json.loads((_ASSETS / "spoke-network.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def egress() -> dict[str, Any]:
    return json.loads((_ASSETS / "aks-egress-rules.json").read_text(encoding="utf-8"))


def subnet_keys(a: Mapping[str, Any]) -> list[str]:
    """The subnets this plan has: the API server's only with VNet integration, the
    management subnet only when a jump box will be used."""
    keys = []
    for key, spec in layout()["subnets"].items():
        only = spec.get("onlyFor")
        if only == "vnet-integration" and a.get("api_server_mode") != "vnet-integration":
            continue
        if only == "jumpbox" and not a.get("management_subnet_enabled"):
            continue
        keys.append(key)
    return keys


def subnet_prefixes(a: Mapping[str, Any]) -> dict[str, str]:
    """Subnet name -> prefix as decided."""
    specs = layout()["subnets"]
    return {specs[key]["name"]: str(a[f"{key}_subnet"]) for key in subnet_keys(a)}


def route_table_name(region: str) -> str:
    return f"route-to-{region}-hub-fw"


def nsg_name(vnet: str, key: str) -> str:
    return f"nsg-{vnet}-{layout()['subnets'][key]['nsg']}"


def _id(rtype: str, *names: str) -> str:
    quoted = ", ".join(f"'{n}'" for n in names)
    return f"[resourceId('{rtype}', {quoted})]"


def route_table(region: str, firewall_ip: str) -> dict[str, Any]:
    """Everything leaves through the hub firewall; BGP propagation off so an on-premises route
    learned by a gateway cannot bypass it."""
    return {"type": "Microsoft.Network/routeTables", "apiVersion": NET_API, "name": route_table_name(region),
            "location": region,
            "properties": {"disableBgpRoutePropagation": True, "routes": [{
                "name": "r-nexthop-to-fw", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                                          "nextHopIpAddress": firewall_ip}}]}}


def security_rule(rule: list[Any], bastion_prefix: str) -> dict[str, Any]:
    name, direction, priority, protocol, source, destination, ports = rule
    return {"name": name, "properties": {
        "direction": direction, "priority": priority, "protocol": protocol,
        "access": "Deny" if name.startswith("Deny") else "Allow",
        "sourceAddressPrefix": bastion_prefix if source == "BASTION" else source, "sourcePortRange": "*",
        "destinationAddressPrefix": destination, "destinationPortRange": ports}}


def network_security_group(vnet: str, key: str, region: str, bastion_prefix: str) -> dict[str, Any]:
    rules = layout()["nsgRules"][layout()["subnets"][key]["nsg"]]
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API, "name": nsg_name(vnet, key),
            "location": region, "properties": {"securityRules": [security_rule(r, bastion_prefix) for r in rules]}}


def _subnet(key: str, a: Mapping[str, Any]) -> dict[str, Any]:
    spec = layout()["subnets"][key]
    vnet, region = str(a["vnet_name"]), str(a["location"])
    props: dict[str, Any] = {
        "addressPrefix": str(a[f"{key}_subnet"]), "defaultOutboundAccess": False,
        "networkSecurityGroup": {"id": _id("Microsoft.Network/networkSecurityGroups", nsg_name(vnet, key))}}
    if spec.get("routeToFirewall"):
        props["routeTable"] = {"id": _id("Microsoft.Network/routeTables", route_table_name(region))}
    if spec.get("delegation"):
        props["delegations"] = [{"name": "delegation", "properties": {"serviceName": spec["delegation"]}}]
    if spec.get("privateEndpointNetworkPolicies"):
        props["privateEndpointNetworkPolicies"] = spec["privateEndpointNetworkPolicies"]
    return {"name": spec["name"], "properties": props}


def virtual_network(a: Mapping[str, Any], dns_servers: list[str]) -> dict[str, Any]:
    vnet, region = str(a["vnet_name"]), str(a["location"])
    keys = subnet_keys(a)
    props: dict[str, Any] = {"addressSpace": {"addressPrefixes": [str(a["address_space"])]},
                             "subnets": [_subnet(k, a) for k in keys]}
    if dns_servers:
        props["dhcpOptions"] = {"dnsServers": dns_servers}
    depends = [_id("Microsoft.Network/networkSecurityGroups", nsg_name(vnet, k)) for k in keys]
    if any(layout()["subnets"][k].get("routeToFirewall") for k in keys):
        depends.append(_id("Microsoft.Network/routeTables", route_table_name(region)))
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": NET_API, "name": vnet, "location": region,
            "dependsOn": depends, "properties": props}


def peering(local_vnet: str, remote_vnet_id: str, depends: list[str]) -> dict[str, Any]:
    """One direction of the peering, named after the remote side as the reference names it."""
    return {"type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": NET_API,
            "name": f"{local_vnet}/to_{remote_vnet_id.rsplit('/', 1)[-1]}", "dependsOn": depends,
            "properties": {"remoteVirtualNetwork": {"id": remote_vnet_id}, "allowVirtualNetworkAccess": True,
                           "allowForwardedTraffic": False, "allowGatewayTransit": False, "useRemoteGateways": False}}


def app_gateway_public_ip(region: str) -> dict[str, Any]:
    """The cluster's public entry point, for the App Gateway the cluster step creates."""
    return {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": NET_API,
            "name": layout()["appGatewayPublicIp"], "location": region, "sku": {"name": "Standard", "tier": "Regional"},
            "zones": ZONES, "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4",
                                           "idleTimeoutInMinutes": 4}}


def zone_names(region: str) -> dict[str, str]:
    return {z["key"]: z["name"].replace("{region}", region) for z in layout()["privateDnsZones"]}


def private_dns_zone(name: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/privateDnsZones", "apiVersion": DNS_API, "name": name, "location": "global"}


def dns_zone_link(zone: str, vnet_id: str, vnet_name: str, depends: list[str]) -> dict[str, Any]:
    """Resolution only: no auto-registration, which would put every VM's name in the zone."""
    return {"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "apiVersion": DNS_API,
            "name": f"{zone}/to_{vnet_name}", "location": "global", "dependsOn": depends,
            "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}


def spoke_template(a: Mapping[str, Any], hub: Mapping[str, Any], dns_servers: list[str]) -> dict[str, Any]:
    vnet, region = str(a["vnet_name"]), str(a["location"])
    keys = subnet_keys(a)
    vnet_ref = _id("Microsoft.Network/virtualNetworks", vnet)
    resources: list[dict[str, Any]] = []
    if any(layout()["subnets"][k].get("routeToFirewall") for k in keys):
        resources.append(route_table(region, str(hub["firewall_private_ip"])))
    resources += [network_security_group(vnet, k, region, str(hub.get("bastion_subnet", ""))) for k in keys]
    resources.append(virtual_network(a, dns_servers))
    resources.append(peering(vnet, str(hub["hub_vnet_id"]), [vnet_ref]))
    resources.append(app_gateway_public_ip(region))
    zones = zone_names(region)
    spoke_id = vnet_ref[1:-1]
    for zone in zones.values():
        resources.append(private_dns_zone(zone))
        zone_ref = _id("Microsoft.Network/privateDnsZones", zone)
        resources.append(dns_zone_link(zone, f"[{spoke_id}]", vnet, [zone_ref, vnet_ref]))
        resources.append(dns_zone_link(zone, str(hub["hub_vnet_id"]), str(hub["hub_vnet_id"]).rsplit("/", 1)[-1],
                                       [zone_ref]))
    specs = layout()["subnets"]
    subnet_ids = ", ".join(f"'{k}', resourceId('Microsoft.Network/virtualNetworks/subnets', '{vnet}', "
                           f"'{specs[k]['name']}')" for k in keys)
    zone_ids = ", ".join(f"'{k}', resourceId('Microsoft.Network/privateDnsZones', '{z}')" for k, z in zones.items())
    pip = layout()["appGatewayPublicIp"]
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {}, "resources": resources, "outputs": {
        "vnetId": {"type": "string", "value": vnet_ref},
        "subnetIds": {"type": "object", "value": f"[createObject({subnet_ids})]"},
        "appGatewayPublicIpId": {"type": "string", "value": _id("Microsoft.Network/publicIPAddresses", pip)},
        "appGatewayPublicIp": {"type": "string", "value":
                               f"[reference({_id('Microsoft.Network/publicIPAddresses', pip)[1:-1]}).ipAddress]"},
        "privateDnsZoneIds": {"type": "object", "value": f"[createObject({zone_ids})]"},
    }}


def network_rule(rule: Mapping[str, Any], sources: list[str]) -> dict[str, Any]:
    return {"ruleType": "NetworkRule", "name": rule["name"], "ipProtocols": rule["ipProtocols"],
            "sourceAddresses": sources, "destinationAddresses": rule["destinationAddresses"],
            "destinationPorts": rule["destinationPorts"]}


def application_rule(rule: Mapping[str, Any], sources: list[str], region: str) -> dict[str, Any]:
    protocols = [{"protocolType": p.split(":")[0], "port": int(p.split(":")[1])} for p in rule["protocols"]]
    out: dict[str, Any] = {"ruleType": "ApplicationRule", "name": rule["name"], "sourceAddresses": sources,
                           "protocols": protocols}
    if rule.get("fqdnTags"):
        out["fqdnTags"] = rule["fqdnTags"]
    if rule.get("targetFqdns"):
        out["targetFqdns"] = [f.replace("{region}", region) for f in rule["targetFqdns"]]
    return out


def aks_egress_rule_collection_group(policy_name: str, sources: list[str], region: str) -> dict[str, Any]:
    """The cluster's egress allow-list in the hub's policy, from the node subnet(s) only."""
    data, group = egress(), egress()["ruleCollectionGroup"]
    net, app = data["networkRules"], data["applicationRules"]
    return {"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": NET_API,
            "name": f"{policy_name}/{group['name']}", "properties": {"priority": group["priority"], "ruleCollections": [
                {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": net["name"],
                 "priority": net["priority"], "action": {"type": "Allow"},
                 "rules": [network_rule(r, sources) for r in net["rules"]]},
                {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": app["name"],
                 "priority": app["priority"], "action": {"type": "Allow"},
                 "rules": [application_rule(r, sources, region) for r in app["rules"]]}]}}


def hub_template(a: Mapping[str, Any], hub: Mapping[str, Any], spoke_vnet_id: str) -> dict[str, Any]:
    hub_vnet = str(hub["hub_vnet_id"]).rsplit("/", 1)[-1]
    policy = str(hub["firewall_policy_id"]).rsplit("/", 1)[-1]
    sources = [str(a["nodes_subnet"])]
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {}, "resources": [
        peering(hub_vnet, spoke_vnet_id, []),
        aks_egress_rule_collection_group(policy, sources, str(a["location"])),
    ]}
