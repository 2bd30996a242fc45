"""IP planning checks for the hub and spoke networks (azure-facts.md §2).

Validators return an error sentence or None (for a single field); checks return a Finding
(for a whole plan). Every Azure-specific number lives in a table below so it can be compared
with its source, and so a new special subnet or forbidden range is one more row, not a branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_network
from itertools import combinations
from typing import Iterable, Mapping

from wizard.engine.contract import Finding

AZURE_RESERVED_PER_SUBNET = 5  # .0 network, .1 gateway, .2/.3 Azure DNS, last = broadcast
AZURE_FIRST_USABLE_OFFSET = 4
SMALLEST_SUBNET_PREFIX = 29
VNET_FAQ = "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq"


@dataclass(frozen=True)
class SubnetRule:
    """Minimum size of a subnet whose name Azure gives a special meaning."""

    min_prefix: int
    why: str
    source: str
    note: str = ""  # extra context shown when the rule is broken


SPECIAL_SUBNETS: dict[str, SubnetRule] = {
    "AzureFirewallSubnet": SubnetRule(
        26, "Azure Firewall needs a /26 to scale out", "https://learn.microsoft.com/azure/firewall/firewall-faq"),
    "AzureFirewallManagementSubnet": SubnetRule(
        26, "the firewall management NIC needs a /26", "https://learn.microsoft.com/azure/firewall/management-nic"),
    "GatewaySubnet": SubnetRule(
        27, "VPN/ExpressRoute gateways need a /27 (only the Basic VPN SKU fits in a /29)",
        "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub"),
    "AzureBastionSubnet": SubnetRule(
        26, "Bastion hosts deployed on or after 2 November 2021 need a /26 or larger",
        "https://learn.microsoft.com/azure/bastion/configuration-settings#subnet",
        note=("The reference hub templates default to 10.200.0.96/27, which is stale; "
              "its own topology.md uses 10.200.0.128/26.")),
}


@dataclass(frozen=True)
class ForbiddenRange:
    network: IPv4Network
    why: str
    source: str


FORBIDDEN_RANGES: tuple[ForbiddenRange, ...] = tuple(
    ForbiddenRange(ip_network(cidr), why, source) for cidr, why, source in (
        ("224.0.0.0/4", "multicast, not allowed in a VNet", VNET_FAQ),
        ("255.255.255.255/32", "broadcast, not allowed in a VNet", VNET_FAQ),
        ("127.0.0.0/8", "loopback, not allowed in a VNet", VNET_FAQ),
        ("169.254.0.0/16", "link-local, not allowed in a VNet nor by AKS", VNET_FAQ),
        ("168.63.129.16/32", "the Azure platform address (DNS, health probes), not allowed in a VNet", VNET_FAQ),
        ("172.30.0.0/16", "reserved by AKS, not usable for the VNet, service or pod CIDR",
         "azure-aks-docs:concepts-network-legacy-cni.md"),
        ("172.31.0.0/16", "reserved by AKS, not usable for the VNet, service or pod CIDR",
         "azure-aks-docs:concepts-network-legacy-cni.md"),
        ("192.0.2.0/24", "reserved by AKS (TEST-NET-1), not usable for the VNet, service or pod CIDR",
         "azure-aks-docs:concepts-network-legacy-cni.md"),
    ))

# Private ranges AKS supports for pod CIDRs and that never collide with internet destinations.
PRIVATE_RANGES: tuple[IPv4Network, ...] = tuple(ip_network(c) for c in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # RFC 6598 shared address space
))

# Default hub layout inside the first /24 of the hub VNet: (subnet, offset, prefix, needs flag).
# The /24 matches the reference (10.200.0.0/24); Bastion is /26 at .128 as in topology.md.
HUB_LAYOUT: tuple[tuple[str, int, int, bool], ...] = (
    ("AzureFirewallSubnet", 0, 26, False),
    ("GatewaySubnet", 64, 27, False),
    ("AzureBastionSubnet", 128, 26, False),
    ("AzureFirewallManagementSubnet", 192, 26, True),
)
HUB_BLOCK_PREFIX = 24

# Which firewall tiers always need the management subnet (forced tunnelling adds it to any tier).
FIREWALL_TIER_NEEDS_MANAGEMENT: dict[str, bool] = {"Basic": True, "Standard": False, "Premium": False}

FIREWALL_MAX_PUBLIC_IPS = 250
SNAT_PORTS_PER_IP_PER_INSTANCE = 2496
PRODUCTION_PUBLIC_IP_GUIDANCE = 20


def cidr_error(text: str) -> str | None:
    """Validate one IPv4 CIDR. Host bits set is the most common typo, so the message offers the
    network the operator probably meant rather than just saying "invalid"."""
    value = (text or "").strip()
    if not value:
        return "Enter an IPv4 network in CIDR form, for example 10.200.0.0/24."
    if ":" in value:
        return f"{value} is IPv6; this design needs an IPv4 network."
    if "/" not in value:
        try:
            IPv4Address(value)
        except ValueError:
            return f"{value} is not a valid IPv4 network; use the form 10.200.0.0/24."
        return f"{value} has no prefix length; write it in CIDR form, for example {value}/24."
    try:
        ip_network(value, strict=True)
    except ValueError:
        try:
            corrected = ip_network(value, strict=False)
        except ValueError:
            return f"{value} is not a valid IPv4 network; use the form 10.200.0.0/24."
        return f"{value} has host bits set; did you mean {corrected}?"
    return None


def parse_cidr(text: str) -> IPv4Network:
    """Parse a CIDR that must be valid, raising ValueError with the validator's sentence."""
    error = cidr_error(text)
    if error:
        raise ValueError(error)
    network = ip_network(text.strip())
    assert isinstance(network, IPv4Network)
    return network


