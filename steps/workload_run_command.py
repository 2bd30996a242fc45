"""Step 10's closing decision: turn AKS run command off once the workload is proven.

A managed cluster's PUT replaces the resource: a template naming only
``apiServerAccessProfile.disableRunCommand`` would reset everything else AKS holds. So the
template is the cluster as Azure reports it at the preview, without what only Azure sets
(the properties the SDK's model marks read-only for api-version 2026-08-01: states, FQDNs,
the OIDC issuer's URL, identities' principal ids), with that one property true. That is what
``az aks update --disable-run-command`` sends (GET, change, PUT); sent as a deployment, ARM's
validate and what-if show the single Modify before anything is approved."""

from __future__ import annotations

from typing import Any, Mapping

from steps.cluster_aks import AKS_API
from steps.cluster_template import SCHEMA
from wizard.engine.contract import StepContext

CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters"


def current_cluster(ctx: StepContext) -> dict[str, Any]:
    """The cluster as AKS reports it now, writable properties only (a read: allowed before approval)."""
    from wizard.engine.arm import call
    from wizard.engine.run_command import cluster_parts

    assert ctx.azure is not None, "reading the cluster needs an Azure session"
    group, name = cluster_parts(str(ctx.output("cluster", "cluster_id")))
    found = call(name, ctx.azure.container_service().managed_clusters.get, group, name)
    return dict(found.as_dict(exclude_readonly=True))


def managed_cluster_without_run_command(current: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The cluster's own body with run command switched off and nothing else changed."""
    body = {k: v for k, v in current.items() if k not in ("id", "name", "type", "systemData")}
    properties = dict(body.get("properties") or {})
    properties["apiServerAccessProfile"] = {**dict(properties.get("apiServerAccessProfile") or {}),
                                            "disableRunCommand": True}
    return {"type": CLUSTER_TYPE, "apiVersion": AKS_API, "name": name, **body, "properties": properties}


def template(ctx: StepContext) -> dict[str, Any]:
    name = str(ctx.output("cluster", "cluster_name") or str(ctx.output("cluster", "cluster_id")).rsplit("/", 1)[-1])
    cluster = f"resourceId('{CLUSTER_TYPE}', '{name}')"
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {},
            "resources": [managed_cluster_without_run_command(current_cluster(ctx), name)],
            "outputs": {"runCommandDisabled": {
                "type": "bool", "value": f"[reference({cluster}, '{AKS_API}').apiServerAccessProfile.disableRunCommand]"}}}
