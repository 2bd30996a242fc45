"""The checks ARM's validation (and the resource providers' preflight) would make.

Each problem becomes an error detail with the code Azure uses, so the wizard shows learners
the same messages they would meet in a real subscription."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wizard.rehearsal import kubernetes_versions, permissions, policy_rules
from wizard.rehearsal.api_versions import template_resource_problem
from wizard.rehearsal.http_types import being_deleted
from wizard.rehearsal.routes_capacity import public_ips_in_model
from wizard.rehearsal.scenario import normalize_location
from wizard.rehearsal.template_evaluation import Plan, PlannedResource
from wizard.rehearsal.world import World

NON_REGIONAL = {"global", ""}
SKIP_TYPES = {"microsoft.resources/deployments"}
FIREWALL_TYPES = {"microsoft.network/azurefirewalls", "microsoft.network/firewallpolicies"}


def _detail(code: str, message: str, target: str) -> dict[str, Any]:
    return {"code": code, "message": message, "target": target}


def _short(res: PlannedResource) -> str:
    return f"{res.type}/{res.name}"


@dataclass
class Validation:
    """Preflight's answer: problems it found, and the nested deployments it could not
    preflight because they deploy into resource groups that do not exist yet (ARM
    short-circuits those and validates them only when they start, during the deployment)."""

    details: list[dict[str, Any]] = field(default_factory=list)
    deferred: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # nested id -> its problems
    short_circuited: dict[str, str] = field(default_factory=dict)  # nested deployment id -> why, in plan order
    skipped: set[str] = field(default_factory=set)  # lower-case ids of the resources inside those


SHORT_CIRCUITED = "A nested deployment got short-circuited and all its resources got skipped from validation."


def skip_reason(dep: PlannedResource, world: World, subscription_id: str) -> str | None:
    """Why ARM cannot expand a nested deployment before it runs, or None if it can."""
    if dep.runtime_inputs:
        return (f"{SHORT_CIRCUITED} This is due to a nested template having a parameter that was not fully "
                "evaluated (e.g. contains a reference() function).")
    if dep.target_group and world.model.resource_group(subscription_id, dep.target_group) is None:
        return (f"{SHORT_CIRCUITED} This is due to a nested template deploying into resource group "
                f"'{dep.target_group}', which does not exist yet; its resources are validated when it starts.")
    return None


def short_circuit_roots(plan: Plan, world: World, subscription_id: str,
                        runtime_only: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """(resource id (lower) -> id of the outermost nested deployment ARM skips, skipped id -> why).
    ``runtime_only`` keeps only what what-if cannot expand (it does expand into new groups)."""
    deployments = {r.id.lower(): r for r in plan.resources if r.type.lower() in SKIP_TYPES}
    out: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for res in plan.resources:
        chain, cursor = [], res.nested_in
        while cursor and cursor.lower() in deployments:
            chain.append(deployments[cursor.lower()])
            cursor = deployments[cursor.lower()].nested_in
        for dep in reversed(chain):  # outermost first
            reason = skip_reason(dep, world, subscription_id)
            if reason and (not runtime_only or dep.runtime_inputs):
                out[res.id.lower()] = dep.id
                reasons.setdefault(dep.id, reason)
                break
    return out, reasons


def validate_plan(plan: Plan, world: World, subscription_id: str, preflight: bool = True) -> Validation:
    """``preflight`` False checks everything (what-if asks every provider, short-circuit or not)."""
    result = Validation()
    roots, reasons = short_circuit_roots(plan, world, subscription_id, runtime_only=not preflight)
    result.short_circuited = reasons
    result.skipped = set(roots)
    new_pips: dict[str, int] = {}
    for res in plan.resources:
        sink = result.deferred.setdefault(roots[res.id.lower()], []) if res.id.lower() in roots else result.details
        sink.extend(_api_version(res))
        sink.extend(_group_conflicts(res, world, subscription_id))
        refused = permissions.write_refusal(world.scenario, res.type, res.name, res.id)
        if refused:
            sink.append(refused)
        if res.type.lower() in SKIP_TYPES:
            continue
        sink.extend(_provider_registered(res, world, subscription_id))
        # ARM's preflight evaluates deny policies; the assignments already in the subscription
        # count (one this same deployment creates does not: see policy_rules).
        sink.extend(policy_rules.denials(world.model, world.scenario, res.id, res.type, res.name, res.declared))
        loc = normalize_location(res.location or "")
        if loc in NON_REGIONAL:
            continue
        region = world.scenario.region(loc)
        unavailable = {t.lower() for t in (region or {}).get("unavailableResourceTypes", [])}
        if region is None or res.type.lower() in unavailable:
            offered = [n for n, r in world.scenario.regions.items()
                       if res.type.lower() not in {t.lower() for t in r.get("unavailableResourceTypes", [])}]
            sink.append(_detail("LocationNotAvailableForResourceType",
                                f"The provided location '{res.location}' is not available for resource type "
                                f"'{res.type}'. List of available regions for the resource type is "
                                f"'{','.join(offered)}'.", res.id))
            continue
        sink.extend(_zones(res, region, loc))
        sink.extend(_firewall_tier(res, region, loc))
        sink.extend(_kubernetes_version(res, world, region))
        if res.type.lower() == "microsoft.network/publicipaddresses" and world.model.resource(res.id) is None \
                and sink is result.details:
            new_pips[loc] = new_pips.get(loc, 0) + 1
    result.details.extend(_pip_quota(new_pips, world, subscription_id, plan))
    result.deferred = {k: v for k, v in result.deferred.items() if v}
    return result


def _group_conflicts(res: PlannedResource, world: World, sub: str) -> list[dict[str, Any]]:
    """A resource group a template declares, or deploys into, must not be on its way out, and
    an existing group cannot move: ARM refuses both before anything runs."""
    if res.type.lower() == "microsoft.resources/resourcegroups":
        name = res.name
    elif res.type.lower() in SKIP_TYPES and res.target_group:
        name = res.target_group
    else:
        return []
    group = world.model.resource_group(sub, name)
    if group is None:
        return []
    if group.get("properties", {}).get("provisioningState") == "Deleting":
        err = being_deleted(group["name"])
        return [_detail(err.code, err.message, res.id)]
    wanted = normalize_location(res.location or "")
    if res.type.lower() == "microsoft.resources/resourcegroups" and wanted and \
            wanted != normalize_location(group["location"]):
        return [_detail("InvalidResourceGroupLocation", f"Invalid resource group location '{res.location}'. The "
                        f"Resource group already exists in location '{group['location']}'.", res.id)]
    return []


def _api_version(res: PlannedResource) -> list[dict[str, Any]]:
    problem = template_resource_problem(res.type, res.api_version, normalize_location(res.location or ""),
                                        res.name)
    return [_detail(problem[0], problem[1], res.id)] if problem else []


def _provider_registered(res: PlannedResource, world: World, sub: str) -> list[dict[str, Any]]:
    from wizard.rehearsal.routes_providers import provider_state

    namespace = res.type.split("/")[0]
    if namespace.lower() in ("microsoft.resources", "microsoft.authorization"):
        return []
    if provider_state(world, sub, namespace) == "Registered":
        return []
    return [_detail("MissingSubscriptionRegistration", f"The subscription is not registered to use namespace "
                    f"'{namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.", res.id)]


def _zones(res: PlannedResource, region: dict[str, Any], loc: str) -> list[dict[str, Any]]:
    wanted = [str(z) for z in (res.declared.get("zones") or [])]
    if not wanted:
        return []
    offered = [str(z) for z in region.get("zones", [])]
    if all(z in offered for z in wanted):
        return []
    return [_detail("AvailabilityZoneNotSupported",
                    f"The zone(s) '{','.join(wanted)}' for resource '{_short(res)}' is not supported. The "
                    f"supported zones for location '{loc}' are '{','.join(offered)}'.", res.id)]


def _firewall_tier(res: PlannedResource, region: dict[str, Any], loc: str) -> list[dict[str, Any]]:
    if res.type.lower() not in FIREWALL_TYPES:
        return []
    tier = ((res.declared.get("properties") or {}).get("sku") or {}).get("tier")
    tiers = region.get("firewallTiers", ["Basic", "Standard", "Premium"])
    if not tier or str(tier).lower() in {t.lower() for t in tiers}:
        return []
    return [_detail("SkuNotAvailable", f"The requested tier '{tier}' for resource '{_short(res)}' is not "
                    f"available in location '{loc}'. Available tiers are '{','.join(tiers)}'.", res.id)]


def _kubernetes_version(res: PlannedResource, world: World, region: dict[str, Any]) -> list[dict[str, Any]]:
    """AKS refuses at preflight a cluster or pool version the region does not offer."""
    if res.type.lower() not in ("microsoft.containerservice/managedclusters",
                                "microsoft.containerservice/managedclusters/agentpools"):
        return []
    props = res.declared.get("properties") or {}
    wanted = [props.get("kubernetesVersion"), props.get("orchestratorVersion")]
    wanted += [p.get("orchestratorVersion") for p in props.get("agentPoolProfiles") or [] if isinstance(p, dict)]
    listed = kubernetes_versions.offered(world, region)
    return [_detail(kubernetes_versions.CODE, f"Provisioning of resource(s) for container service {res.name} failed. "
                    f"Message: {kubernetes_versions.refusal(str(v))}", res.id)
            for v in dict.fromkeys(w for w in wanted if isinstance(w, str) and w)
            if not kubernetes_versions.supported(str(v), listed)][:1]


def _pip_quota(new_pips: dict[str, int], world: World, sub: str, plan: Plan) -> list[dict[str, Any]]:
    out = []
    for loc, count in new_pips.items():
        region = world.scenario.region(loc) or {}
        usage = next((u for n, u in region.get("networkUsages", {}).items() if n.lower() == "publicipaddresses"), None)
        if usage is None:
            continue
        current = int(usage.get("currentValue", 0)) + public_ips_in_model(world, sub, loc)
        limit = int(usage.get("limit", 0))
        if current + count > limit:
            first = next(r for r in plan.resources if r.type.lower() == "microsoft.network/publicipaddresses")
            out.append(_detail("PublicIPCountLimitReached",
                               f"Cannot create more than {limit} public IP addresses for this subscription in this "
                               f"region. Current usage is {current} and {count} more were requested.", first.id))
    return out
