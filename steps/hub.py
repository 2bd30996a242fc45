"""Step 5: the regional hub network: Azure Firewall (egress control for every spoke),
Bastion (the only way in), Log Analytics, and the hub VNet, as one ARM deployment."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from checks import firewall_tier, naming, network, region
from steps import hub_template
from steps.prerequisites import region_error
from wizard.engine.contract import (ArmDeployment, Check, Choice, Field, FieldKind, Finding, GroupTemplate, OutputSpec,
                                    StepContext, StepDefinition)

# Address ranges later steps will use (reference spoke and cluster defaults); the hub must
# not overlap them, or peering and routing break.
PLANNED_RANGES = {"planned spoke VNet": "10.240.0.0/16", "AKS service CIDR": "172.16.0.0/16",
                  "AKS pod CIDR (overlay)": "192.168.0.0/16"}

TIERS = (
    Choice("Premium", "Premium (reference)", "TLS inspection, IDPS, URL filtering; highest cost (~2x Standard)."),
    Choice("Standard", "Standard", "FQDN filtering, threat intelligence, DNS proxy; no IDPS or TLS inspection."),
    Choice("Basic", "Basic", "Small workloads: fixed low throughput, no DNS proxy, needs a management subnet and IP."),
)
THREAT_MODES = (Choice("Deny", "Deny", "Block traffic to known-malicious addresses (reference)."),
                Choice("Alert", "Alert", "Log only."), Choice("Off", "Off", "No threat intelligence filtering."))
BASTION_SKUS = (Choice("Standard", "Standard", "Native-client tunnelling (`az aks bastion`, SSH from your terminal)."),
                Choice("Basic", "Basic", "Portal-only sessions; cheaper; no tunnelling."),
                Choice("Premium", "Premium", "Adds session recording and private-only deployment."))


def _region_default(ctx: StepContext) -> str:
    return str(ctx.output("prerequisites", "region", "eastus2"))


def _named(pattern: str) -> Callable[[StepContext], str]:
    return lambda ctx: pattern.format(region=ctx.answers.get("location") or _region_default(ctx))


def _cidr(label: str) -> Callable[[Any, StepContext], str | None]:
    return network.cidr_validator(label)


def _name(kind: str) -> Callable[[Any, StepContext], str | None]:
    return lambda value, ctx: naming.name_error(kind, str(value))


def _retention(value: Any, ctx: StepContext) -> str | None:
    return None if 30 <= int(value) <= 730 else "Log Analytics retention must be between 30 and 730 days."


def _ip_count(value: Any, ctx: StepContext) -> str | None:
    return None if 1 <= int(value) <= 250 else "Azure Firewall takes between 1 and 250 public IPs."


def _basic(answers: Mapping[str, Any]) -> bool:
    return answers.get("firewall_tier") == "Basic"


def _subnets(a: Mapping[str, Any]) -> dict[str, str]:
    subnets = {"AzureFirewallSubnet": a["firewall_subnet"], "GatewaySubnet": a["gateway_subnet"],
               "AzureBastionSubnet": a["bastion_subnet"]}
    if _basic(a):
        subnets["AzureFirewallManagementSubnet"] = a["firewall_management_subnet"]
    return subnets


def _public_ips_needed(a: Mapping[str, Any]) -> dict[str, int]:
    return network.hub_public_ip_needs(int(a["firewall_public_ips"]), _basic(a))


def _names(a: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    return {"Resource group": ("resource_group", a["resource_group"]),
            "Hub VNet": ("virtual_network", a["vnet_name"]), "Firewall": ("firewall", a["firewall_name"]),
            "Firewall policy": ("firewall_policy", a["firewall_policy_name"]),
            "Bastion": ("bastion", a["bastion_name"]), "Log Analytics": ("log_analytics", a["log_analytics_name"])}


def _check(fn: Callable[[Mapping[str, Any]], Finding]) -> Callable[[StepContext], Finding]:
    return lambda ctx: fn(ctx.answers)


def _check_region(ctx: StepContext) -> Finding:
    """The hub should sit in the baseline's region, and names carrying a region should carry
    the hub's: editing the region does not rename the fields filled in from the old one."""
    a = ctx.answers
    planned = str(ctx.output("prerequisites", "region", "") or "")
    where = str(a["location"])
    stale = sorted(label for label, (_, name) in _names(a).items()
                   if planned and planned != where and planned in str(name))
    evidence = {"hub_region": where, "baseline_region": planned, "names_with_other_region": stale}
    if not planned or planned == where:
        return Finding.ok(f"The hub is in the baseline's region ({where}).", **evidence)
    summary = f"The hub is in {where}, but step 1 chose {planned} for the baseline."
    if stale:
        summary += f" These names still say {planned}: {', '.join(stale)}."
    return Finding.warn(summary, "Peering across regions adds latency and data transfer charges, and the firewall "
                        "must be in the spoke's region to inspect its egress: use the same region, or rename "
                        "the fields above (press 2) and override this warning if the split is deliberate.",
                        **evidence)


