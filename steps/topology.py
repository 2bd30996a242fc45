"""The network the session is building, as one picture: the hub, the cluster's spoke and the
image builder's spoke, with their address spaces, subnets, the firewall's address, the
peerings and how far each has got (not decided, planned, deploying, deployed).

Read from the session's stored decisions, step status and outputs only (no Azure call), so
the TUI can draw it at any time; an immutable snapshot, rebuilt on each look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from steps import jumpbox_template, spoke_template

STATES = {"done": "deployed", "running": "deploying", "previewed": "planned", "checked": "planned",
          "checks failed": "planned", "failed": "failed"}


@dataclass(frozen=True)
class Subnet:
    name: str
    prefix: str
    note: str = ""  # e.g. "→ firewall" when its egress is routed through the hub firewall


@dataclass(frozen=True)
class Network:
    role: str  # hub | spoke | builder
    title: str
    name: str
    address_space: str
    state: str  # not decided | planned | deploying | deployed | failed
    subnets: tuple[Subnet, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Peering:
    a: str
    b: str
    state: str


@dataclass(frozen=True)
class Topology:
    networks: tuple[Network, ...]
    peerings: tuple[Peering, ...]


def _state(step: Mapping[str, Any]) -> str:
    if not step.get("answers"):
        return "not decided"
    return STATES.get(str(step.get("status")), "planned")


def _hub(step: Mapping[str, Any]) -> Network:
    a, out = step.get("answers") or {}, step.get("outputs") or {}
    subnets = tuple(Subnet(name, str(a[key])) for key, name in (
        ("firewall_subnet", "AzureFirewallSubnet"), ("firewall_management_subnet", "AzureFirewallManagementSubnet"),
        ("gateway_subnet", "GatewaySubnet"), ("bastion_subnet", "AzureBastionSubnet")) if a.get(key))
    notes = []
    if out.get("firewall_private_ip"):
        notes.append(f"firewall {out['firewall_private_ip']}" + (" (DNS proxy)" if out.get("dns_proxy") else ""))
    if a.get("firewall_tier"):
        notes.append(f"Azure Firewall {a['firewall_tier']}; Bastion {a.get('bastion_sku', '')}".rstrip("; "))
    return Network("hub", "Hub", str(a.get("vnet_name", "hub VNet")), str(a.get("hub_cidr", "")), _state(step),
                   subnets, tuple(notes))


def _occupants(cluster: Mapping[str, Any]) -> dict[str, str]:
    """What the cluster step puts in each spoke subnet, once it is decided (with how far it got)."""
    a = cluster.get("answers") or {}
    if not a.get("cluster_name"):
        return {}
    name, state = str(a["cluster_name"]), _state(cluster)
    out = {"nodes": f"AKS {name} nodes", "app_gateway": f"App Gateway apw-{name}",
           "private_endpoints": f"endpoints of {a.get('registry_name', 'the registry')} and "
                                f"{a.get('key_vault_name', 'the vault')}", "api_server": f"{name} API server"}
    if (cluster.get("outputs") or {}).get("jumpbox") or state != "deployed":
        out["management"] = "jump box"
    return {k: f"{v} ({state})" for k, v in out.items()}


def _spoke(step: Mapping[str, Any], cluster: Mapping[str, Any] | None = None) -> Network:
    a = step.get("answers") or {}
    specs = spoke_template.layout()["subnets"]
    held = _occupants(cluster or {})

    def note(key: str) -> str:
        parts = ["→ firewall" if specs[key].get("routeToFirewall") else "", held.get(key, "")]
        return "; ".join(p for p in parts if p)

    subnets = tuple(Subnet(specs[key]["name"], str(a[f"{key}_subnet"]), note(key))
                    for key in (spoke_template.subnet_keys(a) if a else ()) if a.get(f"{key}_subnet"))
    notes = []
    if a.get("ingress_ip"):
        notes.append(f"ingress {a['ingress_ip']}; {a.get('network_model', '')} networking")
    return Network("spoke", "Cluster spoke", str(a.get("vnet_name", spoke_template.layout()["vnetName"])),
                   str(a.get("address_space", "")), _state(step), subnets, tuple(notes))


def _builder(step: Mapping[str, Any]) -> Network | None:
    a = step.get("answers") or {}
    if a and a.get("access_mode") != "image":
        return None
    spec = jumpbox_template.data()["builder"]
    subnets = tuple(Subnet(spec[key]["name"], str(a[field]), "→ firewall")
                    for key, field in (("buildSubnet", "build_subnet"), ("containerSubnet", "container_subnet"))
                    if a.get(field))
    return Network("builder", "Image builder spoke", str(a.get("builder_vnet_name", spec["vnetName"])),
                   str(a.get("builder_address_space", "")), _state(step), subnets)


def _peering_state(hub: Network, other: Network) -> str:
    if other.state == "deployed" and hub.state == "deployed":
        return "connected"
    if "deploying" in (hub.state, other.state):
        return "deploying"
    return "planned" if other.state != "not decided" else "not decided"


def topology(steps: Mapping[str, Mapping[str, Any]]) -> Topology:
    """``steps``: each step's stored state as a plain mapping (``SessionState.to_dict()["steps"]``)."""
    hub = _hub(steps.get("hub") or {})
    others = [n for n in (_spoke(steps.get("spoke") or {}, steps.get("cluster")),
                          _builder(steps.get("jumpbox-image") or {})) if n]
    return Topology((hub, *others), tuple(Peering(hub.name, n.name, _peering_state(hub, n)) for n in others))