def usable_hosts(network: IPv4Network) -> int:
    """Addresses Azure lets you assign: 2^(32-p) minus the five it reserves."""
    return max(network.num_addresses - AZURE_RESERVED_PER_SUBNET, 0)


def subnet_size_error(name: str, cidr: str, min_prefix: int | None = None) -> str | None:
    """Check a subnet against the stricter of: the caller's minimum, the special-subnet table
    (matched on name, as Azure does) and Azure's absolute /29 minimum."""
    syntax = cidr_error(cidr)
    if syntax:
        return f"{name}: {syntax}"
    network = parse_cidr(cidr)
    rule = SPECIAL_SUBNETS.get(name)
    limits = [SMALLEST_SUBNET_PREFIX] + ([min_prefix] if min_prefix is not None else [])
    limits += [rule.min_prefix] if rule else []
    needed = min(limits)
    if network.prefixlen <= needed:
        return None
    have = f"{name} {network} is /{network.prefixlen} ({usable_hosts(network)} usable addresses)"
    if rule and needed == rule.min_prefix:
        return f"{have}; it must be /{needed} or larger: {rule.why}. {rule.note}".strip()
    if needed == SMALLEST_SUBNET_PREFIX:
        return f"{have}; Azure subnets must be /{SMALLEST_SUBNET_PREFIX} or larger."
    return f"{have}; it must be /{needed} or larger."


def _subnet_evidence(subnets: Mapping[str, IPv4Network]) -> dict[str, dict[str, object]]:
    return {name: {"cidr": str(net), "usable_hosts": usable_hosts(net)} for name, net in subnets.items()}


def _overlaps(named: Mapping[str, IPv4Network]) -> list[str]:
    return [f"{a} ({na}) overlaps {b} ({nb})"
            for (a, na), (b, nb) in combinations(named.items(), 2) if na.overlaps(nb)]


