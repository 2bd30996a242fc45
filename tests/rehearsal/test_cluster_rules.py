"""What the rehearsal's AKS and Application Gateway refuse at write time, each with an input
that makes it refuse and one that passes. Checked against: managedClusters.json 2026-08-01
(agentPoolProfiles[].mode System|User, vnetSubnetID, networkProfile.outboundType,
apiServerAccessProfile.subnetId/privateDNSZone, identity.userAssignedIdentities) and
applicationGateway.json 2025-07-01 (sslCertificates[].properties.keyVaultSecretId); the codes
and messages are the ones users quote from Azure (see cluster_rules' docstring)."""

from __future__ import annotations

import copy
from typing import Any

from wizard.rehearsal import cluster_rules as rules

SUB = "/subscriptions/s1/resourceGroups"
SUBNET = f"{SUB}/spoke/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
API_SUBNET = f"{SUB}/spoke/providers/Microsoft.Network/virtualNetworks/vnet/subnets/api"
ROUTES = f"{SUB}/spoke/providers/Microsoft.Network/routeTables/rt"
ZONE = f"{SUB}/spoke/providers/Microsoft.Network/privateDnsZones/privatelink.eastus2.azmk8s.io"
UAMI = f"{SUB}/wl/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-cp"
CLUSTER = f"{SUB}/wl/providers/Microsoft.ContainerService/managedClusters/aks"


def _assignment(scope: str, role: str, principal: str = "p-cp") -> dict[str, Any]:
    return {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/g-{role[:4]}-{scope[-6:]}",
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{role}",
                           "principalId": principal}}


