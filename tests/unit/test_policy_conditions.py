"""The policy rule language as the rehearsal evaluates it (``wizard/rehearsal/policy_conditions.py``),
checked against Azure Policy's documented semantics: case-insensitive strings, booleans as
text, absent properties, and ``[*]`` meaning "every member"."""

from __future__ import annotations

import pytest

from steps import policy_template as tpl
from wizard.rehearsal.policy_conditions import NotEvaluable, matches, parameter_values


def _rule(key: str) -> dict:
    return next(d for d in tpl.custom()["definitions"] if d["key"] == key)["policyRule"]["if"]


def _cluster(**props: object) -> dict:
    return {"type": "Microsoft.ContainerService/managedClusters", "name": "aks", "properties": props}


def test_a_private_cluster_passes_and_a_public_or_unset_one_is_caught() -> None:
    rule = _rule("DenyPublicAks")
    assert not matches(rule, _cluster(apiServerAccessProfile={"enablePrivateCluster": True}), {})
    assert matches(rule, _cluster(apiServerAccessProfile={"enablePrivateCluster": False}), {})
    assert matches(rule, _cluster(), {})  # absent matches notEquals: an unset flag is a public API
    assert not matches(rule, {"type": "Microsoft.Network/virtualNetworks", "properties": {}}, {})


def test_the_reference_alias_for_defender_misses_a_current_cluster() -> None:
    """Why the wizard's deny reads securityProfile.defender.securityMonitoring: the
    reference's preview-era property is absent on a current cluster, so its rule would refuse
    a cluster with Defender on."""
    on = _cluster(securityProfile={"defender": {"securityMonitoring": {"enabled": True}}})
    stale = {"field": "Microsoft.ContainerService/managedClusters/securityProfile.azureDefender.enabled",
             "notEquals": "true"}
    assert matches(stale, on, {})
    assert not matches(_rule("DenyNonDefenderAks"), on, {})


def test_every_member_of_a_list_must_match_a_star_alias() -> None:
    rule = _rule("NoPublicIPsForNICsInVnet")
    vnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-spoke"

    def nic(*configs: dict) -> dict:
        return {"type": "Microsoft.Network/networkInterfaces", "name": "nic",
                "properties": {"ipConfigurations": [{"properties": c} for c in configs]}}

    public = {"publicIPAddress": {"id": "/x/pip"}, "subnet": {"id": vnet + "/subnets/snet-nodes"}}
    private = {"subnet": {"id": vnet + "/subnets/snet-nodes"}}
    params = {"vnetResourceId": vnet}
    assert matches(rule, nic(public), params)
    assert not matches(rule, nic(private), params)
    assert not matches(rule, nic(public, private), params)  # not every configuration has a public IP
    elsewhere = {"publicIPAddress": {"id": "/x/pip"}, "subnet": {"id": "/other/vnet/subnets/a"}}
    assert not matches(rule, nic(elsewhere), params)


def test_strings_compare_without_case_and_booleans_as_text() -> None:
    gateway = {"type": "microsoft.network/APPLICATIONGATEWAYS", "properties": {"sku": {"name": "waf_V2"}}}
    assert not matches(_rule("DenyAagWithoutWaf"), gateway, {})
    assert matches({"field": "Microsoft.ContainerService/managedClusters/enableRBAC", "equals": True},
                   _cluster(enableRBAC="TRUE"), {})


def test_language_the_rehearsal_does_not_model_is_not_guessed() -> None:
    with pytest.raises(NotEvaluable):
        matches({"count": {"field": "x[*]"}, "equals": 0}, _cluster(), {})
    with pytest.raises(NotEvaluable):
        matches({"field": "Microsoft.ContainerService/managedClusters/notAnAliasWeKnow", "equals": "a"}, _cluster(), {})
    with pytest.raises(NotEvaluable):  # a parameter with no value: Azure would have refused the assignment
        matches(_rule("NoPublicIPsForNICsInVnet"), {"type": "Microsoft.Network/networkInterfaces", "properties": {
            "ipConfigurations": [{"properties": {"publicIPAddress": {"id": "/x/pip"}}}]}}, {})


def test_assignment_values_override_definition_defaults() -> None:
    definition = {"properties": {"parameters": {"effect": {"type": "String", "defaultValue": "Deny"},
                                                "vnet": {"type": "String"}}}}
    assignment = {"properties": {"parameters": {"vnet": {"value": "/v"}, "effect": {"value": "Audit"}}}}
    assert parameter_values(definition, assignment) == {"effect": "Audit", "vnet": "/v"}
    assert parameter_values(definition, {}) == {"effect": "Deny"}