def check_subnets_in_vnet(vnet_cidrs: str | Iterable[str], subnets: Mapping[str, str]) -> Finding:
    """Everything Azure rejects about a subnet plan, found before the deployment is sent:
    syntax, containment in the VNet, overlaps between subnets, and special-subnet sizes."""
    spaces_text = [vnet_cidrs] if isinstance(vnet_cidrs, str) else list(vnet_cidrs)
    problems = [err for text in spaces_text if (err := cidr_error(text))]
    problems += [f"{name}: {err}" for name, text in subnets.items() if (err := cidr_error(text))]
    if problems:
        return Finding.fail("The address plan has invalid CIDRs", " ".join(problems), problems=problems)
    spaces = [parse_cidr(t) for t in spaces_text]
    parsed = {name: parse_cidr(text) for name, text in subnets.items()}
    problems += _overlaps({f"address space {s}": s for s in spaces})
    problems += [f"{name} ({net}) is not inside the VNet address space ({', '.join(map(str, spaces))})"
                 for name, net in parsed.items() if not any(net.subnet_of(s) for s in spaces)]
    problems += _overlaps(parsed)
    problems += [err for name, net in parsed.items() if (err := subnet_size_error(name, str(net)))]
    evidence = {"address_space": [str(s) for s in spaces], "subnets": _subnet_evidence(parsed)}
    if problems:
        return Finding.fail(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the subnet plan",
                            " ".join(p.rstrip(".") + "." for p in problems), problems=problems, **evidence)
    return Finding.ok(f"{len(parsed)} subnets fit the VNet without overlaps", **evidence)


