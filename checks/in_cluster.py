"""Checks that look inside the private cluster, through AKS run command, as the operator.

Each runs one ``kubectl`` command (``wizard.engine.run_command``) with the operator's own
Kubernetes token, and keeps the command, its exit code and output as evidence: a reviewer
reads exactly what was asked and what the cluster answered. A "forbidden" answer means
Kubernetes RBAC refused the operator, which on this cluster means they are not in the
cluster-admin group of step 3; the finding says so and how to fix it."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Mapping, Sequence

from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import Finding, StepContext
from wizard.engine.run_command import CommandOutcome, run

RERUN = "then verify again (key d; headless: aks-wizard run --resume <session> --yes)"


def _cluster(ctx: StepContext) -> str:
    return str(ctx.output("cluster", "cluster_id") or "")


def _run(ctx: StepContext, command: str) -> CommandOutcome | Finding:
    assert ctx.azure is not None
    try:
        return run(ctx.azure, _cluster(ctx), command)
    except AzureCallFailed as exc:
        f = exc.failure
        return Finding.fail(f"Run command was refused: {f.code}: {f.message}", f.remedy or
                            "Check that run command is on for the cluster (step 8's decision) and that you may run it "
                            "(Microsoft.ContainerService/managedClusters/runcommand/action); " + RERUN + ".",
                            command=command, error=f.as_record())


def _forbidden(ctx: StepContext, outcome: CommandOutcome, said: str = "") -> Finding:
    group = ctx.output("identity", "admin_group_id") or "the cluster-admin group"
    me = ctx.azure.actor().object_id if ctx.azure is not None else "<your object id>"
    return Finding.fail(said or f"Kubernetes refused you: {outcome.logs.strip()}",
                        f"You are not a member of the cluster-admin group {group}. Add yourself "
                        f"(az ad group member add --group {group} --member-id {me}), wait a minute for the token to "
                        f"carry it, {RERUN}.", **outcome.as_evidence())


def _json(ctx: StepContext, command: str) -> tuple[list[dict[str, Any]], Finding | None]:
    outcome = _run(ctx, command)
    if isinstance(outcome, Finding):
        return [], outcome
    if "forbidden" in outcome.logs.lower():
        return [], _forbidden(ctx, outcome)
    if not outcome.ok:
        return [], Finding.fail(f"`{command}` ended with exit code {outcome.exit_code}: {outcome.logs.strip()[:300]}",
                                f"Read the output in the evidence; {RERUN}.", **outcome.as_evidence())
    try:
        items = list(json.loads(outcome.logs).get("items") or [])
    except (ValueError, AttributeError):
        return [], Finding.fail(f"`{command}` did not answer JSON.", f"Read the output in the evidence; {RERUN}.",
                                **outcome.as_evidence())
    return items, None


def _ready(node: Mapping[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or [])


def pools_of(ctx: StepContext) -> dict[str, list[str]]:
    """Each node pool's zones, as ARM has the cluster (not as step 8 asked for it)."""
    from wizard.engine.arm import call
    from wizard.engine.run_command import cluster_parts

    assert ctx.azure is not None
    rg, name = cluster_parts(_cluster(ctx))
    cluster = call(name, ctx.azure.container_service().managed_clusters.get, rg, name)
    return {str(p.name): [str(z) for z in (p.availability_zones or [])] for p in cluster.agent_pool_profiles or []}


