"""The Kubernetes objects a rehearsal cluster holds, derived from what ARM knows about it.

A real cluster's nodes come from its node pools, its system namespaces from AKS, Gatekeeper's
namespace and constraint templates from the Azure Policy add-on and the policy assignments
on the cluster, and the bootstrap namespaces from Flux once its configuration has reconciled.
The rehearsal derives the same objects from the model, so what ``kubectl`` answers inside a
run command follows what the earlier steps deployed; nothing is canned per step."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from wizard.rehearsal import kube_admission
from wizard.rehearsal.node_resource_group import _digits

REPOSITORIES_FILE = Path(__file__).resolve().parents[2] / "assets" / "azure" / "bootstrap-repositories.json"
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
FLUX_CONFIGURATIONS = "microsoft.kubernetesconfiguration/fluxconfigurations"
EXTENSIONS = "microsoft.kubernetesconfiguration/extensions"


@lru_cache(maxsize=1)
def repositories() -> tuple[Mapping[str, Any], ...]:
    return tuple(json.loads(REPOSITORIES_FILE.read_text(encoding="utf-8"))["repositories"])


def repository(url: str, branch: str, path: str) -> Mapping[str, Any] | None:
    """A repository the rehearsal knows the contents of (an unknown one has none to apply)."""
    wanted = (url.lower().removesuffix(".git").rstrip("/"), branch, path.strip("./"))
    for repo in repositories():
        if (str(repo["url"]).lower(), str(repo["branch"]), str(repo["path"]).strip("./")) == wanted:
            return repo
    return None


def _props(resource: Mapping[str, Any] | None) -> Mapping[str, Any]:
    props = (resource or {}).get("properties")
    return props if isinstance(props, Mapping) else {}


def nodes(cluster: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One Node per instance of each pool, spread over the pool's zones in turn, named as AKS
    names them (``aks-<pool>-<8 digits>-vmss00000<n>``), Ready, at the cluster's version."""
    props, region = _props(cluster), str(cluster.get("location", "")).lower()
    version = str(props.get("currentKubernetesVersion") or props.get("kubernetesVersion") or "")
    out: list[dict[str, Any]] = []
    for pool in props.get("agentPoolProfiles") or []:
        name = str(pool.get("name"))
        zones = [str(z) for z in pool.get("availabilityZones") or []]
        base = f"aks-{name}-{_digits(str(cluster['id']) + name)}-vmss"
        for index in range(int(pool.get("count") or 0)):
            labels = {"agentpool": name, "kubernetes.azure.com/mode": str(pool.get("mode", "User")).lower(),
                      "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": str(pool.get("vmSize", ""))}
            if zones:
                labels["topology.kubernetes.io/zone"] = f"{region}-{zones[index % len(zones)]}"
            out.append({"apiVersion": "v1", "kind": "Node",
                        "metadata": {"name": f"{base}{index:06d}", "labels": labels},
                        "spec": {"taints": [{"key": t.split("=")[0], "effect": t.rsplit(":", 1)[-1]}
                                            for t in pool.get("nodeTaints") or []]},
                        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                                   "nodeInfo": {"kubeletVersion": f"v{version}" if version else ""}}})
    return out


def _on_cluster(resources: Iterable[Mapping[str, Any]], cluster_id: str, rtype: str) -> list[Mapping[str, Any]]:
    prefix = cluster_id.lower() + "/providers/"
    return [r for r in resources if str(r.get("type", "")).lower() == rtype and str(r.get("id", "")).lower()
            .startswith(prefix)]


def namespaces(cluster: Mapping[str, Any], resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """System namespaces; gatekeeper-system with the Azure Policy add-on; flux-system with the
    Flux extension; and what each Compliant Flux configuration's repository declares."""
    listed = list(resources)
    names = list(SYSTEM_NAMESPACES)
    addons = _props(cluster).get("addonProfiles") or {}
    if (addons.get("azurepolicy") or {}).get("enabled"):
        names.append("gatekeeper-system")
    if _on_cluster(listed, str(cluster["id"]), EXTENSIONS):
        names.append("flux-system")
    for config in _on_cluster(listed, str(cluster["id"]), FLUX_CONFIGURATIONS):
        props = _props(config)
        if props.get("complianceState") != "Compliant":
            continue
        git = props.get("gitRepository") or {}
        for kustomization in (props.get("kustomizations") or {}).values():
            repo = repository(str(git.get("url", "")), str((git.get("repositoryRef") or {}).get("branch", "")),
                              str(kustomization.get("path", "")))
            names += list((repo or {}).get("namespaces", []))
    return sorted(set(names))


def constraint_templates(cluster: Mapping[str, Any], resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """Gatekeeper's constraint templates: one per Kubernetes policy assigned at or above the
    cluster's resource group, once the Azure Policy add-on runs. Azure names them
    ``k8sazure…``; the rehearsal derives a name of that form from the definition id."""
    out = []
    for assignment in kube_admission.assignments_over(cluster, resources):
        definition = str(_props(assignment).get("policyDefinitionId", "")).rsplit("/", 1)[-1].lower()
        name = str(_props(assignment).get("displayName") or "").lower()
        if "kubernetes" in name:
            out.append(f"k8sazure{definition.replace('-', '')[:12]}")
    return sorted(set(out))
