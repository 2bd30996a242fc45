"""Region capacity: availability zones, vCPU quota (regional and per VM family), VM sizes
offered in every zone, public IP quota and the firewall tier. All read from the real ARM
APIs (Compute SKUs and usages, Network usages and provider metadata, ARM validation)."""

from __future__ import annotations

from os.path import commonprefix
from typing import Any, Iterable, Mapping

from steps.node_pools import NodePool
from wizard.engine.contract import CheckStatus, Finding, StepContext

REQUIRED_ZONES = {"1", "2", "3"}
MAX_SUGGESTED_REGIONS = 4
ZONAL_RESOURCE_TYPES = ("azureFirewalls", "publicIPAddresses")  # what the hub spreads over zones
ZONE_REGIONS_DOC = "https://learn.microsoft.com/azure/reliability/availability-zones-region-support"


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


def capability(sku: Any, name: str) -> str | None:
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
            where = f"only in zones {', '.join(sorted(zones))}" if zones else "in no availability zone"
            problems.append(f"{pool.vm_size} ({pool.name}) is offered {where} of {region}; the baseline spreads "
                            "nodes over zones 1, 2 and 3")
    evidence = {"region": region, "sizes": rows}
    if problems:
        sizes = sorted({p.vm_size for p in pools})
        return Finding(CheckStatus.FAIL, "; ".join(problems) + ".", evidence,
                       f"Pick sizes offered in all three zones of {region} (cluster step), or choose another "
                       "region in the Prerequisites step. To see where a size is offered, by zone: "
                       f"`az vm list-skus --size {sizes[0]} --zone --all -o table`.")
    return Finding(CheckStatus.PASS, f"Node pool sizes offered in zones 1-3 of {region}.", evidence)


def check_region_zones(ctx: StepContext, region: str, pools: tuple[NodePool, ...]) -> Finding:
    """Zones as the Compute SKU catalogue reports them for the region. On failure the remedy names
    regions that do offer zones 1-3 (from the Network provider's zone mappings, one more call made
    only then), never the region that just failed."""
    skus = vm_skus(ctx, region, [p.vm_size for p in pools])
    zones: set[str] = set()
    for sku in skus.values():
        for info in sku.location_info or []:
            if (info.location or "").lower() == region.lower():
                zones.update(info.zones or [])
    evidence: dict[str, Any] = {"region": region, "zones": sorted(zones)}
    if skus and REQUIRED_ZONES <= zones:
        return Finding(CheckStatus.PASS, f"{region} has availability zones 1, 2 and 3.", evidence)
    suggested = _suggestions(ctx, region)
    evidence["suggested_regions"] = suggested
    if not skus:
        return Finding(CheckStatus.FAIL, f"No VM sizes found in {region}: is the region name right?", evidence,
                       "Use the short region name" + _for_example(suggested) + " (`az account list-locations "
                       "-o table` lists them in its Name column).")
    return Finding(CheckStatus.FAIL, f"{region} offers zones {sorted(zones) or 'none'}; the baseline needs 1, 2 "
                   "and 3.", evidence, choose_zonal_region_remedy(suggested, '"Region" in the Prerequisites step'))


def _network_provider(ctx: StepContext) -> dict[str, Any]:
    return dict(_azure(ctx).resources().providers.get("Microsoft.Network").as_dict())


def _suggestions(ctx: StepContext, failing: str) -> list[str]:
    """Zonal regions to offer instead of ``failing``. They are a courtesy: when Azure cannot list
    them, the finding stands without them rather than becoming an error."""
    from azure.core.exceptions import AzureError  # the SDK loads when a check runs, not with the step list

    try:
        return suggest_zonal_regions(zonal_regions(_network_provider(ctx)), failing)
    except AzureError:
        return []


def zonal_regions(provider: Mapping[str, Any], resource_types: Iterable[str] = ZONAL_RESOURCE_TYPES) -> list[str]:
    """Short names of the regions where every one of ``resource_types`` offers zones 1-3, read from
    the provider's ``zoneMappings`` (Azure lists display names there, e.g. "East US 2")."""
    wanted = set(resource_types)
    per_type: dict[str, set[str]] = {}
    for rtype in provider.get("resourceTypes", []):
        if rtype.get("resourceType") in wanted:
            per_type[rtype["resourceType"]] = {
                _short_name(m.get("location", "")) for m in rtype.get("zoneMappings") or []
                if REQUIRED_ZONES <= set(m.get("zones") or [])}
    if set(per_type) != wanted:
        return []
    return sorted(set.intersection(*per_type.values())) if per_type else []


def suggest_zonal_regions(regions: Iterable[str], failing: str, limit: int = MAX_SUGGESTED_REGIONS) -> list[str]:
    """Regions to offer instead of ``failing``: never ``failing`` itself, closest names first
    (``eastus2`` → ``eastus``, ``eastus3``: names sharing a prefix are usually the same geography,
    which keeps latency and data residency close to what the operator chose)."""
    bad = _short_name(failing)
    others = [r for r in dict.fromkeys(_short_name(r) for r in regions) if r and r != bad]
    others.sort(key=lambda r: (-len(commonprefix([r, bad])), r))
    return others[:limit]


def choose_zonal_region_remedy(suggested: list[str], field: str) -> str:
    """One wording for every "this region has no zones" failure, with real alternatives or none.
    ``field`` says where the region is chosen, e.g. '"Region" in the Prerequisites step'."""
    if suggested:
        return (f"Set {field} to a region with availability zones 1, 2 and 3. Regions that offer them to "
                f"your subscription: {', '.join(suggested)}.")
    return (f"Set {field} to a region with availability zones 1, 2 and 3 (Azure lists them at "
            f"{ZONE_REGIONS_DOC}).")


