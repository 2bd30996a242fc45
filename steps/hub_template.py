"""The hub's ARM template, built from the operator's decisions.

Every decision is a template parameter, so the audit log's parameters SHA-256 pins exactly
what was approved. Structure follows the reference hub (mspnp/aks-baseline hub-default +
hub-regionA's Bastion), with the current values where the reference is stale: Bastion
subnet /26, no NSG flow logs."""

from __future__ import annotations

from typing import Any, Mapping

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
NET_API = "2023-11-01"  # Microsoft.Network (published; see assets/azure/api-versions.json)
WORKSPACE_API = "2023-09-01"  # Microsoft.OperationalInsights/workspaces has no 2023-11-01
ZONES = ["1", "2", "3"]


def _p(name: str) -> str:
    return f"[parameters('{name}')]"


def _rid(rtype: str, *names: str) -> str:
    args = ", ".join(f"parameters('{n}')" if not n.startswith("'") else n for n in names)
    return f"[resourceId('{rtype}', {args})]"


def parameters(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Template parameter values from the hub step's answers (all non-secret)."""
    basic = answers["firewall_tier"] == "Basic"
    return {
        "location": answers["location"],
        "hubAddressSpace": answers["hub_cidr"],
        "firewallSubnetPrefix": answers["firewall_subnet"],
        "firewallManagementSubnetPrefix": answers.get("firewall_management_subnet") if basic else "",
        "gatewaySubnetPrefix": answers["gateway_subnet"],
        "bastionSubnetPrefix": answers["bastion_subnet"],
        "vnetName": answers["vnet_name"],
        "firewallName": answers["firewall_name"],
        "firewallPolicyName": answers["firewall_policy_name"],
        "firewallTier": answers["firewall_tier"],
        "dnsProxy": bool(answers.get("dns_proxy", False)) and not basic,
        "threatIntelMode": answers["threat_intel_mode"],
        "bastionName": answers["bastion_name"],
        "bastionSku": answers["bastion_sku"],
        "logAnalyticsName": answers["log_analytics_name"],
        "logRetentionDays": int(answers["log_retention_days"]),
    }


def _param_block(values: Mapping[str, Any]) -> dict[str, Any]:
    kinds = {bool: "bool", int: "int"}
    return {k: {"type": kinds.get(type(v), "string")} for k, v in values.items()}


def public_ip_names(region: str, count: int) -> list[str]:
    return [f"pip-fw-{region}-{i:02d}" for i in range(count)]


def _public_ip(name: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": NET_API, "name": name,
            "location": _p("location"), "sku": {"name": "Standard", "tier": "Regional"}, "zones": ZONES,
            "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4",
                           "idleTimeoutInMinutes": 4}}


def _bastion_nsg_rules() -> list[dict[str, Any]]:
    """The rules Azure Bastion requires on its subnet's NSG (inbound from the internet and
    the gateway manager; outbound to VMs, Azure and its own data plane)."""
    rules = [
        ("AllowWebExperienceInbound", "Inbound", 100, "Tcp", "Internet", "*", "443"),
        ("AllowControlPlaneInbound", "Inbound", 110, "Tcp", "GatewayManager", "*", "443"),
        ("AllowHealthProbesInbound", "Inbound", 120, "Tcp", "AzureLoadBalancer", "*", "443"),
        ("AllowBastionHostToHostInbound", "Inbound", 130, "*", "VirtualNetwork", "VirtualNetwork", "8080,5701"),
        ("DenyAllInbound", "Inbound", 1000, "*", "*", "*", "*"),
        ("AllowSshToVnetOutbound", "Outbound", 100, "Tcp", "*", "VirtualNetwork", "22"),
        ("AllowRdpToVnetOutbound", "Outbound", 110, "Tcp", "*", "VirtualNetwork", "3389"),
        ("AllowControlPlaneOutbound", "Outbound", 120, "Tcp", "*", "AzureCloud", "443"),
        ("AllowBastionHostToHostOutbound", "Outbound", 130, "*", "VirtualNetwork", "VirtualNetwork", "8080,5701"),
        ("AllowBastionCertificateValidationOutbound", "Outbound", 140, "*", "*", "Internet", "80"),
        ("DenyAllOutbound", "Outbound", 1000, "*", "*", "*", "*"),
    ]
    out = []
    for name, direction, priority, protocol, source, dest, ports in rules:
        port_list = ports.split(",")
        props: dict[str, Any] = {
            "direction": direction, "priority": priority, "protocol": protocol,
            "access": "Deny" if name.startswith("Deny") else "Allow",
            "sourceAddressPrefix": source, "sourcePortRange": "*", "destinationAddressPrefix": dest}
        if len(port_list) > 1:
            props["destinationPortRanges"] = port_list
        else:
            props["destinationPortRange"] = port_list[0]
        out.append({"name": name, "properties": props})
    return out


