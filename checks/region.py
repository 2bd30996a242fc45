"""Region capacity: availability zones, vCPU quota (regional and per VM family), VM sizes
offered in every zone, public IP quota and the firewall tier. All read from the real ARM
APIs (Compute SKUs and usages, Network usages and provider metadata, ARM validation)."""

from __future__ import annotations

from typing import Any, Iterable

from steps.node_pools import NodePool
from wizard.engine.contract import CheckStatus, Finding, StepContext

REQUIRED_ZONES = {"1", "2", "3"}


def _azure(ctx: StepContext) -> Any:
    assert ctx.azure is not None
    return ctx.azure


def vm_skus(ctx: StepContext, region: str, names: Iterable[str]) -> dict[str, Any]:
    wanted = {n.lower() for n in names}
    out: dict[str, Any] = {}
    for sku in _azure(ctx).compute().resource_skus.list(filter=f"location eq '{region}'"):
        if sku.resource_type == "virtualMachines" and (sku.name or "").lower() in wanted:
            out[sku.name.lower()] = sku
    return out


def _capability(sku: Any, name: str) -> str | None:
    for cap in sku.capabilities or []:
        if cap.name == name:
            return cap.value
    return None


def _zones(sku: Any, region: str) -> set[str]:
    zones: set[str] = set()
    for info in sku.location_info or []:
        if (info.location or "").lower() == region.lower():
            zones.update(info.zones or [])
    for restriction in sku.restrictions or []:
        blocked = getattr(restriction.restriction_info, "zones", None) or []
        if restriction.type == "Zone":
            zones.difference_update(blocked)
        elif restriction.type == "Location":
            zones.clear()
    return zones


def check_vm_sizes(ctx: StepContext, region: str, pools: tuple[NodePool, ...]) -> Finding:
    skus = vm_skus(ctx, region, [p.vm_size for p in pools])
    rows, problems = [], []
    for pool in pools:
        sku = skus.get(pool.vm_size.lower())
        if sku is None:
            problems.append(f"{pool.vm_size} ({pool.name}) is not offered in {region}")
            rows.append({"pool": pool.name, "size": pool.vm_size, "offered": False})
            continue
        zones = _zones(sku, region)
        rows.append({"pool": pool.name, "size": pool.vm_size, "offered": True, "zones": sorted(zones),
                     "family": sku.family})
        if not REQUIRED_ZONES <= zones:
            problems.append(f"{pool.vm_size} ({pool.name}) is available in zones {sorted(zones) or 'none'} "
                            f"of {region}, the baseline spreads nodes over zones 1-3")
    evidence = {"region": region, "sizes": rows}
    if problems:
        return Finding(CheckStatus.FAIL, "; ".join(problems) + ".", evidence,
                       "Choose a region where these sizes are offered in all three zones (e.g. eastus2), or "
                       "pick other sizes in the cluster step.")
    return Finding(CheckStatus.PASS, f"Node pool sizes offered in zones 1-3 of {region}.", evidence)


def check_region_zones(ctx: StepContext, region: str, pools: tuple[NodePool, ...]) -> Finding:
    """Zones as the Compute SKU catalogue reports them for the region."""
    skus = vm_skus(ctx, region, [p.vm_size for p in pools])
    zones: set[str] = set()
    for sku in skus.values():
        for info in sku.location_info or []:
            if (info.location or "").lower() == region.lower():
                zones.update(info.zones or [])
    evidence = {"region": region, "zones": sorted(zones)}
    if not skus:
        return Finding(CheckStatus.FAIL, f"No VM sizes found in {region}: is the region name right?", evidence,
                       "Use the short region name, e.g. eastus2 (see `az account list-locations -o table`).")
    if not REQUIRED_ZONES <= zones:
        return Finding(CheckStatus.FAIL, f"{region} offers zones {sorted(zones) or 'none'}; the baseline needs 1, 2 "
                       "and 3.", evidence, "Choose a region with three availability zones (e.g. eastus2, westeurope).")
    return Finding(CheckStatus.PASS, f"{region} has availability zones 1, 2 and 3.", evidence)


