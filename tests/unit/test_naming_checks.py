"""Naming rules: each kind accepts a real reference name and rejects a typical mistake."""

from __future__ import annotations

import pytest

from checks.naming import NAME_RULES, check_names, dns_name_error, name_error, node_resource_group_error
from wizard.engine.contract import CheckStatus

VALID = [
    ("resource_group", "rg-enterprise-networking-hubs-eastus"),
    ("resource_group", "rg_(test).1"),
    ("virtual_network", "vnet-eastus-hub"),
    ("subnet", "AzureFirewallSubnet"),
    ("public_ip", "pip-fw-eastus-00"),
    ("firewall", "fw-eastus"),
    ("firewall", "f" * 50),
    ("firewall_policy", "fw-policies-eastus"),
    ("bastion", "ab-eastus"),
    ("log_analytics", "la-hub-eastus"),
    ("nsg", "nsg-eastus-bastion"),
    ("ip_group", "ipg-eastus-AksNodepools"),
    ("aks_cluster", "aks-abc123"),
    ("node_pool_linux", "npuser01"),
    ("dns_prefix", "abcdefghijklm"),
    ("key_vault", "kv-aks-abc123"),
    ("container_registry", "acraksabc123"),
    ("storage_account", "stnfleastus123"),
    ("budget", "budget_aks-1"),
]

INVALID = [
    ("resource_group", "rg-ends-with.", "must not end with a period"),
    ("resource_group", "r" * 91, "at most 90 characters (this one has 91)"),
    ("virtual_network", "v", "at least 2 characters"),
    ("virtual_network", "-vnet", "start with a letter or digit"),
    ("subnet", "snet-", "end with a letter, digit or underscore"),
    ("public_ip", "pip fw", "' ' is not allowed"),
    ("firewall", "f" * 57, "Azure Firewall names are at most 50 characters (this one has 57)"),
    ("firewall_policy", "p" * 81, "at most 80"),
    ("bastion", "ab/eastus", "'/' is not allowed"),
    ("log_analytics", "la_", "at least 4"),
    ("log_analytics", "la_hub", "'_' is not allowed"),
    ("nsg", "n" * 81, "at most 80"),
    ("ip_group", "ipg!", "'!' is not allowed"),
    ("aks_cluster", "aks-", "start and end with a letter or digit"),
    ("node_pool_linux", "NodePool", "Use lowercase"),
    ("node_pool_linux", "1pool", "start with a lowercase letter"),
    ("node_pool_linux", "userpool0001x", "at most 12"),
    ("dns_prefix", "my.prefix", "'.' is not allowed"),
    ("key_vault", "kv--double", "not contain '--'"),
    ("key_vault", "1kv", "start with a letter"),
    ("container_registry", "acr-aks", "'-' is not allowed"),
    ("storage_account", "StAccount", "Use lowercase"),
    ("budget", "budget 1", "' ' is not allowed"),
    ("subnet", "snet#1", "must not contain '#'"),
    ("key_vault", "", "name is required"),
]


@pytest.mark.parametrize(("kind", "name"), VALID)
def test_valid_names_pass(kind: str, name: str) -> None:
    assert name_error(kind, name) is None


@pytest.mark.parametrize(("kind", "name", "expected"), INVALID)
def test_invalid_names_explain_the_rule(kind: str, name: str, expected: str) -> None:
    error = name_error(kind, name)
    assert error is not None and expected in error


def test_every_required_kind_is_in_the_table() -> None:
    required = {"resource_group", "virtual_network", "subnet", "public_ip", "firewall", "firewall_policy", "bastion",
                "log_analytics", "nsg", "ip_group", "aks_cluster", "node_pool_linux", "dns_prefix", "key_vault",
                "container_registry", "storage_account", "budget"}
    assert required <= NAME_RULES.keys()
    assert NAME_RULES["firewall"].max_len == 50
    assert all(rule.source and rule.scope for rule in NAME_RULES.values())


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="known kinds"):
        name_error("spaceship", "x")


@pytest.mark.parametrize(("rg", "cluster", "region", "ok"), [
    ("rg-bu0001a0008", "aks-abc123", "eastus", True),
    ("r" * 40, "c" * 30, "eastus2", False),
])
def test_node_resource_group_length(rg: str, cluster: str, region: str, ok: bool) -> None:
    assert (node_resource_group_error(rg, cluster, region) is None) is ok


def test_check_names_passes_good_plan() -> None:
    finding = check_names({"Hub VNet": ("virtual_network", "vnet-eastus-hub"), "Firewall": ("firewall", "fw-eastus")})
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["names"]["Firewall"]["valid"] is True


def test_check_names_lists_every_bad_name() -> None:
    finding = check_names({
        "Firewall": ("firewall", "f" * 57),
        "Storage": ("storage_account", "Flow-Logs"),
        "Key Vault": ("key_vault", "kv-ok"),
    })
    assert finding.status is CheckStatus.FAIL
    assert set(finding.evidence["errors"]) == {"Firewall", "Storage"}
    assert "Firewall:" in finding.remedy and "Storage:" in finding.remedy
    assert finding.summary.startswith("2 of 3")


def test_check_names_warns_on_case_insensitive_collision() -> None:
    finding = check_names({"Spoke VNet": ("virtual_network", "vnet-spoke"), "Hub VNet": ("virtual_network", "VNET-Spoke")})
    assert finding.status is CheckStatus.WARN
    assert "case-insensitively" in finding.remedy


# -- DNS host names (the names a certificate must serve) -------------------------------------------

@pytest.mark.parametrize(("value", "wildcard"), [
    ("bicycle.contoso.com", False), ("Bicycle.Contoso.COM.", False), ("a-1.b.example", False),
    ("*.aks-ingress.contoso.com", True), ("*.contoso.com", True),
])
def test_dns_name_accepts_valid_host_names(value: str, wildcard: bool) -> None:
    assert dns_name_error(value, "Host", wildcard=wildcard) is None


@pytest.mark.parametrize(("value", "wildcard", "expected"), [
    ("", False, "enter a DNS name"),
    ("bicycle", False, "needs a domain"),
    ("bicycle..contoso.com", False, "empty label"),
    ("-bicycle.contoso.com", False, "not a hyphen"),
    ("bi cycle.contoso.com", False, "' ' is not allowed"),
    ("a" * 64 + ".contoso.com", False, "64 characters; DNS allows 63"),
    (("a" * 60 + ".") * 5 + "com", False, "longer than DNS allows (253)"),
    ("http://bicycle.contoso.com/", False, "is a URL"),
    ("*.contoso.com", False, "not at all"),
    ("10.0.0.1", False, "looks like an IP address"),
    ("apps.contoso.com", True, "must start with '*.'"),
    ("*.com", True, "too broad"),
    ("*.*.contoso.com", True, "only as the whole first label"),
])
def test_dns_name_rejects_with_the_field_named(value: str, wildcard: bool, expected: str) -> None:
    error = dns_name_error(value, "Listener host name", wildcard=wildcard)
    assert error is not None and error.startswith("Listener host name: ") and expected in error