def _world(**changes: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    resources: dict[str, Any] = {
        SUBNET.lower(): {"id": SUBNET, "properties": {"routeTable": {"id": ROUTES}}},
        API_SUBNET.lower(): {"id": API_SUBNET, "properties": {"delegations": [{"name": "d"}]}},
        ROUTES.lower(): {"id": ROUTES, "properties": {"routes": [{"properties": {"addressPrefix": "0.0.0.0/0"}}]}},
        UAMI.lower(): {"id": UAMI, "properties": {"principalId": "p-cp"}}}
    resources.update(changes.get("resources", {}))
    known = [_assignment(f"{SUB}/spoke/providers/Microsoft.Network/virtualNetworks/vnet", rules.NETWORK_CONTRIBUTOR),
             _assignment(ZONE, rules.DNS_ZONE_CONTRIBUTOR)]
    return resources, changes.get("known", known)


def _cluster(**props: Any) -> dict[str, Any]:
    body = {"identity": {"type": "UserAssigned", "userAssignedIdentities": {UAMI: {}}}, "properties": {
        "agentPoolProfiles": [{"name": "npsystem", "mode": "System", "vnetSubnetID": SUBNET}],
        "networkProfile": {"outboundType": "userDefinedRouting"},
        "apiServerAccessProfile": {"enableVnetIntegration": True, "subnetId": API_SUBNET, "privateDNSZone": ZONE}}}
    body["properties"].update(props)
    return body


def _refusal(body: dict[str, Any], resources: dict[str, Any], known: list[dict[str, Any]]) -> str | None:
    found = rules.write_error(CLUSTER, "Microsoft.ContainerService/managedClusters", body,
                              lambda rid: resources.get(rid.lower()), known)
    return None if found is None else found["code"]


def test_the_baseline_cluster_with_its_rights_and_routes_is_accepted() -> None:
    assert _refusal(_cluster(), *_world()) is None


def test_a_cluster_without_a_system_pool_is_refused() -> None:
    body = _cluster(agentPoolProfiles=[{"name": "npuser", "mode": "User", "vnetSubnetID": SUBNET}])
    assert _refusal(body, *_world()) == "MustDefineAtLeastOneSystemPool"


def test_a_node_pool_in_a_delegated_subnet_is_refused() -> None:
    resources, known = _world()
    resources[SUBNET.lower()]["properties"]["delegations"] = [{"name": "d"}]
    assert _refusal(_cluster(), resources, known) == "SubnetIsDelegated"


def test_udr_without_a_route_table_or_without_a_default_route_is_refused() -> None:
    resources, known = _world()
    no_table = copy.deepcopy(resources)
    no_table[SUBNET.lower()]["properties"] = {}
    assert _refusal(_cluster(), no_table, known) == "ExistingRouteTableNotAssociatedWithSubnet"
    no_default = copy.deepcopy(resources)
    no_default[ROUTES.lower()]["properties"]["routes"] = [{"properties": {"addressPrefix": "10.0.0.0/8"}}]
    assert _refusal(_cluster(), no_default, known) == "ExistingRouteTableNotAssociatedWithSubnet"
    lb = _cluster(networkProfile={"outboundType": "loadBalancer"})
    assert _refusal(lb, no_table, known) is None  # only UDR needs the route


def test_a_control_plane_identity_without_rights_on_the_subnet_or_the_zone_is_refused() -> None:
    resources, _ = _world()
    zone_only = [_assignment(ZONE, rules.DNS_ZONE_CONTRIBUTOR)]
    assert _refusal(_cluster(), resources, zone_only) == "LinkedAuthorizationFailed"
    vnet_only = [_assignment(f"{SUB}/spoke/providers/Microsoft.Network/virtualNetworks/vnet", rules.NETWORK_CONTRIBUTOR)]
    assert _refusal(_cluster(), resources, vnet_only) == "LinkedAuthorizationFailed"
    someone_else = [_assignment(f"{SUB}/spoke", rules.OWNER, principal="p-other")]
    assert _refusal(_cluster(), resources, someone_else) == "LinkedAuthorizationFailed"
    group_owner = [_assignment(f"{SUB}/spoke", rules.OWNER)]
    assert _refusal(_cluster(), resources, group_owner) is None  # a role above the scope covers it


def test_a_gateway_whose_identity_may_not_read_the_listener_secret_is_refused() -> None:
    vault = f"{SUB}/wl/providers/Microsoft.KeyVault/vaults/kv-aks"
    gw_identity = f"{SUB}/wl/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-gw"
    resources = {gw_identity.lower(): {"id": gw_identity, "properties": {"principalId": "p-gw"}}}
    body = {"identity": {"type": "UserAssigned", "userAssignedIdentities": {gw_identity: {}}}, "properties": {
        "sslCertificates": [{"name": "l", "properties": {"keyVaultSecretId": "https://kv-aks.vault.azure.net/secrets/x"}}]}}
    vault_entry = {"id": vault, "type": "Microsoft.KeyVault/vaults", "name": "kv-aks"}

    def refused(known: list[dict[str, Any]]) -> dict[str, Any] | None:
        return rules.write_error(f"{SUB}/wl/providers/Microsoft.Network/applicationGateways/gw",
                                 "Microsoft.Network/applicationGateways", body, lambda r: resources.get(r.lower()), known)

    found = refused([vault_entry, _assignment(vault, rules.SECRETS_USER, principal="p-other")])
    assert found is not None and found["code"] == "ApplicationGatewayKeyVaultSecretException"
    assert found["details"][0]["code"] == "ApplicationGatewayKeyVaultSecretAccessDenied"
    assert refused([vault_entry, _assignment(vault, rules.SECRETS_USER, principal="p-gw")]) is None


def test_a_vault_closed_to_trusted_services_is_refused_to_the_gateway_too() -> None:
    vault = f"{SUB}/wl/providers/Microsoft.KeyVault/vaults/kv-aks"
    gw_identity = f"{SUB}/wl/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-gw"
    vault_entry = {"id": vault, "type": "Microsoft.KeyVault/vaults", "name": "kv-aks", "properties": {
        "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}}
    resources = {gw_identity.lower(): {"id": gw_identity, "properties": {"principalId": "p-gw"}},
                 vault.lower(): vault_entry}
    body = {"identity": {"type": "UserAssigned", "userAssignedIdentities": {gw_identity: {}}}, "properties": {
        "sslCertificates": [{"name": "l", "properties": {"keyVaultSecretId": "https://kv-aks.vault.azure.net/secrets/x"}}]}}
    known = [vault_entry, _assignment(vault, rules.SECRETS_USER, principal="p-gw")]
    found = rules.write_error(f"{SUB}/wl/providers/Microsoft.Network/applicationGateways/gw",
                              "Microsoft.Network/applicationGateways", body, lambda r: resources.get(r.lower()), known)
    assert found is not None and found["code"] == "ApplicationGatewayKeyVaultSecretException"
    vault_entry["properties"]["networkAcls"]["bypass"] = "AzureServices"
    assert rules.write_error(f"{SUB}/wl/providers/Microsoft.Network/applicationGateways/gw",
                             "Microsoft.Network/applicationGateways", body, lambda r: resources.get(r.lower()),
                             known) is None
