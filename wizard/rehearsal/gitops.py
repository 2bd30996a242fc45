"""Flux on a rehearsal cluster: the ``microsoft.flux`` extension and its configurations.

A Flux configuration (``Microsoft.KubernetesConfiguration/fluxConfigurations``) is written
with ``complianceState: Pending``; Flux then clones the repository and applies each
kustomization, and the configuration reports ``Compliant``, or ``Non-Compliant`` with the
failing object in ``statuses`` (ObjectStatusDefinition: name, namespace, kind,
complianceState, statusConditions with reason and message; fluxconfiguration.json
2025-04-01). The rehearsal settles a configuration about 90 Azure seconds after ARM wrote it:
Compliant when it knows the repository, branch and path (``bootstrap-repositories.json``),
Non-Compliant otherwise, or when the scenario says Flux is stuck (``flux.stuck``).

What the provider refuses when the resource is written: a configuration on a cluster without
the Flux extension, and a second ``microsoft.flux`` extension on one cluster."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from wizard.rehearsal.kube_objects import repository

EXTENSION = "microsoft.kubernetesconfiguration/extensions"
CONFIGURATION = "microsoft.kubernetesconfiguration/fluxconfigurations"
TYPES = (EXTENSION, CONFIGURATION)
SETTLE_AZURE_SECONDS = 90.0


def _props(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    props = (body or {}).get("properties")
    return props if isinstance(props, Mapping) else {}


def _cluster_of(rid: str) -> str:
    return rid.lower().split("/providers/microsoft.kubernetesconfiguration/")[0]


def write_error(rid: str, rtype: str, state: Mapping[str, Any], known: Iterable[Mapping[str, Any]],
                find: Callable[[str], Any]) -> dict[str, Any] | None:
    cluster = _cluster_of(rid)
    if find(cluster) is None:
        return {"code": "ResourceNotFound", "message": f"The cluster {cluster.rsplit('/', 1)[-1]} was not found."}
    listed = list(known)
    if rtype.lower() == EXTENSION:
        kind = str(_props(state).get("extensionType", "")).lower()
        twin = [r for r in listed if str(r.get("type", "")).lower() == EXTENSION and _cluster_of(str(r["id"])) ==
                cluster and str(r["id"]).lower() != rid.lower()
                and str(_props(r).get("extensionType", "")).lower() == kind]
        if twin:
            return {"code": "ExtensionOperationFailed", "message": f"An extension of type {kind} is already installed "
                    f"on the cluster as {twin[0]['name']}; a cluster holds one instance of this extension type."}
        return None
    has_flux = any(str(r.get("type", "")).lower() == EXTENSION and _cluster_of(str(r["id"])) == cluster and
                   str(_props(r).get("extensionType", "")).lower() == "microsoft.flux" for r in listed)
    if not has_flux:
        # the words a Bicep deployment met (Azure/AKS-Construction PR #291); Azure CLI installs the
        # extension itself first, an ARM template must (MicrosoftDocs/azure-docs#86695)
        return {"code": "ResourceNotFound", "message": "Extension instance with name 'flux' not found."}
    return None


def outcome(state: Mapping[str, Any], stuck: bool) -> dict[str, Any]:
    """What Flux will report once it has tried: Compliant, or the failing kustomization."""
    props = _props(state)
    git = props.get("gitRepository") or {}
    url, branch = str(git.get("url", "")), str((git.get("repositoryRef") or {}).get("branch", ""))
    name, namespace = str(state.get("name", "")), str(props.get("namespace") or "flux-system")
    for key, kustomization in (props.get("kustomizations") or {}).items():
        path = str(kustomization.get("path", ""))
        if stuck or repository(url, branch, path) is None:
            why = ("health check failed after 5m0s: timeout waiting for: [Deployment/cluster-baseline-settings/"
                   "baseline-agent status: 'InProgress']" if stuck else
                   f"kustomization path not found: stat /tmp/kustomization/{path.strip('./')}: no such file or "
                   "directory")
            return {"complianceState": "Non-Compliant", "statuses": [
                {"name": f"{name}-{key}", "namespace": namespace, "kind": "Kustomization",
                 "complianceState": "Non-Compliant", "statusConditions": [
                     {"type": "Ready", "status": "False", "reason": "ReconciliationFailed" if not stuck
                      else "HealthCheckFailed", "message": why}]}]}
    return {"complianceState": "Compliant", "statuses": [
        {"name": name, "namespace": namespace, "kind": "GitRepository", "complianceState": "Compliant"}] + [
        {"name": f"{name}-{key}", "namespace": namespace, "kind": "Kustomization", "complianceState": "Compliant"}
        for key in (props.get("kustomizations") or {})]}


def written(state: dict[str, Any], stuck: bool, pace: float, now: float) -> None:
    """As the provider writes it: Pending, and (kept aside) what it settles to and when."""
    props = state.setdefault("properties", {})
    props["complianceState"] = "Pending"
    props["provisioningState"] = "Succeeded"
    state["_settle"] = {"at": now + SETTLE_AZURE_SECONDS / pace, **outcome(state, stuck)}


def settle(resources: dict[str, dict[str, Any]], settling: dict[str, dict[str, Any]], now: float) -> bool:
    """Apply each configuration's outcome once its time has come; True when any changed."""
    changed = False
    for key, resource in resources.items():
        if str(resource.get("type", "")).lower() != CONFIGURATION:
            continue
        plan = resource.pop("_settle", None)
        if plan is not None:
            settling[key] = plan
            changed = True
        plan = settling.get(key)
        if plan is None or now < float(plan["at"]):
            continue
        props = resource.setdefault("properties", {})
        props["complianceState"], props["statuses"] = plan["complianceState"], plan["statuses"]
        del settling[key]
        changed = True
    return changed
