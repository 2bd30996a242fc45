"""NetworkPolicy as the cluster's network policy engine applies it, for one connection.

A connection from a pod to a pod (or to an address outside the pod network) on a port is
allowed when both ends allow it: the source's egress, if any policy selecting the source
governs egress, must have a rule whose peers and ports match the destination; likewise the
destination's ingress for the source. Peers are pod selectors (in the policy's namespace
unless a namespace selector is given), namespace selectors (against the namespace's labels,
``kubernetes.io/metadata.name`` included) and IP blocks; a named port is looked up in the
destination's containers. That is the Kubernetes NetworkPolicy semantics the references rely
on (kubernetes.io, "Network Policies"); Azure CNI's Cilium and Azure NPM both implement it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from wizard.rehearsal.kube_workloads import matches


@dataclass(frozen=True)
class Peer:
    """One end of a connection: a pod (namespace and labels) or an address outside the cluster."""

    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    ip: str = ""
    ports: Mapping[str, int] = field(default_factory=dict)  # a pod's named container ports

    @property
    def is_pod(self) -> bool:
        return bool(self.namespace)


def _types(policy: Mapping[str, Any]) -> list[str]:
    spec = policy.get("spec") or {}
    return list(spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else [])))


def in_block(ip: str, block: Mapping[str, Any]) -> bool:
    if not ip:
        return False
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(str(block.get("cidr")), strict=False):
        return False
    return not any(address in ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or [])


def _peer_matches(rule_peer: Mapping[str, Any], home: str, other: Peer) -> bool:
    if "ipBlock" in rule_peer:
        return in_block(other.ip, rule_peer["ipBlock"])
    if not other.is_pod:
        return False
    ns_selector = rule_peer.get("namespaceSelector")
    ns_labels = {"kubernetes.io/metadata.name": other.namespace}
    if ns_selector is None and other.namespace != home:
        return False
    if ns_selector is not None and not matches(ns_selector, ns_labels):
        return False
    return matches(rule_peer.get("podSelector"), other.labels) if "podSelector" in rule_peer else True


def _port_matches(ports: list[Mapping[str, Any]] | None, port: int, protocol: str, target: Peer) -> bool:
    if not ports:
        return True
    for p in ports:
        if str(p.get("protocol", "TCP")) != protocol:
            continue
        want = p.get("port")
        if want is None:
            return True
        number = target.ports.get(want) if isinstance(want, str) else int(want)
        end = int(p.get("endPort") or number or 0)
        if number is not None and number <= port <= end:
            return True
    return False


def _governed(policies: Iterable[Mapping[str, Any]], pod: Peer, direction: str) -> list[Mapping[str, Any]]:
    return [p for p in policies if p["metadata"].get("namespace") == pod.namespace and direction in _types(p)
            and matches((p.get("spec") or {}).get("podSelector"), pod.labels)]


def _side_allows(policies: Iterable[Mapping[str, Any]], pod: Peer, other: Peer, port: int, protocol: str,
                 direction: str, target: Peer) -> tuple[bool, str]:
    governing = _governed(policies, pod, direction)
    if not governing:
        return True, ""
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in governing:
        for rule in (policy.get("spec") or {}).get(rules_key) or []:
            peers = rule.get(peers_key)
            if (not peers or any(_peer_matches(r, pod.namespace, other) for r in peers)) and \
                    _port_matches(rule.get("ports"), port, protocol, target):
                return True, str(policy["metadata"]["name"])
    names = ", ".join(sorted(str(p["metadata"]["name"]) for p in governing))
    return False, f"{direction.lower()} of {pod.namespace} pods {dict(pod.labels)} is limited by {names}"


def allowed(policies: list[Mapping[str, Any]], source: Peer, target: Peer, port: int,
            protocol: str = "TCP") -> tuple[bool, str]:
    """(allowed, why): why names the policies that allowed it, or those that limit it."""
    said = []
    if source.is_pod:
        ok, why = _side_allows(policies, source, target, port, protocol, "Egress", target)
        if not ok:
            return False, why
        said.append(why)
    if target.is_pod:
        ok, why = _side_allows(policies, target, source, port, protocol, "Ingress", target)
        if not ok:
            return False, why
        said.append(why)
    return True, ", ".join(s for s in said if s) or "no policy limits it"