def check_nodes_ready(ctx: StepContext) -> Finding:
    """Every node Ready, and every pool with nodes in each of its zones."""
    try:
        pools = pools_of(ctx)
    except AzureCallFailed as exc:
        return Finding.fail(f"Could not read the cluster: {exc.failure.code}: {exc.failure.message}",
                            exc.failure.remedy or RERUN, error=exc.failure.as_record())
    items, problem = _json(ctx, "kubectl get nodes -o json")
    if problem:
        return problem
    labels = [(n.get("metadata") or {}).get("labels") or {} for n in items]
    per_pool = Counter(str(l.get("agentpool")) for l in labels)
    zones: dict[str, set[str]] = {}
    for l in labels:
        zones.setdefault(str(l.get("agentpool")), set()).add(str(l.get("topology.kubernetes.io/zone", "")).rsplit("-", 1)[-1])
    not_ready = [str((n.get("metadata") or {}).get("name")) for n in items if not _ready(n)]
    # AKS spreads a pool's nodes over its zones; a pool with fewer nodes than zones leaves some
    # empty (two user nodes over zones 1-3), so the test is the spread the count allows.
    gaps = [f"{pool}'s {per_pool.get(pool, 0)} nodes are in {len(zones.get(pool, set()) & set(wanted))} of its "
            f"zones {', '.join(wanted)}" for pool, wanted in pools.items() if wanted and per_pool.get(pool)
            and len(zones.get(pool, set()) & set(wanted)) < min(per_pool[pool], len(wanted))]
    missing = [pool for pool in pools if not per_pool.get(pool)]
    evidence = {"nodes": len(items), "per_pool": dict(per_pool), "zones": {k: sorted(v) for k, v in zones.items()},
                "command": "kubectl get nodes -o json"}
    if not_ready or missing or gaps:
        said = "; ".join(([f"not Ready: {', '.join(not_ready)}"] if not_ready else []) +
                         ([f"no nodes in pool {', '.join(missing)}"] if missing else []) + gaps)
        return Finding.fail(f"Nodes: {said}.", "Read the node pools' state in the portal or with az aks nodepool "
                            f"list; {RERUN}.", **evidence)
    spread = ", ".join(f"{pool} {per_pool[pool]} (zones {', '.join(sorted(zones[pool]))})" for pool in pools)
    return Finding.ok(f"All {len(items)} nodes are Ready: {spread}.", **evidence)


def check_namespaces(ctx: StepContext, expected: Sequence[str]) -> Finding:
    items, problem = _json(ctx, "kubectl get namespaces -o json")
    if problem:
        return problem
    present = sorted(str((i.get("metadata") or {}).get("name")) for i in items)
    missing = [n for n in expected if n not in present]
    evidence = {"present": present, "expected": list(expected), "command": "kubectl get namespaces -o json"}
    if missing:
        return Finding.fail(f"Flux has not created {', '.join(missing)}.", "Check the bootstrap repository's path and "
                            f"branch (this step's decisions) and the Flux configuration's statuses; {RERUN}.",
                            **evidence)
    if not expected:
        return Finding.ok(f"{len(present)} namespaces; none expected from the repository were named.", **evidence)
    return Finding.ok(f"The repository's namespaces exist: {', '.join(expected)}.", **evidence)


def check_constraint_templates(ctx: StepContext) -> Finding:
    items, problem = _json(ctx, "kubectl get constrainttemplates -o json")
    if problem:
        return problem
    names = sorted(str((i.get("metadata") or {}).get("name")) for i in items)
    evidence = {"templates": names, "command": "kubectl get constrainttemplates -o json"}
    if not names:
        return Finding.fail("Azure Policy has installed no constraint templates yet.", "The add-on syncs assignments "
                            f"about every 15 minutes; wait, {RERUN}.", **evidence)
    return Finding.ok(f"Azure Policy's Gatekeeper holds {len(names)} constraint templates.", **evidence)


def check_admin_access(ctx: StepContext) -> Finding:
    """The signed-in operator may do anything anywhere: what the admin group grants."""
    command = "kubectl auth can-i '*' '*' --all-namespaces"
    outcome = _run(ctx, command)
    if isinstance(outcome, Finding):
        return outcome
    answer = outcome.logs.strip().lower()
    if answer == "yes":
        return Finding.ok("Your Entra identity has cluster-admin through the admin group.", **outcome.as_evidence())
    return _forbidden(ctx, outcome, "Kubernetes answers that you are not cluster-admin (auth can-i: no).") \
        if answer == "no" else Finding.fail(
        f"`{command}` answered: {outcome.logs.strip()[:300]}", f"Read the evidence; {RERUN}.", **outcome.as_evidence())
