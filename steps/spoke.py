"""Step 7: the spoke network the cluster lives in: its subnets, their NSGs, the route to the
hub firewall, the peering both ways, the App Gateway's public IP, the private DNS zones, and
the cluster's egress rules in the hub's firewall policy, as one ARM deployment across the
spoke's and the hub's resource groups (walkthrough.md §7, azure-facts.md §2-3)."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any, Callable, Mapping

from checks import allowed_types, hub_link, naming, network, spoke_plan
from steps import spoke_flow_logs as flow_logs
from steps import spoke_template as tpl
from steps.node_pools import REFERENCE_POOLS
from steps.prerequisites import region_error
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.arm_template import group_types
from wizard.engine.contract import (ArmDeployment, Check, Choice, Field, FieldKind, Finding, GroupTemplate, OutputSpec,
                                    StepContext, StepDefinition)

MODELS = (Choice("overlay", "Azure CNI Overlay (reference)", "Pods get addresses from a private pod CIDR; only "
                 "nodes use the subnet, so a /22 holds hundreds of nodes."),
          Choice("flat", "Azure CNI (flat)", "Every pod gets a VNet address: reachable from peered networks, but the "
                 "node subnet must hold (nodes + surge) x (max pods + 1) addresses."))
API_SERVER_MODES = (Choice("vnet-integration", "VNet integration (reference)", "The API server gets addresses in its "
                           "own delegated /28 of this VNet; nodes reach it without a private endpoint."),
                    Choice("private-link", "Private link", "A private endpoint for the API server in the node subnet; "
                           "for regions without VNet integration."))
DNS_CHOICES = (Choice("firewall", "Hub firewall's DNS proxy", "Every lookup goes through the firewall: logged, and "
                      "FQDN network rules work."),
               Choice("azure", "Azure-provided DNS", "No dependency on the firewall for name resolution; lookups are "
                      "not logged by it."))


def _region(ctx: StepContext) -> str:
    return str(ctx.output("hub", "location") or ctx.output("prerequisites", "region", "eastus2"))


def _subnet_field(key: str) -> Field:
    spec = tpl.layout()["subnets"][key]
    only = spec.get("onlyFor")
    visible: Callable[[Mapping[str, Any]], bool] | None = None
    if only == "vnet-integration":
        visible = lambda a: a.get("api_server_mode") == "vnet-integration"  # noqa: E731
    elif only == "jumpbox":
        visible = lambda a: bool(a.get("management_subnet_enabled"))  # noqa: E731
    return Field(f"{key}_subnet", f"{spec['label']} ({spec['name']})", spec["why"], default=spec["prefix"],
                 validators=(network.cidr_validator(spec["label"]),), visible_when=visible)


def _ipv4(label: str) -> Callable[[Any, StepContext], str | None]:
    def check(value: Any, ctx: StepContext) -> str | None:
        try:
            ip_address(str(value))
        except ValueError:
            return f"{label}: {value!r} is not an IPv4 address (four numbers 0-255 separated by dots)."
        return None
    return check


def _max_pods(value: Any, ctx: StepContext) -> str | None:
    return None if 10 <= int(value) <= 250 else "Max pods per node must be between 10 and 250 (AKS limits)."


def _pods(a: Mapping[str, Any]) -> int:
    """Max pods per node: asked only for flat CNI; Overlay's default is 250 (a /24 per node)."""
    return int(a.get("max_pods") or 30) if a.get("network_model") == "flat" else 250


def _planned_ranges(a: Mapping[str, Any]) -> dict[str, str]:
    ranges = {"spoke address space": str(a["address_space"]), "service CIDR": str(a["service_cidr"])}
    if a.get("network_model") == "overlay":
        ranges["pod CIDR"] = str(a["pod_cidr"])
    return ranges


def _own_vnet_id(ctx: StepContext) -> str:
    assert ctx.azure is not None
    a = ctx.answers
    return (f"/subscriptions/{ctx.azure.subscription_id}/resourceGroups/{a['resource_group']}/providers/"
            f"Microsoft.Network/virtualNetworks/{a['vnet_name']}")


def _dns_servers(ctx: StepContext) -> list[str]:
    return [str(ctx.output("hub", "firewall_private_ip"))] if ctx.answers.get("dns") == "firewall" else []


