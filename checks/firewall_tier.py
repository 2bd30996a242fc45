"""Is the chosen Azure Firewall tier offered in the region? ARM's preflight validation is
the authority: we ask it to validate a firewall policy of that tier (nothing is created),
at subscription scope so the hub's resource group need not exist yet."""

from __future__ import annotations

from typing import Any

from wizard.engine.contract import CheckStatus, Finding, StepContext

_SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
_RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def probe_template(resource_group: str, region: str, tier: str) -> dict[str, Any]:
    return {
        "$schema": _SUB_SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": resource_group,
             "location": region},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "aksw-tier-probe",
             "resourceGroup": resource_group,
             "dependsOn": [f"[subscriptionResourceId('Microsoft.Resources/resourceGroups', '{resource_group}')]"],
             "properties": {"mode": "Incremental", "template": {
                 "$schema": _RG_SCHEMA, "contentVersion": "1.0.0.0",
                 "resources": [{"type": "Microsoft.Network/firewallPolicies", "apiVersion": "2023-11-01",
                                "name": "aksw-tier-probe", "location": region,
                                "properties": {"sku": {"tier": tier}}}]}}},
        ],
    }


def check_firewall_tier(ctx: StepContext, resource_group: str, region: str, tier: str) -> Finding:
    from wizard.engine.arm import AzureCallFailed, _call

    assert ctx.azure is not None
    deployments = ctx.azure.deployments().deployments
    body = {"location": region, "properties": {"mode": "Incremental",
                                                 "template": probe_template(resource_group, region, tier)}}
    evidence: dict[str, Any] = {"region": region, "tier": tier}
    try:
        poller = _call("firewall tier probe", deployments.begin_validate_at_subscription_scope,
                       "aksw-tier-probe", body)
        result = _call("firewall tier probe", poller.result).as_dict()
    except AzureCallFailed as exc:
        inner = exc.failure.innermost()
        evidence.update(code=inner.code, message=inner.message)
        return Finding(CheckStatus.FAIL, f"ARM rejects a {tier} firewall in {region}: {inner.code}: {inner.message}",
                       evidence, "Choose another firewall tier or region. " + exc.failure.remedy)
    if result.get("error"):
        err = result["error"]
        evidence.update(code=err.get("code"), message=err.get("message"))
        return Finding(CheckStatus.FAIL, f"ARM rejects a {tier} firewall in {region}: {err.get('message')}",
                       evidence, "Choose another firewall tier or region.")
    return Finding(CheckStatus.PASS, f"ARM validation accepts Azure Firewall {tier} in {region}.", evidence)
