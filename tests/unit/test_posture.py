"""The posture check's evaluator (issue 9): every item of assets/azure/posture.json passes on a
baseline-shaped body and fails, naming the path and the value read, when one setting is
weakened. Property paths follow the resources' REST shapes (managedClusters 2026-08-01:
enableRBAC, aadProfile.managed, disableLocalAccounts, apiServerAccessProfile.enablePrivateCluster,
networkProfile.networkPolicy/outboundType, addonProfiles.<name>.enabled,
securityProfile.defender.securityMonitoring / workloadIdentity, agentPoolProfiles[]; registries:
publicNetworkAccess, adminUserEnabled; vaults: enableRbacAuthorization, publicNetworkAccess,
softDeleteRetentionInDays; WAF policies: policySettings.mode)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from checks.posture import data, judge, read
from wizard.engine.contract import CheckStatus

CLUSTER: dict[str, Any] = {
    "identity": {"type": "UserAssigned"},
    "properties": {
        "enableRBAC": True, "aadProfile": {"managed": True, "enableAzureRBAC": False},
        "disableLocalAccounts": True, "apiServerAccessProfile": {"enablePrivateCluster": True},
        "networkProfile": {"networkPolicy": "cilium", "outboundType": "userDefinedRouting"},
        "addonProfiles": {"azurepolicy": {"enabled": True}, "azureKeyvaultSecretsProvider": {"enabled": True},
                          "omsagent": {"enabled": True}},
        "securityProfile": {"defender": {"securityMonitoring": {"enabled": True}},
                            "workloadIdentity": {"enabled": True}},
        "agentPoolProfiles": [
            {"name": "npsystem", "mode": "System", "availabilityZones": ["1", "2", "3"], "enableAutoScaling": True},
            {"name": "npuser01", "mode": "User", "availabilityZones": ["1", "2", "3"], "enableAutoScaling": True}]}}
BODIES = {"cluster_id": CLUSTER,
          "registry_id": {"properties": {"publicNetworkAccess": "Disabled", "adminUserEnabled": False}},
          "key_vault_id": {"properties": {"enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
                                          "softDeleteRetentionInDays": 90}},
          "waf_policy_id": {"properties": {"policySettings": {"mode": "Prevention", "state": "Enabled"}}}}
WEAKENED = {
    "rbac": ("properties.enableRBAC", False), "entra": ("properties.aadProfile.managed", False),
    "local-accounts": ("properties.disableLocalAccounts", False),
    "private-api": ("properties.apiServerAccessProfile.enablePrivateCluster", False),
    "network-policy": ("properties.networkProfile.networkPolicy", "none"),
    "azure-policy": ("properties.addonProfiles.azurepolicy.enabled", False),
    "defender": ("properties.securityProfile.defender.securityMonitoring.enabled", False),
    "key-vault-csi": ("properties.addonProfiles.azureKeyvaultSecretsProvider.enabled", False),
    "workload-identity": ("properties.securityProfile.workloadIdentity.enabled", False),
    "managed-identity": ("identity.type", "None"),
    "udr-egress": ("properties.networkProfile.outboundType", "loadBalancer"),
    "monitoring": ("properties.addonProfiles.omsagent.enabled", False),
    "registry-public-access": ("properties.publicNetworkAccess", "Enabled"),
    "registry-admin-user": ("properties.adminUserEnabled", True),
    "vault-rbac": ("properties.enableRbacAuthorization", False),
    "vault-public-access": ("properties.publicNetworkAccess", "Enabled"),
    "vault-soft-delete": ("properties.softDeleteRetentionInDays", 3),
    "waf-prevention": ("properties.policySettings.mode", "Detection"),
}


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    *head, last = path.split(".")
    for key in head:
        body = body[key]
    body[last] = value


@pytest.mark.parametrize("item", data()["items"], ids=lambda i: i["id"])
def test_each_item_passes_on_the_baseline_and_fails_when_weakened(item: dict[str, Any]) -> None:
    body = copy.deepcopy(BODIES[item["resource"]])
    assert judge(item, body, "/x").status is CheckStatus.PASS
    if item["id"] == "zones":
        body["properties"]["agentPoolProfiles"][1]["availabilityZones"] = ["1"]
    elif item["id"] == "autoscaler":
        body["properties"]["agentPoolProfiles"][1]["enableAutoScaling"] = False
    else:
        _set(body, *WEAKENED[item["id"]])
    found = judge(item, body, "/x")
    assert found.status is CheckStatus.FAIL and found.evidence["path"] == item["path"] and found.evidence["checklist"]


def test_a_missing_property_fails_as_missing_and_a_decision_to_switch_off_warns() -> None:
    item = next(i for i in data()["items"] if i["id"] == "defender")
    body = copy.deepcopy(CLUSTER)
    del body["properties"]["securityProfile"]["defender"]
    assert "= missing" in judge(item, body, "/x").summary
    off = judge(item, body, "/x", {"defender": "the security team runs a third-party scanner"})
    assert off.status is CheckStatus.WARN and "third-party scanner" in off.summary


def test_paths_select_list_items() -> None:
    assert read(CLUSTER, "properties.agentPoolProfiles[mode=User].name") == ["npuser01"]
    assert read(CLUSTER, "properties.agentPoolProfiles[*].mode") == ["System", "User"]
    assert read(CLUSTER, "properties.nothing.here") == []