def build(answers: Mapping[str, Any]) -> dict[str, Any]:
    values = parameters(answers)
    basic = values["firewallTier"] == "Basic"
    region = values["location"]
    pip_names = public_ip_names(region, int(answers["firewall_public_ips"]))
    bastion_pip = f"pip-ab-{region}"
    mgmt_pip = f"pip-fw-mgmt-{region}"
    nsg_name = f"nsg-{region}-bastion"

    subnets: list[dict[str, Any]] = [
        {"name": "AzureFirewallSubnet", "properties": {"addressPrefix": _p("firewallSubnetPrefix")}},
        {"name": "GatewaySubnet", "properties": {"addressPrefix": _p("gatewaySubnetPrefix")}},
        {"name": "AzureBastionSubnet", "properties": {
            "addressPrefix": _p("bastionSubnetPrefix"),
            "networkSecurityGroup": {"id": f"[resourceId('Microsoft.Network/networkSecurityGroups', '{nsg_name}')]"}}},
    ]
    if basic:
        subnets.append({"name": "AzureFirewallManagementSubnet",
                        "properties": {"addressPrefix": _p("firewallManagementSubnetPrefix")}})

    policy_props: dict[str, Any] = {"sku": {"tier": _p("firewallTier")}, "threatIntelMode": _p("threatIntelMode")}
    if not basic:
        policy_props["dnsSettings"] = {"enableProxy": _p("dnsProxy")}
    if values["firewallTier"] == "Premium":
        policy_props["intrusionDetection"] = {"mode": "Deny"}

    policy_id = _rid("Microsoft.Network/firewallPolicies", "firewallPolicyName")
    network_rcg = "DefaultNetworkRuleCollectionGroup"
    app_rcg = "DefaultApplicationRuleCollectionGroup"
    ip_configs = []
    for index, name in enumerate(pip_names):
        config: dict[str, Any] = {"name": name, "properties": {
            "publicIPAddress": {"id": f"[resourceId('Microsoft.Network/publicIPAddresses', '{name}')]"}}}
        if index == 0:
            config["properties"]["subnet"] = {
                "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), "
                      "'AzureFirewallSubnet')]"}
        ip_configs.append(config)
    firewall_props: dict[str, Any] = {
        "sku": {"name": "AZFW_VNet", "tier": _p("firewallTier")},
        "firewallPolicy": {"id": policy_id},
        "ipConfigurations": ip_configs,
    }
    firewall_depends = [_rid("Microsoft.Network/virtualNetworks", "vnetName"), policy_id,
                        f"[resourceId('Microsoft.Network/firewallPolicies/ruleCollectionGroups', "
                        f"parameters('firewallPolicyName'), '{network_rcg}')]",
                        f"[resourceId('Microsoft.Network/firewallPolicies/ruleCollectionGroups', "
                        f"parameters('firewallPolicyName'), '{app_rcg}')]"]
    firewall_depends += [f"[resourceId('Microsoft.Network/publicIPAddresses', '{n}')]" for n in pip_names]
    resources: list[dict[str, Any]] = [
        {"type": "Microsoft.OperationalInsights/workspaces", "apiVersion": WORKSPACE_API,
         "name": _p("logAnalyticsName"), "location": _p("location"),
         "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": _p("logRetentionDays"),
                        "features": {"disableLocalAuth": True}}},
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API, "name": nsg_name,
         "location": _p("location"), "properties": {"securityRules": _bastion_nsg_rules()}},
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": NET_API, "name": _p("vnetName"),
         "location": _p("location"),
         "dependsOn": [f"[resourceId('Microsoft.Network/networkSecurityGroups', '{nsg_name}')]"],
         "properties": {"addressSpace": {"addressPrefixes": [_p("hubAddressSpace")]}, "subnets": subnets}},
        *[_public_ip(n) for n in pip_names],
        _public_ip(bastion_pip),
        {"type": "Microsoft.Network/firewallPolicies", "apiVersion": NET_API, "name": _p("firewallPolicyName"),
         "location": _p("location"), "properties": policy_props},
        {"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": NET_API,
         "name": f"[concat(parameters('firewallPolicyName'), '/{network_rcg}')]", "dependsOn": [policy_id],
         "properties": {"priority": 200, "ruleCollections": [{
             "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "org-wide-allowed",
             "priority": 100, "action": {"type": "Allow"},
             "rules": [{"ruleType": "NetworkRule", "name": "DNS", "ipProtocols": ["UDP"],
                        "sourceAddresses": ["*"], "destinationAddresses": ["*"], "destinationPorts": ["53"]}]}]}},
        {"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": NET_API,
         "name": f"[concat(parameters('firewallPolicyName'), '/{app_rcg}')]",
         "dependsOn": [policy_id, f"[resourceId('Microsoft.Network/firewallPolicies/ruleCollectionGroups', "
                                  f"parameters('firewallPolicyName'), '{network_rcg}')]"],
         "properties": {"priority": 300, "ruleCollections": []}},
    ]
    if basic:
        resources.append(_public_ip(mgmt_pip))
        firewall_props["managementIpConfiguration"] = {"name": mgmt_pip, "properties": {
            "publicIPAddress": {"id": f"[resourceId('Microsoft.Network/publicIPAddresses', '{mgmt_pip}')]"},
            "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), "
                             "'AzureFirewallManagementSubnet')]"}}}
        firewall_depends.append(f"[resourceId('Microsoft.Network/publicIPAddresses', '{mgmt_pip}')]")
    resources.append({"type": "Microsoft.Network/azureFirewalls", "apiVersion": NET_API, "name": _p("firewallName"),
                      "location": _p("location"), "zones": ZONES, "dependsOn": firewall_depends,
                      "properties": firewall_props})
    bastion_props: dict[str, Any] = {"ipConfigurations": [{"name": "bastion-ipconfig", "properties": {
        "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), "
                         "'AzureBastionSubnet')]"},
        "publicIPAddress": {"id": f"[resourceId('Microsoft.Network/publicIPAddresses', '{bastion_pip}')]"}}}]}
    if values["bastionSku"] != "Basic":
        bastion_props["enableTunneling"] = True
    resources.append({"type": "Microsoft.Network/bastionHosts", "apiVersion": NET_API, "name": _p("bastionName"),
                      "location": _p("location"), "sku": {"name": _p("bastionSku")},
                      "dependsOn": [_rid("Microsoft.Network/virtualNetworks", "vnetName"),
                                    f"[resourceId('Microsoft.Network/publicIPAddresses', '{bastion_pip}')]"],
                      "properties": bastion_props})
    return {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "parameters": _param_block(values),
        "resources": resources,
        "outputs": {
            "hubVnetId": {"type": "string", "value": _rid("Microsoft.Network/virtualNetworks", "vnetName")},
            "firewallPrivateIp": {"type": "string", "value":
                                  "[reference(resourceId('Microsoft.Network/azureFirewalls', parameters('firewallName')))"
                                  ".ipConfigurations[0].properties.privateIPAddress]"},
            "logAnalyticsWorkspaceId": {"type": "string",
                                        "value": _rid("Microsoft.OperationalInsights/workspaces", "logAnalyticsName")},
            "bastionHostId": {"type": "string", "value": _rid("Microsoft.Network/bastionHosts", "bastionName")},
        },
    }
