"""IP planning checks for the hub and spoke networks (azure-facts.md §2).

Validators return an error sentence or None (for a single field); checks return a Finding
(for a whole plan). Every Azure-specific number lives in a table below so it can be compared
with its source, and so a new special subnet or forbidden range is one more row, not a branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, collapse_addresses, ip_network
from itertools import combinations
from typing import Any, Callable, Iterable, Mapping

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
    """A range no VNet, service CIDR or pod CIDR may touch. ``what`` names it in a sentence
    ("the multicast range 224.0.0.0/4"); ``why`` says who forbids it and for what."""

    network: IPv4Network
    what: str
    why: str
    source: str


_AKS_RESERVED = ("AKS reserves these addresses for itself, so no cluster VNet, service CIDR or pod CIDR may "
                 "include any of them")
_AKS_DOCS = "azure-aks-docs:concepts-network-legacy-cni.md"
FORBIDDEN_RANGES: tuple[ForbiddenRange, ...] = tuple(
    ForbiddenRange(ip_network(cidr), what, why, source) for cidr, what, why, source in (
        ("224.0.0.0/4", "multicast", "Azure does not allow multicast addresses in a virtual network", VNET_FAQ),
        ("255.255.255.255/32", "broadcast", "Azure does not allow the broadcast address in a virtual network",
         VNET_FAQ),
        ("127.0.0.0/8", "loopback", "loopback addresses never leave a machine, so Azure does not allow them in a "
         "virtual network", VNET_FAQ),
        ("169.254.0.0/16", "link-local", "neither Azure virtual networks nor AKS allow link-local addresses",
         VNET_FAQ),
        ("168.63.129.16/32", "Azure platform", "every VNet reaches Azure DNS, DHCP and health probes through "
         "this address, so no VNet may contain it", VNET_FAQ),
        ("172.30.0.0/16", "AKS-reserved", _AKS_RESERVED, _AKS_DOCS),
        ("172.31.0.0/16", "AKS-reserved", _AKS_RESERVED, _AKS_DOCS),
        ("192.0.2.0/24", "AKS-reserved (TEST-NET-1)", _AKS_RESERVED, _AKS_DOCS),
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
FIREWALL_REFERENCE_PUBLIC_IPS = 3
SNAT_PORTS_PER_IP_PER_INSTANCE = 2496
PRODUCTION_PUBLIC_IP_GUIDANCE = 20  # public IPs on the firewall for a busy production cluster
# Public IPs the hub needs besides the firewall's own: Bastion always has one; the firewall's
# management NIC (Basic tier, forced tunnelling) has another.
BASTION_PUBLIC_IPS = 1
FIREWALL_MANAGEMENT_PUBLIC_IPS = 1
IPV4_MAX_PREFIX = 32
IPV4_MAX_OCTET = 255


def _field(label: str | None) -> str:
    return f"{label}: " if label else ""


def _address_problem(address: str) -> str | None:
    """Why the part before '/' is not an IPv4 address, in terms of its four numbers."""
    parts = address.split(".")
    if len(parts) != 4:
        return (f"{address!r} has {len(parts)} part{'s' if len(parts) != 1 else ''}; an IPv4 address is four "
                "numbers separated by dots")
    for part in parts:
        if not part.isdigit():
            return f"{part!r} is not a number (each of the four parts of an IPv4 address is 0-{IPV4_MAX_OCTET})"
        if int(part) > IPV4_MAX_OCTET:
            return f"{part} is larger than {IPV4_MAX_OCTET}, the largest value of each part of an IPv4 address"
        if len(part) > 1 and part.startswith("0"):
            return f"{part!r} has a leading zero, which some tools read as octal; write {int(part)}"
    return None


def cidr_error(text: str, label: str | None = None) -> str | None:
    """Validate one IPv4 CIDR; ``label`` names the field in the message (headless output and check
    remedies show messages away from the field). Each sentence says what is wrong and why, e.g.
    that /33 is longer than the 32 bits of an IPv4 address. Host bits set is the most common typo,
    so that message offers the network the operator probably meant."""
    value = (text or "").strip()
    where = _field(label)
    if not value:
        return f"{where}Enter an IPv4 network in CIDR form, for example 10.200.0.0/24."
    if ":" in value:
        return f"{where}{value} is IPv6; this design needs an IPv4 network."
    address, slash, prefix = value.partition("/")
    problem = _address_problem(address)
    if not slash:
        if problem:
            return f"{where}{value} is not a valid IPv4 network: {problem}; use the form 10.200.0.0/24."
        return f"{where}{value} has no prefix length; write it in CIDR form, for example {value}/24."
    if not prefix.isdigit():
        problem = problem or (f"the prefix length after '/' must be a whole number from 0 to {IPV4_MAX_PREFIX} "
                              f"(got {prefix!r})")
    elif int(prefix) > IPV4_MAX_PREFIX:
        problem = problem or (f"the prefix length /{prefix} is larger than {IPV4_MAX_PREFIX}, the IPv4 maximum "
                              f"(an IPv4 address has {IPV4_MAX_PREFIX} bits)")
    if problem:
        return f"{where}{value} is not a valid IPv4 network: {problem}."
    try:
        ip_network(value, strict=True)
    except ValueError:
        try:
            corrected = ip_network(value, strict=False)
        except ValueError as exc:  # nothing above explains it: say what the parser said
            return f"{where}{value} is not a valid IPv4 network ({exc}); use the form 10.200.0.0/24."
        return (f"{where}{value} has host bits set (the bits after the first /{prefix.lstrip('0') or '0'} must be "
                f"zero); did you mean {corrected}?")
    return None


def cidr_validator(label: str) -> Callable[[Any, Any], str | None]:
    """A field validator (value, ctx) that names its field: ``validators=(cidr_validator("Hub
    address space"),)``."""
    return lambda value, ctx: cidr_error(str(value), label)


def parse_cidr(text: str, label: str | None = None) -> IPv4Network:
    """Parse a CIDR that must be valid, raising ValueError with the validator's sentence."""
    error = cidr_error(text, label)
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
    syntax = cidr_error(cidr, name)
    if syntax:
        return syntax
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


def check_subnets_in_vnet(vnet_cidrs: str | Iterable[str], subnets: Mapping[str, str],
                          space_label: str = "VNet address space") -> Finding:
    """Everything Azure rejects about a subnet plan, found before the deployment is sent:
    syntax, containment in the VNet, overlaps between subnets, and special-subnet sizes.
    ``space_label`` names the address-space field in messages (subnets are named by their keys)."""
    spaces_text = [vnet_cidrs] if isinstance(vnet_cidrs, str) else list(vnet_cidrs)
    problems = [err for text in spaces_text if (err := cidr_error(text, space_label))]
    problems += [err for name, text in subnets.items() if (err := cidr_error(text, name))]
    if problems:
        return Finding.fail("The address plan has invalid CIDRs", " ".join(problems), problems=problems)
    spaces = [parse_cidr(t) for t in spaces_text]
    parsed = {name: parse_cidr(text) for name, text in subnets.items()}
    problems += _overlaps({f"address space {s}": s for s in spaces})
    problems += [f"{name} ({net}) is not inside the {space_label} ({', '.join(map(str, spaces))})"
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
    ranges, which AKS does not support for pods and which shadow real internet destinations.
    Pass field label → CIDR so each message names the field the operator must change."""
    named = _labelled(cidrs)
    invalid = [err for label, text in named.items() if (err := cidr_error(text, _label_or_none(label, text)))]
    if invalid:
        return Finding.fail("Some ranges are not valid CIDRs", " ".join(invalid), problems=invalid)
    parsed = {label: parse_cidr(text) for label, text in named.items()}
    clashes = [forbidden_overlap(_label_or_none(label, named[label]), net, hits) for label, net in parsed.items()
               if (hits := [bad for bad in FORBIDDEN_RANGES if net.overlaps(bad.network)])]
    public = [_name(label, net) for label, net in parsed.items()
              if not any(net.subnet_of(private) for private in PRIVATE_RANGES)]
    evidence = {"ranges": {label: str(net) for label, net in parsed.items()},
                "forbidden": [str(f.network) for f in FORBIDDEN_RANGES]}
    if clashes:
        fields = [_name(label, net) for label, net in parsed.items()
                  if any(net.overlaps(bad.network) for bad in FORBIDDEN_RANGES)]
        verb = "overlaps" if len(fields) == 1 else "overlap"
        return Finding.fail(f"{', '.join(fields)} {verb} addresses that Azure or AKS reserve",
                            " ".join(clashes) + f" Choose a range inside {safe_private_ranges()}.", clashes=clashes,
                            **evidence)
    if public:
        return Finding.warn(
            f"{', '.join(public)} {'is' if len(public) == 1 else 'are'} outside RFC 1918/RFC 6598 private space",
            "Use 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10 unless you own the public range: "
            "AKS does not support public pod CIDRs and traffic to the real owners of these addresses "
            "would stay inside your network.", public=public, **evidence)
    return Finding.ok("No range overlaps reserved or public address space", **evidence)


def forbidden_overlap(label: str | None, net: IPv4Network, hits: Iterable[ForbiddenRange]) -> str:
    """Sentences naming the field, how its range meets each forbidden one (is, lies inside,
    contains, overlaps) and why that range is forbidden. Spelled out because "X overlaps X" tells
    a learner nothing. Ranges forbidden for the same reason share one sentence."""
    subject = f"{label} ({net})" if label else f"The range {net}"
    groups: dict[tuple[str, str, str], list[IPv4Network]] = {}
    for bad in hits:
        groups.setdefault((_relation(net, bad.network), bad.what, bad.why), []).append(bad.network)
    sentences = []
    for (relation, what, why), networks in groups.items():
        single = "address" if all(n.prefixlen == IPV4_MAX_PREFIX for n in networks) else "range"
        plural = single + ("es" if single == "address" else "s")
        listed = " and ".join(str(n) for n in networks)
        sentences.append(f"{subject} {relation} the {what} {single if len(networks) == 1 else plural} "
                         f"{listed}: {why}.")
    return " ".join(sentences)


def _relation(net: IPv4Network, bad: IPv4Network) -> str:
    if net == bad:
        return "is"
    if net.subnet_of(bad):
        return "lies inside"
    if net.supernet_of(bad):
        return "contains"
    return "overlaps"


def safe_private_ranges() -> str:
    """The private ranges, each with the forbidden parts inside it, derived from the two tables
    so the advice cannot drift from what the check enforces."""
    out = []
    for private in PRIVATE_RANGES:
        inside = [f.network for f in FORBIDDEN_RANGES if f.network.subnet_of(private)]
        holes = ", ".join(str(n) for n in collapse_addresses(inside))
        out.append(f"{private} (outside {holes})" if holes else str(private))
    return ", ".join(out[:-1]) + " or " + out[-1]


def _label_or_none(label: str, text: str) -> str | None:
    """A plain CIDR list has no labels (``_labelled`` keys it by the CIDR itself)."""
    return None if label == text else label


def _name(label: str, net: IPv4Network) -> str:
    return str(net) if label == str(net) else f"{label} ({net})"


def check_no_overlap(named_ranges: Mapping[str, str]) -> Finding:
    """Hub, spoke, service CIDR, pod CIDR and on-premises ranges must be disjoint: an overlap
    breaks peering or routing silently. A value may list several ranges separated by commas."""
    expanded: dict[str, str] = {}
    for label, text in named_ranges.items():
        parts = [p.strip() for p in text.split(",") if p.strip()] or [""]
        expanded.update({(label if len(parts) == 1 else f"{label} #{i + 1}"): p for i, p in enumerate(parts)})
    invalid = [err for label, text in expanded.items() if (err := cidr_error(text, label))]
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


def hub_public_ip_needs(firewall_public_ips: int, firewall_management: bool = False) -> dict[str, int]:
    """What needs a public IP in the hub → how many: the firewall's own (the field), plus 1 for
    Bastion, plus 1 for the firewall management NIC (Basic tier). The quota check counts these,
    so its total (4 by default) and the field (3) are never shown without this breakdown."""
    needs = {"Azure Firewall": firewall_public_ips, "Bastion": BASTION_PUBLIC_IPS}
    if firewall_management:
        needs["the firewall management NIC"] = FIREWALL_MANAGEMENT_PUBLIC_IPS
    return needs


def check_firewall_public_ip_count(count: int) -> Finding:
    """Every outbound flow from the cluster is SNATed to a firewall public IP, and each IP gives
    about 2,496 SNAT ports per firewall instance; one IP exhausts quickly on a busy cluster."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= FIREWALL_MAX_PUBLIC_IPS:
        return Finding.fail(f"{count!r} firewall public IPs is outside what Azure Firewall supports",
                            f"Choose between 1 and {FIREWALL_MAX_PUBLIC_IPS} public IPs for the firewall (the "
                            f"reference uses {FIREWALL_REFERENCE_PUBLIC_IPS}).", public_ips=repr(count))
    ports = count * SNAT_PORTS_PER_IP_PER_INSTANCE
    evidence = {"public_ips": count, "snat_ports_per_instance": ports}
    guidance = (f"the reference uses {FIREWALL_REFERENCE_PUBLIC_IPS}; AKS guidance for production starts near "
                f"{PRODUCTION_PUBLIC_IP_GUIDANCE} public IPs")
    bastion = (f"Bastion has {BASTION_PUBLIC_IPS} public IP of its own, not counted here; the public IP quota "
               "check counts both.")
    if count == 1:
        return Finding.warn(
            f"1 firewall public IP gives about {SNAT_PORTS_PER_IP_PER_INSTANCE:,} SNAT ports per firewall instance",
            f"Use at least 2 public IPs ({guidance}), or add a NAT gateway, to avoid intermittent outbound "
            f"timeouts from SNAT port exhaustion. {bastion}", **evidence)
    return Finding.ok(f"{count} firewall public IPs give about {ports:,} SNAT ports per firewall instance "
                      f"({guidance}). {bastion}", **evidence)