def _labelled(cidrs: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """Accept plain CIDRs or label → CIDR, so messages can name the field when a label exists."""
    if isinstance(cidrs, Mapping):
        return dict(cidrs)
    return {text: text for text in cidrs}


def check_forbidden_ranges(cidrs: Iterable[str] | Mapping[str, str]) -> Finding:
    """Fail on any overlap (not only equality) with ranges Azure or AKS reserve; warn on public
    ranges, which AKS does not support for pods and which shadow real internet destinations."""
    named = _labelled(cidrs)
    invalid = [f"{label}: {err}" for label, text in named.items() if (err := cidr_error(text))]
    if invalid:
        return Finding.fail("Some ranges are not valid CIDRs", " ".join(invalid), problems=invalid)
    parsed = {label: parse_cidr(text) for label, text in named.items()}
    clashes = [f"{_name(label, net)} overlaps {bad.network} ({bad.why})"
               for label, net in parsed.items() for bad in FORBIDDEN_RANGES if net.overlaps(bad.network)]
    public = [_name(label, net) for label, net in parsed.items()
              if not any(net.subnet_of(private) for private in PRIVATE_RANGES)]
    evidence = {"ranges": {label: str(net) for label, net in parsed.items()},
                "forbidden": [str(f.network) for f in FORBIDDEN_RANGES]}
    if clashes:
        return Finding.fail(f"{len(clashes)} range(s) overlap addresses Azure or AKS reserve",
                            "Choose other ranges: " + "; ".join(clashes) + ".", clashes=clashes, **evidence)
    if public:
        return Finding.warn(
            f"{', '.join(public)} {'is' if len(public) == 1 else 'are'} outside RFC 1918/RFC 6598 private space",
            "Use 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10 unless you own the public range: "
            "AKS does not support public pod CIDRs and traffic to the real owners of these addresses "
            "would stay inside your network.", public=public, **evidence)
    return Finding.ok("No range overlaps reserved or public address space", **evidence)


def _name(label: str, net: IPv4Network) -> str:
    return str(net) if label == str(net) else f"{label} ({net})"


def check_no_overlap(named_ranges: Mapping[str, str]) -> Finding:
    """Hub, spoke, service CIDR, pod CIDR and on-premises ranges must be disjoint: an overlap
    breaks peering or routing silently. A value may list several ranges separated by commas."""
    expanded: dict[str, str] = {}
    for label, text in named_ranges.items():
        parts = [p.strip() for p in text.split(",") if p.strip()] or [""]
        expanded.update({(label if len(parts) == 1 else f"{label} #{i + 1}"): p for i, p in enumerate(parts)})
    invalid = [f"{label}: {err}" for label, text in expanded.items() if (err := cidr_error(text))]
    if invalid:
        return Finding.fail("Some ranges are not valid CIDRs", " ".join(invalid), problems=invalid)
    parsed = {label: parse_cidr(text) for label, text in expanded.items()}
    overlaps = _overlaps(parsed)
    evidence = {"ranges": {label: str(net) for label, net in parsed.items()}}
    if overlaps:
        return Finding.fail(f"{len(overlaps)} overlap(s) between planned ranges",
                            "Make these disjoint: " + "; ".join(overlaps) + ".", overlaps=overlaps, **evidence)
    return Finding.ok(f"{len(parsed)} ranges are disjoint", **evidence)


def nth_usable(cidr: str, n: int) -> str:
    """The n-th assignable address (1-based), skipping the four Azure reserves at the start:
    ``nth_usable("10.200.0.0/26", 1)`` is 10.200.0.4, the Azure Firewall's private IP."""
    network = parse_cidr(cidr)
    count = usable_hosts(network)
    if not 1 <= n <= count:
        raise ValueError(f"{network} has {count} usable addresses; {n} is out of range (1-{count}).")
    return str(IPv4Address(int(network.network_address) + AZURE_FIRST_USABLE_OFFSET + n - 1))


def firewall_needs_management_subnet(tier: str, forced_tunnelling: bool = False) -> bool:
    """Basic always uses a management NIC; other tiers only with forced tunnelling."""
    return forced_tunnelling or FIREWALL_TIER_NEEDS_MANAGEMENT.get(tier, False)


def suggest_subnet_layout(vnet_cidr: str, needs_firewall_management: bool = False) -> dict[str, object]:
    """Default hub subnets in the first /24 of the hub VNet (10.200.0.0/24 gives the reference
    layout, with Bastion at a /26). Returns ``fits`` False and a reason when the VNet is too small."""
    vnet = parse_cidr(vnet_cidr)
    if vnet.prefixlen > HUB_BLOCK_PREFIX:
        return {"fits": False, "subnets": {},
                "reason": (f"{vnet} is smaller than a /{HUB_BLOCK_PREFIX}; the hub needs a /26 for the firewall, "
                           "a /27 gateway subnet and a /26 for Bastion (plus a /26 for firewall management "
                           "on the Basic tier).")}
    base = int(vnet.network_address)
    subnets = {name: str(IPv4Network((base + offset, prefix)))
               for name, offset, prefix, optional in HUB_LAYOUT if needs_firewall_management or not optional}
    return {"fits": True, "subnets": subnets,
            "firewall_private_ip": nth_usable(subnets["AzureFirewallSubnet"], 1)}


def check_firewall_public_ip_count(count: int) -> Finding:
    """Every outbound flow from the cluster is SNATed to a firewall public IP, and each IP gives
    about 2,496 SNAT ports per firewall instance; one IP exhausts quickly on a busy cluster."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= FIREWALL_MAX_PUBLIC_IPS:
        return Finding.fail(f"{count!r} public IPs is outside what Azure Firewall supports",
                            f"Choose between 1 and {FIREWALL_MAX_PUBLIC_IPS} public IPs (the reference uses 3).",
                            public_ips=repr(count))
    evidence = {"public_ips": count, "snat_ports_per_instance": count * SNAT_PORTS_PER_IP_PER_INSTANCE}
    if count == 1:
        return Finding.warn(
            f"1 public IP gives about {SNAT_PORTS_PER_IP_PER_INSTANCE:,} SNAT ports per firewall instance",
            "Use at least 2 (the reference uses 3; AKS guidance suggests starting near "
            f"{PRODUCTION_PUBLIC_IP_GUIDANCE} for production) or add a NAT gateway, to avoid intermittent "
            "outbound timeouts from SNAT port exhaustion.", **evidence)
    return Finding.ok(f"{count} public IPs give about {evidence['snat_ports_per_instance']:,} SNAT ports per "
                      f"firewall instance (production guidance starts near {PRODUCTION_PUBLIC_IP_GUIDANCE})",
                      **evidence)