def _outputs(groups: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    """What the spokes build on: the firewall as next hop and DNS server, the policy their egress
    rules join, and the hub's ranges (the spoke must not overlap them; SSH comes from Bastion)."""
    arm_outputs, a = groups.get("hub", {}), ctx.answers
    policy_id = str(arm_outputs.get("hubVnetId", "")).split("/providers/")[0] + \
        f"/providers/Microsoft.Network/firewallPolicies/{a['firewall_policy_name']}"
    return {"hub_vnet_id": arm_outputs.get("hubVnetId"), "firewall_private_ip": arm_outputs.get("firewallPrivateIp"),
            "log_analytics_id": arm_outputs.get("logAnalyticsWorkspaceId"),
            "bastion_id": arm_outputs.get("bastionHostId"), "resource_group": a["resource_group"],
            "location": a["location"], "firewall_policy_id": policy_id, "address_space": a["hub_cidr"],
            "bastion_subnet": a["bastion_subnet"], "dns_proxy": bool(a.get("dns_proxy")) and not _basic(a),
            "vnet_name": a["vnet_name"]}


def _verify_firewall_ip(ctx: StepContext) -> Finding:
    out = ctx.outputs.get("hub", {})
    expected = network.nth_usable(ctx.answers["firewall_subnet"], 1)
    actual = out.get("firewall_private_ip")
    evidence = {"firewall_private_ip": actual, "expected": str(expected)}
    if not actual:
        return Finding.fail("The deployment returned no firewall private IP.",
                            "Open the firewall in the portal; re-run the step if it is not Succeeded.", **evidence)
    if str(actual) != str(expected):
        return Finding.warn(f"Firewall private IP is {actual}, expected {expected}.",
                            "Use the reported address as the spoke's next hop.", **evidence)
    return Finding.ok(f"Firewall private IP {actual} (next hop for the spoke route table).", **evidence)


def _verify_resources(ctx: StepContext) -> Finding:
    assert ctx.azure is not None
    out = ctx.outputs.get("hub", {})
    states = {}
    for key in ("hub_vnet_id", "bastion_id", "log_analytics_id"):
        rid = out.get(key)
        # Each type with an api-version it publishes (assets/azure/api-versions.json); the
        # workspace has no 2023-11-01, which real ARM refuses with NoRegisteredProviderFound.
        version = hub_template.WORKSPACE_API if "operationalinsights" in rid.lower() else hub_template.NET_API
        body = ctx.azure.resources().resources.get_by_id(rid, api_version=version).as_dict()
        states[rid.rsplit("/", 1)[-1]] = (body.get("properties") or {}).get("provisioningState", "Unknown")
    bad = {k: v for k, v in states.items() if v != "Succeeded"}
    if bad:
        return Finding.fail("Not Succeeded: " + ", ".join(f"{k} ({v})" for k, v in bad.items()),
                            "Inspect them in the portal; re-run the step to retry.", states=states)
    return Finding.ok("Hub VNet, Bastion and Log Analytics report Succeeded.", states=states)


HUB = StepDefinition(
    id="hub",
    title="Hub network",
    summary="Azure Firewall, Bastion, Log Analytics and the hub VNet (one ARM deployment, ~10 min).",
    lesson="hub.md",
    built=True,
    needs=("prerequisites",),
    after=("policy",),
    fields=(
        Field("location", "Region", "The hub lives in the same region as the cluster; it must offer zones 1-3.",
              default=_region_default, validators=(region_error,)),
        Field("resource_group", "Resource group", "The network team's hub group, separate from the workload's so "
              "each team's RBAC and policy stay apart; the one the policy step made, when it ran.",
              default=lambda ctx: str(ctx.output("policy", "hub_resource_group") or
                                      _named("rg-enterprise-networking-hubs-{region}")(ctx)),
              validators=(_name("resource_group"),)),
        Field("hub_cidr", "Hub address space", "Must not overlap the spokes or any network you will peer; the "
              "reference uses 10.200.0.0/24 for the first regional hub.", default="10.200.0.0/24",
              validators=(_cidr("Hub address space"),)),
        Field("firewall_subnet", "AzureFirewallSubnet", "Exactly /26: the firewall scales out inside it.",
              default="10.200.0.0/26", validators=(_cidr("AzureFirewallSubnet"),)),
        Field("gateway_subnet", "GatewaySubnet", "Reserved for a VPN/ExpressRoute gateway to on-premises; /27 or "
              "larger.", default="10.200.0.64/27", validators=(_cidr("GatewaySubnet"),)),
        Field("bastion_subnet", "AzureBastionSubnet", "Bastion needs /26 or larger since Nov 2021; the reference's "
              "/27 is stale.", default="10.200.0.128/26", validators=(_cidr("AzureBastionSubnet"),)),
        Field("firewall_management_subnet", "AzureFirewallManagementSubnet", "The Basic tier always needs a "
              "management NIC in its own /26.", default="10.200.0.192/26", validators=(_cidr("AzureFirewallManagementSubnet"),),
              visible_when=_basic),
        Field("firewall_tier", "Firewall tier", "Every spoke's egress goes through this firewall; Premium adds "
              "IDPS and TLS inspection, which the regulated reference requires.", default="Premium",
              kind=FieldKind.CHOICE, choices=TIERS),
        Field("firewall_public_ips", "Firewall public IPs", "Each public IP adds 2,496 SNAT ports per backend "
              "instance; the reference uses 3 so a busy cluster does not exhaust SNAT. Bastion has 1 public IP of "
              "its own, so the hub needs 3 + 1 = 4 by default.", default=3,
              kind=FieldKind.INT, validators=(_ip_count,)),
        Field("dns_proxy", "DNS proxy", "Lets network rules use FQDNs and gives spokes one DNS resolver to log. "
              "Basic has no DNS proxy, so this is asked only for Standard and Premium.", default=True,
              kind=FieldKind.BOOL, visible_when=lambda a: not _basic(a)),
        Field("threat_intel_mode", "Threat intelligence", "Deny blocks traffic to and from known-malicious "
              "addresses.", default="Deny", kind=FieldKind.CHOICE, choices=THREAT_MODES),
        Field("bastion_sku", "Bastion SKU", "Bastion is the only way into the private network; Standard allows "
              "native-client tunnelling.", default="Standard", kind=FieldKind.CHOICE, choices=BASTION_SKUS),
        Field("log_retention_days", "Log retention (days)", "Firewall and Bastion logs for investigations; 30 "
              "days is included in the price, longer costs more.", default=30, kind=FieldKind.INT,
              validators=(_retention,)),
        Field("vnet_name", "Hub VNet name", "Reference naming: vnet-<region>-hub.", default=_named("vnet-{region}-hub"),
              validators=(_name("virtual_network"),)),
        Field("firewall_name", "Firewall name", "At most 50 characters (Azure Firewall limit).",
              default=_named("fw-{region}"), validators=(_name("firewall"),)),
        Field("firewall_policy_name", "Firewall policy name", "Rules live in a policy so later steps add rule "
              "collection groups without touching the firewall.", default=_named("fw-policies-{region}"),
              validators=(_name("firewall_policy"),)),
        Field("bastion_name", "Bastion name", "Reference naming: ab-<region>.", default=_named("ab-{region}"),
              validators=(_name("bastion"),)),
        Field("log_analytics_name", "Log Analytics name", "The hub's own workspace for network logs.",
              default=_named("la-hub-{region}"), validators=(_name("log_analytics"),)),
    ),
    checks=(
        Check("hub.region", "Hub in the baseline's region, names to match", _check_region),
        Check("hub.subnets", "Subnets fit, sizes and no overlaps",
              _check(lambda a: network.check_subnets_in_vnet([a["hub_cidr"]], _subnets(a), space_label="Hub address space"))),
        Check("hub.forbidden-ranges", "No reserved or forbidden ranges",
              _check(lambda a: network.check_forbidden_ranges({"Hub address space": a["hub_cidr"]}))),
        Check("hub.planned-overlap", "No overlap with the planned spoke and cluster ranges",
              _check(lambda a: network.check_no_overlap({"Hub address space": a["hub_cidr"], **PLANNED_RANGES}))),
        Check("hub.names", "Resource names follow Azure's rules",
              _check(lambda a: naming.check_names(_names(a)))),
        Check("hub.snat", "Firewall public IPs and SNAT",
              _check(lambda a: network.check_firewall_public_ip_count(int(a["firewall_public_ips"])))),
        Check("hub.zones", "Region offers zones for the firewall",
              lambda ctx: region.check_network_zones(ctx, ctx.answers["location"]), needs_azure=True),
        Check("hub.firewall-tier", "Firewall tier offered in the region",
              lambda ctx: firewall_tier.check_firewall_tier(ctx, ctx.answers["resource_group"],
                                                           ctx.answers["location"], ctx.answers["firewall_tier"]),
              needs_azure=True),
        Check("hub.public-ip-quota", "Public IP quota",
              lambda ctx: region.check_public_ip_quota(ctx, ctx.answers["location"], _public_ips_needed(ctx.answers)),
              needs_azure=True),
    ),
    action=ArmDeployment(
        deployment_base_name="hub-default",
        location=lambda ctx: str(ctx.answers["location"]),
        groups=(GroupTemplate(
            key="hub",
            resource_group=lambda ctx: str(ctx.answers["resource_group"]),
            location=lambda ctx: str(ctx.answers["location"]),
            template=lambda ctx: hub_template.build(ctx.answers),
            parameters=lambda ctx: hub_template.parameters(ctx.answers),
        ),),
        outputs=_outputs,
    ),
    verify=(
        Check("hub.verify-firewall-ip", "Firewall private IP returned", _verify_firewall_ip),
        Check("hub.verify-resources", "Hub resources provisioned", _verify_resources, needs_azure=True),
    ),
    outputs=(OutputSpec("hub_vnet_id", "Hub VNet id"), OutputSpec("firewall_private_ip", "Firewall private IP"),
             OutputSpec("log_analytics_id", "Log Analytics id"), OutputSpec("bastion_id", "Bastion id")),
)
