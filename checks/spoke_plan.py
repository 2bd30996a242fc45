"""Checks of the spoke's address plan that need no Azure: whether the node subnet holds the
cluster at its peak, where the ingress IP sits, the cluster's service range, and the API
server mode for the region. Facts: reference/azure-facts.md §2.1-2.3; the numbers' sources
are named where they are used."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, ip_address
from math import ceil
from typing import Iterable, Sequence

from checks.network import AZURE_FIRST_USABLE_OFFSET, cidr_error, parse_cidr, usable_hosts
from steps.node_pools import NodePool
from wizard.engine.contract import Finding

# Azure CNI Overlay: only nodes take subnet addresses (each node gets a /24 of the pod CIDR);
# flat Azure CNI: every pod does (azure-aks-docs concepts-network-ip-address-planning.md).
OVERLAY_ADDRESSES_PER_POD_CIDR_BLOCK = 256
SERVICE_CIDR_LARGEST_PREFIX = 12  # "must be smaller than /12"; kube-apiserver refuses > 20 host bits
APP_GATEWAY_RECOMMENDED_PREFIX = 24


def peak_nodes(pools: Iterable[NodePool]) -> tuple[int, list[str]]:
    """Nodes at the autoscaler's maximum plus upgrade surge, and the sum written out."""
    total, parts = 0, []
    for pool in pools:
        surge = ceil(pool.max_count * pool.max_surge_percent / 100)
        total += pool.max_count + surge
        parts.append(f"{pool.name} {pool.max_count} + {surge} surge")
    return total, parts


def check_node_capacity(nodes_cidr: str, model: str, max_pods: int, pools: Sequence[NodePool]) -> Finding:
    """The node subnet must hold every node at peak (and, with flat CNI, every pod too)."""
    if cidr_error(nodes_cidr):
        return Finding.fail(f"Node pool subnet: {cidr_error(nodes_cidr)}", "Fix the node pool subnet (press 2).")
    subnet = parse_cidr(nodes_cidr)
    nodes, parts = peak_nodes(pools)
    needed = nodes if model == "overlay" else nodes * (max_pods + 1)
    formula = (f"{nodes} nodes at peak = {' + '.join(parts)}" if model == "overlay" else
               f"{nodes} nodes at peak ({' + '.join(parts)}) x ({max_pods} pods + 1) = {needed}")
    available = usable_hosts(subnet)
    evidence = {"subnet": str(subnet), "usable_addresses": available, "needed": needed, "peak_nodes": nodes,
                "network_model": model, "max_pods": max_pods, "arithmetic": formula}
    if needed > available:
        smallest = next(p for p in range(29, 7, -1) if 2 ** (32 - p) - 5 >= needed)
        return Finding.fail(
            f"The node pool subnet {subnet} has {available} usable addresses; the cluster needs {needed}, "
            f"with {formula}.",
            f"Use a /{smallest} or larger for the node pools" + (", or Azure CNI Overlay, where pods take no subnet "
                                                                 "addresses" if model == "flat" else "") + " (press 2).",
            **evidence)
    return Finding.ok(f"The node pool subnet {subnet} holds the cluster at its peak: {available} usable addresses "
                      f"for {needed}, with {formula}.", **evidence)


def check_ingress_ip(ingress_cidr: str, ingress_ip: str) -> Finding:
    """The internal load balancer's IP: inside its subnet and not one of the five Azure keeps."""
    try:
        address = ip_address(ingress_ip)
    except ValueError:
        return Finding.fail(f"Ingress IP: {ingress_ip!r} is not an IPv4 address.", "Give an address such as 10.240.4.4 "
                            "(press 2).")
    if cidr_error(ingress_cidr):
        return Finding.fail(f"Internal ingress subnet: {cidr_error(ingress_cidr)}", "Fix the subnet (press 2).")
    subnet = parse_cidr(ingress_cidr)
    evidence = {"ingress_ip": str(address), "subnet": str(subnet)}
    if not isinstance(address, IPv4Address) or address not in subnet:
        return Finding.fail(f"The ingress IP {address} is outside the internal ingress subnet {subnet}.",
                            f"Pick an address inside {subnet}, from {_first_usable(subnet)} (press 2).", **evidence)
    offset = int(address) - int(subnet.network_address)
    if offset < AZURE_FIRST_USABLE_OFFSET or address == subnet.broadcast_address:
        which = "the last address" if address == subnet.broadcast_address else f"the subnet's .{offset} (offset {offset})"
        return Finding.fail(f"The ingress IP {address} is {which}, one of the five addresses Azure reserves in every "
                            "subnet (the first four and the last).",
                            f"Use {_first_usable(subnet)} or a later address (press 2).", **evidence)
    return Finding.ok(f"The ingress IP {address} is a usable address of {subnet}.", **evidence)