def check_vcpu_quota(ctx: StepContext, region: str, pools: tuple[NodePool, ...]) -> Finding:
    azure = _azure(ctx)
    skus = vm_skus(ctx, region, [p.vm_size for p in pools])
    usages = {u.name.value: u for u in azure.compute().usage.list(region)}
    need_start: dict[str, int] = {"cores": 0}
    need_peak: dict[str, int] = {"cores": 0}
    for pool in pools:
        sku = skus.get(pool.vm_size.lower())
        if sku is None:
            continue
        vcpus = int(_capability(sku, "vCPUs") or 0)
        for key in ("cores", sku.family):
            need_start[key] = need_start.get(key, 0) + pool.vcpus_at_start(vcpus)
            need_peak[key] = need_peak.get(key, 0) + pool.vcpus_at_peak(vcpus)
    rows, fails, warns = [], [], []
    for key, start in need_start.items():
        usage = usages.get(key)
        if usage is None:
            warns.append(f"no usage entry for {key}")
            continue
        free = int(usage.limit) - int(usage.current_value)
        label = usage.name.localized_value or key
        rows.append({"quota": key, "label": label, "limit": usage.limit, "used": usage.current_value,
                     "free": free, "needed_at_start": start, "needed_at_peak": need_peak[key]})
        if free < start:
            fails.append(f"{label}: {free} free, {start} needed at start")
        elif free < need_peak[key]:
            warns.append(f"{label}: {free} free, {need_peak[key]} needed at autoscale maximum plus upgrade surge")
    evidence = {"region": region, "quotas": rows}
    if fails:
        return Finding(CheckStatus.FAIL, "; ".join(fails) + ".", evidence,
                       "Request a vCPU quota increase for this region and family (Portal > Quotas > Compute) "
                       "before deploying the cluster; QuotaExceeded would stop it halfway.")
    if warns:
        return Finding(CheckStatus.WARN, "; ".join(warns) + ".", evidence,
                       "The cluster deploys, but scaling out or upgrading may fail. Request more quota, or "
                       "override if you will keep the cluster small.")
    return Finding(CheckStatus.PASS, "Enough vCPU quota: " + ", ".join(
        f"{r['label']} {r['free']} free ≥ {r['needed_at_peak']}" for r in rows), evidence)


def check_public_ip_quota(ctx: StepContext, region: str, needed: int) -> Finding:
    usages = {u.name.value: u for u in _azure(ctx).network().usages.list(region)}
    usage = usages.get("StandardSkuPublicIpAddresses") or usages.get("PublicIPAddresses")
    if usage is None:
        return Finding(CheckStatus.WARN, "Azure reported no public IP quota for this region.",
                       {"region": region}, "Check Portal > Quotas > Networking before deploying.")
    free = int(usage.limit) - int(usage.current_value)
    evidence = {"region": region, "quota": usage.name.value, "limit": usage.limit, "used": usage.current_value,
                "needed": needed}
    if free < needed:
        return Finding(CheckStatus.FAIL, f"{free} Standard public IPs free in {region}, this hub needs {needed}.",
                       evidence, "Request a public IP quota increase, or lower the number of firewall public IPs.")
    return Finding(CheckStatus.PASS, f"{free} Standard public IPs free; the hub needs {needed}.", evidence)


def check_network_zones(ctx: StepContext, region: str) -> Finding:
    """Zones for Azure Firewall and public IPs, from the Network provider's zone mappings."""
    provider = _azure(ctx).resources().providers.get("Microsoft.Network").as_dict()
    rows = {}
    for rtype in provider.get("resourceTypes", []):
        if rtype.get("resourceType") in ("azureFirewalls", "publicIPAddresses"):
            zones: set[str] = set()
            for mapping in rtype.get("zoneMappings") or []:
                if _same_region(mapping.get("location", ""), region):
                    zones.update(mapping.get("zones") or [])
            rows[rtype["resourceType"]] = sorted(zones)
    evidence = {"region": region, "zones": rows}
    short = [t for t, z in rows.items() if not REQUIRED_ZONES <= set(z)]
    if not rows or short:
        return Finding(CheckStatus.FAIL, f"{region} does not offer zones 1-3 for " + (", ".join(short) or
                       "Azure Firewall") + ".", evidence,
                       "Choose a region with three availability zones; a zone-redundant firewall needs them.")
    return Finding(CheckStatus.PASS, f"Azure Firewall and public IPs are zone-redundant in {region}.", evidence)


def _same_region(display_or_name: str, region: str) -> bool:
    return display_or_name.replace(" ", "").lower() == region.replace(" ", "").lower()
