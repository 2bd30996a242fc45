"""Gatekeeper's admission review in a rehearsal cluster: the Azure Policy add-on's deny.

Step 8 assigns built-in Azure Policy for Kubernetes definitions at the cluster's resource
group. With the add-on enabled, Gatekeeper installs each definition's constraint template
and refuses, at admission, an object that violates a deny-effect constraint outside the
excluded namespaces. The rehearsal reads the same assignments from the model and refuses in
the API server's words (``assets/rehearsal/gatekeeper-constraints.json``), so a manifest
that would be refused on Azure is refused here, naming the constraint."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

DATA = Path(__file__).resolve().parents[2] / "assets" / "rehearsal" / "gatekeeper-constraints.json"
ASSIGNMENTS = "microsoft.authorization/policyassignments"
WEBHOOK = 'admission webhook "validation.gatekeeper.sh" denied the request'


@lru_cache(maxsize=1)
def _known() -> Mapping[str, Mapping[str, Any]]:
    return json.loads(DATA.read_text(encoding="utf-8"))["constraints"]


@dataclass(frozen=True)
class Constraint:
    name: str  # azurepolicy-<template>-<part of the assignment's id>, as the add-on names constraints
    rule: str
    message: str
    excluded: tuple[str, ...]
    parameters: Mapping[str, Any]


def _value(parameters: Mapping[str, Any], key: str, default: Any) -> Any:
    entry = parameters.get(key)
    return entry.get("value", default) if isinstance(entry, Mapping) else default


def assignments_over(cluster: Mapping[str, Any], resources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The policy assignments Gatekeeper enforces on the cluster: those at or above its resource
    group, once the Azure Policy add-on runs (none without it)."""
    props = cluster.get("properties") or {}
    if not ((props.get("addonProfiles") or {}).get("azurepolicy") or {}).get("enabled"):
        return []
    scope = str(cluster["id"]).lower().split("/providers/")[0]
    return [a for a in resources if str(a.get("type", "")).lower() == ASSIGNMENTS
            and scope.startswith(str(a.get("id", "")).lower().split("/providers/microsoft.authorization/")[0])]


def constraints(cluster: Mapping[str, Any], resources: Iterable[Mapping[str, Any]]) -> list[Constraint]:
    """The deny constraints in force on the cluster."""
    out = []
    for assignment in assignments_over(cluster, resources):
        a = assignment.get("properties") or {}
        known = _known().get(str(a.get("policyDefinitionId", "")).rsplit("/", 1)[-1].lower())
        parameters = a.get("parameters") or {}
        if known is None or a.get("enforcementMode") == "DoNotEnforce" \
                or str(_value(parameters, "effect", "")).lower() != "deny":
            continue
        suffix = re.sub(r"[^a-z0-9]", "", str(assignment.get("name", "")).lower())[:12]
        out.append(Constraint(f"azurepolicy-{known['template']}-{suffix}", str(known["rule"]), str(known["message"]),
                              tuple(str(n) for n in _value(parameters, "excludedNamespaces", [])),
                              {k: _value(parameters, k, None) for k in parameters}))
    return sorted(out, key=lambda c: c.name)


def _containers(pod_spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(pod_spec.get("initContainers") or []) + list(pod_spec.get("containers") or [])


def _violations(constraint: Constraint, obj: Mapping[str, Any], pod_spec: Mapping[str, Any] | None) -> list[str]:
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", ""))
    if constraint.rule == "allowed-images" and pod_spec is not None:
        pattern = str(constraint.parameters.get("allowedContainerImagesRegex") or "")
        return [constraint.message.format(image=c.get("image"), container=c.get("name"))
                for c in _containers(pod_spec) if not re.match(pattern, str(c.get("image", "")))]
    if constraint.rule == "https-ingress" and obj.get("kind") == "Ingress":
        annotations = meta.get("annotations") or {}
        if not (obj.get("spec") or {}).get("tls") or annotations.get("kubernetes.io/ingress.allow-http") != "false":
            return [constraint.message.format(name=name)]
    if constraint.rule == "internal-load-balancer" and obj.get("kind") == "Service" \
            and (obj.get("spec") or {}).get("type") == "LoadBalancer":
        if (meta.get("annotations") or {}).get("service.beta.kubernetes.io/azure-load-balancer-internal") != "true":
            return [constraint.message.format(name=name)]
    return []


def review(obj: Mapping[str, Any], namespace: str, in_force: Iterable[Constraint],
           pod_spec: Mapping[str, Any] | None = None) -> str:
    """The refusal of ``obj`` (or of a pod from ``pod_spec``), or "" when it is admitted."""
    said = []
    for constraint in in_force:
        if namespace in constraint.excluded:
            continue
        said += [f"[{constraint.name}] {m}" for m in _violations(constraint, obj, pod_spec)]
    return f"{WEBHOOK}: " + "\n".join(said) if said else ""