def _for_example(suggested: list[str]) -> str:
    return f", e.g. {', '.join(suggested[:2])}" if suggested else ""


def _short_name(display_or_name: str) -> str:
    """ "East US 2" → "eastus2": Azure's short names are the display names without spaces, lowercased."""
    return display_or_name.replace(" ", "").lower()


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
        vcpus = int(capability(sku, "vCPUs") or 0)
        for key in ("cores", sku.family):
            need_start[key] = need_start.get(key, 0) + pool.vcpus_at_start(vcpus)
            need_peak[key] = need_peak.get(key, 0) + pool.vcpus_at_peak(vcpus)
    rows, fails, warns, fine = [], [], [], []
    for key, start in need_start.items():
        usage = usages.get(key)
        if usage is None:
            warns.append(f"Azure reported no quota entry for {key}, so it cannot be compared")
            continue
        free = int(usage.limit) - int(usage.current_value)
        label = usage.name.localized_value or key
        rows.append({"quota": key, "label": label, "unit": "vCPUs", "limit": usage.limit,
                     "used": usage.current_value, "free": free, "needed_at_start": start,
                     "needed_at_peak": need_peak[key]})
        context = f"(limit {usage.limit}, {usage.current_value} in use)"
        if free < start:
            fails.append(f"{label}: {free} free, {start} needed at start {context}")
        elif free < need_peak[key]:
            warns.append(f"{label}: {free} free, {need_peak[key]} needed at peak {context}")
        else:
            fine.append(f"{label}: {free} free, {need_peak[key]} needed at peak {context}")
    evidence = {"region": region, "quotas": rows}
    if fails:
        return Finding(CheckStatus.FAIL, f"Not enough vCPU quota in {region}: " + "; ".join(fails) + ".",
                       evidence, "Request a vCPU quota increase for this region and family (Portal > Quotas > "
                       "Compute) before deploying the cluster; QuotaExceeded would stop it halfway.")
    if warns:
        return Finding(CheckStatus.WARN, f"vCPU quota in {region}: " + "; ".join(warns) + ".", evidence, "The cluster deploys, but scaling out or upgrading may fail (peak = "
                       "autoscale maximum plus upgrade surge). Request more quota, or override if you will keep "
                       "the cluster small.")
    return Finding(CheckStatus.PASS, f"Enough vCPU quota in {region}: " + "; ".join(fine) + ".", evidence)


def check_public_ip_quota(ctx: StepContext, region: str, needed: int | Mapping[str, int]) -> Finding:
    """Standard public IPs free (limit minus in use) against what the hub needs. ``needed`` may be
    what needs them → count (e.g. {"Azure Firewall": 3, "Bastion": 1}), so the message says where
    the total comes from instead of a bare number that differs from the firewall field."""
    parts = dict(needed) if isinstance(needed, Mapping) else {}
    total = sum(parts.values()) if parts else int(needed)  # type: ignore[arg-type]
    usages = {u.name.value: u for u in _azure(ctx).network().usages.list(region)}
    usage = usages.get("StandardSkuPublicIpAddresses") or usages.get("PublicIPAddresses")
    if usage is None:
        return Finding(CheckStatus.WARN, f"Azure reported no Standard public IP quota for {region}.",
                       {"region": region, "needed": total, "needed_by": parts},
                       "Check Portal > Quotas > Networking before deploying.")
    free = int(usage.limit) - int(usage.current_value)
    evidence = {"region": region, "quota": usage.name.value, "unit": "Standard public IP addresses",
                "limit": usage.limit, "used": usage.current_value, "free": free, "needed": total,
                "needed_by": parts}
    why = " (" + " + ".join(f"{n} for {what}" for what, n in parts.items()) + ")" if parts else ""
    summary = (f"{free} Standard public IPs free in {region} (limit {usage.limit}, {usage.current_value} in use); "
               f"the hub needs {total}{why}")
    if free < total:
        return Finding(CheckStatus.FAIL, f"{summary}: {total - free} short.", evidence,
                       f"Request a Standard public IP quota increase of at least {total - free} in {region} "
                       "(Portal > Quotas > Networking), or lower Firewall public IPs in this step (each one "
                       "removed also removes its SNAT ports).")
    return Finding(CheckStatus.PASS, f"{summary}.", evidence)


def check_network_zones(ctx: StepContext, region: str) -> Finding:
    """Zones for Azure Firewall and public IPs, from the Network provider's zone mappings. The same
    mappings list every other region, so the remedy offers ones that have zones 1-3."""
    provider = _network_provider(ctx)
    rows = {}
    for rtype in provider.get("resourceTypes", []):
        if rtype.get("resourceType") in ZONAL_RESOURCE_TYPES:
            zones: set[str] = set()
            for mapping in rtype.get("zoneMappings") or []:
                if _same_region(mapping.get("location", ""), region):
                    zones.update(mapping.get("zones") or [])
            rows[rtype["resourceType"]] = sorted(zones)
    evidence: dict[str, Any] = {"region": region, "zones": rows}
    short = [t for t, z in rows.items() if not REQUIRED_ZONES <= set(z)]
    if not rows or short:
        suggested = suggest_zonal_regions(zonal_regions(provider), region)
        evidence["suggested_regions"] = suggested
        return Finding(CheckStatus.FAIL, f"{region} does not offer zones 1-3 for " + (", ".join(short) or
                       "Azure Firewall") + ": a zone-redundant firewall and its public IPs need them.", evidence,
                       choose_zonal_region_remedy(suggested, '"Region" in this step'))
    return Finding(CheckStatus.PASS, f"Azure Firewall and public IPs are zone-redundant in {region}.", evidence)


def _same_region(display_or_name: str, region: str) -> bool:
    return _short_name(display_or_name) == _short_name(region)
