"""Can the operator reach into the private cluster at all? Run command must be on (step 8's
decision), and the operator must hold the Azure right to use it. Shared by the steps that
work inside the cluster (bootstrap, workload)."""

from __future__ import annotations

from checks.access import assigned_roles
from checks.roles import CONTRIBUTOR, OWNER
from wizard.engine.contract import Finding, StepContext


def check_run_command_on(ctx: StepContext) -> Finding:
    if ctx.output("cluster", "run_command"):
        return Finding.ok("Run command is on: the wizard can reach the private API server without line of sight.")
    name = str(ctx.output("cluster", "cluster_name") or str(ctx.output("cluster", "cluster_id", "")).rsplit("/", 1)[-1])
    group = str(ctx.output("cluster", "resource_group"))
    return Finding.fail("Run command is off for the cluster (step 8's decision), and the API server is private.",
                        "Turn it on in step 8 (edit, key e, then deploy) or work from the jump box: "
                        f"az aks command invoke is then unavailable; use az aks get-credentials -g {group} -n {name} "
                        "from the jump box through Bastion.")


def check_operator_rights(ctx: StepContext, doing: str) -> Finding:
    """Contributor or Owner at subscription scope: ``doing`` says what this step needs it for."""
    held, rows = assigned_roles(ctx)
    if held & {OWNER, CONTRIBUTOR}:
        return Finding.ok(f"You may {doing}.", assignments=rows)
    return Finding.fail(f"To {doing} (run command is managedClusters/runcommand/action) takes Contributor or Owner on "
                        "the cluster's group; you hold neither at subscription scope.", "Ask a subscription Owner for "
                        "Contributor, wait a few minutes, then re-run the checks (c).", assignments=rows)
