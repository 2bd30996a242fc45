"""The spoke's address-plan checks, each with an input that passes and one that fails
(the numbers from azure-facts.md §2.1-2.3)."""

from __future__ import annotations

import pytest

from checks import spoke_plan
from steps.node_pools import REFERENCE_POOLS
from wizard.engine.contract import CheckStatus

PASS, WARN, FAIL = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL


def test_peak_nodes_add_the_upgrade_surge_of_each_pool() -> None:
    nodes, parts = spoke_plan.peak_nodes(REFERENCE_POOLS)
    assert nodes == 4 + 2 + 5 + 2 and parts == ["npsystem 4 + 2 surge", "npuser01 5 + 2 surge"]
    shown = spoke_plan.check_node_capacity("10.240.0.0/22", "overlay", 250, REFERENCE_POOLS).summary
    assert "13 nodes at peak = npsystem 4 + 2 surge + npuser01 5 + 2 surge" in shown


@pytest.mark.parametrize("cidr, model, pods, status", [
    ("10.240.0.0/22", "overlay", 250, PASS),
    ("10.240.0.0/28", "overlay", 250, FAIL),  # 11 usable addresses for 13 nodes
    ("10.240.0.0/22", "flat", 30, PASS),      # 13 x 31 = 403 <= 1019
    ("10.240.0.0/24", "flat", 30, FAIL),      # 403 > 251
])
def test_node_capacity(cidr: str, model: str, pods: int, status: CheckStatus) -> None:
    finding = spoke_plan.check_node_capacity(cidr, model, pods, REFERENCE_POOLS)
    assert finding.status is status, finding.summary
    if status is FAIL:
        assert "/" in finding.remedy and str(finding.evidence["needed"]) in finding.summary


def test_flat_cni_shows_the_formula_and_suggests_a_size() -> None:
    finding = spoke_plan.check_node_capacity("10.240.0.0/24", "flat", 30, REFERENCE_POOLS)
    assert "x (30 pods + 1) = 403" in finding.summary and "/23" in finding.remedy and "Overlay" in finding.remedy


@pytest.mark.parametrize("ip, status, words", [
    ("10.240.4.4", PASS, "usable"),
    ("10.240.4.3", FAIL, "reserves"),
    ("10.240.4.15", FAIL, "last address"),
    ("10.240.5.4", FAIL, "outside"),
    ("10.240.4", FAIL, "not an IPv4"),
])
def test_ingress_ip(ip: str, status: CheckStatus, words: str) -> None:
    finding = spoke_plan.check_ingress_ip("10.240.4.0/28", ip)
    assert finding.status is status and words in finding.summary


@pytest.mark.parametrize("cidr, dns, status", [
    ("172.16.0.0/16", "172.16.0.10", PASS),
    ("172.16.0.0/11", "172.16.0.10", FAIL),  # more than 20 host bits
    ("172.16.0.0/16", "172.16.0.1", FAIL),   # kubernetes.default's address
    ("172.16.0.0/16", "172.17.0.10", FAIL),  # outside the range
])
def test_service_range(cidr: str, dns: str, status: CheckStatus) -> None:
    assert spoke_plan.check_service_range(cidr, dns).status is status


def test_app_gateway_subnet_smaller_than_a_24_warns() -> None:
    assert spoke_plan.check_app_gateway_subnet("10.240.5.0/24").status is PASS
    small = spoke_plan.check_app_gateway_subnet("10.240.5.0/26")
    assert small.status is WARN and "rebuilt" in small.summary


def test_vnet_integration_is_refused_where_it_is_not_offered() -> None:
    refused = spoke_plan.check_api_server_mode("qatarcentral", "vnet-integration", ["qatarcentral"], "docs")
    assert refused.status is FAIL and "Private link" in refused.remedy
    assert spoke_plan.check_api_server_mode("qatarcentral", "private-link", ["qatarcentral"], "docs").status is PASS
    assert spoke_plan.check_api_server_mode("eastus2", "vnet-integration", ["qatarcentral"], "docs").status is PASS


def test_the_firewall_as_dns_server_needs_its_dns_proxy() -> None:
    assert spoke_plan.check_dns("firewall", False).status is FAIL
    assert spoke_plan.check_dns("firewall", True).status is PASS
    assert spoke_plan.check_dns("azure", False).status is PASS
