"""Is the chosen Azure Firewall tier offered in the region?

ARM's preflight is the authority, but only for a scope that exists: a nested deployment into
a resource group the same template creates is short-circuited (skipped from validation), so
a probe built that way passes live even where the tier is not offered. We therefore validate
a firewall policy of that tier (nothing is created) against a resource group that exists:
the hub's own if a previous run made it, otherwise any group in the subscription (a resource
may live in another region than its group). With no group at all we cannot ask, and say so."""

from __future__ import annotations

from typing import Any

from wizard.engine.contract import CheckStatus, Finding, StepContext

_RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PROBE_NAME = "aksw-tier-probe"
# Preflight codes that mean "not offered here"; anything else means the probe itself failed.
UNAVAILABLE = frozenset({"SkuNotAvailable", "LocationNotAvailableForResourceType", "NoRegisteredProviderFound",
                         "AvailabilityZoneNotSupported", "MissingSubscriptionRegistration"})
NETWORK_API = "2024-05-01"


def probe_template(region: str, tier: str) -> dict[str, Any]:
    return {"$schema": _RG_SCHEMA, "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Network/firewallPolicies", "apiVersion": NETWORK_API,
                           "name": PROBE_NAME, "location": region, "properties": {"sku": {"tier": tier}}}]}


def probe_group(ctx: StepContext, preferred: str) -> str | None:
    """The group to validate against: the preferred one if it exists, else any other."""
    assert ctx.azure is not None
    usable = [str(g.name) for g in ctx.azure.resources().resource_groups.list()  # one call: a list, not a probe each
              if not (g.properties and g.properties.provisioning_state == "Deleting")]
    return next((g for g in usable if g.lower() == preferred.lower()), usable[0] if usable else None)


def check_firewall_tier(ctx: StepContext, resource_group: str, region: str, tier: str) -> Finding:
    from wizard.engine.arm import AzureCallFailed, call

    assert ctx.azure is not None
    evidence: dict[str, Any] = {"region": region, "tier": tier}
    group = call("firewall tier probe", probe_group, ctx, resource_group)
    if group is None:
        return Finding(CheckStatus.WARN, f"Cannot confirm that {tier} is offered in {region}: the subscription has no "
                       "resource group for ARM to validate against, and nothing is created before you approve.",
                       evidence, "Create any resource group in the subscription (for example `az group create -n "
                       f"rg-preflight -l {region}`) and re-run the checks, or override this warning: ARM will then "
                       "report an unavailable tier when the hub deployment starts.")
    evidence["validated_against"] = group
    body = {"properties": {"mode": "Incremental", "template": probe_template(region, tier)}}
    try:
        poller = call("firewall tier probe", ctx.azure.deployments().deployments.begin_validate, group,
                       PROBE_NAME, body)
        result = call("firewall tier probe", poller.result).as_dict()
    except AzureCallFailed as exc:
        inner = exc.failure.innermost()
        evidence.update(code=inner.code, message=inner.message, correlation_id=exc.failure.correlation_id)
        if inner.code not in UNAVAILABLE:  # the probe could not ask (rights, throttling, outage): not an answer
            return Finding(CheckStatus.ERROR, f"Could not ask ARM about {tier} in {region} (validated in {group}): "
                           f"{inner.code}: {inner.message}", evidence, exc.failure.remedy or
                           "Re-run the checks; if it persists, check your rights on that resource group.")
        # One sentence on what to do, naming this step's fields (the generic SkuNotAvailable
        # remedy says the same thing in other words: not both).
        return Finding(CheckStatus.FAIL, f"ARM rejects a {tier} firewall in {region}: {inner.code}: {inner.message}",
                       evidence, "Choose another firewall tier or region.")
    if result.get("error"):
        err = result["error"]
        evidence.update(code=err.get("code"), message=err.get("message"))
        return Finding(CheckStatus.FAIL, f"ARM rejects a {tier} firewall in {region}: {err.get('message')}",
                       evidence, "Choose another firewall tier or region.")
    return Finding(CheckStatus.PASS, f"ARM validation accepts Azure Firewall {tier} in {region} (validated in "
                   f"resource group {group}; nothing was created).", evidence)