def _first_usable(subnet: IPv4Network) -> IPv4Address:
    return IPv4Address(int(subnet.network_address) + AZURE_FIRST_USABLE_OFFSET)


def check_service_range(service_cidr: str, dns_service_ip: str) -> Finding:
    """The cluster's service range and its DNS address (azure-facts.md §2.3)."""
    if cidr_error(service_cidr, "Service CIDR"):
        return Finding.fail(str(cidr_error(service_cidr, "Service CIDR")), "Fix the service CIDR (press 2).")
    services = parse_cidr(service_cidr)
    evidence = {"service_cidr": str(services), "dns_service_ip": dns_service_ip}
    if services.prefixlen < SERVICE_CIDR_LARGEST_PREFIX:
        return Finding.fail(f"The service CIDR {services} is larger than a /{SERVICE_CIDR_LARGEST_PREFIX}: the API "
                            "server refuses service ranges of more than 20 host bits.",
                            "Use a /16 such as 172.16.0.0/16 (press 2).", **evidence)
    try:
        dns = ip_address(dns_service_ip)
    except ValueError:
        return Finding.fail(f"DNS service IP: {dns_service_ip!r} is not an IPv4 address.",
                            "Use an address inside the service CIDR, e.g. 172.16.0.10 (press 2).", **evidence)
    if dns not in services or dns == services.network_address:
        return Finding.fail(f"The DNS service IP {dns} must be inside the service CIDR {services} and not its first "
                            "address.", f"Use {services.network_address + 10} (press 2).", **evidence)
    if dns == services.network_address + 1:
        return Finding.fail(f"The DNS service IP {dns} is the service range's first usable address, which the "
                            "cluster gives the Kubernetes API service (kubernetes.default).",
                            f"Use {services.network_address + 10} (press 2).", **evidence)
    return Finding.ok(f"Service CIDR {services} with cluster DNS at {dns}.", **evidence)


def check_app_gateway_subnet(prefix: str) -> Finding:
    """Microsoft recommends a /24 for App Gateway v2 (125 instances + private frontend + 5)."""
    if cidr_error(prefix):
        return Finding.fail(f"Application Gateway subnet: {cidr_error(prefix)}", "Fix the subnet (press 2).")
    net = parse_cidr(prefix)
    evidence = {"subnet": str(net), "usable_addresses": usable_hosts(net)}
    if net.prefixlen > APP_GATEWAY_RECOMMENDED_PREFIX:
        return Finding.warn(f"The Application Gateway subnet {net} is smaller than the recommended "
                            f"/{APP_GATEWAY_RECOMMENDED_PREFIX}: it holds {usable_hosts(net)} instances at most, and "
                            "a gateway cannot move to a bigger subnet without being rebuilt.",
                            "Use a /24 (press 2), or override this warning if the gateway's autoscale maximum fits.",
                            **evidence)
    return Finding.ok(f"The Application Gateway subnet {net} has room for the gateway's largest autoscale.", **evidence)


def check_api_server_mode(region: str, mode: str, unavailable: Sequence[str], source: str) -> Finding:
    evidence = {"region": region, "mode": mode, "unavailable_in": list(unavailable), "source": source}
    if mode == "vnet-integration" and region.lower() in {r.lower() for r in unavailable}:
        return Finding.fail(f"API server VNet integration is not offered in {region}.",
                            "Choose 'Private link' for the API server (press 2): the API server then gets a private "
                            "endpoint in the node subnet instead of its own delegated subnet.", **evidence)
    if mode == "vnet-integration":
        return Finding.ok(f"{region} offers API server VNet integration.", **evidence)
    return Finding.ok("The API server is reached through a private endpoint (private link); no delegated subnet "
                      "is needed.", **evidence)


def check_dns(choice: str, hub_dns_proxy: bool | None) -> Finding:
    evidence = {"dns": choice, "hub_dns_proxy": hub_dns_proxy}
    if choice == "firewall" and hub_dns_proxy is False:
        return Finding.fail("The spoke is set to use the hub firewall as its DNS server, but the firewall's DNS proxy "
                            "is off.", "Choose Azure-provided DNS (press 2), or turn the DNS proxy on in the hub step "
                            "and run it again.", **evidence)
    if choice == "firewall":
        return Finding.ok("The spoke resolves names through the hub firewall's DNS proxy (logged, and FQDN network "
                          "rules work).", **evidence)
    return Finding.ok("The spoke uses Azure-provided DNS.", **evidence)
