"""Can the operator reach into the private cluster at all? Run command must be on (step 8's
decision), and the operator must hold the Azure right to use it. Shared by the steps that
work inside the cluster (bootstrap, workload)."""

from __future__ import annotations

from checks.access import assigned_roles
from checks.roles import CONTRIBUTOR, OWNER
from wizard.engine.contract import Finding, StepContext


def run_command_state(ctx: StepContext) -> bool:
    """Whether run command is off for the cluster, as AKS reports it now: step 10 may have
    turned it off since step 8 recorded its decision."""
    from wizard.engine.arm import call
    from wizard.engine.run_command import cluster_parts

    assert ctx.azure is not None
    group, name = cluster_parts(str(ctx.output("cluster", "cluster_id")))
    found = call(name, ctx.azure.container_service().managed_clusters.get, group, name)
    profile = found.api_server_access_profile
    return bool(profile is not None and profile.disable_run_command)


def check_run_command_on(ctx: StepContext) -> Finding:
    """Read from the cluster when there is an Azure session, else from step 8's decision."""
    off = run_command_state(ctx) if ctx.azure is not None else not ctx.output("cluster", "run_command")
    if not off:
        return Finding.ok("Run command is on: the wizard can reach the private API server without line of sight.")
    name = str(ctx.output("cluster", "cluster_name") or str(ctx.output("cluster", "cluster_id", "")).rsplit("/", 1)[-1])
    group = str(ctx.output("cluster", "resource_group"))
    return Finding.fail("Run command is off for the cluster (step 8's decision, or step 10's), and the API server is "
                        "private.", f"Turn it back on (az aks update -g {group} -n {name} --enable-run-command, or "
                        "step 8's decision and deploy step 8 again), then re-run the checks (c); or work from the jump "
                        f"box through Bastion with az aks get-credentials -g {group} -n {name}.")


def check_operator_rights(ctx: StepContext, doing: str) -> Finding:
    """Contributor or Owner at subscription scope: ``doing`` says what this step needs it for."""
    held, rows = assigned_roles(ctx)
    if held & {OWNER, CONTRIBUTOR}:
        return Finding.ok(f"You may {doing}.", assignments=rows)
    return Finding.fail(f"To {doing} (run command is managedClusters/runcommand/action) takes Contributor or Owner on "
                        "the cluster's group; you hold neither at subscription scope.", "Ask a subscription Owner for "
                        "Contributor, wait a few minutes, then re-run the checks (c).", assignments=rows)
