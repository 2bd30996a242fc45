"""Following a request through a rehearsal cluster: Services, their ready endpoints, the
ingress controller's Ingress rules, and the network policies at each hop.

Two journeys are modelled, the two the workload step checks: a pod calling a Service by
name (the bypass probe, which default-deny must stop), and Application Gateway calling the
internal load balancer at the ingress IP with the backend host name (what backend health
and the public front end depend on). Each answers whether the request arrives and, if not,
which hop stops it, in words an operator can act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from wizard.rehearsal import kube_network
from wizard.rehearsal.kube_store import Objects, kind_of
from wizard.rehearsal.kube_workloads import Surroundings, all_pods, matches, ready

SERVICE, INGRESS = kind_of("v1", "Service"), kind_of("networking.k8s.io/v1", "Ingress")
POLICY, INGRESS_CLASS = kind_of("networking.k8s.io/v1", "NetworkPolicy"), kind_of("networking.k8s.io/v1", "IngressClass")
PAGE = Path(__file__).resolve().parents[2] / "assets" / "rehearsal" / "sample-app.html"
IPV4 = "service.beta.kubernetes.io/azure-load-balancer-ipv4"
TRAEFIK = "traefik.io/ingress-controller"


@dataclass(frozen=True)
class Reach:
    arrived: bool
    why: str
    pod: Mapping[str, Any] | None = None


def page() -> str:
    return PAGE.read_text(encoding="utf-8")


def peer_of(pod: Mapping[str, Any]) -> kube_network.Peer:
    ports = {str(p["name"]): int(p["containerPort"]) for c in pod["spec"].get("containers") or []
             for p in c.get("ports") or [] if p.get("name")}
    return kube_network.Peer(pod["metadata"]["namespace"], dict(pod["metadata"].get("labels") or {}), ports=ports)


def network_policies(objects: Objects) -> list[Mapping[str, Any]]:
    assert POLICY is not None
    return list(objects.of(POLICY))


def _target_port(service_port: Mapping[str, Any], pod: Mapping[str, Any]) -> int:
    target = service_port.get("targetPort", service_port.get("port"))
    return peer_of(pod).ports.get(target, 0) if isinstance(target, str) else int(target)


def to_service(objects: Objects, around: Surroundings, source: kube_network.Peer, service: Mapping[str, Any],
               port: int) -> Reach:
    """A connection to ``service`` on ``port``: to one of its ready endpoints, if policy lets it."""
    spec, name = service.get("spec") or {}, service["metadata"]["name"]
    service_port = next((p for p in spec.get("ports") or [] if int(p.get("port", 0)) == port), None)
    if service_port is None:
        return Reach(False, f"service {name} has no port {port}: connection refused")
    pods, _ = all_pods(objects, around, service["metadata"]["namespace"])
    endpoints = [p for p in pods if ready(p) and spec.get("selector") and matches({"matchLabels": spec["selector"]},
                                                                                   p["metadata"]["labels"])]
    if not endpoints:
        return Reach(False, f"service {name} has no ready endpoints: connection refused")
    said = ""
    for pod in endpoints:
        ok, why = kube_network.allowed(network_policies(objects), source, peer_of(pod), _target_port(service_port, pod))
        if ok:
            return Reach(True, why, pod)
        said = why
    return Reach(False, f"dropped by network policy ({said}): no answer")


def service_for_host(objects: Objects, host: str, namespace: str) -> Mapping[str, Any] | None:
    """A cluster DNS name (``svc``, ``svc.ns``, ``svc.ns.svc.cluster.local``) to its Service."""
    assert SERVICE is not None
    parts = host.split(".")
    name, ns = parts[0], parts[1] if len(parts) > 1 else namespace
    return objects.get(SERVICE, ns, name)


def _ingress_rule(objects: Objects, host: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    assert INGRESS is not None and INGRESS_CLASS is not None
    for ingress in objects.of(INGRESS):
        klass = objects.get(INGRESS_CLASS, "", str((ingress.get("spec") or {}).get("ingressClassName", "")))
        if klass is None or (klass.get("spec") or {}).get("controller") != TRAEFIK:
            continue
        for rule in (ingress.get("spec") or {}).get("rules") or []:
            if rule.get("host") == host:
                for path in (rule.get("http") or {}).get("paths") or []:
                    return ingress, path["backend"]["service"]
    return None


def through_ingress(objects: Objects, around: Surroundings, source_ip: str, address: str, port: int,
                    host: str) -> Reach:
    """Application Gateway's request to the internal load balancer at ``address`` for ``host``."""
    assert SERVICE is not None
    lb = next((s for s in objects.of(SERVICE) if (s.get("spec") or {}).get("type") == "LoadBalancer"
               and (s["metadata"].get("annotations") or {}).get(IPV4) == address), None)
    if lb is None:
        return Reach(False, f"nothing listens at {address}: no internal load balancer Service has that address")
    ranges = list((lb.get("spec") or {}).get("loadBalancerSourceRanges") or [])
    if ranges and not any(kube_network.in_block(source_ip, {"cidr": r}) for r in ranges):
        return Reach(False, f"{source_ip} is outside the load balancer's source ranges {ranges}")
    hop = to_service(objects, around, kube_network.Peer(ip=source_ip), lb, port)
    if not hop.arrived or hop.pod is None:
        return Reach(False, f"to the ingress controller: {hop.why}")
    rule = _ingress_rule(objects, host)
    if rule is None:
        return Reach(False, f"the ingress controller has no Ingress for host {host}: 404 page not found")
    ingress, backend = rule
    service = service_for_host(objects, str(backend["name"]), ingress["metadata"]["namespace"])
    if service is None:
        return Reach(False, f"the Ingress {ingress['metadata']['name']} names service {backend['name']}, which does "
                            "not exist: 503")
    wanted = backend.get("port") or {}
    number = int(wanted.get("number") or next((p["port"] for p in service["spec"].get("ports") or []
                                               if p.get("name") == wanted.get("name")), 0))
    last = to_service(objects, around, peer_of(hop.pod), service, number)
    if not last.arrived:
        return Reach(False, f"from the ingress controller to the app: {last.why}: 504 gateway timeout")
    return Reach(True, f"{hop.why}; {last.why}", last.pod)