def _names(a: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    names = {"Resource group": ("resource_group", str(a["resource_group"])),
             "Spoke VNet": ("virtual_network", str(a["vnet_name"]))}
    if flow_logs.wanted(a):
        names["Flow log storage account"] = ("storage_account", str(a["flow_logs_storage"]))
    return names


def _check_subnets(ctx: StepContext) -> Finding:
    a = ctx.answers
    finding = network.check_subnets_in_vnet([str(a["address_space"])], tpl.subnet_prefixes(a),
                                            space_label="Spoke address space")
    if finding.status.value != "pass":
        return finding
    api = tpl.layout()["subnets"]["api_server"]
    if a.get("api_server_mode") == "vnet-integration":
        too_small = network.subnet_size_error(api["name"], str(a["api_server_subnet"]), api["minPrefix"])
        if too_small:
            return Finding.fail(too_small.rstrip(".") + ": AKS reserves at least 9 addresses there.",
                                "Use a /28 or larger for the API server subnet (press 2).", **dict(finding.evidence))
    return finding


def _outputs(groups: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    spoke, a = groups.get("spoke", {}), ctx.answers
    return {"spoke_vnet_id": spoke.get("vnetId"), "subnet_ids": spoke.get("subnetIds") or {},
            "subnet_prefixes": tpl.subnet_prefixes(a),
            "ingress_ip": a["ingress_ip"], "app_gateway_public_ip": spoke.get("appGatewayPublicIp"),
            "app_gateway_public_ip_id": spoke.get("appGatewayPublicIpId"),
            "private_dns_zone_ids": spoke.get("privateDnsZoneIds") or {}, "resource_group": a["resource_group"],
            "location": a["location"], "network_model": a["network_model"], "max_pods": _pods(a),
            "service_cidr": a["service_cidr"], "dns_service_ip": a["dns_service_ip"],
            "pod_cidr": a["pod_cidr"] if a["network_model"] == "overlay" else "",
            "api_server_mode": a["api_server_mode"], "dns_servers": _dns_servers(ctx),
            "flow_log_id": (groups.get("flowlogs") or {}).get("flowLogId") or ""}


def _get(ctx: StepContext, rid: str) -> dict[str, Any]:
    assert ctx.azure is not None
    return call(rid, ctx.azure.resources().resources.get_by_id, rid, api_version=tpl.NET_API).as_dict()


def _verify_peerings(ctx: StepContext) -> Finding:
    spoke_id, hub_id = str(ctx.output("spoke", "spoke_vnet_id")), str(ctx.output("hub", "hub_vnet_id"))
    states: dict[str, str] = {}
    for local, remote in ((spoke_id, hub_id), (hub_id, spoke_id)):
        rid = f"{local}/virtualNetworkPeerings/to_{remote.rsplit('/', 1)[-1]}"
        try:
            states[rid.rsplit("/", 1)[-1] + " in " + local.rsplit("/", 1)[-1]] = str(
                (_get(ctx, rid).get("properties") or {}).get("peeringState", "Unknown"))
        except AzureCallFailed as exc:
            states[rid] = f"missing ({exc.failure.code})"
    bad = {k: v for k, v in states.items() if v != "Connected"}
    if bad:
        return Finding.fail("Peering not connected: " + "; ".join(f"{k} is {v}" for k, v in bad.items()),
                            "Run the step again: it writes both sides; a side missing in Azure is recreated.",
                            peerings=states)
    return Finding.ok("Both peerings are Connected.", peerings=states)


def _verify_routing(ctx: StepContext) -> Finding:
    a, firewall_ip = ctx.answers, str(ctx.output("hub", "firewall_private_ip"))
    vnet = _get(ctx, str(ctx.output("spoke", "spoke_vnet_id")))
    problems, specs = [], tpl.layout()["subnets"]
    by_name = {s.get("name"): s.get("properties") or {} for s in (vnet.get("properties") or {}).get("subnets") or []}
    for key in tpl.subnet_keys(a):
        props = by_name.get(specs[key]["name"], {})
        if not props.get("networkSecurityGroup"):
            problems.append(f"{specs[key]['name']} has no NSG")
        if specs[key].get("routeToFirewall") and not props.get("routeTable"):
            problems.append(f"{specs[key]['name']} has no route table")
    route_ids = {str((p.get("routeTable") or {}).get("id")) for p in by_name.values() if p.get("routeTable")}
    for rid in sorted(route_ids):
        for route in (_get(ctx, rid).get("properties") or {}).get("routes") or []:
            hop = (route.get("properties") or {}).get("nextHopIpAddress")
            if (route.get("properties") or {}).get("addressPrefix") == "0.0.0.0/0" and hop != firewall_ip:
                problems.append(f"{rid.rsplit('/', 1)[-1]} sends 0.0.0.0/0 to {hop}, not the firewall {firewall_ip}")
    if problems:
        return Finding.fail("; ".join(problems) + ".", "Run the step again to restore the planned routing.",
                            problems=problems)
    return Finding.ok(f"Every subnet has its NSG; egress goes to the firewall at {firewall_ip}.",
                      route_tables=sorted(route_ids))


def _spoke_group(ctx: StepContext) -> dict[str, Any]:
    template = tpl.spoke_template(ctx.answers, ctx.outputs.get("hub") or {}, _dns_servers(ctx))
    if flow_logs.wanted(ctx.answers):  # the flow log itself goes under the region's Network Watcher
        template["resources"].append(flow_logs.storage_account(str(ctx.answers["flow_logs_storage"]),
                                                               str(ctx.answers["location"])))
    return template


SPOKE = StepDefinition(
    id="spoke",
    title="Spoke network",
    summary="The cluster's VNet, peered to the hub, all egress through the hub firewall (one deployment, ~5 min).",
    lesson="spoke.md",
    built=True,
    needs=("hub",),
    after=("policy",),
    fields=(
        Field("location", "Region", "The spoke must be in the hub's region: the firewall inspects only traffic routed "
              "to it in its own region.", default=_region, validators=(region_error,)),
        Field("resource_group", "Resource group", "The network team's spoke group (the policy step made it, when it "
              "ran).", default=lambda ctx: str(ctx.output("policy", "spoke_resource_group") or
                                               f"rg-enterprise-networking-spokes-{_region(ctx)}"),
              validators=(lambda v, ctx: naming.name_error("resource_group", str(v)),)),
        Field("vnet_name", "Spoke VNet name", "Reference naming: vnet-spoke-<app id>-<instance>.",
              default=tpl.layout()["vnetName"], validators=(lambda v, ctx: naming.name_error("virtual_network", str(v)),)),
        Field("address_space", "Spoke address space", "Must overlap neither the hub, nor any network peered to it, "
              "nor the cluster's service and pod ranges.", default=tpl.layout()["addressSpace"],
              validators=(network.cidr_validator("Spoke address space"), hub_link.outside_hub("Spoke address space"))),
        Field("network_model", "Network model", "How pods get addresses.", default="overlay", kind=FieldKind.CHOICE,
              choices=MODELS),
        Field("max_pods", "Max pods per node", "Flat Azure CNI reserves this many addresses per node up front "
              "(AKS default 30 for it).", default=30, kind=FieldKind.INT, validators=(_max_pods,),
              visible_when=lambda a: a.get("network_model") == "flat"),
        Field("pod_cidr", "Pod CIDR (overlay)", "Private to the cluster; each node takes a /24 of it.",
              default="192.168.0.0/16", validators=(network.cidr_validator("Pod CIDR"),),
              visible_when=lambda a: a.get("network_model") == "overlay"),
        Field("service_cidr", "Service CIDR", "Kubernetes service addresses; never routed outside the cluster.",
              default="172.16.0.0/16", validators=(network.cidr_validator("Service CIDR"),)),
        Field("dns_service_ip", "Cluster DNS service IP", "Inside the service CIDR, not its first addresses.",
              default="172.16.0.10", validators=(_ipv4("Cluster DNS service IP"),)),
        Field("api_server_mode", "Private API server", "Both keep the API server off the internet.",
              default="vnet-integration", kind=FieldKind.CHOICE, choices=API_SERVER_MODES),
        _subnet_field("nodes"), _subnet_field("ingress"),
        Field("ingress_ip", "Ingress IP", "The internal load balancer's address App Gateway forwards to; inside the "
              "ingress subnet, not one of Azure's reserved addresses.", default=tpl.layout()["ingressIp"],
              validators=(_ipv4("Ingress IP"),)),
        _subnet_field("private_endpoints"), _subnet_field("app_gateway"), _subnet_field("api_server"),
        Field("management_subnet_enabled", "Management subnet for a jump box", "The regulated reference's jump box "
              "lives here; SSH reaches it only from the hub's Bastion.", default=True, kind=FieldKind.BOOL),
        _subnet_field("management"),
        Field("dns", "DNS for the spoke", "The firewall's DNS proxy is the reference's choice when the hub has it on.",
              default=lambda ctx: "firewall" if ctx.output("hub", "dns_proxy", True) else "azure",
              kind=FieldKind.CHOICE, choices=DNS_CHOICES),
        *flow_logs.FIELDS,
    ),
    checks=(
        Check("spoke.hub", "The hub is there to join", hub_link.check_hub_ready, needs_azure=True),
        Check("spoke.subnets", "Subnets fit, sizes and no overlaps", _check_subnets),
        Check("spoke.forbidden-ranges", "No reserved or forbidden ranges",
              lambda ctx: network.check_forbidden_ranges(_planned_ranges(ctx.answers))),
        Check("spoke.overlaps", "No overlap with the hub, its peers or cluster ranges",
              lambda ctx: hub_link.check_no_overlap_with_peers(ctx, _own_vnet_id(ctx), _planned_ranges(ctx.answers)),
              needs_azure=True),
        Check("spoke.node-capacity", "The node subnet holds the cluster at its peak",
              lambda ctx: spoke_plan.check_node_capacity(str(ctx.answers["nodes_subnet"]), str(ctx.answers["network_model"]),
                                                         _pods(ctx.answers), REFERENCE_POOLS)),
        Check("spoke.ingress-ip", "Ingress IP usable in its subnet",
              lambda ctx: spoke_plan.check_ingress_ip(str(ctx.answers["ingress_subnet"]), str(ctx.answers["ingress_ip"]))),
        Check("spoke.service-range", "Service CIDR and cluster DNS address",
              lambda ctx: spoke_plan.check_service_range(str(ctx.answers["service_cidr"]),
                                                         str(ctx.answers["dns_service_ip"]))),
        Check("spoke.app-gateway-subnet", "App Gateway subnet sized for autoscale",
              lambda ctx: spoke_plan.check_app_gateway_subnet(str(ctx.answers["app_gateway_subnet"]))),
        Check("spoke.api-server", "API server mode offered in the region",
              lambda ctx: spoke_plan.check_api_server_mode(
                  str(ctx.answers["location"]), str(ctx.answers["api_server_mode"]),
                  tpl.layout()["apiServerVnetIntegrationUnavailable"]["regions"],
                  tpl.layout()["apiServerVnetIntegrationUnavailable"]["source"])),
        Check("spoke.dns", "DNS server available",
              lambda ctx: spoke_plan.check_dns(str(ctx.answers["dns"]), ctx.output("hub", "dns_proxy"))),
        Check("spoke.names", "Resource names follow Azure's rules", lambda ctx: naming.check_names(_names(ctx.answers))),
        *flow_logs.CHECKS,
        Check("spoke.allowed-types", "The groups' allow-lists admit every resource type",
              lambda ctx: allowed_types.check_allowed_types(ctx, group_types(SPOKE.action, ctx)),  # type: ignore[arg-type]
              needs_azure=True),
    ),
    action=ArmDeployment(
        deployment_base_name="spoke-BU0001A0008",
        location=lambda ctx: str(ctx.answers["location"]),
        groups=(
            GroupTemplate(key="spoke", resource_group=lambda ctx: str(ctx.answers["resource_group"]),
                          location=lambda ctx: str(ctx.answers["location"]), template=_spoke_group,
                          parameters=lambda ctx: {}),
            GroupTemplate(key="hub", resource_group=lambda ctx: str(ctx.output("hub", "resource_group")),
                          location=lambda ctx: str(ctx.answers["location"]),
                          template=lambda ctx: tpl.hub_template(ctx.answers, ctx.outputs.get("hub") or {},
                                                                _own_vnet_id(ctx)),
                          parameters=lambda ctx: {}, depends_on=("spoke",)),
            flow_logs.GROUP,
        ),
        outputs=_outputs,
    ),
    verify=(
        Check("spoke.verify-peerings", "Peering connected both ways", _verify_peerings, needs_azure=True),
        Check("spoke.verify-routing", "Subnets have their NSG and route to the firewall", _verify_routing,
              needs_azure=True),
    ),
    outputs=(OutputSpec("spoke_vnet_id", "Spoke VNet id"), OutputSpec("ingress_ip", "Ingress IP"),
             OutputSpec("app_gateway_public_ip", "App Gateway public IP"),
             OutputSpec("app_gateway_public_ip_id", "App Gateway public IP id"),
             OutputSpec("api_server_mode", "API server mode"), OutputSpec("flow_log_id", "Flow log id")),
)
