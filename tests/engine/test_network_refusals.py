"""What Microsoft.Network refuses when a deployment writes it, as the rehearsal does it: each
case is one resource Azure would refuse, checked against the codes and wording users quote
from real responses (wizard/rehearsal/network_rules.py names the source of each). These are
the provider's validations, so preflight passes and the write fails the deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from steps import spoke_template as tpl
from tests.engine.flow import finish_prerequisites, open_workspace
from tests.engine.test_policy_step import _probe, _run_probe
from wizard.engine.arm import AzureCallFailed

API = tpl.NET_API


def _vnet(name: str, space: str, subnets: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": API, "name": name, "location": "eastus2",
            "properties": {"addressSpace": {"addressPrefixes": [space]},
                           "subnets": [{"name": n, "properties": {"addressPrefix": p, **extra}} for n, p in subnets]}}


def _nsg(rules: list[tuple[str, str, int]]) -> dict[str, Any]:
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": API, "name": "nsg-probe",
            "location": "eastus2", "properties": {"securityRules": [
                {"name": n, "properties": {"direction": d, "priority": p, "protocol": "Tcp", "access": "Allow",
                                           "sourceAddressPrefix": "*", "sourcePortRange": "*",
                                           "destinationAddressPrefix": "*", "destinationPortRange": "22"}}
                for n, d, p in rules]}}


CASES = {
    "subnet outside the VNet": ([_vnet("vnet-a", "10.1.0.0/16", [("s1", "10.2.0.0/24")])],
                                "NetcfgSubnetRangeOutsideVnet", "outside the IP address range"),
    "overlapping subnets": ([_vnet("vnet-a", "10.1.0.0/16", [("s1", "10.1.0.0/24"), ("s2", "10.1.0.128/25")])],
                            "NetcfgSubnetRangesOverlap", "overlaps with that of an existing subnet"),
    "host bits set": ([_vnet("vnet-a", "10.1.0.0/16", [("s1", "10.1.0.5/24")])],
                      "InvalidCIDRNotation", "should be 10.1.0.0/24"),
    "NSG missing": ([_vnet("vnet-a", "10.1.0.0/16", [("s1", "10.1.0.0/24")], networkSecurityGroup={
        "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-nowhere')]"})],
        "InvalidResourceReference", "same region"),
    "route without next hop": ([{**tpl.route_table("eastus2", ""), "name": "rt-probe"}],
                               "MissingNextHopIpAddress", "when NextHopType is VirtualAppliance"),
    "NSG priority out of range": ([_nsg([("r1", "Inbound", 50)])], "SecurityRuleInvalidPriority", "100-4096"),
    "two NSG rules, one priority": ([_nsg([("r1", "Inbound", 200), ("r2", "Inbound", 200)])],
                                    "SecurityRuleConflict", "same Priority and Direction"),
    "Standard IP, dynamic": ([{**tpl.app_gateway_public_ip("eastus2"), "properties": {
        "publicIPAllocationMethod": "Dynamic"}}], "StandardSkuPublicIPAddressesMustBeStatic", "Static"),
    "DNS zone in a region": ([{**tpl.private_dns_zone("privatelink.azurecr.io"), "location": "eastus2"}],
                             "MissingRegistrationForLocation", "privateDnsZones"),
    "peering to nowhere": ([_vnet("vnet-a", "10.1.0.0/16", []), tpl.peering(
        "vnet-a", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/"
        "Microsoft.Network/virtualNetworks/vnet-gone", ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-a')]"])],
        "InvalidGlobalResourceReference", "was not found"),
    "peering with overlap": ([_vnet("vnet-a", "10.1.0.0/16", []), _vnet("vnet-b", "10.1.128.0/17", []),
                              tpl.peering("vnet-a", "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-b')]",
                                          ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-a')]",
                                           "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-b')]"])],
                             "VnetAddressSpacesOverlap", "address spaces overlap"),
    "child without parent": ([tpl.aks_egress_rule_collection_group("fw-policy-nowhere", ["10.1.0.0/24"], "eastus2")],
                             "ParentResourceNotFound", "fw-policy-nowhere"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_microsoft_network_refuses_what_azure_refuses(tmp_path: Path, case: str) -> None:
    resources, code, words = CASES[case]
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        ws.azure.resources().resource_groups.create_or_update("rg-probe", {"location": "eastus2"})
        runner = _run_probe(ws, _probe(resources, "rg-probe"))
        runner.preview()  # a provider validation: preflight and what-if pass
        runner.approve()
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        inner = failed.value.failure.innermost()
        assert inner.code == code and words in inner.message, (inner.code, inner.message)


def test_a_second_link_of_one_zone_to_one_vnet_is_a_conflict(tmp_path: Path) -> None:
    zone = "privatelink.azurecr.io"
    vnet_id = "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-a')]"
    depends = [f"[resourceId('Microsoft.Network/privateDnsZones', '{zone}')]", vnet_id]
    resources = [_vnet("vnet-a", "10.1.0.0/16", []), tpl.private_dns_zone(zone),
                 tpl.dns_zone_link(zone, vnet_id, "vnet-a", depends),
                 {**tpl.dns_zone_link(zone, vnet_id, "vnet-a", depends), "name": f"{zone}/second-link",
                  "dependsOn": depends + [f"[resourceId('Microsoft.Network/privateDnsZones/virtualNetworkLinks', "
                                          f"'{zone}', 'to_vnet-a')]"]}]
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        ws.azure.resources().resource_groups.create_or_update("rg-probe", {"location": "eastus2"})
        runner = _run_probe(ws, _probe(resources, "rg-probe"))
        runner.preview()
        runner.approve()
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        assert failed.value.failure.innermost().code == "Conflict"
