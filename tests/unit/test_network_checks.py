"""IP planning checks, exercised with the reference's own addresses and typical mistakes."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from checks.network import (
    check_firewall_public_ip_count,
    check_forbidden_ranges,
    check_no_overlap,
    check_subnets_in_vnet,
    cidr_error,
    cidr_validator,
    firewall_needs_management_subnet,
    hub_public_ip_needs,
    nth_usable,
    subnet_size_error,
    suggest_subnet_layout,
    usable_hosts,
)
from wizard.engine.contract import CheckStatus

HUB_SUBNETS = {
    "AzureFirewallSubnet": "10.200.0.0/26",
    "GatewaySubnet": "10.200.0.64/27",
    "AzureBastionSubnet": "10.200.0.128/26",
}


@pytest.mark.parametrize(("text", "expected"), [
    ("10.200.0.0/24", None),
    (" 10.240.0.0/16 ", None),
    ("10.200.0.5/24", "did you mean 10.200.0.0/24?"),
    ("10.200.0.0", "no prefix length"),
    ("10.300.0.0/24", "300 is larger than 255"),
    ("10.0.0.0/33", "prefix length /33 is larger than 32, the IPv4 maximum"),
    ("10.0.0.0/x", "whole number from 0 to 32"),
    ("10.0.0/24", "four numbers"),
    ("fd00::/8", "IPv6"),
    ("", "CIDR form"),
])
def test_cidr_error(text: str, expected: str | None) -> None:
    error = cidr_error(text)
    assert error is None if expected is None else (error is not None and expected in error)


@pytest.mark.parametrize(("name", "cidr", "min_prefix", "expected"), [
    ("AzureFirewallSubnet", "10.200.0.0/26", None, None),
    ("AzureFirewallSubnet", "10.200.0.0/27", None, "/26 or larger"),
    ("AzureFirewallManagementSubnet", "10.200.0.192/27", None, "/26 or larger"),
    ("GatewaySubnet", "10.200.0.64/27", None, None),
    ("GatewaySubnet", "10.200.0.64/28", None, "/27 or larger"),
    ("AzureBastionSubnet", "10.200.0.128/26", None, None),
    ("AzureBastionSubnet", "10.200.0.96/27", None, "reference hub templates default to 10.200.0.96/27"),
    ("snet-x", "10.240.4.0/30", None, "/29 or larger"),
    ("snet-apiserver", "10.240.7.0/28", 28, None),
    ("snet-appgw", "10.240.5.0/25", 24, "/24 or larger"),
    ("snet-x", "10.240.4.1/28", None, "did you mean"),
])
def test_subnet_size_error(name: str, cidr: str, min_prefix: int | None, expected: str | None) -> None:
    error = subnet_size_error(name, cidr, min_prefix)
    assert error is None if expected is None else (error is not None and expected in error)


def test_usable_hosts_subtracts_azure_reserved() -> None:
    assert usable_hosts(ip_network("10.200.0.0/26")) == 59


def test_subnets_in_vnet_pass_with_evidence() -> None:
    finding = check_subnets_in_vnet("10.200.0.0/24", HUB_SUBNETS)
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["subnets"]["GatewaySubnet"] == {"cidr": "10.200.0.64/27", "usable_hosts": 27}


@pytest.mark.parametrize(("subnets", "expected"), [
    ({**HUB_SUBNETS, "AzureBastionSubnet": "10.200.0.96/27"}, "/26 or larger"),
    ({**HUB_SUBNETS, "snet-extra": "10.201.0.0/28"}, "not inside the VNet"),
    ({**HUB_SUBNETS, "GatewaySubnet": "10.200.0.32/27"}, "overlaps"),
    ({**HUB_SUBNETS, "GatewaySubnet": "10.200.0.65/27"}, "did you mean"),
])
def test_subnets_in_vnet_fail(subnets: dict[str, str], expected: str) -> None:
    finding = check_subnets_in_vnet(["10.200.0.0/24"], subnets)
    assert finding.status is CheckStatus.FAIL
    assert expected in finding.remedy


def test_subnets_may_span_several_address_spaces() -> None:
    finding = check_subnets_in_vnet(["10.240.0.0/22", "10.241.0.0/24"], {"a": "10.240.0.0/22", "b": "10.241.0.0/28"})
    assert finding.status is CheckStatus.PASS


@pytest.mark.parametrize(("cidrs", "status", "expected"), [
    (["10.240.0.0/16", "172.16.0.0/16", "192.168.0.0/16", "100.64.0.0/16"], CheckStatus.PASS, ""),
    ({"service CIDR": "172.30.0.0/16"}, CheckStatus.FAIL, "service CIDR (172.30.0.0/16) is the AKS-reserved range"),
    (["172.16.0.0/12"], CheckStatus.FAIL, "172.31.0.0/16"),  # overlap, not just equality
    (["169.254.0.0/24"], CheckStatus.FAIL, "link-local"),
    (["168.63.0.0/16"], CheckStatus.FAIL, "168.63.129.16/32"),
    (["192.0.2.0/25"], CheckStatus.FAIL, "192.0.2.0/24"),
    (["224.1.0.0/16"], CheckStatus.FAIL, "multicast"),
    (["20.10.0.0/16"], CheckStatus.WARN, "RFC 1918"),
    (["10.0.0.1/8"], CheckStatus.FAIL, "did you mean"),
])
def test_forbidden_ranges(cidrs: object, status: CheckStatus, expected: str) -> None:
    finding = check_forbidden_ranges(cidrs)  # type: ignore[arg-type]
    assert finding.status is status
    assert expected in finding.summary + finding.remedy


def test_no_overlap_with_reference_plan() -> None:
    finding = check_no_overlap({"hub": "10.200.0.0/24", "spoke": "10.240.0.0/16",
                                "service CIDR": "172.16.0.0/16", "pod CIDR": "192.168.0.0/16"})
    assert finding.status is CheckStatus.PASS


@pytest.mark.parametrize(("ranges", "expected"), [
    ({"hub": "10.200.0.0/24", "spoke": "10.200.0.0/16"}, "hub (10.200.0.0/24) overlaps spoke (10.200.0.0/16)"),
    ({"pod CIDR": "192.168.0.0/16", "on-premises": "10.0.0.0/8, 192.168.10.0/24"}, "on-premises #2"),
    ({"hub": "10.200.0.0/24", "spoke": "bad"}, "not a valid IPv4 network"),
])
def test_no_overlap_names_each_overlap(ranges: dict[str, str], expected: str) -> None:
    finding = check_no_overlap(ranges)
    assert finding.status is CheckStatus.FAIL
    assert expected in finding.remedy


@pytest.mark.parametrize(("cidr", "n", "expected"), [
    ("10.200.0.0/26", 1, "10.200.0.4"),
    ("10.200.0.0/26", 59, "10.200.0.62"),
])
def test_nth_usable(cidr: str, n: int, expected: str) -> None:
    assert nth_usable(cidr, n) == expected


@pytest.mark.parametrize("n", [0, 60])
def test_nth_usable_out_of_range(n: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        nth_usable("10.200.0.0/26", n)


def test_default_hub_layout_matches_reference_topology() -> None:
    layout = suggest_subnet_layout("10.200.0.0/24")
    assert layout["fits"] is True
    assert layout["subnets"] == HUB_SUBNETS
    assert layout["firewall_private_ip"] == "10.200.0.4"
    assert check_subnets_in_vnet("10.200.0.0/24", layout["subnets"]).status is CheckStatus.PASS  # type: ignore[arg-type]


def test_hub_layout_with_management_subnet_in_larger_vnet() -> None:
    layout = suggest_subnet_layout("10.201.0.0/16", needs_firewall_management=True)
    assert layout["subnets"]["AzureFirewallManagementSubnet"] == "10.201.0.192/26"  # type: ignore[index]


def test_hub_layout_does_not_fit_small_vnet() -> None:
    layout = suggest_subnet_layout("10.200.0.0/25")
    assert layout["fits"] is False and "smaller than a /24" in str(layout["reason"])


@pytest.mark.parametrize(("tier", "forced", "expected"), [
    ("Basic", False, True), ("Premium", False, False), ("Standard", True, True),
])
def test_firewall_management_subnet_need(tier: str, forced: bool, expected: bool) -> None:
    assert firewall_needs_management_subnet(tier, forced) is expected


@pytest.mark.parametrize(("count", "status"), [
    (1, CheckStatus.WARN), (2, CheckStatus.PASS), (3, CheckStatus.PASS), (250, CheckStatus.PASS),
    (0, CheckStatus.FAIL), (251, CheckStatus.FAIL), (-1, CheckStatus.FAIL), (True, CheckStatus.FAIL),
])
def test_firewall_public_ip_count(count: int, status: CheckStatus) -> None:
    finding = check_firewall_public_ip_count(count)
    assert finding.status is status
    if status is CheckStatus.WARN:
        assert "SNAT" in finding.remedy and "3" in finding.remedy
    if status is CheckStatus.PASS:
        assert finding.evidence["snat_ports_per_instance"] == count * 2496


# -- messages name the field and say why ------------------------------------------------------------

@pytest.mark.parametrize("text", ["10.0.0.0/33", "10.300.0.0/24", "", "10.200.0.5/24", "10.0.0.0", "fd00::/8"])
def test_cidr_error_names_the_field_when_given_a_label(text: str) -> None:
    error = cidr_error(text, "Hub address space")
    assert error is not None and error.startswith("Hub address space: ")
    assert cidr_validator("Hub address space")(text, None) == error


def test_subnet_plan_names_the_address_space_field() -> None:
    finding = check_subnets_in_vnet("10.200.0.0/33", HUB_SUBNETS, space_label="Hub address space")
    assert finding.status is CheckStatus.FAIL
    assert "Hub address space: 10.200.0.0/33" in finding.remedy and "larger than 32" in finding.remedy
    outside = check_subnets_in_vnet("10.201.0.0/24", HUB_SUBNETS, space_label="Hub address space")
    assert "not inside the Hub address space" in outside.remedy


@pytest.mark.parametrize(("cidr", "relation", "reason"), [
    ("172.30.0.0/16", "is the AKS-reserved range 172.30.0.0/16", "AKS reserves these addresses"),
    ("172.30.4.0/24", "lies inside the AKS-reserved range 172.30.0.0/16", "AKS reserves"),
    ("172.16.0.0/12", "contains the AKS-reserved ranges 172.30.0.0/16 and 172.31.0.0/16", "AKS reserves"),
    ("168.63.0.0/16", "contains the Azure platform address 168.63.129.16/32", "Azure DNS"),
    ("169.254.0.0/24", "lies inside the link-local range", "link-local"),
])
def test_forbidden_range_message_names_field_range_and_reason(cidr: str, relation: str, reason: str) -> None:
    finding = check_forbidden_ranges({"Hub address space": cidr})
    assert finding.status is CheckStatus.FAIL
    assert finding.summary.startswith(f"Hub address space ({cidr})")
    assert f"Hub address space ({cidr}) {relation}" in finding.remedy and reason in finding.remedy
    assert f"{cidr} overlaps {cidr}" not in finding.remedy


def test_forbidden_range_advice_is_derived_from_the_tables() -> None:
    remedy = check_forbidden_ranges(["172.31.0.0/16"]).remedy
    assert remedy.startswith("The range 172.31.0.0/16 is the AKS-reserved range")
    assert "172.16.0.0/12 (outside 172.30.0.0/15)" in remedy


def test_snat_messages_give_units_and_count_bastion_separately() -> None:
    warn = check_firewall_public_ip_count(1)
    assert "20 public IPs" in warn.remedy and "Bastion" in warn.remedy
    ok = check_firewall_public_ip_count(3)
    assert "3 firewall public IPs" in ok.summary and "20 public IPs" in ok.summary and "Bastion" in ok.summary
    assert "near 20)" not in ok.summary + warn.remedy  # the bare number without its unit


@pytest.mark.parametrize(("ips", "management", "expected"), [
    (3, False, {"Azure Firewall": 3, "Bastion": 1}),
    (2, True, {"Azure Firewall": 2, "Bastion": 1, "the firewall management NIC": 1}),
])
def test_hub_public_ip_needs_is_firewall_plus_bastion(ips: int, management: bool, expected: dict[str, int]) -> None:
    needs = hub_public_ip_needs(ips, management)
    assert needs == expected and sum(needs.values()) == ips + 1 + int(management)


def test_a_range_is_refused_on_its_field_when_it_overlaps_the_hub() -> None:
    from checks.hub_link import outside_hub
    from wizard.engine.contract import StepContext

    validate = outside_hub("Spoke address space")
    ctx = StepContext("spoke", {}, {"hub": {"address_space": "10.200.0.0/24"}}, "rehearsal")
    assert "overlaps the hub's address space 10.200.0.0/24" in str(validate("10.200.0.0/16", ctx))
    assert validate("10.240.0.0/16", ctx) is None
    assert validate("not-a-cidr", ctx) is None  # the CIDR validator names that mistake
    assert validate("10.200.0.0/16", StepContext("spoke", {}, {}, "rehearsal")) is None  # no hub yet: the check reads ARM


def test_counts_read_as_a_person_would_say_them() -> None:
    from checks.wording import all_of

    assert [all_of(n, "name", "names") for n in (1, 2, 7)] == ["The name", "Both names", "All 7 names"]
