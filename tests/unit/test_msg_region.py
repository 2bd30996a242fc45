"""Region checks' messages with a small in-memory Azure: the no-zones remedy offers only
regions that have zones (never the one that failed), and quota findings use one vocabulary
(free, limit, in use, needed) whether they pass or fail."""

from __future__ import annotations

from types import SimpleNamespace as NS
from typing import Any

import pytest

from checks import region
from checks.network import hub_public_ip_needs
from steps.node_pools import REFERENCE_POOLS
from wizard.engine.contract import CheckStatus, StepContext

# region → zones, as the Network provider's zoneMappings report them (display names).
ZONES = {"East US 2": ["1", "2", "3"], "East US": ["1", "2", "3"], "Central US": ["1", "2", "3"],
         "West Europe": ["1", "2", "3"], "West Central US": [], "North Central US": ["1"]}


def _sku(name: str, location: str, zones: list[str], vcpus: int) -> Any:
    return NS(resource_type="virtualMachines", name=name, family="standardDDv5Family", restrictions=[],
              location_info=[NS(location=location, zones=zones)], capabilities=[NS(name="vCPUs", value=str(vcpus))])


def _usage(key: str, limit: int, used: int, label: str) -> Any:
    return NS(name=NS(value=key, localized_value=label), limit=limit, current_value=used)


def _azure(zones: dict[str, list[str]], compute_free: int = 96, public_ip_limit: int = 100,
           public_ip_used: int = 2) -> Any:
    def skus(filter: str) -> list[Any]:  # noqa: A002 - the SDK's keyword
        wanted = filter.split("'")[1]
        offered = {r.replace(" ", "").lower(): z for r, z in zones.items()}
        if wanted not in offered:
            return []
        return [_sku("Standard_D2d_v5", wanted, offered[wanted], 2), _sku("Standard_D4d_v5", wanted, offered[wanted], 4)]

    compute_usages = [_usage("cores", 100, 100 - compute_free, "Total Regional vCPUs"),
                      _usage("standardDDv5Family", 100, 100 - compute_free, "Standard DDv5 Family vCPUs")]
    network_usages = [_usage("StandardSkuPublicIpAddresses", public_ip_limit, public_ip_used, "Standard IPs")]
    mappings = [{"location": r, "zones": z} for r, z in zones.items() if z]
    provider = {"resourceTypes": [{"resourceType": t, "zoneMappings": mappings}
                                  for t in ("azureFirewalls", "publicIPAddresses")]}
    return NS(compute=lambda: NS(resource_skus=NS(list=skus), usage=NS(list=lambda r: compute_usages)),
              network=lambda: NS(usages=NS(list=lambda r: network_usages)),
              resources=lambda: NS(providers=NS(get=lambda ns: NS(as_dict=lambda: provider))))


def _ctx(azure: Any) -> StepContext:
    return StepContext("prerequisites", {}, {}, "rehearsal", azure=azure)


@pytest.mark.parametrize("failing", ["eastus2", "westcentralus"])
def test_no_zones_remedy_suggests_only_zonal_regions_never_the_failing_one(failing: str) -> None:
    zones = {**ZONES, "East US 2": [] if failing == "eastus2" else ["1", "2", "3"]}
    finding = region.check_region_zones(_ctx(_azure(zones)), failing, REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    suggested = finding.evidence["suggested_regions"]
    assert suggested and failing not in suggested
    assert set(suggested) <= {"eastus2", "eastus", "centralus", "westeurope"}
    assert "northcentralus" not in suggested  # one zone is not three
    assert failing not in finding.remedy.split("your subscription:")[1]
    for name in suggested:
        assert name in finding.remedy


def test_suggestions_put_the_nearest_names_first() -> None:
    assert region.suggest_zonal_regions(["westeurope", "eastus", "centralus", "eastus3"], "eastus2")[:2] == [
        "eastus", "eastus3"]
    assert region.suggest_zonal_regions(["eastus2"], "East US 2") == []


def test_firewall_zones_remedy_comes_from_the_same_mappings() -> None:
    zones = {**ZONES, "East US 2": []}
    finding = region.check_network_zones(_ctx(_azure(zones)), "eastus2")
    assert finding.status is CheckStatus.FAIL
    assert "eastus2" not in finding.evidence["suggested_regions"] and "eastus" in finding.remedy
    assert "eastus2" not in finding.remedy


def test_no_zones_anywhere_points_at_the_documentation_instead() -> None:
    zones = {r: [] for r in ZONES}
    finding = region.check_network_zones(_ctx(_azure(zones)), "eastus2")
    assert finding.status is CheckStatus.FAIL and region.ZONE_REGIONS_DOC in finding.remedy


def test_vm_size_remedy_suggests_no_region_it_has_not_checked() -> None:
    zones = {**ZONES, "East US 2": ["1", "2"]}
    finding = region.check_vm_sizes(_ctx(_azure(zones)), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    assert "e.g. eastus2" not in finding.remedy and "az vm list-skus" in finding.remedy


def test_public_ip_quota_pass_and_fail_say_the_same_things() -> None:
    needs = hub_public_ip_needs(3)
    ok = region.check_public_ip_quota(_ctx(_azure(ZONES)), "eastus2", needs)
    short = region.check_public_ip_quota(_ctx(_azure(ZONES, public_ip_limit=5, public_ip_used=3)), "eastus2", needs)
    assert ok.status is CheckStatus.PASS and short.status is CheckStatus.FAIL
    for finding, free, limit, used in ((ok, 98, 100, 2), (short, 2, 5, 3)):
        assert finding.summary.startswith(f"{free} Standard public IPs free in eastus2 (limit {limit}, {used} in use)")
        assert "the hub needs 4 (3 for Azure Firewall + 1 for Bastion)" in finding.summary
        assert finding.evidence["needed_by"] == needs and finding.evidence["unit"] == "Standard public IP addresses"
    assert short.summary.endswith(": 2 short.") and "at least 2" in short.remedy


def test_public_ip_quota_still_takes_a_plain_count() -> None:
    finding = region.check_public_ip_quota(_ctx(_azure(ZONES)), "eastus2", 99)
    assert finding.status is CheckStatus.FAIL and "the hub needs 99" in finding.summary


@pytest.mark.parametrize(("free", "status", "phrase"), [
    (96, CheckStatus.PASS, "96 free, 40 needed at peak"),
    (26, CheckStatus.WARN, "26 free, 40 needed at peak"),
    (6, CheckStatus.FAIL, "6 free, 14 needed at start"),
])
def test_vcpu_quota_uses_one_vocabulary(free: int, status: CheckStatus, phrase: str) -> None:
    finding = region.check_vcpu_quota(_ctx(_azure(ZONES, compute_free=free)), "eastus2", REFERENCE_POOLS)
    assert finding.status is status
    assert f"Total Regional vCPUs: {phrase} (limit 100, {100 - free} in use)" in finding.summary
    assert all(row["unit"] == "vCPUs" for row in finding.evidence["quotas"])


@pytest.mark.parametrize(("zones", "phrase"), [([], "is offered in no availability zone of eastus2"),
                                               (["1", "2"], "is offered only in zones 1, 2 of eastus2")])
def test_vm_size_summary_reads_as_a_sentence(zones: list[str], phrase: str) -> None:
    finding = region.check_vm_sizes(_ctx(_azure({**ZONES, "East US 2": zones})), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL and phrase in finding.summary and "zones none" not in finding.summary
